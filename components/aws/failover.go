package aws

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/scheduler"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sfn"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ssm"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mobile-backend/mobile-backend/components"
	"github.com/mobile-backend/mobile-backend/internal/failover"
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
	// Observe, when set, makes the watch also probe the writer and record
	// what it saw in the watch table: a peer's second opinion for the
	// writer's successor.
	Observe *Observation
	// Promote, when set, makes the watch promote this region's Aurora
	// member once the watched region (the writer's) is lost.
	Promote *Promotion
}

// Observation is a peer's probe of the writer.
type Observation struct {
	Writer   string             // the writer's region
	ProbeURL string             // the writer's own health URL
	Table    *GlobalTable       // the watch table
	TableArn pulumi.StringInput // its replica in the watch's region
}

// Promotion is what a promoting watch reads and promotes.
type Promotion struct {
	GlobalClusterID  pulumi.StringInput // the global cluster's identifier
	GlobalClusterArn pulumi.StringInput
	ClusterArn       pulumi.StringInput // the member in the watch's region
	ClusterID        pulumi.StringInput // its identifier (the replication alarm's dimension)
	// MemberArns are every member cluster's ARN: FailoverGlobalCluster
	// authorizes on the global cluster and on clusters (Service
	// Authorization Reference for Amazon RDS: global-cluster*, cluster*).
	MemberArns pulumi.StringArrayInput
	// HealthCheckID and SuccessorHealthCheckID are the Route 53 health
	// checks of the watched (writer's) region and of the watch's own.
	HealthCheckID, SuccessorHealthCheckID pulumi.StringInput
	// FenceHealthCheckID is the watched region's routing check (LatencyDNS
	// RoutingCheckIDs): the watch fences the old writer with it.
	FenceHealthCheckID pulumi.StringInput
	// SuccessorURL is the watch region's own health URL: it must serve
	// before anything is promoted to it.
	SuccessorURL string
	// Table holds the peers' observations of the writer (nil without
	// peers: a stack of two regions); TableArn is its replica in the
	// watch's region.
	Table    *GlobalTable
	TableArn pulumi.StringInput
	// NextStep tells the operator what to do once the member is promoted
	// (the program's runbook); default: DefaultNextStep.
	NextStep string
	// Directory, when set, is the region directory as it reads once this
	// region writes, and the bucket of this region it is written to.
	Directory *WatchDirectory
}

// WatchDirectory is the region directory a promoting watch publishes.
type WatchDirectory struct {
	Bucket pulumi.StringInput // this region's bucket (ReplicatedStorage.Bucket)
	Body   string
}

// directoryKey is where the edge serves the region directory from.
const directoryKey = StaticPrefix + "/" + components.DirectoryObject

// DefaultNextStep is what the promotion alert asks of the operator when the
// program gives no runbook step of its own.
const DefaultNextStep = "Make this region the stack's writer region and run pulumi up."

// Replication alarm: the member's recovery point lag behind the writer
// (AuroraGlobalDBRPOLag, "available only in secondary AWS Regions", in
// milliseconds; the metric the Aurora User Guide names for Aurora
// PostgreSQL), over 30 s for two minutes, or missing for two minutes (the
// guide documents that lag "may continue to increase" in an unplanned
// event, not whether datapoints keep coming): the database's own signal
// that its writer is lost.
const (
	ReplicationLagThresholdMs = 30000
	ReplicationAlarmPeriods   = 2
	ReplicationAlarmPeriod    = 60
)

// RegionWatch probes another region from this one every minute and, when
// it is lost, alerts and (for the writer's region) promotes this region's
// Aurora member: a Step Functions state machine (internal/failover's
// WatchDefinition, whose every decision the scenario table runs in an ASL
// interpreter) started by EventBridge Scheduler. A promoting watch also
// owns the release-window parameter a deploy sets and the replication
// alarm it reads.
type RegionWatch struct {
	pulumi.ResourceState

	StateMachineArn pulumi.StringOutput `pulumi:"stateMachineArn"`
	StateParameter  pulumi.StringOutput `pulumi:"stateParameter"`
	// ReleaseParameter is the release-window parameter (promoting watches
	// only; empty otherwise).
	ReleaseParameter pulumi.StringOutput `pulumi:"releaseParameter"`
}

