package gcp

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/cloudrunv2"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/secretmanager"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/serviceaccount"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/spanner"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mobile-backend/mobile-backend/components"
)

// MigrationsTimeoutSeconds bounds one run of the migrations.
const MigrationsTimeoutSeconds = 3600

// MigrationsArgs configures Migrations.
type MigrationsArgs struct {
	Project string // required
	Region  string // required: the writer's region (the provider in opts)
	// Network and Subnet are the region's (Direct VPC egress to Cloud
	// SQL's private addresses); unused with Spanner.
	Network, Subnet pulumi.StringInput
	Database        *GlobalDatabase // required
	DatabaseName    string          // required
	Image           string          // required: the image the command runs in
	Command         []string        // required: the command and its arguments
	// Stack and Environment are passed as STACK and ENVIRONMENT.
	Stack, Environment string
}

// Migrations runs the schema migrations once per release, before the first
// release wave: a Cloud Run job of the release's image and the migrations'
// command in the writer's region that the deployment runs and waits for
// (runExecutionToken, a digest of the image and the command: a new one of
// either runs it again; a failed execution fails the update, and the
// first wave waits for Job). It signs in to Cloud SQL's writer as the
// database's admin (its password from Secret Manager, by reference): the
// only identity that may change the schema, whose objects the apps read
// and write through default privileges (internal/dbusers.GrantsSQL). With
// Spanner it holds the database's roles/spanner.databaseAdmin (schema
// updates), which no app holds.
type Migrations struct {
	pulumi.ResourceState

	JobName pulumi.StringOutput `pulumi:"jobName"`
	// Job is what the first release wave waits for.
	Job *cloudrunv2.Job
}

