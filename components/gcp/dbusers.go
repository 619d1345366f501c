package gcp

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/cloudrunv2"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/secretmanager"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/serviceaccount"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mobile-backend/mobile-backend/internal/dbusers"
)

// DatabaseUsersImage runs the job's Python (standard library only): the
// failover job's image.
const DatabaseUsersImage = FailoverImage

// DatabaseUsersArgs configures DatabaseUsers.
type DatabaseUsersArgs struct {
	Project string // required
	// Region runs the job: the writer's, whose network reaches the writer.
	Region string
	// Network and Subnet are the region's (Direct VPC egress).
	Network, Subnet pulumi.StringInput
	// Database is the Cloud SQL database; its AdminSecret, ServerCACerts,
	// WriterHost and Admin are what the job signs in with. Required.
	Database *GlobalDatabase
	// DatabaseName is the database's name, as the stack configures it.
	DatabaseName string
	// Users are the apps' IAM database users (DB_USER of each region); After
	// are the resources that make them (GlobalDatabase.GrantTo's).
	Users []pulumi.StringOutput
	After []pulumi.Resource
}

// DatabaseUsers is a Cloud Run job, in the writer region's network, that
// signs in to the Cloud SQL writer as its built-in admin (the password from
// Secret Manager, by reference) and gives each app's IAM database user read
// and write on the database (internal/dbusers.GrantsSQL; no DDL). An IAM
// database user starts with no privilege on the database's tables; someone
// has to grant them (Cloud SQL, "Manage users with IAM database
// authentication"). The deployment runs it:
// its run-execution token changes with the statements, so every `pulumi
// up` that adds a user (a new region) starts an execution and waits for it,
// and a failed execution fails the update (cloudrunv2.Job
// runExecutionToken: "The Job will become ready when the execution is
// successfully completed"). Grants are data in the database: replicas and a
// promoted replica have them.
type DatabaseUsers struct {
	pulumi.ResourceState

	JobName pulumi.StringOutput `pulumi:"jobName"`
	// SQL is the statements the job runs.
	SQL pulumi.StringOutput `pulumi:"sql"`
}

