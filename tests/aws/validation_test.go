package aws

import (
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	awsc "github.com/mobile-backend/mobile-backend/components/aws"
	. "github.com/mobile-backend/mobile-backend/tests/suite"
)

// A component validates its Args before it registers anything.
func TestEveryAWSComponentRefusesMissingArgsBeforeRegisteringAnything(t *testing.T) {
	t.Parallel()
	RefusesMissingArgs(t, []RefusalCase{
		{Name: "aws.NewCrossRegionBackup", Make: func(ctx *pulumi.Context) error {
			_, err := awsc.NewCrossRegionBackup(ctx, "x", awsc.CrossRegionBackupArgs{})
			return err
		}},
		{Name: "aws.NewRegionWatch", Make: func(ctx *pulumi.Context) error {
			_, err := awsc.NewRegionWatch(ctx, "x", awsc.RegionWatchArgs{})
			return err
		}},
		{Name: "aws.NewCostBudget", Make: func(ctx *pulumi.Context) error {
			_, err := awsc.NewCostBudget(ctx, "x", awsc.CostBudgetArgs{})
			return err
		}},
		{Name: "aws.NewCertificates", Make: func(ctx *pulumi.Context) error {
			_, err := awsc.NewCertificates(ctx, "x", awsc.CertificatesArgs{})
			return err
		}},
		{Name: "aws.NewRegionalCompute", Make: func(ctx *pulumi.Context) error {
			_, err := awsc.NewRegionalCompute(ctx, "x", awsc.RegionalComputeArgs{})
			return err
		}},
		{Name: "aws.NewGlobalDatabase", Make: func(ctx *pulumi.Context) error {
			_, err := awsc.NewGlobalDatabase(ctx, "x", awsc.GlobalDatabaseArgs{})
			return err
		}},
		{Name: "aws.NewDDoSProtection", Make: func(ctx *pulumi.Context) error {
			_, err := awsc.NewDDoSProtection(ctx, "x", awsc.DDoSProtectionArgs{})
			return err
		}},
		{Name: "aws.NewLatencyDNS", Make: func(ctx *pulumi.Context) error {
			_, err := awsc.NewLatencyDNS(ctx, "x", awsc.LatencyDNSArgs{})
			return err
		}},
		{Name: "aws.NewEncryptionKey", Make: func(ctx *pulumi.Context) error {
			_, err := awsc.NewEncryptionKey(ctx, "x", awsc.EncryptionKeyArgs{})
			return err
		}},
		{Name: "aws.NewEncryptionKeys", Make: func(ctx *pulumi.Context) error {
			_, err := awsc.NewEncryptionKeys(ctx, "x", awsc.EncryptionKeysArgs{})
			return err
		}},
		{Name: "aws.NewCentralLogs", Make: func(ctx *pulumi.Context) error {
			_, err := awsc.NewCentralLogs(ctx, "x", awsc.CentralLogsArgs{})
			return err
		}},
		{Name: "aws.NewMonitoring", Make: func(ctx *pulumi.Context) error {
			_, err := awsc.NewMonitoring(ctx, "x", awsc.MonitoringArgs{})
			return err
		}},
		{Name: "aws.NewRegionalNetwork", Make: func(ctx *pulumi.Context) error {
			_, err := awsc.NewRegionalNetwork(ctx, "x", awsc.RegionalNetworkArgs{})
			return err
		}},
		{Name: "aws.NewReplicatedStorage", Make: func(ctx *pulumi.Context) error {
			_, err := awsc.NewReplicatedStorage(ctx, "x", awsc.ReplicatedStorageArgs{})
			return err
		}},
		{Name: "aws.NewGlobalTable", Make: func(ctx *pulumi.Context) error {
			_, err := awsc.NewGlobalTable(ctx, "x", awsc.GlobalTableArgs{})
			return err
		}},
		{Name: "aws.NewWebFirewall", Make: func(ctx *pulumi.Context) error {
			_, err := awsc.NewWebFirewall(ctx, "x", awsc.WebFirewallArgs{})
			return err
		}},
	})
}

func TestEncryptionKeysRefuseARegionTwiceOrWithoutItsProvider(t *testing.T) {
	t.Parallel()
	for name, regions := range map[string][]awsc.KeyRegion{
		"twice":       {{Name: "eu-west-1", Provider: &aws.Provider{}}, {Name: "eu-west-1", Provider: &aws.Provider{}}},
		"no provider": {{Name: "eu-west-1"}},
		"no name":     {{Provider: &aws.Provider{}}},
	} {
		RefusesAMissingInput(t, name, func(ctx *pulumi.Context) error {
			_, err := awsc.NewEncryptionKeys(ctx, "x", awsc.EncryptionKeysArgs{Stack: "s", Account: "123456789012", Regions: regions})
			return err
		})
	}
}
