package azure

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mobile-backend/mobile-backend/components"
	azc "github.com/mobile-backend/mobile-backend/components/azure"
	"github.com/mobile-backend/mobile-backend/internal/azpublish"
	"github.com/mobile-backend/mobile-backend/internal/spec"
	"github.com/mobile-backend/mobile-backend/stacks"
)

// route is the global entry: the WAF policy and Front Door, routing the
// API to the stamps and /static/* to every region's storage account.
func route(ctx *pulumi.Context, s spec.Spec, g *global, stamps []*azc.Stamp) (*azc.FrontDoor, error) {
	inGlobal := pulumi.Provider(g.provider)
	waf, err := azc.NewWebFirewall(ctx, s.Stack+"-waf", azc.WebFirewallArgs{
		ResourceGroup: g.group, Mode: s.WAF.Mode, RateLimit: s.WAF.RateLimit, GeoBlock: s.WAF.GeoBlock, AppGate: s.AppGate(), Tags: g.tags,
		Attestation: s.AppAttestation(), StaticHostname: s.Storage.StaticHostname,
	}, inGlobal)
	if err != nil {
		return nil, err
	}
	return azc.NewFrontDoor(ctx, s.Stack+"-edge", azc.FrontDoorArgs{
		Profile: g.profile, ResourceGroup: g.group, Domain: s.Domain, Topology: s.Topology, Origins: azc.Origins(stamps),
		HealthCheck: s.HealthCheck, ZoneName: s.DNSZone, ZoneID: g.zoneID, ZoneResourceGroup: g.dnsGroup, TTL: s.DNSTTL,
		StaticHostname: s.Storage.StaticHostname,
		Static:         staticOrigins(g.storage),
		WAFPolicyID:    waf.PolicyID,
	}, inGlobal)
}

