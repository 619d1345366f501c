package stacks

import (
	"fmt"

	"github.com/pulumi/pulumi-azure-native-sdk/authorization/v2"
	"github.com/pulumi/pulumi-azure-native-sdk/network/v2"
	"github.com/pulumi/pulumi-azure-native-sdk/resources/v2"
	azurenative "github.com/pulumi/pulumi-azure-native-sdk/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	azc "github.com/mobile-backend/mobile-backend/components/azure"
	"github.com/mobile-backend/mobile-backend/internal/spec"
)

// StorageBlobDataContributor is the built-in role that lets an app read and
// write blobs (and nothing else on the account).
const StorageBlobDataContributor = "ba92f5b4-2d11-453d-a403-e96b0029c9fe"

// Azure deploys the mobile backend on Azure:
//
//	clients ─▶ Azure DNS: api.<domain>, <region>.<domain>, static.<domain> ─▶ Front Door Premium (WAF policy)
//	             active-active:  one origin group, every region at priority 1: lowest-latency healthy region
//	             active-passive: the primary at priority 1, the others at 2: they serve only when it fails
//	        ─▶ per region: Container Apps (zone-redundant environment in its own virtual network)
//	             ├─▶ Azure SQL: primary database, geo-secondaries, auto-failover group (listeners follow the writer)
//	             └─▶ storage account (GZRS), object replication from the primary; /static/* cached at the edge
//	Azure Monitor: Application Insights, availability tests, metric alerts ─▶ action group; a portal dashboard
func Azure(ctx *pulumi.Context, s spec.Spec) (pulumi.Map, error) {
	global, err := azc.NewProvider(ctx, "azure-global", "")
	if err != nil {
		return nil, err
	}
	providers := map[string]*azurenative.Provider{}
	for _, r := range s.Regions {
		if providers[r.Name], err = azc.NewProvider(ctx, "azure-"+r.Name, r.Name); err != nil {
			return nil, err
		}
	}
	client, err := authorization.GetClientConfig(ctx, pulumi.Provider(global))
	if err != nil {
		return nil, fmt.Errorf("azure identity: %w", err)
	}
	primary := s.Primary()
	tags := azc.Tags(s.StandardTags())

	globalRG, err := resources.NewResourceGroup(ctx, s.Stack+"-global", &resources.ResourceGroupArgs{
		ResourceGroupName: pulumi.String(s.Stack + "-global"), Location: pulumi.String(primary.Name), Tags: tags,
	}, pulumi.Provider(global))
	if err != nil {
		return nil, err
	}
	rgs := map[string]*resources.ResourceGroup{}
	for _, r := range s.Regions {
		regional := s.StandardTags()
		regional["region"] = r.Name
		if rgs[r.Name], err = resources.NewResourceGroup(ctx, s.Stack+"-"+r.Name, &resources.ResourceGroupArgs{
			ResourceGroupName: pulumi.String(s.Stack + "-" + r.Name), Location: pulumi.String(r.Name), Tags: azc.Tags(regional),
		}, pulumi.Provider(providers[r.Name])); err != nil {
			return nil, err
		}
	}

	// DNS zone: looked up, or created with the stack.
	dnsRG := pulumi.StringInput(globalRG.Name)
	if s.Azure.DNSResourceGroup != "" {
		dnsRG = pulumi.String(s.Azure.DNSResourceGroup)
	}
	var zoneID pulumi.StringOutput
	if s.CreateZone {
		zone, err := network.NewZone(ctx, s.Stack+"-zone", &network.ZoneArgs{
			ZoneName: pulumi.String(s.DNSZone), ResourceGroupName: dnsRG, Location: pulumi.String("global"), ZoneType: network.ZoneTypePublic, Tags: tags,
		}, pulumi.Provider(global), pulumi.Protect(s.Protect))
		if err != nil {
			return nil, err
		}
		zoneID = zone.ID().ToStringOutput()
	} else {
		rg := s.Azure.DNSResourceGroup
		if rg == "" {
			rg = s.Stack + "-global"
		}
		zone, err := network.LookupZone(ctx, &network.LookupZoneArgs{ResourceGroupName: rg, ZoneName: s.DNSZone}, pulumi.Provider(global))
		if err != nil {
			return nil, fmt.Errorf("azure dns zone %s in %s (set mobile-backend:createDnsZone or azureDnsResourceGroup): %w", s.DNSZone, rg, err)
		}
		zoneID = pulumi.String(zone.Id).ToStringOutput()
	}

	profile, err := azc.NewFrontDoorProfile(ctx, s.Stack+"-fd", globalRG.Name, tags, pulumi.Provider(global))
	if err != nil {
		return nil, err
	}

	// One DDoS Protection plan covers every virtual network of the stack (a
	// plan protects networks in any region of the tenant).
	var ddosPlan pulumi.StringInput
	if s.DDoSProtection {
		plan, err := network.NewDdosProtectionPlan(ctx, s.Stack+"-ddos", &network.DdosProtectionPlanArgs{
			DdosProtectionPlanName: pulumi.String(s.Stack + "-ddos"), ResourceGroupName: rgs[primary.Name].Name,
			Location: pulumi.String(primary.Name), Tags: tags,
		}, pulumi.Provider(providers[primary.Name]))
		if err != nil {
			return nil, err
		}
		ddosPlan = plan.ID()
	}
	// Networks first: the data tier's private endpoints and the apps both
	// live in them.
	networks := map[string]*azc.Network{}
	for _, r := range s.Regions {
		if networks[r.Name], err = azc.NewNetwork(ctx, s.Stack+"-"+r.Name, azc.NetworkArgs{
			Region: r.Name, ResourceGroup: rgs[r.Name].Name, CIDR: r.CIDR, Tags: tags, DDoSPlanID: ddosPlan,
		}, pulumi.Provider(providers[r.Name])); err != nil {
			return nil, fmt.Errorf("region %s: %w", r.Name, err)
		}
	}

	// Data: SQL with a failover group, storage with object replication.
	var dbRegions []azc.DatabaseRegion
	var storageRegions []azc.StorageRegion
	var keyRegions []azc.KeyRegion
	for _, r := range s.Regions {
		n := networks[r.Name]
		dbRegions = append(dbRegions, azc.DatabaseRegion{Name: r.Name, Provider: providers[r.Name], ResourceGroup: rgs[r.Name].Name,
			VirtualNetworkID: n.VirtualNetworkID, EndpointsSubnetID: n.EndpointsSubnetID})
		storageRegions = append(storageRegions, azc.StorageRegion{Name: r.Name, Provider: providers[r.Name], ResourceGroup: rgs[r.Name].Name, AppsSubnetID: n.AppsSubnetID})
		keyRegions = append(keyRegions, azc.KeyRegion{Name: r.Name, Provider: providers[r.Name], ResourceGroup: rgs[r.Name].Name})
	}
	admin := azc.SQLAdmin{Login: s.Azure.SQLAdminLogin, ObjectID: s.Azure.SQLAdminObjectID, TenantID: client.TenantId}
	if admin.ObjectID == "" {
		admin = azc.SQLAdmin{Login: "deployer", ObjectID: client.ObjectId, TenantID: client.TenantId, PrincipalType: "Application"}
	}
	keys, err := azc.NewEncryptionKeys(ctx, s.Stack+"-keys", azc.EncryptionKeysArgs{
		Regions: keyRegions, Stack: s.Stack, Subscription: client.SubscriptionId, TenantID: client.TenantId, Tags: tags, Protect: s.Protect,
	}, pulumi.Provider(global))
	if err != nil {
		return nil, err
	}
	db, err := azc.NewGlobalDatabase(ctx, s.Stack+"-db", azc.GlobalDatabaseArgs{
		Regions: dbRegions, Stack: s.Stack, Subscription: client.SubscriptionId, Admin: admin,
		Name: s.Database.Name, Sku: s.Azure.SQLSku, BackupRetentionDays: s.Database.BackupRetentionDays,
		GraceMinutes: s.Azure.FailoverGraceMinutes, Keys: keys, Tags: tags, Protect: s.Protect,
		LongTermRetentionWeeks: (s.Backup.CopyRetentionDays + 6) / 7,
	}, pulumi.Provider(global))
	if err != nil {
		return nil, err
	}
	storage, err := azc.NewReplicatedStorage(ctx, s.Stack+"-uploads", azc.ReplicatedStorageArgs{
		Regions: storageRegions, Stack: s.Stack, Subscription: client.SubscriptionId, Keys: keys, Tags: tags, Protect: s.Protect,
	}, pulumi.Provider(global))
	if err != nil {
		return nil, err
	}

	// Serving stamps, built from the data tier's outputs: the failover
	// group's listeners (or, outside the group, the region's own server) and
	// the region's storage account.
	computes := map[string]*azc.RegionalCompute{}
	out := Outputs{Regions: map[string]RegionOutputs{}, DatabaseEngine: "azure-sql"}
	for i, r := range s.Regions {
		env := db.Environment(r.Name, s.Database.Name, i < 2)
		env["ROLE"] = pulumi.String(r.Role)
		env["UPLOADS_ACCOUNT"] = storage.Account(r.Name).Name
		env["UPLOADS_CONTAINER"] = pulumi.String(azc.UploadsContainer)
		c, err := azc.NewRegionalCompute(ctx, s.Stack+"-"+r.Name, azc.RegionalComputeArgs{
			Region: r.Name, ResourceGroup: rgs[r.Name].Name, AppsSubnetID: networks[r.Name].AppsSubnetID, Tags: tags, FrontDoorID: profile.FrontDoorId,
			Workload: s.WorkloadFor(r), HealthPath: s.HealthCheck.Path, LogRetentionDays: s.LogRetentionDays, Environment: env,
			StackName: s.Stack, EnvironmentName: s.Environment,
		}, pulumi.Provider(providers[r.Name]))
		if err != nil {
			return nil, fmt.Errorf("region %s: %w", r.Name, err)
		}
		computes[r.Name] = c
		out.Regions[r.Name] = RegionOutputs{Origin: c.AppFQDN, Bucket: storage.Account(r.Name).Name, DatabaseReader: env["DB_READER_HOST"]}
	}
	for _, r := range s.Regions {
		// Each app may use its own region's blobs, and nothing else on the account.
		if _, err := authorization.NewRoleAssignment(ctx, s.Stack+"-"+r.Name+"-blob-access", &authorization.RoleAssignmentArgs{
			PrincipalId:      computes[r.Name].IdentityPrincipalID,
			PrincipalType:    pulumi.String("ServicePrincipal"),
			RoleDefinitionId: pulumi.Sprintf("/subscriptions/%s/providers/Microsoft.Authorization/roleDefinitions/%s", client.SubscriptionId, StorageBlobDataContributor),
			Scope:            storage.Account(r.Name).ID(),
		}, pulumi.Provider(providers[r.Name])); err != nil {
			return nil, err
		}
	}

	// Global entry: WAF policy and Front Door routing.
	waf, err := azc.NewWebFirewall(ctx, s.Stack+"-waf", azc.WebFirewallArgs{
		ResourceGroup: globalRG.Name, Mode: s.WAF.Mode, RateLimit: s.WAF.RateLimit, GeoBlock: s.WAF.GeoBlock, Tags: tags,
	}, pulumi.Provider(global))
	if err != nil {
		return nil, err
	}
	var origins []azc.FrontDoorOrigin
	for _, r := range s.Regions {
		origins = append(origins, azc.FrontDoorOrigin{Region: r.Name, HostName: computes[r.Name].AppFQDN})
	}
	fd, err := azc.NewFrontDoor(ctx, s.Stack+"-edge", azc.FrontDoorArgs{
		Profile: profile, ResourceGroup: globalRG.Name, Domain: s.Domain, Topology: s.Topology, Origins: origins,
		HealthCheck: s.HealthCheck, ZoneName: s.DNSZone, ZoneID: zoneID, ZoneResourceGroup: dnsRG, TTL: s.DNSTTL,
		StaticHostname: s.Storage.StaticHostname,
		Static:         &azc.StaticOrigin{Region: primary.Name, HostName: storage.BlobHost(primary.Name), AccountID: storage.Account(primary.Name).ID()},
		WAFPolicyID:    waf.PolicyID,
	}, pulumi.Provider(global))
	if err != nil {
		return nil, err
	}

	var monitored []azc.MonitoredRegion
	for i, r := range s.Regions {
		m := azc.MonitoredRegion{Name: r.Name, Role: r.Role, ResourceGroup: rgs[r.Name].Name,
			WorkspaceID: computes[r.Name].WorkspaceID, WorkspaceName: computes[r.Name].WorkspaceName, AppID: computes[r.Name].AppID}
		if i == 0 {
			m.DatabaseID = db.PrimaryDatabaseID
		}
		monitored = append(monitored, m)
	}
	watch := append([]pulumi.StringInput{}, db.DatabaseIDs...)
	for _, r := range s.Regions {
		watch = append(watch, storage.Account(r.Name).ID())
	}
	mon, err := azc.NewMonitoring(ctx, s.Stack+"-monitoring", azc.MonitoringArgs{
		HealthWatch: watch,
		Stack:       s.Stack, Domain: s.Domain, ResourceGroup: globalRG.Name, Regions: monitored, FrontDoorID: profile.ID(),
		HealthPath: s.HealthCheck.Path, Emails: s.AlertEmails, Thresholds: s.Alarms, Tags: tags,
	}, pulumi.Provider(global))
	if err != nil {
		return nil, err
	}
	if s.MonthlyBudget > 0 {
		groups := pulumi.StringArray{globalRG.Name}
		for _, r := range s.Regions {
			groups = append(groups, rgs[r.Name].Name)
		}
		if _, err := azc.NewCostBudget(ctx, s.Stack+"-budget", azc.CostBudgetArgs{
			Stack: s.Stack, Subscription: client.SubscriptionId, ResourceGroups: groups, MonthlyUSD: s.MonthlyBudget,
			Emails: s.AlertEmails, ActionGroupID: mon.ActionGroupID,
		}, pulumi.Provider(global)); err != nil {
			return nil, err
		}
	}

	out.DatabaseWriter = db.ReadWriteEndpoint
	out.StaticHostname = pulumi.String(s.Storage.StaticHostname)
	out.Dashboard = mon.DashboardID
	out.DashboardURL = pulumi.Sprintf("https://portal.azure.com/#@%s/dashboard/arm%s", client.TenantId, mon.DashboardID)
	out.Cloud = pulumi.Map{"frontDoorEndpoint": fd.EndpointHostName, "failoverGroup": db.FailoverGroupName}
	return out.Map(s, azc.RegionalHostname), nil
}
