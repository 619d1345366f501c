package failover

import (
	_ "embed"
)

// Job is the failover job that Azure Container Apps jobs and Google Cloud
// Run jobs run every minute in the writer's successor (job.py, Python 3.9
// or later, standard library only): the same decision as the AWS watch,
// from the same scenario table, with each cloud's evidence and actions.
//
//go:embed job.py
var Job string

// Job timing: a run a minute; within a run the job probes the writer
// JobProbes times JobProbeIntervalSeconds apart; the edge must have seen
// the writer fail for each of the last JobWindowMinutes minutes (job.py:
// WINDOW, which a test holds equal).
const (
	JobIntervalSeconds      = 60
	JobWindowMinutes        = 2
	JobProbes               = 3
	JobProbeIntervalSeconds = 5
	JobProbeTimeoutSeconds  = 5
	// The data-path probes of the databases: JobDatabaseProbes tries of
	// JobDatabaseTimeoutSeconds a second apart, the local one's then the
	// writer's.
	JobDatabaseProbes         = 3
	JobDatabaseTimeoutSeconds = 3
	// JobRunTimeoutSeconds ends a run before the next one starts.
	JobRunTimeoutSeconds = 55
)

// SilentAfterSeconds: on every cloud, an automation that has finished no
// run for this long is itself an alert. A schedule, an image, a role or a
// crash that stops it would otherwise leave a region's loss unanswered
// without a word.
const SilentAfterSeconds = 600

// JobDetection is how long the job takes to act after a writer's loss: the
// edge's window and its metric delay (seconds), then the run after it, to
// its end.
func JobDetection(delay int) int {
	return JobWindowMinutes*60 + delay + JobIntervalSeconds + JobRunTimeoutSeconds
}

// IsTestedJob reports whether a command runs the job the scenario table ran.
func IsTestedJob(script string) bool { return script == Job }