// NewDatabaseUsers builds the job. Pass the region's provider in opts.
func NewDatabaseUsers(ctx *pulumi.Context, name string, args DatabaseUsersArgs, opts ...pulumi.ResourceOption) (*DatabaseUsers, error) {
	if args.Project == "" || args.Region == "" || args.Network == nil || args.Subnet == nil || args.Database == nil || args.DatabaseName == "" || len(args.Users) == 0 {
		return nil, fmt.Errorf("database users %s: Project, Region, Network, Subnet, Database, DatabaseName and Users are required", name)
	}
	if len(args.Database.Admin) == 0 {
		return nil, fmt.Errorf("database users %s: the database has no admin user (Spanner takes IAM roles, not grants)", name)
	}
	d := &DatabaseUsers{}
	if err := ctx.RegisterComponentResource("mobile-backend:gcp:DatabaseUsers", name, d, opts...); err != nil {
		return nil, err
	}
	child := pulumi.Parent(d)
	var users pulumi.StringArray
	for _, u := range args.Users {
		users = append(users, u)
	}
	d.SQL = users.ToStringArrayOutput().ApplyT(func(names []string) string { return dbusers.GrantsSQL(args.DatabaseName, names) }).(pulumi.StringOutput)

	runner, err := serviceaccount.NewAccount(ctx, name, &serviceaccount.AccountArgs{
		AccountId: pulumi.String(resourceName(name, 30)), DisplayName: pulumi.String("mobile-backend database users job"),
	}, child)
	if err != nil {
		return nil, err
	}
	// The admin's password and nothing else: on the one secret. The job
	// needs no Cloud SQL role: it signs in with a password over the private
	// address, not through the Cloud SQL connector.
	reads, err := secretmanager.NewSecretIamMember(ctx, name+"-reads-admin-password", &secretmanager.SecretIamMemberArgs{
		Project: pulumi.String(args.Project), SecretId: args.Database.AdminSecret,
		Role: pulumi.String("roles/secretmanager.secretAccessor"), Member: pulumi.Sprintf("serviceAccount:%s", runner.Email),
	}, child)
	if err != nil {
		return nil, err
	}
	env := func(k string, v pulumi.StringInput) cloudrunv2.JobTemplateTemplateContainerEnvInput {
		return &cloudrunv2.JobTemplateTemplateContainerEnvArgs{Name: pulumi.String(k), Value: v}
	}
	jobName := resourceName(name, 40)
	job, err := cloudrunv2.NewJob(ctx, name, &cloudrunv2.JobArgs{
		Name:        pulumi.String(jobName),
		Location:    pulumi.String(args.Region),
		LaunchStage: pulumi.String("GA"),
		// A new execution whenever the statements or the script change;
		// job name and token together under 63 characters (the provider's
		// runExecutionToken).
		RunExecutionToken: d.SQL.ApplyT(func(sql string) string { return RunToken(sql) }).(pulumi.StringOutput),
		Template: &cloudrunv2.JobTemplateArgs{
			TaskCount: pulumi.Int(1), Parallelism: pulumi.Int(1),
			Template: &cloudrunv2.JobTemplateTemplateArgs{
				ServiceAccount: runner.Email,
				Timeout:        pulumi.String("300s"),
				// A first run may meet a writer still settling after its
				// creation; every statement is idempotent, so a retry is
				// harmless.
				MaxRetries: pulumi.Int(2),
				Containers: cloudrunv2.JobTemplateTemplateContainerArray{&cloudrunv2.JobTemplateTemplateContainerArgs{
					Name: pulumi.String("db-users"), Image: pulumi.String(DatabaseUsersImage),
					Commands: pulumi.StringArray{pulumi.String("python3")}, Args: pulumi.StringArray{pulumi.String("-c"), pulumi.String(dbusers.PostgresScript)},
					Envs: cloudrunv2.JobTemplateTemplateContainerEnvArray{
						// The writer's stable name: after a promotion it names
						// the new writer, whose CA is in the bundle too.
						env("DB_HOST", pulumi.String(args.Database.WriterHost)),
						env("DB_NAME", pulumi.String(args.DatabaseName)),
						env("DB_USER", pulumi.String(CloudSQLAdmin)),
						env("DB_CA_CERTS", args.Database.ServerCACerts()),
						env("DB_GRANTS_SQL", d.SQL),
						&cloudrunv2.JobTemplateTemplateContainerEnvArgs{
							Name: pulumi.String("DB_PASSWORD"),
							ValueSource: &cloudrunv2.JobTemplateTemplateContainerEnvValueSourceArgs{
								SecretKeyRef: &cloudrunv2.JobTemplateTemplateContainerEnvValueSourceSecretKeyRefArgs{
									Secret: args.Database.AdminSecret, Version: pulumi.String("latest"),
								},
							},
						},
					},
					Resources: &cloudrunv2.JobTemplateTemplateContainerResourcesArgs{
						Limits: pulumi.StringMap{"cpu": pulumi.String("1"), "memory": pulumi.String("512Mi")},
					},
				}},
				VpcAccess: jobEgress(args.Network, args.Subnet),
			},
		},
	}, child, pulumi.DependsOn(append(append([]pulumi.Resource{reads}, args.Database.Admin...), args.After...)))
	if err != nil {
		return nil, err
	}
	d.JobName = job.Name
	return d, ctx.RegisterResourceOutputs(d, pulumi.Map{"jobName": d.JobName, "sql": d.SQL})
}

// RunToken is the run-execution token for a job running sql: a digest of
// the statements and the script, 16 hex digits.
func RunToken(sql string) string {
	sum := sha256.Sum256([]byte(dbusers.PostgresScript + "\x00" + sql))
	return hex.EncodeToString(sum[:8])
}
