// Package spec is the cloud-neutral description of one stack: what the
// program reads from Pulumi config, with defaults applied and every value
// validated before any resource is registered.
//
// The steps are separate, as in the Kubernetes API types: Defaults gives the
// documented default of every key, Load overlays the stack's config and derives
// what depends on other keys, and validate returns every problem at once, each
// naming its config key.
package spec

import (
	"fmt"
	"github.com/mobile-backend/mobile-backend/components"
	"slices"
	"strings"
)

// Namespace is the Pulumi project name and so the prefix of every config key.
const Namespace = "mobile-backend"

// Cloud names a supported cloud.
type Cloud string

// The supported clouds.
const (
	AWS   Cloud = "aws"
	GCP   Cloud = "gcp"
	Azure Cloud = "azure"
)

// Topology is how the regions share traffic (components.Topology).
type Topology = components.Topology

// The topologies.
const (
	ActiveActive  = components.ActiveActive
	ActivePassive = components.ActivePassive
)

// WAFMode is what the web firewall does with a request that matches a rule.
type WAFMode = components.WAFMode

// The WAF modes.
const (
	WAFBlock = components.WAFBlock
	WAFCount = components.WAFCount
)

// Role is what a region does in its topology.
type Role = components.Role

// The roles.
const (
	Primary = components.Primary
	Active  = components.Active
	Standby = components.Standby
)

// RegionSpec is one region of the stack with its derived settings.
type RegionSpec struct {
	Name  string
	Index int    // position in mobile-backend:regions; 0 is the home region
	Role  Role   // primary (holds the database writer), active or standby
	CIDR  string // the region's VPC / virtual network range
	// Down: the region's control plane is unreachable (regionsDown). Role
	// is still the current one; the region's own resources are built from
	// Spec.AsDeployed, the roles it was last deployed with.
	Down bool
}

// Serving reports whether the region receives traffic in normal operation.
func (r RegionSpec) Serving() bool { return r.Role != Standby }

// HealthCheck is how every cloud probes a region.
type HealthCheck = components.HealthCheck

// WAF configures every web firewall of the stack.
type WAF struct {
	Mode      WAFMode
	RateLimit int      // requests per 5 minutes per client IP
	GeoBlock  []string // ISO 3166-1 alpha-2 country codes to block
	// LargeBodyPaths are the URL path prefixes whose request bodies may
	// exceed the core rule set's 8 KB (AWS).
	LargeBodyPaths []string
}

// Objectives are the stack's resilience targets.
type Objectives struct {
	RTOSeconds int // recovery time objective
	RPOSeconds int // recovery point objective (data-loss window)
}

// Spec is one stack's validated configuration.
type Spec struct {
	Stack       string // the Pulumi stack name
	Cloud       Cloud
	Topology    Topology
	RegionNames []string // as configured; Regions holds the derived per-region view
	Regions     []RegionSpec
	// WriterRegion is where the database writer is (mobile-backend:writerRegion;
	// default the first region). It moves after a failover; Home does not.
	WriterRegion string
	// RegionsDown are regions whose control plane is unreachable
	// (mobile-backend:regionsDown): nothing in them changes, nothing calls
	// them; RegionsDownWriter is the writer they were last deployed with.
	RegionsDown       []string
	RegionsDownWriter string
	// AWSAccountID is the account, when given (mobile-backend:awsAccountId).
	AWSAccountID string
	// AWSHostedZoneID is the hosted zone, when given (mobile-backend:awsHostedZoneId).
	AWSHostedZoneID string
	Domain          string
	Environment     string

	Workload
	StandbyMinInstances int
	CPUTargetPercent    int

	HealthCheck HealthCheck
	DNSTTL      int
	DNSZone     string
	CreateZone  bool

	WAF WAF
	// DDoSProtection turns on each cloud's paid DDoS protection.
	DDoSProtection bool
	// MonthlyBudget is the stack's monthly cost budget in US dollars (0: none).
	MonthlyBudget int
	Backup        Backup
	AlertEmails   []string
	Objectives    Objectives
	// FailoverAutomation is AutomationPromote or AutomationNotify.
	FailoverAutomation string
	Tags               map[string]string
	// App is the minimum-version gate at every WAF.
	App components.AppGate
	// Attestation is app attestation at the edge (see AppAttestation).
	Attestation components.Attestation
	// Runtime is the app's own configuration in every region (app.go).
	Runtime AppRuntime
	// Release is how a change of what runs reaches the regions (release.go).
	Release Release
	// BreakGlass is the operators' way in (breakglass.go).
	BreakGlass BreakGlass

	// AllowedRegions restricts where the stack may run (data residency);
	// empty allows every region of the cloud.
	AllowedRegions []string
	// MinRegionDistanceKm is how far apart every two regions must be, so
	// that one disaster cannot take out two of them.
	MinRegionDistanceKm int

	VPCCIDRs         []string
	SingleNATGateway bool
	LogRetentionDays int
	Protect          bool

	Database     Database
	SessionTable bool
	Storage      Storage
	Alarms       Alarms

	GCP   GoogleCloud
	Azure AzureSettings
}

