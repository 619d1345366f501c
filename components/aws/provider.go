// Package aws holds the reusable AWS components of the mobile backend, one
// file per capability: regional compute, certificates, DNS routing and the
// web firewall. Every component registers itself first, parents its children,
// and takes its region from the explicit provider passed to it: no resource
// here relies on the ambient AWS_REGION.
package aws

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mobile-backend/mobile-backend/internal/names"
)

// GlobalRegion is where the global services' regional parts live: Route 53
// health-check metrics, CloudFront certificates, and so the stack's global
// provider.
const GlobalRegion = "us-east-1"

// NewProvider returns an explicit AWS provider for one region that stamps the
// stack's standard tags (plus the region) on every resource that takes tags.
// The logical name is aws-<region>, or aws-global for the global provider.
func NewProvider(ctx *pulumi.Context, name, region string, tags map[string]string) (*aws.Provider, error) {
	return newProvider(ctx, name, region, tags, false)
}

// NewUnreachableProvider is NewProvider for a region whose APIs do not
// answer (mobile-backend:regionsDown): it skips every check the provider
// makes when it is configured (STS for the credentials and the account,
// the region's name), so a pulumi up that changes nothing in the region
// calls nothing there. The skip settings change the provider by an update,
// not a replacement: only a changed region replaces what a provider holds
// (pulumi/pulumi-aws#3826, #2460).
func NewUnreachableProvider(ctx *pulumi.Context, name, region string, tags map[string]string) (*aws.Provider, error) {
	return newProvider(ctx, name, region, tags, true)
}

func newProvider(ctx *pulumi.Context, name, region string, tags map[string]string, unreachable bool) (*aws.Provider, error) {
	t := pulumi.StringMap{}
	for k, v := range tags {
		t[k] = pulumi.String(v)
	}
	args := &aws.ProviderArgs{
		Region:      pulumi.String(region),
		DefaultTags: &aws.ProviderDefaultTagsArgs{Tags: t},
	}
	if unreachable {
		args.SkipCredentialsValidation = pulumi.Bool(true)
		args.SkipRequestingAccountId = pulumi.Bool(true)
		args.SkipRegionValidation = pulumi.Bool(true)
	}
	p, err := aws.NewProvider(ctx, name, args)
	if err != nil {
		return nil, fmt.Errorf("aws provider %s: %w", name, err)
	}
	return p, nil
}

// fit shortens a physical name to a provider's length limit (an ALB or
// target group name is at most 32 characters) without losing uniqueness.
func fit(name string, max int) string { return names.Fit(name, max) }

// nameTag is the Name tag that makes a console listing readable.
func nameTag(name string) pulumi.StringMap {
	return pulumi.StringMap{"Name": pulumi.String(name)}
}
