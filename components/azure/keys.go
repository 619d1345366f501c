package azure

import (
	"fmt"

	"github.com/pulumi/pulumi-azure-native-sdk/authorization/v2"
	"github.com/pulumi/pulumi-azure-native-sdk/keyvault/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// KeyVaultCryptoServiceEncryptionUser is the built-in role that lets a
// service wrap and unwrap data keys with a vault's keys, and nothing else.
const KeyVaultCryptoServiceEncryptionUser = "e147488a-f6f5-4113-8e2d-b22465e65bf6"

// KeyRotationAfter is when Key Vault makes a new version of each key (ISO
// 8601); consumers that name the key without a version follow it.
const KeyRotationAfter = "P90D"

// EncryptionKeysArgs configures EncryptionKeys.
type EncryptionKeysArgs struct {
	Regions      []Region // required
	Stack        string   // required
	Subscription string   // required: role definition ids and unique vault names
	// Generation gives the vaults new names (see VaultName); 0 keeps the
	// first ones.
	Generation int
	TenantID   string // required: the vaults' tenant
	// Deployer, when set, is the object id of the principal that runs the
	// deployment: it gets Key Vault Crypto Officer on each vault before the
	// key is made. The vaults use Azure RBAC, and azure-native's key create
	// (and its existence check) are refused without a data role
	// (ForbiddenByRbac: pulumi/pulumi-azure-native#890,
	// pulumi/pulumi-azure-nextgen#195).
	Deployer pulumi.StringInput
	Tags     pulumi.StringMap
	Protect  bool
}

// KeyVaultCryptoOfficer is the built-in role that manages keys (Azure
// built-in roles, "Key Vault Crypto Officer").
const KeyVaultCryptoOfficer = "14b46e9e-c2b7-41b4-b07b-48a6ebf60603"

// RegionKey is a region's customer-managed key and the identity that uses it.
type RegionKey struct {
	VaultURI   pulumi.StringOutput // https://<vault>.vault.azure.net/
	KeyName    string
	KeyURI     pulumi.StringOutput // versionless: consumers follow rotation
	KeyVersion pulumi.StringOutput // https://<vault>.vault.azure.net/keys/<key>/<version>
	// IdentityID is the user-assigned identity that storage accounts and SQL
	// servers of the region encrypt with; it may use every region's key, so
	// a geo-secondary can read what its primary's key protects.
	IdentityID pulumi.StringOutput
}

// EncryptionKeys is a Key Vault per region (RBAC authorization, soft delete
// and purge protection, network access for trusted Azure services only)
// holding an RSA 3072 key that rotates every 90 days, and a user-assigned
// identity per region allowed to wrap and unwrap with those keys.
type EncryptionKeys struct {
	pulumi.ResourceState

	// Ready are the role assignments: a service refuses a key its identity
	// cannot use yet, so consumers depend on them.
	Ready   []pulumi.Resource
	regions map[string]RegionKey
}

// NewEncryptionKeys builds the vaults, keys, identities and grants. Pass the
// global provider in opts.
func NewEncryptionKeys(ctx *pulumi.Context, name string, args EncryptionKeysArgs, opts ...pulumi.ResourceOption) (*EncryptionKeys, error) {
	if len(args.Regions) == 0 || args.Stack == "" || args.Subscription == "" || args.TenantID == "" {
		return nil, fmt.Errorf("keys %s: Regions, Stack, Subscription and TenantID are required", name)
	}
	k := &EncryptionKeys{regions: map[string]RegionKey{}}
	if err := ctx.RegisterComponentResource("mobile-backend:azure:EncryptionKeys", name, k, opts...); err != nil {
		return nil, err
	}
	child := pulumi.Parent(k)
	vaults := map[string]*keyvault.Vault{}
	principals := map[string]pulumi.StringOutput{}
	for _, r := range args.Regions {
		in := pulumi.Provider(r.Provider)
		rn := fmt.Sprintf("%s-%s", name, r.Name)
		id, err := NewIdentity(ctx, rn+"-identity", rn+"-encryption", "encryption-keys", r.ResourceGroup, r.Name, args.Tags, child, in)
		if err != nil {
			return nil, err
		}
		vault, err := keyvault.NewVault(ctx, rn, &keyvault.VaultArgs{
			VaultName:         pulumi.String(VaultName(args.Stack, r.Name, args.Subscription, args.Generation)),
			ResourceGroupName: r.ResourceGroup,
			Location:          pulumi.String(r.Name),
			Properties: &keyvault.VaultPropertiesArgs{
				TenantId:                  pulumi.String(args.TenantID),
				Sku:                       &keyvault.SkuArgs{Family: pulumi.String("A"), Name: keyvault.SkuNameStandard},
				EnableRbacAuthorization:   pulumi.Bool(true),
				EnableSoftDelete:          pulumi.Bool(true),
				SoftDeleteRetentionInDays: pulumi.Int(90),
				EnablePurgeProtection:     pulumi.Bool(true),
				PublicNetworkAccess:       pulumi.String("Enabled"), // the ACLs below admit trusted Azure services only
				NetworkAcls: &keyvault.NetworkRuleSetArgs{
					Bypass: pulumi.String("AzureServices"), DefaultAction: pulumi.String("Deny"),
				},
			},
			Tags: args.Tags,
		}, child, in, pulumi.Protect(args.Protect))
		if err != nil {
			return nil, err
		}
		keyOpts := []pulumi.ResourceOption{child, in, pulumi.Protect(args.Protect)}
		if args.Deployer != nil {
			officer, err := authorization.NewRoleAssignment(ctx, rn+"-deployer-makes-keys", &authorization.RoleAssignmentArgs{
				PrincipalId:      args.Deployer,
				RoleDefinitionId: roleDefinitionID(args.Subscription, KeyVaultCryptoOfficer),
				Scope:            vault.ID(),
			}, child, in)
			if err != nil {
				return nil, err
			}
			keyOpts = append(keyOpts, pulumi.DependsOn([]pulumi.Resource{officer}))
		}
		key, err := keyvault.NewKey(ctx, rn, &keyvault.KeyArgs{
			KeyName: pulumi.String("data"), VaultName: vault.Name, ResourceGroupName: r.ResourceGroup,
			Properties: &keyvault.KeyPropertiesArgs{
				Kty:     pulumi.String("RSA"),
				KeySize: pulumi.Int(3072),
				KeyOps:  pulumi.StringArray{pulumi.String("wrapKey"), pulumi.String("unwrapKey")},
				RotationPolicy: &keyvault.RotationPolicyArgs{
					LifetimeActions: keyvault.LifetimeActionArray{&keyvault.LifetimeActionArgs{
						Action:  &keyvault.ActionArgs{Type: keyvault.KeyRotationPolicyActionTypeRotate},
						Trigger: &keyvault.TriggerArgs{TimeAfterCreate: pulumi.String(KeyRotationAfter)},
					}},
				},
			},
			Tags: args.Tags,
		}, keyOpts...)
		if err != nil {
			return nil, err
		}
		vaults[r.Name] = vault
		principals[r.Name] = id.PrincipalID
		k.regions[r.Name] = RegionKey{
			VaultURI: vault.Properties.VaultUri(), KeyName: "data", KeyURI: key.KeyUri, KeyVersion: key.KeyUriWithVersion,
			IdentityID: id.ID().ToStringOutput(),
		}
	}
	for _, v := range args.Regions {
		for _, p := range args.Regions {
			ra, err := authorization.NewRoleAssignment(ctx, fmt.Sprintf("%s-%s-uses-%s", name, p.Name, v.Name), &authorization.RoleAssignmentArgs{
				PrincipalId:      principals[p.Name],
				PrincipalType:    pulumi.String("ServicePrincipal"),
				RoleDefinitionId: roleDefinitionID(args.Subscription, KeyVaultCryptoServiceEncryptionUser),
				Scope:            vaults[v.Name].ID(),
			}, child, pulumi.Provider(v.Provider))
			if err != nil {
				return nil, err
			}
			k.Ready = append(k.Ready, ra)
		}
	}
	return k, ctx.RegisterResourceOutputs(k, pulumi.Map{})
}

// Region returns a region's key.
func (k *EncryptionKeys) Region(name string) RegionKey { return k.regions[name] }

// VaultName is a region's Key Vault name: 3 to 24 letters and digits,
// globally unique through the subscription hash. A destroyed vault's name
// stays reserved while it is soft-deleted (90 days, purge protection), so a
// generation above 0 hashes into a new name; 0 keeps the first one.
func VaultName(stack, region, subscription string, generation int) string {
	name := fmt.Sprintf("kv%s%s-%s", stack, region, subscription)
	if generation > 0 {
		name += fmt.Sprintf("-g%d", generation)
	}
	return compactName(name, 24)
}
