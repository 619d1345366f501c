package policies

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/mobile-backend/mobile-backend/internal/failover"
	"github.com/mobile-backend/mobile-backend/internal/mock"
	"github.com/mobile-backend/mobile-backend/internal/spec"
)

// Service figures the budget adds to what the recorded resources say. Each
// is either a provider's published number (named so) or an estimate (named
// so), and never a measurement of this project's.
const (
	// ELBAliasTTLSeconds: Route 53 answers alias records to a load balancer
	// with the load balancer's record TTL, 60 seconds (Route 53 docs, "Value/route traffic to").
	ELBAliasTTLSeconds = 60
	// AuroraGlobalFailoverSeconds: Aurora global database cross-region
	// failover, "typically under a minute" (Aurora docs, managed failover).
	AuroraGlobalFailoverSeconds = 60
	// AuroraGlobalRPOSeconds: Aurora global database replication lag,
	// "typically under a second" (Aurora docs).
	AuroraGlobalRPOSeconds = 1
	// DynamoDBGlobalTablesRPOSeconds: global tables replicate "typically
	// within one second" (DynamoDB docs).
	DynamoDBGlobalTablesRPOSeconds = 1
	// TaskStartSeconds: an estimate of how long a new Fargate task or
	// Container Apps replica takes to pull its image and start.
	TaskStartSeconds = 60
	// SpannerFailoverSeconds: multi-region Spanner replicates synchronously
	// and elects a new leader by itself; no operator step (Spanner docs).
	SpannerFailoverSeconds = 0
	// CloudSQLPromotionSeconds: an estimate for an operator promoting a
	// cross-region replica (a manual step).
	CloudSQLPromotionSeconds = 600
	// CloudWatchDelaySeconds: an estimate of how long a metric datapoint
	// takes to reach an alarm's evaluation (CloudWatch publishes no figure).
	CloudWatchDelaySeconds = 60
	// OperatorStepSeconds: an estimate for a person who is paged, decides
	// and runs the promotion (failoverAutomation notify).
	OperatorStepSeconds = 600
	// CloudSQLAutoPromotionSeconds: an estimate for the failover job's
	// promotion of a cross-region replica (Google publishes no duration;
	// promoteReplica "might cause your instance to restart").
	CloudSQLAutoPromotionSeconds = 180
	// CloudSQLReplicaRPOSeconds: an estimate of asynchronous replica lag
	// under normal load.
	CloudSQLReplicaRPOSeconds = 60
	// GCSTurboRPOSeconds: turbo replication's objective, 15 minutes (Cloud
	// Storage docs, "Turbo replication").
	GCSTurboRPOSeconds = 900
	// GCSDefaultRPOSeconds: default dual-region replication, "within 12
	// hours" for all objects (Cloud Storage docs).
	GCSDefaultRPOSeconds = 12 * 3600
	// UptimeCheckDelaySeconds: an estimate of how long an uptime check's
	// result takes to be readable as a time series (Google publishes none).
	UptimeCheckDelaySeconds = 60
	// LoadBalancerPropagationSeconds: an estimate for a global load
	// balancer configuration change to reach every front end ("several
	// minutes" in Google's docs).
	LoadBalancerPropagationSeconds = 300
	// AzureMonitorDelaySeconds: an estimate of how long a platform metric
	// (Front Door's origin health) takes to be readable; Azure publishes
	// none ("eventually consistent").
	AzureMonitorDelaySeconds = 120
	// AzureSQLFailoverSeconds: an estimate for the failover group to switch
	// roles once its grace period is over, or once a forced failover is
	// requested (Azure publishes no duration).
	AzureSQLFailoverSeconds = 60
	// AzureSQLGeoReplicationRPOSeconds: Azure SQL's business-continuity
	// objective for geo-replication, 5 seconds (Azure SQL docs).
	AzureSQLGeoReplicationRPOSeconds = 5
	// AzureGeoRedundancyRPOSeconds: geo-redundant storage "typically has an
	// RPO of less than 15 minutes", with no SLA (Azure Storage docs,
	// "Azure Storage redundancy": recovery point objective).
	AzureGeoRedundancyRPOSeconds = 900
)