// AzureSettings holds the Azure settings.
type AzureSettings struct {
	// SQLAdminLogin and SQLAdminObjectID name the Microsoft Entra principal
	// (a group, ideally) that administers the SQL servers; empty means the
	// identity that runs the deployment.
	SQLAdminLogin    string
	SQLAdminObjectID string // an application's client id (its SID in Azure SQL)
	SQLAdminType     string // Group, User or Application
	SQLSku           string // database SKU, e.g. GP_Gen5_2
	// DNSResourceGroup holds the Azure DNS zone; empty means <stack>-dns for
	// an existing zone, the stack's global group for a created one.
	DNSResourceGroup string
	// KeyVaultGeneration renames the Key Vaults: a destroyed stack's vault
	// names stay reserved for 90 days (soft delete, purge protection).
	KeyVaultGeneration int
	// FailoverGraceMinutes is how long the failover group waits before an
	// automatic failover that may lose data.
	FailoverGraceMinutes int
}

// GoogleCloud holds the Google Cloud settings.
type GoogleCloud struct {
	Project  string // project id; empty means the provider's ambient project
	Database string // auto, spanner or cloudsql
	// SpannerConfig is the multi-region configuration as configured (empty
	// means choose); Spanner is the resolved one when Spanner is in use.
	SpannerConfig   string
	Spanner         SpannerConfig
	SpannerMinUnits int // processing units, autoscaling floor
	SpannerMaxUnits int // processing units, autoscaling ceiling
	CloudSQLTier    string
	// BillingAccount pays for the project; the budget is set on it.
	BillingAccount string
}

// GCP database engines.
const (
	EngineAuto     = "auto"
	EngineSpanner  = components.EngineSpanner
	EngineCloudSQL = components.EngineCloudSQL
)

// GCPEngine is the database engine a GCP stack uses: what config says, or
// Spanner for active-active where it can be encrypted with a
// customer-managed key, else Cloud SQL.
func (s Spec) GCPEngine() string {
	if s.GCP.Database != EngineAuto && s.GCP.Database != "" {
		return s.GCP.Database
	}
	if s.Topology != ActiveActive {
		return EngineCloudSQL
	}
	if s.GCP.SpannerConfig != "" {
		return EngineSpanner // a configuration asked for by name
	}
	// Customer-managed keys are not an option: at the pinned SDK a Spanner
	// database takes one key, in the configuration's own KMS location, which
	// only some configurations have (docs/gcp.md, "Google Cloud limits").
	if c, err := ChooseSpannerConfig("", s.RegionNames); err == nil && c.KMSLocation != "" {
		return EngineSpanner
	}
	return EngineCloudSQL
}

// Database configures the global relational database.
type Database struct {
	EngineVersion       string // Aurora PostgreSQL version
	InstanceClass       string
	Instances           int // per region
	BackupRetentionDays int
	Name                string
}

// Storage configures the replicated object storage and its edge cache.
type Storage struct {
	NoncurrentVersionDays int    // days a replaced or deleted object version is kept
	StaticHostname        string // the edge cache's hostname
}

// Default sets *v to def when *v is its type's zero value.
func Default[T comparable](v *T, def T) { components.Default(v, def) }

// Alarms are the thresholds of the per-region alerts.
type Alarms = components.Alarms

// Backup configures the backups kept outside the primary region.
type Backup struct {
	CopyRetentionDays int
	VaultLock         bool
}

// BudgetAlert is one budget threshold: a percentage of the monthly budget,
// of actual spend or of the month's forecast.
type BudgetAlert = components.BudgetAlert

// BudgetAlerts are the thresholds every cloud's budget alerts at.
var BudgetAlerts = components.BudgetAlerts

// What the failover automation does (mobile-backend:failoverAutomation).
const (
	AutomationPromote = "promote" // fail the database over, and alert
	AutomationNotify  = "notify"  // alert only; a person promotes
)

// Promotes reports whether the automation fails the database over by itself.
func (s Spec) Promotes() bool { return s.FailoverAutomation != AutomationNotify }

// Successor is the region that takes over from the writer
// (components.Successor): failover routing's secondary and the region whose
// automation promotes.
func (s Spec) Successor() string {
	var names []string
	var roles []Role
	for _, r := range s.Regions {
		names, roles = append(names, r.Name), append(roles, r.Role)
	}
	return components.Successor(names, roles)
}