// NewRegionWatch builds it. Pass the watching region's provider in opts.
func NewRegionWatch(ctx *pulumi.Context, name string, args RegionWatchArgs, opts ...pulumi.ResourceOption) (*RegionWatch, error) {
	if args.Stack == "" || args.Account == "" || args.Region.Name == "" || args.Watched == "" || args.ProbeURL == "" || args.TopicArn == nil {
		return nil, fmt.Errorf("region watch %s: Stack, Account, Region, Watched, ProbeURL and TopicArn are required", name)
	}
	if p := args.Promote; p != nil && (p.GlobalClusterID == nil || p.GlobalClusterArn == nil || p.ClusterArn == nil || p.ClusterID == nil ||
		p.MemberArns == nil || p.HealthCheckID == nil || p.SuccessorHealthCheckID == nil || p.FenceHealthCheckID == nil || p.SuccessorURL == "" || (p.Table == nil) != (p.TableArn == nil)) {
		return nil, fmt.Errorf("region watch %s: Promote needs the global cluster, this region's member (ARN and identifier), every member's ARN, both regions' health checks, the watched region's routing check and SuccessorURL (Table with TableArn)", name)
	}
	if o := args.Observe; o != nil && (o.Writer == "" || o.ProbeURL == "" || o.Table == nil || o.TableArn == nil) {
		return nil, fmt.Errorf("region watch %s: Observe needs Writer, ProbeURL, Table and TableArn", name)
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

	// Not a secret: insecureValue keeps it readable in the plan (value is
	// always marked secret by the SDK); the state machine owns the value.
	state, err := ssm.NewParameter(ctx, name+"-state", &ssm.ParameterArgs{
		Name:          pulumi.Sprintf("/mobile-backend/%s/%s/watch-%s", args.Stack, args.Region.Name, args.Watched),
		Description:   pulumi.String("State of the region watch (JSON: phase never, healthy, down or promoted; strikes; held; lastRun). Reset to healthy after a failback."),
		Type:          pulumi.String("String"),
		InsecureValue: pulumi.String(failover.InitialWatchState()),
	}, child, pulumi.IgnoreChanges([]string{"insecureValue", "value"}))
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
	reads := watchReads{release: pulumi.String("").ToStringOutput()}
	if p := args.Promote; p != nil {
		if reads, err = promotionReads(ctx, name, args, child); err != nil {
			return nil, err
		}
	}

	role, err := iam.NewRole(ctx, name+"-role", &iam.RoleArgs{
		Name:             pulumi.String(fit(id, 64)),
		AssumeRolePolicy: pulumi.String(assumeRoleFor("states.amazonaws.com", args.Account)),
	}, child)
	if err != nil {
		return nil, err
	}
	// The state machine's ARN is known from its name, so its role's grants
	// (its key's among them: Step Functions checks that the role may use a
	// customer-managed key when the state machine is created, Step
	// Functions guide, "Data at rest encryption") exist before it does.
	machineArn := fmt.Sprintf("arn:aws:states:%s:%s:stateMachine:%s", args.Region.Name, args.Account, id)
	grants := pulumi.All(conn.Arn, state.Arn, args.TopicArn, args.Region.KeyArn, reads.grants(args)).ApplyT(func(v []any) string {
		return watchPolicy(args, machineArn, v[0].(string), v[1].(string), v[2].(string), v[3].(string), v[4].(watchGrant))
	}).(pulumi.StringOutput)
	policy, err := iam.NewRolePolicy(ctx, name+"-role", &iam.RolePolicyArgs{Role: role.ID(), Policy: grants}, child)
	if err != nil {
		return nil, err
	}
	definition := pulumi.All(args.TopicArn, conn.Arn, state.Name, reads.values(args)).ApplyT(func(v []any) (string, error) {
		return failover.WatchDefinition(watchOf(args, v[0].(string), v[1].(string), v[2].(string), v[3].(map[string]string)))
	}).(pulumi.StringOutput)
	machine, err := sfn.NewStateMachine(ctx, name, &sfn.StateMachineArgs{
		Name:       pulumi.String(id),
		Type:       pulumi.String("STANDARD"),
		RoleArn:    role.Arn,
		Definition: definition,
		EncryptionConfiguration: &sfn.StateMachineEncryptionConfigurationArgs{
			Type: pulumi.String("CUSTOMER_MANAGED_KMS_KEY"), KmsKeyId: args.Region.KeyArn, KmsDataKeyReusePeriodSeconds: pulumi.Int(300),
		},
	}, child, pulumi.DependsOn([]pulumi.Resource{policy}))
	if err != nil {
		return nil, err
	}

	// EventBridge Scheduler starts an execution every minute.
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
		ScheduleExpression: pulumi.String(fmt.Sprintf("rate(%d minute)", failover.WatchIntervalSeconds/60)),
		FlexibleTimeWindow: &scheduler.ScheduleFlexibleTimeWindowArgs{Mode: pulumi.String("OFF")},
		Target: &scheduler.ScheduleTargetArgs{
			Arn: machine.Arn, RoleArn: starter.Arn,
			// A missed minute is made up by the next; no pile of retries.
			RetryPolicy: &scheduler.ScheduleTargetRetryPolicyArgs{MaximumRetryAttempts: pulumi.Int(0)},
		},
	}, child); err != nil {
		return nil, err
	}
	// A watch that cannot run, or that ends a run failed (a refused probe,
	// a failed promotion) or cut off by its timeout, is itself an alert.
	if err := failuresAlarm(ctx, name+"-failed", fit(id+"-failed", 255), "The region watch of "+args.Watched+" failed or timed out (its notifications say why)",
		"ended", "failed + timedout", "failed or timed out runs", 1, args.TopicArn, []*cloudwatch.MetricAlarmMetricQueryArgs{
			sumOf("failed", "AWS/States", "ExecutionsFailed", "StateMachineArn", machine.Arn),
			sumOf("timedout", "AWS/States", "ExecutionsTimedOut", "StateMachineArn", machine.Arn),
		}, child); err != nil {
		return nil, err
	}
	// A watch that no longer runs at all (its schedule, its role, a quota)
	// is heard too: no run finished for failover.SilentAfterSeconds, no
	// datapoint included, is an alarm.
	if _, err := cloudwatch.NewMetricAlarm(ctx, name+"-silent", &cloudwatch.MetricAlarmArgs{
		Name:               pulumi.String(fit(id+"-silent", 255)),
		AlarmDescription:   pulumi.String(fmt.Sprintf("The region watch of %s has finished no run for %d minutes: the loss of %s would go unanswered (its execution history says why)", args.Watched, failover.SilentAfterSeconds/60, args.Watched)),
		Namespace:          pulumi.String("AWS/States"),
		MetricName:         pulumi.String("ExecutionsSucceeded"),
		Dimensions:         pulumi.StringMap{"StateMachineArn": machine.Arn},
		Period:             pulumi.Int(failover.SilentAfterSeconds / silentPeriods),
		Statistic:          pulumi.String("Sum"),
		EvaluationPeriods:  pulumi.Int(silentPeriods),
		DatapointsToAlarm:  pulumi.Int(silentPeriods),
		Threshold:          pulumi.Float64(1),
		ComparisonOperator: pulumi.String("LessThanThreshold"),
		TreatMissingData:   pulumi.String("breaching"),
		AlarmActions:       pulumi.Array{args.TopicArn},
		OkActions:          pulumi.Array{args.TopicArn},
	}, child); err != nil {
		return nil, err
	}
	w.StateMachineArn = machine.Arn
	w.StateParameter = state.Name
	w.ReleaseParameter = reads.release
	return w, ctx.RegisterResourceOutputs(w, pulumi.Map{"stateMachineArn": w.StateMachineArn, "stateParameter": w.StateParameter, "releaseParameter": w.ReleaseParameter})
}

