package aws

import (
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mobile-backend/mobile-backend/components"
)

// Region is one region of a stack as every multi-region component takes it,
// built once: its name, role, explicit provider, customer-managed key and
// network. It replaces a slice per capability of the same four values.
type Region struct {
	Name     string
	Role     components.Role
	Provider *aws.Provider
	// KeyArn is the region's customer-managed KMS key: it encrypts the
	// region's data, logs, topics and vaults.
	KeyArn pulumi.StringInput
	// Network is the region's network (nil for a region that only hosts
	// global control planes).
	Network *RegionalNetwork
}

// In is the resource option that places a resource in the region.
func (r Region) In() pulumi.ResourceOrInvokeOption { return pulumi.Provider(r.Provider) }
