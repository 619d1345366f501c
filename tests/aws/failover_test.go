package aws

import (
	"encoding/json"
	"github.com/mobile-backend/mobile-backend/components"
	"strings"
	"testing"

	. "github.com/mobile-backend/mobile-backend/tests/suite"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	awsc "github.com/mobile-backend/mobile-backend/components/aws"
	"github.com/mobile-backend/mobile-backend/internal/failover"
	"github.com/mobile-backend/mobile-backend/internal/mock"
	"github.com/mobile-backend/mobile-backend/internal/plan"
	"github.com/mobile-backend/mobile-backend/policies"
)

// asl is the part of a state machine definition the tests read.
type asl struct {
	StartAt        string
	TimeoutSeconds int
	States         map[string]struct {
		Type, Resource, Next, Default string
		Parameters                    map[string]any
	}
}

func definitionOf(t *testing.T, sm *mock.Resource) asl {
	t.Helper()
	var d asl
	require.NoError(t, json.Unmarshal([]byte(sm.Str("definition")), &d), sm.Name)
	return d
}

// machinesOf are a plan's state machines by region.
func machinesOf(res *plan.Result) map[string]*mock.Resource {
	machines := map[string]*mock.Resource{}
	for _, sm := range res.Recorder.OfType("aws:sfn/stateMachine:StateMachine") {
		machines[sm.Region] = sm
	}
	return machines
}

