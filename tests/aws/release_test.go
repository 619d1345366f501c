package aws_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	awsc "github.com/mobile-backend/mobile-backend/components/aws"
	"github.com/mobile-backend/mobile-backend/internal/mock"
	. "github.com/mobile-backend/mobile-backend/tests/suite"
)

// Each region's service settles under the deployment circuit breaker and
// its release alarms, both with rollback, and pulumi up waits for it; its
// gate reads that one service and those alarms, and may put the service
// back on a previous task definition, passing the service's own roles to
// ECS tasks and nothing else.
func TestEachRegionsServiceIsGatedByItsOwnAlarmsAndGate(t *testing.T) {
	t.Parallel()
	res := MustPlan(t, "rel", With(Contract("aws", "active-active", "us-east-1", "eu-west-1"), "releaseBakeSeconds", 240))
	for _, region := range []string{"us-east-1", "eu-west-1"} {
		prefix := "rel-" + region
		svc := res.Recorder.Named("aws:ecs/service:Service", prefix+"-api")
		require.NotNil(t, svc, region)
		assert.True(t, svc.Bool("waitForSteadyState"), "pulumi up waits for the deployment to settle")
		assert.True(t, svc.Bool("deploymentCircuitBreaker.rollback"))
		assert.True(t, svc.Bool("alarms.enable") && svc.Bool("alarms.rollback"))
		assert.Equal(t, []any{prefix + "-release-5xx", prefix + "-release-p99"}, svc.Get("alarms.alarmNames"))
		p99 := res.Recorder.Named(TypeAlarm, prefix+"-release-p99")
		require.NotNil(t, p99)
		assert.Equal(t, "p99", p99.Str("extendedStatistic"))
		assert.InDelta(t, 1.0, p99.Get("threshold"), 1e-9, "alarmLatencyP99Ms in seconds")

		fn := res.Recorder.Named("aws:lambda/function:Function", prefix+"-release")
		require.NotNil(t, fn, region)
		assert.Equal(t, region, fn.Region, "the gate runs in its own region")
		assert.Equal(t, awsc.ReleaseGateRuntime, fn.Str("runtime"))
		assert.Equal(t, 900, fn.Int("timeout"))
		assert.Equal(t, svc.Outputs["name"], fn.Get("environment.variables.SERVICE"))
		assert.Equal(t, prefix+"-release-5xx,"+prefix+"-release-p99", fn.Get("environment.variables.ALARMS"))

		task := res.Recorder.Named("aws:ecs/taskDefinition:TaskDefinition", prefix+"-task")
		require.NotNil(t, task)
		inv := One(t, Filter(OfComponent(res.Recorder.OfType("aws:lambda/invocation:Invocation"), "mobile-backend:aws:ReleaseGate"), func(r *mock.Resource) bool { return r.Region == region }), "gate invocation")
		var input map[string]any
		require.NoError(t, json.Unmarshal([]byte(inv.Str("input")), &input))
		assert.Equal(t, map[string]any{"TASK_DEFINITION": task.Outputs["arn"], "BAKE_SECONDS": float64(240)}, input)
		assert.Equal(t, task.Outputs["arn"], inv.Get("triggers.taskDefinition"), "a new task definition invokes it again")
		assert.Contains(t, inv.DependsOn, svc.URN, "it runs once the service has settled")

		var doc struct{ Statement []awsc.Statement }
		policy := res.Recorder.Named("aws:iam/rolePolicy:RolePolicy", prefix+"-release-policy")
		require.NotNil(t, policy)
		require.NoError(t, json.Unmarshal([]byte(policy.Str("policy")), &doc))
		bySid := map[string]awsc.Statement{}
		for _, st := range doc.Statement {
			bySid[st.Sid] = st
		}
		assert.Equal(t, []string{svc.ID}, bySid["ReadAndRollBackTheService"].Resource, "the one service (its id is its ARN)")
		pass := bySid["PassTheTasksRoles"]
		taskRole, execRole := res.Recorder.Named("aws:iam/role:Role", prefix+"-task-role"), res.Recorder.Named("aws:iam/role:Role", prefix+"-exec-role")
		require.NotNil(t, taskRole)
		require.NotNil(t, execRole)
		assert.Equal(t, []string{taskRole.Outputs["arn"].(string), execRole.Outputs["arn"].(string)}, pass.Resource)
		assert.Equal(t, map[string]map[string]string{"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}}, pass.Condition)
		assert.Len(t, doc.Statement, 5, "logs, the service, the task definitions' list, the alarms, the roles")
	}
}
