package policies

// The region-loss analysis of region-directory: the apps can still find the regions.

import (
	"fmt"
	"slices"
	"strings"

	"github.com/mobile-backend/mobile-backend/components"
	"github.com/mobile-backend/mobile-backend/internal/azpublish"
	"github.com/mobile-backend/mobile-backend/internal/spec"
)

// directory: the region directory is in a static store the edge serves
// from, outside the lost region.
func (v lossView) directory() FunctionLoss {
	var via []string
	switch v.Spec.Cloud {
	case spec.AWS:
		origins := map[string]bool{} // bucket names CloudFront reads
		for _, d := range v.OfType("aws:cloudfront/distribution:Distribution") {
			for i := 0; i < d.Len("origins"); i++ {
				for _, b := range v.OfType("aws:s3/bucketV2:BucketV2") {
					if dn, _ := b.Outputs["bucketRegionalDomainName"].(string); dn != "" && dn == d.Str(fmt.Sprintf("origins.%d.domainName", i)) {
						origins[b.Str("bucket")] = v.alive(b)
					}
				}
			}
		}
		for _, o := range v.OfType("aws:s3/bucketObjectv2:BucketObjectv2") {
			if o.Str("key") == components.StaticPrefix+"/"+directoryObject && origins[o.Str("bucket")] && v.alive(o) {
				via = append(via, o.Region)
			}
		}
	case spec.GCP:
		for _, o := range v.OfType("gcp:storage/bucketObject:BucketObject") {
			if o.Str("name") == components.StaticPrefix+"/"+directoryObject {
				if b := v.gcsBucket(o.Str("bucket")); b != nil && v.alive(b) {
					via = append(via, b.Str("location"))
				}
			}
		}
	default:
		static := map[string]bool{} // accounts Front Door's static group reads, outside the lost region
		for _, o := range v.OfType("azure-native:cdn:AFDOrigin") {
			if o.Str("originGroupName") == "static" {
				if r := v.originRegion(o); r != "" && r != v.lost {
					static[r] = true
				}
			}
		}
		// A publisher job (the tested script) in that region keeps it there:
		// nothing outside the regions' networks may write the accounts.
		for _, j := range v.OfType("azure-native:app/v20240301:Job") {
			if j.Str("template.containers.0.command.2") != azpublish.Script || !static[j.Region] || !v.alive(j) {
				continue
			}
			docs, _ := azpublish.Parse(envValue(j, "template.containers.0.env", "DOCUMENTS"))
			if slices.ContainsFunc(docs, func(d azpublish.Document) bool { return d.Blob == directoryObject }) {
				via = append(via, j.Region)
			}
		}
	}
	if len(via) == 0 {
		return broken("no static store the edge serves from outside %s holds %s", v.lost, directoryObject)
	}
	slices.Sort(via)
	return survived("the edge serves it from "+strings.Join(slices.Compact(via), ", "), 0, 0)
}
