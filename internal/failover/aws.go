package failover

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
)

// Region watch timing. A run every minute (EventBridge Scheduler); each run
// probes once and retries once; the writer is declared lost after
// WatchStrikes consecutive runs in which both vantage points saw it fail.
const (
	WatchIntervalSeconds = 60
	WatchStrikes         = 3
	// WatchProbeTimeoutSeconds bounds one probe; a Route 53 HTTPS check
	// itself gives an endpoint four seconds to connect and two to answer
	// (Route 53 Developer Guide, "How Route 53 determines whether a health
	// check is healthy").
	WatchProbeTimeoutSeconds = 5
	WatchProbeRetrySeconds   = 2
	WatchProbeAttempts       = 2
	// WatchRunTimeoutSeconds ends a run before the next one starts, so two
	// runs never overlap (the state machine's top-level TimeoutSeconds:
	// "the execution fails with a States.Timeout", Step Functions guide,
	// "State machine structure").
	WatchRunTimeoutSeconds = 50
	// Route53MinObservations: fewer reports than this from Route 53's
	// checkers are no reading at all (a health check has at least three
	// checker regions, Route 53 API reference, HealthCheckConfig.Regions).
	Route53MinObservations = 3
)

// The watch's phases, kept in its state parameter.
const (
	PhaseNever    = "never"    // the watched region has not answered yet (a promoting watch: nor was its database seen replicating)
	PhaseHealthy  = "healthy"  // armed
	PhaseDown     = "down"     // an alert-only watch reported the outage
	PhaseFencing  = "fencing"  // this region's member writes; the old writer's fence is not set yet
	PhasePromoted = "promoted" // this region's member was promoted and the old writer fenced; reset by hand after failback
)

// WatchState is the state parameter's value, a JSON object: the phase,
// consecutive confirmed failures (strikes), the reason last reported (held,
// so one condition is reported once, not every minute) and the start of the
// last run that saved it (the freshness bar for peers' observations).
type WatchState struct {
	Phase   string `json:"phase"`
	Strikes int    `json:"strikes"`
	Held    string `json:"held"`
	LastRun string `json:"lastRun"`
}

// InitialWatchState is the state parameter's value when it is created.
func InitialWatchState() string {
	b, _ := json.Marshal(WatchState{Phase: PhaseNever, LastRun: "1970-01-01T00:00:00Z"})
	return string(b)
}

// FenceThreshold and RouteThreshold are the routing check's HealthThreshold
// fenced and not: "If you specify a number greater than the number of child
// health checks, Route 53 always considers this health check to be
// unhealthy" (Route 53 API reference, UpdateHealthCheck). Disabling or
// inverting a check is no fence: a disabled check counts as healthy, and an
// inverted failing one too.
const (
	FenceThreshold = 2
	RouteThreshold = 1
)

// NoReleaseWindow is the release-window parameter's value when it is created
// (not a timestamp: no window). A deploy sets an RFC 3339 time until which
// a release is in progress.
const NoReleaseWindow = "none"

// Watch is one region watch: a state machine in Region that probes Watched.
type Watch struct {
	Region, Watched string
	ProbeURL        string // Watched's own health URL
	Topic           string // Region's alert topic
	Connection      string // the EventBridge connection the HTTP tasks use
	StateParameter  string
	// Observe makes the watch also probe the writer and record what it saw
	// in the watch table: a peer's second opinion for the writer's successor.
	Observe *Observation
	// Promote makes the watch promote Region's Aurora member once the
	// writer (Watched) is lost.
	Promote *Promotion
}

// Observation is a peer's probe of the writer.
type Observation struct {
	Writer, URL, Table string
}

// Promotion is what a promoting watch reads and does.
type Promotion struct {
	GlobalCluster string // the global cluster's identifier
	Target        string // Region's member cluster ARN
	// WriterHealthCheck and SuccessorHealthCheck are the Route 53 health
	// checks of the writer's and Region's load balancers.
	WriterHealthCheck, SuccessorHealthCheck string
	// FenceHealthCheck is the writer's routing check: a calculated check
	// over WriterHealthCheck that its records use. Once Region's member
	// writes, the watch raises its threshold above its one child
	// (FenceThreshold), so Route 53 deems it unhealthy whatever the
	// writer's load balancer answers, until a person lowers it again.
	FenceHealthCheck string
	SuccessorURL     string // Region's own health URL
	// ReplicationAlarm is the alarm, in Region, on its member's replication
	// lag from the writer: the database's own signal.
	ReplicationAlarm string
	ReleaseParameter string // Region's release-window parameter
	// Table holds the peers' observations of the writer ("" without peers).
	Table    string
	NextStep string
	// Directory, when set, is the region directory as it reads once
	// Region writes, which the watch writes over the deployed copy in
	// Region's bucket (the edge's fallback origin when the home region is
	// lost; replication carries it to the other buckets).
	Directory *Directory
}

// Directory is a document the watch publishes.
type Directory struct {
	Bucket, Key, Body, CacheControl string
}

// Step Functions resources the watch calls.
const (
	ResourceHTTP            = "arn:aws:states:::http:invoke"
	ResourceGetParameter    = "arn:aws:states:::aws-sdk:ssm:getParameter"
	ResourcePutParameter    = "arn:aws:states:::aws-sdk:ssm:putParameter"
	ResourcePublish         = "arn:aws:states:::sns:publish"
	ResourceHealthStatus    = "arn:aws:states:::aws-sdk:route53:getHealthCheckStatus"
	ResourceDescribeAlarms  = "arn:aws:states:::aws-sdk:cloudwatch:describeAlarms"
	ResourceDescribeGlobal  = "arn:aws:states:::aws-sdk:rds:describeGlobalClusters"
	ResourceFailoverGlobal  = "arn:aws:states:::aws-sdk:rds:failoverGlobalCluster"
	ResourceQueryPeers      = "arn:aws:states:::aws-sdk:dynamodb:query"
	ResourceUpdateCheck     = "arn:aws:states:::aws-sdk:route53:updateHealthCheck"
	ResourcePutObject       = "arn:aws:states:::aws-sdk:s3:putObject"
	ResourcePutObservation  = "arn:aws:states:::dynamodb:putItem"
	watchProbeRefusedError  = "Watch.ProbeRefused"
	watchPromotionFailedErr = "Watch.PromotionFailed"
)