func TestTheWritersSuccessorWatchesItAndPromotesItsOwnMemberOnTheEvidence(t *testing.T) {
	t.Parallel()
	res := PlanFile(t, "../../Pulumi.staging.yaml") // us-west-2 writes, us-east-1 stands by
	machines := machinesOf(res)
	require.Len(t, machines, 2, "every region is watched from another")
	clusters := ByRegion(res, "aws:rds/cluster:Cluster", "arn")
	global := One(t, res.Recorder.OfType("aws:rds/globalCluster:GlobalCluster"), "global cluster")

	promoter := machines["us-east-1"]
	assert.True(t, failover.IsTestedWatch(promoter.Str("definition")), "the definition is one the scenario table ran")
	d := definitionOf(t, promoter)
	assert.Equal(t, failover.WatchRunTimeoutSeconds, d.TimeoutSeconds, "a run ends before the next starts")
	assert.Equal(t, "https://us-west-2.api.staging.example.com/", d.States["Probe"].Parameters["ApiEndpoint"], "the writer's own hostname, not the global one")
	assert.Equal(t, "https://us-east-1.api.staging.example.com/", d.States["SuccessorProbe"].Parameters["ApiEndpoint"], "it serves before it is promoted")
	assert.Equal(t, map[string]any{"HealthCheckId": healthCheckOf(t, res, "us-west-2")}, d.States["AskRoute53"].Parameters)
	assert.Equal(t, map[string]any{"HealthCheckId": healthCheckOf(t, res, "us-east-1")}, d.States["SuccessorChecks"].Parameters)
	// The fence: the writer's routing check (its API record's) raised past
	// its one child, and only that check.
	fence := RoutingCheckOf(t, res, APIRecords(res)["us-west-2"])
	assert.Equal(t, healthCheckOf(t, res, "us-west-2"), fence.Str("childHealthchecks.0"))
	assert.Equal(t, map[string]any{"HealthCheckId": fence.ID, "HealthThreshold": float64(failover.FenceThreshold)}, d.States["Fence"].Parameters)
	// The region directory as it reads once us-east-1 writes, in its bucket.
	publish := d.States["PublishDirectory"].Parameters
	var bucket string
	for _, o := range res.Recorder.OfType("aws:s3/bucketObjectv2:BucketObjectv2") {
		if o.Region == "us-east-1" && o.Str("key") == "static/"+components.DirectoryObject {
			bucket = o.Str("bucket")
		}
	}
	require.NotEmpty(t, bucket)
	assert.Equal(t, bucket, publish["Bucket"], "the watcher's own bucket")
	assert.Equal(t, "static/"+components.DirectoryObject, publish["Key"])
	assert.Equal(t, components.DirectoryCacheControl, publish["CacheControl"])
	var after components.Directory
	require.NoError(t, json.Unmarshal([]byte(publish["Body"].(string)), &after))
	var listed []string
	for _, r := range after.Regions {
		listed = append(listed, r.Name)
		assert.Equal(t, r.Name == "us-east-1", r.Writer, r.Name)
	}
	assert.NotContains(t, listed, "us-west-2", "the lost writer's region is left out")
	assert.Equal(t, map[string]any{"GlobalClusterIdentifier": global.ID, "TargetDbClusterIdentifier": clusters["us-east-1"], "AllowDataLoss": true}, d.States["Promote"].Parameters)
	assert.NotContains(t, d.States, "AskPeers", "two regions: no peer to ask")

	// The database's own signal: the replication alarm of its member.
	alarm := res.Recorder.Named("aws:cloudwatch/metricAlarm:MetricAlarm", "staging-watch-us-west-2-replication")
	require.NotNil(t, alarm)
	assert.Equal(t, []any{alarm.Str("name")}, d.States["DatabaseSignal"].Parameters["AlarmNames"])
	assert.Equal(t, "us-east-1", alarm.Region)
	assert.Equal(t, "AuroraGlobalDBRPOLag", alarm.Str("metricName"))
	assert.Equal(t, ByRegion(res, "aws:rds/cluster:Cluster", "clusterIdentifier")["us-east-1"], alarm.Str("dimensions.DBClusterIdentifier"))
	assert.Equal(t, "breaching", alarm.Str("treatMissingData"), "no datapoints from the writer is evidence too")
	assert.Equal(t, awsc.ReplicationAlarmPeriods*awsc.ReplicationAlarmPeriod, policies.ReplicationWindowPreviewSeconds)

	// The release window a deploy sets, and the state the machine keeps.
	release := res.Recorder.Named("aws:ssm/parameter:Parameter", "staging-watch-us-west-2-release")
	require.NotNil(t, release)
	assert.Equal(t, release.Str("name"), d.States["ReleaseWindow"].Parameters["Name"])
	assert.Equal(t, failover.NoReleaseWindow, release.Str("insecureValue"))
	assert.Subset(t, release.IgnoreChanges, []string{"insecureValue", "value"}, "the deploy owns it")
	state := res.Recorder.Named("aws:ssm/parameter:Parameter", "staging-watch-us-west-2-state")
	require.NotNil(t, state)
	assert.Equal(t, failover.InitialWatchState(), state.Str("insecureValue"))
	assert.Subset(t, state.IgnoreChanges, []string{"insecureValue", "value"}, "the state machine owns it")

	// Its role: the two URLs by GET, the evidence, the failover of its own member.
	grants := grantsOf(t, res, "staging-watch-us-west-2-role")
	assert.Equal(t, map[string]map[string]string{"StringEquals": {"states:HTTPMethod": "GET"}, "StringLike": {"states:HTTPEndpoint": "https://us-west-2.api.staging.example.com/"}},
		grants["ProbeHealthURL0"].Condition)
	assert.Equal(t, "https://us-east-1.api.staging.example.com/", grants["ProbeHealthURL1"].Condition["StringLike"]["states:HTTPEndpoint"])
	assert.ElementsMatch(t, []string{global.Outputs["arn"].(string), clusters["us-east-1"], clusters["us-west-2"]}, grants["ReadAndPromoteThisRegionsMember"].Resource)
	assert.ElementsMatch(t, []string{"arn:aws:route53:::healthcheck/" + healthCheckOf(t, res, "us-west-2"), "arn:aws:route53:::healthcheck/" + healthCheckOf(t, res, "us-east-1")}, grants["AskRoute53"].Resource)
	assert.Equal(t, []string{"route53:UpdateHealthCheck"}, grants["FenceTheOldWriter"].Action)
	assert.Equal(t, []string{"arn:aws:s3:::" + bucket + "/static/" + components.DirectoryObject}, grants["PublishTheRegionDirectory"].Resource)
	assert.Equal(t, []string{"arn:aws:route53:::healthcheck/" + fence.ID}, grants["FenceTheOldWriter"].Resource)
	assert.ElementsMatch(t, []string{release.Outputs["arn"].(string), alarm.Outputs["arn"].(string)}, grants["ReadTheReleaseWindowAndTheReplicationAlarm"].Resource)
	assert.Equal(t, map[string]map[string]string{"StringEquals": {"kms:EncryptionContext:aws:states:stateMachineArn": promoter.Outputs["arn"].(string)}},
		grants["EncryptExecutionData"].Condition, "the ARN built from the name is the machine's")
	policy := res.Recorder.Named("aws:iam/rolePolicy:RolePolicy", "staging-watch-us-west-2-role")
	assert.Contains(t, promoter.DependsOn, policy.URN, "the role may use the key before the machine is created")

	schedule := res.Recorder.Named("aws:scheduler/schedule:Schedule", "staging-watch-us-west-2")
	require.NotNil(t, schedule)
	assert.Equal(t, "rate(1 minute)", schedule.Str("scheduleExpression"))
	assert.Equal(t, promoter.Outputs["arn"], schedule.Get("target.arn"))

	// A watch that stops running is heard: no finished run, no datapoint.
	silent := res.Recorder.Named("aws:cloudwatch/metricAlarm:MetricAlarm", "staging-watch-us-west-2-silent")
	require.NotNil(t, silent)
	assert.Equal(t, "ExecutionsSucceeded", silent.Str("metricName"))
	assert.Equal(t, promoter.Outputs["arn"], silent.Get("dimensions.StateMachineArn"))
	assert.Equal(t, "breaching", silent.Str("treatMissingData"), "no run at all is silence too")
	assert.Equal(t, "LessThanThreshold", silent.Str("comparisonOperator"))
	assert.Equal(t, 1, silent.Int("threshold"))
	assert.Equal(t, failover.SilentAfterSeconds, silent.Int("period")*silent.Int("datapointsToAlarm"))
	assert.Equal(t, silent.Int("evaluationPeriods"), silent.Int("datapointsToAlarm"))
	assert.Equal(t, []any{silent.Get("alarmActions.0")}, silent.Get("okActions"), "its end is said where its start was")

	notifier := definitionOf(t, machines["us-west-2"])
	assert.Equal(t, "https://us-east-1.api.staging.example.com/", notifier.States["Probe"].Parameters["ApiEndpoint"])
	assert.NotContains(t, notifier.States, "Promote", "only the writer's watcher promotes")
	assert.True(t, failover.IsTestedWatch(machines["us-west-2"].Str("definition")))
}

