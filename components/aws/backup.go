package aws

import (
	"fmt"
	"slices"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/backup"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// BackupSchedule is when the daily backup starts (UTC, AWS Backup's cron).
const BackupSchedule = "cron(0 3 * * ? *)"

// VaultLockChangeableDays is the grace period of a compliance-mode vault
// lock: after it, the lock cannot be removed (AWS Backup's minimum is 3).
const VaultLockChangeableDays = 3

// CrossRegionBackupArgs configures CrossRegionBackup.
type CrossRegionBackupArgs struct {
	Stack   string   // required
	Regions []Region // required, at least two: a vault in each
	// Writer is the region whose resources are backed up (the database
	// writer's): the plan runs there and copies to the next region in
	// Regions. It moves with the writer; the vaults do not.
	Writer string
	// Resources are the ARNs backed up daily, all in Writer (the writer's
	// Aurora cluster, the session table's replica there).
	Resources     pulumi.StringArrayInput
	RetentionDays int  // required: how long the backups and their copies are kept
	VaultLock     bool // compliance-mode vault lock (see backupVaultLock)
	Protect       bool
}

// CrossRegionBackup is AWS Backup across regions: a KMS-encrypted vault per
// region, a plan that backs the resources up daily into the primary's vault
// and copies each recovery point to the second region's vault, and the
// service role that does it. The plan and its selection live in the
// writer's region (AWS Backup selects resources of its own region only) and
// follow the writer; the vaults and their recovery points stay.
type CrossRegionBackup struct {
	pulumi.ResourceState

	VaultArns pulumi.StringMapOutput `pulumi:"vaultArns"`
}

// NewCrossRegionBackup builds it. Pass the first region's provider in opts.
func NewCrossRegionBackup(ctx *pulumi.Context, name string, args CrossRegionBackupArgs, opts ...pulumi.ResourceOption) (*CrossRegionBackup, error) {
	if args.Stack == "" || len(args.Regions) < 2 || args.Resources == nil || args.RetentionDays <= 0 {
		return nil, fmt.Errorf("backup %s: Stack, two Regions, Resources and RetentionDays are required", name)
	}
	w := slices.IndexFunc(args.Regions, func(r Region) bool { return r.Name == args.Writer })
	if w < 0 {
		return nil, fmt.Errorf("backup %s: Writer %q is not one of Regions", name, args.Writer)
	}
	b := &CrossRegionBackup{}
	if err := ctx.RegisterComponentResource("mobile-backend:aws:CrossRegionBackup", name, b, opts...); err != nil {
		return nil, err
	}
	child := pulumi.Parent(b)
	vaults := map[string]*backup.Vault{}
	arns := pulumi.StringMap{}
	for _, r := range args.Regions {
		in := pulumi.Provider(r.Provider)
		v, err := backup.NewVault(ctx, name+"-"+r.Name, &backup.VaultArgs{
			Name:         pulumi.String(fit(args.Stack+"-"+r.Name, 50)),
			KmsKeyArn:    r.KeyArn,
			ForceDestroy: pulumi.Bool(false),
		}, child, in, pulumi.Protect(args.Protect))
		if err != nil {
			return nil, err
		}
		if args.VaultLock {
			if _, err := backup.NewVaultLockConfiguration(ctx, name+"-"+r.Name, &backup.VaultLockConfigurationArgs{
				BackupVaultName:   v.Name,
				ChangeableForDays: pulumi.Int(VaultLockChangeableDays), // set: compliance mode
				MinRetentionDays:  pulumi.Int(args.RetentionDays),
				MaxRetentionDays:  pulumi.Int(max(args.RetentionDays, 3650)),
			}, child, in); err != nil {
				return nil, err
			}
		}
		vaults[r.Name] = v
		arns[r.Name] = v.Arn
	}

	role, err := iam.NewRole(ctx, name+"-role", &iam.RoleArgs{
		Name: pulumi.String(fit(args.Stack+"-backup", 64)),
		// AWS Backup's documented trust policy (it names no confused-deputy
		// condition key for the role it assumes).
		AssumeRolePolicy: pulumi.String(Policy(Statement{
			Effect: "Allow", Principal: map[string]any{"Service": "backup.amazonaws.com"}, Action: []string{"sts:AssumeRole"},
		})),
	}, child)
	if err != nil {
		return nil, err
	}
	for _, p := range []string{"AWSBackupServiceRolePolicyForBackup", "AWSBackupServiceRolePolicyForRestores"} {
		if _, err := iam.NewRolePolicyAttachment(ctx, name+"-"+p, &iam.RolePolicyAttachmentArgs{
			Role: role.Name, PolicyArn: pulumi.String("arn:aws:iam::aws:policy/service-role/" + p),
		}, child); err != nil {
			return nil, err
		}
	}

	primary, copyTo := args.Regions[w], args.Regions[(w+1)%len(args.Regions)]
	plan, err := backup.NewPlan(ctx, name, &backup.PlanArgs{
		Name: pulumi.String(fit(args.Stack+"-daily", 50)),
		Rules: backup.PlanRuleArray{&backup.PlanRuleArgs{
			RuleName:        pulumi.String("daily-copy-to-" + copyTo.Name),
			TargetVaultName: vaults[primary.Name].Name,
			Schedule:        pulumi.String(BackupSchedule),
			StartWindow:     pulumi.Int(60),
			Lifecycle:       &backup.PlanRuleLifecycleArgs{DeleteAfter: pulumi.Int(args.RetentionDays)},
			CopyActions: backup.PlanRuleCopyActionArray{&backup.PlanRuleCopyActionArgs{
				DestinationVaultArn: vaults[copyTo.Name].Arn,
				Lifecycle:           &backup.PlanRuleCopyActionLifecycleArgs{DeleteAfter: pulumi.Int(args.RetentionDays)},
			}},
		}},
	}, child, pulumi.Provider(primary.Provider))
	if err != nil {
		return nil, err
	}
	if _, err := backup.NewSelection(ctx, name, &backup.SelectionArgs{
		Name: pulumi.String(fit(args.Stack+"-data", 50)), PlanId: plan.ID(), IamRoleArn: role.Arn, Resources: args.Resources,
	}, child, pulumi.Provider(primary.Provider)); err != nil {
		return nil, err
	}
	b.VaultArns = arns.ToStringMapOutput()
	return b, ctx.RegisterResourceOutputs(b, pulumi.Map{"vaultArns": b.VaultArns})
}
