package azure

import (
	"fmt"

	"github.com/pulumi/pulumi-azure-native-sdk/authorization/v2"
	"github.com/pulumi/pulumi-azure-native-sdk/storage/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mobile-backend/mobile-backend/components"
	"github.com/mobile-backend/mobile-backend/components/azure/internal/job"
	"github.com/mobile-backend/mobile-backend/internal/azpublish"
	"github.com/mobile-backend/mobile-backend/internal/spec"
)

// UploadsContainer is the blob container for user uploads: private, written
// by the region's app only.
const UploadsContainer = "uploads"

// StaticContainer holds the static content Front Door serves at
// /static/*: the only container anonymous requests may read (Front Door's
// managed-identity origin authentication "is currently not supported for
// origins with Private Link enabled", learn.microsoft.com, "Use managed
// identities to authenticate to origins").
const StaticContainer = components.StaticPrefix

// StaticHealthBlob is the blob Front Door probes in every region's static
// container: publish it with the static content (any content).
const StaticHealthBlob = "health.txt"

// SoftDeleteDays is how long deleted blobs and containers stay restorable.
const SoftDeleteDays = 7

// ReplicatedStorageArgs configures ReplicatedStorage.
type ReplicatedStorageArgs struct {
	Regions      []Region // required, in stack order; every account admits every region's apps subnet
	Stack        string   // required
	Subscription string   // required: makes account names unique
	// Keys, when set, encrypt each account with its region's
	// customer-managed key (versionless: the account follows rotation).
	Keys    *EncryptionKeys
	Tags    pulumi.StringMap
	Protect bool
}

// ReplicatedStorage is a storage account per region (StorageV2,
// read-access geo-zone-redundant where the region has zones, TLS 1.2, HTTPS
// only, no shared keys), with versioning, change feed and soft delete, a
// private uploads container that the region's app writes, and a static
// container Front Door reads anonymously over Private Link. Every region
// writes its own account, so every serving region can write, before and
// after any region's loss; an account's geo-secondary (its paired region)
// keeps its uploads readable, without a failover, when its region is lost.
// Every account admits every region's apps subnet (cross-region service
// endpoints), so any app can read any region's uploads.
type ReplicatedStorage struct {
	pulumi.ResourceState

	AccountNames pulumi.StringMapOutput `pulumi:"accountNames"`

	accounts map[string]*storage.StorageAccount
	regions  []string
	static   map[string]staticStore
	uploads  map[string]*storage.BlobContainer
}

// Uploads returns a region's uploads container: the scope of the apps'
// blob roles (never the account: the static container is the publisher's).
func (st *ReplicatedStorage) Uploads(region string) *storage.BlobContainer {
	return st.uploads[region]
}

// Regions are the regions with an account, in stack order.
func (st *ReplicatedStorage) Regions() []string { return st.regions }

// staticStore is a region's static container.
type staticStore struct {
	container *storage.BlobContainer
	group     pulumi.StringInput
	provider  pulumi.ProviderResource
}

// PublishSchedule is how often each region's publisher keeps the static
// container's documents as given: a deploy's new directory is served
// within minutes, and a first deploy's health blob (which the static
// origins' probes ask for) too.
const PublishSchedule = "*/5 * * * *"

// PublishArgs configures Publish.
type PublishArgs struct {
	Documents []azpublish.Document // required
	// In, when set, gives a region's own documents (a region in
	// regionsDown keeps the ones it was deployed with).
	In           func(region string) []azpublish.Document
	Environments map[string]pulumi.StringInput // required: each region's Container Apps environment
	Subscription string                        // required
	Tags         pulumi.StringMap
}

