package aws

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lambda"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mobile-backend/mobile-backend/internal/deps"
	"github.com/mobile-backend/mobile-backend/internal/release"
)

// ReleaseGateRuntime is the gate's Lambda runtime: its boto3 calls ECS and
// CloudWatch; the rest is the standard library.
const ReleaseGateRuntime = "python3.12"

// ReleaseArgs is how a stamp takes part in a release in waves.
type ReleaseArgs struct {
	// After are the previous wave's gates: the region's service takes a new
	// version only once they passed. None for the first wave.
	After []pulumi.Resource
	// BakeSeconds is how long the new version must stay healthy, its
	// release alarms quiet, before the gate passes (0 to 600).
	BakeSeconds int
}

// releaseAlarms are the region's release signals, made before its service:
// ECS watches them during a deployment (deployment alarms, with rollback)
// and the gate during the bake. They notify no one: the region's
// monitoring alerts on the same metrics.
func releaseAlarms(ctx *pulumi.Context, name string, args RegionalComputeArgs, lbs *loadBalancer, child pulumi.ResourceOrInvokeOption) ([]*cloudwatch.MetricAlarm, error) {
	t := args.Alarms.WithDefaults()
	dims := pulumi.StringMap{"LoadBalancer": lbs.alb.ArnSuffix, "TargetGroup": lbs.tg.ArnSuffix}
	q := func(id, metric string) *cloudwatch.MetricAlarmMetricQueryArgs {
		return &cloudwatch.MetricAlarmMetricQueryArgs{Id: pulumi.String(id), Metric: &cloudwatch.MetricAlarmMetricQueryMetricArgs{
			Namespace: pulumi.String("AWS/ApplicationELB"), MetricName: pulumi.String(metric), Dimensions: dims, Stat: pulumi.String("Sum"), Period: pulumi.Int(60),
		}}
	}
	errors, err := cloudwatch.NewMetricAlarm(ctx, name+"-release-5xx", &cloudwatch.MetricAlarmArgs{
		Name:               pulumi.String(fit(name+"-release-5xx", 255)),
		AlarmDescription:   pulumi.Sprintf("release signal: the targets' 5xx above %d%% of requests in 2 of 3 minutes", t.ErrorRatePercent),
		ComparisonOperator: pulumi.String("GreaterThanThreshold"),
		Threshold:          pulumi.Float64(float64(t.ErrorRatePercent)),
		EvaluationPeriods:  pulumi.Int(3), DatapointsToAlarm: pulumi.Int(2),
		TreatMissingData: pulumi.String("notBreaching"),
		MetricQueries: cloudwatch.MetricAlarmMetricQueryArray{
			q("target5xx", "HTTPCode_Target_5XX_Count"), q("requests", "RequestCount"),
			&cloudwatch.MetricAlarmMetricQueryArgs{Id: pulumi.String("rate"), Expression: pulumi.String("100 * FILL(target5xx, 0) / requests"),
				Label: pulumi.String("5xx %"), ReturnData: pulumi.Bool(true)},
		},
	}, child)
	if err != nil {
		return nil, err
	}
	latency, err := cloudwatch.NewMetricAlarm(ctx, name+"-release-p99", &cloudwatch.MetricAlarmArgs{
		Name:             pulumi.String(fit(name+"-release-p99", 255)),
		AlarmDescription: pulumi.Sprintf("release signal: the targets' p99 response time above %d ms in 2 of 3 minutes", t.LatencyP99Ms),
		Namespace:        pulumi.String("AWS/ApplicationELB"), MetricName: pulumi.String("TargetResponseTime"),
		Dimensions: dims, ExtendedStatistic: pulumi.String("p99"), Period: pulumi.Int(60),
		ComparisonOperator: pulumi.String("GreaterThanThreshold"),
		Threshold:          pulumi.Float64(float64(t.LatencyP99Ms) / 1000),
		EvaluationPeriods:  pulumi.Int(3), DatapointsToAlarm: pulumi.Int(2),
		TreatMissingData: pulumi.String("notBreaching"),
	}, child)
	if err != nil {
		return nil, err
	}
	return []*cloudwatch.MetricAlarm{errors, latency}, nil
}

