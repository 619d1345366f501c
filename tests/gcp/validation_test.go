package gcp

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"

	gcpc "github.com/mobile-backend/mobile-backend/components/gcp"
	"github.com/mobile-backend/mobile-backend/internal/spec"
	. "github.com/mobile-backend/mobile-backend/tests/suite"
)

// A component validates its Args before it registers anything.
func TestEveryGoogleCloudComponentRefusesMissingArgsBeforeRegisteringAnything(t *testing.T) {
	t.Parallel()
	RefusesMissingArgs(t, []RefusalCase{
		{Name: "gcp.NewAPIs", Make: func(ctx *pulumi.Context) error { _, err := gcpc.NewAPIs(ctx, "x", gcpc.APIsArgs{}); return err }},
		{Name: "gcp.NewCostBudget", Make: func(ctx *pulumi.Context) error {
			_, err := gcpc.NewCostBudget(ctx, "x", gcpc.CostBudgetArgs{})
			return err
		}},
		{Name: "gcp.NewRegionalCompute", Make: func(ctx *pulumi.Context) error {
			_, err := gcpc.NewRegionalCompute(ctx, "x", gcpc.RegionalComputeArgs{})
			return err
		}},
		{Name: "gcp.NewGlobalDatabase", Make: func(ctx *pulumi.Context) error {
			_, err := gcpc.NewGlobalDatabase(ctx, "x", gcpc.GlobalDatabaseArgs{})
			return err
		}},
		{Name: "gcp.NewNetworkDDoSProtection", Make: func(ctx *pulumi.Context) error {
			_, err := gcpc.NewNetworkDDoSProtection(ctx, "x", gcpc.NetworkDDoSProtectionArgs{})
			return err
		}},
		{Name: "gcp.NewFailover", Make: func(ctx *pulumi.Context) error { _, err := gcpc.NewFailover(ctx, "x", gcpc.FailoverArgs{}); return err }},
		{Name: "gcp.NewWorkloadIdentity", Make: func(ctx *pulumi.Context) error {
			_, err := gcpc.NewWorkloadIdentity(ctx, "x", gcpc.WorkloadIdentityArgs{})
			return err
		}},
		{Name: "gcp.NewEncryptionKeys", Make: func(ctx *pulumi.Context) error {
			_, err := gcpc.NewEncryptionKeys(ctx, "x", gcpc.EncryptionKeysArgs{})
			return err
		}},
		{Name: "gcp.NewLoadBalancer", Make: func(ctx *pulumi.Context) error {
			_, err := gcpc.NewLoadBalancer(ctx, "x", gcpc.LoadBalancerArgs{})
			return err
		}},
		{Name: "gcp.NewCentralLogs", Make: func(ctx *pulumi.Context) error {
			_, err := gcpc.NewCentralLogs(ctx, "x", gcpc.CentralLogsArgs{})
			return err
		}},
		{Name: "gcp.NewMonitoring", Make: func(ctx *pulumi.Context) error {
			_, err := gcpc.NewMonitoring(ctx, "x", gcpc.MonitoringArgs{})
			return err
		}},
		{Name: "gcp.NewNetwork", Make: func(ctx *pulumi.Context) error { _, err := gcpc.NewNetwork(ctx, "x", gcpc.NetworkArgs{}); return err }},
		{Name: "gcp.NewReplicatedStorage", Make: func(ctx *pulumi.Context) error {
			_, err := gcpc.NewReplicatedStorage(ctx, "x", gcpc.ReplicatedStorageArgs{})
			return err
		}},
		{Name: "gcp.NewWebFirewall", Make: func(ctx *pulumi.Context) error {
			_, err := gcpc.NewWebFirewall(ctx, "x", gcpc.WebFirewallArgs{})
			return err
		}},
	})
}

// The inputs monitoring gained for failover-proof alerts and traces are
// required like the others: a missing one is an error, not a panic.
func TestMonitoringRefusesAMissingURLMap(t *testing.T) {
	t.Parallel()
	RefusesAMissingInput(t, "gcp without URLMap", func(ctx *pulumi.Context) error {
		_, err := gcpc.NewMonitoring(ctx, "x", gcpc.MonitoringArgs{Project: "p", Domain: "api.example.com", Regions: []gcpc.MonitoredRegion{{Name: "us-east1"}}})
		return err
	})
}

// The countries geoBlock may not name are those of the checker regions the
// uptime checks use.
func TestTheUptimeCheckerCountriesAreTheCheckerRegions(t *testing.T) {
	country := map[string]string{"USA": "US", "EUROPE": "BE", "ASIA_PACIFIC": "SG", "SOUTH_AMERICA": "BR"}
	var want []string
	for _, r := range gcpc.UptimeCheckerRegions {
		want = append(want, country[r])
	}
	assert.ElementsMatch(t, want, spec.UptimeCheckerCountries)
}
