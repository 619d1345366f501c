package aws

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mobile-backend/mobile-backend/components"
	awsc "github.com/mobile-backend/mobile-backend/components/aws"
	"github.com/mobile-backend/mobile-backend/internal/spec"
	"github.com/mobile-backend/mobile-backend/stacks"
)

// route sends clients to the stamps (latency or failover records, a health
// check per region) and, when ddosProtection is on, shields every entry.
func route(ctx *pulumi.Context, s spec.Spec, g *global, stamps []*awsc.Stamp) (*awsc.LatencyDNS, error) {
	inGlobal := pulumi.Provider(g.provider)
	// Routing follows the writer and leaves out a down region, unless
	// us-east-1, Route 53's control plane, is the one down: then it stays
	// as deployed (the failed region's health check keeps it out).
	routed := stacks.ViewOf(s, awsc.GlobalRegion)
	endpoints := awsc.Endpoints(stamps)
	for i, ep := range endpoints {
		r := routed.Region(ep.Region)
		endpoints[i].Role, endpoints[i].Unrouted = r.Role, r.Down
	}
	dns, err := awsc.NewLatencyDNS(ctx, s.Stack+"-dns", awsc.LatencyDNSArgs{
		Domain: s.Domain, ZoneID: g.zoneID, Topology: s.Topology, Endpoints: endpoints, HealthCheck: s.HealthCheck,
	}, inGlobal)
	if err != nil {
		return nil, err
	}
	if s.DDoSProtection {
		shielded := []awsc.ShieldedResource{{Name: "edge", Arn: pulumi.Sprintf("arn:aws:cloudfront::%s:distribution/%s", g.account, g.storage.DistributionID)}}
		for _, st := range stamps {
			shielded = append(shielded, awsc.ShieldedResource{
				Name: st.Name + "-alb", Arn: st.Compute.LoadBalancerArn,
				HealthCheckArn: pulumi.Sprintf("arn:aws:route53:::healthcheck/%s", dns.HealthCheckIDs.MapIndex(pulumi.String(st.Name))),
			})
		}
		if _, err := awsc.NewDDoSProtection(ctx, s.Stack+"-shield", awsc.DDoSProtectionArgs{Stack: s.Stack, Resources: shielded}, inGlobal); err != nil {
			return nil, err
		}
	}
	return dns, nil
}