// RefusedStatuses are the HTTP answers that say the probe itself is refused
// or misdirected, not that the region is down: a redirect, a denial (a WAF,
// an authorizer), a missing path, a rate limit. The HTTP task fails with
// States.Http.StatusCode.<code> on a non-2xx answer.
var RefusedStatuses = []int{301, 302, 303, 307, 308, 400, 401, 403, 404, 405, 407, 426, 429}

func refusedErrors() []string {
	var out []string
	for _, c := range RefusedStatuses {
		out = append(out, fmt.Sprintf("States.Http.StatusCode.%d", c))
	}
	return out
}

// machine builds the states.
type machine struct {
	w      Watch
	states map[string]any
}

func (m *machine) add(name string, s map[string]any) { m.states[name] = s }

// retryReads: an API read is retried on any error (throttling included:
// the SDK integrations name errors <Service>.<Error>, Step Functions guide,
// "AWS SDK service integrations"), twice, then caught.
func retryReads() []any {
	return []any{map[string]any{"ErrorEquals": []string{"States.ALL"}, "IntervalSeconds": 1, "MaxAttempts": 2, "BackoffRate": 2}}
}

func catchAll(next, path string) []any {
	return []any{map[string]any{"ErrorEquals": []string{"States.ALL"}, "ResultPath": path, "Next": next}}
}

// probe is an HTTP GET of url: retried once on an outage-like failure,
// refusals caught apart.
func (m *machine) probe(name, url, answered, refused, failed string) {
	m.add(name, map[string]any{
		"Type": "Task", "Resource": ResourceHTTP, "TimeoutSeconds": WatchProbeTimeoutSeconds,
		"Parameters": map[string]any{"ApiEndpoint": url, "Method": "GET", "Authentication": map[string]any{"ConnectionArn": m.w.Connection}},
		"Retry": []any{
			map[string]any{"ErrorEquals": refusedErrors(), "MaxAttempts": 0},
			map[string]any{"ErrorEquals": []string{"States.ALL"}, "IntervalSeconds": WatchProbeRetrySeconds, "MaxAttempts": WatchProbeAttempts - 1, "BackoffRate": 1},
		},
		"Catch": []any{
			map[string]any{"ErrorEquals": refusedErrors(), "ResultPath": "$.evidence." + strings.ToLower(name[:1]) + name[1:], "Next": refused},
			map[string]any{"ErrorEquals": []string{"States.ALL"}, "ResultPath": "$.evidence." + strings.ToLower(name[:1]) + name[1:], "Next": failed},
		},
		// The answer is dropped: no body can push the state past its limit.
		"ResultPath": nil, "Next": answered,
	})
}

// save writes the state: phase (a literal, or "$..." a path), the strikes
// in $.count.strikes, held (a literal), then next ("" ends).
func (m *machine) save(name, phase, held, next string) {
	p := map[string]any{"strikes.$": "$.count.strikes", "held": held, "lastRun.$": "$$.Execution.StartTime"}
	if strings.HasPrefix(phase, "$") {
		p["phase.$"] = phase
	} else {
		p["phase"] = phase
	}
	m.add(name, map[string]any{"Type": "Pass", "Parameters": p, "ResultPath": "$.save", "Next": name + "Write"})
	w := map[string]any{"Type": "Task", "Resource": ResourcePutParameter,
		"Parameters": map[string]any{"Name": m.w.StateParameter, "Value.$": "States.JsonToString($.save)", "Overwrite": true, "Type": "String"},
		"ResultPath": nil, "Retry": retryReads()}
	if next == "" {
		w["End"] = true
	} else {
		w["Next"] = next
	}
	m.add(name+"Write", w)
}

// publish sends a notification with the evidence gathered so far.
func (m *machine) publish(name, subject, text, reason, next string) {
	m.add(name, map[string]any{"Type": "Task", "Resource": ResourcePublish,
		"Parameters": map[string]any{
			"TopicArn": m.w.Topic, "Subject": subject,
			"Message.$":         fmt.Sprintf("States.Format('%s What the watch saw: {}', States.JsonToString($.evidence))", escape(text)),
			"MessageAttributes": map[string]any{"reason": map[string]any{"DataType": "String", "StringValue": reason}},
		},
		// A notification that cannot be sent does not stop the decision.
		"Retry": retryReads(), "Catch": catchAll(next, "$.notifyError"),
		"ResultPath": nil, "Next": next})
}

// escape quotes text for States.Format, whose special characters are ' { } \.
func escape(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `'`, `\'`, `{`, `\{`, `}`, `\}`)
	return r.Replace(s)
}

// hold ends a run that does not act: it reports reason once (while the
// state holds another reason), keeps the phase and strikes, and with fail
// ends the run failed, so the watch's failure alarm fires too.
func (m *machine) hold(reason, subject, text string, fail bool) string {
	name := "Hold-" + reason
	if _, done := m.states[name]; done {
		return name
	}
	end := ""
	if fail {
		end = "Fail-" + reason
		m.add(end, map[string]any{"Type": "Fail", "Error": watchError(reason), "Cause": text})
	}
	m.add(name, map[string]any{"Type": "Choice", "Default": "Report-" + reason, "Choices": []any{
		map[string]any{"Variable": "$.read.state.held", "StringEquals": reason, "Next": "Keep-" + reason},
	}})
	m.publish("Report-"+reason, subject, text, reason, "Keep-"+reason)
	m.save("Keep-"+reason, "$.read.state.phase", reason, end)
	return name
}

func watchError(reason string) string {
	if reason == ReasonPromotionFailed {
		return watchPromotionFailedErr
	}
	return watchProbeRefusedError
}