// Publish keeps documents in every region's static container (served by
// Front Door under /static/), as children of the storage. The accounts
// admit no public network and no shared key, so nothing outside their
// regions' networks may write them (a deployer's azure-native Blob would be
// refused): in each region a scheduled job in its environment, as an
// identity that may write that one container, writes what differs
// (internal/azpublish, whose tests run it). It returns each region's job,
// to watch.
func (st *ReplicatedStorage) Publish(ctx *pulumi.Context, name string, args PublishArgs) (map[string]MonitoredJob, error) {
	if len(args.Documents) == 0 || args.Subscription == "" {
		return nil, fmt.Errorf("publish %s: Documents and Subscription are required", name)
	}
	jobs := map[string]MonitoredJob{}
	for _, region := range st.regions {
		s := st.static[region]
		env, ok := args.Environments[region]
		if !ok {
			return nil, fmt.Errorf("publish %s: no Container Apps environment for %s", name, region)
		}
		in := []pulumi.ResourceOption{pulumi.Parent(st), pulumi.Provider(s.provider)}
		rn := fmt.Sprintf("%s-%s", name, region)
		identity, err := NewIdentity(ctx, rn, rn, "publisher", s.group, region, args.Tags, in...)
		if err != nil {
			return nil, err
		}
		// The static container alone: a role assignment at container scope
		// (Azure RBAC for blob data, "scope ... container").
		grant, err := authorization.NewRoleAssignment(ctx, rn+"-writes-static", &authorization.RoleAssignmentArgs{
			PrincipalId: identity.PrincipalID, PrincipalType: pulumi.String("ServicePrincipal"),
			RoleDefinitionId: roleDefinitionID(args.Subscription, StorageBlobDataContributor), Scope: s.container.ID(),
		}, in...)
		if err != nil {
			return nil, err
		}
		created, err := job.NewScheduled(ctx, rn, job.Args{
			JobName: resourceName(rn, 32), ResourceGroup: s.group, Location: region,
			EnvironmentID: env, IdentityID: identity.ID(),
			Cron: PublishSchedule, Timeout: 120, RetryLimit: 1,
			Container: "publish", Image: PythonJobImage,
			Interpreter: []string{"python3", "-c"}, Script: pulumi.String(azpublish.Script),
			Env: []job.Env{
				{Name: "BLOB_ENDPOINT", Value: pulumi.Sprintf("https://%s", st.BlobHost(region))},
				{Name: "CONTAINER", Value: pulumi.String(StaticContainer)},
				{Name: "DOCUMENTS", Value: pulumi.String(azpublish.Documents(args.documents(region)))},
				{Name: "AZURE_CLIENT_ID", Value: identity.ClientID},
			},
			CPU: 0.25, Memory: "0.5Gi", Tags: args.Tags,
		}, append(in, pulumi.DependsOn([]pulumi.Resource{grant, s.container}))...)
		if err != nil {
			return nil, err
		}
		jobs[region] = MonitoredJob{Name: "publish", ID: created.ID}
	}
	return jobs, nil
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
	st := &ReplicatedStorage{accounts: map[string]*storage.StorageAccount{}, static: map[string]staticStore{}, uploads: map[string]*storage.BlobContainer{}}
	if err := ctx.RegisterComponentResource("mobile-backend:azure:ReplicatedStorage", name, st, opts...); err != nil {
		return nil, err
	}
	child := pulumi.Parent(st)
	names := pulumi.StringMap{}
	var subnets storage.VirtualNetworkRuleArray
	for _, r := range args.Regions {
		if r.Network != nil {
			subnets = append(subnets, &storage.VirtualNetworkRuleArgs{VirtualNetworkResourceId: r.Network.AppsSubnetID})
		}
	}
	for _, r := range args.Regions {
		in := pulumi.Provider(r.Provider)
		// Read access to the geo-secondary: the <account>-secondary endpoint
		// serves reads while the primary region is down, with no failover
		// (learn.microsoft.com, "Azure Storage redundancy": RA-GZRS/RA-GRS).
		sku := "Standard_RAGZRS"
		if !spec.AzureHasZones(r.Name) {
			sku = "Standard_RAGRS"
		}
		rules := &storage.NetworkRuleSetArgs{DefaultAction: storage.DefaultActionDeny, Bypass: pulumi.String("AzureServices"), VirtualNetworkRules: subnets}
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
			AccountName:            pulumi.String(AccountName(args.Stack, r.Name, args.Subscription)),
			ResourceGroupName:      r.ResourceGroup,
			Location:               pulumi.String(r.Name),
			Kind:                   pulumi.String("StorageV2"),
			Sku:                    &storage.SkuArgs{Name: pulumi.String(sku)},
			MinimumTlsVersion:      pulumi.String("TLS1_2"),
			EnableHttpsTrafficOnly: pulumi.Bool(true),
			// Anonymous reads reach the static container only (every other
			// container is private), and only over the networks admitted
			// below: Front Door's Private Link and the apps' subnets.
			AllowBlobPublicAccess:        pulumi.Bool(true),
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
		st.regions = append(st.regions, r.Name)
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
		for _, c := range []struct {
			name   string
			access storage.PublicAccess
		}{{UploadsContainer, storage.PublicAccessNone}, {StaticContainer, storage.PublicAccessBlob}} {
			container, err := storage.NewBlobContainer(ctx, fmt.Sprintf("%s-%s-%s", name, r.Name, c.name), &storage.BlobContainerArgs{
				AccountName: acct.Name, ResourceGroupName: r.ResourceGroup, ContainerName: pulumi.String(c.name),
				PublicAccess: c.access,
			}, child, in, pulumi.DependsOn([]pulumi.Resource{props}))
			if err != nil {
				return nil, err
			}
			if c.name == StaticContainer {
				st.static[r.Name] = staticStore{container: container, group: r.ResourceGroup, provider: r.Provider}
			} else {
				st.uploads[r.Name] = container
			}
		}
	}
	st.AccountNames = names.ToStringMapOutput()
	return st, ctx.RegisterResourceOutputs(st, pulumi.Map{"accountNames": st.AccountNames})
}

// documents are a region's documents.
func (a PublishArgs) documents(region string) []azpublish.Document {
	if a.In != nil {
		return a.In(region)
	}
	return a.Documents
}
