package aws

import (
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
	// Global pieces (global.go): the regions, the DNS zone and
	// certificates, the data tier, the edge cache.
	g, err := newGlobal(ctx, s)
	if err != nil {
		return nil, err
	}

	// The apps' database user, then the schema migrations (across.go):
	// the first release wave waits for them.
	users, err := databaseUsers(ctx, s, g)
	if err != nil {
		return nil, err
	}
	first, err := migrations(ctx, s, g, users)
	if err != nil {
		return nil, err
	}

	// The same stamp in every region (stamp.go): compute behind a
	// firewall, wired to the data tier, released wave by wave.
	stamps, err := stacks.InWaves(s, first, func(r spec.RegionSpec, after []pulumi.Resource) (*awsc.Stamp, pulumi.Resource, error) {
		// A down region's stamp is built as it was deployed (stacks.ViewOf).
		stamp, err := newStamp(ctx, stacks.ViewOf(s, r.Name), g, g.regions[r.Index], after)
		if err != nil {
			return nil, nil, err
		}
		return stamp, stamp.Gate.Invocation, nil
	})
	if err != nil {
		return nil, err
	}

	// Across the stamps (across.go): routing and DDoS protection,
	// monitoring and the watch that promotes, central logs, backups,
	// budget, and the region directory.
	dns, err := route(ctx, s, g, stamps)
	if err != nil {
		return nil, err
	}
	monitoring, err := watch(ctx, s, g, stamps, dns)
	if err != nil {
		return nil, err
	}
	if err := keep(ctx, s, g, stamps); err != nil {
		return nil, err
	}
	if err := schedules(ctx, s, g, stamps, monitoring); err != nil {
		return nil, err
	}
	directory := func(region string) string { return stacks.Directory(stacks.ViewOf(s, region), awsc.RegionalHostname) }
	if err := g.storage.Publish(ctx, s.Stack+"-directory", components.DirectoryObject, directory, "application/json", components.DirectoryCacheControl); err != nil {
		return nil, err
	}
	return outputs(s, g, stamps, dns, monitoring), nil
}

// outputs are the stack outputs every cloud exports (stacks.Outputs).
func outputs(s spec.Spec, g *global, stamps []*awsc.Stamp, dns *awsc.LatencyDNS, monitoring *awsc.Monitoring) pulumi.Map {
	out := stacks.Outputs{
		DirectoryURL: "https://" + s.Storage.StaticHostname + "/" + components.DirectoryObject,
		Regions:      map[string]stacks.RegionOutputs{}, DatabaseEngine: "aurora-postgresql", DatabaseWriter: g.db.WriterEndpoint,
		StaticHostname: g.storage.StaticHostname, Dashboard: monitoring.DashboardName, DashboardURL: monitoring.DashboardURL,
		Cloud: pulumi.Map{}, Attestation: pulumi.Map{},
	}
	integration := pulumi.Map{}
	for _, st := range stamps {
		integration[st.Name] = st.Firewall.IntegrationURL
		out.Regions[st.Name] = stacks.RegionOutputs{
			Origin: st.Compute.LoadBalancerDNSName, Bucket: g.storage.Bucket(st.Name),
			DatabaseReader: g.db.ReaderEndpoints.MapIndex(pulumi.String(st.Name)),
		}
	}
	if g.table != nil {
		out.Cloud["sessionTable"] = g.table.Name
	}
	// The routing checks the failover watch fences a lost writer with (a
	// person lowers the old writer's back to 1 at failback: README).
	out.Cloud["fenceHealthChecks"] = dns.RoutingCheckIDs
	if g.releaseWindow != nil {
		out.Cloud["releaseWindow"] = g.releaseWindow
	}
	if s.Attestation.On() {
		// Each region's ACL: the AWS WAF mobile SDK's token endpoint.
		out.Attestation["integrationUrls"] = integration
	}
	return out.Map(s, awsc.RegionalHostname)
}
