package tests

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	awsc "github.com/mobile-backend/mobile-backend/components/aws"
	azc "github.com/mobile-backend/mobile-backend/components/azure"
	gcpc "github.com/mobile-backend/mobile-backend/components/gcp"
	"github.com/mobile-backend/mobile-backend/internal/mock"
)

// A component validates its Args before it registers anything: called with
// none of its required arguments, it returns an error naming itself and
// leaves no component or resource behind.
func TestEveryComponentRefusesMissingArgsBeforeRegisteringAnything(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		make func(*pulumi.Context) error
	}{
		{"aws.NewCrossRegionBackup", func(ctx *pulumi.Context) error {
			_, err := awsc.NewCrossRegionBackup(ctx, "x", awsc.CrossRegionBackupArgs{})
			return err
		}},
		{"aws.NewRegionWatch", func(ctx *pulumi.Context) error {
			_, err := awsc.NewRegionWatch(ctx, "x", awsc.RegionWatchArgs{})
			return err
		}},
		{"aws.NewCostBudget", func(ctx *pulumi.Context) error {
			_, err := awsc.NewCostBudget(ctx, "x", awsc.CostBudgetArgs{})
			return err
		}},
		{"aws.NewCertificates", func(ctx *pulumi.Context) error {
			_, err := awsc.NewCertificates(ctx, "x", awsc.CertificatesArgs{})
			return err
		}},
		{"aws.NewRegionalCompute", func(ctx *pulumi.Context) error {
			_, err := awsc.NewRegionalCompute(ctx, "x", awsc.RegionalComputeArgs{})
			return err
		}},
		{"aws.NewGlobalDatabase", func(ctx *pulumi.Context) error {
			_, err := awsc.NewGlobalDatabase(ctx, "x", awsc.GlobalDatabaseArgs{})
			return err
		}},
		{"aws.NewDDoSProtection", func(ctx *pulumi.Context) error {
			_, err := awsc.NewDDoSProtection(ctx, "x", awsc.DDoSProtectionArgs{})
			return err
		}},
		{"aws.NewLatencyDNS", func(ctx *pulumi.Context) error {
			_, err := awsc.NewLatencyDNS(ctx, "x", awsc.LatencyDNSArgs{})
			return err
		}},
		{"aws.NewEncryptionKey", func(ctx *pulumi.Context) error {
			_, err := awsc.NewEncryptionKey(ctx, "x", awsc.EncryptionKeyArgs{})
			return err
		}},
		{"aws.NewCentralLogs", func(ctx *pulumi.Context) error {
			_, err := awsc.NewCentralLogs(ctx, "x", awsc.CentralLogsArgs{})
			return err
		}},
		{"aws.NewMonitoring", func(ctx *pulumi.Context) error {
			_, err := awsc.NewMonitoring(ctx, "x", awsc.MonitoringArgs{})
			return err
		}},
		{"aws.NewRegionalNetwork", func(ctx *pulumi.Context) error {
			_, err := awsc.NewRegionalNetwork(ctx, "x", awsc.RegionalNetworkArgs{})
			return err
		}},
		{"aws.NewReplicatedStorage", func(ctx *pulumi.Context) error {
			_, err := awsc.NewReplicatedStorage(ctx, "x", awsc.ReplicatedStorageArgs{})
			return err
		}},
		{"aws.NewGlobalTable", func(ctx *pulumi.Context) error {
			_, err := awsc.NewGlobalTable(ctx, "x", awsc.GlobalTableArgs{})
			return err
		}},
		{"aws.NewWebFirewall", func(ctx *pulumi.Context) error {
			_, err := awsc.NewWebFirewall(ctx, "x", awsc.WebFirewallArgs{})
			return err
		}},
		{"gcp.NewAPIs", func(ctx *pulumi.Context) error { _, err := gcpc.NewAPIs(ctx, "x", gcpc.APIsArgs{}); return err }},
		{"gcp.NewCostBudget", func(ctx *pulumi.Context) error {
			_, err := gcpc.NewCostBudget(ctx, "x", gcpc.CostBudgetArgs{})
			return err
		}},
		{"gcp.NewRegionalCompute", func(ctx *pulumi.Context) error {
			_, err := gcpc.NewRegionalCompute(ctx, "x", gcpc.RegionalComputeArgs{})
			return err
		}},
		{"gcp.NewGlobalDatabase", func(ctx *pulumi.Context) error {
			_, err := gcpc.NewGlobalDatabase(ctx, "x", gcpc.GlobalDatabaseArgs{})
			return err
		}},
		{"gcp.NewNetworkDDoSProtection", func(ctx *pulumi.Context) error {
			_, err := gcpc.NewNetworkDDoSProtection(ctx, "x", gcpc.NetworkDDoSProtectionArgs{})
			return err
		}},
		{"gcp.NewFailover", func(ctx *pulumi.Context) error { _, err := gcpc.NewFailover(ctx, "x", gcpc.FailoverArgs{}); return err }},
		{"gcp.NewWorkloadIdentity", func(ctx *pulumi.Context) error {
			_, err := gcpc.NewWorkloadIdentity(ctx, "x", gcpc.WorkloadIdentityArgs{})
			return err
		}},
		{"gcp.NewEncryptionKeys", func(ctx *pulumi.Context) error {
			_, err := gcpc.NewEncryptionKeys(ctx, "x", gcpc.EncryptionKeysArgs{})
			return err
		}},
		{"gcp.NewLoadBalancer", func(ctx *pulumi.Context) error {
			_, err := gcpc.NewLoadBalancer(ctx, "x", gcpc.LoadBalancerArgs{})
			return err
		}},
		{"gcp.NewCentralLogs", func(ctx *pulumi.Context) error {
			_, err := gcpc.NewCentralLogs(ctx, "x", gcpc.CentralLogsArgs{})
			return err
		}},
		{"gcp.NewMonitoring", func(ctx *pulumi.Context) error {
			_, err := gcpc.NewMonitoring(ctx, "x", gcpc.MonitoringArgs{})
			return err
		}},
		{"gcp.NewNetwork", func(ctx *pulumi.Context) error { _, err := gcpc.NewNetwork(ctx, "x", gcpc.NetworkArgs{}); return err }},
		{"gcp.NewReplicatedStorage", func(ctx *pulumi.Context) error {
			_, err := gcpc.NewReplicatedStorage(ctx, "x", gcpc.ReplicatedStorageArgs{})
			return err
		}},
		{"gcp.NewWebFirewall", func(ctx *pulumi.Context) error {
			_, err := gcpc.NewWebFirewall(ctx, "x", gcpc.WebFirewallArgs{})
			return err
		}},
		{"azure.NewSQLFailover", func(ctx *pulumi.Context) error {
			_, err := azc.NewSQLFailover(ctx, "x", azc.SQLFailoverArgs{})
			return err
		}},
		{"azure.NewCostBudget", func(ctx *pulumi.Context) error {
			_, err := azc.NewCostBudget(ctx, "x", azc.CostBudgetArgs{})
			return err
		}},
		{"azure.NewRegionalCompute", func(ctx *pulumi.Context) error {
			_, err := azc.NewRegionalCompute(ctx, "x", azc.RegionalComputeArgs{})
			return err
		}},
		{"azure.NewGlobalDatabase", func(ctx *pulumi.Context) error {
			_, err := azc.NewGlobalDatabase(ctx, "x", azc.GlobalDatabaseArgs{})
			return err
		}},
		{"azure.NewFrontDoor", func(ctx *pulumi.Context) error { _, err := azc.NewFrontDoor(ctx, "x", azc.FrontDoorArgs{}); return err }},
		{"azure.NewEncryptionKeys", func(ctx *pulumi.Context) error {
			_, err := azc.NewEncryptionKeys(ctx, "x", azc.EncryptionKeysArgs{})
			return err
		}},
		{"azure.NewMonitoring", func(ctx *pulumi.Context) error {
			_, err := azc.NewMonitoring(ctx, "x", azc.MonitoringArgs{})
			return err
		}},
		{"azure.NewNetwork", func(ctx *pulumi.Context) error { _, err := azc.NewNetwork(ctx, "x", azc.NetworkArgs{}); return err }},
		{"azure.NewDatabaseUsers", func(ctx *pulumi.Context) error {
			_, err := azc.NewDatabaseUsers(ctx, "x", azc.DatabaseUsersArgs{})
			return err
		}},
		{"azure.NewReplicatedStorage", func(ctx *pulumi.Context) error {
			_, err := azc.NewReplicatedStorage(ctx, "x", azc.ReplicatedStorageArgs{})
			return err
		}},
		{"azure.NewWebFirewall", func(ctx *pulumi.Context) error {
			_, err := azc.NewWebFirewall(ctx, "x", azc.WebFirewallArgs{})
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := mock.NewRecorder("mobile-backend", "test")
			err := pulumi.RunErr(tc.make, rec.RunOption())
			if err == nil {
				t.Skip("no required argument")
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), " x: ", "the error names the component")
			assert.Empty(t, rec.Resources(), "nothing is registered before validation")
		})
	}
}

