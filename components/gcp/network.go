package gcp

import (
	"fmt"

	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/compute"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/servicenetworking"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// NetworkArgs configures a Network.
type NetworkArgs struct {
	Regions []Region // required
	// PrivateServices peers the network with Google's service producers, so
	// that Cloud SQL gets private IPs only.
	PrivateServices bool
}

// Network is the stack's VPC: one global network with a subnet per region
// (flow logs on, Private Google Access on), and, for Cloud SQL, private
// services access. It has no ingress firewall rule at all: Cloud Run reaches
// into it through direct VPC egress, nothing reaches in from outside.
type Network struct {
	pulumi.ResourceState

	NetworkID pulumi.StringOutput `pulumi:"networkId"`

	subnets map[string]pulumi.StringOutput
	// peering is the private services connection (nil without Cloud SQL).
	peering pulumi.Resource
}

// Peering is what a Cloud SQL instance must wait for: the private services
// connection, when there is one.
func (n *Network) Peering() []pulumi.Resource {
	if n.peering == nil {
		return nil
	}
	return []pulumi.Resource{n.peering}
}

// Subnet is a region's subnet.
func (n *Network) Subnet(region string) pulumi.StringOutput { return n.subnets[region] }

// NewNetwork builds the network. Pass the primary region's provider in opts.
func NewNetwork(ctx *pulumi.Context, name string, args NetworkArgs, opts ...pulumi.ResourceOption) (*Network, error) {
	if len(args.Regions) == 0 {
		return nil, fmt.Errorf("network %s: Regions are required", name)
	}
	n := &Network{subnets: map[string]pulumi.StringOutput{}}
	if err := ctx.RegisterComponentResource("mobile-backend:gcp:Network", name, n, opts...); err != nil {
		return nil, err
	}
	child := pulumi.Parent(n)
	vpc, err := compute.NewNetwork(ctx, name, &compute.NetworkArgs{
		Name:                  pulumi.String(resourceName(name, 63)),
		AutoCreateSubnetworks: pulumi.Bool(false),
		RoutingMode:           pulumi.String("GLOBAL"),
	}, child)
	if err != nil {
		return nil, fmt.Errorf("network %s: %w", name, err)
	}
	for _, r := range args.Regions {
		sub, err := compute.NewSubnetwork(ctx, fmt.Sprintf("%s-%s", name, r.Name), &compute.SubnetworkArgs{
			Name:                  pulumi.String(resourceName(fmt.Sprintf("%s-%s", name, r.Name), 63)),
			Region:                pulumi.String(r.Name),
			Network:               vpc.ID(),
			IpCidrRange:           pulumi.String(r.CIDR),
			PrivateIpGoogleAccess: pulumi.Bool(true),
			LogConfig: &compute.SubnetworkLogConfigArgs{
				AggregationInterval: pulumi.String("INTERVAL_5_SEC"),
				FlowSampling:        pulumi.Float64(0.5),
				Metadata:            pulumi.String("INCLUDE_ALL_METADATA"),
			},
		}, child, pulumi.Provider(r.Provider))
		if err != nil {
			return nil, err
		}
		n.subnets[r.Name] = sub.ID().ToStringOutput()
	}
	if args.PrivateServices {
		rng, err := compute.NewGlobalAddress(ctx, name+"-private-services", &compute.GlobalAddressArgs{
			Name:         pulumi.String(resourceName(name+"-private-services", 63)),
			Purpose:      pulumi.String("VPC_PEERING"),
			AddressType:  pulumi.String("INTERNAL"),
			PrefixLength: pulumi.Int(16),
			Network:      vpc.ID(),
		}, child)
		if err != nil {
			return nil, err
		}
		conn, err := servicenetworking.NewConnection(ctx, name+"-private-services", &servicenetworking.ConnectionArgs{
			Network:               vpc.ID(),
			Service:               pulumi.String("servicenetworking.googleapis.com"),
			ReservedPeeringRanges: pulumi.StringArray{rng.Name},
		}, child)
		if err != nil {
			return nil, err
		}
		n.peering = conn
	}
	n.NetworkID = vpc.ID().ToStringOutput()
	return n, ctx.RegisterResourceOutputs(n, pulumi.Map{"networkId": n.NetworkID})
}
