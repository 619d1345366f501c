package stacks

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mobile-backend/mobile-backend/components"
	"github.com/mobile-backend/mobile-backend/internal/spec"
)

// Outputs is the one outputs contract of every cloud's stack: the same keys
// with the same meaning (README, "Outputs"), so a consumer reading them by
// stack reference is written once. What only one cloud has goes under
// "cloud".
type Outputs struct {
	// Regions are each region's own values, by region name.
	Regions map[string]RegionOutputs
	// DatabaseEngine names the engine: aurora-postgresql, spanner, cloudsql
	// (PostgreSQL) or azure-sql.
	DatabaseEngine string
	// DatabaseWriter is where writes go: a host name, or for Spanner the
	// database's resource path.
	DatabaseWriter pulumi.StringInput
	// StaticHostname is the edge cache's host name.
	StaticHostname pulumi.StringInput
	// Dashboard is the monitoring dashboard's id in its cloud, DashboardURL
	// a console address that shows it.
	Dashboard, DashboardURL pulumi.StringInput
	// DirectoryURL is where the region directory is published on the edge.
	DirectoryURL string
	// Attestation is what an app needs to attest on this cloud (its
	// token endpoints or keys), exported beside the mode.
	Attestation pulumi.Map
	// Cloud holds what only this cloud has (the anycast IP, the Front Door
	// endpoint, the session table).
	Cloud pulumi.Map
}

// RegionOutputs are one region's values.
type RegionOutputs struct {
	// Origin is the host name of the region's own compute entry (load
	// balancer, Cloud Run service, container app) behind the global entry.
	Origin pulumi.StringInput
	// Bucket is where the region's app stores uploads (a bucket, or an Azure
	// storage account).
	Bucket pulumi.StringInput
	// DatabaseReader is where the region's app reads from.
	DatabaseReader pulumi.StringInput
}

// OutputKeys are the top-level keys every stack exports.
var OutputKeys = []string{"attestation", "cloud", "dashboard", "dashboardUrl", "database", "globalEndpoint", "regionDirectoryUrl", "regions", "staticHostname", "topology"}

// Directory is the region directory of a stack, built from the values its
// outputs carry (the global endpoint, each region's endpoint and role).
func Directory(s spec.Spec, regionalHostname func(region, domain string) string) string {
	d := components.Directory{Stack: s.Stack, GlobalEndpoint: "https://" + s.Domain, MinimumVersion: s.App.Minimums, StoreURLs: s.App.StoreURLs}
	for _, r := range s.Regions {
		if r.Down {
			continue // out of the directory while its control plane is unreachable (regionsDown)
		}
		d.Regions = append(d.Regions, components.DirectoryRegion{
			Name: r.Name, Role: r.Role, Writer: r.Role == spec.Primary, Endpoint: "https://" + regionalHostname(r.Name, s.Domain),
		})
	}
	return d.JSON()
}

// Map is the exported form.
func (o Outputs) Map(s spec.Spec, regionalHostname func(region, domain string) string) pulumi.Map {
	regions, readers := pulumi.Map{}, pulumi.Map{}
	for _, r := range s.Regions {
		ro := o.Regions[r.Name]
		regions[r.Name] = pulumi.Map{
			"role":           pulumi.String(r.Role),
			"endpoint":       pulumi.String("https://" + regionalHostname(r.Name, s.Domain)),
			"origin":         ro.Origin,
			"bucket":         ro.Bucket,
			"databaseReader": ro.DatabaseReader,
		}
		readers[r.Name] = ro.DatabaseReader
	}
	cloud := o.Cloud
	if cloud == nil {
		cloud = pulumi.Map{}
	}
	attestation := pulumi.Map{"mode": pulumi.String(s.Attestation.Mode)}
	for k, v := range o.Attestation {
		attestation[k] = v
	}
	return pulumi.Map{
		"globalEndpoint": pulumi.String("https://" + s.Domain),
		"topology":       pulumi.String(s.Topology),
		"regions":        regions,
		"database": pulumi.Map{
			"engine":          pulumi.String(o.DatabaseEngine),
			"writerEndpoint":  o.DatabaseWriter,
			"readerEndpoints": readers,
		},
		"staticHostname":     o.StaticHostname,
		"regionDirectoryUrl": pulumi.String(o.DirectoryURL),
		"dashboard":          o.Dashboard,
		"dashboardUrl":       o.DashboardURL,
		"cloud":              cloud,
		"attestation":        attestation,
	}
}
