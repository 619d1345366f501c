package aws

import (
	"encoding/json"
	"fmt"
	"regexp"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ecs"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mobile-backend/mobile-backend/components"
)

// taskDefinition is what a stamp's tasks run: the task definition, its log
// group and the task role the application's permissions attach to.
type taskDefinition struct {
	task       *ecs.TaskDefinition
	containers pulumi.StringOutput // the API's container definitions (JSON)
	logs       *cloudwatch.LogGroup
	taskRole   *iam.Role
	execRole   *iam.Role
}

// newTaskDefinition builds the task's log group, the execution and task
// roles with their policies, and the task definition (the API container and
// the tracing sidecar).
func newTaskDefinition(ctx *pulumi.Context, name string, args RegionalComputeArgs, accountID string, child pulumi.ResourceOrInvokeOption) (*taskDefinition, error) {
	logs, err := cloudwatch.NewLogGroup(ctx, name+"-logs", &cloudwatch.LogGroupArgs{
		Name:            pulumi.Sprintf("/mobile-backend/%s/%s/api", args.StackName, args.Region),
		RetentionInDays: pulumi.Int(args.LogRetentionDays),
		KmsKeyId:        args.LogKeyArn,
	}, child)
	if err != nil {
		return nil, err
	}
	execRole, err := iam.NewRole(ctx, name+"-exec-role", &iam.RoleArgs{
		Description:      pulumi.String("ECS agent: pull the API image and write its logs"),
		AssumeRolePolicy: pulumi.String(assumeRoleFor("ecs-tasks.amazonaws.com", accountID)),
	}, child)
	if err != nil {
		return nil, err
	}
	var secretArns, valueFroms pulumi.StringArray
	for _, sec := range args.Secrets {
		secretArns, valueFroms = append(secretArns, sec.Arn), append(valueFroms, sec.ValueFrom)
	}
	secretsKey := args.SecretsKeyArn
	if secretsKey == nil {
		secretsKey = pulumi.String("")
	}
	execPolicy, err := iam.NewRolePolicy(ctx, name+"-exec-policy", &iam.RolePolicyArgs{
		Role: execRole.ID(),
		Policy: pulumi.All(logs.Arn, secretsKey, secretArns.ToStringArrayOutput()).ApplyT(func(v []any) string {
			st := executionStatements(v[0].(string), args.Image)
			if arns := v[2].([]string); len(arns) > 0 {
				st = append(st, secretStatements(arns, v[1].(string), args.Region)...)
			}
			return Policy(st...)
		}).(pulumi.StringOutput),
	}, child)
	if err != nil {
		return nil, err
	}
	taskRole, err := iam.NewRole(ctx, name+"-task-role", &iam.RoleArgs{
		Description:      pulumi.String("API tasks: only the permissions the application is granted"),
		AssumeRolePolicy: pulumi.String(assumeRoleFor("ecs-tasks.amazonaws.com", accountID)),
	}, child)
	if err != nil {
		return nil, err
	}
	// Traces, and ECS Exec while breakGlass is open (breakglass.go).
	var key pulumi.StringInput = pulumi.String("")
	if args.LogKeyArn != nil {
		key = args.LogKeyArn
	}
	if _, err := iam.NewRolePolicy(ctx, name+"-tracing-policy", &iam.RolePolicyArgs{
		Role: taskRole.ID(),
		Policy: pulumi.All(logs.Arn, key).ApplyT(func(v []any) string {
			return Policy(append(append([]Statement{}, tracingStatements...), breakGlassStatements(args, v[0].(string), v[1].(string))...)...)
		}).(pulumi.StringOutput),
	}, child); err != nil {
		return nil, err
	}
	if args.TaskPolicy != nil {
		if _, err := iam.NewRolePolicy(ctx, name+"-task-policy", &iam.RolePolicyArgs{
			Role:   taskRole.ID(),
			Policy: args.TaskPolicy,
		}, child); err != nil {
			return nil, err
		}
	}
	env := args.Environment
	if env == nil {
		env = pulumi.StringMap{}
	}
	containers := pulumi.All(logs.Name, env, valueFroms.ToStringArrayOutput()).ApplyT(func(v []any) (string, error) {
		var secrets []secretRef
		for i, from := range v[2].([]string) {
			secrets = append(secrets, secretRef{Name: args.Secrets[i].Name, ValueFrom: from})
		}
		return containerDefinitions(args, v[0].(string), v[1].(map[string]string), secrets)
	}).(pulumi.StringOutput)
	task, err := ecs.NewTaskDefinition(ctx, name+"-task", &ecs.TaskDefinitionArgs{
		Family:                  pulumi.String(name + "-api"),
		RequiresCompatibilities: pulumi.StringArray{pulumi.String("FARGATE")},
		NetworkMode:             pulumi.String("awsvpc"),
		Cpu:                     pulumi.String(fmt.Sprint(args.CPU)),
		Memory:                  pulumi.String(fmt.Sprint(args.Memory)),
		ExecutionRoleArn:        execRole.Arn,
		TaskRoleArn:             taskRole.Arn,
		ContainerDefinitions:    containers,
		RuntimePlatform: &ecs.TaskDefinitionRuntimePlatformArgs{
			OperatingSystemFamily: pulumi.String("LINUX"),
			CpuArchitecture:       pulumi.String("X86_64"),
		},
	}, child, pulumi.DependsOn([]pulumi.Resource{execPolicy})) // the agent reads the secrets as the task starts
	if err != nil {
		return nil, err
	}
	return &taskDefinition{task: task, containers: containers, logs: logs, taskRole: taskRole, execRole: execRole}, nil
}