// silentPeriods: the silence alarm's window in periods of 5 minutes.
const silentPeriods = 2

func sumOf(id, namespace, metric, dimension string, value pulumi.StringInput) *cloudwatch.MetricAlarmMetricQueryArgs {
	return &cloudwatch.MetricAlarmMetricQueryArgs{Id: pulumi.String(id), Metric: &cloudwatch.MetricAlarmMetricQueryMetricArgs{
		Namespace: pulumi.String(namespace), MetricName: pulumi.String(metric), Period: pulumi.Int(300), Stat: pulumi.String("Sum"),
		Dimensions: pulumi.StringMap{dimension: value},
	}}
}

// failuresAlarm alarms the topic when the expression (query id) over the
// queries' 5-minute sums is above 0 in one of periods periods (no data:
// quiet).
func failuresAlarm(ctx *pulumi.Context, resource, name, description, id, expression, label string, periods int, topic pulumi.StringInput, queries []*cloudwatch.MetricAlarmMetricQueryArgs, opts ...pulumi.ResourceOption) error {
	all := cloudwatch.MetricAlarmMetricQueryArray{}
	for _, q := range queries {
		all = append(all, q)
	}
	all = append(all, &cloudwatch.MetricAlarmMetricQueryArgs{Id: pulumi.String(id), Expression: pulumi.String(expression), Label: pulumi.String(label), ReturnData: pulumi.Bool(true)})
	args := &cloudwatch.MetricAlarmArgs{
		Name: pulumi.String(name), AlarmDescription: pulumi.String(description), MetricQueries: all,
		EvaluationPeriods: pulumi.Int(periods), Threshold: pulumi.Float64(0), ComparisonOperator: pulumi.String("GreaterThanThreshold"),
		TreatMissingData: pulumi.String("notBreaching"), AlarmActions: pulumi.Array{topic}, OkActions: pulumi.Array{topic},
	}
	if periods > 1 {
		args.DatapointsToAlarm = pulumi.Int(1)
	}
	_, err := cloudwatch.NewMetricAlarm(ctx, resource, args, opts...)
	return err
}