// watch builds the alarms and dashboard, and a watch of every region from
// the one after it, so the writer's watcher is its successor: it alerts on
// a sustained failure and (unless failoverAutomation is notify) promotes
// its own Aurora member once the writer is lost (internal/failover); the
// others only alert (Route 53 health-check metrics, and so their alarms,
// exist in us-east-1 only). With three regions or more, every other region
// also probes the writer and records what it saw in a watch table (a
// DynamoDB global table): the successor's second opinion when Route 53's
// API, whose control plane is in us-east-1, cannot be read.
func watch(ctx *pulumi.Context, s spec.Spec, g *global, stamps []*awsc.Stamp, dns *awsc.LatencyDNS) (*awsc.Monitoring, error) {
	// Each region's alarms follow its stamp's role (as deployed while it is
	// down); while the home region (the dashboard's) or us-east-1 (the
	// health-check alarms' and topics') is down, all of it stays as deployed.
	monitored := awsc.Watched(stamps, dns.HealthCheckIDs, g.db)
	if s.Down(awsc.GlobalRegion) || s.Down(s.Home().Name) {
		deployed := s.AsDeployed()
		for i := range monitored {
			monitored[i].Role = deployed.Regions[i].Role
		}
	}
	monitoring, err := awsc.NewMonitoring(ctx, s.Stack+"-monitoring", awsc.MonitoringArgs{
		Stack: s.Stack, Regions: monitored, Global: g.provider, GlobalKeyArn: g.key,
		Emails: s.AlertEmails, Webhooks: stacks.AlertWebhooks(s), Thresholds: s.Alarms, Replications: g.storage.Replications,
	}, pulumi.Provider(g.provider))
	if err != nil {
		return nil, err
	}
	healthURL := func(region string) string {
		return "https://" + awsc.RegionalHostname(region, s.Domain) + s.HealthCheck.Path
	}
	var table *awsc.GlobalTable
	if s.Promotes() && len(g.regions) > 2 {
		if table, err = awsc.NewGlobalTable(ctx, s.Stack+"-watch-table", awsc.GlobalTableArgs{Regions: g.regions, Protect: s.Protect}, g.home().In()); err != nil {
			return nil, err
		}
	}
	for _, r := range g.regions {
		watcher := regionNamed(g.regions, components.Watcher(s.RegionNames, r.Name))
		// A watch runs in its watcher's region: a down watcher's stays as
		// deployed, so no automation is created in a region being rescued.
		v := stacks.ViewOf(s, watcher.Name)
		writer := v.Primary().Name
		successor := components.Watcher(v.RegionNames, writer)
		args := awsc.RegionWatchArgs{
			Stack: s.Stack, Account: g.account, Region: watcher, Watched: r.Name,
			ProbeURL: healthURL(r.Name),
			TopicArn: monitoring.TopicArns.MapIndex(pulumi.String(watcher.Name)),
		}
		if table != nil && watcher.Name != writer && watcher.Name != successor {
			args.Observe = &awsc.Observation{Writer: writer, ProbeURL: healthURL(writer), Table: table, TableArn: table.Arns.MapIndex(pulumi.String(watcher.Name))}
		}
		if r.Name == writer && s.Promotes() {
			var members pulumi.StringArray
			for _, m := range g.regions {
				members = append(members, g.db.ClusterArn(m.Name))
			}
			args.Promote = &awsc.Promotion{GlobalClusterID: g.db.GlobalClusterID, GlobalClusterArn: g.db.GlobalClusterArn,
				ClusterArn: g.db.ClusterArn(watcher.Name), ClusterID: g.db.ClusterID(watcher.Name), MemberArns: members,
				HealthCheckID: dns.HealthCheckIDs.MapIndex(pulumi.String(r.Name)), SuccessorHealthCheckID: dns.HealthCheckIDs.MapIndex(pulumi.String(watcher.Name)),
				FenceHealthCheckID: dns.RoutingCheckIDs.MapIndex(pulumi.String(r.Name)),
				// The directory as it reads once the watcher writes, in its
				// own bucket: the edge's fallback origin when the home region
				// is the one lost; replication carries it to the others.
				Directory:    &awsc.WatchDirectory{Bucket: g.storage.Bucket(watcher.Name), Body: stacks.Directory(v.AfterLosing(r.Name, watcher.Name), awsc.RegionalHostname)},
				SuccessorURL: healthURL(watcher.Name),
				NextStep:     "Set " + spec.Namespace + ":writerRegion to " + watcher.Name + ", with " + spec.Namespace + ":regionsDown (and regionsDownWriter, awsAccountId) while " + r.Name + " does not answer, and run pulumi up: the apps' writer settings, the backup plan and its cross-region copies, and the region directory follow (README: losing a region, AWS)."}
			if table != nil {
				args.Promote.Table, args.Promote.TableArn = table, table.Arns.MapIndex(pulumi.String(watcher.Name))
			}
		}
		w, err := awsc.NewRegionWatch(ctx, s.Stack+"-watch-"+r.Name, args, watcher.In())
		if err != nil {
			return nil, err
		}
		if args.Promote != nil {
			g.releaseWindow = pulumi.Map{"cloud": pulumi.String("aws"), "region": pulumi.String(watcher.Name), "parameter": w.ReleaseParameter}
		}
	}
	return monitoring, nil
}

