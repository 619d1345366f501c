package azure

import (
	"fmt"

	"github.com/pulumi/pulumi-azure-native-sdk/authorization/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mobile-backend/mobile-backend/components"
	"github.com/mobile-backend/mobile-backend/components/azure/internal/job"
	"github.com/mobile-backend/mobile-backend/internal/release"
)

// SchedulesArgs configures Schedules.
type SchedulesArgs struct {
	Region  Region           // required: the region and its group (the provider in opts)
	Compute *RegionalCompute // required: the region's API (its container, identity, environment)
	// ServerID and FailoverGroup are the region's SQL server and the
	// failover group: a schedule runs where the server holds the primary.
	ServerID, FailoverGroup pulumi.StringInput
	Schedules               []components.Schedule // required
	Stack, Subscription     string                // required: the runner's custom role
	Tags                    pulumi.StringMap
}

// Schedules are the app's scheduled jobs in one region: for each, a
// Container Apps job of the API's container running its command, started
// on demand, and a runner job on the schedule's cron (internal/release's
// gate.py, run_if_primary) that starts it only if the region's SQL server
// holds the failover group's primary: every region fires, one runs it,
// the writer's, wherever a failover moved it, with no person and no
// pulumi up. The runner's identity may read the failover group and start
// these jobs, nothing else.
type Schedules struct {
	pulumi.ResourceState

	// Jobs are each schedule's job and its runner, to watch (Monitoring
	// alerts on their failed executions).
	Jobs []MonitoredJob
}

// NewSchedules builds them. Pass the region's provider in opts.
func NewSchedules(ctx *pulumi.Context, name string, args SchedulesArgs, opts ...pulumi.ResourceOption) (*Schedules, error) {
	r := args.Region
	if r.Name == "" || r.ResourceGroup == nil || args.Compute == nil || args.ServerID == nil || args.FailoverGroup == nil || len(args.Schedules) == 0 || args.Stack == "" || args.Subscription == "" {
		return nil, fmt.Errorf("schedules %s: Region, Compute, ServerID, FailoverGroup, Schedules, Stack and Subscription are required", name)
	}
	s := &Schedules{}
	if err := ctx.RegisterComponentResource("mobile-backend:azure:Schedules", name, s, opts...); err != nil {
		return nil, err
	}
	child := pulumi.Parent(s)
	api := args.Compute.job
	runner, err := NewIdentity(ctx, name+"-identity", name, "schedules", r.ResourceGroup, r.Name, args.Tags, child)
	if err != nil {
		return nil, err
	}
	roleID, role, err := customRole(ctx, name, "schedules", "Read the SQL failover group, start the schedules' jobs", args.Stack, args.Subscription, r, []string{
		"Microsoft.Sql/servers/failoverGroups/read", "Microsoft.App/jobs/read", "Microsoft.App/jobs/start/action",
	}, child)
	if err != nil {
		return nil, err
	}
	grant := func(suffix string, scope pulumi.StringInput) (pulumi.Resource, error) {
		return authorization.NewRoleAssignment(ctx, name+"-may-"+suffix, &authorization.RoleAssignmentArgs{
			PrincipalId: runner.PrincipalID, PrincipalType: pulumi.String("ServicePrincipal"),
			RoleDefinitionId: roleDefinitionID(args.Subscription, roleID), Scope: scope,
		}, child, pulumi.DependsOn([]pulumi.Resource{role}))
	}
	readsGroup, err := grant("read-failover-group", args.ServerID)
	if err != nil {
		return nil, err
	}
	for _, sc := range args.Schedules {
		base := name + "-" + sc.Name
		appJob, err := job.NewScheduled(ctx, base, job.Args{
			JobName: resourceName(base, 32), ResourceGroup: r.ResourceGroup, Location: r.Name,
			EnvironmentID: api.EnvironmentID, IdentityID: api.IdentityID,
			Timeout: 3600, RetryLimit: 1, Container: "job", Image: api.Image, Command: sc.Command,
			Env: api.Env, Secrets: api.Secrets, Registry: api.Registry, CPU: api.CPU, Memory: api.Memory, Tags: args.Tags,
		}, child, pulumi.DependsOn(api.After))
		if err != nil {
			return nil, err
		}
		starts, err := grant("start-"+sc.Name, appJob.ID)
		if err != nil {
			return nil, err
		}
		s.Jobs = append(s.Jobs, MonitoredJob{Name: "schedule-" + sc.Name, ID: appJob.ID})
		runs, err := job.NewScheduled(ctx, base+"-run", job.Args{
			JobName: resourceName(base+"-run", 32), ResourceGroup: r.ResourceGroup, Location: r.Name,
			EnvironmentID: api.EnvironmentID, IdentityID: runner.ID(),
			Cron: sc.Cron, Timeout: 300, RetryLimit: 1,
			Container: "runner", Image: PythonJobImage, Interpreter: []string{"python3", "-c"}, Script: pulumi.String(release.Gate),
			Env: []job.Env{
				{Name: "CLOUD", Value: pulumi.String("azure-schedule")},
				{Name: "REGION", Value: pulumi.String(r.Name)},
				{Name: "SCHEDULE", Value: pulumi.String(sc.Name)},
				{Name: "SERVER_ID", Value: args.ServerID},
				{Name: "FAILOVER_GROUP", Value: args.FailoverGroup},
				{Name: "JOB_ID", Value: appJob.ID},
				{Name: "AZURE_CLIENT_ID", Value: runner.ClientID},
			},
			CPU: 0.25, Memory: "0.5Gi", Tags: args.Tags,
		}, child, pulumi.DependsOn([]pulumi.Resource{readsGroup, starts}))
		if err != nil {
			return nil, err
		}
		s.Jobs = append(s.Jobs, MonitoredJob{Name: "runner-" + sc.Name, ID: runs.ID})
	}
	return s, ctx.RegisterResourceOutputs(s, pulumi.Map{})
}
