package azure

import (
	"fmt"
	"net/netip"

	"github.com/pulumi/pulumi-azure-native-sdk/network/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// ContainerAppsDelegation is the service the Container Apps infrastructure
// subnet is delegated to.
const ContainerAppsDelegation = "Microsoft.App/environments"

// StorageServiceEndpoint is the apps subnet's service endpoint to storage
// accounts in any region.
const StorageServiceEndpoint = "Microsoft.Storage.Global"

// NetworkArgs configures a Network.
type NetworkArgs struct {
	Region        string             // required
	ResourceGroup pulumi.StringInput // required: the region's resource group
	CIDR          string             // required: the virtual network's range, /16 to /22
	Tags          pulumi.StringMap
	// DDoSPlanID, when set, puts the virtual network under that Azure DDoS
	// Protection plan.
	DDoSPlanID pulumi.StringInput
}

// Network is one region's virtual network: a /23 for the Container Apps
// environment, delegated to it, and a /24 for private endpoints. It exists
// before the data tier and the apps, so both can be built from its outputs.
type Network struct {
	pulumi.ResourceState

	VirtualNetworkID  pulumi.StringOutput `pulumi:"virtualNetworkId"`
	AppsSubnetID      pulumi.StringOutput `pulumi:"appsSubnetId"`
	EndpointsSubnetID pulumi.StringOutput `pulumi:"endpointsSubnetId"`
}

// NewNetwork builds the network. Pass the region's provider in opts.
func NewNetwork(ctx *pulumi.Context, name string, args NetworkArgs, opts ...pulumi.ResourceOption) (*Network, error) {
	if args.Region == "" || args.ResourceGroup == nil || args.CIDR == "" {
		return nil, fmt.Errorf("network %s: Region, ResourceGroup and CIDR are required", name)
	}
	appsRange, endpointsRange, err := subnetPlan(args.CIDR)
	if err != nil {
		return nil, fmt.Errorf("network %s: %w", name, err)
	}
	n := &Network{}
	if err := ctx.RegisterComponentResource("mobile-backend:azure:Network", name, n, opts...); err != nil {
		return nil, err
	}
	var ddosPlan *network.SubResourceArgs
	if args.DDoSPlanID != nil {
		ddosPlan = &network.SubResourceArgs{Id: args.DDoSPlanID}
	}
	vnet, err := network.NewVirtualNetwork(ctx, name+"-vnet", &network.VirtualNetworkArgs{
		VirtualNetworkName:   pulumi.String(resourceName(name+"-vnet", 64)),
		DdosProtectionPlan:   ddosPlan,
		EnableDdosProtection: pulumi.Bool(args.DDoSPlanID != nil),
		ResourceGroupName:    args.ResourceGroup,
		Location:             pulumi.String(args.Region),
		AddressSpace:         &network.AddressSpaceArgs{AddressPrefixes: pulumi.StringArray{pulumi.String(args.CIDR)}},
		Subnets: network.SubnetTypeArray{
			// A consumption-only Container Apps environment needs an empty /23,
			// delegated to Microsoft.App/environments: new environments are
			// refused without it (microsoft/azure-container-apps#1644, 2026).
			&network.SubnetTypeArgs{Name: pulumi.String("apps"), AddressPrefix: pulumi.String(appsRange),
				Delegations: network.DelegationArray{&network.DelegationArgs{
					Name: pulumi.String("container-apps"), ServiceName: pulumi.String(ContainerAppsDelegation),
				}},
				// Every region's storage account admits this subnet through a
				// cross-region service endpoint ("Microsoft.Storage" reaches
				// only same-region and paired-region accounts; learn.microsoft.com,
				// "Azure Storage firewalls and virtual networks": cross-region
				// service endpoints, identified as Microsoft.Storage.Global).
				ServiceEndpoints: network.ServiceEndpointPropertiesFormatArray{&network.ServiceEndpointPropertiesFormatArgs{Service: pulumi.String(StorageServiceEndpoint)}}},
			&network.SubnetTypeArgs{Name: pulumi.String("endpoints"), AddressPrefix: pulumi.String(endpointsRange),
				PrivateEndpointNetworkPolicies: pulumi.String("Disabled")},
		},
		Tags: args.Tags,
	}, pulumi.Parent(n))
	if err != nil {
		return nil, err
	}
	n.VirtualNetworkID = vnet.ID().ToStringOutput()
	n.AppsSubnetID = pulumi.Sprintf("%s/subnets/apps", vnet.ID())
	n.EndpointsSubnetID = pulumi.Sprintf("%s/subnets/endpoints", vnet.ID())
	return n, ctx.RegisterResourceOutputs(n, pulumi.Map{
		"virtualNetworkId": n.VirtualNetworkID, "appsSubnetId": n.AppsSubnetID, "endpointsSubnetId": n.EndpointsSubnetID,
	})
}

// subnetPlan carves a region's range: the first /23 for the Container Apps
// environment, the next /24 for private endpoints.
func subnetPlan(cidr string) (apps, endpoints string, err error) {
	p, err := netip.ParsePrefix(cidr)
	if err != nil || !p.Addr().Is4() || p.Bits() > 22 {
		return "", "", fmt.Errorf("virtual network range %q must be an IPv4 /16 to /22", cidr)
	}
	base := p.Masked().Addr().As4()
	apps = netip.PrefixFrom(netip.AddrFrom4(base), 23).String()
	base[2] += 2
	endpoints = netip.PrefixFrom(netip.AddrFrom4(base), 24).String()
	return apps, endpoints, nil
}
