package aws

import (
	"encoding/json"
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/scheduler"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sfn"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ssm"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Watch timing: a probe every minute, retried three times 15 s apart, so a
// region is declared down after about a minute of sustained failure.
const (
	WatchIntervalSeconds = 60
	WatchRetries         = 3
	WatchRetrySeconds    = 15
	// WatchProbeTimeoutSeconds bounds one probe.
	WatchProbeTimeoutSeconds = 10
)

// The values of a watch's state parameter.
const (
	WatchNever    = "never"    // the watched region has not answered yet: never act
	WatchHealthy  = "healthy"  // it answered once: a sustained failure is acted on
	WatchDown     = "down"     // a failure was reported; reported again only after a recovery
	WatchPromoted = "promoted" // this region's member was promoted; reset by hand after failback
)

// RegionWatchArgs configures a RegionWatch.
type RegionWatchArgs struct {
	Stack   string // required
	Account string // required
	Region  Region // required: where the watch runs (never the watched region)
	Watched string // required: the region it probes
	// ProbeURL is the watched region's own health URL (https://<region>.<domain><path>).
	ProbeURL string
	// TopicArn is the alert topic of Region (encrypted with Region.KeyArn).
	TopicArn pulumi.StringInput
	// Promote, when set, makes the watch promote this region's Aurora
	// member once the watched region (the writer's) is down.
	Promote *Promotion
}

// Promotion is what a watch promotes: a member of an Aurora global database.
type Promotion struct {
	GlobalClusterID  pulumi.StringInput // the global cluster's identifier
	GlobalClusterArn pulumi.StringInput
	ClusterArn       pulumi.StringInput // the member in the watch's region
	// MemberArns are every member cluster's ARN: FailoverGlobalCluster
	// authorizes on the global cluster and on clusters (Service
	// Authorization Reference for Amazon RDS: global-cluster*, cluster*).
	MemberArns pulumi.StringArrayInput
	// HealthCheckID is the watched region's Route 53 health check: the
	// second opinion, from Route 53's checkers in other places.
	HealthCheckID pulumi.StringInput
	// NextStep tells the operator what to do once the member is promoted
	// (the program's runbook); default: DefaultNextStep.
	NextStep string
}

// DefaultNextStep is what the promotion alert asks of the operator when the
// program gives no runbook step of its own.
const DefaultNextStep = "Make this region the stack's writer region and run pulumi up."

// SecondOpinionCheckers is how many of Route 53's checkers must also see
// the writer fail before the watch promotes.
const SecondOpinionCheckers = 3

// RegionWatch probes another region from this one and, when it stays down,
// alerts and (for the writer's region) promotes this region's Aurora
// member: a Step Functions state machine started every minute by EventBridge
// Scheduler, calling the watched region's health URL with an HTTP Task, and
// rds:FailoverGlobalCluster through the AWS SDK integration. It acts only
// after a sustained failure (four attempts over about 45 s), never before
// the watched region answered once (a first deploy whose app is not up yet
// fails over nothing), and once: its state parameter says "promoted" until
// an operator resets it after failback (docs: the AWS runbook).
type RegionWatch struct {
	pulumi.ResourceState

	StateMachineArn pulumi.StringOutput `pulumi:"stateMachineArn"`
	StateParameter  pulumi.StringOutput `pulumi:"stateParameter"`
}

// NewRegionWatch builds it. Pass the watching region's provider in opts.
func NewRegionWatch(ctx *pulumi.Context, name string, args RegionWatchArgs, opts ...pulumi.ResourceOption) (*RegionWatch, error) {
	if args.Stack == "" || args.Account == "" || args.Region.Name == "" || args.Watched == "" || args.ProbeURL == "" || args.TopicArn == nil {
		return nil, fmt.Errorf("region watch %s: Stack, Account, Region, Watched, ProbeURL and TopicArn are required", name)
	}
	if args.Promote != nil && args.Promote.HealthCheckID == nil {
		return nil, fmt.Errorf("region watch %s: Promote needs the watched region's HealthCheckID (the second opinion)", name)
	}
	if args.Watched == args.Region.Name {
		return nil, fmt.Errorf("region watch %s: a region cannot watch itself (it would be lost with what it watches)", name)
	}
	w := &RegionWatch{}
	if err := ctx.RegisterComponentResource("mobile-backend:aws:RegionWatch", name, w, opts...); err != nil {
		return nil, err
	}
	child := pulumi.Parent(w)
	id := fit(fmt.Sprintf("%s-%s-watch-%s", args.Stack, args.Region.Name, args.Watched), 64)

	state, err := ssm.NewParameter(ctx, name+"-state", &ssm.ParameterArgs{
		Name:        pulumi.Sprintf("/mobile-backend/%s/%s/watch-%s", args.Stack, args.Region.Name, args.Watched),
		Description: pulumi.String("State of the region watch: never, healthy, down or promoted (reset to healthy after a failback)"),
		Type:        pulumi.String("String"),
		// Not a secret: insecureValue keeps it readable in the plan (value
		// is always marked secret by the SDK).
		InsecureValue: pulumi.String(WatchNever),
	}, child, pulumi.IgnoreChanges([]string{"insecureValue", "value"})) // the state machine owns the value
	if err != nil {
		return nil, err
	}
	// The HTTP Task authenticates through an EventBridge connection; the
	// health URL needs none, so its API key is a fixed, public header
	// (Step Functions guide, "Call HTTPS APIs": Authentication is required).
	conn, err := cloudwatch.NewEventConnection(ctx, name+"-probe", &cloudwatch.EventConnectionArgs{
		Name:              pulumi.String(id),
		Description:       pulumi.String("Region watch probe of " + args.Watched + " (no secret: the health URL is public)"),
		AuthorizationType: pulumi.String("API_KEY"),
		AuthParameters: &cloudwatch.EventConnectionAuthParametersArgs{
			ApiKey: &cloudwatch.EventConnectionAuthParametersApiKeyArgs{Key: pulumi.String("x-mobile-backend-probe"), Value: pulumi.String(args.Region.Name)},
		},
	}, child)
	if err != nil {
		return nil, err
	}

	role, err := iam.NewRole(ctx, name+"-role", &iam.RoleArgs{
		Name:             pulumi.String(fit(id, 64)),
		AssumeRolePolicy: pulumi.String(assumeRoleFor("states.amazonaws.com", args.Account)),
	}, child)
	if err != nil {
		return nil, err
	}
	nextStep := DefaultNextStep
	if args.Promote != nil && args.Promote.NextStep != "" {
		nextStep = args.Promote.NextStep
	}
	definition := pulumi.All(args.TopicArn, conn.Arn, state.Name, promotionValues(args.Promote)).ApplyT(func(v []any) (string, error) {
		p := v[3].([]string)
		return WatchDefinition(args.ProbeURL, v[0].(string), v[1].(string), v[2].(string), args.Watched, p[0], p[1], p[2], nextStep)
	}).(pulumi.StringOutput)
	machine, err := sfn.NewStateMachine(ctx, name, &sfn.StateMachineArgs{
		Name:       pulumi.String(id),
		Type:       pulumi.String("STANDARD"),
		RoleArn:    role.Arn,
		Definition: definition,
		EncryptionConfiguration: &sfn.StateMachineEncryptionConfigurationArgs{
			Type: pulumi.String("CUSTOMER_MANAGED_KMS_KEY"), KmsKeyId: args.Region.KeyArn, KmsDataKeyReusePeriodSeconds: pulumi.Int(300),
		},
	}, child)
	if err != nil {
		return nil, err
	}
	grants := pulumi.All(machine.Arn, conn.Arn, state.Arn, args.TopicArn, args.Region.KeyArn, promotionArns(args.Promote)).ApplyT(func(v []any) string {
		return watchPolicy(args.Region.Name, args.ProbeURL, v[0].(string), v[1].(string), v[2].(string), v[3].(string), v[4].(string), v[5].(promotionGrant))
	}).(pulumi.StringOutput)
	policy, err := iam.NewRolePolicy(ctx, name+"-role", &iam.RolePolicyArgs{Role: role.ID(), Policy: grants}, child)
	if err != nil {
		return nil, err
	}

	// EventBridge Scheduler starts an execution every minute, once the
	// state machine may do its work.
	starter, err := iam.NewRole(ctx, name+"-scheduler", &iam.RoleArgs{
		Name:             pulumi.String(fit(id+"-start", 64)),
		AssumeRolePolicy: pulumi.String(assumeRoleFor("scheduler.amazonaws.com", args.Account)),
		InlinePolicies: iam.RoleInlinePolicyArray{&iam.RoleInlinePolicyArgs{
			Name: pulumi.String("start-watch"),
			// StartExecution needs no KMS permission of the caller, even on a
			// state machine with a customer-managed key (Step Functions guide,
			// "Data at rest encryption": the permissions table).
			Policy: machine.Arn.ApplyT(func(arn string) string {
				return Policy(Statement{Sid: "StartWatch", Effect: "Allow", Action: []string{"states:StartExecution"}, Resource: []string{arn}})
			}).(pulumi.StringOutput),
		}},
	}, child)
	if err != nil {
		return nil, err
	}
	if _, err := scheduler.NewSchedule(ctx, name, &scheduler.ScheduleArgs{
		Name:               pulumi.String(id),
		Description:        pulumi.String("Probe " + args.Watched + " from " + args.Region.Name),
		ScheduleExpression: pulumi.String(fmt.Sprintf("rate(%d minute)", WatchIntervalSeconds/60)),
		FlexibleTimeWindow: &scheduler.ScheduleFlexibleTimeWindowArgs{Mode: pulumi.String("OFF")},
		Target: &scheduler.ScheduleTargetArgs{
			Arn: machine.Arn, RoleArn: starter.Arn,
			// A missed minute is made up by the next; no pile of retries.
			RetryPolicy: &scheduler.ScheduleTargetRetryPolicyArgs{MaximumRetryAttempts: pulumi.Int(0)},
		},
	}, child, pulumi.DependsOn([]pulumi.Resource{policy})); err != nil {
		return nil, err
	}
	// A watch that cannot run (a permission, a throttled API) is itself an alert.
	if _, err := cloudwatch.NewMetricAlarm(ctx, name+"-failed", &cloudwatch.MetricAlarmArgs{
		Name:               pulumi.String(fit(id+"-failed", 255)),
		AlarmDescription:   pulumi.String("The region watch of " + args.Watched + " failed to run"),
		Namespace:          pulumi.String("AWS/States"),
		MetricName:         pulumi.String("ExecutionsFailed"),
		Dimensions:         pulumi.StringMap{"StateMachineArn": machine.Arn},
		Statistic:          pulumi.String("Sum"),
		Period:             pulumi.Int(300),
		EvaluationPeriods:  pulumi.Int(1),
		Threshold:          pulumi.Float64(0),
		ComparisonOperator: pulumi.String("GreaterThanThreshold"),
		TreatMissingData:   pulumi.String("notBreaching"),
		AlarmActions:       pulumi.Array{args.TopicArn},
		OkActions:          pulumi.Array{args.TopicArn},
	}, child); err != nil {
		return nil, err
	}
	w.StateMachineArn = machine.Arn
	w.StateParameter = state.Name
	return w, ctx.RegisterResourceOutputs(w, pulumi.Map{"stateMachineArn": w.StateMachineArn, "stateParameter": w.StateParameter})
}

func promotionValues(p *Promotion) pulumi.StringArrayOutput {
	if p == nil {
		return pulumi.ToStringArray([]string{"", "", ""}).ToStringArrayOutput()
	}
	return pulumi.StringArray{p.GlobalClusterID, p.ClusterArn, p.HealthCheckID}.ToStringArrayOutput()
}

// promotionGrant is what a promoting watch may touch: the RDS resources of
// the failover and the health check it asks for a second opinion (none for
// a watch that only alerts).
type promotionGrant struct {
	RDS         []string
	HealthCheck string
}

func promotionArns(p *Promotion) pulumi.Output {
	if p == nil {
		return pulumi.ToOutput(promotionGrant{})
	}
	return pulumi.All(p.GlobalClusterArn, p.MemberArns, p.HealthCheckID).ApplyT(func(v []any) promotionGrant {
		return promotionGrant{RDS: append([]string{v[0].(string)}, v[1].([]string)...), HealthCheck: "arn:aws:route53:::healthcheck/" + v[2].(string)}
	})
}

// watchPolicy is what the state machine may do: call the one health URL
// through its connection, keep its state, alert, and (with a promotion)
// fail the global database over to its region's member.
func watchPolicy(region, probeURL, machine, conn, param, topic, key string, promote promotionGrant) string {
	st := []Statement{
		// Step Functions guide, "Call HTTPS APIs": the HTTP Task's permissions.
		// InvokeHTTPEndpoint is granted on * and scoped by its condition
		// keys, as CDK's HttpInvoke task grants it (aws-cdk-lib
		// aws-stepfunctions-tasks/lib/http/invoke.ts).
		{Sid: "ProbeTheWatchedRegion", Effect: "Allow", Action: []string{"states:InvokeHTTPEndpoint"}, Resource: []string{"*"},
			Condition: map[string]map[string]string{"StringEquals": {"states:HTTPMethod": "GET"}, "StringLike": {"states:HTTPEndpoint": probeURL}}},
		{Sid: "UseTheProbeConnection", Effect: "Allow", Action: []string{"events:RetrieveConnectionCredentials"}, Resource: []string{conn}},
		{Sid: "ReadTheConnectionSecret", Effect: "Allow", Action: []string{"secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"},
			Resource: []string{"arn:aws:secretsmanager:*:*:secret:events!connection/*"}},
		{Sid: "KeepTheWatchState", Effect: "Allow", Action: []string{"ssm:GetParameter", "ssm:PutParameter"}, Resource: []string{param}},
		{Sid: "Alert", Effect: "Allow", Action: []string{"sns:Publish"}, Resource: []string{topic}},
		// Execution data under the region's key, for this state machine only
		// (Step Functions guide, "Data at rest encryption": the encryption
		// context aws:states:stateMachineArn).
		{Sid: "EncryptExecutionData", Effect: "Allow", Action: []string{"kms:GenerateDataKey", "kms:Decrypt"}, Resource: []string{key},
			Condition: map[string]map[string]string{"StringEquals": {"kms:EncryptionContext:aws:states:stateMachineArn": machine}}},
		// The alert topic is encrypted with the same key; SNS uses it on the publisher's behalf.
		{Sid: "PublishToTheEncryptedTopic", Effect: "Allow", Action: []string{"kms:GenerateDataKey", "kms:Decrypt"}, Resource: []string{key},
			Condition: map[string]map[string]string{"StringEquals": {"kms:ViaService": "sns." + region + ".amazonaws.com"}}},
	}
	if len(promote.RDS) > 0 {
		st = append(st, Statement{Sid: "PromoteThisRegionsMember", Effect: "Allow", Action: []string{"rds:FailoverGlobalCluster"}, Resource: promote.RDS},
			// Route 53 health checks: arn:aws:route53:::healthcheck/<id> (Service Authorization Reference).
			Statement{Sid: "AskRoute53", Effect: "Allow", Action: []string{"route53:GetHealthCheckStatus"}, Resource: []string{promote.HealthCheck}})
	}
	return Policy(st...)
}

// WatchDefinition is the state machine (Amazon States Language): probe,
// remember the first answer, and on a sustained failure alert once and,
// with a promotion (globalCluster and target set), promote and tell the
// operator the next step.
func WatchDefinition(probeURL, topic, conn, param, watched, globalCluster, target, healthCheck, nextStep string) (string, error) {
	getState := func(next string) map[string]any {
		return map[string]any{"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:ssm:getParameter",
			"Parameters": map[string]any{"Name": param}, "ResultSelector": map[string]any{"value.$": "$.Parameter.Value"},
			"ResultPath": "$.state", "Next": next}
	}
	setState := func(value string, next string) map[string]any {
		s := map[string]any{"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:ssm:putParameter",
			"Parameters": map[string]any{"Name": param, "Value": value, "Overwrite": true, "Type": "String"}, "ResultPath": nil}
		if next == "" {
			s["End"] = true
		} else {
			s["Next"] = next
		}
		return s
	}
	publish := func(subject, message, next string) map[string]any {
		return map[string]any{"Type": "Task", "Resource": "arn:aws:states:::sns:publish",
			"Parameters": map[string]any{"TopicArn": topic, "Subject": subject, "Message": message}, "ResultPath": nil, "Next": next}
	}
	down := "Notify" // a watch that only alerts
	if globalCluster != "" {
		down = "SecondOpinion"
	}
	states := map[string]any{
		"Probe": map[string]any{
			"Type": "Task", "Resource": "arn:aws:states:::http:invoke", "TimeoutSeconds": WatchProbeTimeoutSeconds,
			"Parameters": map[string]any{"ApiEndpoint": probeURL, "Method": "GET", "Authentication": map[string]any{"ConnectionArn": conn}},
			"Retry":      []any{map[string]any{"ErrorEquals": []string{"States.ALL"}, "IntervalSeconds": WatchRetrySeconds, "MaxAttempts": WatchRetries, "BackoffRate": 1}},
			// The response is dropped (ResultPath null), so no body can push
			// the state past its 256 KiB limit (States.DataLimitExceeded).
			"Catch":      []any{map[string]any{"ErrorEquals": []string{"States.ALL"}, "ResultPath": "$.error", "Next": "StateWhenDown"}},
			"ResultPath": nil, "Next": "StateWhenUp",
		},
		"StateWhenUp": getState("Recovered?"),
		"Recovered?": map[string]any{"Type": "Choice", "Default": "Done", "Choices": []any{
			map[string]any{"Or": []any{
				map[string]any{"Variable": "$.state.value", "StringEquals": WatchNever},
				map[string]any{"Variable": "$.state.value", "StringEquals": WatchDown},
			}, "Next": "MarkHealthy"},
		}},
		"MarkHealthy":   setState(WatchHealthy, ""),
		"StateWhenDown": getState("ActOnIt?"),
		// Only a region that answered once, and only once per outage.
		"ActOnIt?": map[string]any{"Type": "Choice", "Default": "Done", "Choices": []any{
			map[string]any{"Variable": "$.state.value", "StringEquals": WatchHealthy, "Next": down},
		}},
		"Done": map[string]any{"Type": "Succeed"},
	}
	if globalCluster == "" {
		states["Notify"] = publish(watched+" is down", fmt.Sprintf("%s failed its health check (%s) for a minute, seen from this region. Nothing is promoted from here.", watched, probeURL), "MarkDown")
		states["MarkDown"] = setState(WatchDown, "")
	} else {
		// A second opinion before promoting: Route 53's checkers, from other
		// places, must see the writer fail too. When Route 53's API cannot
		// be reached (its control plane is in us-east-1), this region's view
		// decides.
		// The statuses are selected as a list and indexed in the Choice
		// behind IsPresent: a ResultSelector or Choice path that matches
		// nothing raises States.Runtime, which no Catch on States.ALL
		// catches (Step Functions guide, "Error handling"), so fewer
		// observations than SecondOpinionCheckers must mean "not
		// confirmed", not a failed execution.
		selector := map[string]any{"statuses.$": "$.HealthCheckObservations[*].StatusReport.Status"}
		confirm := []any{map[string]any{"Variable": fmt.Sprintf("$.route53.statuses[%d]", SecondOpinionCheckers-1), "IsPresent": true}}
		for i := 0; i < SecondOpinionCheckers; i++ {
			confirm = append(confirm, map[string]any{"Variable": fmt.Sprintf("$.route53.statuses[%d]", i), "StringMatches": "Failure*"})
		}
		states["SecondOpinion"] = map[string]any{
			"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:route53:getHealthCheckStatus",
			"Parameters": map[string]any{"HealthCheckId": healthCheck}, "ResultSelector": selector, "ResultPath": "$.route53",
			"Catch": []any{map[string]any{"ErrorEquals": []string{"States.ALL"}, "ResultPath": "$.route53Error", "Next": "Notify"}},
			"Next":  "ConfirmedDown?",
		}
		states["ConfirmedDown?"] = map[string]any{"Type": "Choice", "Default": "NotConfirmed", "Choices": []any{
			map[string]any{"And": confirm, "Next": "Notify"},
		}}
		states["NotConfirmed"] = publish(watched+" fails from here only", fmt.Sprintf("%s failed its health check (%s) from this region, but Route 53's checkers see it healthy: nothing is promoted.", watched, probeURL), "MarkDown")
		states["Notify"] = publish(watched+" is down: promoting", fmt.Sprintf("%s failed its health check (%s) for a minute, seen from this region and by Route 53; promoting %s to the Aurora writer.", watched, probeURL, target), "Promote")
		states["Promote"] = map[string]any{
			"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:rds:failoverGlobalCluster",
			// AllowDataLoss: the writer's region is unreachable, so no
			// switchover can wait for it (RDS API, FailoverGlobalCluster).
			"Parameters": map[string]any{"GlobalClusterIdentifier": globalCluster, "TargetDbClusterIdentifier": target, "AllowDataLoss": true},
			"ResultPath": nil,
			"Catch":      []any{map[string]any{"ErrorEquals": []string{"States.ALL"}, "ResultPath": "$.error", "Next": "PromotionFailed"}},
			"Next":       "MarkPromoted",
		}
		states["MarkPromoted"] = setState(WatchPromoted, "Promoted")
		states["Promoted"] = publish("Aurora writer promoted", fmt.Sprintf("%s is the Aurora writer now. %s", target, nextStep), "Done")
		states["PromotionFailed"] = publish("Aurora promotion failed", "The promotion of "+target+" failed; promote it by hand (aws rds failover-global-cluster --allow-data-loss).", "MarkDown")
		states["MarkDown"] = setState(WatchDown, "")
	}
	b, err := json.Marshal(map[string]any{
		"Comment": fmt.Sprintf("Probe %s every minute; act on a sustained failure", watched),
		"StartAt": "Probe", "States": states,
	})
	return string(b), err
}
