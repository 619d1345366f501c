package azure

import (
	"fmt"

	"github.com/pulumi/pulumi-azure-native-sdk/authorization/v2"
	"github.com/pulumi/pulumi-azure-native-sdk/cdn/v2"
	"github.com/pulumi/pulumi-azure-native-sdk/network/v2"
	"github.com/pulumi/pulumi-azure-native-sdk/resources/v2"
	azurenative "github.com/pulumi/pulumi-azure-native-sdk/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	azc "github.com/mobile-backend/mobile-backend/components/azure"
	"github.com/mobile-backend/mobile-backend/internal/spec"
	"github.com/mobile-backend/mobile-backend/stacks"
)

// global is what the stamps share: the tenant, every region built once,
// and the global pieces.
type global struct {
	provider     *azurenative.Provider // no location: the global resources name their own
	tenant       string
	subscription string
	deployer     string // the object id of the principal that runs pulumi up
	tags         pulumi.StringMap
	group        pulumi.StringOutput // the stack's global resource group, in the home region
	dnsGroup     pulumi.StringInput  // the DNS zone's resource group
	zoneID       pulumi.StringOutput
	regions      []azc.Region  // in the order of the regions key; the first is home
	profile      *cdn.Profile  // Front Door: the apps admit only its traffic
	sqlAdmin     *azc.Identity // the stack's own SQL admin, or nil with a configured one
	db           *azc.GlobalDatabase
	storage      *azc.ReplicatedStorage
	// releaseWindow says where a deploy marks a release for the failover
	// job (the cloud output releaseWindow; nil without it).
	releaseWindow pulumi.Map
	// jobs are the Container Apps jobs built so far, by region: monitoring
	// alerts on their failed executions.
	jobs map[string][]azc.MonitoredJob
}

// watchJobs has monitoring alert on the jobs' failed executions.
func (g *global) watchJobs(region string, jobs ...azc.MonitoredJob) {
	if g.jobs == nil {
		g.jobs = map[string][]azc.MonitoredJob{}
	}
	g.jobs[region] = append(g.jobs[region], jobs...)
}

