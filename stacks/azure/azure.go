package azure

import (
	"fmt"

	"github.com/pulumi/pulumi-azure-native-sdk/authorization/v2"
	"github.com/pulumi/pulumi-azure-native-sdk/network/v2"
	"github.com/pulumi/pulumi-azure-native-sdk/resources/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mobile-backend/mobile-backend/components"
	azc "github.com/mobile-backend/mobile-backend/components/azure"
	"github.com/mobile-backend/mobile-backend/internal/spec"
	"github.com/mobile-backend/mobile-backend/stacks"
)

func init() { stacks.Register(spec.Azure, Deploy) }

// Deploy deploys the mobile backend on Azure:
//
//	clients ─▶ Azure DNS: api.<domain>, <region>.<domain>, static.<domain> ─▶ Front Door Premium (WAF policy)
//	             active-active:  one origin group, every region at priority 1: lowest-latency healthy region
//	             active-passive: the primary at priority 1, the others at 2: they serve only when it fails
//	        ─▶ per region: Container Apps (zone-redundant environment in its own virtual network)
//	             ├─▶ Azure SQL: primary database, geo-secondaries, auto-failover group (listeners follow the writer)
//	             └─▶ storage account (RA-GZRS): the region's uploads (any app reads any region's), a static
//	                 container Front Door reads from every region over Private Link; /static/* cached at the edge
//	Azure Monitor: Application Insights, availability tests, metric alerts ─▶ action group; a portal dashboard
func Deploy(ctx *pulumi.Context, s spec.Spec) (pulumi.Map, error) {
	global, err := azc.NewProvider(ctx, "azure-global", "")
	if err != nil {
		return nil, err
	}
	client, err := authorization.GetClientConfig(ctx, pulumi.Provider(global))
	if err != nil {
		return nil, fmt.Errorf("azure identity: %w", err)
	}
	// The home region (the first of regions) holds the once-per-stack
	// resources (a resource group's location cannot change); the writer
	// (writerRegion) may move after a failover without moving any of them.
	home, writer := s.Home(), s.Primary()
	tags := azc.Tags(s.StandardTags())

	globalRG, err := resources.NewResourceGroup(ctx, s.Stack+"-global", &resources.ResourceGroupArgs{
		ResourceGroupName: pulumi.String(s.Stack + "-global"), Location: pulumi.String(home.Name), Tags: tags,
	}, pulumi.Provider(global))
	if err != nil {
		return nil, err
	}
	// The regions, built once: provider and resource group, then (below,
	// once the DDoS plan exists) the network.
	var regions []azc.Region
	for _, r := range s.Regions {
		p, err := azc.NewProvider(ctx, "azure-"+r.Name, r.Name)
		if err != nil {
			return nil, err
		}
		rg, err := resources.NewResourceGroup(ctx, s.Stack+"-"+r.Name, &resources.ResourceGroupArgs{
			ResourceGroupName: pulumi.String(s.Stack + "-" + r.Name), Location: pulumi.String(r.Name), Tags: azc.Tags(stacks.TagsIn(s, r.Name)),
		}, pulumi.Provider(p))
		if err != nil {
			return nil, err
		}
		regions = append(regions, azc.Region{Name: r.Name, Role: r.Role, Provider: p, ResourceGroup: rg.Name, CIDR: r.CIDR})
	}

	// DNS zone: created with the stack (in its global group unless told
	// otherwise), or looked up in a group the stack never creates: a zone
	// the stack does not own must not sit in a group a destroy deletes.
	dnsRG := pulumi.StringInput(globalRG.Name)
	if s.Azure.DNSResourceGroup != "" {
		dnsRG = pulumi.String(s.Azure.DNSResourceGroup)
	}
	lookupGroup := s.Azure.DNSGroup(s.Stack)
	zoneID, err := azc.DNSZone(ctx, s.Stack+"-zone", azc.DNSZoneArgs{
		Name: s.DNSZone, ResourceGroup: dnsRG, LookupGroup: lookupGroup, Create: s.CreateZone, Protect: s.Protect, Tags: tags,
	}, global)
	if err != nil {
		return nil, fmt.Errorf("%s:dnsZone (or %s:createDnsZone, %s:azureDnsResourceGroup): %w", spec.Namespace, spec.Namespace, spec.Namespace, err)
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
			DdosProtectionPlanName: pulumi.String(s.Stack + "-ddos"), ResourceGroupName: regions[0].ResourceGroup,
			Location: pulumi.String(home.Name), Tags: tags,
		}, regions[0].In())
		if err != nil {
			return nil, err
		}
		ddosPlan = plan.ID()
	}
	// Networks first: the data tier's private endpoints and the apps both
	// live in them.
	for i := range regions {
		r := &regions[i]
		if r.Network, err = azc.NewNetwork(ctx, s.Stack+"-"+r.Name, azc.NetworkArgs{
			Region: r.Name, ResourceGroup: r.ResourceGroup, CIDR: r.CIDR, Tags: tags, DDoSPlanID: ddosPlan,
		}, r.In()); err != nil {
			return nil, fmt.Errorf("region %s: %w", r.Name, err)
		}
	}

	// Data: keys, SQL with a failover group, storage with object replication.
	// The servers' Entra admin: the configured principal, or the stack's own
	// identity, as which a job in the writer's network makes the apps'
	// database users (nothing outside the networks reaches the servers).
	admin := azc.SQLAdmin{Login: s.Azure.SQLAdminLogin, ObjectID: pulumi.String(s.Azure.SQLAdminObjectID), TenantID: client.TenantId}
	var sqlAdmin *azc.Identity
	if s.Azure.SQLAdminObjectID == "" {
		if sqlAdmin, err = azc.NewIdentity(ctx, s.Stack+"-sql-admin", s.Stack+"-sql-admin", "database-users", regions[0].ResourceGroup, home.Name, tags, regions[0].In()); err != nil {
			return nil, err
		}
		admin = azc.SQLAdmin{Login: sqlAdmin.Name, ObjectID: sqlAdmin.PrincipalID, TenantID: client.TenantId, PrincipalType: "Application"}
	}
	keys, err := azc.NewEncryptionKeys(ctx, s.Stack+"-keys", azc.EncryptionKeysArgs{
		Regions: regions, Stack: s.Stack, Subscription: client.SubscriptionId, TenantID: client.TenantId, Tags: tags, Protect: s.Protect,
		Generation: s.Azure.KeyVaultGeneration,
	}, pulumi.Provider(global))
	if err != nil {
		return nil, err
	}
	db, err := azc.NewGlobalDatabase(ctx, s.Stack+"-db", azc.GlobalDatabaseArgs{
		Regions: regions, Stack: s.Stack, Subscription: client.SubscriptionId, Admin: admin,
		Name: s.Database.Name, Sku: s.Azure.SQLSku, BackupRetentionDays: s.Database.BackupRetentionDays,
		GraceMinutes: s.Azure.FailoverGraceMinutes, ManualFailover: !s.Promotes(), Keys: keys, Tags: tags, Protect: s.Protect,
		// Weekly backups kept at most 10 years (520 weeks; "Long-term
		// retention"): 3648-3650 days would round up past it.
		LongTermRetentionWeeks: min((s.Backup.CopyRetentionDays+6)/7, 520),
	}, pulumi.Provider(global))
	if err != nil {
		return nil, err
	}
	storage, err := azc.NewReplicatedStorage(ctx, s.Stack+"-uploads", azc.ReplicatedStorageArgs{
		Regions: regions, Stack: s.Stack, Subscription: client.SubscriptionId, Keys: keys, Tags: tags, Protect: s.Protect,
	}, pulumi.Provider(global))
	if err != nil {
		return nil, err
	}

	// The same stamp in every region: the app, built from the data tier's
	// outputs, with its blob role.
	var stamps []*azc.Stamp
	for _, r := range regions {
		env := pulumi.StringMap{"ROLE": pulumi.String(r.Role)}
		// Front Door cannot verify an app token: the app does (README).
		for k, v := range s.AppAttestation().OriginEnvironment() {
			env[k] = pulumi.String(v)
		}
		stamp, err := azc.NewStamp(ctx, s.Stack+"-"+r.Name, azc.StampArgs{
			Region: r, Subscription: pulumi.String(client.SubscriptionId), Database: db, Storage: storage,
			Compute: azc.RegionalComputeArgs{
				Tags: tags, FrontDoorID: profile.FrontDoorId, Workload: s.WorkloadFor(r.Role), HealthPath: s.HealthCheck.Path,
				LogRetentionDays: s.LogRetentionDays, Environment: env,
				StackName: s.Stack, EnvironmentName: s.Environment,
			},
		})
		if err != nil {
			return nil, err
		}
		stamps = append(stamps, stamp)
	}

	// The apps' database users, made in the writer's network; with a
	// configured admin, that admin runs the same script (databaseUsersScript).
	var users []azc.DatabaseUser
	for _, st := range stamps {
		users = append(users, azc.DatabaseUser{Name: st.Compute.IdentityName, ClientID: st.Compute.IdentityClientID})
	}
	usersScript := pulumi.StringOutput{}
	writerStamp := azc.StampIn(stamps, writer.Name)
	if sqlAdmin != nil {
		job, err := azc.NewDatabaseUsers(ctx, s.Stack+"-db-users", azc.DatabaseUsersArgs{
			Region: writer.Name, ResourceGroup: writerStamp.ResourceGroup, EnvironmentID: writerStamp.Compute.EnvironmentID,
			Admin: sqlAdmin, Server: db.ReadWriteEndpoint, Database: s.Database.Name, Users: users, Tags: tags,
		}, writerStamp.In())
		if err != nil {
			return nil, err
		}
		usersScript = job.Script
	} else {
		usersScript = azc.UsersScriptOutput(users)
	}

	// Global entry: WAF policy and Front Door routing.
	waf, err := azc.NewWebFirewall(ctx, s.Stack+"-waf", azc.WebFirewallArgs{
		ResourceGroup: globalRG.Name, Mode: s.WAF.Mode, RateLimit: s.WAF.RateLimit, GeoBlock: s.WAF.GeoBlock, AppGate: s.AppGate(), Tags: tags,
		Attestation: s.AppAttestation(), StaticHostname: s.Storage.StaticHostname,
	}, pulumi.Provider(global))
	if err != nil {
		return nil, err
	}
	fd, err := azc.NewFrontDoor(ctx, s.Stack+"-edge", azc.FrontDoorArgs{
		Profile: profile, ResourceGroup: globalRG.Name, Domain: s.Domain, Topology: s.Topology, Origins: azc.Origins(stamps),
		HealthCheck: s.HealthCheck, ZoneName: s.DNSZone, ZoneID: zoneID, ZoneResourceGroup: dnsRG, TTL: s.DNSTTL,
		StaticHostname: s.Storage.StaticHostname,
		Static:         staticOrigins(storage),
		WAFPolicyID:    waf.PolicyID,
	}, pulumi.Provider(global))
	if err != nil {
		return nil, err
	}

	watch := append([]pulumi.StringInput{}, db.DatabaseIDs...)
	for _, r := range regions {
		watch = append(watch, storage.Account(r.Name).ID())
	}
	mon, err := azc.NewMonitoring(ctx, s.Stack+"-monitoring", azc.MonitoringArgs{
		HealthWatch: watch,
		Stack:       s.Stack, Domain: s.Domain, ResourceGroup: globalRG.Name, Regions: azc.Watched(stamps, db), FrontDoorID: profile.ID(),
		HealthPath: s.HealthCheck.Path, Emails: s.AlertEmails, Thresholds: s.Alarms, Tags: tags,
	}, pulumi.Provider(global))
	if err != nil {
		return nil, err
	}
	// The failover group's other member forces the failover within minutes
	// when the writer's region stays down (the group's grace period is the
	// backstop).
	partner := azc.StampIn(stamps, db.Partner(writer.Name))
	server, serverID := db.Server(partner.Name)
	if s.Promotes() {
		if _, err := azc.NewSQLFailover(ctx, s.Stack+"-sql-failover", azc.SQLFailoverArgs{
			Stack: s.Stack, Subscription: client.SubscriptionId, Region: partner.Region, EnvironmentID: partner.Compute.EnvironmentID,
			Writer: writer.Name, ProbeURL: "https://" + azc.RegionalHostname(writer.Name, s.Domain) + s.HealthCheck.Path,
			FailoverGroup: db.FailoverGroupName, Server: server, ServerID: serverID, ActionGroupID: mon.ActionGroupID, Tags: tags,
			FrontDoorID: profile.ID(), OriginHost: writerStamp.Compute.AppFQDN,
			NextStep: "set " + spec.Namespace + ":writerRegion and run pulumi up",
		}, partner.In()); err != nil {
			return nil, err
		}
	}
	if s.MonthlyBudget > 0 {
		groups := pulumi.StringArray{globalRG.Name}
		for _, r := range regions {
			groups = append(groups, r.ResourceGroup)
		}
		if _, err := azc.NewCostBudget(ctx, s.Stack+"-budget", azc.CostBudgetArgs{
			Stack: s.Stack, Subscription: client.SubscriptionId, ResourceGroups: groups, MonthlyUSD: s.MonthlyBudget,
			Emails: s.AlertEmails, ActionGroupID: mon.ActionGroupID,
		}, pulumi.Provider(global)); err != nil {
			return nil, err
		}
	}

	// The region directory, in every region's static container (Front Door
	// answers /static/<key> from any healthy one).
	if err := storage.Publish(ctx, s.Stack+"-directory", components.DirectoryObject, stacks.Directory(s, azc.RegionalHostname), "application/json"); err != nil {
		return nil, err
	}
	out := stacks.Outputs{Regions: map[string]stacks.RegionOutputs{}, DatabaseEngine: "azure-sql",
		DirectoryURL: "https://" + s.Storage.StaticHostname + "/" + components.StaticPrefix + "/" + components.DirectoryObject}
	for _, st := range stamps {
		out.Regions[st.Name] = stacks.RegionOutputs{Origin: st.Compute.AppFQDN, Bucket: storage.Account(st.Name).Name, DatabaseReader: db.Environment(st.Name)["DB_READER_HOST"]}
	}
	out.DatabaseWriter = db.ReadWriteEndpoint
	out.StaticHostname = pulumi.String(s.Storage.StaticHostname)
	out.Dashboard = mon.DashboardID
	out.DashboardURL = pulumi.Sprintf("https://portal.azure.com/#@%s/dashboard/arm%s", client.TenantId, mon.DashboardID)
	out.Cloud = pulumi.Map{"frontDoorEndpoint": fd.EndpointHostName, "failoverGroup": db.FailoverGroupName, "databaseUsersScript": usersScript}
	if s.Attestation.On() {
		out.Attestation = pulumi.Map{"header": pulumi.String(components.AttestationHeader), "verifiedAt": pulumi.String("origin")}
	}
	return out.Map(s, azc.RegionalHostname), nil
}

// staticOrigins are every region's storage account, serving /static/*.
func staticOrigins(storage *azc.ReplicatedStorage) []azc.StaticOrigin {
	var out []azc.StaticOrigin
	for _, r := range storage.Regions() {
		out = append(out, azc.StaticOrigin{Region: r, HostName: storage.BlobHost(r), AccountID: storage.Account(r).ID()})
	}
	return out
}