// Term is one contribution to a figure.
type Term struct {
	Name    string `json:"name"`
	Seconds int    `json:"seconds"`
	// Path is the recovery path the term is on, when a figure has paths
	// that run at once: "serving" (traffic moves to a surviving region)
	// and "writer" (the database writer moves). A term without a path is
	// on every path.
	Path string `json:"path,omitempty"`
	// Basis says where the figure comes from: "published: <source>",
	// "configured: <keys or resources>", or "estimate".
	Basis string `json:"basis"`
}

// bases are the terms' sources, by the start of their names.
var bases = []struct{ prefix, basis string }{
	{"Route 53 health check detection", "configured: healthCheckInterval × healthCheckFailureThreshold"},
	{"DNS alias TTL", "published: Route 53 Developer Guide, alias records to a load balancer answer with its 60 s TTL"},
	{"region watch", "configured: the watch's schedule and strikes, its replication alarm's window with an estimated CloudWatch delay, and its run timeout (internal/failover)"},
	{"operator", "estimate: a person paged, deciding and promoting"},
	{"Aurora global failover", "published: Aurora User Guide, managed cross-Region failover typically under a minute"},
	{"Aurora global replication", "published: Aurora User Guide, replication lag typically under a second"},
	{"standby scale-out (cooldown", "configured: the scale-out cooldown, plus an estimated task start"},
	{"standby scale-out (replica", "estimate: a replica's start"},
	{"DynamoDB global table", "published: DynamoDB Developer Guide, replication typically within a second"},
	{"S3 Replication Time Control", "published: S3 RTC SLA, 99.99% of objects within 15 minutes"},
	{"outlier detection", "configured: the backend services' outlier detection"},
	{"load balancer propagation", "estimate: Google documents several minutes"},
	{"Cloud SQL replica promotion", "estimate: Google publishes no duration"},
	{"Spanner leader failover", "published: Spanner multi-region, no operator step"},
	{"Spanner synchronous replication", "published: Spanner commits synchronously across replicas"},
	{"Cloud SQL cross-region replica", "estimate: asynchronous replica lag under normal load"},
	{"Storage Transfer copy", "configured: the transfer job's schedule"},
	{"Cloud Storage turbo replication", "published: Cloud Storage SLA, 15 minutes"},
	{"Cloud Storage default replication", "published: Cloud Storage docs, within 12 hours"},
	{"Front Door probes", "configured: healthCheckInterval × the origin group's sample size"},
	{"failover job", "configured: the job's schedule, window and run timeout (internal/failover), with an estimated metric delay"},
	{"SQL forced failover", "estimate: Azure publishes no duration"},
	{"SQL failover group (grace period", "configured: azureFailoverGraceMinutes, plus an estimated switch"},
	{"SQL geo-replication", "published: Azure SQL business continuity, RPO 5 s"},
	{"storage geo-redundancy", "published: Azure Storage redundancy, typically under 15 minutes, no SLA"},
}

// withBasis marks each term with its source.
func withBasis(terms []Term) []Term {
	for i := range terms {
		for _, b := range bases {
			if strings.HasPrefix(terms[i].Name, b.prefix) {
				terms[i].Basis = b.basis
				break
			}
		}
	}
	return terms
}

// Figure is a computed recovery figure against its objective. RTO adds its
// terms (they happen one after another); RPO is the largest (the worst data
// store decides how much is lost).
type Figure struct {
	Objective int    `json:"objective"`
	Computed  int    `json:"computed"`
	Terms     []Term `json:"terms"`
	// NotCounted are paths shown for what they are but outside the loss of
	// one region (a read copy of data that a surviving store still holds).
	NotCounted []Term `json:"notCounted,omitempty"`
}

// Budget is what the configured resources imply for losing a region.
type Budget struct {
	RTO Figure `json:"rtoSeconds"`
	RPO Figure `json:"rpoSeconds"`
	// RegionLoss is, for every region, what survives its loss (AnalyzeRegionLoss).
	RegionLoss []RegionLoss `json:"regionLoss"`
	// Runbook is what happens and what to do when the writer's region is
	// lost (WriterLossRunbook).
	Runbook []string `json:"runbook"`
}