// keep ships every region's logs to one bucket in the home region, backs
// up the writer's data stores daily with a copy in the next region's
// vault, and sets the monthly budget.
func keep(ctx *pulumi.Context, s spec.Spec, g *global, stamps []*awsc.Stamp) error {
	home := g.home()
	if _, err := awsc.NewCentralLogs(ctx, s.Stack+"-logs", awsc.CentralLogsArgs{
		Stack: s.Stack, Account: g.account, Regions: awsc.LogSources(stamps), BucketKeyArn: home.KeyArn,
		RetentionDays: s.LogRetentionDays, Protect: s.Protect,
	}, home.In()); err != nil {
		return err
	}
	writer := s.WithTheWriter()
	backedUp := pulumi.StringArray{g.db.ClusterArn(writer)}
	if g.table != nil {
		backedUp = append(backedUp, g.table.Arns.MapIndex(pulumi.String(writer)))
	}
	if _, err := awsc.NewCrossRegionBackup(ctx, s.Stack+"-backup", awsc.CrossRegionBackupArgs{
		Stack: s.Stack, Regions: g.regions, Writer: writer, Resources: backedUp,
		RetentionDays: s.Backup.CopyRetentionDays, VaultLock: s.Backup.VaultLock, Protect: s.Protect,
	}, home.In()); err != nil {
		return err
	}
	if s.MonthlyBudget > 0 {
		if _, err := awsc.NewCostBudget(ctx, s.Stack+"-budget", awsc.CostBudgetArgs{
			Stack: s.Stack, MonthlyUSD: s.MonthlyBudget, Emails: s.AlertEmails,
		}, pulumi.Provider(g.provider)); err != nil {
			return err
		}
	}
	return nil
}

// regionNamed is the region of that name.
func regionNamed(regions []awsc.Region, name string) awsc.Region {
	for _, r := range regions {
		if r.Name == name {
			return r
		}
	}
	return awsc.Region{}
}

// databaseUsers makes the app's IAM database user, with a job in the
// writer's region that the deployment invokes.
func databaseUsers(ctx *pulumi.Context, s spec.Spec, g *global) (*awsc.DatabaseUsers, error) {
	r := g.regions[s.Region(s.WithTheWriter()).Index]
	return awsc.NewDatabaseUsers(ctx, s.Stack+"-db-users", awsc.DatabaseUsersArgs{
		Region: r.Name, Account: g.account, Network: r.Network, Database: g.db, DatabaseName: s.Database.Name,
		LogRetentionDays: s.LogRetentionDays, KeyArn: r.KeyArn,
	}, r.In())
}

// migrations runs the schema migrations, if any, where the database users
// job runs (the writer's region, or where it was deployed while that is
// down), after it; it returns what the first release wave waits for.
func migrations(ctx *pulumi.Context, s spec.Spec, g *global, users *awsc.DatabaseUsers) ([]pulumi.Resource, error) {
	if len(s.Release.Migrations) == 0 {
		return nil, nil
	}
	r := g.regions[s.Region(s.WithTheWriter()).Index]
	image := s.MigrationsImage()
	if s.Runtime.ImageReplicated {
		image = awsc.RegionalImage(image, r.Name) // the region's own replica
	}
	m, err := awsc.NewMigrations(ctx, s.Stack+"-migrations", awsc.MigrationsArgs{
		Region: r.Name, Account: g.account, Network: r.Network, Database: g.db, DatabaseName: s.Database.Name,
		Image: image, Command: s.Release.Migrations, Stack: s.Stack, Environment: s.Environment,
		LogRetentionDays: s.LogRetentionDays, KeyArn: r.KeyArn, After: []pulumi.Resource{users},
	}, r.In())
	if err != nil {
		return nil, err
	}
	return []pulumi.Resource{m.Invocation}, nil
}

// schedules are the app's scheduled jobs in every region, each run only
// where the global database's writer is (a down region's stay as
// deployed, and fire nowhere while it is down). A job that fails alerts
// its region's on-call topic.
func schedules(ctx *pulumi.Context, s spec.Spec, g *global, stamps []*awsc.Stamp, monitoring *awsc.Monitoring) error {
	jobs := s.Schedules()
	if len(jobs) == 0 {
		return nil
	}
	for _, st := range stamps {
		if _, err := awsc.NewSchedules(ctx, s.Stack+"-"+st.Name+"-schedules", awsc.SchedulesArgs{
			Region: st.Name, Account: g.account, Compute: st.Compute, Schedules: jobs,
			GlobalClusterID: g.db.GlobalClusterID, GlobalClusterArn: g.db.GlobalClusterArn, ClusterArn: g.db.ClusterArn(st.Name),
			LogRetentionDays: s.LogRetentionDays, KeyArn: st.KeyArn, AlertTopicArn: monitoring.TopicArns.MapIndex(pulumi.String(st.Name)),
		}, st.In()); err != nil {
			return err
		}
	}
	return nil
}
