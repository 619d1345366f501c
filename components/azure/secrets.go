package azure

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/pulumi/pulumi-azure-native-sdk/keyvault/v2"
	"github.com/pulumi/pulumi-azure-native-sdk/network/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mobile-backend/mobile-backend/components"
)

// KeyVaultSecretsUser is the built-in role that reads secret contents
// (learn.microsoft.com, "Azure built-in roles": Key Vault Secrets User).
const KeyVaultSecretsUser = "4633458b-17de-408a-b874-0445c86b69e6"

// KeyVaultPrivateZone is the private DNS zone of Key Vault's private
// endpoints (learn.microsoft.com, "Azure Private Endpoint private DNS zone
// values": privatelink.vaultcore.azure.net).
const KeyVaultPrivateZone = "privatelink.vaultcore.azure.net"

// AppSecretsArgs configures one region's AppSecrets.
type AppSecretsArgs struct {
	Stack, Region string             // required
	ResourceGroup pulumi.StringInput // required: the region's group
	Subscription  string             // required: the vault's unique name
	TenantID      string             // required
	Generation    int                // see VaultName
	// The region's network: the vault's only data-plane door is a private
	// endpoint in EndpointsSubnetID, resolved through a private DNS zone
	// linked to VirtualNetworkID. Required.
	VirtualNetworkID, EndpointsSubnetID pulumi.StringInput
	// Values are the secrets by environment variable name; pass secret
	// outputs.
	Values  map[string]pulumi.StringInput
	Tags    pulumi.StringMap
	Protect bool
}

// AppSecrets are the app's secrets in a Key Vault of the region's own
// (RBAC, soft delete and purge protection, public network access off, a
// private endpoint in the region's network), so every region's app reads
// its own region's copy. A service-endpoint rule is not enough: a
// VNet-integrated consumption environment does not fetch Key Vault
// references through it, and Container Apps is no trusted service
// (microsoft/azure-container-apps#1287); a private endpoint is the path
// reported to work. Key Vault encrypts secrets with its own HSM-protected
// keys: a vault takes no customer-managed key for them. Written through
// ARM (control plane), which the vault's network rules do not apply to
// ("Key Vault firewalls and virtual network rules only apply to the data
// plane").
type AppSecrets struct {
	pulumi.ResourceState

	VaultID pulumi.StringOutput `pulumi:"vaultId"`
	Secrets []ContainerSecret
	// Ready is the private endpoint's DNS record: the app resolves the
	// vault to it, so the app waits for it.
	Ready []pulumi.Resource
}

// ContainerSecret is one secret of the app: its environment variable name,
// the Container Apps secret name it goes by, and the versioned secret URL
// the app references ("For full control … specify the version in the URI":
// a new value makes a new revision; Container Apps, "Manage secrets").
type ContainerSecret struct {
	Name, Ref string
	URI       pulumi.StringOutput
}

// Key Vault secret names: 1-127 letters, digits and - (Key Vault "Object
// names"). Container Apps secret names: lowercase letters, digits and -.
var vaultSecretName = regexp.MustCompile(`^[0-9A-Za-z-]{1,127}$`)

