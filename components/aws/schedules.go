package aws

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ecs"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lambda"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/scheduler"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mobile-backend/mobile-backend/components"
	"github.com/mobile-backend/mobile-backend/internal/release"
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
	KeyArn                                        pulumi.StringInput // the region's key: the runner's logs, and the alert topic's
	// AlertTopicArn is the region's on-call topic (Monitoring.TopicArns):
	// a job that does not exit 0, and a runner or schedule that fails,
	// is published there.
	AlertTopicArn pulumi.StringInput // required
}

// Schedules are the app's scheduled jobs in one region: for each, an
// EventBridge Scheduler schedule that calls the region's runner, and a task
// definition of the API's containers running its command. Every region
// has them (a lost one simply does not fire); the runner
// (internal/release's gate.py, scheduled) runs the task only where the
// region's Aurora cluster is the global database's writer, so each job runs
// once for the stack, next to the writer, and after a failover in the new
// writer's region without a person or a pulumi up. A job's end comes back
// to the runner (an EventBridge rule on its task's STOPPED state) and one
// that did not exit 0 is published to the on-call topic; a runner that
// fails, or a schedule that cannot call it, raises an alarm there too.
type Schedules struct {
	pulumi.ResourceState

	FunctionName pulumi.StringOutput `pulumi:"functionName"`
}

