package release

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

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
	for file, code := range LambdaCode() {
		require.NoError(t, os.WriteFile(filepath.Join(dir, strings.Replace(file, "index.py", "aws.py", 1)), []byte(code), 0o600))
	}
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

func TestTheAWSGateFailsOnARefusalThatLasts(t *testing.T) {
	t.Parallel()
	sc := awsScenario([]any{[]any{0, []any{ecsDeployment("PRIMARY", newTD, "COMPLETED", "")}}}, quiet)
	sc["refusals"] = []string{"AccessDeniedException", "AccessDeniedException", "AccessDeniedException", "AccessDeniedException",
		"AccessDeniedException", "AccessDeniedException", "AccessDeniedException", "AccessDeniedException", "AccessDeniedException",
		"AccessDeniedException", "AccessDeniedException", "AccessDeniedException", "AccessDeniedException", "AccessDeniedException"}
	dir := t.TempDir()
	for file, code := range LambdaCode() {
		require.NoError(t, os.WriteFile(filepath.Join(dir, strings.Replace(file, "index.py", "aws.py", 1)), []byte(code), 0o600))
	}
	in, err := json.Marshal(sc)
	require.NoError(t, err)
	cmd := exec.Command("python3", "testdata/harness.py", dir)
	cmd.Stdin = bytes.NewReader(in)
	out, err := cmd.CombinedOutput()
	require.Error(t, err, "a refusal past 120 s is not waited out: %s", out)
	assert.Contains(t, string(out), "AccessDeniedException")
}

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
			[]string{"release gate eu-west-1: prod-eu-west-1-release-p99 in alarm 105s into the bake" /* 20 s of refusals, then polls every 15 s */, "rolled back to " + oldTD}, oldTD, 120},
		{"it never settles", []any{[]any{0, rolling}}, quiet,
			[]string{"release gate eu-west-1: the new version was not ready after 600s", "rolled back to " + oldTD}, oldTD, 600},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			sc := awsScenario(c.deployments, c.alarms)
			// The function's role is seconds old: IAM refuses it a while.
			sc["refusals"] = []string{"AccessDeniedException", "AccessDeniedException"}
			o := runGate(t, sc)
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

func runService(latestCreated, latestReady, state, message string, latestPercent int) map[string]any {
	base := "projects/p/locations/europe-west1/services/prod-europe-west1-api/revisions/"
	return map[string]any{
		"name": "projects/p/locations/europe-west1/services/prod-europe-west1-api", "latestCreatedRevision": base + latestCreated, "latestReadyRevision": base + latestReady,
		"terminalCondition": map[string]any{"type": "Ready", "state": state, "message": message},
		"trafficStatuses":   []any{map[string]any{"type": "TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST", "percent": latestPercent}},
	}
}

func series(class string, counts ...int) map[string]any {
	var points []any
	for _, c := range counts {
		points = append(points, map[string]any{"value": map[string]any{"int64Value": fmt.Sprint(c)}}) // int64 is a JSON string
	}
	return map[string]any{"metric": map[string]any{"type": "run.googleapis.com/request_count", "labels": map[string]any{"response_code_class": class}}, "points": points}
}

func latency(ms float64) map[string]any {
	return map[string]any{"metric": map[string]any{"type": "run.googleapis.com/request_latencies"}, "points": []any{map[string]any{"value": map[string]any{"doubleValue": ms}}}}
}

func gcpScenario(service []any, counts []any, latencies []any) map[string]any {
	rev := func(name, created string, ready bool) map[string]any {
		state := "CONDITION_FAILED"
		if ready {
			state = "CONDITION_SUCCEEDED"
		}
		return map[string]any{"name": "projects/p/locations/europe-west1/services/prod-europe-west1-api/revisions/" + name, "createTime": created,
			"conditions": []any{map[string]any{"type": "Ready", "state": state}}}
	}
	return map[string]any{
		"cloud": "gcp", "bake": 300, "settle": 300, "revision": "api-00042-new",
		"env":     map[string]string{"REGION": "europe-west1", "PROJECT": "p", "SERVICE": "prod-europe-west1-api", "MAX_5XX_PERCENT": "5", "MAX_P99_MS": "1000"},
		"service": service, "count": counts, "latencies": latencies,
		"revisions": []any{rev("api-00042-new", "2026-12-06T10:00:00Z", true), rev("api-00041-bad", "2026-12-05T10:00:00Z", false), rev("api-00040-old", "2026-12-04T10:00:00Z", true)},
	}
}