// countChecks classifies Route 53's observations (a Map: a checker that
// reports "Success: …" is its IP address, any other report "down") and
// counts them into $.evidence.<into> {up, n}, then $.scale.up<k> = k × up.
// Counting without a filter: a JSONPath filter that selects nothing is a
// failed match, not an empty list (the interpreter raises "does not point
// to a value"), so the distinct values are counted instead, less the one
// "down" when there is any.
func (m *machine) countChecks(prefix, from, into string, k int, next string) {
	m.add(prefix+"Classify", map[string]any{"Type": "Map", "ItemsPath": from + ".observations",
		"ItemSelector": map[string]any{"status.$": "$$.Map.Item.Value.StatusReport.Status", "ip.$": "$$.Map.Item.Value.IPAddress"},
		"ItemProcessor": map[string]any{
			"ProcessorConfig": map[string]any{"Mode": "INLINE"},
			"StartAt":         prefix + "CheckSaid",
			"States": map[string]any{
				prefix + "CheckSaid": map[string]any{"Type": "Choice", "Default": prefix + "CheckDown", "Choices": []any{
					map[string]any{"Variable": "$.status", "StringMatches": "Success*", "Next": prefix + "CheckUp"},
				}},
				prefix + "CheckUp":   map[string]any{"Type": "Pass", "InputPath": "$.ip", "End": true},
				prefix + "CheckDown": map[string]any{"Type": "Pass", "Result": "down", "End": true},
			},
		},
		"ResultPath": from + ".seen", "Next": prefix + "Count"})
	m.distinct(prefix+"Count", from+".seen", "down", "$.evidence."+into, "up", prefix+"Scale")
	m.add(prefix+"Scale", map[string]any{"Type": "Pass",
		"Parameters": map[string]any{fmt.Sprintf("up%d.$", k): times(k, "$.evidence."+into+".up")},
		"ResultPath": "$.scale", "Next": next})
}

// distinct counts the values of the list at from that are not other (each
// distinct) into <into>.<field>, with n the list's length.
func (m *machine) distinct(name, from, other, into, field, next string) {
	m.add(name, map[string]any{"Type": "Pass",
		"Parameters": map[string]any{
			"n.$":        "States.ArrayLength(" + from + ")",
			"distinct.$": "States.ArrayLength(States.ArrayUnique(" + from + "))",
			"other.$":    "States.ArrayContains(" + from + ", '" + other + "')",
		},
		"ResultPath": into, "Next": name + "Less"})
	m.add(name+"Less", map[string]any{"Type": "Choice", "Default": name + "All", "Choices": []any{
		map[string]any{"Variable": into + ".other", "BooleanEquals": true, "Next": name + "Less1"},
	}})
	m.add(name+"Less1", map[string]any{"Type": "Pass",
		"Parameters": map[string]any{field + ".$": "States.MathAdd(" + into + ".distinct, -1)", "n.$": into + ".n"},
		"ResultPath": into, "Next": next})
	m.add(name+"All", map[string]any{"Type": "Pass",
		"Parameters": map[string]any{field + ".$": into + ".distinct", "n.$": into + ".n"},
		"ResultPath": into, "Next": next})
}

// times is k × path with States.MathAdd, which adds two numbers.
func times(k int, path string) string {
	switch {
	case k == 1:
		return path
	case k%2 == 0:
		h := times(k/2, path)
		return "States.MathAdd(" + h + ", " + h + ")"
	default:
		return "States.MathAdd(" + times(k-1, path) + ", " + path + ")"
	}
}

// WatchDefinition is the state machine (Amazon States Language, JSONPath).
//
// Every run: read the state; a peer also probes the writer and records it;
// probe the watched region's own hostname. Answered: arm (a promoting watch
// only once its member is seen replicating), or clear what was held.
// Refused or redirected: alert once and fail the run. Failed, while armed:
// a second vantage point must confirm (Route 53's checkers, or when Route
// 53's API cannot be read, a peer region's probe newer than the last run);
// a confirmed failure is a strike, an unconfirmed one clears the strikes.
// An alert-only watch reports the outage once after WatchStrikes. A
// promoting watch, after WatchStrikes, promotes only when the successor
// serves now (its own public hostname answers and Route 53 does not see it
// fail), the writer's database is lost by its own signal (the replication
// alarm in ALARM), and no release window is open; it says what it saw
// before and after, and a promotion already made (by an earlier run that
// stopped short) is finished, never repeated. Anything unreadable is no
// evidence: it holds, reports once, and is read again the next minute.
func WatchDefinition(w Watch) (string, error) {
	if w.ProbeURL == "" || w.Topic == "" || w.Connection == "" || w.StateParameter == "" || w.Watched == "" || w.Region == "" {
		return "", fmt.Errorf("watch of %s: ProbeURL, Topic, Connection, StateParameter, Watched and Region are required", w.Watched)
	}
	if p := w.Promote; p != nil && (p.GlobalCluster == "" || p.Target == "" || p.WriterHealthCheck == "" || p.SuccessorHealthCheck == "" ||
		p.SuccessorURL == "" || p.ReplicationAlarm == "" || p.ReleaseParameter == "" || p.FenceHealthCheck == "") {
		return "", fmt.Errorf("watch of %s: a promotion needs GlobalCluster, Target, both health checks, the fence's, SuccessorURL, ReplicationAlarm and ReleaseParameter", w.Watched)
	}
	m := &machine{w: w, states: map[string]any{}}
	start := "ReadState"
	m.add("ReadState", map[string]any{"Type": "Task", "Resource": ResourceGetParameter,
		"Parameters":     map[string]any{"Name": w.StateParameter},
		"ResultSelector": map[string]any{"state.$": "States.StringToJson($.Parameter.Value)"},
		"ResultPath":     "$.read", "Retry": retryReads(), "Next": "Strikes"})
	m.add("Strikes", map[string]any{"Type": "Pass", "Parameters": map[string]any{"strikes.$": "$.read.state.strikes"},
		"ResultPath": "$.count", "Next": "Evidence"})
	probe := "Probe"
	if w.Observe != nil {
		m.observe(probe)
		probe = "ObserveWriter"
	}
	m.add("Evidence", map[string]any{"Type": "Pass", "Result": map[string]any{"watch": w.Region, "watched": w.Watched},
		"ResultPath": "$.evidence", "Next": probe})
	m.add("Done", map[string]any{"Type": "Succeed"})
	refused := m.hold(ReasonProbeRefused, trim(w.Watched+": the watch's probe is refused"),
		fmt.Sprintf("The probe of %s from %s is refused or redirected (a WAF rule, a permission, a redirect): it can never succeed, so the watch can neither see an outage nor a recovery. Fix the probe path.", w.ProbeURL, w.Region), true)
	m.probe("Probe", w.ProbeURL, "Answered", refused, "Failed")
	if w.Promote == nil {
		m.alertOnly()
	} else {
		m.promoting()
	}
	b, err := json.Marshal(map[string]any{
		"Comment":        fmt.Sprintf("mobile-backend region watch: probe %s from %s every minute; act on a confirmed, sustained loss (internal/failover)", w.Watched, w.Region),
		"StartAt":        start,
		"TimeoutSeconds": WatchRunTimeoutSeconds,
		"States":         m.states,
	})
	return string(b), err
}

