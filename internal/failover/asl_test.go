package failover

import (
	"bufio"
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

//go:embed testdata/asl/run.mjs
var aslRunner []byte

// aslDir holds the interpreter's lockfile; npm installs it there once.
const aslDir = "testdata/asl"

var aslInstall struct {
	once sync.Once
	err  error
}

// aslReady installs aws-local-stepfunctions from the lockfile when the
// machine has not yet (CI installs it in .ci/run; a fresh checkout running
// go test ./... gets it here). The lockfile is read by the test itself, so
// go test's cache follows it.
func aslReady(t *testing.T) {
	t.Helper()
	lock, err := os.ReadFile(filepath.Join(aslDir, "package-lock.json"))
	require.NoError(t, err)
	var l struct {
		Packages map[string]struct{ Version string } `json:"packages"`
	}
	require.NoError(t, json.Unmarshal(lock, &l))
	want := l.Packages["node_modules/aws-local-stepfunctions"].Version
	require.NotEmpty(t, want, "the lockfile pins aws-local-stepfunctions")
	aslInstall.once.Do(func() {
		var have struct{ Version string }
		if b, err := os.ReadFile(filepath.Join(aslDir, "node_modules/aws-local-stepfunctions/package.json")); err == nil {
			_ = json.Unmarshal(b, &have)
		}
		if have.Version == want {
			return
		}
		cmd := exec.Command("npm", "ci", "--no-audit", "--no-fund", "--loglevel=error")
		cmd.Dir = aslDir
		out, err := cmd.CombinedOutput()
		if err != nil {
			aslInstall.err = fmt.Errorf("npm ci in %s (Node.js 20 and npm are required): %v\n%s", aslDir, err, out)
		}
	})
	require.NoError(t, aslInstall.err)
}

// aslRun is one execution to run.
type aslRun struct {
	ID string `json:"id"`
}

type aslResult struct {
	ID, Status, Error, Cause string
}

// runASL executes definition once per run, in order, in the interpreter,
// every Task answered by answer(run id, state name, resource, input).
func runASL(t *testing.T, definition string, runs []aslRun, answer func(run, state, resource string, input map[string]any) (any, string)) []aslResult {
	t.Helper()
	aslReady(t)
	fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var call struct {
			Run, State, Resource string
			Input                map[string]any
		}
		if err := json.NewDecoder(r.Body).Decode(&call); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		result, errName := answer(call.Run, call.State, call.Resource, call.Input)
		out := map[string]any{"result": result}
		if errName != "" {
			out = map[string]any{"error": errName, "cause": errName + " (fake)"}
		}
		_ = json.NewEncoder(w).Encode(out)
	}))
	defer fake.Close()
	in, err := json.Marshal(map[string]any{"definition": definition, "fake": fake.URL, "runs": runs})
	require.NoError(t, err)
	script := filepath.Join(t.TempDir(), "run.mjs")
	require.NoError(t, os.WriteFile(script, aslRunner, 0o644))
	abs, err := filepath.Abs(filepath.Join(aslDir, "node_modules"))
	require.NoError(t, err)
	cmd := exec.Command("node", script)
	// ESM resolves packages from the script's directory: link the
	// installed modules next to the copy.
	require.NoError(t, os.Symlink(abs, filepath.Join(filepath.Dir(script), "node_modules")))
	return jsonLines[aslResult](t, cmd, in, len(runs))
}

// jsonLines runs cmd with in on its standard input and reads one JSON
// value of T a line from its output: n of them.
func jsonLines[T any](t *testing.T, cmd *exec.Cmd, in []byte, n int) []T {
	t.Helper()
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "%s: %s", cmd.Path, stderr.String())
	var results []T
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var r T
		require.NoError(t, json.Unmarshal(sc.Bytes(), &r), sc.Text())
		results = append(results, r)
	}
	require.Len(t, results, n, "%s: %s", cmd.Path, stderr.String())
	return results
}

func rfc3339(t time.Time) string { return t.Format("2006-01-02T15:04:05.000Z") }

// published is a notification the fake SNS took.
type published struct {
	Minute          int
	Subject, Reason string
	Message         string
}

