package azure

import (
	"fmt"

	"github.com/pulumi/pulumi-azure-native-sdk/storage/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mobile-backend/mobile-backend/internal/spec"
)

// UploadsContainer is the blob container for user uploads; static content
// lives under its static/ prefix.
const UploadsContainer = "uploads"

// SoftDeleteDays is how long deleted blobs and containers stay restorable.
const SoftDeleteDays = 7

// MaxReplicationDestinations is how many destination accounts one source
// account replicates to: Azure limits object replication per source account,
// so a stack of more regions replicates to the first ones after the primary.
const MaxReplicationDestinations = 2

// ReplicatedStorageArgs configures ReplicatedStorage.
type ReplicatedStorageArgs struct {
	Regions      []Region // required, in stack order: the primary replicates to the others
	Stack        string   // required
	Subscription string   // required: makes account names unique
	// Keys, when set, encrypt each account with its region's
	// customer-managed key (versionless: the account follows rotation).
	Keys    *EncryptionKeys
	Tags    pulumi.StringMap
	Protect bool
}

// Replication is one object replication path.
type Replication struct{ From, To string }

// ReplicatedStorage is a storage account per region (StorageV2,
// geo-zone-redundant where the region has zones, TLS 1.2, HTTPS only, no
// public blob access, no shared keys), with versioning, change feed and soft
// delete, an uploads container, and object replication from the primary to
// the other regions (destination containers are read-only replicas, so
// replication cannot run both ways; see the README).
type ReplicatedStorage struct {
	pulumi.ResourceState

	AccountNames pulumi.StringMapOutput `pulumi:"accountNames"`

	Replications []Replication
	accounts     map[string]*storage.StorageAccount
}

// Account returns a region's storage account.
func (st *ReplicatedStorage) Account(region string) *storage.StorageAccount {
	return st.accounts[region]
}

// BlobHost is a region's blob endpoint host.
func (st *ReplicatedStorage) BlobHost(region string) pulumi.StringOutput {
	return st.accounts[region].Name.ApplyT(func(n string) string { return n + ".blob.core.windows.net" }).(pulumi.StringOutput)
}

// AccountName is a region's storage account name: 3 to 24 lowercase letters
// and digits, unique per stack, region and subscription.
func AccountName(stack, region, subscription string) string {
	return compactName(fmt.Sprintf("mb%s%s-%s", stack, region, subscription), 24)
}