// ComputeBudget reads the recorded resources (not the config's intent) and
// returns the recovery time and data-loss window they imply.
func ComputeBudget(s Stack) Budget {
	var rto, rpo, copied, notCountedRTO []Term
	standby := s.Spec.Topology == spec.ActivePassive
	switch s.Spec.Cloud {
	case spec.AWS:
		// Two paths at once: Route 53 moves traffic to a surviving region
		// while the region watch confirms the writer's loss and promotes.
		detect := 0
		for _, hc := range s.OfType("aws:route53/healthCheck:HealthCheck") {
			detect = max(detect, hc.Int("requestInterval")*hc.Int("failureThreshold"))
		}
		rto = append(rto, Term{Name: "Route 53 health check detection (interval × threshold)", Seconds: detect, Path: pathServing},
			Term{Name: "DNS alias TTL", Seconds: ELBAliasTTLSeconds, Path: pathServing})
		if len(s.OfType("aws:rds/globalCluster:GlobalCluster")) > 0 {
			if d := awsWatchDetection(s); d > 0 {
				rto = append(rto, Term{Name: "region watch: confirmed loss (strikes a run apart, or the replication alarm's window and the run after it) and the last run", Seconds: d, Path: pathWriter})
			} else {
				rto = append(rto, Term{Name: "operator decides and promotes (estimate; failoverAutomation notify)", Seconds: OperatorStepSeconds, Path: pathWriter})
			}
			rto = append(rto, Term{Name: "Aurora global failover", Seconds: AuroraGlobalFailoverSeconds, Path: pathWriter})
			rpo = append(rpo, Term{Name: "Aurora global replication", Seconds: AuroraGlobalRPOSeconds})
		}
		if standby {
			cooldown := 0
			for _, p := range s.OfType("aws:appautoscaling/policy:Policy") {
				cooldown = max(cooldown, p.Int("targetTrackingScalingPolicyConfiguration.scaleOutCooldown"))
			}
			rto = append(rto, Term{Name: "standby scale-out (cooldown + task start)", Seconds: cooldown + TaskStartSeconds, Path: pathServing})
		}
		if len(s.OfType("aws:dynamodb/tableReplica:TableReplica")) > 0 || len(s.OfType("aws:dynamodb/table:Table")) > 0 && s.OfType("aws:dynamodb/table:Table")[0].Len("replicas") > 0 {
			rpo = append(rpo, Term{Name: "DynamoDB global table", Seconds: DynamoDBGlobalTablesRPOSeconds})
		}
		rtc := 0
		for _, c := range s.OfType("aws:s3/bucketReplicationConfig:BucketReplicationConfig") {
			for i := 0; i < c.Len("rules"); i++ {
				rtc = max(rtc, 60*c.Int(fmt.Sprintf("rules.%d.destination.replicationTime.time.minutes", i)))
			}
		}
		if rtc > 0 {
			rpo = append(rpo, Term{Name: "S3 Replication Time Control", Seconds: rtc})
		}
	case spec.GCP:
		// What the failover job does, read from its environment: switch the
		// URL map (URL_MAP), promote a replica (REPLICA), or both.
		job := gcpFailoverJob(s)
		switches, promotes := false, false
		if job != nil {
			switches, promotes = gcpJobEnv(job, "URL_MAP") != "", gcpJobEnv(job, "REPLICA") != ""
		}
		outlier := 0
		for _, b := range s.OfType("gcp:compute/backendService:BackendService") {
			outlier = max(outlier, b.Int("outlierDetection.interval.seconds")*b.Int("outlierDetection.consecutiveErrors"))
		}
		serving := Term{Name: "outlier detection (interval × consecutive errors)", Seconds: outlier, Path: pathServing}
		detect := Term{Name: "failover job: confirmed loss (the edge's window, its metric delay, the run after it)"}
		if job != nil {
			detect.Seconds = failover.JobDetection(UptimeCheckDelaySeconds) + seconds(job.Str("template.template.timeout")) - failover.JobRunTimeoutSeconds
		}
		// The job's detection is on both paths when it both switches and
		// promotes; on the writer path when it only promotes (serving moves
		// by outlier detection meanwhile).
		switch {
		case switches:
			rto = append(rto, detect, Term{Name: "load balancer propagation", Seconds: LoadBalancerPropagationSeconds, Path: pathServing})
		case promotes:
			detect.Path = pathWriter
			rto = append(rto, serving, detect)
		default:
			rto = append(rto, serving)
		}
		if promotes {
			rto = append(rto, Term{Name: "Cloud SQL replica promotion by the job (estimate)", Seconds: CloudSQLAutoPromotionSeconds, Path: pathWriter})
		}
		if len(s.OfType("gcp:spanner/instance:Instance")) > 0 {
			rto = append(rto, Term{Name: "Spanner leader failover", Seconds: SpannerFailoverSeconds, Path: pathWriter})
			rpo = append(rpo, Term{Name: "Spanner synchronous replication", Seconds: 0})
		}
		if len(s.OfType("gcp:sql/databaseInstance:DatabaseInstance")) > 0 {
			if !promotes {
				rto = append(rto, Term{Name: "Cloud SQL replica promotion (operator)", Seconds: CloudSQLPromotionSeconds, Path: pathWriter})
			}
			rpo = append(rpo, Term{Name: "Cloud SQL cross-region replica", Seconds: CloudSQLReplicaRPOSeconds})
		}
		copies := s.gcsCopies()
		for _, b := range s.OfType("gcp:storage/bucket:Bucket") {
			if _, isCopy := copies[b]; isCopy {
				copied = append(copied, Term{Name: fmt.Sprintf("Storage Transfer copy to %s (a read copy: every upload is written to the dual-region bucket first)", b.Str("location")), Seconds: copyInterval(s, b)})
				continue
			}
			if b.Str("rpo") == "ASYNC_TURBO" {
				rpo = append(rpo, Term{Name: "Cloud Storage turbo replication", Seconds: GCSTurboRPOSeconds})
			} else {
				rpo = append(rpo, Term{Name: "Cloud Storage default replication", Seconds: GCSDefaultRPOSeconds})
			}
		}
	case spec.Azure:
		detect := 0
		for _, g := range s.OfType("azure-native:cdn:AFDOriginGroup") {
			if g.Str("originGroupName") == "api" {
				detect = g.Int("healthProbeSettings.probeIntervalInSeconds") * g.Int("loadBalancingSettings.sampleSize")
			}
		}
		// Two paths at once: Front Door moves traffic while the failover
		// job confirms the writer's loss and forces the group over.
		rto = append(rto, Term{Name: "Front Door probes (interval × sample size)", Seconds: detect, Path: pathServing})
		for _, f := range s.OfType("azure-native:sql:FailoverGroup") {
			if job := azureFailoverJob(s); job != nil {
				rto = append(rto, Term{Name: "failover job: confirmed loss (the edge's window, its metric delay, the run after it)", Seconds: jobDetection(job, AzureMonitorDelaySeconds), Path: pathWriter},
					Term{Name: "SQL forced failover (estimate)", Seconds: AzureSQLFailoverSeconds, Path: pathWriter})
			} else if f.Str("readWriteEndpoint.failoverPolicy") == "Manual" {
				rto = append(rto, Term{Name: "operator forces the failover group over (estimate; failoverAutomation notify)", Seconds: OperatorStepSeconds + AzureSQLFailoverSeconds, Path: pathWriter})
			} else {
				rto = append(rto, Term{Name: "SQL failover group (grace period + switch)", Seconds: azureGraceFailover(f), Path: pathWriter})
			}
			rpo = append(rpo, Term{Name: "SQL geo-replication", Seconds: AzureSQLGeoReplicationRPOSeconds})
		}
		if standby {
			rto = append(rto, Term{Name: "standby scale-out (replica start)", Seconds: TaskStartSeconds, Path: pathServing})
		}
		geo := false
		for _, a := range s.OfType("azure-native:storage:StorageAccount") {
			geo = geo || strings.Contains(a.Str("sku.name"), "GRS") || strings.Contains(a.Str("sku.name"), "GZRS")
		}
		if geo {
			rpo = append(rpo, Term{Name: "storage geo-redundancy (typically under 15 minutes, no SLA)", Seconds: AzureGeoRedundancyRPOSeconds})
		}
	}
	b := Budget{
		RTO: Figure{Objective: s.Spec.Objectives.RTOSeconds, Terms: withBasis(rto), NotCounted: withBasis(notCountedRTO)},
		RPO: Figure{Objective: s.Spec.Objectives.RPOSeconds, Terms: withBasis(rpo), NotCounted: withBasis(copied)},
	}
	b.RTO.Computed = pathsTotal(rto, "")
	for _, t := range rpo {
		b.RPO.Computed = max(b.RPO.Computed, t.Seconds)
	}
	return b
}