// awsWorld is a fake AWS for one scenario, answering as the services'
// published API references shape their answers (botocore models: Route 53
// GetHealthCheckStatus, RDS DescribeGlobalClusters and
// FailoverGlobalCluster, CloudWatch DescribeAlarms, SSM GetParameter and
// PutParameter, DynamoDB Query, SNS Publish) and the HTTP task's errors
// (States.Http.StatusCode.<code>, States.Timeout).
type awsWorld struct {
	t        *testing.T
	w        Watch
	writer   string // the writer member's ARN
	minutes  []Minute
	now      int // the current run (0-based)
	params   map[string]string
	writerIs string // the member ARN that is the writer
	failing  string // the target of a failover under way
	done     int    // the run at which the failover under way completes
	// What the automation did.
	promotions []int
	notes      []published
	calls      map[string]int
	peers      bool
	// peerSees, when set, is what the peers' observations say whatever
	// the edge sees; peerAge makes them that much older than the run.
	peerSees string
	peerAge  time.Duration
	// threshold is the fence check's HealthThreshold (RouteThreshold
	// until the watch fences the old writer).
	threshold int
	// directory is the region directory in the watch region's bucket.
	directory string
}

const (
	// The directories before and after the promotion (components.Directory's shape, shortened).
	testDirectoryBefore = `{"schema":1,"regions":[{"name":"us-east-1","writer":true},{"name":"eu-west-1","writer":false}]}`
	testDirectoryAfter  = `{"schema":1,"regions":[{"name":"eu-west-1","writer":true}]}`
	testWriterARN       = "arn:aws:rds:us-east-1:123456789012:cluster:prod-db-us-east-1"
	testTargetARN       = "arn:aws:rds:eu-west-1:123456789012:cluster:prod-db-eu-west-1"
)

// testWatch is the promoting watch of a stack whose writer is us-east-1 and
// whose successor is eu-west-1; with peers, a third region's watch records
// its probes of the writer in the watch table.
func testWatch(peers bool) Watch {
	w := Watch{
		Region: "eu-west-1", Watched: "us-east-1",
		ProbeURL:       "https://us-east-1.api.example.com/health",
		Topic:          "arn:aws:sns:eu-west-1:123456789012:prod-alerts",
		Connection:     "arn:aws:events:eu-west-1:123456789012:connection/prod-eu-west-1-watch-us-east-1/0f1e",
		StateParameter: "/mobile-backend/prod/eu-west-1/watch-us-east-1",
		Promote: &Promotion{
			GlobalCluster: "prod-db", Target: testTargetARN,
			WriterHealthCheck: "hc-writer", SuccessorHealthCheck: "hc-successor", FenceHealthCheck: "hc-writer-route",
			SuccessorURL:     "https://eu-west-1.api.example.com/health",
			ReplicationAlarm: "prod-eu-west-1-replication-from-us-east-1",
			ReleaseParameter: "/mobile-backend/prod/release-window",
			NextStep:         "Set mobile-backend:writerRegion to eu-west-1 and run pulumi up.",
			Directory: &Directory{Bucket: "prod-uploads-eu-west-1-123456789012", Key: "static/.well-known/mobile-backend.json",
				Body: testDirectoryAfter, CacheControl: "public, max-age=60"},
		},
	}
	if peers {
		w.Promote.Table = "prod-watch"
	}
	return w
}

func newAWSWorld(t *testing.T, w Watch, s Scenario) *awsWorld {
	a := &awsWorld{t: t, w: w, minutes: s.Run(), writerIs: testWriterARN, calls: map[string]int{}, peers: w.Promote.Table != "", threshold: RouteThreshold, directory: testDirectoryBefore,
		params: map[string]string{w.Promote.ReleaseParameter: NoReleaseWindow}}
	state := WatchState{Phase: PhaseHealthy, LastRun: rfc3339(time.Now().Add(-time.Minute))}
	if s.History == "never" {
		state = WatchState{Phase: PhaseNever, LastRun: "1970-01-01T00:00:00Z"}
	}
	switch s.Start {
	case "partial":
		a.writerIs = testTargetARN
	case "promoted":
		a.writerIs, state.Phase, a.threshold, a.directory = testTargetARN, PhasePromoted, FenceThreshold, testDirectoryAfter
	}
	b, _ := json.Marshal(state)
	a.params[w.StateParameter] = string(b)
	return a
}

func (a *awsWorld) minute() Minute { return a.minutes[a.now] }

// statuses are Route 53's observations from its checkers (eight checker
// regions, two checkers each): all up, or all down but one stale report
// from the checker in the failed region.
func statuses(seen string) map[string]any {
	regions := []string{"us-east-1", "us-west-1", "us-west-2", "eu-west-1", "ap-southeast-1", "ap-southeast-2", "ap-northeast-1", "sa-east-1"}
	var obs []any
	for i, r := range regions {
		for j := range 2 {
			status := "Success: HTTP Status Code 200, OK"
			if seen == "down" && !(i == 0 && j == 0) {
				status = "Failure: Connection timed out. The endpoint or the internet connection is down, or requests are being blocked by your firewall."
			}
			obs = append(obs, map[string]any{"Region": r, "IPAddress": fmt.Sprintf("15.177.%d.%d", i, j),
				"StatusReport": map[string]any{"Status": status, "CheckedTime": "2026-12-06T12:00:00.000Z"}})
		}
	}
	return map[string]any{"HealthCheckObservations": obs}
}

