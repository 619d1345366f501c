package gcp

import (
	"fmt"

	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/organizations"
	"github.com/pulumi/pulumi-random/sdk/v4/go/random"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mobile-backend/mobile-backend/components"
	gcpc "github.com/mobile-backend/mobile-backend/components/gcp"
	"github.com/mobile-backend/mobile-backend/internal/spec"
	"github.com/mobile-backend/mobile-backend/stacks"
)

func init() { stacks.Register(spec.GCP, Deploy) }

// Deploy deploys the mobile backend on Google Cloud:
//
//	clients ─▶ Cloud DNS: api.<domain>, <region>.<domain>, static.<domain> ─▶ one anycast IP
//	        ─▶ global external Application Load Balancer (TLS 1.2+, Cloud Armor on every backend service)
//	             active-active:  one backend service over every region's serverless NEG (nearest healthy region)
//	             active-passive: the primary's backend service; Failover switches to the standby's
//	        ─▶ per region: Cloud Run (own service account, ingress from the load balancer only)
//	             ├─▶ Spanner multi-region instance (active-active) or Cloud SQL primary + cross-region replicas
//	             └─▶ dual-region Cloud Storage bucket (turbo replication), Cloud CDN for static.<domain>
//	Cloud Monitoring: uptime checks, alert policies ─▶ e-mail; one dashboard, a row per region
func Deploy(ctx *pulumi.Context, s spec.Spec) (pulumi.Map, error) {
	// The regions, built once: name, role, provider, subnet range.
	var regions []gcpc.Region
	for _, r := range s.Regions {
		p, err := gcpc.NewProvider(ctx, "gcp-"+r.Name, s.GCP.Project, r.Name, stacks.TagsIn(s, r.Name))
		if err != nil {
			return nil, err
		}
		regions = append(regions, gcpc.Region{Name: r.Name, Role: r.Role, Provider: p, CIDR: r.CIDR})
	}
	// The home region (the first of regions) holds the once-per-stack
	// resources and the stack-wide provider; the writer (writerRegion) may
	// move after a failover without moving any of them.
	home := regions[0]
	inHome := home.In()
	randomProvider, err := random.NewProvider(ctx, "random", nil)
	if err != nil {
		return nil, err
	}
	// The provider's project (from config, or the ambient one) and its number.
	var projectID *string
	if s.GCP.Project != "" {
		projectID = &s.GCP.Project
	}
	proj, err := organizations.LookupProject(ctx, &organizations.LookupProjectArgs{ProjectId: projectID}, inHome)
	if err != nil {
		return nil, fmt.Errorf("gcp project: %w", err)
	}
	project := *proj.ProjectId
	engine := s.GCPEngine()

	// Every API the stack calls is enabled first, and each resource waits
	// for its own (a disabled API refuses every call).
	// Where uploads live: the dual-region bucket and a read copy per other area.
	placement := gcpc.ChooseDualRegion(s.RegionNames)
	copies := gcpc.PlaceReadCopies(s.RegionNames, placement)
	apis, err := gcpc.NewAPIs(ctx, s.Stack+"-apis", gcpc.APIsArgs{Project: project, Services: googleAPIs(s, len(copies) > 0)}, inHome)
	if err != nil {
		return nil, err
	}
	if err := ctx.RegisterStackTransformation(apis.WaitFor); err != nil {
		return nil, err
	}

	// Customer-managed keys where the data lives: the bucket's multi-region,
	// and Spanner's configuration or each Cloud SQL instance's region.
	users := map[string][]string{gcpc.KMSLocation(placement.Location): {gcpc.StorageService}}
	for _, c := range copies {
		users[c.Region] = append(users[c.Region], gcpc.StorageService)
	}
	if engine == spec.EngineSpanner {
		if loc := s.GCP.Spanner.KMSLocation; loc != "" {
			users[loc] = append(users[loc], "spanner.googleapis.com")
		}
	} else {
		for _, r := range s.RegionNames {
			users[r] = append(users[r], "sqladmin.googleapis.com")
		}
	}
	keyArgs := gcpc.EncryptionKeysArgs{Stack: s.Stack, Project: project, Users: users, Protect: s.Protect}
	keys, err := gcpc.NewEncryptionKeys(ctx, s.Stack+"-keys", keyArgs, inHome)
	if err != nil {
		return nil, err
	}

	network, err := gcpc.NewNetwork(ctx, s.Stack+"-net", gcpc.NetworkArgs{Regions: regions, PrivateServices: engine == spec.EngineCloudSQL}, inHome)
	if err != nil {
		return nil, err
	}
	db, err := gcpc.NewGlobalDatabase(ctx, s.Stack+"-db", gcpc.GlobalDatabaseArgs{
		Engine: engine, Regions: regions, Project: project, Name: s.Database.Name,
		SpannerConfig: s.GCP.Spanner, MinUnits: s.GCP.SpannerMinUnits, MaxUnits: s.GCP.SpannerMaxUnits,
		NetworkID: network.NetworkID, DependsOn: network.Peering(), Tier: s.GCP.CloudSQLTier,
		BackupRetentionDays: s.Database.BackupRetentionDays, RandomProvider: randomProvider, Protect: s.Protect,
		BackupLocation: s.Regions[1].Name, RetainedBackups: s.Backup.CopyRetentionDays,
		KeyIDs: keys.All(),
	}, inHome)
	if err != nil {
		return nil, err
	}
	storage, err := gcpc.NewReplicatedStorage(ctx, s.Stack+"-uploads", gcpc.ReplicatedStorageArgs{
		Regions: s.RegionNames, NoncurrentVersionDays: s.Storage.NoncurrentVersionDays, Protect: s.Protect, ProjectNumber: proj.Number,
		RandomProvider: randomProvider, KeyIDs: keys.All(),
		Project: project, TransferAPI: apis.Service(transferAPI),
	}, inHome)
	if err != nil {
		return nil, err
	}
	armor, err := gcpc.NewWebFirewall(ctx, s.Stack+"-armor", gcpc.WebFirewallArgs{
		Mode: s.WAF.Mode, RateLimit: s.WAF.RateLimit, GeoBlock: s.WAF.GeoBlock, AppGate: s.AppGate(), Attestation: s.AppAttestation(),
	}, inHome)
	if err != nil {
		return nil, err
	}

	if s.DDoSProtection {
		if _, err := gcpc.NewNetworkDDoSProtection(ctx, s.Stack+"-ddos", gcpc.NetworkDDoSProtectionArgs{Stack: s.Stack, Project: project, Regions: regions}, inHome); err != nil {
			return nil, err
		}
	}

	// The same stamp in every region: its identity, granted the data tier,
	// and the Cloud Run service that runs as it.
	var stamps []*gcpc.Stamp
	var sqlNetwork *gcpc.Network
	if engine == spec.EngineCloudSQL {
		sqlNetwork = network
	}
	for _, r := range regions {
		stamp, err := gcpc.NewStamp(ctx, s.Stack+"-"+r.Name, gcpc.StampArgs{
			Region: r, Project: project, Database: db, Storage: storage, Network: sqlNetwork,
			Compute: gcpc.RegionalComputeArgs{
				Workload: s.WorkloadFor(r.Role), HealthPath: s.HealthCheck.Path,
				Environment: pulumi.StringMap{"ROLE": pulumi.String(r.Role)},
				StackName:   s.Stack, EnvironmentName: s.Environment,
			},
		})
		if err != nil {
			return nil, err
		}
		stamps = append(stamps, stamp)
	}

	lb, err := gcpc.NewLoadBalancer(ctx, s.Stack+"-lb", gcpc.LoadBalancerArgs{
		Domain: s.Domain, Topology: s.Topology, Regions: gcpc.Backends(stamps), SecurityPolicyID: armor.PolicyID,
		StaticHostname: s.Storage.StaticHostname, StaticBucketID: storage.BackendBucketID, HealthCheck: s.HealthCheck,
	}, inHome)
	if err != nil {
		return nil, err
	}
	zone, err := gcpc.ManagedZone(ctx, s.Stack+"-zone", gcpc.ManagedZoneArgs{DNSName: s.DNSZone, Create: s.CreateZone, Protect: s.Protect}, home.Provider)
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
	monArgs := gcpc.MonitoringArgs{
		Project: project, Domain: s.Domain, HealthPath: s.HealthCheck.Path, Regions: gcpc.Watched(stamps, s.MaxInstances),
		Emails: s.AlertEmails, Thresholds: s.Alarms, Bucket: storage.BucketName,
		URLMap: lb.URLMapName,
	}
	if engine == spec.EngineSpanner {
		monArgs.SpannerInstance = db.Instance
	}
	mon, err := gcpc.NewMonitoring(ctx, s.Stack+"-monitoring", monArgs, inHome)
	if err != nil {
		return nil, err
	}
	if _, err := gcpc.NewCentralLogs(ctx, s.Stack+"-logs", gcpc.CentralLogsArgs{
		Stack: s.Stack, Regions: s.RegionNames, Project: project, Location: home.Name, RetentionDays: s.LogRetentionDays, Protect: s.Protect,
	}, inHome); err != nil {
		return nil, err
	}
	if s.MonthlyBudget > 0 {
		if _, err := gcpc.NewCostBudget(ctx, s.Stack+"-budget", gcpc.CostBudgetArgs{
			Stack: s.Stack, BillingAccount: s.GCP.BillingAccount, ProjectNumber: proj.Number, QuotaProject: project, MonthlyAmount: s.MonthlyBudget,
			Labels:   s.StandardTags(),
			Channels: mon.Channels(),
		}, inHome); err != nil {
			return nil, err
		}
	}
	// Losing the primary: active-passive moves traffic to the standby, and
	// Cloud SQL promotes the standby's replica (Spanner elects a new leader
	// by itself, and active-active traffic already avoids a failed region).
	if needsFailover(s) {
		writer, standby := failoverPair(regions)
		args := gcpc.FailoverArgs{
			Project: project, ProjectNumber: proj.Number, StandbyRegion: standby.Name,
			PrimaryCheckID: mon.UptimeCheck(writer.Name),
			Notify:         mon.Channels(),
		}
		if s.Topology == spec.ActivePassive {
			args.URLMapSelfLink, args.StandbyBackendSelfLink = lb.URLMapSelfLink, lb.BackendSelfLinks.MapIndex(pulumi.String(standby.Name))
		}
		// Only the home region's instance was created as the primary: once
		// the writer has moved, the replicas follow a lost instance and the
		// promotion has nothing to promote until they are rebuilt
		// (README: failback on Google Cloud).
		if engine == spec.EngineCloudSQL && writer.Name == home.Name {
			instance, address := db.Replica(standby.Name)
			args.Promote = &gcpc.Promotion{Instance: instance, Address: address, Zone: db.WriterZone, Record: db.WriterRecord}
		}
		if _, err := gcpc.NewFailover(ctx, s.Stack+"-failover", args, standby.In()); err != nil {
			return nil, err
		}
	}

	// The region directory, in the dual-region bucket (both of its regions
	// serve it; Cloud CDN answers /static/<key>).
	if err := storage.Publish(ctx, s.Stack+"-directory", components.DirectoryObject, stacks.Directory(s, gcpc.RegionalHostname), "application/json", components.DirectoryCacheControl); err != nil {
		return nil, err
	}
	out := stacks.Outputs{Regions: map[string]stacks.RegionOutputs{}, DatabaseEngine: string(engine),
		DirectoryURL: "https://" + s.Storage.StaticHostname + "/" + components.StaticPrefix + "/" + components.DirectoryObject}
	for _, st := range stamps {
		out.Regions[st.Name] = stacks.RegionOutputs{Origin: st.Compute.ServiceURI, Bucket: storage.BucketName, DatabaseReader: db.Reader(st.Name, project)}
	}
	out.DatabaseWriter = db.Writer(project)
	out.StaticHostname = pulumi.String(s.Storage.StaticHostname)
	// The console lists the project's dashboards; the stack's is named after it.
	out.Dashboard = mon.DashboardID
	out.DashboardURL = pulumi.String("https://console.cloud.google.com/monitoring/dashboards?project=" + project)
	out.Cloud = pulumi.Map{
		"ipAddress":     lb.IPAddress,
		"bucketRegions": pulumi.ToStringArray(storage.Placement.Regions[:]),
		"readBuckets":   storage.ReadBuckets,
	}
	if engine == spec.EngineSpanner {
		out.Cloud["spannerConfig"] = pulumi.String(s.GCP.Spanner.Name)
	}
	if s.Attestation.On() {
		// The reCAPTCHA keys the apps embed, and where they send the token.
		out.Attestation = pulumi.Map{"siteKeys": armor.SiteKeys, "header": pulumi.String(gcpc.RecaptchaTokenHeader)}
	}
	return out.Map(s, gcpc.RegionalHostname), nil
}