// NewAppSecrets builds the region's vault and secrets. Pass the region's
// provider in opts.
func NewAppSecrets(ctx *pulumi.Context, name string, args AppSecretsArgs, opts ...pulumi.ResourceOption) (*AppSecrets, error) {
	if args.Stack == "" || args.Region == "" || args.ResourceGroup == nil || args.Subscription == "" || args.TenantID == "" ||
		args.VirtualNetworkID == nil || args.EndpointsSubnetID == nil || len(args.Values) == 0 {
		return nil, fmt.Errorf("app secrets %s: Stack, Region, ResourceGroup, Subscription, TenantID, VirtualNetworkID, EndpointsSubnetID and Values are required", name)
	}
	refs := map[string]string{}
	for k := range args.Values {
		ref := strings.ToLower(strings.ReplaceAll(k, "_", "-"))
		if other, dup := refs[ref]; dup {
			return nil, fmt.Errorf("app secrets %s: %s and %s are one Container Apps secret name (%s): rename one", name, other, k, ref)
		}
		refs[ref] = k
	}
	a := &AppSecrets{}
	if err := ctx.RegisterComponentResource("mobile-backend:azure:AppSecrets", name, a, opts...); err != nil {
		return nil, err
	}
	child := pulumi.Parent(a)
	vault, err := keyvault.NewVault(ctx, name, &keyvault.VaultArgs{
		VaultName:         pulumi.String(VaultName(args.Stack+"-app", args.Region, args.Subscription, args.Generation)),
		ResourceGroupName: args.ResourceGroup,
		Location:          pulumi.String(args.Region),
		Properties: &keyvault.VaultPropertiesArgs{
			TenantId:                  pulumi.String(args.TenantID),
			Sku:                       &keyvault.SkuArgs{Family: pulumi.String("A"), Name: keyvault.SkuNameStandard},
			EnableRbacAuthorization:   pulumi.Bool(true),
			EnableSoftDelete:          pulumi.Bool(true),
			SoftDeleteRetentionInDays: pulumi.Int(90),
			EnablePurgeProtection:     pulumi.Bool(true),
			PublicNetworkAccess:       pulumi.String("Disabled"), // the private endpoint below is the data plane's only door
			NetworkAcls:               &keyvault.NetworkRuleSetArgs{Bypass: pulumi.String("None"), DefaultAction: pulumi.String("Deny")},
		},
		Tags: args.Tags,
	}, child, pulumi.Protect(args.Protect))
	if err != nil {
		return nil, err
	}
	for _, k := range components.SortedKeys(args.Values) {
		secretName := strings.ReplaceAll(k, "_", "-")
		if !vaultSecretName.MatchString(secretName) {
			return nil, fmt.Errorf("app secrets %s: %q is not a Key Vault secret name", name, secretName)
		}
		secret, err := keyvault.NewSecret(ctx, name+"-"+k, &keyvault.SecretArgs{
			SecretName: pulumi.String(secretName), VaultName: vault.Name, ResourceGroupName: args.ResourceGroup,
			Properties: &keyvault.SecretPropertiesArgs{Value: pulumi.ToSecret(args.Values[k]).(pulumi.StringOutput)},
			Tags:       args.Tags,
		}, child)
		if err != nil {
			return nil, err
		}
		a.Secrets = append(a.Secrets, ContainerSecret{
			Name: k, Ref: strings.ToLower(secretName),
			// The URL is no secret, though the properties it comes from
			// hold the value: without Unsecret the app's whole configuration
			// would turn secret and unreadable in the plan.
			URI: pulumi.Unsecret(secret.Properties.ApplyT(func(p keyvault.SecretPropertiesResponse) string { return p.SecretUriWithVersion })).(pulumi.StringOutput),
		})
	}
	zone, err := network.NewPrivateZone(ctx, name+"-dns", &network.PrivateZoneArgs{
		PrivateZoneName: pulumi.String(KeyVaultPrivateZone), ResourceGroupName: args.ResourceGroup,
		Location: pulumi.String("Global"), Tags: args.Tags,
	}, child)
	if err != nil {
		return nil, err
	}
	link, err := network.NewVirtualNetworkLink(ctx, name+"-dns-link", &network.VirtualNetworkLinkArgs{
		PrivateZoneName: zone.Name, ResourceGroupName: args.ResourceGroup, Location: pulumi.String("Global"),
		VirtualNetwork:      &network.SubResourceArgs{Id: args.VirtualNetworkID},
		RegistrationEnabled: pulumi.Bool(false),
	}, child)
	if err != nil {
		return nil, err
	}
	peName := resourceName(name+"-vault", 80)
	pe, err := network.NewPrivateEndpoint(ctx, peName, &network.PrivateEndpointArgs{
		PrivateEndpointName: pulumi.String(peName), ResourceGroupName: args.ResourceGroup, Location: pulumi.String(args.Region),
		Subnet: &network.SubnetTypeArgs{Id: args.EndpointsSubnetID},
		PrivateLinkServiceConnections: network.PrivateLinkServiceConnectionArray{&network.PrivateLinkServiceConnectionArgs{
			Name: pulumi.String(peName), PrivateLinkServiceId: vault.ID(), GroupIds: pulumi.StringArray{pulumi.String("vault")},
		}},
		Tags: args.Tags,
	}, child)
	if err != nil {
		return nil, err
	}
	record, err := network.NewPrivateDnsZoneGroup(ctx, peName, &network.PrivateDnsZoneGroupArgs{
		PrivateDnsZoneGroupName: pulumi.String("default"), PrivateEndpointName: pe.Name, ResourceGroupName: args.ResourceGroup,
		PrivateDnsZoneConfigs: network.PrivateDnsZoneConfigArray{&network.PrivateDnsZoneConfigArgs{
			Name: pulumi.String("vault"), PrivateDnsZoneId: zone.ID(),
		}},
	}, child)
	if err != nil {
		return nil, err
	}
	a.Ready = []pulumi.Resource{record, link}
	a.VaultID = vault.ID().ToStringOutput()
	return a, ctx.RegisterResourceOutputs(a, pulumi.Map{"vaultId": a.VaultID})
}
