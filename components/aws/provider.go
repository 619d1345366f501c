// Package aws holds the reusable AWS components of the mobile backend, one
// file per capability: regional compute, certificates, DNS routing and the
// web firewall. Every component registers itself first, parents its children,
// and takes its region from the explicit provider passed to it: no resource
// here relies on the ambient AWS_REGION.
package aws

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// GlobalRegion is where the global services' regional parts live: Route 53
// health-check metrics, CloudFront certificates, and so the stack's global
// provider.
const GlobalRegion = "us-east-1"

// NewProvider returns an explicit AWS provider for one region that stamps the
// stack's standard tags (plus the region) on every resource that takes tags.
// The logical name is aws-<region>, or aws-global for the global provider.
func NewProvider(ctx *pulumi.Context, name, region string, tags map[string]string) (*aws.Provider, error) {
	t := pulumi.StringMap{}
	for k, v := range tags {
		t[k] = pulumi.String(v)
	}
	p, err := aws.NewProvider(ctx, name, &aws.ProviderArgs{
		Region:      pulumi.String(region),
		DefaultTags: &aws.ProviderDefaultTagsArgs{Tags: t},
	})
	if err != nil {
		return nil, fmt.Errorf("aws provider %s: %w", name, err)
	}
	return p, nil
}

// fit shortens a physical name to a provider's length limit, replacing the
// tail with a short hash of the whole name so distinct long names stay
// distinct (an ALB or target group name is at most 32 characters).
func fit(name string, max int) string {
	if len(name) <= max {
		return name
	}
	sum := sha256.Sum256([]byte(name))
	h := hex.EncodeToString(sum[:])[:6]
	head := name[:max-len(h)-1]
	for len(head) > 0 && head[len(head)-1] == '-' {
		head = head[:len(head)-1]
	}
	return head + "-" + h
}

// nameTag is the Name tag that makes a console listing readable.
func nameTag(name string) pulumi.StringMap {
	return pulumi.StringMap{"Name": pulumi.String(name)}
}