func TestTheGoogleCloudGateMeasuresTheNewRevisionAndMovesTrafficBack(t *testing.T) {
	t.Parallel()
	ready := []any{[]any{0, runService("api-00042-new", "api-00042-new", "CONDITION_SUCCEEDED", "", 100)}}
	healthy := []any{[]any{0, []any{series("2xx", 900, 950), series("5xx", 3, 2)}}}
	fast := []any{[]any{0, []any{latency(180)}}}
	back := map[string]any{"call": "run:PATCH service traffic", "traffic": []any{map[string]any{"type": "TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION", "revision": "api-00040-old", "percent": float64(100)}}}
	for _, c := range []struct {
		name                       string
		service, counts, latencies []any
		failed                     []string
		movedBack                  bool
	}{
		{"a ready revision that stays healthy", ready, healthy, fast, nil, false},
		{"5xx above the threshold in the bake", ready, []any{[]any{0, []any{series("2xx", 900)}}, []any{150, []any{series("2xx", 900), series("5xx", 120)}}}, fast,
			[]string{"release gate europe-west1: 5xx 11.8% > 5% in alarm", "into the bake of api-00042-new", "traffic moved back to api-00040-old"}, true},
		{"p99 above the threshold", ready, healthy, []any{[]any{0, []any{latency(180)}}, []any{60, []any{latency(2400)}}},
			[]string{"p99 2400 ms > 1000 ms", "traffic moved back to api-00040-old"}, true},
		{"a revision that never got ready", []any{[]any{0, runService("api-00042-new", "api-00040-old", "CONDITION_FAILED", "Revision 'api-00042-new' is not ready and cannot serve traffic.", 100)}}, healthy, fast,
			[]string{"release gate europe-west1: the new version failed: api-00042-new is not ready: Revision 'api-00042-new' is not ready", "Cloud Run moved no traffic to it: api-00040-old still serves"}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			o := runGate(t, gcpScenario(c.service, c.counts, c.latencies))
			if c.failed == nil {
				assert.Empty(t, o.Failed)
				assert.Equal(t, "api-00042-new", o.Passed)
				assert.GreaterOrEqual(t, o.Seconds, 300.0, "it baked")
				assert.Empty(t, o.Changes)
				return
			}
			require.NotEmpty(t, o.Failed, "the gate passed a failing revision")
			for _, w := range c.failed {
				assert.Contains(t, o.Failed, w)
			}
			if c.movedBack {
				assert.Equal(t, []map[string]any{back}, o.Changes, "traffic back to the newest ready revision before it")
			} else {
				assert.Empty(t, o.Changes)
			}
		})
	}
}

const azureApp = "/subscriptions/s/resourceGroups/prod-westeurope/providers/Microsoft.App/containerApps/prod-westeurope-api"

func azureScenario(latest, ready string, requests, responseTime []any, newRevision map[string]any) map[string]any {
	rev := func(name, created string, props map[string]any) map[string]any {
		p := map[string]any{"createdTime": created, "provisioningState": "Provisioned", "active": false, "trafficWeight": 0, "healthState": "Healthy", "runningState": "Running"}
		for k, v := range props {
			p[k] = v
		}
		return map[string]any{"name": name, "id": azureApp + "/revisions/" + name, "properties": p}
	}
	return map[string]any{
		"cloud": "azure", "bake": 300, "settle": 300, "revision": latest,
		"env": map[string]string{"REGION": "westeurope", "APP_ID": azureApp, "MAX_5XX_PERCENT": "5", "MAX_P99_MS": "1000"},
		"app": []any{[]any{0, map[string]any{"id": azureApp, "properties": map[string]any{"latestRevisionName": latest, "latestReadyRevisionName": ready}}}},
		"revisions": []any{
			rev("prod-westeurope-api--new", "2026-12-06T10:00:00Z", newRevision),
			rev("prod-westeurope-api--bad", "2026-12-05T10:00:00Z", map[string]any{"provisioningState": "Failed"}),
			rev("prod-westeurope-api--old", "2026-12-04T10:00:00Z", map[string]any{"active": latest != ready, "trafficWeight": 100}),
		},
		"requests": requests, "responseTime": responseTime,
	}
}

func requests(counts map[string]float64) []any {
	var ts []any
	for class, n := range counts {
		ts = append(ts, map[string]any{"metadatavalues": []any{map[string]any{"name": map[string]any{"value": "statuscodecategory"}, "value": class}},
			"data": []any{map[string]any{"timeStamp": "2026-12-06T10:01:00Z", "total": n / 2}, map[string]any{"timeStamp": "2026-12-06T10:02:00Z", "total": n / 2}}})
	}
	return ts
}

func responseTime(ms float64) []any {
	return []any{map[string]any{"data": []any{map[string]any{"timeStamp": "2026-12-06T10:01:00Z", "average": ms}}}}
}

