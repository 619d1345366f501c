package gcp

import (
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mobile-backend/mobile-backend/components"
)

// Region is one region of a stack as every multi-region component takes it,
// built once: its name, role, explicit provider and subnet range.
type Region struct {
	Name     string
	Role     components.Role
	Provider *gcp.Provider
	CIDR     string // the region's subnet range in the stack's network
}

// In is the resource option that places a resource in the region.
func (r Region) In() pulumi.ResourceOrInvokeOption { return pulumi.Provider(r.Provider) }
