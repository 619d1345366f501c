package azure

import (
	"fmt"

	"github.com/pulumi/pulumi-azure-native-sdk/network/v2"
	azurenative "github.com/pulumi/pulumi-azure-native-sdk/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// DNSZoneArgs says which Azure DNS zone holds the stack's names.
type DNSZoneArgs struct {
	Name string // required, e.g. example.com
	// ResourceGroup is the zone's resource group: the one to create it in
	// (Create), or the name to look it up in. Required.
	ResourceGroup pulumi.StringInput
	LookupGroup   string // the resource group's name, for the lookup
	Create        bool   // create the zone instead of looking it up
	Protect       bool
	Tags          pulumi.StringMap
}

// DNSZone looks up the public zone, or creates it, and returns its id.
func DNSZone(ctx *pulumi.Context, name string, args DNSZoneArgs, provider *azurenative.Provider) (pulumi.StringOutput, error) {
	if args.Name == "" || args.ResourceGroup == nil {
		return pulumi.StringOutput{}, fmt.Errorf("dns zone %s: Name and ResourceGroup are required", name)
	}
	if args.Create {
		zone, err := network.NewZone(ctx, name, &network.ZoneArgs{
			ZoneName: pulumi.String(args.Name), ResourceGroupName: args.ResourceGroup, Location: pulumi.String("global"),
			ZoneType: network.ZoneTypePublic, Tags: args.Tags,
		}, pulumi.Provider(provider), pulumi.Protect(args.Protect))
		if err != nil {
			return pulumi.StringOutput{}, err
		}
		return zone.ID().ToStringOutput(), nil
	}
	zone, err := network.LookupZone(ctx, &network.LookupZoneArgs{ResourceGroupName: args.LookupGroup, ZoneName: args.Name}, pulumi.Provider(provider))
	if err != nil {
		return pulumi.StringOutput{}, fmt.Errorf("dns zone %s in resource group %s (set Create to create it): %w", args.Name, args.LookupGroup, err)
	}
	return pulumi.String(zone.Id).ToStringOutput(), nil
}