// watch builds the availability tests, alerts and dashboard, the forced
// failover of the SQL failover group, and the budget.
func watch(ctx *pulumi.Context, s spec.Spec, g *global, stamps []*azc.Stamp, fd *azc.FrontDoor) (*azc.Monitoring, error) {
	inGlobal := pulumi.Provider(g.provider)
	health := append([]pulumi.StringInput{}, g.db.DatabaseIDs...)
	for _, r := range g.regions {
		health = append(health, g.storage.Account(r.Name).ID())
	}
	// Each region's alerts follow its stamp's role (as deployed while it is
	// down); while the home region (the dashboard's) is down, all of it
	// stays as deployed.
	monitored := azc.Watched(stamps, g.db)
	for i := range monitored {
		monitored[i].Jobs = g.jobs[monitored[i].Name]
	}
	view := s
	if s.Down(s.Home().Name) {
		view = s.AsDeployed()
	}
	for i := range monitored {
		monitored[i].ReleaseWave, monitored[i].ReleaseWaves = view.WaveOf(monitored[i].Name)+1, len(view.ReleaseWaves())
	}
	if s.Down(s.Home().Name) {
		deployed := s.AsDeployed()
		for i := range monitored {
			monitored[i].Role = deployed.Regions[i].Role
		}
	}
	mon, err := azc.NewMonitoring(ctx, s.Stack+"-monitoring", azc.MonitoringArgs{
		HealthWatch: health,
		Stack:       s.Stack, Domain: s.Domain, ResourceGroup: g.group, Regions: monitored, FrontDoorID: g.profile.ID(),
		HealthPath: s.HealthCheck.Path, Emails: s.AlertEmails, Webhooks: stacks.AlertWebhooks(s), Thresholds: s.Alarms, Tags: g.tags,
	}, inGlobal)
	if err != nil {
		return nil, err
	}
	// The failover group's other member forces the failover within minutes
	// when the writer's region stays down (the group's grace period is the
	// backstop).
	// Never in a region being rescued: while the writer's partner is down
	// (regionsDown), the failover job stays as it was deployed.
	writer := s.Primary().Name
	if partner := g.db.Partner(writer); s.Down(partner) {
		writer = s.AsDeployed().Primary().Name
	}
	partner := azc.StampIn(stamps, g.db.Partner(writer))
	server, serverID := g.db.Server(partner.Name)
	if s.Promotes() {
		healthURL := func(region string) string {
			return "https://" + azc.RegionalHostname(region, s.Domain) + s.HealthCheck.Path
		}
		if _, err := azc.NewSQLFailover(ctx, s.Stack+"-sql-failover", azc.SQLFailoverArgs{
			Stack: s.Stack, Subscription: g.subscription, Region: partner.Region,
			EnvironmentID: partner.Compute.EnvironmentID, WorkspaceID: partner.Compute.WorkspaceID,
			Writer: writer, WriterProbeURL: healthURL(writer), ProbeURL: healthURL(partner.Name),
			FailoverGroup: g.db.FailoverGroupName, Server: server, ServerID: serverID,
			ServerFQDN: g.db.ServerFQDN(partner.Name), WriterServerFQDN: g.db.ServerFQDN(writer),
			ActionGroupID: mon.ActionGroupID, Tags: g.tags,
			FrontDoorID: g.profile.ID(), WriterOrigin: azc.StampIn(stamps, writer).Compute.AppFQDN, Origin: partner.Compute.AppFQDN,
			WriterOriginID: fd.APIOriginIDs.MapIndex(pulumi.String(writer)),
			Database:       s.Database.Name, BackupRetentionDays: s.Database.BackupRetentionDays,
			NextStep: "set " + spec.Namespace + ":writerRegion to " + partner.Name + ", with " + spec.Namespace + ":regionsDown (and regionsDownWriter) while " + writer + " does not answer, and run pulumi up: Front Door priorities, the database-users job and the .well-known/mobile-backend.json document follow; the old writer's origin stays disabled until you enable it (README: losing a region, Azure)",
		}, partner.In()); err != nil {
			return nil, err
		}
		g.releaseWindow = pulumi.Map{"cloud": pulumi.String("azure"), "tag": pulumi.String(azc.ReleaseWindowTag),
			"resourceGroup": pulumi.Sprintf("/subscriptions/%s/resourceGroups/%s", g.subscription, partner.Region.ResourceGroup)}
	}
	if s.MonthlyBudget > 0 {
		groups := pulumi.StringArray{g.group}
		for _, r := range g.regions {
			groups = append(groups, r.ResourceGroup)
		}
		if _, err := azc.NewCostBudget(ctx, s.Stack+"-budget", azc.CostBudgetArgs{
			Stack: s.Stack, Subscription: g.subscription, ResourceGroups: groups, MonthlyUSD: s.MonthlyBudget,
			Emails: s.AlertEmails, ActionGroupID: mon.ActionGroupID,
		}, inGlobal); err != nil {
			return nil, err
		}
	}
	return mon, nil
}

// staticOrigins are every region's storage account, serving /static/*.
func staticOrigins(storage *azc.ReplicatedStorage) []azc.StaticOrigin {
	var out []azc.StaticOrigin
	for _, r := range storage.Regions() {
		out = append(out, azc.StaticOrigin{Region: r, HostName: storage.BlobHost(r), AccountID: storage.Account(r).ID()})
	}
	return out
}

// publish keeps the region directory and the static origins' health blob
// in every region's static container (Front Door answers /static/<key>
// from any healthy one), written by a job in each region's network.
func publish(ctx *pulumi.Context, s spec.Spec, g *global, stamps []*azc.Stamp) error {
	envs := map[string]pulumi.StringInput{}
	for _, st := range stamps {
		envs[st.Name] = st.Compute.EnvironmentID
	}
	documents := func(region string) []azpublish.Document {
		return []azpublish.Document{
			{Blob: components.DirectoryObject, Content: stacks.Directory(stacks.ViewOf(s, region), azc.RegionalHostname), ContentType: "application/json", CacheControl: components.DirectoryCacheControl},
			{Blob: azc.StaticHealthBlob, Content: "ok\n", ContentType: "text/plain"},
		}
	}
	jobs, err := g.storage.Publish(ctx, s.Stack+"-publish", azc.PublishArgs{
		Documents: documents(s.WriterRegion), In: documents,
		Environments: envs, Subscription: g.subscription, Tags: g.tags,
	})
	for region, j := range jobs {
		g.watchJobs(region, j)
	}
	return err
}