func TestTheAzureGateMeasuresTheNewRevisionAndReactivatesTheOldOne(t *testing.T) {
	t.Parallel()
	const fresh, old = "prod-westeurope-api--new", "prod-westeurope-api--old"
	serving := map[string]any{"active": true, "trafficWeight": 100}
	healthy := []any{[]any{0, requests(map[string]float64{"2xx": 1000, "5xx": 4})}}
	fast := []any{[]any{0, responseTime(120)}}
	rolledBack := []map[string]any{{"call": "containerApps:activate", "revision": old}, {"call": "containerApps:deactivate", "revision": fresh}}
	for _, c := range []struct {
		name                    string
		latest, ready           string
		requests, responseTimes []any
		newRevision             map[string]any
		failed                  []string
		changes                 []map[string]any
	}{
		{"a ready revision that stays healthy", fresh, fresh, healthy, fast, serving, nil, nil},
		{"5xx above the threshold in the bake", fresh, fresh, []any{[]any{0, requests(map[string]float64{"2xx": 1000})}, []any{200, requests(map[string]float64{"2xx": 800, "5xx": 200})}}, fast, serving,
			// Polled every 15 s: seen at 210 s.
			[]string{"release gate westeurope: 5xx 20.0% > 5% in alarm 210s into the bake of " + fresh, "re-activated " + old + " and deactivated " + fresh}, rolledBack},
		{"slow responses in the bake", fresh, fresh, healthy, []any{[]any{0, responseTime(120)}, []any{90, responseTime(3000)}}, serving,
			[]string{"average response time 3000 ms > 1000 ms", "re-activated " + old}, rolledBack},
		{"a revision that never got ready", fresh, old, healthy, fast, map[string]any{"runningState": "Failed", "healthState": "Unhealthy", "provisioningError": "container exited with code 1"},
			[]string{"release gate westeurope: the new version failed: " + fresh + " is Failed (Unhealthy): container exited with code 1; Container Apps keeps serving " + old,
				"Container Apps moved no traffic to it: " + old + " still serves"}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			o := runGate(t, azureScenario(c.latest, c.ready, c.requests, c.responseTimes, c.newRevision))
			if c.failed == nil {
				assert.Empty(t, o.Failed)
				assert.Equal(t, fresh, o.Passed)
				assert.GreaterOrEqual(t, o.Seconds, 300.0, "it baked")
				assert.Empty(t, o.Changes)
				return
			}
			require.NotEmpty(t, o.Failed, "the gate passed a failing revision")
			for _, w := range c.failed {
				assert.Contains(t, o.Failed, w)
			}
			if c.changes == nil {
				assert.Empty(t, o.Changes, "Container Apps never moved traffic: nothing to undo")
				return
			}
			assert.Equal(t, c.changes, o.Changes)
		})
	}
}

// The Lambda entry point: the function's environment names the service,
// the invocation's input the release (internal/aws's ReleaseGate).
func TestTheLambdaHandlerGatesTheTaskDefinitionOfTheInvocation(t *testing.T) {
	t.Parallel()
	done := []any{[]any{0, []any{ecsDeployment("PRIMARY", newTD, "COMPLETED", "")}}}
	sc := awsScenario(done, quiet)
	env := sc["env"].(map[string]string)
	delete(env, "TASK_DEFINITION")
	sc["cloud"] = "aws-handler"
	sc["event"] = map[string]any{"TASK_DEFINITION": newTD, "BAKE_SECONDS": 0}
	o := runGate(t, sc)
	assert.Empty(t, o.Failed)
	assert.JSONEq(t, `{"region": "eu-west-1", "passed": "`+newTD+`"}`, o.Passed)

	sc["event"] = map[string]any{"TASK_DEFINITION": oldTD, "BAKE_SECONDS": 0}
	o = runGate(t, sc)
	assert.Contains(t, o.Failed, "release gate eu-west-1: the new version failed: ECS rolled back to "+newTD, "another release's task definition is not this one's")
}

// The gate runs right after its grants are made, which take minutes to
// reach Google's and Azure's APIs: it retries a refusal that long, and no
// longer; a client error that no wait mends fails at once.
func TestTheGateWaitsForItsGrantsToPropagate(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name    string
		answers []int
		seconds float64
		passed  bool
		calls   int
	}{
		{"refused twice, then allowed", []int{403, 403, 200}, 600, true, 3},
		{"a transient error", []int{503, 200}, 600, true, 2},
		{"refused past the wait", []int{403, 403, 403, 403, 403, 403}, 30, false, 4},
		{"not found: no retry", []int{404, 200}, 600, false, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			o := runGate(t, map[string]any{"cloud": "retry", "answers": c.answers, "seconds": c.seconds})
			assert.Equal(t, c.passed, o.Failed == "", o.Failed)
			assert.Len(t, o.Changes, c.calls)
		})
	}
}