// httpAnswer is how a hostname answers the HTTP task.
func (a *awsWorld) httpAnswer(how string) (any, string) {
	switch how {
	case "up":
		return map[string]any{"StatusCode": 200, "StatusText": "OK", "ResponseBody": "ok"}, ""
	case "denied":
		return nil, "States.Http.StatusCode.403"
	case "redirect":
		return nil, "States.Http.StatusCode.301"
	default: // down: a 503 from the load balancer, or a timeout, by turns
		if a.now%2 == 0 {
			return nil, "States.Http.StatusCode.503"
		}
		return nil, "States.Timeout"
	}
}

func (a *awsWorld) global() map[string]any {
	member := func(arn string) map[string]any {
		return map[string]any{"DBClusterArn": arn, "IsWriter": arn == a.writerIs, "Readers": []string{}, "SynchronizationStatus": "connected"}
	}
	g := map[string]any{"GlobalClusterIdentifier": "prod-db", "Status": "available", "Engine": "aurora-postgresql",
		"GlobalClusterMembers": []any{member(testWriterARN), member(testTargetARN)}}
	if a.failing != "" {
		g["Status"] = "failing-over"
		g["FailoverState"] = map[string]any{"Status": "failing-over", "FromDbClusterArn": a.writerIs, "ToDbClusterArn": a.failing, "IsDataLossAllowed": true}
	}
	return map[string]any{"GlobalClusters": []any{g}}
}

