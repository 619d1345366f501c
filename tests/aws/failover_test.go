package aws

import (
	"encoding/json"
	"testing"

	. "github.com/mobile-backend/mobile-backend/tests/suite"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	awsc "github.com/mobile-backend/mobile-backend/components/aws"
	"github.com/mobile-backend/mobile-backend/internal/mock"
	"github.com/mobile-backend/mobile-backend/internal/plan"
	"github.com/mobile-backend/mobile-backend/policies"
)

// asl is the part of a state machine definition the tests read.
type asl struct {
	StartAt string
	States  map[string]struct {
		Type, Resource, Next, Default string
		TimeoutSeconds                int
		Parameters, ResultSelector    map[string]any
		Retry                         []struct{ IntervalSeconds, MaxAttempts int }
		Catch                         []struct{ Next string }
		Choices                       []map[string]any
	}
}

func definitionOf(t *testing.T, sm *mock.Resource) asl {
	t.Helper()
	var d asl
	require.NoError(t, json.Unmarshal([]byte(sm.Str("definition")), &d), sm.Name)
	return d
}

func TestTheWritersSuccessorWatchesItAndPromotesItsOwnMember(t *testing.T) {
	t.Parallel()
	res := PlanFile(t, "../../Pulumi.staging.yaml") // us-west-2 writes, us-east-1 stands by
	machines := map[string]*mock.Resource{}
	for _, sm := range res.Recorder.OfType("aws:sfn/stateMachine:StateMachine") {
		machines[sm.Region] = sm
	}
	require.Len(t, machines, 2, "every region is watched from another")
	clusters := ByRegion(res, "aws:rds/cluster:Cluster", "arn")
	global := One(t, res.Recorder.OfType("aws:rds/globalCluster:GlobalCluster"), "global cluster")

	promoter := definitionOf(t, machines["us-east-1"])
	probe := promoter.States["Probe"]
	assert.Equal(t, "arn:aws:states:::http:invoke", probe.Resource)
	assert.Equal(t, "https://us-west-2.api.staging.example.com/", probe.Parameters["ApiEndpoint"], "the writer's own hostname, not the global one")
	assert.Equal(t, awsc.WatchProbeTimeoutSeconds, probe.TimeoutSeconds)
	require.Len(t, probe.Retry, 1)
	assert.Equal(t, awsc.WatchRetries, probe.Retry[0].MaxAttempts, "a sustained failure, not one lost probe")
	assert.Equal(t, "StateWhenDown", probe.Catch[0].Next)
	// It acts only from "healthy": never before the writer answered once, never twice.
	act := promoter.States["ActOnIt?"]
	assert.Equal(t, "Done", act.Default)
	require.Len(t, act.Choices, 1)
	assert.Equal(t, awsc.WatchHealthy, act.Choices[0]["StringEquals"])
	assert.Equal(t, "SecondOpinion", act.Choices[0]["Next"])
	// Seen from more than one place: Route 53's checkers must see the writer fail too.
	second := promoter.States["SecondOpinion"]
	assert.Equal(t, "arn:aws:states:::aws-sdk:route53:getHealthCheckStatus", second.Resource)
	assert.Equal(t, map[string]any{"HealthCheckId": healthCheckOf(t, res, "us-west-2")}, second.Parameters)
	assert.Equal(t, "Notify", second.Catch[0].Next, "Route 53's API unreachable: this region's view decides")
	confirmed := promoter.States["ConfirmedDown?"]
	assert.Equal(t, "NotConfirmed", confirmed.Default, "healthy to Route 53: nothing is promoted")
	require.Len(t, confirmed.Choices, 1)
	and := confirmed.Choices[0]["And"].([]any)
	require.Len(t, and, 1+awsc.SecondOpinionCheckers)
	assert.Equal(t, map[string]any{"Variable": "$.route53.statuses[2]", "IsPresent": true}, and[0],
		"fewer observations than checkers: not confirmed, never a States.Runtime error no Catch catches")
	assert.Equal(t, map[string]any{"statuses.$": "$.HealthCheckObservations[*].StatusReport.Status"}, second.ResultSelector)
	assert.Equal(t, "MarkDown", promoter.States["NotConfirmed"].Next)
	promote := promoter.States["Promote"]
	assert.Equal(t, "arn:aws:states:::aws-sdk:rds:failoverGlobalCluster", promote.Resource)
	assert.Equal(t, map[string]any{"GlobalClusterIdentifier": global.ID, "TargetDbClusterIdentifier": clusters["us-east-1"], "AllowDataLoss": true}, promote.Parameters)
	assert.Equal(t, "MarkPromoted", promote.Next)

	notifier := definitionOf(t, machines["us-west-2"])
	assert.Equal(t, "https://us-east-1.api.staging.example.com/", notifier.States["Probe"].Parameters["ApiEndpoint"])
	assert.NotContains(t, notifier.States, "Promote", "only the writer's watcher promotes")
	assert.Equal(t, "MarkDown", notifier.States["Notify"].Next)

	// Its role: the one URL by GET, its state, its topic, the failover of its own member.
	var policy struct{ Statement []awsc.Statement }
	for _, p := range res.Recorder.OfType("aws:iam/rolePolicy:RolePolicy") {
		if p.Name == "staging-watch-us-west-2-role" {
			require.NoError(t, json.Unmarshal([]byte(p.Str("policy")), &policy))
		}
	}
	grants := map[string]awsc.Statement{}
	for _, st := range policy.Statement {
		grants[st.Sid] = st
	}
	assert.Equal(t, map[string]map[string]string{"StringEquals": {"states:HTTPMethod": "GET"}, "StringLike": {"states:HTTPEndpoint": "https://us-west-2.api.staging.example.com/"}},
		grants["ProbeTheWatchedRegion"].Condition)
	assert.Equal(t, []string{"*"}, grants["ProbeTheWatchedRegion"].Resource, "the action has no resource type; its conditions scope it")
	assert.ElementsMatch(t, []string{global.Outputs["arn"].(string), clusters["us-east-1"], clusters["us-west-2"]}, grants["PromoteThisRegionsMember"].Resource)
	assert.Equal(t, []string{"arn:aws:route53:::healthcheck/" + healthCheckOf(t, res, "us-west-2")}, grants["AskRoute53"].Resource)
	assert.Equal(t, map[string]map[string]string{"StringEquals": {"kms:EncryptionContext:aws:states:stateMachineArn": machines["us-east-1"].Outputs["arn"].(string)}},
		grants["EncryptExecutionData"].Condition)

	state := res.Recorder.Named("aws:ssm/parameter:Parameter", "staging-watch-us-west-2-state")
	require.NotNil(t, state)
	assert.Equal(t, awsc.WatchNever, state.Str("insecureValue"))
	assert.Subset(t, state.IgnoreChanges, []string{"insecureValue", "value"}, "the state machine owns it")
	schedule := res.Recorder.Named("aws:scheduler/schedule:Schedule", "staging-watch-us-west-2")
	require.NotNil(t, schedule)
	assert.Equal(t, "rate(1 minute)", schedule.Str("scheduleExpression"))
	assert.Equal(t, machines["us-east-1"].Outputs["arn"], schedule.Get("target.arn"))
	assert.Equal(t, "us-east-1", schedule.Region)
}

func TestTheWatchThatPromotesFollowsTheWriter(t *testing.T) {
	t.Parallel()
	res := MustPlan(t, "watch", With(Contract("aws", "active-passive", "us-west-2", "us-east-1", "eu-west-1"), "writerRegion", "us-east-1"))
	promoters := map[string]string{}
	for _, sm := range res.Recorder.OfType("aws:sfn/stateMachine:StateMachine") {
		d := definitionOf(t, sm)
		if _, ok := d.States["Promote"]; ok {
			promoters[sm.Region] = d.States["Probe"].Parameters["ApiEndpoint"].(string)
		}
	}
	assert.Equal(t, map[string]string{"eu-west-1": "https://us-east-1.api.example.com/"}, promoters, "the successor of the moved writer")
}

func TestThePreviewFigureOfTheWatchIsItsDefinitions(t *testing.T) {
	t.Parallel()
	assert.Equal(t, awsc.WatchRetries*awsc.WatchRetrySeconds, policies.WatchRetriesPreviewSeconds)
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
