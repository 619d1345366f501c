package failover

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTheRegionWatchRunsTheScenarioTableInAStatesLanguageInterpreter(t *testing.T) {
	rows, err := Scenarios()
	require.NoError(t, err)
	for _, peers := range []bool{false, true} {
		variant := map[bool]string{false: "two regions", true: "with peers"}[peers]
		t.Run(variant, func(t *testing.T) {
			t.Parallel()
			runAWSTable(t, rows, testWatch(peers))
		})
	}
}

// runAWSTable runs every row, each against its own fake AWS, through the
// definition generated for w.
func runAWSTable(t *testing.T, rows []Scenario, w Watch) {
	definition, err := WatchDefinition(w)
	require.NoError(t, err)
	worlds, order := map[string]*awsWorld{}, []string{}
	for _, s := range rows {
		worlds[s.Name] = newAWSWorld(t, w, s)
		order = append(order, s.Name)
	}
	results := runTable(t, definition, worlds, order)
	for _, s := range rows {
		t.Run(s.Name, func(t *testing.T) {
			checkAWS(t, s, worlds[s.Name], results[s.Name])
		})
	}
}

// checkAWS holds one row's outcome to its expectations.
func checkAWS(t *testing.T, s Scenario, a *awsWorld, results []aslResult) {
	t.Helper()
	e := s.Expect
	assert.Len(t, a.promotions, e.Promotions, "promotions at runs %v", a.promotions)
	for _, m := range a.promotions {
		assert.GreaterOrEqual(t, m, e.NotBefore, "promoted at run %d", m)
		if e.WithinDetection {
			assert.LessOrEqual(t, m*WatchIntervalSeconds, WatchDetectionSeconds(), "promoted at run %d, past the detection the budget counts", m)
		}
	}
	var notified, alerts []string
	for _, n := range a.notes {
		switch n.Reason {
		case NotifyPromoting, NotifyPromoted:
			notified = append(notified, n.Reason)
		default:
			if !slices.Contains(alerts, n.Reason) {
				alerts = append(alerts, n.Reason)
			}
		}
	}
	if e.Notified == nil {
		e.Notified = []string{}
	}
	if notified == nil {
		notified = []string{}
	}
	assert.Equal(t, e.Notified, notified, "notifications: %+v", a.notes)
	assert.ElementsMatch(t, e.Alerts, alerts, "alerts: %+v", a.notes)
	if e.Silent {
		assert.Empty(t, a.notes)
	}
	failed := slices.ContainsFunc(results, func(r aslResult) bool { return r.Status != "SUCCEEDED" })
	assert.Equal(t, e.RunFailed, failed, "runs: %+v", results)
	state := a.state()
	assert.Equal(t, e.Completed, state.Phase == PhasePromoted && a.writerIs == testTargetARN && a.threshold == FenceThreshold && a.directory == testDirectoryAfter,
		"phase %s, writer %s, fence threshold %d, directory %s", state.Phase, a.writerIs, a.threshold, a.directory)
	if e.Promotions > 0 || e.Completed {
		for _, n := range a.notes {
			if n.Reason == NotifyPromoting {
				assert.Contains(t, n.Message, `"database":{"states":["ALARM"]}`, "the notification says what the watch saw")
			}
		}
	}
}

// With the writer in us-east-1, Route 53's API (its control plane is in
// us-east-1) goes with it: a peer's fresh probe stands in as the second
// opinion; a stale one does not. The fence waits for Route 53's API, said
// once, and is set the first run it answers, even with the old writer back.
func TestAPeerRegionsProbeStandsInWhenRoute53CannotBeRead(t *testing.T) {
	t.Parallel()
	lost := Scenario{Name: "route53-lost-with-the-writer", Minutes: []Minute{
		{Times: 6, Writer: "down", Edge: "unreadable", Database: "lost"}, {Times: 2, Writer: "up", Edge: "up", Database: "replicating"}}}
	w := testWatch(true)
	definition, err := WatchDefinition(w)
	require.NoError(t, err)
	fresh, stale := newAWSWorld(t, w, lost), newAWSWorld(t, w, lost)
	fresh.peerSees, stale.peerSees, stale.peerAge = "down", "down", 10*time.Minute
	results := runTable(t, definition, map[string]*awsWorld{"fresh": fresh, "stale": stale}, []string{"fresh", "stale"})
	checkAWS(t, Scenario{Expect: Expect{Promotions: 1, Notified: []string{NotifyPromoting, NotifyPromoted}, Alerts: []string{ReasonFencePending}, Completed: true}}, fresh, results["fresh"])
	checkAWS(t, Scenario{Expect: Expect{Alerts: []string{ReasonSecondOpinion}}}, stale, results["stale"])
}