// ReleaseGateArgs configures a ReleaseGate.
type ReleaseGateArgs struct {
	Region  string           // required: the region of the provider in opts
	Account string           // required
	Compute *RegionalCompute // required: the service it gates
	// BakeSeconds is the bake (release.BakeSeconds); 0 passes as soon as
	// the deployment completed.
	BakeSeconds      int
	LogRetentionDays int
	KeyArn           pulumi.StringInput // the region's key: the gate's log group
}

// ReleaseGate is one region's release health gate: a Lambda function
// (internal/release's gate.py) that the deployment invokes once the
// region's service has taken a new task definition (lambda.Invocation,
// re-invoked when the task definition changes; a function error fails the
// update with the function's message, terraform-provider-aws
// invocation.go). It passes when that task definition is the PRIMARY
// deployment's and COMPLETED (ECS's deployment circuit breaker and the
// release alarms, both with rollback, did not roll it back: pulumi-aws's
// waitForSteadyState alone cannot tell, hashicorp/terraform-provider-aws#19519)
// and the release alarms stayed quiet for the bake; otherwise it puts the
// service back on the previous task definition, unless ECS already did,
// and fails. The next wave's services wait for Invocation.
type ReleaseGate struct {
	pulumi.ResourceState

	FunctionName pulumi.StringOutput `pulumi:"functionName"`
	// Invocation is what the next wave waits for.
	Invocation *lambda.Invocation
}

