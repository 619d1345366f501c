// Package failover holds what decides a database promotion on every cloud:
// the scenario table that is its contract (scenarios.json), the AWS region
// watch's state machine (WatchDefinition, Amazon States Language) and the
// failover job that Azure and Google Cloud run (job.py, Python 3, standard
// library only). The tests run every row of the table through each in the
// interpreter that runs it in the cloud: the state machine through
// aws-local-stepfunctions under Node.js, the job through python3, with the
// cloud APIs answered by local fakes shaped like the providers' published
// API references. It links no cloud SDK.
package failover

import (
	_ "embed"
	"encoding/json"
	"fmt"
)

// Why the automation did not promote, or what it reports: the same codes on
// every cloud, in its notifications and in the table's expectations.
const (
	ReasonProbeRefused       = "probe-refused"             // the probe is refused or redirected: no outage, no health either
	ReasonNotConfirmed       = "not-confirmed"             // only this vantage point sees the writer fail
	ReasonSecondOpinion      = "second-opinion-unreadable" // the second vantage point cannot be read
	ReasonSuccessorUnhealthy = "successor-unhealthy"       // the successor fails too: a global failure
	ReasonDatabaseReplicates = "database-replicating"      // the writer database is alive
	ReasonDatabaseUnknown    = "database-unreadable"       // the database's own signal cannot be read
	ReasonRelease            = "release-in-progress"       // a release window is open
	ReasonReleaseUnknown     = "release-unreadable"        // the release window cannot be read
	ReasonPromotionFailed    = "promotion-failed"          // the promotion call failed
	ReasonNotArmed           = "not-armed"                 // the writer answers, but its database was never seen replicating
	ReasonFencePending       = "fence-pending"             // promoted, but the old writer's fence cannot be set yet
)

// Notifications the automation sends around a promotion.
const (
	NotifyPromoting = "promoting" // before: the evidence it saw
	NotifyPromoted  = "promoted"  // after: what to do next
)

// Minute is what the world looks like during one run of the automation.
type Minute struct {
	Times     int    `json:"times"`     // the minute repeats (default 1)
	Writer    string `json:"writer"`    // up, down, denied, redirect
	Edge      string `json:"edge"`      // agree, up, unreadable, throttled
	Successor string `json:"successor"` // up, down
	Database  string `json:"database"`  // replicating, lost, unreadable
	Release   bool   `json:"release"`
}

// Expect is what the automation must have done by the end of a row.
type Expect struct {
	Promotions int      `json:"promotions"` // promotion calls that moved the writer
	NotBefore  int      `json:"notBefore"`  // no promotion before this minute (1-based)
	Notified   []string `json:"notified"`   // promotion notifications, in order
	Alerts     []string `json:"alerts"`     // reason codes raised at least once
	Silent     bool     `json:"silent"`     // no notification or alert at all
	RunFailed  bool     `json:"runFailed"`  // a run failed, so the automation's own failure alarm fires
	Completed  bool     `json:"completed"`  // the failover is finished (the automation's own record of it)
	// WithinDetection: the promotion happened within the detection time the
	// resilience budget counts for the automation.
	WithinDetection bool `json:"withinDetection"`
}

// Scenario is one row of the table.
type Scenario struct {
	Name    string   `json:"name"`
	Why     string   `json:"why"`
	History string   `json:"history"` // healthy (default), never
	Start   string   `json:"start"`   // fresh (default), partial, promoted
	Minutes []Minute `json:"minutes"` // as written, with Times
	Expect  Expect   `json:"expect"`
}

// Run is the row's minutes, one per run, with the defaults filled in.
func (s Scenario) Run() []Minute {
	var out []Minute
	for _, m := range s.Minutes {
		n := max(m.Times, 1)
		m.Times = 1
		def(&m.Writer, "up")
		def(&m.Edge, "agree")
		def(&m.Successor, "up")
		def(&m.Database, "replicating")
		for range n {
			out = append(out, m)
		}
	}
	return out
}

// EdgeSees is what the second vantage point sees of the writer in a minute:
// up, down, unreadable or throttled.
func (m Minute) EdgeSees() string {
	switch {
	case m.Edge != "agree":
		return m.Edge
	case m.Writer == "up":
		return "up"
	case m.Writer == "down":
		return "down"
	default: // refused or redirected: the same answer from every vantage point
		return m.Writer
	}
}

func def(v *string, d string) {
	if *v == "" {
		*v = d
	}
}

//go:embed scenarios.json
var table []byte

// Scenarios is the table.
func Scenarios() ([]Scenario, error) {
	var t struct{ Rows []Scenario }
	if err := json.Unmarshal(table, &t); err != nil {
		return nil, fmt.Errorf("scenarios.json: %w", err)
	}
	for _, s := range t.Rows {
		def(&s.History, "healthy")
		if len(s.Minutes) == 0 {
			return nil, fmt.Errorf("scenarios.json: %s has no minutes", s.Name)
		}
	}
	return t.Rows, nil
}