// Recovery paths that run at once.
const (
	pathServing = "serving"
	pathWriter  = "writer"
)

// pathsTotal is a figure's terms added up: the terms on every path, and
// the longest path's (only path's terms, with path set).
func pathsTotal(terms []Term, only string) int {
	shared, byPath := 0, map[string]int{}
	for _, t := range terms {
		if t.Path == "" {
			shared += t.Seconds
		} else {
			byPath[t.Path] += t.Seconds
		}
	}
	if only != "" {
		return shared + byPath[only]
	}
	longest := 0
	for _, n := range byPath {
		longest = max(longest, n)
	}
	return shared + longest
}

// awsWatchDetection is how long the promoting region watch takes to
// promote after the writer's loss (failover.WatchDetection), read from the
// recorded resources: its schedule's rate, its strikes and run timeout
// (its definition), and its replication alarm's window; 0 without a
// promoting watch of a shape the scenario table ran. In a first preview,
// where the definition is not known yet, the package's own figures.
func awsWatchDetection(s Stack) int {
	detect := 0
	for _, sm := range s.OfType("aws:sfn/stateMachine:StateMachine") {
		src := sm.Str("definition")
		if mock.Unresolved(src) {
			if s.Spec.Promotes() {
				detect = max(detect, failover.WatchDetection(failover.WatchIntervalSeconds, failover.WatchStrikes,
					ReplicationWindowPreviewSeconds+CloudWatchDelaySeconds, failover.WatchRunTimeoutSeconds))
			}
			continue
		}
		if !strings.Contains(src, failover.ResourceFailoverGlobal) || !failover.IsTestedWatch(src) {
			continue
		}
		var def struct {
			TimeoutSeconds int
			States         map[string]struct {
				Parameters map[string]any
				Choices    []struct{ NumericGreaterThanEquals int }
			}
		}
		if json.Unmarshal([]byte(src), &def) != nil {
			continue
		}
		rate := 0
		for _, sc := range s.schedulesOf(sm) {
			var n int
			if _, err := fmt.Sscanf(sc.Str("scheduleExpression"), "rate(%d minute", &n); err == nil {
				rate = 60 * n
			}
		}
		strikes := 0
		for _, c := range def.States["Sustained"].Choices {
			strikes = c.NumericGreaterThanEquals
		}
		signal := 0
		names, _ := def.States["DatabaseSignal"].Parameters["AlarmNames"].([]any)
		for _, a := range s.OfType("aws:cloudwatch/metricAlarm:MetricAlarm") {
			if len(names) == 1 && a.Str("name") == names[0] {
				signal = a.Int("period")*a.Int("datapointsToAlarm") + CloudWatchDelaySeconds
			}
		}
		detect = max(detect, failover.WatchDetection(rate, strikes, signal, def.TimeoutSeconds))
	}
	return detect
}