// Primary is the region of the database writer (mobile-backend:writerRegion):
// the serving region in active-passive. After a failover the operator moves
// it; routing, the apps' writer settings and the backup selection follow.
func (s Spec) Primary() RegionSpec {
	for _, r := range s.Regions {
		if r.Role == Primary {
			return r
		}
	}
	return s.Regions[0]
}

// AsDeployed is the stack as the regions in regionsDown were last deployed:
// the writer they had (regionsDownWriter). A down region's own resources are
// built from it, so that nothing in the region changes while its control
// plane is unreachable; everything else follows the current writer.
func (s Spec) AsDeployed() Spec {
	before := s
	before.WriterRegion = s.RegionsDownWriter
	before.RegionsDown = nil
	before.normalizeRegions()
	return before
}

// Region is the region of that name ({} when it is not one of regions).
func (s Spec) Region(name string) RegionSpec {
	if i := slices.IndexFunc(s.Regions, func(r RegionSpec) bool { return r.Name == name }); i >= 0 {
		return s.Regions[i]
	}
	return RegionSpec{}
}

// AfterLosing is the stack as it reads once lost is gone and to took over:
// to writes, lost is down (out of routing and the directory). What the
// failover automation publishes for the apps.
func (s Spec) AfterLosing(lost, to string) Spec {
	after := s
	after.WriterRegion, after.RegionsDownWriter = to, lost
	after.RegionsDown = []string{lost}
	after.normalizeRegions()
	return after
}

// WithTheWriter is the region of what follows the writer (a backup plan, a
// database-users job): the writer's, unless the region it was deployed in
// is down, where it stays, unchanged, until the region answers (moving it
// would delete there).
func (s Spec) WithTheWriter() string {
	if deployed := s.AsDeployed().Primary().Name; s.Down(deployed) {
		return deployed
	}
	return s.Primary().Name
}

// Down reports whether a region's control plane is unreachable (regionsDown).
func (s Spec) Down(region string) bool { return slices.Contains(s.RegionsDown, region) }

// Home is the first region of mobile-backend:regions: where the stack's
// once-per-stack resources live (the global database's first cluster, the
// session table's home, central logs, the backup vault, the stack's
// provider). It does not move when the writer does, so a failover followed
// by a new writerRegion replaces none of them.
func (s Spec) Home() RegionSpec { return s.Regions[0] }

// Production reports whether this stack is a production environment, which
// turns on the protections that get in the way of tearing down test stacks
// (load-balancer deletion protection, for one).
// AppGate is the minimum-version gate every WAF applies, exempting the
// health checks' path from the required headers.
func (s Spec) AppGate() components.AppGate {
	g := s.App
	g.ExemptPath, g.PublicPrefixes = s.HealthCheck.Path, s.Runtime.PublicPaths
	return g
}

// AppAttestation is the attestation every WAF applies, exempting the
// health checks' path.
func (s Spec) AppAttestation() components.Attestation {
	a := s.Attestation
	a.ExemptPath, a.PublicPrefixes = s.HealthCheck.Path, s.Runtime.PublicPaths
	return a
}

func (s Spec) Production() bool {
	return s.Environment == "prod" || s.Environment == "production"
}

// MayRestIn reports whether the stack's data may rest in a region: any
// region without allowedRegions, else only those.
func (s Spec) MayRestIn(region string) bool {
	return len(s.AllowedRegions) == 0 || slices.Contains(s.AllowedRegions, region)
}

// Workload is the container every region runs.
type Workload = components.Workload

// DefaultImage is the placeholder image of a cloud: one that answers on /
// so that a first deploy goes healthy, from a registry the cloud deploys
// from (Cloud Run: Artifact Registry, gcr.io or docker.io only,
// cloud.google.com/run/docs/deploying).
func DefaultImage(c Cloud) string {
	if c == GCP {
		return components.CloudRunImage
	}
	return components.DefaultWorkload.Image
}

// WorkloadFor is the workload of one region: a warm standby keeps the
// standby minimum, every other region the normal one.
func (s Spec) WorkloadFor(role Role) Workload {
	w := s.Workload
	if role == Standby {
		w.MinInstances = s.StandbyMinInstances
	}
	return w
}

// StandardTags is the tag/label set every taggable resource carries: the
// user's tags plus the ones this program owns (which win on a clash).
func (s Spec) StandardTags() map[string]string {
	t := map[string]string{}
	for k, v := range s.Tags {
		t[k] = v
	}
	t["app"] = Namespace
	t["stack"] = s.Stack
	t["environment"] = s.Environment
	t["managed-by"] = "pulumi"
	return t
}

// Error is a configuration error: every problem found, each naming its key.
type Error struct {
	Problems []string
}