// googleAPIs are the APIs a stack's resources call (copies: the uploads
// have read copies in other areas).
func googleAPIs(s spec.Spec, copies bool) []string {
	apis := []string{
		"cloudkms.googleapis.com", "cloudresourcemanager.googleapis.com", "compute.googleapis.com", "dns.googleapis.com",
		"iam.googleapis.com", "logging.googleapis.com", "monitoring.googleapis.com", "run.googleapis.com", "storage.googleapis.com",
	}
	if s.GCPEngine() == spec.EngineSpanner {
		apis = append(apis, "spanner.googleapis.com")
	} else {
		apis = append(apis, "secretmanager.googleapis.com", "servicenetworking.googleapis.com", "sqladmin.googleapis.com")
	}
	if needsFailover(s) {
		apis = append(apis, "eventarc.googleapis.com", "pubsub.googleapis.com", "workflows.googleapis.com")
	}
	if s.MonthlyBudget > 0 {
		apis = append(apis, "billingbudgets.googleapis.com")
	}
	if copies {
		apis = append(apis, transferAPI)
	}
	if s.Attestation.On() {
		apis = append(apis, "recaptchaenterprise.googleapis.com")
	}
	return apis
}

// transferAPI copies uploads to the read copies of other areas.
const transferAPI = "storagetransfer.googleapis.com"

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