// observe is a peer's probe of the writer, recorded in the watch table
// (pk: the writer, sk: this region), before its own watch.
func (m *machine) observe(next string) {
	o := m.w.Observe
	put := func(name, seen string) {
		m.add(name, map[string]any{"Type": "Task", "Resource": ResourcePutObservation,
			"Parameters": map[string]any{"TableName": o.Table, "Item": map[string]any{
				"pk": map[string]any{"S": o.Writer}, "sk": map[string]any{"S": m.w.Region},
				"seen": map[string]any{"S": seen}, "at": map[string]any{"S.$": "$$.Execution.StartTime"},
			}},
			// A lost observation is not the watch's failure.
			"Retry": retryReads(), "Catch": catchAll(next, "$.observeError"), "ResultPath": nil, "Next": next})
	}
	put("ObservedUp", "up")
	put("ObservedDown", "down")
	put("ObservedRefused", "refused")
	m.probe("ObserveWriter", o.URL, "ObservedUp", "ObservedRefused", "ObservedDown")
}

// alertOnly: report an outage once, after WatchStrikes, and the recovery.
func (m *machine) alertOnly() {
	w := m.w
	m.add("Answered", map[string]any{"Type": "Choice", "Default": "SaveHealthy", "Choices": []any{
		map[string]any{"And": []any{
			map[string]any{"Variable": "$.read.state.phase", "StringEquals": PhaseHealthy},
			map[string]any{"Variable": "$.read.state.strikes", "NumericEquals": 0},
			map[string]any{"Variable": "$.read.state.held", "StringEquals": ""},
		}, "Next": "Done"},
		map[string]any{"Variable": "$.read.state.phase", "StringEquals": PhaseDown, "Next": "NotifyRecovered"},
	}})
	m.publish("NotifyRecovered", trim(w.Watched+" answers again"), fmt.Sprintf("%s answers its health check (%s) again, seen from %s.", w.Watched, w.ProbeURL, w.Region), "recovered", "SaveHealthy")
	m.add("SaveHealthy", map[string]any{"Type": "Pass", "Result": map[string]any{"strikes": 0}, "ResultPath": "$.count", "Next": "SaveHealthyState"})
	m.save("SaveHealthyState", PhaseHealthy, "", "Done")
	m.add("Failed", map[string]any{"Type": "Choice", "Default": "Done", "Choices": []any{
		map[string]any{"Variable": "$.read.state.phase", "StringEquals": PhaseHealthy, "Next": "Strike"},
	}})
	m.add("Strike", map[string]any{"Type": "Pass", "Parameters": map[string]any{"strikes.$": "States.MathAdd($.count.strikes, 1)"},
		"ResultPath": "$.count", "Next": "Sustained"})
	m.add("Sustained", map[string]any{"Type": "Choice", "Default": "SaveSuspect", "Choices": []any{
		map[string]any{"Variable": "$.count.strikes", "NumericGreaterThanEquals": WatchStrikes, "Next": "NotifyDown"},
	}})
	m.save("SaveSuspect", PhaseHealthy, "", "Done")
	m.publish("NotifyDown", trim(w.Watched+" is down"), fmt.Sprintf("%s has failed its health check (%s) for %d minutes, seen from %s. Nothing is promoted from here.", w.Watched, w.ProbeURL, WatchStrikes, w.Region), "down", "SaveDown")
	m.save("SaveDown", PhaseDown, "", "Done")
}