// ReplicationWindowPreviewSeconds is the replication alarm's window in a first
// preview (components/aws: ReplicationAlarmPeriods × ReplicationAlarmPeriod;
// a test holds the two equal).
const ReplicationWindowPreviewSeconds = 2 * 60

// schedulesOf are the EventBridge Scheduler schedules that start a state
// machine (by its ARN, or in a first preview by the dependency).
func (s Stack) schedulesOf(sm *mock.Resource) []*mock.Resource {
	arn, _ := sm.Outputs["arn"].(string)
	var out []*mock.Resource
	for _, sc := range s.OfType("aws:scheduler/schedule:Schedule") {
		if !mock.Unresolved(arn) && sc.Str("target.arn") == arn || slices.Contains(sc.PropertyDeps["target"], sm.URN) {
			out = append(out, sc)
		}
	}
	return out
}

// azureFailoverJob is the Container Apps job that forces the SQL failover
// group over, when it runs the job the scenario table ran (failover.Job),
// or nil.
func azureFailoverJob(s Stack) *mock.Resource {
	for _, j := range s.OfType("azure-native:app/v20240301:Job") {
		if failover.IsTestedJob(j.Str("template.containers.0.command.2")) {
			return j
		}
	}
	return nil
}

// jobDetection is how long the failover job takes to act after a writer's
// loss (failover.JobDetection): the edge's window and its metric delay,
// then the run after it (its schedule) to its end (its timeout), read from
// the job's schedule and timeout where the resource records them.
func jobDetection(job *mock.Resource, delay int) int {
	d := failover.JobDetection(delay)
	if t := job.Int("configuration.replicaTimeout"); t > 0 {
		d += t - failover.JobRunTimeoutSeconds
	}
	return d
}

