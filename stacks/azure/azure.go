package azure

import (
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
	// Global pieces (global.go): the regions with their networks, the DNS
	// zone, the Front Door profile, keys, the data tier and the uploads.
	g, err := newGlobal(ctx, s)
	if err != nil {
		return nil, err
	}

	// The same stamp in every region (stamp.go), in two steps: each
	// region's environment and app identity; then, in the writer's
	// network, the apps' database users and the schema migrations, which
	// the deployment runs; then the apps, released wave by wave.
	pending := make([]*azc.PendingStamp, len(g.regions))
	for _, r := range s.Regions {
		// A down region's stamp is built as it was deployed (stacks.ViewOf).
		if pending[r.Index], err = beginStamp(ctx, stacks.ViewOf(s, r.Name), g, g.regions[r.Index]); err != nil {
			return nil, err
		}
	}
	usersScript, first, err := databaseUsers(ctx, s, g, pending)
	if err != nil {
		return nil, err
	}
	stamps, err := stacks.InWaves(s, first, func(r spec.RegionSpec, after []pulumi.Resource) (*azc.Stamp, pulumi.Resource, error) {
		view := stacks.ViewOf(s, r.Name)
		stamp, err := pending[r.Index].Finish(azc.ReleaseArgs{
			After: after, BakeSeconds: view.Release.BakeSeconds, Alarms: view.Alarms, Stack: s.Stack, Subscription: g.subscription,
		})
		if err != nil {
			return nil, nil, err
		}
		return stamp, stamp.Gate.Script, nil
	})
	if err != nil {
		return nil, err
	}

	if err := breakGlass(ctx, s, g, stamps); err != nil {
		return nil, err
	}
	if err := schedules(ctx, s, g, stamps); err != nil {
		return nil, err
	}

	// Across the stamps (across.go): the region directory, the WAF and
	// Front Door, monitoring (of every job built so far too), the forced
	// SQL failover and the budget.
	if err := publish(ctx, s, g, stamps); err != nil {
		return nil, err
	}
	fd, err := route(ctx, s, g, stamps)
	if err != nil {
		return nil, err
	}
	mon, err := watch(ctx, s, g, stamps, fd)
	if err != nil {
		return nil, err
	}
	return outputs(s, g, stamps, fd, mon, usersScript), nil
}

// outputs are the stack outputs every cloud exports (stacks.Outputs).
func outputs(s spec.Spec, g *global, stamps []*azc.Stamp, fd *azc.FrontDoor, mon *azc.Monitoring, usersScript pulumi.StringOutput) pulumi.Map {
	out := stacks.Outputs{Regions: map[string]stacks.RegionOutputs{}, DatabaseEngine: "azure-sql",
		DirectoryURL: "https://" + s.Storage.StaticHostname + "/" + components.StaticPrefix + "/" + components.DirectoryObject}
	for _, st := range stamps {
		out.Regions[st.Name] = stacks.RegionOutputs{Origin: st.Compute.AppFQDN, Bucket: g.storage.Account(st.Name).Name, DatabaseReader: g.db.Environment(st.Name)["DB_READER_HOST"]}
	}
	out.DatabaseWriter = g.db.ReadWriteEndpoint
	out.StaticHostname = pulumi.String(s.Storage.StaticHostname)
	out.Dashboard = mon.DashboardID
	out.DashboardURL = pulumi.Sprintf("https://portal.azure.com/#@%s/dashboard/arm%s", g.tenant, mon.DashboardID)
	out.Cloud = pulumi.Map{"frontDoorEndpoint": fd.EndpointHostName, "failoverGroup": g.db.FailoverGroupName, "databaseUsersScript": usersScript}
	if g.releaseWindow != nil {
		out.Cloud["releaseWindow"] = g.releaseWindow
	}
	if s.Attestation.On() {
		out.Attestation = pulumi.Map{"header": pulumi.String(components.AttestationHeader), "verifiedAt": pulumi.String("origin")}
	}
	return out.Map(s, azc.RegionalHostname)
}