// promoting: arm, confirm, strike, then the guards and the promotion.
func (m *machine) promoting() {
	w, p := m.w, m.w.Promote
	// Answered: arm once the member replicates; clear a held reason or strikes.
	m.add("Answered", map[string]any{"Type": "Choice", "Default": "SaveHealthy", "Choices": []any{
		map[string]any{"Variable": "$.read.state.phase", "StringEquals": PhasePromoted, "Next": "Done"},
		map[string]any{"Variable": "$.read.state.phase", "StringEquals": PhaseFencing, "Next": "Fence"},
		map[string]any{"Variable": "$.read.state.phase", "StringEquals": PhaseNever, "Next": "ArmingSignal"},
		map[string]any{"And": []any{
			map[string]any{"Variable": "$.read.state.strikes", "NumericEquals": 0},
			map[string]any{"Variable": "$.read.state.held", "StringEquals": ""},
		}, "Next": "Done"},
	}})
	notArmed := m.hold(ReasonNotArmed, trim(w.Watched+": the failover watch is not armed"),
		fmt.Sprintf("%s answers, but the replication alarm %s of %s's Aurora member has not been OK yet, so the watch cannot tell a lost database from a live one and will not promote. Check the alarm.", w.Watched, p.ReplicationAlarm, w.Region), false)
	m.alarm("ArmingSignal", notArmed, notArmed, "SaveHealthy", notArmed)
	m.add("SaveHealthy", map[string]any{"Type": "Pass", "Result": map[string]any{"strikes": 0}, "ResultPath": "$.count", "Next": "SaveHealthyState"})
	m.save("SaveHealthyState", PhaseHealthy, "", "Done")

	// Failed: only an armed watch acts; first, a promotion already made is finished.
	m.add("Failed", map[string]any{"Type": "Choice", "Default": "Done", "Choices": []any{
		map[string]any{"Variable": "$.read.state.phase", "StringEquals": PhaseHealthy, "Next": "WriterNow"},
		map[string]any{"Variable": "$.read.state.phase", "StringEquals": PhaseFencing, "Next": "Fence"},
	}})
	dbUnknown := m.hold(ReasonDatabaseUnknown, trim(w.Watched+": database signal unreadable"),
		fmt.Sprintf("%s fails its probes, but the Aurora global database's state or the replication alarm %s cannot be read: no evidence that the writer itself is lost, so nothing is promoted.", w.Watched, p.ReplicationAlarm), false)
	m.describeGlobal("WriterNow", m.afterPromotion(), "AskRoute53", dbUnknown)

	// The second vantage point.
	unreadable := m.hold(ReasonSecondOpinion, trim(w.Watched+": no second opinion"),
		fmt.Sprintf("%s fails its probes from %s, but no second vantage point can be read (Route 53's checkers, peers' probes): no evidence, nothing is promoted.", w.Watched, w.Region), false)
	peers := unreadable
	if p.Table != "" {
		peers = "AskPeers"
		m.peers(unreadable)
	}
	m.add("AskRoute53", map[string]any{"Type": "Task", "Resource": ResourceHealthStatus,
		"Parameters":     map[string]any{"HealthCheckId": p.WriterHealthCheck},
		"ResultSelector": map[string]any{"observations.$": "$.HealthCheckObservations"},
		"ResultPath":     "$.writerChecks", "Retry": retryReads(), "Catch": catchAll(peers, "$.evidence.route53Error"), "Next": "WriterClassify"})
	m.countChecks("Writer", "$.writerChecks", "route53", 6, "Route53Verdict")
	m.add("NotConfirmed", map[string]any{"Type": "Pass", "Result": map[string]any{"strikes": 0}, "ResultPath": "$.count",
		"Next": m.hold(ReasonNotConfirmed, trim(w.Watched+" fails from "+w.Region+" only"),
			fmt.Sprintf("%s fails its probes (%s) from %s, but Route 53's checkers reach it: nothing is promoted.", w.Watched, w.ProbeURL, w.Region), false)})
	// Down by Route 53's own rule (healthy while more than 18% of its
	// checkers see it healthy, Route 53 Developer Guide), read stricter: at
	// most a sixth see it up.
	m.add("Route53Verdict", map[string]any{"Type": "Choice", "Default": "NotConfirmed", "Choices": []any{
		map[string]any{"Variable": "$.evidence.route53.n", "NumericLessThan": Route53MinObservations, "Next": peers},
		map[string]any{"Variable": "$.scale.up6", "NumericLessThanEqualsPath": "$.evidence.route53.n", "Next": "Strike"},
	}})

	// Sustained: WatchStrikes consecutive confirmed runs.
	m.add("Strike", map[string]any{"Type": "Pass", "Parameters": map[string]any{"strikes.$": "States.MathAdd($.count.strikes, 1)"},
		"ResultPath": "$.count", "Next": "Sustained"})
	m.add("Sustained", map[string]any{"Type": "Choice", "Default": "SaveSuspect", "Choices": []any{
		map[string]any{"Variable": "$.count.strikes", "NumericGreaterThanEquals": WatchStrikes, "Next": "SuccessorProbe"},
	}})
	m.save("SaveSuspect", PhaseHealthy, "", "Done")

	// The successor serves now: its own public hostname answers, and Route
	// 53's checkers (when readable) see it healthy. When every region
	// fails alike (a release, the certificate, the edge), this is where the
	// watch stops.
	global := m.hold(ReasonSuccessorUnhealthy, trim(w.Region+" fails too: not promoting"),
		fmt.Sprintf("%s fails its probes, and so does %s, which would take over: the failure is not %s's alone (a release, a certificate, the edge), so a promotion would lose data and fix nothing. Nothing is promoted.", w.Watched, w.Region, w.Watched), false)
	m.probe("SuccessorProbe", p.SuccessorURL, "SuccessorChecks", global, global)
	m.add("SuccessorChecks", map[string]any{"Type": "Task", "Resource": ResourceHealthStatus,
		"Parameters":     map[string]any{"HealthCheckId": p.SuccessorHealthCheck},
		"ResultSelector": map[string]any{"observations.$": "$.HealthCheckObservations"},
		// Route 53's API unreadable: the successor's own answer above stands.
		"ResultPath": "$.successorChecks", "Retry": retryReads(), "Catch": catchAll("DatabaseSignal", "$.evidence.successorRoute53Error"), "Next": "SuccessorClassify"})
	m.countChecks("Successor", "$.successorChecks", "successorRoute53", 5, "SuccessorVerdict")
	m.add("SuccessorVerdict", map[string]any{"Type": "Choice", "Default": global, "Choices": []any{
		map[string]any{"Variable": "$.evidence.successorRoute53.n", "NumericLessThan": Route53MinObservations, "Next": "DatabaseSignal"},
		map[string]any{"Variable": "$.scale.up5", "NumericGreaterThanPath": "$.evidence.successorRoute53.n", "Next": "DatabaseSignal"},
	}})

	// The database's own signal.
	replicating := m.hold(ReasonDatabaseReplicates, trim(w.Watched+" fails, its database replicates"),
		fmt.Sprintf("%s fails its probes, but its Aurora writer still replicates to %s (alarm %s is OK): the app, not the database, is failing, and routing already avoids the region. Nothing is promoted.", w.Watched, w.Region, p.ReplicationAlarm), false)
	m.alarm("DatabaseSignal", "ReleaseWindow", replicating, "", dbUnknown)

	// No release in progress.
	m.add("ReleaseWindow", map[string]any{"Type": "Task", "Resource": ResourceGetParameter,
		"Parameters": map[string]any{"Name": p.ReleaseParameter}, "ResultSelector": map[string]any{"until.$": "$.Parameter.Value"},
		"ResultPath": "$.evidence.release", "Retry": retryReads(),
		"Catch": catchAll(m.hold(ReasonReleaseUnknown, trim(w.Watched+": release window unreadable"),
			fmt.Sprintf("%s is lost, but the release window %s cannot be read: nothing is promoted until it can.", w.Watched, p.ReleaseParameter), false), "$.evidence.releaseError"),
		"Next": "ReleaseIsTime"})
	m.add("ReleaseIsTime", map[string]any{"Type": "Choice", "Default": "NotifyPromoting", "Choices": []any{
		map[string]any{"Variable": "$.evidence.release.until", "IsTimestamp": true, "Next": "ReleaseOpen"},
	}})
	m.add("ReleaseOpen", map[string]any{"Type": "Choice", "Default": "NotifyPromoting", "Choices": []any{
		map[string]any{"Variable": "$.evidence.release.until", "TimestampGreaterThanPath": "$$.Execution.StartTime",
			"Next": m.hold(ReasonRelease, trim(w.Watched+" is lost during a release"),
				fmt.Sprintf("%s looks lost, but a release window is open (%s): the watch waits it out and promotes afterwards if the loss persists.", w.Watched, p.ReleaseParameter), false)},
	}})

	// Promote: say so, promote (retried), and finish.
	m.publish("NotifyPromoting", trim(w.Region+": promoting, "+w.Watched+" is lost"),
		fmt.Sprintf("%s is lost: it failed its probes from %s for %d minutes, confirmed by a second vantage point; %s serves; the replication alarm %s says its database is lost; no release window is open. Promoting %s to the Aurora writer (failover-global-cluster --allow-data-loss).", w.Watched, w.Region, WatchStrikes, w.Region, p.ReplicationAlarm, p.Target), NotifyPromoting, "Promote")
	m.add("Promote", map[string]any{"Type": "Task", "Resource": ResourceFailoverGlobal,
		// AllowDataLoss: the writer's region is lost, so no switchover can
		// wait for it (RDS API, FailoverGlobalCluster). The target is an
		// ARN, "so that Aurora can locate the cluster in its Region".
		"Parameters": map[string]any{"GlobalClusterIdentifier": p.GlobalCluster, "TargetDbClusterIdentifier": p.Target, "AllowDataLoss": true},
		"ResultPath": nil,
		"Retry":      []any{map[string]any{"ErrorEquals": []string{"States.ALL"}, "IntervalSeconds": 2, "MaxAttempts": 2, "BackoffRate": 2}},
		// A failed call may have gone through (a lost answer, a retry
		// refused because the first one started the failover): look again.
		"Catch": catchAll("Recheck", "$.evidence.promoteError"),
		"Next":  m.afterPromotion()})
	failed := m.hold(ReasonPromotionFailed, trim(w.Region+": promotion failed"),
		fmt.Sprintf("The promotion of %s failed; the watch tries again next minute. By hand: aws rds failover-global-cluster --global-cluster-identifier %s --target-db-cluster-identifier %s --allow-data-loss --region %s.", p.Target, p.GlobalCluster, p.Target, w.Region), true)
	m.describeGlobal("Recheck", m.afterPromotion(), failed, failed)

	// The region directory, as it reads with this region writing: best
	// effort (the runbook's pulumi up writes it too), its error kept.
	if d := p.Directory; d != nil {
		m.add("PublishDirectory", map[string]any{"Type": "Task", "Resource": ResourcePutObject,
			"Parameters": map[string]any{"Bucket": d.Bucket, "Key": d.Key, "Body": d.Body, "ContentType": "application/json", "CacheControl": d.CacheControl},
			"ResultPath": nil, "Retry": retryReads(), "Catch": catchAll("Fence", "$.evidence.directoryError"), "Next": "Fence"})
	}

	// Fence the old writer: its routing check unhealthy for good, so its
	// region gets no API traffic when it returns (its tasks would write to
	// a global writer endpoint that now resolves into another network).
	// Route 53's API may be down with the writer (its control plane is in
	// us-east-1): then the watch says so once, keeps the phase fencing and
	// sets the fence the first run the API answers, whatever the probes say.
	m.add("Fence", map[string]any{"Type": "Task", "Resource": ResourceUpdateCheck,
		"Parameters": map[string]any{"HealthCheckId": p.FenceHealthCheck, "HealthThreshold": FenceThreshold},
		"ResultPath": nil, "Retry": retryReads(), "Catch": catchAll("FencePending", "$.evidence.fenceError"), "Next": "MarkPromoted"})
	m.add("FencePending", map[string]any{"Type": "Choice", "Default": "ReportFencePending", "Choices": []any{
		map[string]any{"Variable": "$.read.state.held", "StringEquals": ReasonFencePending, "Next": "KeepFencing"},
	}})
	m.publish("ReportFencePending", trim(w.Watched+": old writer not fenced yet"),
		fmt.Sprintf("%s is the Aurora writer now, but the routing check %s of %s cannot be set unhealthy yet (Route 53's API does not answer): when %s answers again it could take API traffic. The watch sets it every minute until it can; by hand: aws route53 update-health-check --health-check-id %s --health-threshold %d.", p.Target, p.FenceHealthCheck, w.Watched, w.Watched, p.FenceHealthCheck, FenceThreshold),
		ReasonFencePending, "KeepFencing")
	m.save("KeepFencing", PhaseFencing, ReasonFencePending, "")
	m.save("MarkPromoted", PhasePromoted, "", "NotifyPromoted")
	m.publish("NotifyPromoted", trim(p.Target[strings.LastIndex(p.Target, ":")+1:]+" is the Aurora writer"),
		fmt.Sprintf("%s is the Aurora writer now (it was in %s); %s is fenced: its routing check %s stays unhealthy until a person lowers its threshold to %d (README, failback). %s", p.Target, w.Watched, w.Watched, p.FenceHealthCheck, RouteThreshold, p.NextStep), NotifyPromoted, "Done")
}