// azureGraceFailover is the failover group's own automatic failover: its
// grace period, then the switch.
func azureGraceFailover(f *mock.Resource) int {
	return 60*f.Int("readWriteEndpoint.failoverWithDataLossGracePeriodMinutes") + AzureSQLFailoverSeconds
}

// gcpFailoverJob is the Cloud Run job that runs the job the scenario table
// ran (failover.Job), or nil.
func gcpFailoverJob(s Stack) *mock.Resource {
	for _, j := range s.OfType("gcp:cloudrunv2/job:Job") {
		if failover.IsTestedJob(j.Str("template.template.containers.0.args.1")) {
			return j
		}
	}
	return nil
}

// gcpJobEnv is an environment variable of a Cloud Run job's container.
func gcpJobEnv(job *mock.Resource, name string) string {
	return envValue(job, "template.template.containers.0.envs", name)
}

// copyInterval is the repeat interval of the Storage Transfer job that
// fills a bucket (the job's schedule; 24 hours when unset).
func copyInterval(s Stack, b *mock.Resource) int {
	resolve := s.gcsBuckets()
	interval := 0
	for _, j := range s.OfType("gcp:storage/transferJob:TransferJob") {
		if slices.Contains(resolve(targets(j, "transferSpec.gcsDataSink.bucketName")), b) {
			interval = 24 * 3600
			if v := j.Str("schedule.repeatInterval"); v != "" {
				interval = seconds(v)
			}
		}
	}
	return interval
}

// seconds parses a duration such as "60s".
func seconds(d string) int {
	n, _ := strconv.Atoi(strings.TrimSuffix(d, "s"))
	return n
}

// ResilienceWithinObjectives: the recovery the resources imply meets the
// stack's objectives.
var ResilienceWithinObjectives = Policy{
	Name:        "resilience-within-objectives",
	Description: "The recovery time and data-loss window computed from the resources are within rtoSeconds and rpoSeconds.",
	Severity:    Mandatory,
	Check: func(s Stack) []Violation {
		b := ComputeBudget(s)
		var vs []Violation
		for _, f := range []struct {
			name, key string
			fig       Figure
		}{{"RTO", "rtoSeconds", b.RTO}, {"RPO", "rpoSeconds", b.RPO}} {
			if f.fig.Computed > f.fig.Objective {
				vs = append(vs, violation(nil, "computed %s %d s exceeds %s:%s (%d s): %s", f.name, f.fig.Computed, spec.Namespace, f.key, f.fig.Objective, describe(f.fig.Terms)))
			}
		}
		return vs
	},
}

func describe(terms []Term) string {
	var parts []string
	for _, t := range terms {
		on := ""
		if t.Path != "" {
			on = " (" + t.Path + " path)"
		}
		parts = append(parts, fmt.Sprintf("%s %d s%s", t.Name, t.Seconds, on))
	}
	return strings.Join(parts, ", ")
}