// The migrations runner (AWS): it starts the task in the migrations'
// cluster and private subnets, waits for it to stop, and fails the
// invocation, and pulumi up before any wave, unless the container exited 0,
// naming the exit status and the log stream; a task that outlives the
// invocation is stopped.
func TestTheMigrationsRunnerFailsTheReleaseUnlessTheCommandExitsZero(t *testing.T) {
	t.Parallel()
	const taskArn = "arn:aws:ecs:eu-west-1:123456789012:task/prod-migrations-cluster/0a1b2c3d4e5f"
	run := map[string]any{
		"call": "ecs:RunTask", "cluster": "arn:aws:ecs:eu-west-1:123456789012:cluster/prod-migrations-cluster",
		"taskDefinition": "arn:aws:ecs:eu-west-1:123456789012:task-definition/prod-migrations:7", "launchType": "FARGATE",
		"networkConfiguration": map[string]any{"awsvpcConfiguration": map[string]any{
			"subnets": []any{"subnet-a", "subnet-b"}, "securityGroups": []any{"sg-migrations"}, "assignPublicIp": "DISABLED"}},
	}
	for _, c := range []struct {
		name   string
		runs   float64
		ended  map[string]any
		failed []string
		stops  bool
	}{
		{"the command succeeds", 95, map[string]any{"containers": []any{map[string]any{"name": "migrations", "exitCode": 0}}}, nil, false},
		{"the task is listed late", 0, map[string]any{"containers": []any{map[string]any{"name": "migrations", "exitCode": 0}}}, nil, false},
		{"the command fails", 40, map[string]any{"containers": []any{map[string]any{"name": "migrations", "exitCode": 3}}, "stoppedReason": "Essential container in task exited"},
			[]string{"migrations in eu-west-1 failed: exit status 3", "logs: /mobile-backend/prod-migrations migrations/migrations/0a1b2c3d4e5f", "no region took the new version"}, false},
		{"the image cannot be pulled", 20, map[string]any{"containers": []any{map[string]any{"name": "migrations", "reason": "CannotPullContainerError: pull access denied"}}},
			[]string{"exit status none (the container never ran) (CannotPullContainerError: pull access denied)"}, false},
		{"the command outlives the invocation", 5000, nil,
			[]string{"migrations in eu-west-1 did not finish within 870s: stopped"}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			o := runGate(t, map[string]any{
				"cloud": "aws-migrate", "runs": c.runs, "ended": c.ended, "listedLate": map[bool]int{true: 2}[c.runs == 0],
				"env": map[string]string{"REGION": "eu-west-1", "CLUSTER": run["cluster"].(string), "CONTAINER": "migrations",
					"SUBNETS": "subnet-a,subnet-b", "SECURITY_GROUP": "sg-migrations", "LOG_GROUP": "/mobile-backend/prod-migrations", "LOG_PREFIX": "migrations"},
				"event": map[string]any{"TASK_DEFINITION": run["taskDefinition"]},
			})
			require.NotEmpty(t, o.Changes)
			assert.Equal(t, run, o.Changes[0], "one task of the migrations' definition, in their cluster and subnets")
			if c.failed == nil {
				assert.Empty(t, o.Failed)
				assert.JSONEq(t, `{"region": "eu-west-1", "task": "`+taskArn+`", "exitCode": 0}`, o.Passed)
				assert.GreaterOrEqual(t, o.Seconds, c.runs, "it waited for the task to end")
				return
			}
			for _, w := range c.failed {
				assert.Contains(t, o.Failed, w)
			}
			if c.stops {
				assert.Equal(t, map[string]any{"call": "ecs:StopTask", "task": taskArn}, o.Changes[len(o.Changes)-1])
			} else {
				assert.Len(t, o.Changes, 1)
			}
		})
	}
}

