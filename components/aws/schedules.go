package aws

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ecs"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lambda"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/scheduler"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mobile-backend/mobile-backend/components"
)

// SchedulesArgs configures Schedules.
type SchedulesArgs struct {
	Region  string           // required: the region of the provider in opts
	Account string           // required
	Compute *RegionalCompute // required: the region's API (its cluster, containers, roles)
	// GlobalClusterID and ClusterArn are the Aurora global database and
	// this region's member: a schedule runs where the member is the writer.
	GlobalClusterID, GlobalClusterArn, ClusterArn pulumi.StringInput
	Schedules                                     []components.Schedule // required
	LogRetentionDays                              int
	KeyArn                                        pulumi.StringInput // the region's key: the runner's logs
}

// Schedules are the app's scheduled jobs in one region: for each, an
// EventBridge Scheduler schedule that calls the region's runner, and a task
// definition of the API's containers running its command. Every region
// has them (a lost one simply does not fire); the runner
// (internal/release's gate.py, scheduled) runs the task only where the
// region's Aurora cluster is the global database's writer, so each job runs
// once for the stack, next to the writer, and after a failover in the new
// writer's region without a person or a pulumi up.
type Schedules struct {
	pulumi.ResourceState

	FunctionName pulumi.StringOutput `pulumi:"functionName"`
}

