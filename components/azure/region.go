package azure

import (
	azurenative "github.com/pulumi/pulumi-azure-native-sdk/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mobile-backend/mobile-backend/components"
)

// Region is one region of a stack as every multi-region component takes it,
// built once: its name, role, explicit provider, resource group and network.
type Region struct {
	Name          string
	Role          components.Role
	Provider      *azurenative.Provider
	ResourceGroup pulumi.StringInput // the region's resource group (its name)
	CIDR          string             // the region's private address range
	// Network is the region's virtual network: the data tier's private
	// endpoints and the apps live in it.
	Network *Network
}

// In is the resource option that places a resource in the region.
func (r Region) In() pulumi.ResourceOrInvokeOption { return pulumi.Provider(r.Provider) }

// StampIn is the stamp of the named region, or nil.
func StampIn(stamps []*Stamp, region string) *Stamp {
	for _, st := range stamps {
		if st.Name == region {
			return st
		}
	}
	return nil
}
