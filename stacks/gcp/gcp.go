package gcp

import (
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
	// Global pieces (global.go): the regions, the APIs, keys, network,
	// data tier, uploads and Cloud Armor policy.
	g, err := newGlobal(ctx, s)
	if err != nil {
		return nil, err
	}

	// The same stamp in every region (stamp.go): its identity, granted the
	// data tier, and the Cloud Run service that runs as it, released wave
	// by wave.
	// The schema migrations (across.go): the first release wave waits.
	first, err := migrations(ctx, s, g)
	if err != nil {
		return nil, err
	}
	stamps, err := stacks.InWaves(s, first, func(r spec.RegionSpec, after []pulumi.Resource) (*gcpc.Stamp, pulumi.Resource, error) {
		// A down region's stamp is built as it was deployed (stacks.ViewOf).
		stamp, err := newStamp(ctx, stacks.ViewOf(s, r.Name), g, g.regions[r.Index], after)
		if err != nil {
			return nil, nil, err
		}
		return stamp, stamp.Gate.Job, nil
	})
	if err != nil {
		return nil, err
	}

	// Across the stamps (across.go): the load balancer and DNS, monitoring,
	// central logs and budget, the failover, the apps' database rights, and
	// the region directory.
	lb, err := route(ctx, s, g, stamps)
	if err != nil {
		return nil, err
	}
	mon, err := watch(ctx, s, g, stamps, lb)
	if err != nil {
		return nil, err
	}
	// The region directory, in the dual-region bucket (both of its regions
	// serve it; Cloud CDN answers /static/<key>); the failover job writes
	// it over once it switches or promotes.
	directory, err := g.storage.Publish(ctx, s.Stack+"-directory", components.DirectoryObject, stacks.Directory(s, gcpc.RegionalHostname), "application/json", components.DirectoryCacheControl)
	if err != nil {
		return nil, err
	}
	if err := failover(ctx, s, g, lb, mon, directory); err != nil {
		return nil, err
	}
	if err := databaseUsers(ctx, s, g, stamps); err != nil {
		return nil, err
	}
	if err := breakGlass(ctx, s, g, stamps); err != nil {
		return nil, err
	}
	if err := schedules(ctx, s, g, stamps, mon); err != nil {
		return nil, err
	}
	return outputs(s, g, stamps, lb, mon), nil
}

// outputs are the stack outputs every cloud exports (stacks.Outputs).
func outputs(s spec.Spec, g *global, stamps []*gcpc.Stamp, lb *gcpc.LoadBalancer, mon *gcpc.Monitoring) pulumi.Map {
	out := stacks.Outputs{Regions: map[string]stacks.RegionOutputs{}, DatabaseEngine: string(g.engine),
		DirectoryURL: "https://" + s.Storage.StaticHostname + "/" + components.StaticPrefix + "/" + components.DirectoryObject}
	for _, st := range stamps {
		out.Regions[st.Name] = stacks.RegionOutputs{Origin: st.Compute.ServiceURI, Bucket: g.storage.BucketName, DatabaseReader: g.db.Reader(st.Name, g.project)}
	}
	out.DatabaseWriter = g.db.Writer(g.project)
	out.StaticHostname = pulumi.String(s.Storage.StaticHostname)
	// The console lists the project's dashboards; the stack's is named after it.
	out.Dashboard = mon.DashboardID
	out.DashboardURL = pulumi.String("https://console.cloud.google.com/monitoring/dashboards?project=" + g.project)
	out.Cloud = pulumi.Map{
		"ipAddress":     lb.IPAddress,
		"bucketRegions": pulumi.ToStringArray(g.storage.Placement.Regions[:]),
		"readBuckets":   g.storage.ReadBuckets,
	}
	if g.engine == spec.EngineSpanner {
		out.Cloud["spannerConfig"] = pulumi.String(s.GCP.Spanner.Name)
	}
	if g.releaseWindow != nil {
		out.Cloud["releaseWindow"] = g.releaseWindow
	}
	if s.Attestation.On() {
		// The reCAPTCHA keys the apps embed, and where they send the token.
		out.Attestation = pulumi.Map{"siteKeys": g.armor.SiteKeys, "header": pulumi.String(gcpc.RecaptchaTokenHeader)}
	}
	return out.Map(s, gcpc.RegionalHostname)
}