// The inputs monitoring gained for failover-proof alerts and traces are
// required like the others: a missing one is an error, not a panic.
func TestMonitoringRefusesAMissingURLMapOrInsights(t *testing.T) {
	t.Parallel()
	for name, make := range map[string]func(ctx *pulumi.Context) error{
		"gcp without URLMap": func(ctx *pulumi.Context) error {
			_, err := gcpc.NewMonitoring(ctx, "x", gcpc.MonitoringArgs{Project: "p", Domain: "api.example.com", Regions: []gcpc.MonitoredRegion{{Name: "us-east1"}}})
			return err
		},
		"azure region without InsightsID": func(ctx *pulumi.Context) error {
			g := pulumi.String("g")
			_, err := azc.NewMonitoring(ctx, "x", azc.MonitoringArgs{Stack: "s", Domain: "api.example.com", ResourceGroup: g, FrontDoorID: g,
				Regions: []azc.MonitoredRegion{{Name: "eastus2", ResourceGroup: g, WorkspaceID: g, WorkspaceName: g, AppID: g}}})
			return err
		},
	} {
		rec := mock.NewRecorder("mobile-backend", "test")
		err := pulumi.RunErr(make, rec.RunOption())
		require.Error(t, err, name)
		assert.Contains(t, err.Error(), " x: ", name)
		assert.Empty(t, rec.Resources(), name)
	}
}
