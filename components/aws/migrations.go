package aws

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ecs"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lambda"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/vpc"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// MigrationsContainer is the migrations task's one container.
const MigrationsContainer = "migrations"

// MigrationsArgs configures Migrations.
type MigrationsArgs struct {
	Region  string           // required: the writer's region (the provider in opts)
	Account string           // required
	Network *RegionalNetwork // required: the region's network (private subnets, NAT egress)
	// Database is the Aurora global database: the task signs in to the
	// region's cluster as its master user, the schema's owner. Required.
	Database     *GlobalDatabase
	DatabaseName string   // required
	Image        string   // required: the image the command runs in
	Command      []string // required: the command and its arguments
	// Stack and Environment are passed as STACK and ENVIRONMENT.
	Stack, Environment string
	LogRetentionDays   int
	KeyArn             pulumi.StringInput // the region's key: the logs
	// After are what must exist first: the database users job.
	After []pulumi.Resource
}

// Migrations runs the schema migrations once per release, before the
// first release wave: an ECS task of the release's image and the
// migrations' command in a cluster of its own in the writer region's
// private subnets, signed in as the database's master user (its password
// from the cluster's secret, by reference: the only identity that may
// change the schema; the apps read and write). A Lambda function that the
// deployment invokes (lambda.Invocation, again whenever the task
// definition changes: a new image or command) starts the task, waits for
// it to stop and fails the update unless its container exited 0, naming
// the exit status and the log stream (internal/release's gate.py,
// migrate). Invocation is what the first wave waits for.
type Migrations struct {
	pulumi.ResourceState

	TaskDefinitionArn pulumi.StringOutput `pulumi:"taskDefinitionArn"`
	LogGroupName      pulumi.StringOutput `pulumi:"logGroupName"`
	// Invocation is what the first release wave waits for.
	Invocation *lambda.Invocation
}