func TestAThirdRegionProbesTheWriterForTheSuccessorWhenRoute53CannotBeRead(t *testing.T) {
	t.Parallel()
	res := PlanFile(t, "../../Pulumi.prod.yaml") // us-east-1 writes; eu-west-1 succeeds it; ap-southeast-1 is the peer
	machines := machinesOf(res)
	peer, promoter := definitionOf(t, machines["ap-southeast-1"]), definitionOf(t, machines["eu-west-1"])
	replicas := ByRegion(res, "aws:dynamodb/tableReplica:TableReplica", "arn")
	table := Filter(res.Recorder.OfType("aws:dynamodb/table:Table"), func(r *mock.Resource) bool { return strings.HasPrefix(r.Name, "prod-watch-table") })
	require.Len(t, table, 1)
	name := table[0].Outputs["name"]
	assert.Equal(t, "https://us-east-1.api.example.com/", peer.States["ObserveWriter"].Parameters["ApiEndpoint"])
	assert.Equal(t, name, peer.States["ObservedDown"].Parameters["TableName"])
	assert.Equal(t, name, promoter.States["AskPeers"].Parameters["TableName"])
	assert.Equal(t, []string{replicas["ap-southeast-1"]}, grantsOf(t, res, "prod-watch-eu-west-1-role")["RecordWhatItSawOfTheWriter"].Resource, "the peer writes its own region's replica")
	assert.Equal(t, []string{replicas["eu-west-1"]}, grantsOf(t, res, "prod-watch-us-east-1-role")["ReadThePeersObservations"].Resource, "the successor reads its own region's replica")
	assert.NotContains(t, definitionOf(t, machines["us-east-1"]).States, "ObserveWriter", "the writer does not observe itself")
}

func TestLosingUSEast1WithTheWriterNeedsAPeerForTheSecondOpinion(t *testing.T) {
	t.Parallel()
	two := ContractPlan(t, "aws", "active-active", "us-east-1", "eu-west-1")
	assert.Contains(t, writesLosing(t, two, "us-east-1").Via, "no second opinion: Route 53's API is in us-east-1 too")
	assert.NotEmpty(t, Violations(Graph(two), policies.RegionLossSurvived), "a two-region stack whose writer is in us-east-1 is refused")
	assert.True(t, writesLosing(t, ContractPlan(t, "aws", "active-active", "us-west-2", "us-east-1"), "us-west-2").Survives, "elsewhere Route 53's API outlives the writer")

	prod := PlanFile(t, "../../Pulumi.prod.yaml")
	assert.True(t, writesLosing(t, prod, "us-east-1").Survives, "prod's third region is the peer")
	var without policies.Stack
	without.Spec = Graph(prod).Spec
	for _, r := range Graph(prod).Resources {
		if r.Type == "aws:sfn/stateMachine:StateMachine" && r.Region == "ap-southeast-1" {
			continue
		}
		without.Resources = append(without.Resources, r)
	}
	assert.False(t, writesLosing(t, nil, "us-east-1", without).Survives, "without the peer's watch, nothing stands in")
}

