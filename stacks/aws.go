package stacks

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-random/sdk/v4/go/random"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	awsc "github.com/mobile-backend/mobile-backend/components/aws"
	"github.com/mobile-backend/mobile-backend/internal/spec"
)

// AWS deploys the mobile backend on AWS:
//
//	clients ─▶ Route 53 api.<domain> (latency or failover records, a health check per region)
//	        ─▶ per region: WAF ─▶ ALB (TLS 1.2+) ─▶ ECS Fargate (private subnets, autoscaled)
//	                                                  ├─▶ Aurora PostgreSQL Global Database (writer in the primary)
//	                                                  ├─▶ DynamoDB global table (sessions, devices)
//	                                                  └─▶ S3 upload bucket (replicated, RTC 15 min)
//	clients ─▶ CloudFront static.<domain> (WAF) ─▶ primary bucket, failing over to the second region's
//	CloudWatch: alarms per region ─▶ SNS e-mail; one dashboard, a row per region
//
// Global pieces are built once; every region gets the same stamp with its own
// provider and key, differing only by role (the standby minimum in
// active-passive, the writer in the primary).
func AWS(ctx *pulumi.Context, s spec.Spec) (pulumi.Map, error) {
	// Providers: one per region, one global (us-east-1), one for generated secrets.
	globalTags := s.StandardTags()
	globalTags["region"] = awsc.GlobalRegion // global services' resources are managed from there
	global, err := awsc.NewProvider(ctx, "aws-global", awsc.GlobalRegion, globalTags)
	if err != nil {
		return nil, err
	}
	providers := map[string]*aws.Provider{}
	for _, r := range s.Regions {
		tags := s.StandardTags()
		tags["region"] = r.Name
		if providers[r.Name], err = awsc.NewProvider(ctx, "aws-"+r.Name, r.Name, tags); err != nil {
			return nil, err
		}
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
	primary := s.Primary()
	inPrimary := pulumi.Provider(providers[primary.Name])

	// Per region: a customer-managed key and the network. us-east-1 needs a
	// key even when it serves no traffic: it holds the health-check alarms'
	// topic and the edge firewall's logs.
	keys := map[string]pulumi.StringOutput{}
	networks := map[string]*awsc.RegionalNetwork{}
	for _, r := range s.Regions {
		name := s.Stack + "-" + r.Name
		in := pulumi.Provider(providers[r.Name])
		key, err := awsc.NewEncryptionKey(ctx, name, awsc.EncryptionKeyArgs{Region: r.Name, Account: account, Protect: s.Protect}, in)
		if err != nil {
			return nil, err
		}
		keys[r.Name] = key.KeyArn
		if networks[r.Name], err = awsc.NewRegionalNetwork(ctx, name, awsc.RegionalNetworkArgs{
			Region: r.Name, CIDR: r.CIDR, SingleNATGateway: s.SingleNATGateway,
		}, in); err != nil {
			return nil, fmt.Errorf("region %s: %w", r.Name, err)
		}
	}
	if _, ok := keys[awsc.GlobalRegion]; !ok {
		key, err := awsc.NewEncryptionKey(ctx, s.Stack+"-global", awsc.EncryptionKeyArgs{Region: awsc.GlobalRegion, Account: account, Protect: s.Protect}, pulumi.Provider(global))
		if err != nil {
			return nil, err
		}
		keys[awsc.GlobalRegion] = key.KeyArn
	}

	// DNS zone and certificates.
	zoneID, err := awsc.HostedZone(ctx, s.Stack+"-zone", awsc.HostedZoneArgs{
		Name: s.DNSZone, Create: s.CreateZone, Protect: s.Protect,
	}, global)
	if err != nil {
		return nil, fmt.Errorf("%s:dnsZone (or %s:createDnsZone): %w", spec.Namespace, spec.Namespace, err)
	}
	certs, err := awsc.NewCertificates(ctx, s.Stack+"-tls", awsc.CertificatesArgs{
		Domain: s.Domain, ZoneID: zoneID, TTL: s.DNSTTL, Regions: s.RegionNames, Providers: providers,
	}, pulumi.Provider(global))
	if err != nil {
		return nil, err
	}

	// Data tier: global database, global table, replicated storage and its edge cache.
	var dbRegions []awsc.DatabaseRegion
	var tableRegions []awsc.TableRegion
	var storageRegions []awsc.StorageRegion
	for _, r := range s.Regions {
		dbRegions = append(dbRegions, awsc.DatabaseRegion{Name: r.Name, Provider: providers[r.Name], Network: networks[r.Name], KeyArn: keys[r.Name]})
		tableRegions = append(tableRegions, awsc.TableRegion{Name: r.Name, KeyArn: keys[r.Name]})
		storageRegions = append(storageRegions, awsc.StorageRegion{Name: r.Name, Provider: providers[r.Name], KeyArn: keys[r.Name]})
	}
	db, err := awsc.NewGlobalDatabase(ctx, s.Stack+"-db", awsc.GlobalDatabaseArgs{
		Regions: dbRegions, Topology: s.Topology, Account: account, RandomProvider: randomProvider,
		EngineVersion: s.Database.EngineVersion, InstanceClass: s.Database.InstanceClass,
		Instances: s.Database.Instances, BackupRetentionDays: s.Database.BackupRetentionDays,
		DatabaseName: s.Database.Name, Protect: s.Protect,
	}, pulumi.Provider(global))
	if err != nil {
		return nil, err
	}
	var table *awsc.GlobalTable
	if s.SessionTable {
		if table, err = awsc.NewGlobalTable(ctx, s.Stack+"-sessions", awsc.GlobalTableArgs{Regions: tableRegions, Protect: s.Protect}, inPrimary); err != nil {
			return nil, err
		}
	}
	edgeWAF, err := awsc.NewWebFirewall(ctx, s.Stack+"-edge", awsc.WebFirewallArgs{
		Scope: "CLOUDFRONT", Mode: s.WAF.Mode, RateLimit: s.WAF.RateLimit, GeoBlock: s.WAF.GeoBlock,
		LogRetentionDays: s.LogRetentionDays, LogKeyArn: keys[awsc.GlobalRegion],
	}, pulumi.Provider(global))
	if err != nil {
		return nil, err
	}
	storage, err := awsc.NewReplicatedStorage(ctx, s.Stack+"-uploads", awsc.ReplicatedStorageArgs{
		Regions: storageRegions, Topology: s.Topology, Account: account, Stack: s.Stack,
		NoncurrentVersionDays: s.Storage.NoncurrentVersionDays, Protect: s.Protect,
		Edge: &awsc.EdgeCacheArgs{
			Hostname: s.Storage.StaticHostname, ZoneID: zoneID, Provider: global,
			WebACLArn: edgeWAF.ACLArn, GeoBlock: s.WAF.GeoBlock, TTL: s.DNSTTL,
		},
	}, inPrimary)
	if err != nil {
		return nil, err
	}

	// Serving stamps: compute behind a firewall in every region.
	var endpoints []awsc.Endpoint
	var monitored []awsc.MonitoredRegion
	loadBalancers := map[string]pulumi.StringOutput{}
	var logRegions []awsc.LogRegion
	out := Outputs{Regions: map[string]RegionOutputs{}, DatabaseEngine: "aurora-postgresql", Cloud: pulumi.Map{}}
	for _, r := range s.Regions {
		name := s.Stack + "-" + r.Name
		in := pulumi.Provider(providers[r.Name])
		env := db.Environment(r.Name, s.Database.Name)
		env["ROLE"] = pulumi.String(r.Role)
		env["UPLOADS_BUCKET"] = storage.Bucket(r.Name)
		grants := []any{db.TaskStatements(r.Name, account), storage.TaskStatements(r.Name, keys[r.Name])}
		if table != nil {
			for k, v := range table.Environment() {
				env[k] = v
			}
			grants = append(grants, table.TaskStatements(r.Name))
		}
		compute, err := awsc.NewRegionalCompute(ctx, name, awsc.RegionalComputeArgs{
			Region:             r.Name,
			Network:            networks[r.Name],
			CertificateArn:     certs.Arn(r.Name),
			Workload:           s.WorkloadFor(r),
			CPUTargetPercent:   s.CPUTargetPercent,
			HealthCheck:        s.HealthCheck,
			LogRetentionDays:   s.LogRetentionDays,
			LogKeyArn:          keys[r.Name],
			DeletionProtection: s.Production(),
			Protect:            s.Protect,
			StackName:          s.Stack,
			EnvironmentName:    s.Environment,
			Environment:        env,
			TaskPolicy:         policyOf(grants),
		}, in)
		if err != nil {
			return nil, fmt.Errorf("region %s: %w", r.Name, err)
		}
		waf, err := awsc.NewWebFirewall(ctx, name, awsc.WebFirewallArgs{
			LoadBalancerArn:  compute.LoadBalancerArn,
			LogKeyArn:        keys[r.Name],
			Mode:             s.WAF.Mode,
			RateLimit:        s.WAF.RateLimit,
			GeoBlock:         s.WAF.GeoBlock,
			LogRetentionDays: s.LogRetentionDays,
		}, in)
		if err != nil {
			return nil, fmt.Errorf("region %s: %w", r.Name, err)
		}
		loadBalancers[r.Name] = compute.LoadBalancerArn
		logRegions = append(logRegions, awsc.LogRegion{Name: r.Name, Provider: providers[r.Name], KeyArn: keys[r.Name], LogGroupName: compute.LogGroupName})
		endpoints = append(endpoints, awsc.Endpoint{
			Region: r.Name, Role: r.Role,
			DNSName: compute.LoadBalancerDNSName, ZoneID: compute.LoadBalancerZoneID,
		})
		monitored = append(monitored, awsc.MonitoredRegion{
			Name: r.Name, Role: r.Role, Provider: providers[r.Name], KeyArn: keys[r.Name],
			LoadBalancerArnSuffix: compute.LoadBalancerArnSuffix, TargetGroupArnSuffix: compute.TargetGroupArnSuffix,
			ClusterName: compute.ClusterName, ServiceName: compute.ServiceName,
			WebACLName: waf.ACLName, DatabaseClusterID: db.ClusterID(r.Name),
		})
		out.Regions[r.Name] = RegionOutputs{
			Origin: compute.LoadBalancerDNSName, Bucket: storage.Bucket(r.Name),
			DatabaseReader: db.ReaderEndpoints.MapIndex(pulumi.String(r.Name)),
		}
	}

	dns, err := awsc.NewLatencyDNS(ctx, s.Stack+"-dns", awsc.LatencyDNSArgs{
		Domain: s.Domain, ZoneID: zoneID, Topology: s.Topology, Endpoints: endpoints, HealthCheck: s.HealthCheck,
	}, pulumi.Provider(global))
	if err != nil {
		return nil, err
	}
	for i := range monitored {
		monitored[i].HealthCheckID = dns.HealthCheckIDs.MapIndex(pulumi.String(monitored[i].Name))
	}
	if s.DDoSProtection {
		shielded := []awsc.ShieldedResource{{Name: "edge", Arn: pulumi.Sprintf("arn:aws:cloudfront::%s:distribution/%s", account, storage.DistributionID)}}
		for _, r := range s.Regions {
			shielded = append(shielded, awsc.ShieldedResource{
				Name: r.Name + "-alb", Arn: loadBalancers[r.Name],
				HealthCheckArn: pulumi.Sprintf("arn:aws:route53:::healthcheck/%s", dns.HealthCheckIDs.MapIndex(pulumi.String(r.Name))),
			})
		}
		if _, err := awsc.NewDDoSProtection(ctx, s.Stack+"-shield", awsc.DDoSProtectionArgs{Stack: s.Stack, Resources: shielded}, pulumi.Provider(global)); err != nil {
			return nil, err
		}
	}
	monitoring, err := awsc.NewMonitoring(ctx, s.Stack+"-monitoring", awsc.MonitoringArgs{
		Stack: s.Stack, Regions: monitored, Global: global, GlobalKeyArn: keys[awsc.GlobalRegion],
		Emails: s.AlertEmails, Thresholds: s.Alarms, Replications: storage.Replications,
	}, pulumi.Provider(global))
	if err != nil {
		return nil, err
	}

	// Every region's task logs, collected in one bucket in the primary region.
	if _, err := awsc.NewCentralLogs(ctx, s.Stack+"-logs", awsc.CentralLogsArgs{
		Stack: s.Stack, Account: account, Regions: logRegions, BucketKeyArn: keys[primary.Name],
		RetentionDays: s.LogRetentionDays, Protect: s.Protect,
	}, pulumi.Provider(providers[primary.Name])); err != nil {
		return nil, err
	}

	// Daily backups of the data stores, copied to the second region's vault.
	var backupRegions []awsc.BackupRegion
	for _, r := range s.Regions {
		backupRegions = append(backupRegions, awsc.BackupRegion{Name: r.Name, Provider: providers[r.Name], KeyArn: keys[r.Name]})
	}
	backedUp := pulumi.StringArray{db.ClusterArn(primary.Name)}
	if table != nil {
		backedUp = append(backedUp, table.Arn)
	}
	if _, err := awsc.NewCrossRegionBackup(ctx, s.Stack+"-backup", awsc.CrossRegionBackupArgs{
		Stack: s.Stack, Regions: backupRegions, Resources: backedUp,
		RetentionDays: s.Backup.CopyRetentionDays, VaultLock: s.Backup.VaultLock, Protect: s.Protect,
	}, pulumi.Provider(providers[primary.Name])); err != nil {
		return nil, err
	}

	if s.MonthlyBudget > 0 {
		if _, err := awsc.NewCostBudget(ctx, s.Stack+"-budget", awsc.CostBudgetArgs{
			Stack: s.Stack, MonthlyUSD: s.MonthlyBudget, Emails: s.AlertEmails,
		}, pulumi.Provider(global)); err != nil {
			return nil, err
		}
	}

	out.DatabaseWriter = db.WriterEndpoint
	out.StaticHostname = storage.StaticHostname
	out.Dashboard, out.DashboardURL = monitoring.DashboardName, monitoring.DashboardURL
	if table != nil {
		out.Cloud["sessionTable"] = table.Name
	}
	return out.Map(s, awsc.RegionalHostname), nil
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
