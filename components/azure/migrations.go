package azure

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-azure-native-sdk/authorization/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mobile-backend/mobile-backend/components/azure/internal/job"
)

// MigrationsArgs configures Migrations.
type MigrationsArgs struct {
	Region        Region             // required: the writer's region (the provider in opts)
	EnvironmentID pulumi.StringInput // required: its Container Apps environment, in its network
	// Identity is the migrations' own identity, whose contained user may
	// change the schema (DatabaseUser.Schema): made before the database
	// users job, which makes that user. Required.
	Identity *Identity
	// Server is the writer's host (the failover group's read-write
	// listener); Database the database. Required.
	Server   pulumi.StringInput
	Database string
	Image    string   // required: the image the command runs in
	Command  []string // required: the command and its arguments
	// RegistryID is the Azure Container Registry of a private image: the
	// identity gets AcrPull on it. Subscription names the role.
	RegistryID         string
	Stack, Environment string
	Subscription       string // required
	Tags               pulumi.StringMap
	// After are what must have run first: the database users' run.
	After []pulumi.Resource
}

// Migrations runs the schema migrations once per release, before the first
// release wave: a Container Apps job started on demand, of the release's
// image and the migrations' command, in the writer's environment (its
// network reaches the servers' private endpoints), signed in to the
// failover group's read-write listener as an identity whose contained user
// alone may change the schema (db_ddladmin; the apps read and write), and
// a JobRun that starts it during pulumi up and fails the update unless it
// succeeds (again whenever the image or the command changes). Run is what
// the first wave waits for.
type Migrations struct {
	pulumi.ResourceState

	JobName pulumi.StringOutput `pulumi:"jobName"`
	// Job is the job to watch (Monitoring alerts on its failed runs).
	Job MonitoredJob
	// Run is what the first release wave waits for.
	Run *JobRun
}

// NewMigrations builds the job and its run. Pass the region's provider in
// opts.
func NewMigrations(ctx *pulumi.Context, name string, args MigrationsArgs, opts ...pulumi.ResourceOption) (*Migrations, error) {
	r := args.Region
	if r.Name == "" || r.ResourceGroup == nil || args.EnvironmentID == nil || args.Identity == nil || args.Server == nil || args.Database == "" ||
		args.Image == "" || len(args.Command) == 0 || args.Stack == "" || args.Subscription == "" {
		return nil, fmt.Errorf("migrations %s: Region, EnvironmentID, Identity, Server, Database, Image, Command, Stack and Subscription are required", name)
	}
	m := &Migrations{}
	if err := ctx.RegisterComponentResource("mobile-backend:azure:Migrations", name, m, opts...); err != nil {
		return nil, err
	}
	child := pulumi.Parent(m)
	var after []pulumi.Resource
	registry := ""
	if args.RegistryID != "" {
		pull, err := authorization.NewRoleAssignment(ctx, name+"-pulls-image", &authorization.RoleAssignmentArgs{
			PrincipalId: args.Identity.PrincipalID, PrincipalType: pulumi.String("ServicePrincipal"),
			RoleDefinitionId: roleDefinitionID(args.Subscription, AcrPull), Scope: pulumi.String(args.RegistryID),
		}, child)
		if err != nil {
			return nil, err
		}
		after = append(after, pull)
		registry, _, _ = strings.Cut(args.Image, "/")
	}
	created, err := job.NewScheduled(ctx, name, job.Args{
		JobName: resourceName(name, 32), ResourceGroup: r.ResourceGroup, Location: r.Name,
		EnvironmentID: args.EnvironmentID, IdentityID: args.Identity.ID(),
		// One retry: its AcrPull may still be propagating at the first run;
		// migration tools record what they applied (docs/delivery.md).
		Timeout: 3600, RetryLimit: 1,
		Container: "migrations", Image: args.Image, Command: args.Command, Registry: registry,
		Env: []job.Env{
			{Name: "DB_SERVER", Value: args.Server},
			{Name: "DB_NAME", Value: pulumi.String(args.Database)},
			// Its contained user: SQL's ActiveDirectoryManagedIdentity
			// with this client id.
			{Name: "AZURE_CLIENT_ID", Value: args.Identity.ClientID},
			{Name: "REGION", Value: pulumi.String(r.Name)},
			{Name: "STACK", Value: pulumi.String(args.Stack)},
			{Name: "ENVIRONMENT", Value: pulumi.String(args.Environment)},
		},
		CPU: 0.5, Memory: "1Gi", Tags: args.Tags,
	}, child, pulumi.DependsOn(after))
	if err != nil {
		return nil, err
	}
	run, err := NewJobRun(ctx, name+"-run", JobRunArgs{
		Region: r, Job: created, Stack: args.Stack, Subscription: args.Subscription,
		Tag: pulumi.String(shortHash(args.Image + "\x00" + strings.Join(args.Command, "\x00"))), TimeoutSeconds: 3600, Tags: args.Tags,
		After: args.After,
	}, child)
	if err != nil {
		return nil, err
	}
	m.JobName, m.Run, m.Job = created.Name, run, MonitoredJob{Name: "migrations", ID: created.ID}
	return m, ctx.RegisterResourceOutputs(m, pulumi.Map{"jobName": m.JobName})
}