// An Azure job run at deploy (the database users): the script starts an
// execution and waits for it; a failed one fails pulumi up with where its
// logs are. A long-running start (202, no body) finds its execution in the
// list.
func TestTheAzureJobRunWaitsForTheExecutionAndFailsWithIt(t *testing.T) {
	t.Parallel()
	const job = "/subscriptions/s/resourceGroups/prod-westeurope/providers/Microsoft.App/jobs/prod-db-users"
	now := time.Now().UTC()
	for _, c := range []struct {
		name       string
		start      map[string]any
		executions []any
		status     []any
		failed     string
		calls      []string
	}{
		{"it succeeds", map[string]any{"name": "prod-db-users-abc12", "id": job + "/executions/prod-db-users-abc12"}, nil,
			[]any{[]any{0, "Running"}, []any{40, "Succeeded"}}, "",
			[]string{"POST /start", "GET /executions/prod-db-users-abc12", "GET /executions/prod-db-users-abc12", "GET /executions/prod-db-users-abc12", "GET /executions/prod-db-users-abc12"}},
		{"it fails", map[string]any{"name": "prod-db-users-abc12"}, nil,
			[]any{[]any{0, "Running"}, []any{20, "Failed"}},
			"job prod-db-users: execution prod-db-users-abc12 failed; its logs: ContainerAppConsoleLogs_CL | where ContainerGroupName_s startswith 'prod-db-users-abc12'",
			// Polled every 15 s: seen failed at 30 s.
			[]string{"POST /start", "GET /executions/prod-db-users-abc12", "GET /executions/prod-db-users-abc12", "GET /executions/prod-db-users-abc12"}},
		{"a long-running start", map[string]any{}, []any{
			map[string]any{"name": "prod-db-users-old", "properties": map[string]any{"startTime": now.Add(-2 * time.Hour).Format(time.RFC3339), "status": "Succeeded"}},
			map[string]any{"name": "prod-db-users-new", "properties": map[string]any{"startTime": now.Format(time.RFC3339), "status": "Running"}},
		}, []any{[]any{0, "Succeeded"}}, "",
			[]string{"POST /start", "GET /executions", "GET /executions/prod-db-users-new"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			o := runGate(t, map[string]any{"cloud": "azure-job", "env": map[string]string{"JOB_ID": job, "TIMEOUT_SECONDS": "2700"},
				"start": c.start, "executions": c.executions, "status": c.status})
			var calls []string
			for _, ch := range o.Changes {
				calls = append(calls, ch["call"].(string))
			}
			assert.Equal(t, c.calls, calls)
			if c.failed == "" {
				assert.Empty(t, o.Failed)
				return
			}
			assert.Equal(t, c.failed, o.Failed)
		})
	}
}

// A worker is part of the release: one that ECS rolled back fails the
// wave (pulumi-aws's steady state took the rollback for settled), and an
// alarm in the bake puts the API and the worker back.
func TestTheAWSGateHoldsTheWorkersToTheRelease(t *testing.T) {
	t.Parallel()
	const oldW, newW = "arn:aws:ecs:eu-west-1:123456789012:task-definition/prod-eu-west-1-push:8", "arn:aws:ecs:eu-west-1:123456789012:task-definition/prod-eu-west-1-push:9"
	done := []any{[]any{0, []any{ecsDeployment("PRIMARY", newTD, "COMPLETED", "")}}}
	scenario := func(worker []any, alarms []any) map[string]any {
		sc := awsScenario(done, alarms)
		sc["env"].(map[string]string)["WORKERS"] = `[{"service":"prod-eu-west-1-push","taskDefinition":"` + newW + `","family":"prod-eu-west-1-push"}]`
		sc["workers"] = map[string]any{"prod-eu-west-1-push": worker}
		sc["workerTaskDefinitions"] = map[string]any{"prod-eu-west-1-push": []string{newW, oldW}}
		return sc
	}
	rolledBack := []any{[]any{0, []any{ecsDeployment("PRIMARY", oldW, "COMPLETED", "")}}}
	o := runGate(t, scenario(rolledBack, quiet))
	assert.Contains(t, o.Failed, "release gate eu-west-1: the new version failed: worker prod-eu-west-1-push: ECS rolled back to "+oldW)
	assert.Equal(t, []map[string]any{{"call": "ecs:UpdateService", "service": "prod-eu-west-1-api", "taskDefinition": oldTD}}, o.Changes,
		"the API goes back with it; the worker is already back")

	settled := []any{[]any{0, []any{ecsDeployment("PRIMARY", newW, "COMPLETED", "")}}}
	o = runGate(t, scenario(settled, []any{[]any{0, map[string]string{}}, []any{60, map[string]string{"prod-eu-west-1-release-5xx": "ALARM"}}}))
	assert.Contains(t, o.Failed, "prod-eu-west-1-release-5xx in alarm")
	assert.ElementsMatch(t, []map[string]any{
		{"call": "ecs:UpdateService", "service": "prod-eu-west-1-api", "taskDefinition": oldTD},
		{"call": "ecs:UpdateService", "service": "prod-eu-west-1-push", "taskDefinition": oldW},
	}, o.Changes)

	o = runGate(t, scenario(settled, quiet))
	assert.Empty(t, o.Failed)
}

