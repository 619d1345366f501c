package gcp

import (
	"fmt"
	"slices"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mobile-backend/mobile-backend/components"
	gcpc "github.com/mobile-backend/mobile-backend/components/gcp"
	"github.com/mobile-backend/mobile-backend/internal/spec"
	"github.com/mobile-backend/mobile-backend/stacks"
)

// route puts the stamps behind the global load balancer, and the API, each
// region's and the static hostnames on its address.
func route(ctx *pulumi.Context, s spec.Spec, g *global, stamps []*gcpc.Stamp) (*gcpc.LoadBalancer, error) {
	inHome := g.home().In()
	lb, err := gcpc.NewLoadBalancer(ctx, s.Stack+"-lb", gcpc.LoadBalancerArgs{
		Domain: s.Domain, Topology: s.Topology, Regions: gcpc.Backends(stamps), SecurityPolicyID: g.armor.PolicyID,
		StaticHostname: s.Storage.StaticHostname, StaticBucketID: g.storage.BackendBucketID, HealthCheck: s.HealthCheck,
	}, inHome)
	if err != nil {
		return nil, err
	}
	zone, err := gcpc.ManagedZone(ctx, s.Stack+"-zone", gcpc.ManagedZoneArgs{DNSName: s.DNSZone, Create: s.CreateZone, Protect: s.Protect, Lookups: g.lookups}, g.home().Provider)
	if err != nil {
		return nil, fmt.Errorf("%s:dnsZone (or %s:createDnsZone): %w", spec.Namespace, spec.Namespace, err)
	}
	hostnames := []string{s.Domain}
	for _, r := range s.Regions {
		hostnames = append(hostnames, gcpc.RegionalHostname(r.Name, s.Domain))
	}
	hostnames = append(hostnames, s.Storage.StaticHostname)
	if err := gcpc.Records(ctx, s.Stack+"-dns", gcpc.RecordsArgs{Zone: zone, Hostnames: hostnames, IPAddress: lb.IPAddress, TTL: s.DNSTTL}, inHome); err != nil {
		return nil, err
	}
	return lb, nil
}

// watch builds the uptime checks, alerts and dashboard, ships every
// region's logs to one bucket in the home region, and sets the budget.
func watch(ctx *pulumi.Context, s spec.Spec, g *global, stamps []*gcpc.Stamp, lb *gcpc.LoadBalancer) (*gcpc.Monitoring, error) {
	inHome := g.home().In()
	monArgs := gcpc.MonitoringArgs{
		Project: g.project, Domain: s.Domain, HealthPath: s.HealthCheck.Path, Regions: gcpc.Watched(stamps, s.MaxInstances),
		Emails: s.AlertEmails, Webhooks: stacks.AlertWebhooks(s), Thresholds: s.Alarms, Bucket: g.storage.BucketName,
		URLMap: lb.URLMapName,
	}
	if g.engine == spec.EngineSpanner {
		monArgs.SpannerInstance = g.db.Instance
	}
	mon, err := gcpc.NewMonitoring(ctx, s.Stack+"-monitoring", monArgs, inHome)
	if err != nil {
		return nil, err
	}
	if _, err := gcpc.NewCentralLogs(ctx, s.Stack+"-logs", gcpc.CentralLogsArgs{
		Stack: s.Stack, Regions: s.RegionNames, Project: g.project, Location: g.home().Name, RetentionDays: s.LogRetentionDays, Protect: s.Protect,
	}, inHome); err != nil {
		return nil, err
	}
	if s.MonthlyBudget > 0 {
		if _, err := gcpc.NewCostBudget(ctx, s.Stack+"-budget", gcpc.CostBudgetArgs{
			Stack: s.Stack, BillingAccount: s.GCP.BillingAccount, ProjectNumber: g.projectNumber, QuotaProject: g.project, MonthlyAmount: s.MonthlyBudget,
			Labels:   s.StandardTags(),
			Channels: mon.Channels(),
		}, inHome); err != nil {
			return nil, err
		}
	}
	return mon, nil
}

