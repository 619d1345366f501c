// Package gcp holds the reusable Google Cloud components of the mobile
// backend, one file per capability: network, regional compute, the global
// load balancer with Cloud Armor, DNS, the database, replicated storage,
// monitoring and the active-passive failover. Every component takes its
// project and region from the explicit provider passed to it.
package gcp

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mobile-backend/mobile-backend/internal/names"
)

// NewProvider returns an explicit Google Cloud provider for one region of a
// project (an empty project means the ambient one) that puts the stack's
// standard labels on every resource that takes labels.
func NewProvider(ctx *pulumi.Context, name, project, region string, labels map[string]string) (*gcp.Provider, error) {
	l := pulumi.StringMap{}
	for k, v := range labels {
		l[Label(k)] = pulumi.String(Label(v))
	}
	args := &gcp.ProviderArgs{
		Region:                       pulumi.String(region),
		DefaultLabels:                l,
		AddTerraformAttributionLabel: pulumi.Bool(false),
	}
	if project != "" {
		args.Project = pulumi.String(project)
	}
	p, err := gcp.NewProvider(ctx, name, args)
	if err != nil {
		return nil, fmt.Errorf("gcp provider %s: %w", name, err)
	}
	return p, nil
}

var notLabel = regexp.MustCompile(`[^a-z0-9_-]+`)

// Label turns a string into a valid label key or value: lowercase letters,
// digits, underscores and hyphens, at most 63 characters.
func Label(s string) string {
	s = notLabel.ReplaceAllString(strings.ToLower(s), "-")
	if len(s) > 63 {
		s = s[:63]
	}
	return s
}

// resourceName makes a Google Cloud resource name: lowercase letters, digits
// and hyphens, starting with a letter, at most max characters (63 for most
// resources, 30 for service account ids, 49 for Cloud Run services).
func resourceName(name string, max int) string { return names.DNSLabel(name, max) }

// lookupsOr is the invoke option of a lookup: through lookups when given,
// else as the component's children (its provider).
func lookupsOr(lookups *gcp.Provider, child pulumi.ResourceOrInvokeOption) pulumi.InvokeOption {
	if lookups != nil {
		return pulumi.Provider(lookups)
	}
	return child
}