// afterPromotion is the first state once this region's member writes: the
// directory when it has one to publish, else the fence.
func (m *machine) afterPromotion() string {
	if m.w.Promote.Directory != nil {
		return "PublishDirectory"
	}
	return "Fence"
}

// alarm reads the replication alarm: ALARM goes to lost, OK to replicating
// ("" = lost's way), anything else (no alarm, INSUFFICIENT_DATA, an error)
// to unknown.
func (m *machine) alarm(name, lost, replicating, ok, unknown string) {
	if ok == "" {
		ok = replicating
	}
	m.add(name, map[string]any{"Type": "Task", "Resource": ResourceDescribeAlarms,
		"Parameters":     map[string]any{"AlarmNames": []string{m.w.Promote.ReplicationAlarm}},
		"ResultSelector": map[string]any{"states.$": "$.MetricAlarms[*].StateValue"},
		"ResultPath":     "$.evidence.database", "Retry": retryReads(), "Catch": catchAll(unknown, "$.evidence.databaseError"), "Next": name + "Present"})
	// A Choice on a path that matches nothing fails the run (States.Runtime,
	// which no Catch catches: Step Functions guide, "Error handling"): test
	// presence first, in a Choice of its own.
	m.add(name+"Present", map[string]any{"Type": "Choice", "Default": unknown, "Choices": []any{
		map[string]any{"Variable": "$.evidence.database.states[0]", "IsPresent": true, "Next": name + "State"},
	}})
	m.add(name+"State", map[string]any{"Type": "Choice", "Default": unknown, "Choices": []any{
		map[string]any{"Variable": "$.evidence.database.states[0]", "StringEquals": "ALARM", "Next": lost},
		map[string]any{"Variable": "$.evidence.database.states[0]", "StringEquals": "OK", "Next": ok},
	}})
}