// watchReads are the resources a promoting watch reads besides its state:
// the release window and the replication alarm.
type watchReads struct {
	release pulumi.StringOutput
	alarm   pulumi.StringOutput
	arns    pulumi.StringArrayOutput // the release parameter's and the alarm's ARNs
}

// promotionReads creates the release-window parameter (a deploy sets it to
// the time a release ends; .ci/release-window) and the replication alarm.
func promotionReads(ctx *pulumi.Context, name string, args RegionWatchArgs, child pulumi.ResourceOption) (watchReads, error) {
	release, err := ssm.NewParameter(ctx, name+"-release", &ssm.ParameterArgs{
		Name:          pulumi.Sprintf("/mobile-backend/%s/release-window", args.Stack),
		Description:   pulumi.String("Until when a release is in progress (RFC 3339), set by the deploy: the region watch promotes nothing before then. \"" + failover.NoReleaseWindow + "\": no release."),
		Type:          pulumi.String("String"),
		InsecureValue: pulumi.String(failover.NoReleaseWindow),
	}, child, pulumi.IgnoreChanges([]string{"insecureValue", "value"})) // the deploy owns the value
	if err != nil {
		return watchReads{}, err
	}
	alarm, err := cloudwatch.NewMetricAlarm(ctx, name+"-replication", &cloudwatch.MetricAlarmArgs{
		Name:               pulumi.String(fit(fmt.Sprintf("%s-%s-replication-from-%s", args.Stack, args.Region.Name, args.Watched), 255)),
		AlarmDescription:   pulumi.String("The Aurora member in " + args.Region.Name + " receives nothing from the writer in " + args.Watched + ": the region watch's evidence that the writer database is lost"),
		Namespace:          pulumi.String("AWS/RDS"),
		MetricName:         pulumi.String("AuroraGlobalDBRPOLag"),
		Dimensions:         pulumi.StringMap{"DBClusterIdentifier": args.Promote.ClusterID},
		Statistic:          pulumi.String("Maximum"),
		Period:             pulumi.Int(ReplicationAlarmPeriod),
		EvaluationPeriods:  pulumi.Int(ReplicationAlarmPeriods),
		DatapointsToAlarm:  pulumi.Int(ReplicationAlarmPeriods),
		Threshold:          pulumi.Float64(ReplicationLagThresholdMs),
		ComparisonOperator: pulumi.String("GreaterThanThreshold"),
		TreatMissingData:   pulumi.String("breaching"),
		// People hear of it too: replication from the writer has stopped.
		AlarmActions: pulumi.Array{args.TopicArn},
		OkActions:    pulumi.Array{args.TopicArn},
	}, child)
	if err != nil {
		return watchReads{}, err
	}
	return watchReads{release: release.Name, alarm: alarm.Name, arns: pulumi.StringArray{release.Arn, alarm.Arn}.ToStringArrayOutput()}, nil
}

