// Package components holds what the per-cloud component packages
// (components/aws, components/gcp, components/azure) share: the shapes their
// Args take (a workload, a health check, alert thresholds, a region's role)
// and the documented defaults a zero Args field means. It links no cloud
// SDK and knows nothing of the mobile-backend program's config: another
// program uses the components with these types alone, and the program's
// config keys default to the same values (internal/spec reads them here).
package components

import (
	"slices"
	"sort"
)

// StaticPrefix is the object prefix the edge cache may read: static content
// lives under it, user uploads everywhere else, and no edge reads those.
const StaticPrefix = "static"

// Topology is how the regions share traffic.
type Topology string

const (
	// ActiveActive: every region serves; writes go to the writer's database
	// (or a multi-writer store).
	ActiveActive Topology = "active-active"
	// ActivePassive: the primary serves; the others are warm standbys that
	// take over when the primary fails its health check.
	ActivePassive Topology = "active-passive"
)

// Role is what a region does in its topology.
type Role string

const (
	// Primary holds the database writer, and is the only serving region in
	// active-passive.
	Primary Role = "primary"
	// Active is a serving, non-writer region in active-active.
	Active Role = "active"
	// Standby is a warm standby in active-passive.
	Standby Role = "standby"
)

// Successor is the region that takes over from the writer: the next one
// after it in the order of the regions (the first after the last). Failover
// routing's secondary, the automation that promotes, and every cloud agree
// on it.
func Successor(regions []string, roles []Role) string {
	for i, r := range roles {
		if r == Primary {
			return regions[(i+1)%len(regions)]
		}
	}
	return ""
}

// RegionalHostname is a region's own hostname below the stack's domain
// (<region>.<domain>), the same on every cloud.
func RegionalHostname(region, domain string) string { return region + "." + domain }

// Watcher is the region that watches a region: the one after it (the
// first for the last), so the writer's watcher is its successor.
func Watcher(regions []string, region string) string {
	for i, r := range regions {
		if r == region {
			return regions[(i+1)%len(regions)]
		}
	}
	return ""
}

// WAFMode is what a web firewall does with a request that matches a rule.
type WAFMode string

const (
	// WAFBlock blocks matching requests (the default).
	WAFBlock WAFMode = "block"
	// WAFCount only counts them, for a staged rollout of new rules.
	WAFCount WAFMode = "count"
)

// Google Cloud database engines.
const (
	EngineSpanner  = "spanner"
	EngineCloudSQL = "cloudsql"
)

// SpannerConfig is a Spanner multi-region instance configuration.
type SpannerConfig struct {
	Name    string
	Regions []string
	// KMSLocation is the Cloud KMS location of the same name, where one
	// exists (Cloud KMS "Locations" page): a database on a multi-region
	// configuration takes a single customer-managed key only from there,
	// since pulumi-gcp v7.38 has no kmsKeyNames. Empty: none is listed.
	KMSLocation string
}

// Covers reports whether every region serves reads from this configuration.
func (c SpannerConfig) Covers(regions []string) bool {
	for _, r := range regions {
		if !slices.Contains(c.Regions, r) {
			return false
		}
	}
	return true
}

// HealthCheck is how a region's health is probed.
type HealthCheck struct {
	Path             string // HTTP path that answers 2xx/3xx when the region is healthy
	IntervalSeconds  int    // seconds between probes
	FailureThreshold int    // consecutive failures before a region is unhealthy
}

// DefaultHealthCheck is what a zero HealthCheck field means.
var DefaultHealthCheck = HealthCheck{Path: "/", IntervalSeconds: 10, FailureThreshold: 3}

// WithDefaults fills every zero field with its default.
func (h HealthCheck) WithDefaults() HealthCheck {
	Default(&h.Path, DefaultHealthCheck.Path)
	Default(&h.IntervalSeconds, DefaultHealthCheck.IntervalSeconds)
	Default(&h.FailureThreshold, DefaultHealthCheck.FailureThreshold)
	return h
}

// Worker is a background process of the app: the app's image running
// Command, Instances of it per region, with the app's settings, secrets and
// identity, and no ingress.
type Worker struct {
	Name      string // 2–12 lowercase letters, digits or hyphens
	Instances int
	Command   []string
}

// Schedule is a scheduled job of the app: the app's image running Command
// at Cron (five fields, UTC), once for the whole stack, in the writer's
// region.
type Schedule struct {
	Name    string // 2–12 lowercase letters, digits or hyphens
	Cron    string
	Command []string
}