// newGlobal builds the regions (provider, resource group, network), then
// the global pieces: the DNS zone, the Front Door profile, (ddosProtection)
// the DDoS plan, the keys, the data tier and the uploads.
//
// The home region (the first of regions) holds the once-per-stack
// resources (a resource group's location cannot change); the writer
// (writerRegion) may move after a failover without moving any of them.
func newGlobal(ctx *pulumi.Context, s spec.Spec) (*global, error) {
	// A down region's resources (under its provider, or by location) stay
	// as deployed; Azure Resource Manager's global endpoint answers the rest.
	outage, err := stacks.NewOutage(ctx)
	if err != nil {
		return nil, err
	}
	outage.ByLocation(s)
	provider, err := azc.NewProvider(ctx, "azure-global", "")
	if err != nil {
		return nil, err
	}
	client, err := authorization.GetClientConfig(ctx, pulumi.Provider(provider))
	if err != nil {
		return nil, fmt.Errorf("azure identity: %w", err)
	}
	home := s.Home()
	g := &global{provider: provider, tenant: client.TenantId, subscription: client.SubscriptionId, deployer: client.ObjectId, tags: azc.Tags(s.StandardTags())}
	inGlobal := pulumi.Provider(provider)

	globalRG, err := resources.NewResourceGroup(ctx, s.Stack+"-global", &resources.ResourceGroupArgs{
		ResourceGroupName: pulumi.String(s.Stack + "-global"), Location: pulumi.String(home.Name), Tags: g.tags,
	}, inGlobal)
	if err != nil {
		return nil, err
	}
	g.group = globalRG.Name
	// The regions, built once: provider and resource group, then (below,
	// once the DDoS plan exists) the network.
	for _, r := range s.Regions {
		p, err := azc.NewProvider(ctx, "azure-"+r.Name, r.Name)
		if err != nil {
			return nil, err
		}
		if r.Down {
			outage.Down(p)
		}
		// The failover job keeps its state in the group's tags, and a
		// deploy opens its release window there (docs/failover.md); an
		// update of the group replaces all its tags (a PUT), so the stack
		// sets them at creation and never again.
		rg, err := resources.NewResourceGroup(ctx, s.Stack+"-"+r.Name, &resources.ResourceGroupArgs{
			ResourceGroupName: pulumi.String(s.Stack + "-" + r.Name), Location: pulumi.String(r.Name), Tags: azc.Tags(stacks.TagsIn(s, r.Name)),
		}, pulumi.Provider(p), pulumi.IgnoreChanges([]string{"tags"}))
		if err != nil {
			return nil, err
		}
		g.regions = append(g.regions, azc.Region{Name: r.Name, Role: r.Role, Provider: p, ResourceGroup: rg.Name, CIDR: r.CIDR})
	}

	// DNS zone: created with the stack (in its global group unless told
	// otherwise), or looked up in a group the stack never creates: a zone
	// the stack does not own must not sit in a group a destroy deletes.
	// The records go where the zone is: a zone looked up is in
	// azureDnsResourceGroup (default <stack>-dns), never in the global group.
	g.dnsGroup = pulumi.String(s.Azure.DNSGroup(s.Stack))
	if s.CreateZone && s.Azure.DNSResourceGroup == "" {
		g.dnsGroup = globalRG.Name
	}
	if g.zoneID, err = azc.DNSZone(ctx, s.Stack+"-zone", azc.DNSZoneArgs{
		Name: s.DNSZone, ResourceGroup: g.dnsGroup, LookupGroup: s.Azure.DNSGroup(s.Stack), Create: s.CreateZone, Protect: s.Protect, Tags: g.tags,
	}, provider); err != nil {
		return nil, fmt.Errorf("%s:dnsZone (or %s:createDnsZone, %s:azureDnsResourceGroup): %w", spec.Namespace, spec.Namespace, spec.Namespace, err)
	}
	if g.profile, err = azc.NewFrontDoorProfile(ctx, s.Stack+"-fd", globalRG.Name, g.tags, inGlobal); err != nil {
		return nil, err
	}

	// One DDoS Protection plan covers every virtual network of the stack (a
	// plan protects networks in any region of the tenant).
	var ddosPlan pulumi.StringInput
	if s.DDoSProtection {
		plan, err := network.NewDdosProtectionPlan(ctx, s.Stack+"-ddos", &network.DdosProtectionPlanArgs{
			DdosProtectionPlanName: pulumi.String(s.Stack + "-ddos"), ResourceGroupName: g.regions[0].ResourceGroup,
			Location: pulumi.String(home.Name), Tags: g.tags,
		}, g.regions[0].In())
		if err != nil {
			return nil, err
		}
		ddosPlan = plan.ID()
	}
	// Networks first: the data tier's private endpoints and the apps both
	// live in them.
	for i := range g.regions {
		r := &g.regions[i]
		if r.Network, err = azc.NewNetwork(ctx, s.Stack+"-"+r.Name, azc.NetworkArgs{
			Region: r.Name, ResourceGroup: r.ResourceGroup, CIDR: r.CIDR, Tags: g.tags, DDoSPlanID: ddosPlan,
		}, r.In()); err != nil {
			return nil, fmt.Errorf("region %s: %w", r.Name, err)
		}
	}

	// Data: keys, SQL with a failover group, storage with object replication.
	// The servers' Entra admin: the configured principal, or the stack's own
	// identity, as which a job in the writer's network makes the apps'
	// database users (nothing outside the networks reaches the servers).
	admin := azc.SQLAdmin{Login: s.Azure.SQLAdminLogin, ObjectID: pulumi.String(s.Azure.SQLAdminObjectID), TenantID: g.tenant, PrincipalType: s.Azure.SQLAdminType}
	if s.Azure.SQLAdminObjectID == "" {
		if g.sqlAdmin, err = azc.NewIdentity(ctx, s.Stack+"-sql-admin", s.Stack+"-sql-admin", "database-users", g.regions[0].ResourceGroup, home.Name, g.tags, g.regions[0].In()); err != nil {
			return nil, err
		}
		// An application's SID in Azure SQL is its client id, not its
		// object id (sys.server_principals: "A Microsoft Entra
		// application's SID is the binary representation of its Microsoft
		// Entra client ID"), as for the contained users the job makes.
		admin = azc.SQLAdmin{Login: g.sqlAdmin.Name, ObjectID: g.sqlAdmin.ClientID, TenantID: g.tenant, PrincipalType: "Application"}
	}
	keys, err := azc.NewEncryptionKeys(ctx, s.Stack+"-keys", azc.EncryptionKeysArgs{
		Regions: g.regions, Stack: s.Stack, Subscription: g.subscription, TenantID: g.tenant, Tags: g.tags, Protect: s.Protect,
		Deployer:   pulumi.String(g.deployer),
		Generation: s.Azure.KeyVaultGeneration,
	}, inGlobal)
	if err != nil {
		return nil, err
	}
	if g.db, err = azc.NewGlobalDatabase(ctx, s.Stack+"-db", azc.GlobalDatabaseArgs{
		Regions: g.regions, Stack: s.Stack, Subscription: g.subscription, Admin: admin,
		Name: s.Database.Name, Sku: s.Azure.SQLSku, BackupRetentionDays: s.Database.BackupRetentionDays,
		GraceMinutes: s.Azure.FailoverGraceMinutes, ManualFailover: !s.Promotes(), Keys: keys, Tags: g.tags, Protect: s.Protect,
		// Weekly backups kept at most 10 years (520 weeks; "Long-term
		// retention"): 3648-3650 days would round up past it.
		LongTermRetentionWeeks: min((s.Backup.CopyRetentionDays+6)/7, 520),
	}, inGlobal); err != nil {
		return nil, err
	}
	if g.storage, err = azc.NewReplicatedStorage(ctx, s.Stack+"-uploads", azc.ReplicatedStorageArgs{
		Regions: g.regions, Stack: s.Stack, Subscription: g.subscription, Keys: keys, Tags: g.tags, Protect: s.Protect,
	}, inGlobal); err != nil {
		return nil, err
	}
	return g, nil
}