// privateECR matches a private ECR image reference: account, region, repository.
var privateECR = regexp.MustCompile(`^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com/([^:@]+)`)

// RegionalImage is a private ECR image as pulled from another region's
// replica of its registry (ECR replication keeps the account, repository
// and digest; only the registry's region changes); any other image as it is.
func RegionalImage(image, region string) string {
	m := privateECR.FindStringSubmatchIndex(image)
	if m == nil {
		return image
	}
	return image[:m[4]] + region + image[m[5]:]
}

// executionStatements are the ECS agent's permissions: write to the task's
// log group and, for a private ECR image, pull from that one repository.
func executionStatements(logGroupArn, image string) []Statement {
	st := []Statement{{
		Sid:      "WriteTaskLogs",
		Effect:   "Allow",
		Action:   []string{"logs:CreateLogStream", "logs:PutLogEvents"},
		Resource: []string{logGroupArn + ":*"},
	}}
	if m := privateECR.FindStringSubmatch(image); m != nil {
		st = append(st,
			Statement{Sid: "EcrAuth", Effect: "Allow", Action: []string{"ecr:GetAuthorizationToken"}, Resource: []string{"*"}}, // the API has no resource-level permission
			Statement{Sid: "PullApiImage", Effect: "Allow",
				Action:   []string{"ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"},
				Resource: []string{fmt.Sprintf("arn:aws:ecr:%s:%s:repository/%s", m[2], m[1], m[3])}},
		)
	}
	return st
}

// secretStatements let the ECS agent read the app's secrets and decrypt
// them with the region's key ("secretsmanager:GetSecretValue … kms:Decrypt
// – Required only if your secret uses a custom KMS key", ECS developer
// guide), through Secrets Manager only.
func secretStatements(secretArns []string, keyArn, region string) []Statement {
	return []Statement{
		{Sid: "ReadAppSecrets", Effect: "Allow", Action: []string{"secretsmanager:GetSecretValue"}, Resource: secretArns},
		{Sid: "DecryptAppSecrets", Effect: "Allow", Action: []string{"kms:Decrypt"}, Resource: []string{keyArn},
			Condition: map[string]map[string]string{"StringEquals": {"kms:ViaService": "secretsmanager." + region + ".amazonaws.com"}}},
	}
}

type containerDefinition struct {
	Name             string           `json:"name"`
	Image            string           `json:"image"`
	Essential        bool             `json:"essential"`
	Command          []string         `json:"command,omitempty"`
	PortMappings     []portMapping    `json:"portMappings"`
	Environment      []keyValue       `json:"environment"`
	Secrets          []secretRef      `json:"secrets,omitempty"`
	LogConfiguration logConfiguration `json:"logConfiguration"`
	StopTimeout      int              `json:"stopTimeout"`
	Ulimits          []ulimit         `json:"ulimits,omitempty"`
}