// Workload is the container every region runs, in the shape each cloud's
// compute component takes it.
type Workload struct {
	Image         string
	ContainerPort int
	CPU           int // CPU units, 1024 = one vCPU
	Memory        int // MiB
	MinInstances  int
	MaxInstances  int
	// Concurrency is the concurrent requests per instance that Cloud Run and
	// Container Apps scale on; AWS ignores it (the ALB balances per request
	// and ECS scales on CPU).
	Concurrency int
}

// DefaultWorkload is what a zero Workload field means: a placeholder image
// that answers on / so that a first deploy goes healthy, half a vCPU, 1 GiB.
var DefaultWorkload = Workload{
	Image: "public.ecr.aws/nginx/nginx:stable", ContainerPort: 80, CPU: 512, Memory: 1024,
	MinInstances: 2, MaxInstances: 10, Concurrency: 80,
}

// CloudRunImage is the placeholder image on Google Cloud: Cloud Run deploys
// only from Artifact Registry, gcr.io or docker.io
// (cloud.google.com/run/docs/deploying).
const CloudRunImage = "docker.io/library/nginx:stable"

// WithDefaults fills every zero field with its default.
func (w Workload) WithDefaults() Workload {
	d := DefaultWorkload
	Default(&w.Image, d.Image)
	Default(&w.ContainerPort, d.ContainerPort)
	Default(&w.CPU, d.CPU)
	Default(&w.Memory, d.Memory)
	Default(&w.MinInstances, d.MinInstances)
	Default(&w.MaxInstances, d.MaxInstances)
	Default(&w.Concurrency, d.Concurrency)
	return w
}

// Alarms are the thresholds of the per-region alerts.
type Alarms struct {
	ErrorRatePercent          int // load-balancer 5xx responses, percent of requests
	LatencyP99Ms              int // p99 target response time
	CPUPercent                int // service CPU utilisation
	MemoryPercent             int // service memory utilisation
	DatabaseLagMs             int // Aurora global replication lag
	StorageReplicationSeconds int // S3 replication latency
	WAFBlockedRequests        int // blocked requests per 5 minutes
}

// DefaultAlarms is what a zero Alarms field means.
var DefaultAlarms = Alarms{
	ErrorRatePercent: 5, LatencyP99Ms: 1000, CPUPercent: 85, MemoryPercent: 85,
	DatabaseLagMs: 5000, StorageReplicationSeconds: 900, WAFBlockedRequests: 1000,
}

// WithDefaults fills every zero threshold with its default.
func (a Alarms) WithDefaults() Alarms {
	d := DefaultAlarms
	Default(&a.ErrorRatePercent, d.ErrorRatePercent)
	Default(&a.LatencyP99Ms, d.LatencyP99Ms)
	Default(&a.CPUPercent, d.CPUPercent)
	Default(&a.MemoryPercent, d.MemoryPercent)
	Default(&a.DatabaseLagMs, d.DatabaseLagMs)
	Default(&a.StorageReplicationSeconds, d.StorageReplicationSeconds)
	Default(&a.WAFBlockedRequests, d.WAFBlockedRequests)
	return a
}

// BudgetAlert is one threshold of a cost budget.
type BudgetAlert struct {
	Percent  int
	Forecast bool // on forecast spend instead of actual
}

// BudgetAlerts are the thresholds every cloud's budget alerts at.
var BudgetAlerts = []BudgetAlert{{50, false}, {80, false}, {100, false}, {100, true}}

// The other documented defaults of the components' Args.
const (
	DefaultDNSTTL                = 60   // seconds, non-alias records
	DefaultLogRetentionDays      = 30   // days; a value CloudWatch Logs accepts
	DefaultCPUTargetPercent      = 60   // target-tracking autoscaling
	DefaultRateLimit             = 2000 // WAF requests per 5 minutes per client IP
	DefaultWAFMode               = WAFBlock
	DefaultDatabaseName          = "app"
	DefaultBackupRetentionDays   = 7 // point-in-time recovery window
	DefaultNoncurrentVersionDays = 30
	DefaultAuroraVersion         = "16.6"
	DefaultAuroraInstanceClass   = "db.r6g.large"
	DefaultAuroraInstances       = 2 // per region
	DefaultAzureSQLSku           = "GP_Gen5_2"
	DefaultFailoverGraceMinutes  = 60 // Azure's minimum for an automatic policy
	DefaultCloudSQLTier          = "db-custom-2-7680"
	DefaultSpannerMinUnits       = 1000
	DefaultSpannerMaxUnits       = 5000
)

// Default sets *v to def when *v is its type's zero value: how every
// component fills the arguments a caller left out.
func Default[T comparable](v *T, def T) {
	var zero T
	if *v == zero {
		*v = def
	}
}

// SortedKeys returns a map's keys in order, for deterministic output.
func SortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