// failover handles losing the primary: active-passive moves traffic to the
// standby, and Cloud SQL promotes the standby's replica (Spanner elects a
// new leader by itself, and active-active traffic already avoids a failed
// region).
func failover(ctx *pulumi.Context, s spec.Spec, g *global, lb *gcpc.LoadBalancer, mon *gcpc.Monitoring, directory pulumi.StringOutput) error {
	// Never in a region being rescued: while the writer's successor is down
	// (regionsDown), the automation stays as it was deployed.
	regions := g.regions
	if s.Down(s.Successor()) {
		s = s.AsDeployed()
		regions = slices.Clone(regions)
		for i := range regions {
			regions[i].Role = s.Regions[i].Role
		}
	}
	if !needsFailover(s) {
		return nil
	}
	writer, standby := failoverPair(regions)
	healthURL := func(region string) string {
		return "https://" + gcpc.RegionalHostname(region, s.Domain) + s.HealthCheck.Path
	}
	args := gcpc.FailoverArgs{
		Project: g.project, StandbyRegion: standby.Name,
		Network: g.network.NetworkID, Subnet: g.network.Subnet(standby.Name),
		WriterProbeURL: healthURL(writer.Name), ProbeURL: healthURL(standby.Name),
		PrimaryCheckID: mon.UptimeCheck(writer.Name), StandbyCheckID: mon.UptimeCheck(standby.Name),
		ReleaseBucket: g.storage.BucketName,
		Directory:     stacks.Directory(s.AfterLosing(writer.Name, standby.Name), gcpc.RegionalHostname), DirectoryObject: directory,
		Notify:   mon.Channels(),
		NextStep: "Set " + spec.Namespace + ":writerRegion to " + standby.Name + ", with " + spec.Namespace + ":regionsDown (and regionsDownWriter) while " + writer.Name + " does not answer, and run pulumi up: routing, roles and the region directory follow. Then re-create the replicas of the other regions from the new writer (their reads go to it meanwhile) (README: losing a region, Google Cloud).",
	}
	if s.Topology == spec.ActivePassive {
		args.URLMapSelfLink, args.StandbyBackendSelfLink = lb.URLMapSelfLink, lb.BackendSelfLinks.MapIndex(pulumi.String(standby.Name))
		args.URLMapID = lb.URLMapID
	}
	// Only the home region's instance was created as the primary: once
	// the writer has moved, the replicas follow a lost instance and the
	// promotion has nothing to promote until they are rebuilt
	// (README: failback on Google Cloud).
	if g.engine == spec.EngineCloudSQL && writer.Name == g.home().Name {
		instance, address := g.db.Replica(standby.Name)
		writerInstance, writerAddress := g.db.Replica(writer.Name)
		var readers pulumi.StringArray
		for _, r := range g.regions {
			if r.Name != standby.Name {
				readers = append(readers, g.db.ReaderRecord(r.Name))
			}
		}
		args.Promote = &gcpc.Promotion{Instance: instance, Address: address, WriterAddress: writerAddress, Writer: writerInstance, Readers: readers, Zone: g.db.WriterZone, Record: g.db.WriterRecord,
			LogDays: g.db.LogDays, RetainedBackups: g.db.RetainedBackups}
	}
	if _, err := gcpc.NewFailover(ctx, s.Stack+"-failover", args, standby.In()); err != nil {
		return err
	}
	g.releaseWindow = pulumi.Map{"cloud": pulumi.String("gcp"), "bucket": g.storage.BucketName, "object": pulumi.String(gcpc.ReleaseWindowObject)}
	return nil
}

// needsFailover: a stack whose primary's loss needs automation (a traffic
// switch, a Cloud SQL promotion, or both).
func needsFailover(s spec.Spec) bool {
	promotable := s.GCPEngine() == spec.EngineCloudSQL && s.Primary().Name == s.Home().Name
	// With failoverAutomation notify, the regions' uptime alerts page a
	// person, who switches and promotes by hand (README runbook).
	return s.Promotes() && (s.Topology == spec.ActivePassive || promotable)
}

// failoverPair is the writer's region and its successor, which takes over
// from it and runs the automation, away from the region it rescues.
func failoverPair(regions []gcpc.Region) (writer, standby gcpc.Region) {
	var names []string
	var roles []spec.Role
	for _, r := range regions {
		names, roles = append(names, r.Name), append(roles, r.Role)
	}
	next := components.Successor(names, roles)
	for _, r := range regions {
		switch {
		case r.Role == spec.Primary:
			writer = r
		case r.Name == next:
			standby = r
		}
	}
	return writer, standby
}