func (e *Error) Error() string {
	return "invalid configuration:\n  - " + strings.Join(e.Problems, "\n  - ")
}

// problems collects validation messages, each prefixed with its full key.
type problems []string

func (p *problems) add(key, format string, args ...any) {
	*p = append(*p, Namespace+":"+key+": "+fmt.Sprintf(format, args...))
}

// Load builds the spec of a stack from its config: lookup returns the raw
// value of a key (without the namespace) as Pulumi passes it to the program
// (arrays and objects as JSON) and whether the key is set.
func Load(stack string, lookup func(key string) (string, bool)) (Spec, error) {
	return LoadWithSecrets(stack, lookup, nil)
}

// LoadWithSecrets is Load that also knows which keys hold secret values
// (the engine's ConfigSecretKeys): a key that must be secret and is not
// (appSecrets, alertWebhooks) is refused. nil skips that check.
func LoadWithSecrets(stack string, lookup func(key string) (string, bool), isSecret func(key string) bool) (Spec, error) {
	s := Defaults()
	s.Stack = stack
	var errs problems
	for _, f := range Fields {
		raw, ok := lookup(f.Key)
		if !ok {
			continue
		}
		if err := f.set(&s, raw); err != nil {
			errs.add(f.Key, "%v", err)
		}
	}
	s.derive()
	errs = append(errs, s.validate()...)
	errs = append(errs, s.Runtime.secretsAreSecret(isSecret)...)
	if len(errs) > 0 {
		return Spec{}, &Error{Problems: errs}
	}
	return s, nil
}

// derive fills the settings whose default depends on other keys.
func (s *Spec) derive() {
	if s.Environment == "" {
		s.Environment = s.Stack
	}
	if s.Image == "" {
		s.Image = DefaultImage(s.Cloud)
	}
	if s.DNSZone == "" && s.Domain != "" {
		s.DNSZone = parentZone(s.Domain)
	}
	if s.Storage.StaticHostname == "" && s.Domain != "" {
		s.Storage.StaticHostname = "static." + s.Domain
	}
	if s.WriterRegion == "" && len(s.RegionNames) > 0 {
		s.WriterRegion = s.RegionNames[0]
	}
	if s.RegionsDownWriter == "" {
		s.RegionsDownWriter = s.WriterRegion
	}
	s.normalizeRegions()
}

// normalizeRegions derives the per-region view: range, role by the writer,
// and whether the region is down.
func (s *Spec) normalizeRegions() {
	cidrs := s.VPCCIDRs
	if len(cidrs) == 0 {
		cidrs = make([]string, len(s.RegionNames))
		for i, name := range s.RegionNames {
			cidrs[i] = DefaultCIDR(s.Cloud, name)
		}
	}
	s.Regions = nil
	for i, name := range s.RegionNames {
		r := RegionSpec{Name: name, Index: i, Role: Primary}
		if name != s.WriterRegion {
			r.Role = Active
			if s.Topology == ActivePassive {
				r.Role = Standby
			}
		}
		if i < len(cidrs) {
			r.CIDR = cidrs[i]
		}
		r.Down = slices.Contains(s.RegionsDown, name)
		s.Regions = append(s.Regions, r)
	}
}

// DefaultCIDR is a region's network range when mobile-backend:vpcCidrs is
// not set: 10.n.0.0/16, n the region's place in the cloud's region table.
// Keyed by the region, not its place in `regions`: reordering the regions
// (or moving the writer) changes no range, which Google Cloud would answer
// with a replaced subnetwork; and no two regions overlap, so they can be
// peered later. "" for a region not in the table (validation refuses it).
func DefaultCIDR(c Cloud, region string) string {
	i := slices.IndexFunc(Regions[c], func(r Region) bool { return r.Name == region })
	if i < 0 {
		return ""
	}
	return fmt.Sprintf("10.%d.0.0/16", i)
}

// parentZone is the DNS zone a hostname most likely lives in: the name without
// its first label (api.example.com -> example.com), or the name itself when it
// has only two labels.
func parentZone(domain string) string {
	labels := strings.Split(domain, ".")
	if len(labels) <= 2 {
		return domain
	}
	return strings.Join(labels[1:], ".")
}

// SortedKeys returns a map's keys in order, for deterministic output.
func SortedKeys[V any](m map[string]V) []string { return components.SortedKeys(m) }

// DNSGroup is the resource group an existing Azure DNS zone is looked up in:
// azureDnsResourceGroup, or <stack>-dns, a group the stack never creates.
func (a AzureSettings) DNSGroup(stack string) string {
	if a.DNSResourceGroup != "" {
		return a.DNSResourceGroup
	}
	return stack + "-dns"
}