// A start is sent once: a 5xx may hide a started execution.
func TestTheGateSendsAStartOnceUnlessRefused(t *testing.T) {
	t.Parallel()
	o := runGate(t, map[string]any{"cloud": "retry", "answers": []int{503, 200}, "seconds": 600, "method": "POST"})
	assert.Equal(t, "HTTP 503", o.Failed)
	assert.Len(t, o.Changes, 1)
	o = runGate(t, map[string]any{"cloud": "retry", "answers": []int{403, 200}, "seconds": 600, "method": "POST"})
	assert.Empty(t, o.Failed, "a refusal started nothing: sent again")
	assert.Len(t, o.Changes, 2)
}

// A worker's app whose new revision fails fails the wave (its PUT may have
// succeeded: pulumi/pulumi-azure-native#2779); the API is put back too.
func TestTheAzureGateHoldsTheWorkersToTheRelease(t *testing.T) {
	t.Parallel()
	const fresh, old = "prod-westeurope-api--new", "prod-westeurope-api--old"
	worker := "/subscriptions/s/resourceGroups/prod-westeurope/providers/Microsoft.App/containerApps/prod-westeurope-push"
	sc := azureScenario(fresh, fresh, []any{[]any{0, requests(map[string]float64{"2xx": 1000})}}, []any{[]any{0, responseTime(100)}}, map[string]any{"active": true, "trafficWeight": 100})
	sc["env"].(map[string]string)["WORKER_APP_IDS"] = worker
	sc["workerApps"] = map[string]any{worker: map[string]any{
		"app": []any{[]any{0, map[string]any{"properties": map[string]any{"latestRevisionName": "prod-westeurope-push--new", "latestReadyRevisionName": "prod-westeurope-push--old"}}}},
		"revisions": []any{
			map[string]any{"name": "prod-westeurope-push--new", "properties": map[string]any{"provisioningState": "Provisioned", "runningState": "Failed", "healthState": "Unhealthy", "provisioningError": "exit code 2", "createdTime": "2026-12-06T10:00:00Z"}},
			map[string]any{"name": "prod-westeurope-push--old", "properties": map[string]any{"provisioningState": "Provisioned", "createdTime": "2026-12-04T10:00:00Z"}},
		},
	}}
	o := runGate(t, sc)
	assert.Contains(t, o.Failed, "release gate westeurope: the new version failed: worker prod-westeurope-push: prod-westeurope-push--new is Failed: exit code 2")
	assert.Contains(t, o.Failed, "Container Apps moved no traffic to it: prod-westeurope-push--old still serves")
	assert.Equal(t, []map[string]any{{"call": "containerApps:activate", "revision": old}, {"call": "containerApps:deactivate", "revision": fresh}}, o.Changes,
		"the API goes back to the previous revision with it")
}

// Azure runs gate.py as a deployment script's inline content, which an
// audit of this project found limited to 32,000 characters (the REST
// specification states no maxLength: unconfirmed either way); the script
// stays under it with room for its bash wrapper.
func TestTheGateFitsADeploymentScript(t *testing.T) {
	t.Parallel()
	assert.Less(t, len(Gate)+200, 32000, "gate.py is %d characters", len(Gate))
}

// A schedule fires in every region; only the region whose cluster is the
// global database's writer runs the job: once for the stack, next to the
// writer, wherever a failover moved it.
func TestAScheduleRunsOnlyWhereTheWriterIs(t *testing.T) {
	t.Parallel()
	const here, there = "arn:aws:rds:eu-west-1:123456789012:cluster:prod-db-eu-west-1", "arn:aws:rds:us-east-1:123456789012:cluster:prod-db-us-east-1"
	env := map[string]string{"REGION": "eu-west-1", "GLOBAL_CLUSTER": "prod-db", "CLUSTER_ARN": here, "ECS_CLUSTER": "prod-eu-west-1-cluster",
		"SUBNETS": "subnet-a,subnet-b", "SECURITY_GROUP": "sg-tasks"}
	event := map[string]any{"SCHEDULE": "cleanup", "TASK_DEFINITION": "arn:aws:ecs:eu-west-1:123456789012:task-definition/prod-eu-west-1-cleanup:3"}
	for _, c := range []struct {
		name    string
		members []any
		ran     bool
	}{
		{"the writer is elsewhere", []any{map[string]any{"DBClusterArn": there, "IsWriter": true}, map[string]any{"DBClusterArn": here, "IsWriter": false}}, false},
		{"a failover moved the writer here", []any{map[string]any{"DBClusterArn": there, "IsWriter": false}, map[string]any{"DBClusterArn": here, "IsWriter": true}}, true},
		{"no writer (a failover in progress)", []any{map[string]any{"DBClusterArn": there, "IsWriter": false}, map[string]any{"DBClusterArn": here, "IsWriter": false}}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			o := runGate(t, map[string]any{"cloud": "aws-schedule", "env": env, "event": event, "members": c.members})
			var said struct{ Ran bool }
			require.NoError(t, json.Unmarshal([]byte(o.Passed), &said))
			assert.Equal(t, c.ran, said.Ran)
			if c.ran {
				require.Len(t, o.Changes, 2)
				assert.Equal(t, map[string]any{"call": "ecs:RunTask", "cluster": "prod-eu-west-1-cluster", "taskDefinition": event["TASK_DEFINITION"], "startedBy": "schedule-cleanup"}, o.Changes[1])
			} else {
				assert.Len(t, o.Changes, 1, "asked, and ran nothing")
			}
		})
	}
}

