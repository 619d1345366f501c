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

// Env is one environment variable of the container: a value, or a
// secret's (SecretRef names one of Args.Secrets).
type Env struct {
	Name      string
	Value     pulumi.StringInput
	SecretRef string
}

// Secret is a Key Vault secret the job's identity reads (a Container Apps
// secret by reference).
type Secret struct {
	Name        string
	KeyVaultURL pulumi.StringInput
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
	// Command, when set, is the container's command and arguments instead
	// of Interpreter and Script (the image's own program).
	Command []string
	// Registry, when set, is where the image is pulled from, as the job's
	// identity (a private Azure Container Registry).
	Registry string
	// Secrets are Key Vault secrets the job's identity reads, for Env
	// entries that name them.
	Secrets []Secret
}

// Job is a created job: its name and its resource id.
type Job struct {
	Name, ID pulumi.StringOutput
}

// NewScheduled creates the job (one replica per run, no parallelism; on
// its schedule, or with no Cron started on demand) and returns its name and
// id. Not inlined: inlined into components/azure, it would
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
	var argv pulumi.StringArray
	if len(args.Command) > 0 {
		command, argv = pulumi.StringArray{pulumi.String(args.Command[0])}, pulumi.ToStringArray(args.Command[1:])
	}
	// No schedule: started on demand (a JobRun at deploy).
	trigger := &app.JobConfigurationArgs{TriggerType: pulumi.String("Manual"),
		ManualTriggerConfig: &app.JobConfigurationManualTriggerConfigArgs{Parallelism: pulumi.Int(1), ReplicaCompletionCount: pulumi.Int(1)}}
	if args.Cron != "" {
		trigger = &app.JobConfigurationArgs{TriggerType: pulumi.String("Schedule"),
			ScheduleTriggerConfig: &app.JobConfigurationScheduleTriggerConfigArgs{CronExpression: pulumi.String(args.Cron), Parallelism: pulumi.Int(1), ReplicaCompletionCount: pulumi.Int(1)}}
	}
	trigger.ReplicaTimeout, trigger.ReplicaRetryLimit = pulumi.Int(args.Timeout), pulumi.Int(args.RetryLimit)
	if len(args.Secrets) > 0 {
		var secrets app.SecretArray
		for _, sec := range args.Secrets {
			secrets = append(secrets, &app.SecretArgs{Name: pulumi.String(sec.Name), KeyVaultUrl: sec.KeyVaultURL, Identity: args.IdentityID})
		}
		trigger.Secrets = secrets
	}
	if args.Registry != "" {
		trigger.Registries = app.RegistryCredentialsArray{&app.RegistryCredentialsArgs{Server: pulumi.String(args.Registry), Identity: args.IdentityID}}
	}
	env := make(app.EnvironmentVarArray, 0, len(args.Env))
	for _, e := range args.Env {
		if e.SecretRef != "" {
			env = append(env, &app.EnvironmentVarArgs{Name: pulumi.String(e.Name), SecretRef: pulumi.String(e.SecretRef)})
			continue
		}
		env = append(env, &app.EnvironmentVarArgs{Name: pulumi.String(e.Name), Value: e.Value})
	}
	j, err := app.NewJob(ctx, name, &app.JobArgs{
		JobName:           pulumi.String(args.JobName),
		ResourceGroupName: args.ResourceGroup,
		Location:          pulumi.String(args.Location),
		EnvironmentId:     args.EnvironmentID,
		Identity:          &app.ManagedServiceIdentityArgs{Type: pulumi.String("UserAssigned"), UserAssignedIdentities: pulumi.StringArray{args.IdentityID}},
		Configuration:     trigger,
		Template: &app.JobTemplateArgs{Containers: app.ContainerArray{&app.ContainerArgs{
			Name:      pulumi.String(args.Container),
			Image:     pulumi.String(args.Image),
			Command:   command,
			Args:      argv,
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