// NewSchedules builds them. Pass the region's provider in opts.
func NewSchedules(ctx *pulumi.Context, name string, args SchedulesArgs, opts ...pulumi.ResourceOption) (*Schedules, error) {
	if args.Region == "" || args.Account == "" || args.Compute == nil || args.GlobalClusterID == nil || args.ClusterArn == nil || len(args.Schedules) == 0 || args.AlertTopicArn == nil {
		return nil, fmt.Errorf("schedules %s: Region, Account, Compute, GlobalClusterID, ClusterArn, Schedules and AlertTopicArn are required", name)
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
	var key pulumi.StringInput = pulumi.String("")
	if args.KeyArn != nil {
		key = args.KeyArn
	}
	logs, role, err := functionIdentity(ctx, name+"-run", fnName, args.Account, "mobile-backend schedules runner: ask where the writer is, run the schedule's task there", args.LogRetentionDays, args.KeyArn, child)
	if err != nil {
		return nil, err
	}
	policy, err := iam.NewRolePolicy(ctx, name+"-run-policy", &iam.RolePolicyArgs{
		Role: role.ID(),
		Policy: pulumi.All(logs.Arn, args.GlobalClusterArn, c.ClusterArn, c.TaskRoleArns, args.AlertTopicArn, key).ApplyT(func(v []any) string {
			var defs []string
			for _, f := range families {
				defs = append(defs, fmt.Sprintf("arn:aws:ecs:%s:%s:task-definition/%s:*", args.Region, args.Account, f))
			}
			statements := []Statement{
				Statement{Sid: "WriteLogs", Effect: "Allow", Action: []string{"logs:CreateLogStream", "logs:PutLogEvents"}, Resource: []string{v[0].(string) + ":*"}},
				Statement{Sid: "WhereIsTheWriter", Effect: "Allow", Action: []string{"rds:DescribeGlobalClusters"}, Resource: []string{v[1].(string)}},
				Statement{Sid: "RunTheSchedules", Effect: "Allow", Action: []string{"ecs:RunTask"}, Resource: defs,
					Condition: map[string]map[string]string{"ArnEquals": {"ecs:cluster": v[2].(string)}}},
				Statement{Sid: "PassTheTasksRoles", Effect: "Allow", Action: []string{"iam:PassRole"}, Resource: v[3].([]string),
					Condition: map[string]map[string]string{"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}}},
				Statement{Sid: "AlertOnCall", Effect: "Allow", Action: []string{"sns:Publish"}, Resource: []string{v[4].(string)}},
			}
			if k := v[5].(string); k != "" {
				// A publisher to a topic encrypted with a customer managed
				// key needs these on it (SNS, "Encryption at rest"), used
				// by SNS on its behalf only.
				statements = append(statements, Statement{Sid: "EncryptTheAlert", Effect: "Allow", Action: []string{"kms:GenerateDataKey*", "kms:Decrypt"}, Resource: []string{k},
					Condition: map[string]map[string]string{"StringEquals": {"kms:ViaService": "sns." + args.Region + ".amazonaws.com"}}})
			}
			return Policy(statements...)
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
		// Each AWS call is retried up to two minutes while grants
		// propagate (aws.py's aws_call): a run asks, then starts or alerts.
		Timeout:    pulumi.Int(300),
		MemorySize: pulumi.Int(128),
		Code:       lambdaCode(),
		Environment: &lambda.FunctionEnvironmentArgs{Variables: pulumi.StringMap{
			"REGION": pulumi.String(args.Region), "GLOBAL_CLUSTER": args.GlobalClusterID, "CLUSTER_ARN": args.ClusterArn,
			"ECS_CLUSTER": c.ClusterName, "SECURITY_GROUP": net.TaskSecurityGroupID,
			"CONTAINER": pulumi.String(workerContainer), "LOG_GROUP": c.LogGroupName, "LOG_PREFIX": pulumi.String(containerName),
			"ALERT_TOPIC": args.AlertTopicArn,
			"SUBNETS":     net.PrivateSubnetIDs.ToStringArrayOutput().ApplyT(func(ids []string) string { return strings.Join(ids, ",") }).(pulumi.StringOutput),
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
	// The schedules' own group: its invocations that fail for good are
	// counted apart (AWS/Scheduler, dimension ScheduleGroup).
	group, err := scheduler.NewScheduleGroup(ctx, name+"-group", &scheduler.ScheduleGroupArgs{
		Name: pulumi.String(fit(name, 64)),
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
			GroupName:                  group.Name,
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
	if err := hearTheJobs(ctx, name, args, fn, group, child); err != nil {
		return nil, err
	}
	s.FunctionName = fn.Name
	return s, ctx.RegisterResourceOutputs(s, pulumi.Map{"functionName": s.FunctionName})
}

// hearTheJobs routes every scheduled task's end back to the runner, which
// alerts the on-call topic unless the job exited 0 (an EventBridge rule on
// the tasks it started in the region's cluster), and alarms there when the
// runner fails (it could not run or hear a job) or a schedule could not
// call it after its retries.
func hearTheJobs(ctx *pulumi.Context, name string, args SchedulesArgs, fn *lambda.Function, group *scheduler.ScheduleGroup, opts ...pulumi.ResourceOption) error {
	rule, err := cloudwatch.NewEventRule(ctx, name+"-stopped", &cloudwatch.EventRuleArgs{
		Name:         pulumi.String(fit(name+"-stopped", 64)),
		Description:  pulumi.String("mobile-backend: a scheduled task stopped; its runner alerts unless it exited 0"),
		EventPattern: args.Compute.ClusterArn.ApplyT(release.StoppedScheduledTasks).(pulumi.StringOutput),
	}, opts...)
	if err != nil {
		return err
	}
	// EventBridge invokes a function through its resource policy, limited
	// to this rule ("Using resource-based policies for Amazon EventBridge").
	allowed, err := lambda.NewPermission(ctx, name+"-stopped-invoke", &lambda.PermissionArgs{
		Action: pulumi.String("lambda:InvokeFunction"), Function: fn.Name,
		Principal: pulumi.String("events.amazonaws.com"), SourceArn: rule.Arn,
	}, opts...)
	if err != nil {
		return err
	}
	if _, err := cloudwatch.NewEventTarget(ctx, name+"-stopped-target", &cloudwatch.EventTargetArgs{
		Rule: rule.Name, Arn: fn.Arn, TargetId: pulumi.String("runner"),
	}, append(opts, pulumi.DependsOn([]pulumi.Resource{allowed}))...); err != nil {
		return err
	}
	// One of three periods: FILL makes the newest period 0 until a late
	// datapoint lands (CloudWatch, "Using metric math": FILL).
	return failuresAlarm(ctx, name+"-failed", fit(name+"-failed", 255),
		"A schedule in "+args.Region+" could not run or hear its job: the runner failed, or the scheduler gave up calling it (the runner's log says why)",
		"failed", "FILL(errors, 0) + FILL(dropped, 0)", "failed runs and dropped calls", 3, args.AlertTopicArn, []*cloudwatch.MetricAlarmMetricQueryArgs{
			sumOf("errors", "AWS/Lambda", "Errors", "FunctionName", fn.Name),
			sumOf("dropped", "AWS/Scheduler", "InvocationDroppedCount", "ScheduleGroup", group.Name),
		}, opts...)
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
