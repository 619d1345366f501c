package aws

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-random/sdk/v4/go/random"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mobile-backend/mobile-backend/components"
	awsc "github.com/mobile-backend/mobile-backend/components/aws"
	"github.com/mobile-backend/mobile-backend/internal/spec"
	"github.com/mobile-backend/mobile-backend/stacks"
)

func init() { stacks.Register(spec.AWS, Deploy) }

// Deploy deploys the mobile backend on AWS:
//
//	clients ─▶ Route 53 api.<domain> (latency or failover records, a health check per region)
//	        ─▶ per region: WAF ─▶ ALB (TLS 1.2+) ─▶ ECS Fargate (private subnets, autoscaled)
//	                                                  ├─▶ Aurora PostgreSQL Global Database (writer in the primary)
//	                                                  ├─▶ DynamoDB global table (sessions, devices)
//	                                                  └─▶ S3 upload bucket (replicated, RTC 15 min)
//	clients ─▶ CloudFront static.<domain> (WAF) ─▶ primary bucket, failing over to the second region's
//	CloudWatch: alarms per region ─▶ SNS e-mail; one dashboard, a row per region
//
// The regions are built once (provider, key, network), then the global
// pieces, then the same stamp in every region, then routing, monitoring,
// logs and backups across them; no region is special but by its role.
func Deploy(ctx *pulumi.Context, s spec.Spec) (pulumi.Map, error) {
	global, err := awsc.NewProvider(ctx, "aws-global", awsc.GlobalRegion, stacks.TagsIn(s, awsc.GlobalRegion))
	if err != nil {
		return nil, err
	}
	randomProvider, err := random.NewProvider(ctx, "random", nil)
	if err != nil {
		return nil, err
	}
	caller, err := aws.GetCallerIdentity(ctx, nil, pulumi.Provider(global))
	if err != nil {
		return nil, fmt.Errorf("aws account: %w", err)
	}
	account := caller.AccountId

	regions, globalKey, err := awsRegions(ctx, s, account, global)
	if err != nil {
		return nil, err
	}
	// The home region (the first of regions) holds the once-per-stack
	// resources; the writer region (writerRegion) may move after a failover
	// without moving any of them.
	home := regions[0]

	// Global pieces: DNS zone and certificates, the data tier, the edge cache.
	zoneID, err := awsc.HostedZone(ctx, s.Stack+"-zone", awsc.HostedZoneArgs{
		Name: s.DNSZone, Create: s.CreateZone, Protect: s.Protect,
	}, global)
	if err != nil {
		return nil, fmt.Errorf("%s:dnsZone (or %s:createDnsZone): %w", spec.Namespace, spec.Namespace, err)
	}
	certs, err := awsc.NewCertificates(ctx, s.Stack+"-tls", awsc.CertificatesArgs{
		Domain: s.Domain, ZoneID: zoneID, TTL: s.DNSTTL, Regions: regions,
	}, pulumi.Provider(global))
	if err != nil {
		return nil, err
	}
	db, err := awsc.NewGlobalDatabase(ctx, s.Stack+"-db", awsc.GlobalDatabaseArgs{
		Regions: regions, Topology: s.Topology, Account: account, RandomProvider: randomProvider,
		EngineVersion: s.Database.EngineVersion, InstanceClass: s.Database.InstanceClass,
		Instances: s.Database.Instances, BackupRetentionDays: s.Database.BackupRetentionDays,
		DatabaseName: s.Database.Name, Protect: s.Protect,
	}, pulumi.Provider(global))
	if err != nil {
		return nil, err
	}
	var table *awsc.GlobalTable
	if s.SessionTable {
		if table, err = awsc.NewGlobalTable(ctx, s.Stack+"-sessions", awsc.GlobalTableArgs{Regions: regions, Protect: s.Protect}, home.In()); err != nil {
			return nil, err
		}
	}
	edgeWAF, err := awsc.NewWebFirewall(ctx, s.Stack+"-edge", awsc.WebFirewallArgs{
		Scope: "CLOUDFRONT", Mode: s.WAF.Mode, RateLimit: s.WAF.RateLimit, GeoBlock: s.WAF.GeoBlock,
		LogRetentionDays: s.LogRetentionDays, LogKeyArn: globalKey,
	}, pulumi.Provider(global))
	if err != nil {
		return nil, err
	}
	storage, err := awsc.NewReplicatedStorage(ctx, s.Stack+"-uploads", awsc.ReplicatedStorageArgs{
		Regions: regions, Topology: s.Topology, Account: account, Stack: s.Stack,
		NoncurrentVersionDays: s.Storage.NoncurrentVersionDays, Protect: s.Protect,
		Edge: &awsc.EdgeCacheArgs{
			Hostname: s.Storage.StaticHostname, ZoneID: zoneID, Provider: global,
			WebACLArn: edgeWAF.ACLArn, GeoBlock: s.WAF.GeoBlock, TTL: s.DNSTTL,
		},
	}, home.In())
	if err != nil {
		return nil, err
	}

	// The same stamp in every region: compute behind a firewall, wired to
	// the data tier.
	var stamps []*awsc.Stamp
	for _, r := range regions {
		env := db.Environment(r.Name, s.Database.Name)
		env["ROLE"] = pulumi.String(r.Role)
		env["UPLOADS_BUCKET"] = storage.Bucket(r.Name)
		grants := []any{db.TaskStatements(r.Name, account), storage.TaskStatements(r.Name, r.KeyArn)}
		if table != nil {
			for k, v := range table.Environment() {
				env[k] = v
			}
			grants = append(grants, table.TaskStatements(r.Name))
		}
		stamp, err := awsc.NewStamp(ctx, s.Stack+"-"+r.Name, awsc.StampArgs{
			Region: r, CertificateArn: certs.Arn(r.Name),
			Compute: awsc.RegionalComputeArgs{
				Workload: s.WorkloadFor(r.Role), CPUTargetPercent: s.CPUTargetPercent, HealthCheck: s.HealthCheck,
				LogRetentionDays: s.LogRetentionDays, DeletionProtection: s.Production(), Protect: s.Protect,
				StackName: s.Stack, EnvironmentName: s.Environment, Environment: env, TaskPolicy: policyOf(grants),
			},
			Firewall: awsc.WebFirewallArgs{Mode: s.WAF.Mode, RateLimit: s.WAF.RateLimit, GeoBlock: s.WAF.GeoBlock, LogRetentionDays: s.LogRetentionDays,
				LargeBodyRegex: largeBodyRegex(s), AppGate: s.AppGate(), Attestation: s.AppAttestation(), TokenDomains: []string{s.Domain}},
		})
		if err != nil {
			return nil, err
		}
		stamps = append(stamps, stamp)
	}

	// Across the stamps: routing, DDoS protection, monitoring, central logs, backups, budget.
	dns, err := awsc.NewLatencyDNS(ctx, s.Stack+"-dns", awsc.LatencyDNSArgs{
		Domain: s.Domain, ZoneID: zoneID, Topology: s.Topology, Endpoints: awsc.Endpoints(stamps), HealthCheck: s.HealthCheck,
	}, pulumi.Provider(global))
	if err != nil {
		return nil, err
	}
	if s.DDoSProtection {
		shielded := []awsc.ShieldedResource{{Name: "edge", Arn: pulumi.Sprintf("arn:aws:cloudfront::%s:distribution/%s", account, storage.DistributionID)}}
		for _, st := range stamps {
			shielded = append(shielded, awsc.ShieldedResource{
				Name: st.Name + "-alb", Arn: st.Compute.LoadBalancerArn,
				HealthCheckArn: pulumi.Sprintf("arn:aws:route53:::healthcheck/%s", dns.HealthCheckIDs.MapIndex(pulumi.String(st.Name))),
			})
		}
		if _, err := awsc.NewDDoSProtection(ctx, s.Stack+"-shield", awsc.DDoSProtectionArgs{Stack: s.Stack, Resources: shielded}, pulumi.Provider(global)); err != nil {
			return nil, err
		}
	}
	monitoring, err := awsc.NewMonitoring(ctx, s.Stack+"-monitoring", awsc.MonitoringArgs{
		Stack: s.Stack, Regions: awsc.Watched(stamps, dns.HealthCheckIDs, db), Global: global, GlobalKeyArn: globalKey,
		Emails: s.AlertEmails, Thresholds: s.Alarms, Replications: storage.Replications,
	}, pulumi.Provider(global))
	if err != nil {
		return nil, err
	}
	// Every region is watched by the one after it, so the writer's watcher
	// is its successor: it alerts on a sustained failure and (unless
	// failoverAutomation is notify) promotes its own Aurora member; the
	// others only alert (Route 53 health-check metrics,
	// and so their alarms, exist in us-east-1 only).
	for _, r := range regions {
		watcher := regionNamed(regions, components.Watcher(s.RegionNames, r.Name))
		args := awsc.RegionWatchArgs{
			Stack: s.Stack, Account: account, Region: watcher, Watched: r.Name,
			ProbeURL: "https://" + awsc.RegionalHostname(r.Name, s.Domain) + s.HealthCheck.Path,
			TopicArn: monitoring.TopicArns.MapIndex(pulumi.String(watcher.Name)),
		}
		if r.Role == spec.Primary && s.Promotes() {
			var members pulumi.StringArray
			for _, m := range regions {
				members = append(members, db.ClusterArn(m.Name))
			}
			args.Promote = &awsc.Promotion{GlobalClusterID: db.GlobalClusterID, GlobalClusterArn: db.GlobalClusterArn, ClusterArn: db.ClusterArn(watcher.Name), MemberArns: members,
				HealthCheckID: dns.HealthCheckIDs.MapIndex(pulumi.String(r.Name)),
				NextStep:      "Set " + spec.Namespace + ":writerRegion to this region and run pulumi up (README: failover on AWS)."}
		}
		if _, err := awsc.NewRegionWatch(ctx, s.Stack+"-watch-"+r.Name, args, watcher.In()); err != nil {
			return nil, err
		}
	}
	if _, err := awsc.NewCentralLogs(ctx, s.Stack+"-logs", awsc.CentralLogsArgs{
		Stack: s.Stack, Account: account, Regions: awsc.LogSources(stamps), BucketKeyArn: home.KeyArn,
		RetentionDays: s.LogRetentionDays, Protect: s.Protect,
	}, home.In()); err != nil {
		return nil, err
	}
	// Daily backups of the writer's data stores, copied to the next region's vault.
	writer := s.Primary().Name
	backedUp := pulumi.StringArray{db.ClusterArn(writer)}
	if table != nil {
		backedUp = append(backedUp, table.Arns.MapIndex(pulumi.String(writer)))
	}
	if _, err := awsc.NewCrossRegionBackup(ctx, s.Stack+"-backup", awsc.CrossRegionBackupArgs{
		Stack: s.Stack, Regions: regions, Writer: writer, Resources: backedUp,
		RetentionDays: s.Backup.CopyRetentionDays, VaultLock: s.Backup.VaultLock, Protect: s.Protect,
	}, home.In()); err != nil {
		return nil, err
	}
	if s.MonthlyBudget > 0 {
		if _, err := awsc.NewCostBudget(ctx, s.Stack+"-budget", awsc.CostBudgetArgs{
			Stack: s.Stack, MonthlyUSD: s.MonthlyBudget, Emails: s.AlertEmails,
		}, pulumi.Provider(global)); err != nil {
			return nil, err
		}
	}

	// The region directory, in every region's bucket: CloudFront serves
	// static/<key> at /<key>.
	if err := storage.Publish(ctx, s.Stack+"-directory", components.DirectoryObject, stacks.Directory(s, awsc.RegionalHostname), "application/json", components.DirectoryCacheControl); err != nil {
		return nil, err
	}
	out := stacks.Outputs{
		DirectoryURL: "https://" + s.Storage.StaticHostname + "/" + components.DirectoryObject,
		Regions:      map[string]stacks.RegionOutputs{}, DatabaseEngine: "aurora-postgresql", DatabaseWriter: db.WriterEndpoint,
		StaticHostname: storage.StaticHostname, Dashboard: monitoring.DashboardName, DashboardURL: monitoring.DashboardURL,
		Cloud: pulumi.Map{}, Attestation: pulumi.Map{},
	}
	integration := pulumi.Map{}
	for _, st := range stamps {
		integration[st.Name] = st.Firewall.IntegrationURL
		out.Regions[st.Name] = stacks.RegionOutputs{
			Origin: st.Compute.LoadBalancerDNSName, Bucket: storage.Bucket(st.Name),
			DatabaseReader: db.ReaderEndpoints.MapIndex(pulumi.String(st.Name)),
		}
	}
	if table != nil {
		out.Cloud["sessionTable"] = table.Name
	}
	if s.Attestation.On() {
		// Each region's ACL: the AWS WAF mobile SDK's token endpoint.
		out.Attestation["integrationUrls"] = integration
	}
	return out.Map(s, awsc.RegionalHostname), nil
}

