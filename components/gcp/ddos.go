package gcp

import (
	"fmt"

	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/compute"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// NetworkDDoSProtectionArgs configures NetworkDDoSProtection.
type NetworkDDoSProtectionArgs struct {
	Stack   string   // required
	Project string   // the project whose Cloud Armor tier is raised ("" for the provider's)
	Regions []Region // required
}

// NetworkDDoSProtection is Cloud Armor's advanced network DDoS protection:
// the project on Cloud Armor Enterprise (pay as you go), and in every region
// a network security policy with advanced DDoS protection attached to the
// region's network edge security service. It covers the region's external
// passthrough load balancers, protocol forwarding and VM public IPs; the
// global external Application Load Balancer in front of Cloud Run has its
// own always-on protection and Cloud Armor's adaptive protection (always on
// in WebFirewall).
type NetworkDDoSProtection struct {
	pulumi.ResourceState
}

// NewNetworkDDoSProtection builds it. Pass the primary region's provider in opts.
func NewNetworkDDoSProtection(ctx *pulumi.Context, name string, args NetworkDDoSProtectionArgs, opts ...pulumi.ResourceOption) (*NetworkDDoSProtection, error) {
	if args.Stack == "" || len(args.Regions) == 0 {
		return nil, fmt.Errorf("ddos %s: Stack and Regions are required", name)
	}
	d := &NetworkDDoSProtection{}
	if err := ctx.RegisterComponentResource("mobile-backend:gcp:NetworkDDoSProtection", name, d, opts...); err != nil {
		return nil, err
	}
	child := pulumi.Parent(d)
	var project pulumi.StringPtrInput
	if args.Project != "" {
		project = pulumi.String(args.Project)
	}
	tier, err := compute.NewProjectCloudArmorTier(ctx, name+"-tier", &compute.ProjectCloudArmorTierArgs{
		CloudArmorTier: pulumi.String("CA_ENTERPRISE_PAYGO"), Project: project,
	}, child)
	if err != nil {
		return nil, err
	}
	for _, r := range args.Regions {
		in := pulumi.Provider(r.Provider)
		policy, err := compute.NewRegionSecurityPolicy(ctx, name+"-"+r.Name, &compute.RegionSecurityPolicyArgs{
			Name:                 pulumi.String(resourceName(args.Stack+"-ddos-"+r.Name, 63)),
			Region:               pulumi.String(r.Name),
			Description:          pulumi.String("Advanced network DDoS protection for " + args.Stack + " in " + r.Name),
			Type:                 pulumi.String("CLOUD_ARMOR_NETWORK"),
			DdosProtectionConfig: &compute.RegionSecurityPolicyDdosProtectionConfigArgs{DdosProtection: pulumi.String("ADVANCED")},
		}, child, in, pulumi.DependsOn([]pulumi.Resource{tier}))
		if err != nil {
			return nil, err
		}
		if _, err := compute.NewNetworkEdgeSecurityService(ctx, name+"-"+r.Name, &compute.NetworkEdgeSecurityServiceArgs{
			Name:           pulumi.String(resourceName(args.Stack+"-edge-"+r.Name, 63)),
			Region:         pulumi.String(r.Name),
			SecurityPolicy: policy.SelfLink,
		}, child, in); err != nil {
			return nil, err
		}
	}
	return d, ctx.RegisterResourceOutputs(d, pulumi.Map{})
}