func TestOnlyATestedDefinitionIsCreditedWithThePromotion(t *testing.T) {
	t.Parallel()
	res := PlanFile(t, "../../Pulumi.staging.yaml")
	var s policies.Stack
	s.Spec = Graph(res).Spec
	for _, r := range Graph(res).Resources {
		if r.Type == "aws:sfn/stateMachine:StateMachine" && r.Region == "us-east-1" {
			clone := *r
			clone.Inputs = map[string]any{}
			for k, v := range r.Inputs {
				clone.Inputs[k] = v
			}
			var def map[string]any
			require.NoError(t, json.Unmarshal([]byte(r.Str("definition")), &def))
			delete(def["States"].(map[string]any), "ReleaseOpen") // a guard dropped
			def["States"].(map[string]any)["ReleaseIsTime"].(map[string]any)["Choices"] = []any{}
			b, _ := json.Marshal(def)
			clone.Inputs["definition"] = string(b)
			r = &clone
		}
		s.Resources = append(s.Resources, r)
	}
	writes := writesLosing(t, nil, "us-west-2", s)
	assert.False(t, writes.Survives)
	assert.Contains(t, writes.Via, "not by a definition the scenario table ran")
	assert.Zero(t, countWatchTerms(policies.ComputeBudget(s).RTO.Terms), "no detection is credited to it")
}

func countWatchTerms(terms []policies.Term) int {
	n := 0
	for _, t := range terms {
		if strings.HasPrefix(t.Name, "region watch") {
			n++
		}
	}
	return n
}

func TestTheWatchThatPromotesFollowsTheWriter(t *testing.T) {
	t.Parallel()
	res := MustPlan(t, "watch", With(Contract("aws", "active-passive", "us-west-2", "us-east-1", "eu-west-1"), "writerRegion", "us-east-1"))
	promoters := map[string]string{}
	for region, sm := range machinesOf(res) {
		if d := definitionOf(t, sm); d.States["Promote"].Type != "" {
			promoters[region] = d.States["Probe"].Parameters["ApiEndpoint"].(string)
		}
	}
	assert.Equal(t, map[string]string{"eu-west-1": "https://us-east-1.api.example.com/"}, promoters, "the successor of the moved writer")
}

// writesLosing is the region-loss analysis of api-writes when region is lost.
func writesLosing(t *testing.T, res *plan.Result, region string, stack ...policies.Stack) policies.FunctionLoss {
	t.Helper()
	s := func() policies.Stack {
		if len(stack) > 0 {
			return stack[0]
		}
		return Graph(res)
	}()
	for _, rl := range policies.AnalyzeRegionLoss(s) {
		if rl.Region != region {
			continue
		}
		for _, f := range rl.Functions {
			if f.Name == policies.FnAPIWrites {
				return f
			}
		}
	}
	t.Fatalf("no analysis of losing %s", region)
	return policies.FunctionLoss{}
}

// grantsOf are a role policy's statements by Sid.
func grantsOf(t *testing.T, res *plan.Result, name string) map[string]awsc.Statement {
	t.Helper()
	p := res.Recorder.Named("aws:iam/rolePolicy:RolePolicy", name)
	require.NotNil(t, p, name)
	var policy struct{ Statement []awsc.Statement }
	require.NoError(t, json.Unmarshal([]byte(p.Str("policy")), &policy))
	grants := map[string]awsc.Statement{}
	for _, st := range policy.Statement {
		grants[st.Sid] = st
	}
	return grants
}

// healthCheckOf is the id of the Route 53 health check of a region's load balancer.
func healthCheckOf(t *testing.T, res *plan.Result, region string) string {
	t.Helper()
	var lbDNS string
	for _, lb := range res.Recorder.OfType("aws:lb/loadBalancer:LoadBalancer") {
		if lb.Region == region {
			lbDNS, _ = lb.Outputs["dnsName"].(string)
		}
	}
	for _, hc := range res.Recorder.OfType("aws:route53/healthCheck:HealthCheck") {
		if hc.Str("fqdn") == lbDNS {
			return hc.ID
		}
	}
	t.Fatalf("no health check for %s", region)
	return ""
}