// On Google Cloud the region whose Cloud SQL instance is the primary runs
// the schedule; a replica's region (or an instance that is not running)
// runs nothing.
func TestAGoogleCloudScheduleRunsOnlyBesideThePrimary(t *testing.T) {
	t.Parallel()
	env := map[string]string{"PROJECT": "p", "REGION": "europe-west1", "INSTANCE": "prod-db-europe-west1", "JOB": "prod-europe-west1-cleanup", "SCHEDULE": "cleanup"}
	for _, c := range []struct {
		name     string
		instance map[string]any
		ran      bool
	}{
		{"the primary", map[string]any{"instanceType": "CLOUD_SQL_INSTANCE", "state": "RUNNABLE"}, true},
		{"a replica", map[string]any{"instanceType": "READ_REPLICA_INSTANCE", "state": "RUNNABLE"}, false},
		{"a suspended old primary", map[string]any{"instanceType": "CLOUD_SQL_INSTANCE", "state": "SUSPENDED"}, false},
		{"a fenced old primary back", map[string]any{"instanceType": "CLOUD_SQL_INSTANCE", "state": "RUNNABLE", "settings": map[string]any{"activationPolicy": "NEVER"}}, false},
	} {
		o := runGate(t, map[string]any{"cloud": "gcp-schedule", "env": env, "instance": c.instance})
		assert.Equal(t, fmt.Sprint(c.ran), o.Passed, c.name)
		if c.ran {
			assert.Equal(t, "POST https://run.googleapis.com/v2/projects/p/locations/europe-west1/jobs/prod-europe-west1-cleanup:run", o.Changes[len(o.Changes)-1]["call"], c.name)
		} else {
			assert.Len(t, o.Changes, 1, c.name)
		}
	}
}

// On Azure the region whose SQL server holds the failover group's primary
// runs the schedule; the secondary's region, and a server outside the
// group, run nothing.
func TestAnAzureScheduleRunsOnlyBesideThePrimary(t *testing.T) {
	t.Parallel()
	env := map[string]string{"REGION": "westeurope", "SCHEDULE": "cleanup", "FAILOVER_GROUP": "prod-fog-ab12",
		"SERVER_ID": "/subscriptions/s/resourceGroups/prod-westeurope/providers/Microsoft.Sql/servers/prod-westeurope-sql-ab12",
		"JOB_ID":    "/subscriptions/s/resourceGroups/prod-westeurope/providers/Microsoft.App/jobs/prod-westeurope-cleanup"}
	for _, c := range []struct {
		name  string
		group any
		ran   bool
	}{
		{"the primary", map[string]any{"properties": map[string]any{"replicationRole": "Primary"}}, true},
		{"the secondary", map[string]any{"properties": map[string]any{"replicationRole": "Secondary"}}, false},
		{"outside the group", nil, false},
	} {
		o := runGate(t, map[string]any{"cloud": "azure-schedule", "env": env, "group": c.group})
		assert.Equal(t, fmt.Sprint(c.ran), o.Passed, c.name)
		if c.ran {
			assert.Equal(t, "POST https://management.azure.com"+env["JOB_ID"]+"/start?api-version=2024-03-01", o.Changes[len(o.Changes)-1]["call"], c.name)
		} else {
			assert.Len(t, o.Changes, 1, c.name)
		}
	}
}