// NewMigrations builds the job. Pass the region's provider in opts.
func NewMigrations(ctx *pulumi.Context, name string, args MigrationsArgs, opts ...pulumi.ResourceOption) (*Migrations, error) {
	if args.Project == "" || args.Region == "" || args.Database == nil || args.DatabaseName == "" || args.Image == "" || len(args.Command) == 0 {
		return nil, fmt.Errorf("migrations %s: Project, Region, Database, DatabaseName, Image and Command are required", name)
	}
	spannerDB := args.Database.Engine == components.EngineSpanner
	if !spannerDB && (args.Network == nil || args.Subnet == nil || len(args.Database.Admin) == 0) {
		return nil, fmt.Errorf("migrations %s: Network, Subnet and a database with an admin user are required with Cloud SQL", name)
	}
	m := &Migrations{}
	if err := ctx.RegisterComponentResource("mobile-backend:gcp:Migrations", name, m, opts...); err != nil {
		return nil, err
	}
	child := pulumi.Parent(m)
	runner, err := serviceaccount.NewAccount(ctx, name, &serviceaccount.AccountArgs{
		AccountId: pulumi.String(resourceName(name, 30)), DisplayName: pulumi.String("mobile-backend schema migrations"),
	}, child)
	if err != nil {
		return nil, err
	}
	member := pulumi.Sprintf("serviceAccount:%s", runner.Email)
	env := func(k string, v pulumi.StringInput) cloudrunv2.JobTemplateTemplateContainerEnvInput {
		return &cloudrunv2.JobTemplateTemplateContainerEnvArgs{Name: pulumi.String(k), Value: v}
	}
	envs := cloudrunv2.JobTemplateTemplateContainerEnvArray{
		env("REGION", pulumi.String(args.Region)), env("STACK", pulumi.String(args.Stack)), env("ENVIRONMENT", pulumi.String(args.Environment)),
	}
	var grants []pulumi.Resource
	var egress *cloudrunv2.JobTemplateTemplateVpcAccessArgs
	if spannerDB {
		g, err := spanner.NewDatabaseIAMMember(ctx, name+"-schema", &spanner.DatabaseIAMMemberArgs{
			Instance: args.Database.Instance, Database: args.Database.Database, Role: pulumi.String("roles/spanner.databaseAdmin"), Member: member,
		}, child)
		if err != nil {
			return nil, err
		}
		grants = append(grants, g)
		for k, v := range args.Database.Environment(args.Region, args.Project) {
			envs = append(envs, env(k, v))
		}
	} else {
		reads, err := secretmanager.NewSecretIamMember(ctx, name+"-reads-admin-password", &secretmanager.SecretIamMemberArgs{
			Project: pulumi.String(args.Project), SecretId: args.Database.AdminSecret,
			Role: pulumi.String("roles/secretmanager.secretAccessor"), Member: member,
		}, child)
		if err != nil {
			return nil, err
		}
		grants = append(append(grants, reads), args.Database.Admin...)
		envs = append(envs,
			// The writer's stable name: after a promotion it names the
			// new writer, whose CA is in the bundle too.
			env("DB_HOST", pulumi.String(args.Database.WriterHost)), env("DB_NAME", pulumi.String(args.DatabaseName)),
			env("DB_PORT", pulumi.String("5432")), env("DB_USER", pulumi.String(CloudSQLAdmin)), env("DB_CA_CERTS", args.Database.ServerCACerts()),
			&cloudrunv2.JobTemplateTemplateContainerEnvArgs{Name: pulumi.String("DB_PASSWORD"), ValueSource: &cloudrunv2.JobTemplateTemplateContainerEnvValueSourceArgs{
				SecretKeyRef: &cloudrunv2.JobTemplateTemplateContainerEnvValueSourceSecretKeyRefArgs{Secret: args.Database.AdminSecret, Version: pulumi.String("latest")},
			}},
		)
		egress = jobEgress(args.Network, args.Subnet)
	}
	job, err := cloudrunv2.NewJob(ctx, name, &cloudrunv2.JobArgs{
		Name:              pulumi.String(resourceName(name, 40)),
		Location:          pulumi.String(args.Region),
		LaunchStage:       pulumi.String("GA"),
		RunExecutionToken: pulumi.String(MigrationsToken(args.Image, args.Command)),
		Template: &cloudrunv2.JobTemplateArgs{
			TaskCount: pulumi.Int(1), Parallelism: pulumi.Int(1),
			Template: &cloudrunv2.JobTemplateTemplateArgs{
				ServiceAccount: runner.Email,
				Timeout:        pulumi.Sprintf("%ds", MigrationsTimeoutSeconds),
				// One retry: its grants may still be propagating at the
				// first run. Migration tools record what they applied (and
				// refuse to run over a half-applied one), so a retry picks
				// up or stops; docs/delivery.md.
				MaxRetries: pulumi.Int(1),
				Containers: cloudrunv2.JobTemplateTemplateContainerArray{&cloudrunv2.JobTemplateTemplateContainerArgs{
					Name: pulumi.String("migrations"), Image: pulumi.String(args.Image),
					Commands: pulumi.StringArray{pulumi.String(args.Command[0])}, Args: pulumi.ToStringArray(args.Command[1:]),
					Envs: envs,
					Resources: &cloudrunv2.JobTemplateTemplateContainerResourcesArgs{
						Limits: pulumi.StringMap{"cpu": pulumi.String("1"), "memory": pulumi.String("512Mi")},
					},
				}},
				VpcAccess: egress,
			},
		},
	}, child, pulumi.DependsOn(grants),
		// The provider waits 20 minutes by default; a run may take its
		// whole timeout.
		pulumi.Timeouts(&pulumi.CustomTimeouts{Create: "70m", Update: "70m"}))
	if err != nil {
		return nil, err
	}
	m.JobName, m.Job = job.Name, job
	return m, ctx.RegisterResourceOutputs(m, pulumi.Map{"jobName": m.JobName})
}

// MigrationsToken is the run-execution token of the migrations of an image
// and a command: 16 hex digits.
func MigrationsToken(image string, command []string) string {
	sum := sha256.Sum256([]byte(image + "\x00" + strings.Join(command, "\x00")))
	return hex.EncodeToString(sum[:8])
}
