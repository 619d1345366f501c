package azure

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Identity is a user-assigned managed identity
// (Microsoft.ManagedIdentity/userAssignedIdentities). The azure-native SDK
// module for it (managedidentity/v2) is not served here, so it is
// registered by its type token: the provider plugin knows it whatever SDK
// module the program was built with.
type Identity struct {
	pulumi.CustomResourceState

	PrincipalID pulumi.StringOutput `pulumi:"principalId"`
	ClientID    pulumi.StringOutput `pulumi:"clientId"`
	// Name is the identity's resource name (1 to 128 characters).
	Name string
}

// NewIdentity registers a user-assigned identity named physicalName in a
// resource group. Registered by token, the stack's tag transformation does
// not see its typed arguments: it is tagged here with tags, the component
// that uses it and its region.
func NewIdentity(ctx *pulumi.Context, name, physicalName, component string, rg pulumi.StringInput, location string, tags pulumi.StringMap, opts ...pulumi.ResourceOption) (*Identity, error) {
	id := &Identity{Name: resourceName(physicalName, 128)}
	all := pulumi.StringMap{"component": pulumi.String(component), "region": pulumi.String(location)}
	for k, v := range tags {
		all[k] = v
	}
	err := ctx.RegisterResource("azure-native:managedidentity:UserAssignedIdentity", name, pulumi.Map{
		"resourceName":      pulumi.String(id.Name),
		"resourceGroupName": rg,
		"location":          pulumi.String(location),
		"tags":              all,
	}, id, opts...)
	return id, err
}

// roleDefinitionID is the id a role assignment names a role by: the
// subscription-level id of its definition
// (/subscriptions/{s}/providers/Microsoft.Authorization/roleDefinitions/{guid}),
// built from the GUID at hand.
func roleDefinitionID(subscription any, role any) pulumi.StringOutput {
	return pulumi.Sprintf("/subscriptions/%s/providers/Microsoft.Authorization/roleDefinitions/%s", subscription, role)
}
