// Package job creates a scheduled Container Apps job of one container.
//
// It is a package of its own for build time: naming the azure-native app
// module's job types makes the compiler instantiate the inlined
// pulumi.AnyOutput accessors they reach (a scale rule's metadata), about
// 7,700 generic functions and 2 s of compile, in every package that does
// (docs/development.md). Here that cost is paid once and stays cached while
// components/azure changes.
package job

import (
	app "github.com/pulumi/pulumi-azure-native-sdk/app/v2/v20240301"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Env is one environment variable of the container.
type Env struct {
	Name  string
	Value pulumi.StringInput
}

// Args describe the job: where it runs, as whom, when, and its container,
// which runs Script with Interpreter (default bash: /bin/bash -c).
type Args struct {
	JobName       string
	ResourceGroup pulumi.StringInput
	Location      string
	EnvironmentID pulumi.StringInput
	IdentityID    pulumi.StringInput // a user-assigned identity's resource id
	Cron          string
	Timeout       int // seconds a run may take
	RetryLimit    int
	Container     string
	Image         string
	Interpreter   []string // the command before the script, e.g. python3 -c
	Script        pulumi.StringInput
	Env           []Env
	CPU           float64
	Memory        string
	Tags          pulumi.StringMapInput
}

// Job is a created job: its name and its resource id.
type Job struct {
	Name, ID pulumi.StringOutput
}

// NewScheduled creates the job (one replica per run, no parallelism) and
// returns its name and id. Not inlined: inlined into components/azure, it would
// name the slow types there.
//
//go:noinline
func NewScheduled(ctx *pulumi.Context, name string, args Args, opts ...pulumi.ResourceOption) (Job, error) {
	if len(args.Interpreter) == 0 {
		args.Interpreter = []string{"/bin/bash", "-c"}
	}
	var command pulumi.StringArray
	for _, c := range args.Interpreter {
		command = append(command, pulumi.String(c))
	}
	command = append(command, args.Script)
	env := make(app.EnvironmentVarArray, 0, len(args.Env))
	for _, e := range args.Env {
		env = append(env, &app.EnvironmentVarArgs{Name: pulumi.String(e.Name), Value: e.Value})
	}
	j, err := app.NewJob(ctx, name, &app.JobArgs{
		JobName:           pulumi.String(args.JobName),
		ResourceGroupName: args.ResourceGroup,
		Location:          pulumi.String(args.Location),
		EnvironmentId:     args.EnvironmentID,
		Identity:          &app.ManagedServiceIdentityArgs{Type: pulumi.String("UserAssigned"), UserAssignedIdentities: pulumi.StringArray{args.IdentityID}},
		Configuration: &app.JobConfigurationArgs{
			TriggerType:           pulumi.String("Schedule"),
			ScheduleTriggerConfig: &app.JobConfigurationScheduleTriggerConfigArgs{CronExpression: pulumi.String(args.Cron), Parallelism: pulumi.Int(1), ReplicaCompletionCount: pulumi.Int(1)},
			ReplicaTimeout:        pulumi.Int(args.Timeout),
			ReplicaRetryLimit:     pulumi.Int(args.RetryLimit),
		},
		Template: &app.JobTemplateArgs{Containers: app.ContainerArray{&app.ContainerArgs{
			Name:      pulumi.String(args.Container),
			Image:     pulumi.String(args.Image),
			Command:   command,
			Env:       env,
			Resources: &app.ContainerResourcesArgs{Cpu: pulumi.Float64(args.CPU), Memory: pulumi.String(args.Memory)},
		}}},
		Tags: args.Tags,
	}, opts...)
	if err != nil {
		return Job{}, err
	}
	return Job{Name: j.Name, ID: j.ID().ToStringOutput()}, nil
}
