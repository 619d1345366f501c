package azure

import (
	"fmt"

	"github.com/pulumi/pulumi-azure-native-sdk/authorization/v2"
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

// customRole is a custom role of the given actions, assignable in a
// region's resource group (custom roles are assignable at resource groups
// at the narrowest: Azure RBAC, "Azure custom roles"), for one component:
// its GUID and name carry the component's name (its region), unique in the
// tenant with the subscription's hash. It returns the role's GUID, which
// assignments name (roleDefinitionID), and the role, which they wait for.
func customRole(ctx *pulumi.Context, name, component, title, stack, subscription string, r Region, actions []string, opts ...pulumi.ResourceOption) (string, *authorization.RoleDefinition, error) {
	group := pulumi.Sprintf("/subscriptions/%s/resourceGroups/%s", subscription, r.ResourceGroup)
	roleID := guid(subscription + "/" + name + "/" + component)
	role, err := authorization.NewRoleDefinition(ctx, name+"-role", &authorization.RoleDefinitionArgs{
		RoleDefinitionId: pulumi.String(roleID),
		RoleName:         pulumi.String(fmt.Sprintf("%s, mobile-backend stack %s, %s, %s", component, stack, r.Name, shortHash(subscription))),
		Description:      pulumi.String(title + " (mobile-backend's " + component + ")"),
		RoleType:         pulumi.String("CustomRole"),
		Scope:            group,
		AssignableScopes: pulumi.StringArray{group},
		Permissions:      authorization.PermissionArray{&authorization.PermissionArgs{Actions: pulumi.ToStringArray(actions)}},
	}, opts...)
	return roleID, role, err
}