// values are the names and ids the definition needs, resolved together
// ("" where the watch has none).
func (r watchReads) values(args RegionWatchArgs) pulumi.StringMapOutput {
	var none pulumi.StringInput = pulumi.String("")
	observe, global, target, writer, successor, alarm, release, table, fence, bucket := none, none, none, none, none, none, none, none, none, none
	if o := args.Observe; o != nil {
		observe = o.Table.Name
	}
	if p := args.Promote; p != nil {
		global, target, writer, successor, fence = p.GlobalClusterID, p.ClusterArn, p.HealthCheckID, p.SuccessorHealthCheckID, p.FenceHealthCheckID
		if p.Directory != nil {
			bucket = p.Directory.Bucket
		}
		alarm, release = r.alarm, r.release
		if p.Table != nil {
			table = p.Table.Name
		}
	}
	return pulumi.All(observe, global, target, writer, successor, alarm, release, table, fence, bucket).ApplyT(func(v []any) map[string]string {
		keys := []string{"observeTable", "globalCluster", "target", "writerCheck", "successorCheck", "alarm", "release", "table", "fenceCheck", "bucket"}
		m := map[string]string{}
		for i, k := range keys {
			m[k] = v[i].(string)
		}
		return m
	}).(pulumi.StringMapOutput)
}

// watchOf is the generator's input.
func watchOf(args RegionWatchArgs, topic, conn, state string, v map[string]string) failover.Watch {
	w := failover.Watch{Region: args.Region.Name, Watched: args.Watched, ProbeURL: args.ProbeURL, Topic: topic, Connection: conn, StateParameter: state}
	if o := args.Observe; o != nil {
		w.Observe = &failover.Observation{Writer: o.Writer, URL: o.ProbeURL, Table: v["observeTable"]}
	}
	if p := args.Promote; p != nil {
		next := p.NextStep
		if next == "" {
			next = DefaultNextStep
		}
		w.Promote = &failover.Promotion{GlobalCluster: v["globalCluster"], Target: v["target"],
			WriterHealthCheck: v["writerCheck"], SuccessorHealthCheck: v["successorCheck"], FenceHealthCheck: v["fenceCheck"], SuccessorURL: p.SuccessorURL,
			ReplicationAlarm: v["alarm"], ReleaseParameter: v["release"], Table: v["table"], NextStep: next}
		if d := p.Directory; d != nil {
			w.Promote.Directory = &failover.Directory{Bucket: v["bucket"], Key: directoryKey, Body: d.Body, CacheControl: components.DirectoryCacheControl}
		}
	}
	return w
}

// watchGrant is what the watch may touch beyond its state, connection,
// topic and key.
type watchGrant struct {
	RDS          []string // the global cluster and its members
	HealthChecks []string
	Fence        string   // the watched region's routing check
	Directory    string   // the directory object's ARN ("" for none)
	Reads        []string // the release parameter and the replication alarm
	PeersTable   string   // the watch table's replica a promoting watch queries
	ObserveTable string   // the replica a peer records its observations in
}

func (r watchReads) grants(args RegionWatchArgs) pulumi.Output {
	var none pulumi.StringInput = pulumi.String("")
	observe, global, writer, successor, peers, fence, bucket := none, none, none, none, none, none, none
	var members, reads pulumi.StringArrayInput = pulumi.StringArray{}, pulumi.StringArray{}
	if o := args.Observe; o != nil {
		observe = o.TableArn
	}
	if p := args.Promote; p != nil {
		global, members, writer, successor, reads, fence = p.GlobalClusterArn, p.MemberArns, p.HealthCheckID, p.SuccessorHealthCheckID, r.arns, p.FenceHealthCheckID
		if p.Directory != nil {
			bucket = p.Directory.Bucket
		}
		if p.TableArn != nil {
			peers = p.TableArn
		}
	}
	return pulumi.All(observe, global, members, writer, successor, reads, peers, fence, bucket).ApplyT(func(v []any) watchGrant {
		g := watchGrant{ObserveTable: v[0].(string), PeersTable: v[6].(string)}
		if global := v[1].(string); global != "" {
			g.RDS = append([]string{global}, v[2].([]string)...)
			// Route 53 health checks: arn:aws:route53:::healthcheck/<id> (Service Authorization Reference).
			g.HealthChecks = []string{"arn:aws:route53:::healthcheck/" + v[3].(string), "arn:aws:route53:::healthcheck/" + v[4].(string)}
			g.Reads = v[5].([]string)
			g.Fence = "arn:aws:route53:::healthcheck/" + v[7].(string)
			if b := v[8].(string); b != "" {
				g.Directory = "arn:aws:s3:::" + b + "/" + directoryKey
			}
		}
		return g
	})
}