func (a *awsWorld) answer(_, state, resource string, in map[string]any) (any, string) {
	m := a.minute()
	a.calls[resource]++
	p := a.w.Promote
	if p == nil {
		p = &Promotion{}
	}
	switch resource {
	case ResourceHTTP:
		switch in["ApiEndpoint"] {
		case a.w.ProbeURL:
			return a.httpAnswer(m.Writer)
		case p.SuccessorURL:
			return a.httpAnswer(m.Successor)
		}
	case ResourceGetParameter:
		if in["Name"] == p.ReleaseParameter {
			// A deploy opens the window until a time ahead; a closed one
			// is a time past. The interpreter's $$.Execution.StartTime is
			// the real time of the run, so the fake's times are too.
			until := time.Now().Add(-10 * time.Minute)
			if m.Release {
				until = time.Now().Add(90 * time.Second)
			}
			a.params[p.ReleaseParameter] = until.Format(time.RFC3339)
		}
		v, ok := a.params[in["Name"].(string)]
		if !ok {
			return nil, "Ssm.ParameterNotFoundException"
		}
		return map[string]any{"Parameter": map[string]any{"Name": in["Name"], "Type": "String", "Value": v, "Version": 3,
			"LastModifiedDate": "2026-12-06T11:00:00.000Z", "DataType": "text"}}, ""
	case ResourcePutParameter:
		a.params[in["Name"].(string)] = in["Value"].(string)
		return map[string]any{"Version": 4, "Tier": "Standard"}, ""
	case ResourcePublish:
		attrs, _ := in["MessageAttributes"].(map[string]any)
		reason, _ := attrs["reason"].(map[string]any)["StringValue"].(string)
		require.LessOrEqual(a.t, len(in["Subject"].(string)), 100, "SNS subjects are at most 100 characters")
		a.notes = append(a.notes, published{Minute: a.now + 1, Subject: in["Subject"].(string), Reason: reason, Message: in["Message"].(string)})
		return map[string]any{"MessageId": "b3f1"}, ""
	case ResourceHealthStatus:
		switch in["HealthCheckId"] {
		case p.WriterHealthCheck:
			switch m.EdgeSees() {
			case "unreadable":
				return nil, "Route53.Route53Exception"
			case "throttled":
				return nil, "Route53.ThrottlingException"
			case "up":
				return statuses("up"), ""
			default: // down, and refused or redirected probes, which Route 53's checkers fail too
				return statuses("down"), ""
			}
		case p.SuccessorHealthCheck:
			return statuses(map[bool]string{true: "up", false: "down"}[m.Successor == "up"]), ""
		}
	case ResourceDescribeAlarms:
		state := map[string]string{"lost": "ALARM", "replicating": "OK", "unreadable": "INSUFFICIENT_DATA"}[m.Database]
		if m.Database == "unreadable" && a.now%2 == 1 {
			return nil, "CloudWatch.CloudWatchException"
		}
		return map[string]any{"MetricAlarms": []any{map[string]any{"AlarmName": p.ReplicationAlarm, "StateValue": state,
			"MetricName": "AuroraGlobalDBRPOLag", "Namespace": "AWS/RDS"}}, "CompositeAlarms": []any{}}, ""
	case ResourceUpdateCheck:
		// Route 53's control plane: down with the edge's reading of it.
		switch m.EdgeSees() {
		case "unreadable":
			return nil, "Route53.Route53Exception"
		case "throttled":
			return nil, "Route53.ThrottlingException"
		}
		assert.Equal(a.t, p.FenceHealthCheck, in["HealthCheckId"], "only the fence check changes")
		assert.Equal(a.t, float64(FenceThreshold), in["HealthThreshold"])
		// Fenced once the failover to this region's member is made (it
		// completes a run later) or found made: never before.
		assert.True(a.t, a.writerIs == testTargetARN || a.failing == testTargetARN, "fenced before any failover to this region")
		a.threshold = FenceThreshold
		return map[string]any{"HealthCheck": map[string]any{"Id": p.FenceHealthCheck, "HealthCheckVersion": 2,
			"HealthCheckConfig": map[string]any{"Type": "CALCULATED", "HealthThreshold": FenceThreshold, "ChildHealthChecks": []string{p.WriterHealthCheck}}}}, ""
	case ResourcePutObject:
		d := p.Directory
		assert.Equal(a.t, map[string]any{"Bucket": d.Bucket, "Key": d.Key, "Body": d.Body, "ContentType": "application/json", "CacheControl": d.CacheControl}, in)
		assert.True(a.t, a.writerIs == testTargetARN || a.failing == testTargetARN, "the directory names this region only once it writes")
		a.directory = in["Body"].(string)
		return map[string]any{"ETag": `"6805f2cfc46c0f04559748bb039d69ae"`, "ServerSideEncryption": "aws:kms", "BucketKeyEnabled": true}, ""
	case ResourceDescribeGlobal:
		return a.global(), ""
	case ResourceFailoverGlobal:
		require.Equal(a.t, true, in["AllowDataLoss"])
		require.Equal(a.t, testTargetARN, in["TargetDbClusterIdentifier"])
		if a.failing != "" {
			return nil, "Rds.InvalidGlobalClusterStateException"
		}
		if a.writerIs == testTargetARN {
			return nil, "Rds.InvalidDbClusterStateException"
		}
		a.failing, a.done = testTargetARN, a.now+1
		a.promotions = append(a.promotions, a.now+1)
		return a.global(), ""
	case ResourceQueryPeers:
		seen := map[bool]string{true: "up", false: "down"}[m.EdgeSees() == "up"]
		switch {
		case a.peerSees != "":
			seen = a.peerSees
		case m.EdgeSees() == "unreadable", m.EdgeSees() == "throttled":
			return nil, "DynamoDb.InternalServerErrorException"
		}
		item := map[string]any{"pk": map[string]any{"S": "us-east-1"}, "sk": map[string]any{"S": "ap-southeast-1"},
			"seen": map[string]any{"S": seen}, "at": map[string]any{"S": rfc3339(time.Now().Add(time.Millisecond - a.peerAge))}}
		return map[string]any{"Items": []any{item}, "Count": 1, "ScannedCount": 1}, ""
	}
	a.t.Errorf("unexpected call %s %s %v", state, resource, in)
	return nil, "States.TaskFailed"
}

// at moves the world to run i: a failover under way completes one run
// after it started.
func (a *awsWorld) at(i int) {
	if i == a.now {
		return
	}
	a.now = i
	if a.failing != "" && a.now >= a.done {
		a.writerIs, a.failing = a.failing, ""
	}
}

// runTable executes every row against its own fake AWS, one execution per
// minute, all in one interpreter process.
func runTable(t *testing.T, definition string, worlds map[string]*awsWorld, order []string) map[string][]aslResult {
	t.Helper()
	var runs []aslRun
	for _, name := range order {
		for i := range worlds[name].minutes {
			runs = append(runs, aslRun{ID: fmt.Sprintf("%s/%d", name, i)})
		}
	}
	results := runASL(t, definition, runs, func(run, state, resource string, input map[string]any) (any, string) {
		name, i, _ := strings.Cut(run, "/")
		a := worlds[name]
		var n int
		fmt.Sscan(i, &n)
		a.at(n)
		return a.answer(run, state, resource, input)
	})
	out := map[string][]aslResult{}
	for _, r := range results {
		name, _, _ := strings.Cut(r.ID, "/")
		out[name] = append(out[name], r)
	}
	return out
}

func (a *awsWorld) state() WatchState {
	var s WatchState
	require.NoError(a.t, json.Unmarshal([]byte(a.params[a.w.StateParameter]), &s))
	return s
}