// describeGlobal reads the global cluster and goes to yes when Region's
// member is the writer or a failover to it is under way, to no otherwise,
// to unknown when it cannot be read.
func (m *machine) describeGlobal(name, yes, no, unknown string) {
	p := m.w.Promote
	m.add(name, map[string]any{"Type": "Task", "Resource": ResourceDescribeGlobal,
		"Parameters":     map[string]any{"GlobalClusterIdentifier": p.GlobalCluster},
		"ResultSelector": map[string]any{"cluster.$": "$.GlobalClusters[0]"},
		"ResultPath":     "$.globalRead", "Retry": retryReads(), "Catch": catchAll(unknown, "$.evidence.globalClusterError"), "Next": name + "Members"})
	m.add(name+"Members", map[string]any{"Type": "Map", "ItemsPath": "$.globalRead.cluster.GlobalClusterMembers",
		"ItemProcessor": map[string]any{
			"ProcessorConfig": map[string]any{"Mode": "INLINE"},
			"StartAt":         name + "MemberIs",
			"States": map[string]any{
				name + "MemberIs": map[string]any{"Type": "Choice", "Default": name + "Reader", "Choices": []any{
					map[string]any{"Variable": "$.IsWriter", "BooleanEquals": true, "Next": name + "Writer"},
				}},
				name + "Writer": map[string]any{"Type": "Pass", "InputPath": "$.DBClusterArn", "End": true},
				name + "Reader": map[string]any{"Type": "Pass", "Result": "reader", "End": true},
			},
		},
		"ResultPath": "$.globalRead.writers", "Next": name + "Ours"})
	m.add(name+"Ours", map[string]any{"Type": "Pass",
		"Parameters": map[string]any{"ours.$": fmt.Sprintf("States.ArrayContains($.globalRead.writers, '%s')", escape(p.Target))},
		"ResultPath": "$.global", "Next": name + "IsOurs"})
	m.add(name+"IsOurs", map[string]any{"Type": "Choice", "Default": name + "FailingOver", "Choices": []any{
		map[string]any{"Variable": "$.global.ours", "BooleanEquals": true, "Next": yes},
	}})
	// FailoverState is "empty unless a switchover or failover operation is
	// scheduled or is in progress" (RDS API reference): test its presence
	// first, in a Choice of its own.
	m.add(name+"FailingOver", map[string]any{"Type": "Choice", "Default": no, "Choices": []any{
		map[string]any{"Variable": "$.globalRead.cluster.FailoverState.ToDbClusterArn", "IsPresent": true, "Next": name + "ToOurs"},
	}})
	m.add(name+"ToOurs", map[string]any{"Type": "Choice", "Default": no, "Choices": []any{
		map[string]any{"Variable": "$.globalRead.cluster.FailoverState.ToDbClusterArn", "StringEquals": p.Target, "Next": yes},
	}})
}

