package azure

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	azc "github.com/mobile-backend/mobile-backend/components/azure"
	. "github.com/mobile-backend/mobile-backend/tests/suite"
)

// A component validates its Args before it registers anything.
func TestEveryAzureComponentRefusesMissingArgsBeforeRegisteringAnything(t *testing.T) {
	t.Parallel()
	RefusesMissingArgs(t, []RefusalCase{
		{Name: "azure.NewSQLFailover", Make: func(ctx *pulumi.Context) error {
			_, err := azc.NewSQLFailover(ctx, "x", azc.SQLFailoverArgs{})
			return err
		}},
		{Name: "azure.NewCostBudget", Make: func(ctx *pulumi.Context) error {
			_, err := azc.NewCostBudget(ctx, "x", azc.CostBudgetArgs{})
			return err
		}},
		{Name: "azure.NewRegionalCompute", Make: func(ctx *pulumi.Context) error {
			_, err := azc.NewRegionalCompute(ctx, "x", azc.RegionalComputeArgs{})
			return err
		}},
		{Name: "azure.NewGlobalDatabase", Make: func(ctx *pulumi.Context) error {
			_, err := azc.NewGlobalDatabase(ctx, "x", azc.GlobalDatabaseArgs{})
			return err
		}},
		{Name: "azure.NewFrontDoor", Make: func(ctx *pulumi.Context) error { _, err := azc.NewFrontDoor(ctx, "x", azc.FrontDoorArgs{}); return err }},
		{Name: "azure.NewEncryptionKeys", Make: func(ctx *pulumi.Context) error {
			_, err := azc.NewEncryptionKeys(ctx, "x", azc.EncryptionKeysArgs{})
			return err
		}},
		{Name: "azure.NewMonitoring", Make: func(ctx *pulumi.Context) error {
			_, err := azc.NewMonitoring(ctx, "x", azc.MonitoringArgs{})
			return err
		}},
		{Name: "azure.NewNetwork", Make: func(ctx *pulumi.Context) error { _, err := azc.NewNetwork(ctx, "x", azc.NetworkArgs{}); return err }},
		{Name: "azure.NewDatabaseUsers", Make: func(ctx *pulumi.Context) error {
			_, err := azc.NewDatabaseUsers(ctx, "x", azc.DatabaseUsersArgs{})
			return err
		}},
		{Name: "azure.NewReplicatedStorage", Make: func(ctx *pulumi.Context) error {
			_, err := azc.NewReplicatedStorage(ctx, "x", azc.ReplicatedStorageArgs{})
			return err
		}},
		{Name: "azure.NewWebFirewall", Make: func(ctx *pulumi.Context) error {
			_, err := azc.NewWebFirewall(ctx, "x", azc.WebFirewallArgs{})
			return err
		}},
	})
}

// The inputs monitoring gained for failover-proof alerts and traces are
// required like the others: a missing one is an error, not a panic.
func TestMonitoringRefusesARegionWithoutInsights(t *testing.T) {
	t.Parallel()
	RefusesAMissingInput(t, "azure region without InsightsID", func(ctx *pulumi.Context) error {
		g := pulumi.String("g")
		_, err := azc.NewMonitoring(ctx, "x", azc.MonitoringArgs{Stack: "s", Domain: "api.example.com", ResourceGroup: g, FrontDoorID: g,
			Regions: []azc.MonitoredRegion{{Name: "eastus2", ResourceGroup: g, WorkspaceID: g, WorkspaceName: g, AppID: g}}})
		return err
	})
}