// watchPolicy is what the state machine may do: call its health URLs
// through its connection, keep its state, alert, and what its role needs
// to observe, read the evidence and promote.
func watchPolicy(args RegionWatchArgs, machine, conn, param, topic, key string, g watchGrant) string {
	urls := []string{args.ProbeURL}
	if args.Observe != nil {
		urls = append(urls, args.Observe.ProbeURL)
	}
	if args.Promote != nil {
		urls = append(urls, args.Promote.SuccessorURL)
	}
	var st []Statement
	for i, url := range urls {
		// Step Functions guide, "Call HTTPS APIs": the HTTP Task's
		// permissions. InvokeHTTPEndpoint is granted on * and scoped by its
		// condition keys, as CDK's HttpInvoke task grants it (aws-cdk-lib
		// aws-stepfunctions-tasks/lib/http/invoke.ts), one URL a statement.
		st = append(st, Statement{Sid: fmt.Sprintf("ProbeHealthURL%d", i), Effect: "Allow", Action: []string{"states:InvokeHTTPEndpoint"}, Resource: []string{"*"},
			Condition: map[string]map[string]string{"StringEquals": {"states:HTTPMethod": "GET"}, "StringLike": {"states:HTTPEndpoint": url}}})
	}
	st = append(st, []Statement{
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
			Condition: map[string]map[string]string{"StringEquals": {"kms:ViaService": "sns." + args.Region.Name + ".amazonaws.com"}}},
	}...)
	if g.ObserveTable != "" {
		st = append(st, Statement{Sid: "RecordWhatItSawOfTheWriter", Effect: "Allow", Action: []string{"dynamodb:PutItem"}, Resource: []string{g.ObserveTable}})
	}
	if len(g.RDS) > 0 {
		st = append(st,
			Statement{Sid: "ReadAndPromoteThisRegionsMember", Effect: "Allow", Action: []string{"rds:DescribeGlobalClusters", "rds:FailoverGlobalCluster"}, Resource: g.RDS},
			Statement{Sid: "AskRoute53", Effect: "Allow", Action: []string{"route53:GetHealthCheckStatus"}, Resource: g.HealthChecks},
			// The fence: the old writer's routing check, and no other.
			Statement{Sid: "FenceTheOldWriter", Effect: "Allow", Action: []string{"route53:UpdateHealthCheck"}, Resource: []string{g.Fence}},
			// DescribeAlarms takes the alarm resource type (Service
			// Authorization Reference for Amazon CloudWatch).
			Statement{Sid: "ReadTheReleaseWindowAndTheReplicationAlarm", Effect: "Allow", Action: []string{"ssm:GetParameter", "cloudwatch:DescribeAlarms"}, Resource: g.Reads})
	}
	if g.Directory != "" {
		st = append(st,
			Statement{Sid: "PublishTheRegionDirectory", Effect: "Allow", Action: []string{"s3:PutObject"}, Resource: []string{g.Directory}},
			// The bucket's default encryption is the region's key (SSE-KMS,
			// bucket key on): a put asks for a data key through S3.
			Statement{Sid: "EncryptTheRegionDirectory", Effect: "Allow", Action: []string{"kms:GenerateDataKey"}, Resource: []string{key},
				Condition: map[string]map[string]string{"StringEquals": {"kms:ViaService": "s3." + args.Region.Name + ".amazonaws.com"}}})
	}
	if g.PeersTable != "" {
		st = append(st, Statement{Sid: "ReadThePeersObservations", Effect: "Allow", Action: []string{"dynamodb:Query"}, Resource: []string{g.PeersTable}})
	}
	return Policy(st...)
}