type portMapping struct {
	ContainerPort int    `json:"containerPort"`
	Protocol      string `json:"protocol"`
}

// secretRef is a container secret: an environment variable from Secrets
// Manager (ContainerDefinition.secrets).
type secretRef struct {
	Name      string `json:"name"`
	ValueFrom string `json:"valueFrom"`
}

type keyValue struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type logConfiguration struct {
	LogDriver string            `json:"logDriver"`
	Options   map[string]string `json:"options"`
}

type ulimit struct {
	Name      string `json:"name"`
	SoftLimit int    `json:"softLimit"`
	HardLimit int    `json:"hardLimit"`
}

// containerDefinitions is the task's container list as ECS expects it.
func containerDefinitions(args RegionalComputeArgs, logGroup string, extra map[string]string, secrets []secretRef) (string, error) {
	env := map[string]string{
		"REGION":      args.Region,
		"STACK":       args.StackName,
		"ENVIRONMENT": args.EnvironmentName,
		"PORT":        fmt.Sprint(args.ContainerPort),
		// OpenTelemetry SDKs read these: traces go to the sidecar.
		"OTEL_EXPORTER_OTLP_ENDPOINT": "http://localhost:4317",
		"OTEL_SERVICE_NAME":           args.StackName + "-api",
		"OTEL_RESOURCE_ATTRIBUTES":    "cloud.region=" + args.Region + ",deployment.environment=" + args.EnvironmentName,
		"OTEL_PROPAGATORS":            "tracecontext,xray",
	}
	for k, v := range extra {
		env[k] = v
	}
	var kv []keyValue
	for _, k := range components.SortedKeys(env) {
		kv = append(kv, keyValue{Name: k, Value: env[k]})
	}
	collectorEnv := []keyValue{{Name: "AOT_CONFIG_CONTENT", Value: fmt.Sprintf(collectorConfig, args.Region)}}
	b, err := json.Marshal([]containerDefinition{{
		Name:         containerName,
		Image:        args.Image,
		Essential:    true,
		PortMappings: []portMapping{{ContainerPort: args.ContainerPort, Protocol: "tcp"}},
		Environment:  kv,
		Secrets:      secrets,
		LogConfiguration: logConfiguration{LogDriver: "awslogs", Options: map[string]string{
			"awslogs-group":         logGroup,
			"awslogs-region":        args.Region,
			"awslogs-stream-prefix": containerName,
		}},
		// Deregistration takes 30 s; give in-flight requests that long to finish.
		StopTimeout: 30,
		Ulimits:     []ulimit{{Name: "nofile", SoftLimit: 65536, HardLimit: 65536}},
	}, {
		// The tracing sidecar: the API sends OpenTelemetry traces to it on
		// localhost; it forwards them to X-Ray. Not essential: the API keeps
		// serving if it stops.
		Name:         collectorName,
		Image:        CollectorImage,
		Essential:    false,
		PortMappings: []portMapping{},
		Environment:  collectorEnv,
		LogConfiguration: logConfiguration{LogDriver: "awslogs", Options: map[string]string{
			"awslogs-group":         logGroup,
			"awslogs-region":        args.Region,
			"awslogs-stream-prefix": collectorName,
		}},
		StopTimeout: 10,
	}})
	return string(b), err
}

// workerDefinitions are the API's container definitions run as a worker:
// the API container named worker, running the worker's command, with no
// port; the tracing sidecar as it is.
func workerDefinitions(api string, command []string) (string, error) {
	var defs []containerDefinition
	if err := json.Unmarshal([]byte(api), &defs); err != nil {
		return "", err
	}
	for i := range defs {
		if defs[i].Name == containerName {
			defs[i].Name, defs[i].Command, defs[i].PortMappings = workerContainer, command, []portMapping{}
		}
	}
	b, err := json.Marshal(defs)
	return string(b), err
}
