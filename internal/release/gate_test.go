package release

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// outcome is what the harness reports of one run of the gate.
type outcome struct {
	Passed  string           `json:"passed"`
	Failed  string           `json:"failed"`
	Changes []map[string]any `json:"changes"`
	Seconds float64          `json:"seconds"`
}

// runGate runs the embedded gate.py over a scenario in python3 (the Lambda
// runtime's and the gate images' interpreter), with a fake clock and fakes
// of the cloud's API (testdata/harness.py).
func runGate(t *testing.T, scenario map[string]any) outcome {
	t.Helper()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "gate.py"), []byte(Gate), 0o600))
	harness, err := filepath.Abs("testdata/harness.py")
	require.NoError(t, err)
	in, err := json.Marshal(scenario)
	require.NoError(t, err)
	cmd := exec.Command("python3", harness, dir)
	cmd.Stdin = bytes.NewReader(in)
	out, err := cmd.Output()
	if ee, ok := err.(*exec.ExitError); ok {
		t.Fatalf("harness: %v\n%s", err, ee.Stderr)
	}
	require.NoError(t, err)
	var o outcome
	require.NoError(t, json.Unmarshal(out, &o), "%s", out)
	return o
}

const (
	oldTD = "arn:aws:ecs:eu-west-1:123456789012:task-definition/prod-eu-west-1-task:41"
	newTD = "arn:aws:ecs:eu-west-1:123456789012:task-definition/prod-eu-west-1-task:42"
)

func ecsDeployment(status, taskDef, rollout, reason string) map[string]any {
	return map[string]any{"id": "ecs-svc/" + rollout, "status": status, "taskDefinition": taskDef, "rolloutState": rollout,
		"rolloutStateReason": reason, "desiredCount": 2, "runningCount": 2, "pendingCount": 0, "failedTasks": 0}
}

func awsScenario(deployments []any, alarms []any) map[string]any {
	return map[string]any{
		"cloud": "aws", "bake": 300, "settle": 600,
		"env": map[string]string{"REGION": "eu-west-1", "CLUSTER": "prod-eu-west-1-cluster", "SERVICE": "prod-eu-west-1-api",
			"TASK_DEFINITION": newTD, "FAMILY": "prod-eu-west-1-task", "ALARMS": "prod-eu-west-1-release-5xx,prod-eu-west-1-release-p99"},
		"taskDefinitions": []string{newTD, oldTD, "arn:aws:ecs:eu-west-1:123456789012:task-definition/prod-eu-west-1-task:40"},
		"deployments":     deployments, "alarms": alarms,
	}
}

var quiet = []any{[]any{0, map[string]string{}}}

func TestTheAWSGatePassesOnlyAVersionThatSettledAndBakedQuietly(t *testing.T) {
	t.Parallel()
	rolling := []any{ecsDeployment("PRIMARY", newTD, "IN_PROGRESS", "ECS deployment ecs-svc/2 in progress."), ecsDeployment("ACTIVE", oldTD, "COMPLETED", "")}
	done := []any{ecsDeployment("PRIMARY", newTD, "COMPLETED", "ECS deployment ecs-svc/2 completed.")}
	rolledBack := []any{
		ecsDeployment("PRIMARY", oldTD, "IN_PROGRESS", "ECS deployment circuit breaker: rolling back to deploymentId ecs-svc/1."),
		ecsDeployment("ACTIVE", newTD, "FAILED", "ECS deployment circuit breaker: tasks failed to start."),
	}
	for _, c := range []struct {
		name        string
		deployments []any
		alarms      []any
		failed      []string // the message holds each; none: it passes
		rollback    string   // the task definition the gate put back, if any
		atLeast     float64  // seconds the gate took, at least
	}{
		{"settles then bakes", []any{[]any{0, rolling}, []any{90, done}}, quiet, nil, "", 90 + 300},
		{"the circuit breaker rolled it back", []any{[]any{0, rolling}, []any{60, rolledBack}}, quiet,
			[]string{"release gate eu-west-1:", "ECS rolled back to " + oldTD, "tasks failed to start", "ECS already serves " + oldTD}, "", 60},
		{"a deployment alarm rolled it back", []any{[]any{0, []any{ecsDeployment("PRIMARY", oldTD, "IN_PROGRESS", ""), ecsDeployment("ACTIVE", newTD, "FAILED", "ECS deployment alarm prod-eu-west-1-release-5xx in ALARM state.")}}}, quiet,
			[]string{"release gate eu-west-1:", "prod-eu-west-1-release-5xx in ALARM state", "ECS already serves"}, "", 0},
		{"an alarm fires in the bake", []any{[]any{0, done}}, []any{[]any{0, map[string]string{}}, []any{120, map[string]string{"prod-eu-west-1-release-p99": "ALARM"}}},
			[]string{"release gate eu-west-1: prod-eu-west-1-release-p99 in alarm 120s into the bake", "rolled back to " + oldTD}, oldTD, 120},
		{"it never settles", []any{[]any{0, rolling}}, quiet,
			[]string{"release gate eu-west-1: the new version was not ready after 600s", "rolled back to " + oldTD}, oldTD, 600},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			o := runGate(t, awsScenario(c.deployments, c.alarms))
			assert.GreaterOrEqual(t, o.Seconds, c.atLeast)
			if c.failed == nil {
				assert.Empty(t, o.Failed)
				assert.Equal(t, newTD, o.Passed)
				assert.Empty(t, o.Changes, "a passing gate changes nothing")
				return
			}
			require.NotEmpty(t, o.Failed, "the gate passed a failing version")
			for _, w := range c.failed {
				assert.Contains(t, o.Failed, w)
			}
			if c.rollback == "" {
				assert.Empty(t, o.Changes, "ECS rolled back by itself: the gate changes nothing")
				return
			}
			require.Len(t, o.Changes, 1)
			assert.Equal(t, map[string]any{"call": "ecs:UpdateService", "service": "prod-eu-west-1-api", "taskDefinition": c.rollback}, o.Changes[0])
		})
	}
}