// The watches that only alert report a sustained outage once, its end once,
// and a refused probe as a failed run.
func TestAnAlertOnlyWatchReportsAnOutageOnceAndItsEnd(t *testing.T) {
	t.Parallel()
	w := testAlertWatch()
	definition, err := WatchDefinition(w)
	require.NoError(t, err)
	for _, c := range []struct {
		name    string
		minutes []Minute
		reasons []string
		failed  bool
	}{
		{"outage", []Minute{{Times: 6, Writer: "down"}, {Times: 2, Writer: "up"}}, []string{"down", "recovered"}, false},
		{"blip", []Minute{{Times: 2, Writer: "down"}, {Writer: "up"}, {Times: 2, Writer: "down"}, {Writer: "up"}}, nil, false},
		{"refused", []Minute{{Times: 3, Writer: "denied"}}, []string{ReasonProbeRefused}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			a := &awsWorld{t: t, w: w, minutes: Scenario{Minutes: c.minutes}.Run(), calls: map[string]int{},
				params: map[string]string{w.StateParameter: `{"phase":"healthy","strikes":0,"held":"","lastRun":"1970-01-01T00:00:00Z"}`}}
			results := runTable(t, definition, map[string]*awsWorld{c.name: a}, []string{c.name})[c.name]
			var reasons []string
			for _, n := range a.notes {
				reasons = append(reasons, n.Reason)
			}
			assert.Equal(t, c.reasons, reasons)
			assert.Equal(t, c.failed, slices.ContainsFunc(results, func(r aslResult) bool { return r.Status != "SUCCEEDED" }), "%+v", results)
			assert.Zero(t, a.calls[ResourceFailoverGlobal]+a.calls[ResourceHealthStatus], "an alert-only watch asks no one and promotes nothing")
		})
	}
}

// A peer records what it saw of the writer for the successor's watch.
func TestAPeerRecordsItsProbeOfTheWriter(t *testing.T) {
	t.Parallel()
	w := testPeerWatch()
	definition, err := WatchDefinition(w)
	require.NoError(t, err)
	var recorded []string
	results := runASL(t, definition, []aslRun{{ID: "0"}, {ID: "1"}, {ID: "2"}}, func(run, _, resource string, in map[string]any) (any, string) {
		switch resource {
		case ResourceGetParameter:
			return map[string]any{"Parameter": map[string]any{"Value": InitialWatchState()}}, ""
		case ResourcePutParameter:
			return map[string]any{"Version": 2}, ""
		case ResourceHTTP:
			if in["ApiEndpoint"] == w.Observe.URL {
				return nil, map[string]string{"0": "", "1": "States.Http.StatusCode.502", "2": "States.Http.StatusCode.403"}[run]
			}
			return map[string]any{"StatusCode": 200}, ""
		case ResourcePutObservation:
			item := in["Item"].(map[string]any)
			assert.Equal(t, "us-east-1", item["pk"].(map[string]any)["S"])
			assert.Equal(t, "ap-southeast-1", item["sk"].(map[string]any)["S"])
			assert.NotEmpty(t, item["at"].(map[string]any)["S"])
			recorded = append(recorded, item["seen"].(map[string]any)["S"].(string))
			return map[string]any{}, ""
		}
		t.Errorf("unexpected %s", resource)
		return nil, "States.TaskFailed"
	})
	assert.Equal(t, []string{"up", "down", "refused"}, recorded)
	for _, r := range results {
		assert.Equal(t, "SUCCEEDED", r.Status, "%+v", r)
	}
}

// Two runs never overlap: each ends before the schedule starts the next.
func TestARunEndsBeforeTheNextStarts(t *testing.T) {
	definition, err := WatchDefinition(testWatch(true))
	require.NoError(t, err)
	var d struct{ TimeoutSeconds int }
	require.NoError(t, json.Unmarshal([]byte(definition), &d))
	assert.Equal(t, WatchRunTimeoutSeconds, d.TimeoutSeconds)
	assert.Less(t, WatchRunTimeoutSeconds, WatchIntervalSeconds)
	// The longest run: two probes, each tried twice, within the timeout
	// with room for the API calls.
	assert.Less(t, 2*(WatchProbeAttempts*WatchProbeTimeoutSeconds+WatchProbeRetrySeconds), WatchRunTimeoutSeconds-10)
}

// testAlertWatch is a watch that only alerts.
func testAlertWatch() Watch {
	w := testWatch(false)
	w.Promote = nil
	return w
}

// testPeerWatch is a third region's watch, which also probes the writer.
func testPeerWatch() Watch {
	w := testAlertWatch()
	w.Region, w.Watched = "ap-southeast-1", "eu-west-1"
	w.ProbeURL = "https://eu-west-1.api.example.com/health"
	w.Observe = &Observation{Writer: "us-east-1", URL: "https://us-east-1.api.example.com/health", Table: "prod-watch"}
	return w
}

// The plan credits only watches of a shape these tests run.
func TestEveryWatchTheTestsRunHasATestedShape(t *testing.T) {
	t.Parallel()
	for _, w := range []Watch{testWatch(false), testWatch(true), testAlertWatch(), testPeerWatch()} {
		d, err := WatchDefinition(w)
		require.NoError(t, err)
		assert.True(t, IsTestedWatch(d), "%s from %s", w.Watched, w.Region)
	}
	d, err := WatchDefinition(testWatch(true))
	require.NoError(t, err)
	var def map[string]any
	require.NoError(t, json.Unmarshal([]byte(d), &def))
	delete(def["States"].(map[string]any), "SuccessorProbe")
	b, _ := json.Marshal(def)
	assert.False(t, IsTestedWatch(string(b)), "a watch without its successor guard is not one the tests ran")
}