// NewReplicatedStorage builds the accounts. Pass the global provider in opts.
func NewReplicatedStorage(ctx *pulumi.Context, name string, args ReplicatedStorageArgs, opts ...pulumi.ResourceOption) (*ReplicatedStorage, error) {
	if len(args.Regions) < 2 || args.Stack == "" || args.Subscription == "" {
		return nil, fmt.Errorf("storage %s: two Regions, Stack and Subscription are required", name)
	}
	st := &ReplicatedStorage{accounts: map[string]*storage.StorageAccount{}}
	if err := ctx.RegisterComponentResource("mobile-backend:azure:ReplicatedStorage", name, st, opts...); err != nil {
		return nil, err
	}
	child := pulumi.Parent(st)
	names := pulumi.StringMap{}
	ready := map[string][]pulumi.Resource{}
	for _, r := range args.Regions {
		in := pulumi.Provider(r.Provider)
		sku := "Standard_GZRS"
		if !spec.AzureHasZones(r.Name) {
			sku = "Standard_GRS"
		}
		rules := &storage.NetworkRuleSetArgs{DefaultAction: storage.DefaultActionDeny, Bypass: pulumi.String("AzureServices")}
		if r.Network != nil {
			rules.VirtualNetworkRules = storage.VirtualNetworkRuleArray{&storage.VirtualNetworkRuleArgs{VirtualNetworkResourceId: r.Network.AppsSubnetID}}
		}
		var identity *storage.IdentityArgs
		var encryption *storage.EncryptionArgs
		accountOpts := []pulumi.ResourceOption{child, in, pulumi.Protect(args.Protect)}
		if args.Keys != nil {
			rk := args.Keys.Region(r.Name)
			identity = &storage.IdentityArgs{Type: pulumi.String("UserAssigned"), UserAssignedIdentities: pulumi.StringArray{rk.IdentityID}}
			encryption = &storage.EncryptionArgs{
				KeySource:          pulumi.String("Microsoft.Keyvault"),
				KeyVaultProperties: &storage.KeyVaultPropertiesArgs{KeyName: pulumi.String(rk.KeyName), KeyVaultUri: rk.VaultURI},
				EncryptionIdentity: &storage.EncryptionIdentityArgs{EncryptionUserAssignedIdentity: rk.IdentityID},
			}
			accountOpts = append(accountOpts, pulumi.DependsOn(args.Keys.Ready))
		}
		acct, err := storage.NewStorageAccount(ctx, fmt.Sprintf("%s-%s", name, r.Name), &storage.StorageAccountArgs{
			AccountName:                  pulumi.String(AccountName(args.Stack, r.Name, args.Subscription)),
			ResourceGroupName:            r.ResourceGroup,
			Location:                     pulumi.String(r.Name),
			Kind:                         pulumi.String("StorageV2"),
			Sku:                          &storage.SkuArgs{Name: pulumi.String(sku)},
			MinimumTlsVersion:            pulumi.String("TLS1_2"),
			EnableHttpsTrafficOnly:       pulumi.Bool(true),
			AllowBlobPublicAccess:        pulumi.Bool(false),
			AllowSharedKeyAccess:         pulumi.Bool(false),
			AllowCrossTenantReplication:  pulumi.Bool(false),
			DefaultToOAuthAuthentication: pulumi.Bool(true),
			NetworkRuleSet:               rules,
			Identity:                     identity,
			Encryption:                   encryption,
			Tags:                         args.Tags,
		}, accountOpts...)
		if err != nil {
			return nil, fmt.Errorf("storage %s: account %s: %w", name, r.Name, err)
		}
		st.accounts[r.Name] = acct
		names[r.Name] = acct.Name
		props, err := storage.NewBlobServiceProperties(ctx, fmt.Sprintf("%s-%s", name, r.Name), &storage.BlobServicePropertiesArgs{
			AccountName: acct.Name, ResourceGroupName: r.ResourceGroup, BlobServicesName: pulumi.String("default"),
			IsVersioningEnabled:            pulumi.Bool(true),
			ChangeFeed:                     &storage.ChangeFeedArgs{Enabled: pulumi.Bool(true)},
			DeleteRetentionPolicy:          &storage.DeleteRetentionPolicyArgs{Enabled: pulumi.Bool(true), Days: pulumi.Int(SoftDeleteDays)},
			ContainerDeleteRetentionPolicy: &storage.DeleteRetentionPolicyArgs{Enabled: pulumi.Bool(true), Days: pulumi.Int(SoftDeleteDays)},
			// Point-in-time restore of block blobs, a day short of soft
			// delete as Azure requires.
			RestorePolicy: &storage.RestorePolicyPropertiesArgs{Enabled: pulumi.Bool(true), Days: pulumi.Int(SoftDeleteDays - 1)},
		}, child, in)
		if err != nil {
			return nil, err
		}
		container, err := storage.NewBlobContainer(ctx, fmt.Sprintf("%s-%s-uploads", name, r.Name), &storage.BlobContainerArgs{
			AccountName: acct.Name, ResourceGroupName: r.ResourceGroup, ContainerName: pulumi.String(UploadsContainer),
			PublicAccess: storage.PublicAccessNone,
		}, child, in, pulumi.DependsOn([]pulumi.Resource{props}))
		if err != nil {
			return nil, err
		}
		ready[r.Name] = []pulumi.Resource{props, container}
	}

	// Object replication: the policy is created on the destination first,
	// which assigns its id and rule id; the source then takes the same ids.
	src := args.Regions[0]
	for i, dst := range args.Regions[1:] {
		if i >= MaxReplicationDestinations {
			break
		}
		deps := append(append([]pulumi.Resource{}, ready[src.Name]...), ready[dst.Name]...)
		pair := fmt.Sprintf("%s-%s-to-%s", name, src.Name, dst.Name)
		rule := storage.ObjectReplicationPolicyRuleArray{&storage.ObjectReplicationPolicyRuleArgs{
			SourceContainer: pulumi.String(UploadsContainer), DestinationContainer: pulumi.String(UploadsContainer),
		}}
		onDst, err := storage.NewObjectReplicationPolicy(ctx, pair+"-dst", &storage.ObjectReplicationPolicyArgs{
			AccountName: st.accounts[dst.Name].Name, ResourceGroupName: dst.ResourceGroup,
			ObjectReplicationPolicyId: pulumi.String("default"),
			SourceAccount:             st.accounts[src.Name].ID(),
			DestinationAccount:        st.accounts[dst.Name].ID(),
			Rules:                     rule,
		}, child, pulumi.Provider(dst.Provider), pulumi.DependsOn(deps))
		if err != nil {
			return nil, err
		}
		if _, err := storage.NewObjectReplicationPolicy(ctx, pair+"-src", &storage.ObjectReplicationPolicyArgs{
			AccountName: st.accounts[src.Name].Name, ResourceGroupName: src.ResourceGroup,
			ObjectReplicationPolicyId: onDst.PolicyId,
			SourceAccount:             st.accounts[src.Name].ID(),
			DestinationAccount:        st.accounts[dst.Name].ID(),
			Rules: storage.ObjectReplicationPolicyRuleArray{&storage.ObjectReplicationPolicyRuleArgs{
				RuleId:          onDst.Rules.Index(pulumi.Int(0)).RuleId(),
				SourceContainer: pulumi.String(UploadsContainer), DestinationContainer: pulumi.String(UploadsContainer),
			}},
		}, child, pulumi.Provider(src.Provider)); err != nil {
			return nil, err
		}
		st.Replications = append(st.Replications, Replication{From: src.Name, To: dst.Name})
	}
	st.AccountNames = names.ToStringMapOutput()
	return st, ctx.RegisterResourceOutputs(st, pulumi.Map{"accountNames": st.AccountNames})
}