// NewMigrations builds the migrations' task and their runner. Pass the
// region's provider in opts.
func NewMigrations(ctx *pulumi.Context, name string, args MigrationsArgs, opts ...pulumi.ResourceOption) (*Migrations, error) {
	if args.Region == "" || args.Account == "" || args.Network == nil || args.Database == nil || args.DatabaseName == "" || args.Image == "" || len(args.Command) == 0 {
		return nil, fmt.Errorf("migrations %s: Region, Account, Network, Database, DatabaseName, Image and Command are required", name)
	}
	if args.LogRetentionDays == 0 {
		args.LogRetentionDays = 30
	}
	m := &Migrations{}
	if err := ctx.RegisterComponentResource("mobile-backend:aws:Migrations", name, m, opts...); err != nil {
		return nil, err
	}
	child := pulumi.Parent(m)
	region, db := args.Region, args.Database
	secret, key := db.secrets[region], db.keys[region]

	taskLogs, err := cloudwatch.NewLogGroup(ctx, name+"-logs", &cloudwatch.LogGroupArgs{
		Name: pulumi.String("/mobile-backend/" + name), RetentionInDays: pulumi.Int(args.LogRetentionDays), KmsKeyId: args.KeyArn,
	}, child)
	if err != nil {
		return nil, err
	}
	// The ECS agent pulls the image, writes the logs and reads the master
	// password for the container; the task itself needs no AWS permission.
	execRole, err := iam.NewRole(ctx, name+"-exec-role", &iam.RoleArgs{
		Description:      pulumi.String("mobile-backend migrations: pull the image, write logs, read the master password"),
		AssumeRolePolicy: pulumi.String(assumeRoleFor("ecs-tasks.amazonaws.com", args.Account)),
	}, child)
	if err != nil {
		return nil, err
	}
	execPolicy, err := iam.NewRolePolicy(ctx, name+"-exec-policy", &iam.RolePolicyArgs{
		Role: execRole.ID(),
		Policy: pulumi.All(taskLogs.Arn, secret, key).ApplyT(func(v []any) string {
			return Policy(append(executionStatements(v[0].(string), args.Image), secretStatements([]string{v[1].(string)}, v[2].(string), region)...)...)
		}).(pulumi.StringOutput),
	}, child)
	if err != nil {
		return nil, err
	}
	taskRole, err := iam.NewRole(ctx, name+"-task-role", &iam.RoleArgs{
		Description:      pulumi.String("mobile-backend migrations task: no AWS permission"),
		AssumeRolePolicy: pulumi.String(assumeRoleFor("ecs-tasks.amazonaws.com", args.Account)),
	}, child)
	if err != nil {
		return nil, err
	}
	containers := pulumi.All(taskLogs.Name, db.writers[region], secret).ApplyT(func(v []any) (string, error) {
		env := []keyValue{
			{"DB_HOST", v[1].(string)}, {"DB_NAME", args.DatabaseName}, {"DB_PORT", fmt.Sprint(PostgresPort)},
			{"DB_USER", MasterUsername}, {"ENVIRONMENT", args.Environment},
			{"REGION", region}, {"STACK", args.Stack},
		}
		b, err := json.Marshal([]containerDefinition{{
			Name: MigrationsContainer, Image: args.Image, Essential: true, Command: args.Command,
			PortMappings: []portMapping{}, Environment: env,
			// The JSON key of the cluster's secret (ECS: "valueFrom":
			// "arn:…:secret:name:json-key::").
			Secrets: []secretRef{{Name: "DB_PASSWORD", ValueFrom: v[2].(string) + ":password::"}},
			LogConfiguration: logConfiguration{LogDriver: "awslogs", Options: map[string]string{
				"awslogs-group": v[0].(string), "awslogs-region": region, "awslogs-stream-prefix": "migrations",
			}},
			StopTimeout: 30,
		}})
		return string(b), err
	}).(pulumi.StringOutput)
	task, err := ecs.NewTaskDefinition(ctx, name+"-task", &ecs.TaskDefinitionArgs{
		Family:                  pulumi.String(name),
		RequiresCompatibilities: pulumi.StringArray{pulumi.String("FARGATE")},
		NetworkMode:             pulumi.String("awsvpc"),
		Cpu:                     pulumi.String("512"), Memory: pulumi.String("1024"),
		ExecutionRoleArn: execRole.Arn, TaskRoleArn: taskRole.Arn,
		ContainerDefinitions: containers,
		RuntimePlatform:      &ecs.TaskDefinitionRuntimePlatformArgs{OperatingSystemFamily: pulumi.String("LINUX"), CpuArchitecture: pulumi.String("X86_64")},
	}, child, pulumi.DependsOn([]pulumi.Resource{execPolicy}))
	if err != nil {
		return nil, err
	}
	cluster, err := ecs.NewCluster(ctx, name+"-cluster", &ecs.ClusterArgs{
		Settings: ecs.ClusterSettingArray{&ecs.ClusterSettingArgs{Name: pulumi.String("containerInsights"), Value: pulumi.String("enabled")}},
	}, child)
	if err != nil {
		return nil, err
	}

	// Out to the writer on PostgreSQL, and to HTTPS (the registry, Secrets
	// Manager, CloudWatch Logs) through the NAT gateways; nothing in.
	sg, err := ec2.NewSecurityGroup(ctx, name+"-sg", &ec2.SecurityGroupArgs{
		VpcId: args.Network.VpcID, Description: pulumi.String("mobile-backend migrations task"), Tags: nameTag(fit(name, 255)),
	}, child)
	if err != nil {
		return nil, err
	}
	rules := []pulumi.Resource{}
	for _, r := range []struct {
		suffix, description string
		port                int
		ingress             bool
	}{{"-to-db", "PostgreSQL to the writer", PostgresPort, false}, {"-to-https", "HTTPS: the registry, Secrets Manager, CloudWatch Logs", 443, false}, {"-db-in", "PostgreSQL from the migrations task", PostgresPort, true}} {
		var rule pulumi.Resource
		switch {
		case r.ingress:
			rule, err = vpc.NewSecurityGroupIngressRule(ctx, name+r.suffix, &vpc.SecurityGroupIngressRuleArgs{
				SecurityGroupId: db.securityGroups[region], Description: pulumi.String(r.description), IpProtocol: pulumi.String("tcp"),
				FromPort: pulumi.Int(r.port), ToPort: pulumi.Int(r.port), ReferencedSecurityGroupId: sg.ID(),
			}, child)
		case r.port == PostgresPort:
			rule, err = vpc.NewSecurityGroupEgressRule(ctx, name+r.suffix, &vpc.SecurityGroupEgressRuleArgs{
				SecurityGroupId: sg.ID(), Description: pulumi.String(r.description), IpProtocol: pulumi.String("tcp"),
				FromPort: pulumi.Int(r.port), ToPort: pulumi.Int(r.port), ReferencedSecurityGroupId: db.securityGroups[region],
			}, child)
		default:
			rule, err = vpc.NewSecurityGroupEgressRule(ctx, name+r.suffix, &vpc.SecurityGroupEgressRuleArgs{
				SecurityGroupId: sg.ID(), Description: pulumi.String(r.description), IpProtocol: pulumi.String("tcp"),
				FromPort: pulumi.Int(r.port), ToPort: pulumi.Int(r.port), CidrIpv4: pulumi.String("0.0.0.0/0"),
			}, child)
		}
		if err != nil {
			return nil, err
		}
		rules = append(rules, rule)
	}

	// The runner: starts the task, waits, reads its exit status.
	fnName := fit(name+"-run", 64)
	runLogs, runRole, err := functionIdentity(ctx, name+"-run", fnName, args.Account, "mobile-backend migrations runner: run the migrations task and read how it ended", args.LogRetentionDays, args.KeyArn, child)
	if err != nil {
		return nil, err
	}
	runPolicy, err := iam.NewRolePolicy(ctx, name+"-run-policy", &iam.RolePolicyArgs{
		Role: runRole.ID(),
		Policy: pulumi.All(runLogs.Arn, task.ArnWithoutRevision, cluster.Arn, cluster.Name, execRole.Arn, taskRole.Arn).ApplyT(func(v []any) string {
			tasks := fmt.Sprintf("arn:aws:ecs:%s:%s:task/%s/*", region, args.Account, v[3].(string))
			return Policy(
				Statement{Sid: "WriteLogs", Effect: "Allow", Action: []string{"logs:CreateLogStream", "logs:PutLogEvents"}, Resource: []string{v[0].(string) + ":*"}},
				// RunTask on the family's revisions, in this cluster only.
				Statement{Sid: "RunTheMigrations", Effect: "Allow", Action: []string{"ecs:RunTask"}, Resource: []string{v[1].(string) + ":*"},
					Condition: map[string]map[string]string{"ArnEquals": {"ecs:cluster": v[2].(string)}}},
				Statement{Sid: "WatchAndStopThem", Effect: "Allow", Action: []string{"ecs:DescribeTasks", "ecs:StopTask"}, Resource: []string{tasks}},
				Statement{Sid: "PassTheTasksRoles", Effect: "Allow", Action: []string{"iam:PassRole"}, Resource: []string{v[4].(string), v[5].(string)},
					Condition: map[string]map[string]string{"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}}},
			)
		}).(pulumi.StringOutput),
	}, child)
	if err != nil {
		return nil, err
	}
	fn, err := lambda.NewFunction(ctx, name+"-run", &lambda.FunctionArgs{
		Name:        pulumi.String(fnName),
		Description: pulumi.String("mobile-backend: run the schema migrations before the first release wave"),
		Runtime:     pulumi.String(ReleaseGateRuntime),
		Handler:     pulumi.String("index.migrate"),
		Role:        runRole.Arn,
		Timeout:     pulumi.Int(900), // Lambda's maximum: the migrations have about 14 minutes
		MemorySize:  pulumi.Int(128),
		Code:        lambdaCode(),
		Environment: &lambda.FunctionEnvironmentArgs{Variables: pulumi.StringMap{
			"REGION": pulumi.String(region), "CLUSTER": cluster.Arn, "CONTAINER": pulumi.String(MigrationsContainer),
			"SUBNETS":        args.Network.PrivateSubnetIDs.ToStringArrayOutput().ApplyT(func(ids []string) string { return strings.Join(ids, ",") }).(pulumi.StringOutput),
			"SECURITY_GROUP": sg.ID().ToStringOutput(), "LOG_GROUP": taskLogs.Name, "LOG_PREFIX": pulumi.String("migrations"),
		}},
	}, child, pulumi.DependsOn([]pulumi.Resource{runPolicy, runLogs}))
	if err != nil {
		return nil, err
	}
	inv, err := lambda.NewInvocation(ctx, name, &lambda.InvocationArgs{
		FunctionName: fn.Name,
		Input: task.Arn.ApplyT(func(arn string) (string, error) {
			b, err := json.Marshal(map[string]string{"TASK_DEFINITION": arn})
			return string(b), err
		}).(pulumi.StringOutput),
		// A new image or command is a new task definition: run again.
		Triggers: pulumi.StringMap{"taskDefinition": task.Arn},
	}, child, pulumi.DependsOn(append(append(rules, db.instances[region]...), args.After...)))
	if err != nil {
		return nil, err
	}
	m.TaskDefinitionArn, m.LogGroupName, m.Invocation = task.Arn, taskLogs.Name, inv
	return m, ctx.RegisterResourceOutputs(m, pulumi.Map{"taskDefinitionArn": m.TaskDefinitionArn, "logGroupName": m.LogGroupName})
}
