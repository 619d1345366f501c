package azure

import (
	"fmt"

	resources "github.com/pulumi/pulumi-azure-native-sdk/resources/v2/v20230801"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mobile-backend/mobile-backend/components/azure/internal/job"
)

// JobRunArgs configures a JobRun.
type JobRunArgs struct {
	Region Region  // required: the job's region and resource group
	Job    job.Job // required: the Container Apps job to run
	// Stack and Subscription name the script's custom role. Required.
	Stack, Subscription string
	// Tag is the script's forceUpdateTag: a new value runs the job again.
	Tag pulumi.StringInput
	// TimeoutSeconds bounds the wait for the execution (all its retries).
	TimeoutSeconds int
	Tags           pulumi.StringMap
	// After are what must have run first (a component's dependsOn does not
	// hold back its children: this one holds back the script).
	After []pulumi.Resource
}

// JobRun runs a Container Apps job during pulumi up and fails the update
// unless its execution succeeds: a deployment script (newDeployScript)
// that starts an execution (POST …/jobs/{name}/start) and polls it
// (…/executions/{name}) until it succeeds, or fails with its status and
// where its logs are (internal/release's gate.py, run_job). The job itself
// runs in its environment's network (the script cannot reach the private
// database; the job can).
type JobRun struct {
	pulumi.ResourceState

	// Script is what waits for the run.
	Script *resources.AzureCliScript
}

// NewJobRun builds it. Pass the region's provider in opts.
func NewJobRun(ctx *pulumi.Context, name string, args JobRunArgs, opts ...pulumi.ResourceOption) (*JobRun, error) {
	if args.Region.Name == "" || args.Region.ResourceGroup == nil || args.Stack == "" || args.Subscription == "" || args.Tag == nil {
		return nil, fmt.Errorf("job run %s: Region (with ResourceGroup), Job, Stack, Subscription and Tag are required", name)
	}
	if args.TimeoutSeconds == 0 {
		args.TimeoutSeconds = 1800
	}
	j := &JobRun{}
	if err := ctx.RegisterComponentResource("mobile-backend:azure:JobRun", name, j, opts...); err != nil {
		return nil, err
	}
	script, err := newDeployScript(ctx, name, deployScriptArgs{
		Region: args.Region, Stack: args.Stack, Subscription: args.Subscription, Component: "job-run", Scope: args.Job.ID,
		RoleTitle: "Start a Container Apps job and read its executions",
		// Both execution reads: which one ARM checks for one execution is
		// not documented ("Azure permissions for Compute", microsoft.app).
		Actions: []string{"Microsoft.App/jobs/read", "Microsoft.App/jobs/start/action", "Microsoft.App/jobs/execution/read", "Microsoft.App/jobs/executions/read"},
		Env: []scriptEnv{
			{"CLOUD", pulumi.String("azure-job")},
			{"JOB_ID", args.Job.ID},
			{"TIMEOUT_SECONDS", pulumi.String(fmt.Sprint(args.TimeoutSeconds))},
		},
		Tag: args.Tag, TimeoutSeconds: args.TimeoutSeconds + 600 + 120, Tags: args.Tags, After: args.After,
	}, pulumi.Parent(j))
	if err != nil {
		return nil, err
	}
	j.Script = script
	return j, ctx.RegisterResourceOutputs(j, pulumi.Map{})
}
