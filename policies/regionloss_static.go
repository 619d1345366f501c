package policies

// The region-loss analysis of static-content: the edge keeps serving static files.

import (
	"fmt"
	"strings"

	"github.com/mobile-backend/mobile-backend/internal/mock"
	"github.com/mobile-backend/mobile-backend/internal/spec"
)

// static: the edge serves static content from an origin that outlives the
// lost region.
func (v lossView) static() FunctionLoss {
	switch v.Spec.Cloud {
	case spec.AWS:
		buckets := map[string]*mock.Resource{}
		for _, b := range v.OfType("aws:s3/bucketV2:BucketV2") {
			if d, _ := b.Outputs["bucketRegionalDomainName"].(string); d != "" {
				buckets[d] = b
			}
		}
		for _, d := range v.OfType("aws:cloudfront/distribution:Distribution") {
			var alive []string
			for i := 0; i < d.Len("origins"); i++ {
				if b := buckets[d.Str(fmt.Sprintf("origins.%d.domainName", i))]; b != nil && v.alive(b) {
					alive = append(alive, b.Region)
				}
			}
			grouped := d.Len("originGroups.0.members") >= 2
			if len(alive) > 0 && (grouped || d.Len("origins") == 1) {
				return survived("CloudFront origin group: bucket in "+strings.Join(alive, ", "), 0, 0)
			}
			return broken("CloudFront serves static content from origins in %s only, without a failover origin outside it", v.lost)
		}
		return broken("no CloudFront distribution serves static content")
	case spec.GCP:
		for _, bb := range v.OfType("gcp:compute/backendBucket:BackendBucket") {
			b := v.gcsBucket(append([]string{bb.Str("bucketName")}, bb.PropertyDeps["bucketName"]...)...)
			if b != nil && v.alive(b) {
				return survived("Cloud CDN backend bucket in "+b.Str("location"), 0, 0)
			}
		}
		return broken("no Cloud CDN backend bucket outlives %s", v.lost)
	default:
		return v.azureOrigins("static", "static")
	}
}