// NewSchedules builds them. Pass the region's provider in opts.
func NewSchedules(ctx *pulumi.Context, name string, args SchedulesArgs, opts ...pulumi.ResourceOption) (*Schedules, error) {
	if args.Region == "" || args.Account == "" || args.Compute == nil || args.GlobalClusterID == nil || args.ClusterArn == nil || len(args.Schedules) == 0 {
		return nil, fmt.Errorf("schedules %s: Region, Account, Compute, GlobalClusterID, ClusterArn and Schedules are required", name)
	}
	if args.LogRetentionDays == 0 {
		args.LogRetentionDays = 30
	}
	s := &Schedules{}
	if err := ctx.RegisterComponentResource("mobile-backend:aws:Schedules", name, s, opts...); err != nil {
		return nil, err
	}
	child := pulumi.Parent(s)
	c := args.Compute
	var families []string
	tasks := map[string]*ecs.TaskDefinition{}
	for _, sc := range args.Schedules {
		family := fit(name+"-"+sc.Name, 255)
		families = append(families, family)
		containers := c.Containers.ApplyT(func(api string) (string, error) { return workerDefinitions(api, sc.Command) }).(pulumi.StringOutput)
		task, err := ecs.NewTaskDefinition(ctx, name+"-"+sc.Name+"-task", &ecs.TaskDefinitionArgs{
			Family:                  pulumi.String(family),
			RequiresCompatibilities: pulumi.StringArray{pulumi.String("FARGATE")},
			NetworkMode:             pulumi.String("awsvpc"),
			Cpu:                     pulumi.String("512"), Memory: pulumi.String("1024"),
			TaskRoleArn:          c.TaskRoleArns.Index(pulumi.Int(0)),
			ExecutionRoleArn:     c.TaskRoleArns.Index(pulumi.Int(1)),
			ContainerDefinitions: containers,
			RuntimePlatform:      &ecs.TaskDefinitionRuntimePlatformArgs{OperatingSystemFamily: pulumi.String("LINUX"), CpuArchitecture: pulumi.String("X86_64")},
		}, child, pulumi.DependsOn([]pulumi.Resource{c.Service}))
		if err != nil {
			return nil, err
		}
		tasks[sc.Name] = task
	}

	fnName := fit(name+"-run", 64)
	logs, role, err := functionIdentity(ctx, name+"-run", fnName, args.Account, "mobile-backend schedules runner: ask where the writer is, run the schedule's task there", args.LogRetentionDays, args.KeyArn, child)
	if err != nil {
		return nil, err
	}
	policy, err := iam.NewRolePolicy(ctx, name+"-run-policy", &iam.RolePolicyArgs{
		Role: role.ID(),
		Policy: pulumi.All(logs.Arn, args.GlobalClusterArn, c.ClusterArn, c.TaskRoleArns).ApplyT(func(v []any) string {
			var defs []string
			for _, f := range families {
				defs = append(defs, fmt.Sprintf("arn:aws:ecs:%s:%s:task-definition/%s:*", args.Region, args.Account, f))
			}
			return Policy(
				Statement{Sid: "WriteLogs", Effect: "Allow", Action: []string{"logs:CreateLogStream", "logs:PutLogEvents"}, Resource: []string{v[0].(string) + ":*"}},
				Statement{Sid: "WhereIsTheWriter", Effect: "Allow", Action: []string{"rds:DescribeGlobalClusters"}, Resource: []string{v[1].(string)}},
				Statement{Sid: "RunTheSchedules", Effect: "Allow", Action: []string{"ecs:RunTask"}, Resource: defs,
					Condition: map[string]map[string]string{"ArnEquals": {"ecs:cluster": v[2].(string)}}},
				Statement{Sid: "PassTheTasksRoles", Effect: "Allow", Action: []string{"iam:PassRole"}, Resource: v[3].([]string),
					Condition: map[string]map[string]string{"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}}},
			)
		}).(pulumi.StringOutput),
	}, child)
	if err != nil {
		return nil, err
	}
	net := c.network
	fn, err := lambda.NewFunction(ctx, name+"-run", &lambda.FunctionArgs{
		Name:        pulumi.String(fnName),
		Description: pulumi.String("mobile-backend: run a scheduled job if this region holds the writer"),
		Runtime:     pulumi.String(ReleaseGateRuntime),
		Handler:     pulumi.String("index.scheduled"),
		Role:        role.Arn,
		Timeout:     pulumi.Int(60),
		MemorySize:  pulumi.Int(128),
		Code:        lambdaCode(),
		Environment: &lambda.FunctionEnvironmentArgs{Variables: pulumi.StringMap{
			"REGION": pulumi.String(args.Region), "GLOBAL_CLUSTER": args.GlobalClusterID, "CLUSTER_ARN": args.ClusterArn,
			"ECS_CLUSTER": c.ClusterName, "SECURITY_GROUP": net.TaskSecurityGroupID,
			"SUBNETS": net.PrivateSubnetIDs.ToStringArrayOutput().ApplyT(func(ids []string) string { return strings.Join(ids, ",") }).(pulumi.StringOutput),
		}},
	}, child, pulumi.DependsOn([]pulumi.Resource{policy, logs}))
	if err != nil {
		return nil, err
	}
	invoker, err := iam.NewRole(ctx, name+"-scheduler-role", &iam.RoleArgs{
		Description:      pulumi.String("EventBridge Scheduler: call the schedules runner"),
		AssumeRolePolicy: pulumi.String(assumeRoleFor("scheduler.amazonaws.com", args.Account)),
		InlinePolicies: iam.RoleInlinePolicyArray{&iam.RoleInlinePolicyArgs{
			Name: pulumi.String("invoke-the-runner"),
			Policy: fn.Arn.ApplyT(func(arn string) string {
				return Policy(Statement{Sid: "InvokeTheRunner", Effect: "Allow", Action: []string{"lambda:InvokeFunction"}, Resource: []string{arn}})
			}).(pulumi.StringOutput),
		}},
	}, child)
	if err != nil {
		return nil, err
	}
	for _, sc := range args.Schedules {
		input := tasks[sc.Name].Arn.ApplyT(func(arn string) (string, error) {
			b, err := json.Marshal(map[string]string{"SCHEDULE": sc.Name, "TASK_DEFINITION": arn})
			return string(b), err
		}).(pulumi.StringOutput)
		if _, err := scheduler.NewSchedule(ctx, name+"-"+sc.Name, &scheduler.ScheduleArgs{
			Name:                       pulumi.String(fit(name+"-"+sc.Name, 64)),
			Description:                pulumi.String("mobile-backend schedule " + sc.Name + ": " + sc.Cron + " UTC"),
			ScheduleExpression:         pulumi.String(AWSCron(sc.Cron)),
			ScheduleExpressionTimezone: pulumi.String("UTC"),
			FlexibleTimeWindow:         &scheduler.ScheduleFlexibleTimeWindowArgs{Mode: pulumi.String("OFF")},
			Target: &scheduler.ScheduleTargetArgs{
				Arn: fn.Arn, RoleArn: invoker.Arn, Input: input,
				RetryPolicy: &scheduler.ScheduleTargetRetryPolicyArgs{MaximumRetryAttempts: pulumi.Int(2)},
			},
		}, child); err != nil {
			return nil, err
		}
	}
	s.FunctionName = fn.Name
	return s, ctx.RegisterResourceOutputs(s, pulumi.Map{"functionName": s.FunctionName})
}

// AWSCron is a five-field cron as EventBridge Scheduler takes it:
// cron(minutes hours day-of-month month day-of-week year), "?" in the day
// field left open, days of the week 1-7 from Sunday ("Schedule types on
// EventBridge Scheduler").
func AWSCron(cron string) string {
	f := strings.Fields(cron)
	if len(f) != 5 {
		return ""
	}
	dom, dow := f[2], f[4]
	if dow == "*" {
		dow = "?"
	} else {
		dom, dow = "?", weekdays.ReplaceAllStringFunc(dow, func(n string) string {
			v, _ := strconv.Atoi(n)
			return strconv.Itoa(v%7 + 1) // unix 0 and 7 are Sunday, AWS's 1
		})
	}
	return fmt.Sprintf("cron(%s %s %s %s %s *)", f[0], f[1], dom, f[3], dow)
}

var weekdays = regexp.MustCompile(`\d+`)