// NewReleaseGate builds the gate. Pass the region's provider in opts.
func NewReleaseGate(ctx *pulumi.Context, name string, args ReleaseGateArgs, opts ...pulumi.ResourceOption) (*ReleaseGate, error) {
	if args.Region == "" || args.Account == "" || args.Compute == nil {
		return nil, fmt.Errorf("release gate %s: Region, Account and Compute are required", name)
	}
	if args.LogRetentionDays == 0 {
		args.LogRetentionDays = 30
	}
	g := &ReleaseGate{}
	if err := ctx.RegisterComponentResource("mobile-backend:aws:ReleaseGate", name, g, opts...); err != nil {
		return nil, err
	}
	child := pulumi.Parent(g)
	c := args.Compute
	fnName := fit(name, 64)

	logs, role, err := functionIdentity(ctx, name, fnName, args.Account, "mobile-backend release gate: read one service's deployment and release alarms, roll it back", args.LogRetentionDays, args.KeyArn, child)
	if err != nil {
		return nil, err
	}
	policy, err := iam.NewRolePolicy(ctx, name+"-policy", &iam.RolePolicyArgs{
		Role: role.ID(),
		Policy: pulumi.All(logs.Arn, c.ServiceArn, c.ReleaseAlarmArns, c.TaskRoleArns, c.WorkerServiceArns).ApplyT(func(v []any) string {
			return Policy(
				Statement{Sid: "WriteLogs", Effect: "Allow", Action: []string{"logs:CreateLogStream", "logs:PutLogEvents"}, Resource: []string{v[0].(string) + ":*"}},
				Statement{Sid: "ReadAndRollBackTheService", Effect: "Allow", Action: []string{"ecs:DescribeServices", "ecs:UpdateService"}, Resource: append([]string{v[1].(string)}, v[4].([]string)...)},
				// ListTaskDefinitions takes no resource-level permission
				// (Service Authorization Reference, Amazon ECS).
				Statement{Sid: "FindThePreviousVersion", Effect: "Allow", Action: []string{"ecs:ListTaskDefinitions"}, Resource: []string{"*"}},
				Statement{Sid: "ReadTheReleaseAlarms", Effect: "Allow", Action: []string{"cloudwatch:DescribeAlarms"}, Resource: v[2].([]string)},
				// UpdateService with a task definition passes its roles
				// (keidarcy/e1s#429): the service's own two, to ECS tasks only.
				Statement{Sid: "PassTheTasksRoles", Effect: "Allow", Action: []string{"iam:PassRole"}, Resource: v[3].([]string),
					Condition: map[string]map[string]string{"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}}},
			)
		}).(pulumi.StringOutput),
	}, child)
	if err != nil {
		return nil, err
	}
	fn, err := lambda.NewFunction(ctx, name, &lambda.FunctionArgs{
		Name:        pulumi.String(fnName),
		Description: pulumi.String("mobile-backend: pass a region's release only once it is measured healthy"),
		Runtime:     pulumi.String(ReleaseGateRuntime),
		Handler:     pulumi.String("index.handler"),
		Role:        role.Arn,
		Timeout:     pulumi.Int(900), // Lambda's maximum: settle, then the bake (at most 600 s)
		MemorySize:  pulumi.Int(128),
		Code:        lambdaCode(),
		Environment: &lambda.FunctionEnvironmentArgs{Variables: pulumi.StringMap{
			"REGION": pulumi.String(args.Region), "CLUSTER": c.ClusterName, "SERVICE": c.ServiceName,
			"FAMILY": c.TaskFamily, "ALARMS": c.ReleaseAlarmNames.ApplyT(func(n []string) string { return strings.Join(n, ",") }).(pulumi.StringOutput),
		}},
	}, child, pulumi.DependsOn([]pulumi.Resource{policy, logs}))
	if err != nil {
		return nil, err
	}
	inv, err := lambda.NewInvocation(ctx, name, &lambda.InvocationArgs{
		FunctionName: fn.Name,
		Input: pulumi.All(c.TaskDefinitionArn, c.WorkerReleases).ApplyT(func(v []any) (string, error) {
			in := map[string]any{"TASK_DEFINITION": v[0], "BAKE_SECONDS": args.BakeSeconds}
			if v[1].(string) != "[]" {
				in["WORKERS"] = v[1]
			}
			b, err := json.Marshal(in)
			return string(b), err
		}).(pulumi.StringOutput),
		// A new task definition is a new release: re-invoke (Triggers
		// replaces the invocation, which invokes again).
		Triggers: pulumi.StringMap{"taskDefinition": c.TaskDefinitionArn, "workers": c.WorkerReleases},
	}, child, pulumi.DependsOn(append([]pulumi.Resource{c.Service}, deps.Of(c.Workers)...)))
	if err != nil {
		return nil, err
	}
	g.FunctionName, g.Invocation = fn.Name, inv
	return g, ctx.RegisterResourceOutputs(g, pulumi.Map{"functionName": g.FunctionName})
}

// lambdaCode is the release functions' code: internal/release's aws.py as
// index.py, gate.py beside it.
func lambdaCode() pulumi.Archive {
	assets := map[string]interface{}{}
	for file, code := range release.LambdaCode() {
		assets[file] = pulumi.NewStringAsset(code)
	}
	return pulumi.NewAssetArchive(assets)
}

// functionIdentity is what every function of the stack starts with: its log
// group (/aws/lambda/<fnName>, the retention, the region's key) and a role
// Lambda assumes for this account only. Resources are named prefix-logs
// and prefix-role.
func functionIdentity(ctx *pulumi.Context, prefix, fnName, account, description string, retentionDays int, key pulumi.StringInput, opts ...pulumi.ResourceOption) (*cloudwatch.LogGroup, *iam.Role, error) {
	logs, err := cloudwatch.NewLogGroup(ctx, prefix+"-logs", &cloudwatch.LogGroupArgs{
		Name: pulumi.String("/aws/lambda/" + fnName), RetentionInDays: pulumi.Int(retentionDays), KmsKeyId: key,
	}, opts...)
	if err != nil {
		return nil, nil, err
	}
	role, err := iam.NewRole(ctx, prefix+"-role", &iam.RoleArgs{
		Description:      pulumi.String(description),
		AssumeRolePolicy: pulumi.String(assumeRoleFor("lambda.amazonaws.com", account)),
	}, opts...)
	return logs, role, err
}