// peers: with Route 53's API unreadable (its control plane is in us-east-1,
// AWS Fault Isolation Boundaries, appendix B), the peers' probes of the
// writer stand in, read from this region's replica of the watch table; only
// observations newer than this watch's last saved run count.
func (m *machine) peers(unreadable string) {
	p := m.w.Promote
	m.add("AskPeers", map[string]any{"Type": "Task", "Resource": ResourceQueryPeers,
		"Parameters": map[string]any{"TableName": p.Table, "KeyConditionExpression": "pk = :writer", "ConsistentRead": true,
			"ExpressionAttributeValues": map[string]any{":writer": map[string]any{"S": m.w.Watched}}},
		"ResultSelector": map[string]any{"items.$": "$.Items"},
		"ResultPath":     "$.peers", "Retry": retryReads(), "Catch": catchAll(unreadable, "$.evidence.peersError"), "Next": "PeersClassify"})
	m.add("PeersClassify", map[string]any{"Type": "Map", "ItemsPath": "$.peers.items",
		"ItemSelector": map[string]any{"seen.$": "$$.Map.Item.Value.seen.S", "at.$": "$$.Map.Item.Value.at.S",
			"peer.$": "$$.Map.Item.Value.sk.S", "since.$": "$.read.state.lastRun"},
		"ItemProcessor": map[string]any{
			"ProcessorConfig": map[string]any{"Mode": "INLINE"},
			"StartAt":         "PeerSaw",
			"States": map[string]any{
				"PeerSaw": map[string]any{"Type": "Choice", "Default": "PeerOther", "Choices": []any{
					map[string]any{"And": []any{
						map[string]any{"Variable": "$.seen", "StringEquals": "down"},
						map[string]any{"Variable": "$.at", "TimestampGreaterThanPath": "$.since"},
					}, "Next": "PeerDown"},
				}},
				"PeerDown":  map[string]any{"Type": "Pass", "InputPath": "$.peer", "End": true},
				"PeerOther": map[string]any{"Type": "Pass", "Result": "other", "End": true},
			},
		},
		"ResultPath": "$.peers.seen", "Next": "PeersCount"})
	m.distinct("PeersCount", "$.peers.seen", "other", "$.evidence.peers", "down", "PeersVerdict")
	m.add("PeersVerdict", map[string]any{"Type": "Choice", "Default": unreadable, "Choices": []any{
		map[string]any{"Variable": "$.evidence.peers.down", "NumericGreaterThanEquals": 1, "Next": "Strike"},
	}})
}

// trim keeps an SNS subject within 100 characters (SNS Publish API).
func trim(s string) string {
	if len(s) > 100 {
		return s[:100]
	}
	return s
}

// WatchDetectionSeconds is the longest a promoting watch takes, once a
// writer is lost and its database signal says so, to promote: the first run
// comes within one interval of the loss, WatchStrikes consecutive runs
// confirm it, and the last run takes at most WatchRunTimeoutSeconds.
func WatchDetectionSeconds() int {
	return WatchStrikes*WatchIntervalSeconds + WatchRunTimeoutSeconds
}

// WatchDetection is how long a promoting watch takes to promote after a
// writer's loss: rate-second runs, strikes of them confirming, or the
// database signal's window (signal seconds) and the run after it, whichever
// is later, and the last run's runTimeout.
func WatchDetection(rate, strikes, signal, runTimeout int) int {
	return max(rate*strikes, signal+rate) + runTimeout
}

// WatchShape is a definition's logic without its values: every state's
// name, type, resource and transitions, Map processors included, sorted.
// Two definitions of one shape make the same decisions.
func WatchShape(definition string) (string, error) {
	var d struct {
		StartAt        string
		TimeoutSeconds int
		States         map[string]json.RawMessage
	}
	if err := json.Unmarshal([]byte(definition), &d); err != nil {
		return "", err
	}
	var lines []string
	var walk func(prefix string, states map[string]json.RawMessage) error
	walk = func(prefix string, states map[string]json.RawMessage) error {
		for name, raw := range states {
			var s struct {
				Type, Resource, Next, Default string
				Choices                       []struct{ Next string }
				Catch                         []struct{ Next string }
				ItemProcessor                 *struct {
					StartAt string
					States  map[string]json.RawMessage
				}
			}
			if err := json.Unmarshal(raw, &s); err != nil {
				return err
			}
			next := []string{s.Next, s.Default}
			for _, c := range s.Choices {
				next = append(next, c.Next)
			}
			for _, c := range s.Catch {
				next = append(next, c.Next)
			}
			lines = append(lines, fmt.Sprintf("%s%s %s %s -> %s", prefix, name, s.Type, s.Resource, strings.Join(next, ",")))
			if p := s.ItemProcessor; p != nil {
				if err := walk(prefix+name+"/", p.States); err != nil {
					return err
				}
			}
		}
		return nil
	}
	if err := walk("", d.States); err != nil {
		return "", err
	}
	slices.Sort(lines)
	return fmt.Sprintf("start %s, timeout %d\n%s", d.StartAt, d.TimeoutSeconds, strings.Join(lines, "\n")), nil
}

// TestedWatchShapes are the shapes of the definitions this package's tests
// run through the interpreter: a promoting watch with and without peers, an
// alert-only watch, and a peer's (internal/failover: aws_test.go).
func TestedWatchShapes() []string { return slices.Clone(testedShapes()) }

var testedShapes = sync.OnceValue(func() []string {
	var out []string
	for _, w := range exampleWatches() {
		d, err := WatchDefinition(w)
		if err != nil {
			panic(err) // the examples are complete
		}
		s, _ := WatchShape(d)
		out = append(out, s)
	}
	return out
})

// IsTestedWatch reports whether a definition has one of the tested shapes.
func IsTestedWatch(definition string) bool {
	s, err := WatchShape(definition)
	return err == nil && slices.Contains(testedShapes(), s)
}

// exampleWatches are one watch of each kind, with placeholder values.
func exampleWatches() []Watch {
	base := Watch{Region: "b", Watched: "a", ProbeURL: "https://a/", Topic: "t", Connection: "c", StateParameter: "s"}
	promoting := func(table string) Watch {
		w := base
		w.Promote = &Promotion{GlobalCluster: "g", Target: "arn:m", WriterHealthCheck: "w", SuccessorHealthCheck: "s", FenceHealthCheck: "f",
			SuccessorURL: "https://b/", ReplicationAlarm: "r", ReleaseParameter: "p", Table: table, NextStep: "n",
			Directory: &Directory{Bucket: "b", Key: "k", Body: "{}", CacheControl: "c"}}
		return w
	}
	peer := base
	peer.Observe = &Observation{Writer: "w", URL: "https://w/", Table: "t"}
	return []Watch{promoting(""), promoting("t"), base, peer}
}