// awsRegions builds each region once: its provider, its customer-managed
// key and its network. It also returns the key of us-east-1, which exists
// even when that region serves no traffic: it encrypts the health-check
// alarms' topic and the edge firewall's logs.
func awsRegions(ctx *pulumi.Context, s spec.Spec, account string, global *aws.Provider) ([]awsc.Region, pulumi.StringInput, error) {
	var regions []awsc.Region
	var globalKey pulumi.StringInput
	for _, r := range s.Regions {
		provider, err := awsc.NewProvider(ctx, "aws-"+r.Name, r.Name, stacks.TagsIn(s, r.Name))
		if err != nil {
			return nil, nil, err
		}
		name, in := s.Stack+"-"+r.Name, pulumi.Provider(provider)
		key, err := awsc.NewEncryptionKey(ctx, name, awsc.EncryptionKeyArgs{Region: r.Name, Account: account, Protect: s.Protect}, in)
		if err != nil {
			return nil, nil, err
		}
		network, err := awsc.NewRegionalNetwork(ctx, name, awsc.RegionalNetworkArgs{
			Region: r.Name, CIDR: r.CIDR, SingleNATGateway: s.SingleNATGateway,
		}, in)
		if err != nil {
			return nil, nil, fmt.Errorf("region %s: %w", r.Name, err)
		}
		regions = append(regions, awsc.Region{Name: r.Name, Role: r.Role, Provider: provider, KeyArn: key.KeyArn, Network: network})
		if r.Name == awsc.GlobalRegion {
			globalKey = key.KeyArn
		}
	}
	if globalKey == nil {
		key, err := awsc.NewEncryptionKey(ctx, s.Stack+"-global", awsc.EncryptionKeyArgs{Region: awsc.GlobalRegion, Account: account, Protect: s.Protect}, pulumi.Provider(global))
		if err != nil {
			return nil, nil, err
		}
		globalKey = key.KeyArn
	}
	return regions, globalKey, nil
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

// policyOf joins the task permissions that components grant (each an output
// of []awsc.Statement) into one IAM policy document.
func policyOf(grants []any) pulumi.StringOutput {
	return pulumi.All(grants...).ApplyT(func(v []any) string {
		var all []awsc.Statement
		for _, g := range v {
			all = append(all, g.([]awsc.Statement)...)
		}
		return awsc.Policy(all...)
	}).(pulumi.StringOutput)
}

// largeBodyRegex is the WAF's expression of the paths that may take large
// bodies, or "" when none is configured.
func largeBodyRegex(s spec.Spec) string {
	if len(s.WAF.LargeBodyPaths) == 0 {
		return ""
	}
	return spec.LargeBodyRegex(s.WAF.LargeBodyPaths)
}
