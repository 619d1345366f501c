package azure

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	azc "github.com/mobile-backend/mobile-backend/components/azure"
	"github.com/mobile-backend/mobile-backend/internal/mock"
	"github.com/mobile-backend/mobile-backend/internal/spec"
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

// An Azure SQL database has at most four geo-secondaries, and the database
// puts one in every region but the primary's: a sixth region is refused
// before anything is registered, as the config check refuses it; a fifth
// passes this check.
func TestGlobalDatabaseRefusesMoreRegionsThanAzureSQLHasGeoSecondaries(t *testing.T) {
	t.Parallel()
	assert.Equal(t, spec.AzureSQLMaxGeoSecondaries, azc.MaxGeoSecondaries, "the config check and the component agree")
	var regions []azc.Region
	for _, name := range []string{"eastus2", "westeurope", "southeastasia", "westus", "centralindia", "japaneast"} {
		regions = append(regions, azc.Region{Name: name})
	}
	build := func(regions []azc.Region) (*mock.Recorder, error) {
		return RunProgram(func(ctx *pulumi.Context) error {
			_, err := azc.NewGlobalDatabase(ctx, "x", azc.GlobalDatabaseArgs{
				Regions: regions, Stack: "s", Subscription: "sub",
				Admin: azc.SQLAdmin{Login: "dba", ObjectID: pulumi.String("00000000-0000-0000-0000-000000000001")},
			})
			return err
		})
	}
	rec, err := build(regions)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "database x: 5 secondary regions: an Azure SQL database has at most 4 geo-secondaries")
	assert.Empty(t, rec.Resources(), "nothing is registered before validation")

	_, err = build(regions[:5])
	require.Error(t, err, "these regions have no Network")
	assert.NotContains(t, err.Error(), "geo-secondaries", "five regions are within the limit")
}