// A scheduled task's end reaches the runner that started it through the
// EventBridge rule (the pattern StoppedScheduledTasks builds, matched as
// EventBridge does): a job that exited 0 is quiet; a non-zero exit, a task
// that never started and a stopped task alert the on-call topic, naming
// the schedule, the exit status and the log stream. Other tasks' ends (the
// API's, another cluster's, a task still running) never reach it.
func TestAFailedScheduledTaskAlertsTheOnCallTopic(t *testing.T) {
	t.Parallel()
	const cluster, task = "arn:aws:ecs:eu-west-1:123456789012:cluster/prod-eu-west-1-cluster", "arn:aws:ecs:eu-west-1:123456789012:task/prod-eu-west-1-cluster/0f3c9a"
	pattern, err := StoppedScheduledTasks(cluster)
	require.NoError(t, err)
	env := map[string]string{"REGION": "eu-west-1", "CONTAINER": "worker", "LOG_GROUP": "/ecs/prod-eu-west-1", "LOG_PREFIX": "api",
		"ALERT_TOPIC": "arn:aws:sns:eu-west-1:123456789012:prod-monitoring-eu-west-1-alerts"}
	// "Amazon ECS task state change events": the event's shape.
	event := func(mutate func(d map[string]any)) map[string]any {
		d := map[string]any{
			"clusterArn": cluster, "taskArn": task, "group": "family:prod-eu-west-1-schedules-cleanup",
			"taskDefinitionArn": "arn:aws:ecs:eu-west-1:123456789012:task-definition/prod-eu-west-1-schedules-cleanup:3",
			"lastStatus":        "STOPPED", "desiredStatus": "STOPPED", "startedBy": "schedule-cleanup",
			"stopCode": "EssentialContainerExited", "stoppedReason": "Essential container in task exited",
			"containers": []any{
				map[string]any{"name": "otel-collector", "exitCode": 0, "lastStatus": "STOPPED", "taskArn": task},
				map[string]any{"name": "worker", "exitCode": 3, "lastStatus": "STOPPED", "taskArn": task},
			},
		}
		mutate(d)
		return map[string]any{"version": "0", "id": "e-1", "source": "aws.ecs", "detail-type": "ECS Task State Change", "account": "123456789012",
			"region": "eu-west-1", "resources": []any{task}, "detail": d}
	}
	exit := func(code any) func(map[string]any) {
		return func(d map[string]any) {
			w := d["containers"].([]any)[1].(map[string]any)
			if code == nil {
				delete(w, "exitCode")
			} else {
				w["exitCode"] = code
			}
		}
	}
	for _, c := range []struct {
		name   string
		event  map[string]any
		alert  string // in the message; "" for none
		reason string
	}{
		{"exit 3", event(exit(3)), "exit status 3", "EssentialContainerExited"},
		{"exit 0", event(exit(0)), "", ""},
		{"never started", event(func(d map[string]any) {
			exit(nil)(d)
			d["stopCode"], d["stoppedReason"] = "TaskFailedToStart", "CannotPullContainerError: pull image manifest has been retried 5 time(s)"
		}), "exit status none", "CannotPullContainerError"},
		{"stopped by hand", event(func(d map[string]any) {
			exit(137)(d)
			d["stopCode"], d["stoppedReason"] = "UserInitiated", "Task stopped by user"
		}), "exit status 137", "UserInitiated"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			o := runGate(t, map[string]any{"cloud": "aws-stopped", "env": env, "pattern": pattern, "event": c.event, "refusals": 1})
			if c.alert == "" {
				assert.Contains(t, o.Passed, `"failed": false`)
				assert.Empty(t, o.Changes)
				return
			}
			require.Len(t, o.Changes, 1, "one alert, after one refusal while the role propagates")
			p := o.Changes[0]
			assert.Equal(t, env["ALERT_TOPIC"], p["TopicArn"])
			assert.Equal(t, "mobile-backend: schedule cleanup failed in eu-west-1", p["Subject"])
			assert.Contains(t, p["Message"], c.alert)
			assert.Contains(t, p["Message"], c.reason)
			assert.Contains(t, p["Message"], "logs: /ecs/prod-eu-west-1 api/worker/0f3c9a")
		})
	}
	// A refusal that is not a grant propagating fails the invocation (the
	// runner's Errors alarm), without waiting out the retries.
	o := runGate(t, map[string]any{"cloud": "aws-stopped", "env": env, "pattern": pattern, "event": event(exit(3)), "broken": "KMSDisabled"})
	assert.Equal(t, "KMSDisabled", o.Failed)
	assert.Zero(t, o.Seconds)
	for name, mutate := range map[string]func(d map[string]any){
		"the API's own task":   func(d map[string]any) { d["startedBy"] = "ecs-svc/9223370545345641169" },
		"another cluster":      func(d map[string]any) { d["clusterArn"] = "arn:aws:ecs:eu-west-1:123456789012:cluster/other" },
		"a task still running": func(d map[string]any) { d["lastStatus"] = "RUNNING" },
	} {
		o := runGate(t, map[string]any{"cloud": "aws-stopped", "env": env, "pattern": pattern, "event": event(mutate)})
		assert.Equal(t, "not matched", o.Passed, name)
	}
}