// databaseUsers gives every region's Cloud SQL IAM user its rights, with a
// job in the writer's region (Cloud SQL's primary is the first region) that
// the deployment runs. Spanner takes IAM roles only.
func databaseUsers(ctx *pulumi.Context, s spec.Spec, g *global, stamps []*gcpc.Stamp) error {
	if g.engine != spec.EngineCloudSQL {
		return nil
	}
	writer := g.regions[0]
	args := gcpc.DatabaseUsersArgs{
		Project: g.project, Region: writer.Name, Network: g.network.NetworkID, Subnet: g.network.Subnet(writer.Name),
		Database: g.db, DatabaseName: s.Database.Name,
	}
	for _, st := range stamps {
		args.Users, args.After = append(args.Users, st.DBUser), append(args.After, st.DBGrants...)
	}
	_, err := gcpc.NewDatabaseUsers(ctx, s.Stack+"-db-users", args, writer.In())
	return err
}

// migrations runs the schema migrations, if any, in the writer's region
// (or where they were deployed while it is down); it returns what the
// first release wave waits for.
func migrations(ctx *pulumi.Context, s spec.Spec, g *global) ([]pulumi.Resource, error) {
	if len(s.Release.Migrations) == 0 {
		return nil, nil
	}
	r := g.regions[s.Region(s.WithTheWriter()).Index]
	args := gcpc.MigrationsArgs{
		Project: g.project, Region: r.Name, Database: g.db, DatabaseName: s.Database.Name,
		Image: s.MigrationsImage(), Command: s.Release.Migrations, Stack: s.Stack, Environment: s.Environment,
	}
	if g.engine == spec.EngineCloudSQL {
		args.Network, args.Subnet = g.network.NetworkID, g.network.Subnet(r.Name)
	}
	m, err := gcpc.NewMigrations(ctx, s.Stack+"-migrations", args, r.In())
	if err != nil {
		return nil, err
	}
	return []pulumi.Resource{m.Job}, nil
}

// breakGlass opens the operators' way in, when configured: a job in the
// writer's region (never down: opening it during an outage touches no
// down region) running as that region's app.
func breakGlass(ctx *pulumi.Context, s spec.Spec, g *global, stamps []*gcpc.Stamp) error {
	if !s.BreakGlass.On() {
		return nil
	}
	r := s.Primary()
	st := stamps[r.Index]
	env := g.db.Environment(r.Name, g.project)
	args := gcpc.BreakGlassArgs{
		Project: g.project, Region: r.Name, ServiceAccountEmail: st.Identity.Email, Image: s.Image,
		Environment: env, Member: s.BreakGlass.Member, Until: s.BreakGlass.Until,
	}
	if g.engine == spec.EngineCloudSQL {
		env["DB_USER"] = st.DBUser
		args.Network, args.Subnet = g.network.NetworkID, g.network.Subnet(r.Name)
	}
	_, err := gcpc.NewBreakGlass(ctx, s.Stack+"-"+r.Name+"-break-glass", args, g.regions[r.Index].In())
	return err
}

// schedules are the app's scheduled jobs: with Cloud SQL in every region,
// each run only beside the primary (a down region's stay as deployed and
// fire nowhere); with Spanner, which has no regional writer, in the
// writer's region only.
func schedules(ctx *pulumi.Context, s spec.Spec, g *global, stamps []*gcpc.Stamp, mon *gcpc.Monitoring) error {
	jobs := s.Schedules()
	if len(jobs) == 0 {
		return nil
	}
	for _, st := range stamps {
		args := gcpc.SchedulesArgs{Project: g.project, Region: st.Name, Compute: st.Compute, Schedules: jobs, SQLInstance: st.SQLInstance, Channels: mon.Channels()}
		if g.engine != spec.EngineCloudSQL && st.Name != s.WithTheWriter() {
			continue
		}
		if _, err := gcpc.NewSchedules(ctx, s.Stack+"-"+st.Name+"-schedules", args, st.In()); err != nil {
			return err
		}
	}
	return nil
}
