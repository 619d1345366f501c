package spec

import (
	"fmt"
	"net/mail"
	"net/netip"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/mobile-backend/mobile-backend/components"
)

var (
	hostLabel   = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)
	countryCode = regexp.MustCompile(`^[A-Z]{2}$`)
	envName     = regexp.MustCompile(`^[a-z][a-z0-9-]{0,19}$`)
	dbName      = regexp.MustCompile(`^[a-z][a-z0-9_]{0,62}$`)
	gcpProject  = regexp.MustCompile(`^[a-z][a-z0-9-]{4,28}[a-z0-9]$`)
	gcpLabelKey = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,62}$`)
	gcpLabelVal = regexp.MustCompile(`^[a-z0-9_-]{0,63}$`)
	// Zone redundancy, always on here, is offered on standard-series (Gen5)
	// hardware in General Purpose and Business Critical; not on Fsv2 or DC
	// (learn.microsoft.com/azure/azure-sql/database/high-availability-sla,
	// "Zone-redundant availability").
	azureSQLSku = regexp.MustCompile(`^(GP|BC)_Gen5_[0-9]+$`)
	objectID    = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	// The program creates ENTERPRISE-edition PostgreSQL instances: custom
	// machine types only (perf-optimized tiers are Enterprise Plus; the SDK's
	// settings.tier: "for Postgres, supports only shared-core machine types,
	// and custom machine types", and shared-core has no SLA).
	sqlTier = regexp.MustCompile(`^db-custom-[0-9]+-[0-9]+$`)
	// A Spanner database id: 2 to 30 characters, a lowercase letter first,
	// a letter or digit last (Spanner docs, "Create and manage databases").
	spannerDB = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,28}[a-z0-9]$`)
	dbVersion = regexp.MustCompile(`^[0-9]{2}\.[0-9]+$`)
	dbClass   = regexp.MustCompile(`^db\.(r[0-9]+[a-z]*|x[0-9]+[a-z]*)\.[0-9]*x?large$`)
)

// cloudWatchRetentionDays are the only retention periods CloudWatch Logs accepts
// (PutRetentionPolicy API reference).
var cloudWatchRetentionDays = []int{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}

// fargateMemory lists, for each Fargate CPU size, the memory sizes (MiB) it
// accepts (Amazon ECS developer guide, "Task CPU and memory").
var fargateMemory = map[int][]int{
	256:   {512, 1024, 2048},
	512:   steps(1024, 4096, 1024),
	1024:  steps(2048, 8192, 1024),
	2048:  steps(4096, 16384, 1024),
	4096:  steps(8192, 30720, 1024),
	8192:  steps(16384, 61440, 4096),
	16384: steps(32768, 122880, 8192),
}

func steps(from, to, step int) []int {
	var v []int
	for n := from; n <= to; n += step {
		v = append(v, n)
	}
	return v
}

// validate returns every problem of a derived spec, and resolves the
// choices that validation makes (the Spanner configuration).
func (s *Spec) validate() problems {
	var p problems
	s.validateShape(&p)
	s.validateBreakGlass(&p)
	s.Runtime.validate(&p)
	s.validateImage(&p)
	s.validateSecretRefs(&p)
	switch s.Cloud {
	case AWS:
		s.validateAWS(&p)
	case GCP:
		s.validateGCP(&p)
	case Azure:
		s.validateAzure(&p)
	}
	return p
}

// validateShape checks what holds for every cloud.
func (s Spec) validateShape(p *problems) {
	cloudOK := slices.Contains([]Cloud{AWS, GCP, Azure}, s.Cloud)
	switch {
	case s.Cloud == "":
		p.add("cloud", "required; one of aws, gcp, azure")
	case !cloudOK:
		p.add("cloud", "%q is not a supported cloud; one of aws, gcp, azure", s.Cloud)
	}
	for _, platform := range SortedKeys(s.App.Minimums) {
		key := "minAppVersions." + platform
		if platform != "ios" && platform != "android" {
			p.add(key, "%q is not a platform; ios or android", platform)
			continue
		}
		if re, err := components.OlderThan(s.App.Minimums[platform]); err != nil {
			p.add(key, "%v", err)
		} else if len(re) > MaxGatePattern {
			p.add(key, "%q makes a %d-character matcher; the WAFs take %d at most (a shorter minimum: fewer digits)", s.App.Minimums[platform], len(re), MaxGatePattern)
		}
	}
	for _, platform := range SortedKeys(s.App.StoreURLs) {
		if u, err := url.Parse(s.App.StoreURLs[platform]); err != nil || u.Scheme != "https" || u.Host == "" {
			p.add("appStoreUrls."+platform, "%q is not an https URL", s.App.StoreURLs[platform])
		}
		if _, gated := s.App.Minimums[platform]; !gated {
			p.add("appStoreUrls."+platform, "has no minAppVersions.%s to go with it", platform)
		}
	}
	switch a := s.Attestation; {
	case a.Mode != components.AttestationOff && !a.On():
		p.add("appAttestation", "%q is not an attestation mode; one of off, monitor, enforce", a.Mode)
	case a.On() && len(a.AppIDs) == 0:
		p.add("appIds", "required with appAttestation %s: the app's bundle id and package name, e.g. {ios: com.example.app, android: com.example.app}", a.Mode)
	}
	for _, platform := range SortedKeys(s.Attestation.AppIDs) {
		key, id := "appIds."+platform, s.Attestation.AppIDs[platform]
		switch {
		case platform != "ios" && platform != "android":
			p.add(key, "%q is not a platform; ios or android", platform)
		case !components.ValidAppID(id):
			p.add(key, "%q is not a bundle id or package name (dot-separated segments of letters, digits, '_' or '-', starting with a letter)", id)
		}
	}
	for key, h := range map[string]string{"appPlatformHeader": s.App.PlatformHeader, "appVersionHeader": s.App.VersionHeader} {
		if !headerName.MatchString(h) {
			p.add(key, "%q is not a header name (letters, digits and hyphens)", h)
		}
	}
	if s.FailoverAutomation != AutomationPromote && s.FailoverAutomation != AutomationNotify {
		p.add("failoverAutomation", "%q is not a mode; one of %s, %s", s.FailoverAutomation, AutomationPromote, AutomationNotify)
	}
	switch s.Topology {
	case ActiveActive, ActivePassive:
	case "":
		p.add("topology", "required; one of active-active, active-passive")
	default:
		p.add("topology", "%q is not a topology; one of active-active, active-passive", s.Topology)
	}

	if len(s.RegionNames) < 2 {
		p.add("regions", "at least two regions are needed to survive the loss of one, got %d", len(s.RegionNames))
	}
	seen := map[string]int{}
	for i, r := range s.RegionNames {
		key := fmt.Sprintf("regions[%d]", i)
		if first, dup := seen[r]; dup {
			p.add(key, "%q is listed twice (also regions[%d])", r, first)
			continue
		}
		seen[r] = i
		if _, ok := LookupRegion(s.Cloud, r); cloudOK && !ok {
			p.add(key, "%q is not a%s %s region; see internal/spec/regions.go for the list", r, article(s.Cloud), cloudTitle(s.Cloud))
		}
	}
	if s.WriterRegion != "" && !slices.Contains(s.RegionNames, s.WriterRegion) {
		p.add("writerRegion", "%q is not one of regions %v", s.WriterRegion, s.RegionNames)
	}
	s.validateRegionsDown(p)
	s.validateRelease(p)
	s.validateMigrations(p)
	s.validateWorkers(p)
	s.validateSchedules(p)
	// An Azure SQL failover group pairs two servers, the first two regions'.
	if s.Cloud == Azure && len(s.RegionNames) > 2 && slices.Index(s.RegionNames, s.WriterRegion) >= 2 {
		p.add("writerRegion", "%q: on Azure the writer is one of the failover group's two regions, the first two of regions (%s, %s)", s.WriterRegion, s.RegionNames[0], s.RegionNames[1])
	}

	domainOK := false
	if s.Domain == "" {
		p.add("domain", "required: the public API hostname, e.g. api.example.com")
	} else if err := checkHostname(s.Domain); err != nil {
		p.add("domain", "%q %v", s.Domain, err)
	} else {
		domainOK = true
	}
	if domainOK && s.DNSZone != "" {
		if err := checkHostname(s.DNSZone); err != nil {
			p.add("dnsZone", "%q %v", s.DNSZone, err)
		} else if s.Domain != s.DNSZone && !strings.HasSuffix(s.Domain, "."+s.DNSZone) {
			p.add("dnsZone", "%q does not contain the domain %q", s.DNSZone, s.Domain)
		}
	}
	// The stack's name is in most physical names (KMS aliases, load
	// balancers, buckets, RDS identifiers, backup vaults): the same rule as
	// an environment's name keeps every one of them valid.
	if !envName.MatchString(s.Stack) || strings.Contains(s.Stack, "--") || strings.HasSuffix(s.Stack, "-") {
		p.add("stack", "the stack's name %q must be 1 to 20 lowercase letters, digits or single hyphens, starting with a letter: it is part of the resources' names (rename the stack, e.g. pulumi stack rename)", s.Stack)
	}
	if !envName.MatchString(s.Environment) {
		p.add("environment", "%q must be 1 to 20 lowercase letters, digits or hyphens, starting with a letter", s.Environment)
	}

	if strings.TrimSpace(s.Image) == "" {
		p.add("image", "must not be empty")
	} else if s.Cloud == GCP && !CloudRunImage(s.Image) {
		p.add("image", "%q: Cloud Run deploys only from Artifact Registry (REGION-docker.pkg.dev/...), gcr.io or docker.io (docker.io/library/NAME for Docker Hub's official images)", s.Image)
	}
	if s.ContainerPort < 1 || s.ContainerPort > 65535 {
		p.add("containerPort", "%d is not a TCP port (1-65535)", s.ContainerPort)
	}
	if s.CPU <= 0 {
		p.add("cpu", "%d must be positive", s.CPU)
	}
	if s.Memory <= 0 {
		p.add("memory", "%d must be positive", s.Memory)
	}
	if s.MinInstances < 1 {
		p.add("minInstances", "%d must be at least 1", s.MinInstances)
	}
	if s.MaxInstances < s.MinInstances {
		p.add("maxInstances", "%d is below minInstances (%d)", s.MaxInstances, s.MinInstances)
	}
	if s.StandbyMinInstances < 1 {
		p.add("standbyMinInstances", "%d must be at least 1: a standby with no instance fails its health check and cannot take over", s.StandbyMinInstances)
	} else if s.StandbyMinInstances > s.MaxInstances {
		p.add("standbyMinInstances", "%d is above maxInstances (%d)", s.StandbyMinInstances, s.MaxInstances)
	}
	if s.CPUTargetPercent < 10 || s.CPUTargetPercent > 90 {
		p.add("cpuTargetPercent", "%d must be between 10 and 90", s.CPUTargetPercent)
	}

	if !strings.HasPrefix(s.HealthCheck.Path, "/") || len(s.HealthCheck.Path) > 255 || strings.ContainsAny(s.HealthCheck.Path, " \t\n") {
		p.add("healthCheckPath", "%q must be a URL path starting with / (at most 255 characters, no spaces)", s.HealthCheck.Path)
	}
	if s.HealthCheck.IntervalSeconds <= 0 {
		p.add("healthCheckInterval", "%d must be positive", s.HealthCheck.IntervalSeconds)
	}
	if s.HealthCheck.FailureThreshold <= 0 {
		p.add("healthCheckFailureThreshold", "%d must be positive", s.HealthCheck.FailureThreshold)
	}
	if s.DNSTTL < 1 || s.DNSTTL > 86400 {
		p.add("dnsTtl", "%d must be between 1 and 86400 seconds", s.DNSTTL)
	}

	switch s.WAF.Mode {
	case WAFBlock, WAFCount:
	default:
		p.add("wafMode", "%q is not a WAF mode; one of block, count", s.WAF.Mode)
	}
	if s.WAF.RateLimit <= 0 {
		p.add("rateLimit", "%d must be positive", s.WAF.RateLimit)
	}
	// Front Door's geo-block takes ten rules of ten countries (priorities
	// 10-19, before the gate; components/azure.GeoBlockPerRule).
	if s.Cloud == Azure && len(s.WAF.GeoBlock) > 100 {
		p.add("geoBlock", "%d countries: on Azure at most 100 (ten Front Door rules of ten)", len(s.WAF.GeoBlock))
	}
	for i, c := range s.WAF.GeoBlock {
		if !countryCode.MatchString(c) {
			p.add(fmt.Sprintf("geoBlock[%d]", i), "%q is not an ISO 3166-1 alpha-2 country code (two capital letters, e.g. KP)", c)
		}
	}
	for i, e := range s.AlertEmails {
		if a, err := mail.ParseAddress(e); err != nil || a.Address != e || !strings.Contains(e[strings.LastIndex(e, "@")+1:], ".") {
			p.add(fmt.Sprintf("alertEmails[%d]", i), "%q is not an e-mail address", e)
		}
	}
	switch {
	case s.MonthlyBudget < 0:
		p.add("monthlyBudget", "%d must be 0 (no budget) or a positive number of US dollars", s.MonthlyBudget)
	case s.MonthlyBudget > 0 && len(s.AlertEmails) == 0:
		p.add("alertEmails", "a monthlyBudget needs at least one address to alert")
	}
	if s.Backup.CopyRetentionDays < 1 || s.Backup.CopyRetentionDays > 3650 {
		p.add("backupCopyRetentionDays", "%d must be between 1 and 3650", s.Backup.CopyRetentionDays)
	}
	if s.Objectives.RTOSeconds <= 0 {
		p.add("rtoSeconds", "%d must be positive", s.Objectives.RTOSeconds)
	}
	if s.Objectives.RPOSeconds <= 0 {
		p.add("rpoSeconds", "%d must be positive", s.Objectives.RPOSeconds)
	}
	for _, k := range SortedKeys(s.Tags) {
		if k == "" || len(k) > 63 {
			p.add("tags", "key %q must be 1 to 63 characters", k)
		}
		if len(s.Tags[k]) > 63 {
			p.add("tags."+k, "value must be at most 63 characters (the strictest cloud's label limit)")
		}
	}
	s.validateCIDRs(p)
	for i, r := range s.AllowedRegions {
		// An Azure region's pair may hold its geo-redundant copies, so it
		// may be allowed though the stack never runs there.
		if _, ok := LookupRegion(s.Cloud, r); cloudOK && !ok && !(s.Cloud == Azure && azurePartner(r)) {
			p.add(fmt.Sprintf("allowedRegions[%d]", i), "%q is not a%s %s region", r, article(s.Cloud), cloudTitle(s.Cloud))
		}
	}
	if s.MinRegionDistanceKm < 0 {
		p.add("minRegionDistanceKm", "%d must not be negative", s.MinRegionDistanceKm)
	}

	if s.Database.Instances < 1 {
		p.add("dbInstances", "%d must be at least 1", s.Database.Instances)
	} else if s.Production() && s.Database.Instances < 2 {
		p.add("dbInstances", "%d is too few for production (environment %q): at least 2, so a zone failure does not stop the database", s.Database.Instances, s.Environment)
	}
	if !dbName.MatchString(s.Database.Name) {
		p.add("dbName", "%q must start with a letter and hold only lowercase letters, digits and underscores (at most 63)", s.Database.Name)
	}
	if s.Storage.NoncurrentVersionDays < 1 {
		p.add("noncurrentVersionDays", "%d must be at least 1", s.Storage.NoncurrentVersionDays)
	}
	if domainOK && s.Storage.StaticHostname != "" {
		if err := checkHostname(s.Storage.StaticHostname); err != nil {
			p.add("staticHostname", "%q %v", s.Storage.StaticHostname, err)
		} else if s.DNSZone != "" && !strings.HasSuffix(s.Storage.StaticHostname, "."+s.DNSZone) {
			p.add("staticHostname", "%q is not in the zone %q", s.Storage.StaticHostname, s.DNSZone)
		}
	}
	for _, a := range []struct {
		key   string
		value int
	}{
		{"alarmErrorRatePercent", s.Alarms.ErrorRatePercent}, {"alarmLatencyP99Ms", s.Alarms.LatencyP99Ms},
		{"alarmCpuPercent", s.Alarms.CPUPercent}, {"alarmMemoryPercent", s.Alarms.MemoryPercent},
		{"alarmDbReplicationLagMs", s.Alarms.DatabaseLagMs}, {"alarmStorageReplicationSeconds", s.Alarms.StorageReplicationSeconds},
		{"alarmWafBlockedRequests", s.Alarms.WAFBlockedRequests},
	} {
		if a.value <= 0 {
			p.add(a.key, "%d must be positive", a.value)
		}
	}
	for _, k := range []struct {
		key   string
		value int
	}{{"alarmErrorRatePercent", s.Alarms.ErrorRatePercent}, {"alarmCpuPercent", s.Alarms.CPUPercent}, {"alarmMemoryPercent", s.Alarms.MemoryPercent}} {
		if k.value > 100 {
			p.add(k.key, "%d is a percentage: at most 100", k.value)
		}
	}
}

func (s Spec) validateCIDRs(p *problems) {
	if len(s.VPCCIDRs) > 0 && len(s.VPCCIDRs) != len(s.RegionNames) {
		p.add("vpcCidrs", "has %d entries for %d regions; give one per region or none", len(s.VPCCIDRs), len(s.RegionNames))
	}
	var prefixes []netip.Prefix
	for i, c := range s.VPCCIDRs {
		key := fmt.Sprintf("vpcCidrs[%d]", i)
		pfx, err := netip.ParsePrefix(c)
		switch {
		case err != nil || !pfx.Addr().Is4():
			p.add(key, "%q is not an IPv4 CIDR block", c)
			continue
		case pfx.Masked() != pfx:
			p.add(key, "%q has host bits set; did you mean %s?", c, pfx.Masked())
			continue
		case !pfx.Addr().IsPrivate():
			p.add(key, "%q is not a private (RFC 1918) range", c)
			continue
		case pfx.Bits() < 16 || pfx.Bits() > 23:
			// The smallest subnets are a sixteenth of the range, and a load
			// balancer's need a /27 at least (Elastic Load Balancing,
			// "Subnets for your load balancer": "at least a /27 bitmask").
			p.add(key, "%q must be a /16 to /23 (AWS VPC limits; the load balancer's subnets, a sixteenth of it, need a /27 at least)", c)
			continue
		}
		for j, q := range prefixes {
			if q.IsValid() && q.Overlaps(pfx) {
				p.add(key, "%q overlaps vpcCidrs[%d] (%s)", c, j, q)
			}
		}
		prefixes = append(prefixes, pfx)
	}
}

// largeBodyPath is a URL path prefix the WAF rule's regular expression can
// hold without escaping beyond dots.
// MaxGatePattern is the longest version matcher every WAF takes: AWS WAF's
// RegexString allows 512 characters (WAF API, RegexMatchStatement); Front
// Door's match values are assumed at 256, the stricter.
const MaxGatePattern = 256

// headerName is what every WAF accepts as a header to match on.
var headerName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9-]{0,63}$`)

var largeBodyPath = regexp.MustCompile(`^/[A-Za-z0-9/_.~-]*$`)

// LargeBodyRegex is the regular expression of the URL paths under any of
// the prefixes: the prefix itself, or it followed by "/".
func LargeBodyRegex(prefixes []string) string {
	var alts []string
	for _, p := range prefixes {
		alts = append(alts, strings.ReplaceAll(strings.TrimSuffix(p, "/"), ".", `\.`))
	}
	return "^(" + strings.Join(alts, "|") + ")(/|$)"
}

// validateAWS checks the limits of the AWS services the stack uses.
func (s Spec) validateAWS(p *problems) {
	for i, path := range s.WAF.LargeBodyPaths {
		if !largeBodyPath.MatchString(path) || path == "/" {
			p.add(fmt.Sprintf("wafLargeBodyPaths[%d]", i), "%q must be a URL path prefix below / (letters, digits, / _ . ~ -)", path)
		}
	}
	// AWS WAF regex match statements take at most 512 characters (pulumi-aws
	// wafv2 RegexMatchStatement doc comment).
	if re := LargeBodyRegex(s.WAF.LargeBodyPaths); len(s.WAF.LargeBodyPaths) > 0 && len(re) > 512 {
		p.add("wafLargeBodyPaths", "the paths make a %d-character expression: AWS WAF takes at most 512", len(re))
	}
	for i, r := range s.RegionNames {
		if _, known := LookupRegion(AWS, r); known && !AuroraGlobalRegions[r] {
			p.add(fmt.Sprintf("regions[%d]", i), "%q has no Aurora PostgreSQL global database (Aurora User Guide, \"Supported Regions and DB engines for Aurora global databases\"); the writer and every replica need one: choose a region of internal/spec.AuroraGlobalRegions", r)
		}
	}
	if n := len(s.RegionNames) - 1; n > AuroraGlobalMaxSecondaries {
		p.add("regions", "%d secondary regions: an Aurora global database has at most %d", n, AuroraGlobalMaxSecondaries)
	}
	if mem, ok := fargateMemory[s.CPU]; !ok {
		if s.CPU > 0 {
			p.add("cpu", "%d is not a Fargate CPU size; one of 256, 512, 1024, 2048, 4096, 8192, 16384", s.CPU)
		}
	} else if s.Memory > 0 && !slices.Contains(mem, s.Memory) {
		p.add("memory", "%d MiB is not a Fargate memory size for cpu %d; allowed: %s", s.Memory, s.CPU, ints(mem))
	}
	// Route 53 health checks: RequestInterval 10 or 30, FailureThreshold 1-10.
	if s.HealthCheck.IntervalSeconds > 0 && s.HealthCheck.IntervalSeconds != 10 && s.HealthCheck.IntervalSeconds != 30 {
		p.add("healthCheckInterval", "%d is not allowed by Route 53; one of 10, 30", s.HealthCheck.IntervalSeconds)
	}
	if s.HealthCheck.FailureThreshold > 10 {
		p.add("healthCheckFailureThreshold", "%d is not allowed by Route 53; 1 to 10", s.HealthCheck.FailureThreshold)
	}
	// WAFv2 rate-based rules: limit 10 to 2,000,000,000 per evaluation window.
	if s.WAF.RateLimit > 0 && (s.WAF.RateLimit < 10 || s.WAF.RateLimit > 2_000_000_000) {
		p.add("rateLimit", "%d is not allowed by AWS WAF; 10 to 2000000000", s.WAF.RateLimit)
	}
	if !slices.Contains(cloudWatchRetentionDays, s.LogRetentionDays) {
		p.add("logRetentionDays", "%d is not a CloudWatch Logs retention; one of %s", s.LogRetentionDays, ints(cloudWatchRetentionDays))
	}
	if !dbVersion.MatchString(s.Database.EngineVersion) {
		p.add("dbEngineVersion", "%q is not an Aurora PostgreSQL version (major.minor, e.g. 16.6)", s.Database.EngineVersion)
	}
	if !dbClass.MatchString(s.Database.InstanceClass) {
		p.add("dbInstanceClass", "%q is not a memory-optimized instance class (e.g. db.r6g.large, db.r7g.2xlarge): Aurora global databases do not support burstable classes", s.Database.InstanceClass)
	}
	if s.Database.BackupRetentionDays < 7 || s.Database.BackupRetentionDays > 35 {
		p.add("dbBackupRetentionDays", "%d must be between 7 (the project's floor) and 35 (Aurora's maximum)", s.Database.BackupRetentionDays)
	}
	for _, k := range SortedKeys(s.Tags) {
		if strings.HasPrefix(strings.ToLower(k), "aws:") {
			p.add("tags", "key %q uses the reserved aws: prefix", k)
		}
	}
}

// checkHostname reports why a name is not a lowercase DNS hostname.
func checkHostname(h string) error {
	if len(h) > 253 {
		return fmt.Errorf("is longer than 253 characters")
	}
	labels := strings.Split(h, ".")
	if len(labels) < 2 {
		return fmt.Errorf("is not a fully qualified hostname (e.g. api.example.com)")
	}
	for _, l := range labels {
		if !hostLabel.MatchString(l) {
			return fmt.Errorf("is not a valid hostname: label %q must be 1 to 63 lowercase letters, digits or inner hyphens", l)
		}
	}
	return nil
}

func ints(v []int) string {
	s := make([]string, len(v))
	for i, n := range v {
		s[i] = fmt.Sprint(n)
	}
	return strings.Join(s, ", ")
}

func cloudTitle(c Cloud) string {
	return map[Cloud]string{AWS: "AWS", GCP: "Google Cloud", Azure: "Azure"}[c]
}

func article(c Cloud) string {
	if c == AWS || c == Azure {
		return "n"
	}
	return ""
}

// cloudRunMemoryLimit is the most memory (MiB) a Cloud Run instance may have
// for its CPU count (Cloud Run documentation, "Configure memory limits").
var cloudRunMemoryLimit = map[int]int{1: 4096, 2: 8192, 4: 16384, 8: 32768}

// cloudRunMemoryFloor is the least memory (MiB) Cloud Run accepts for a CPU
// count (Cloud Run documentation, "Configure CPU limits": 4 CPU need at
// least 2 GiB, 8 CPU at least 4 GiB).
var cloudRunMemoryFloor = map[int]int{1: 512, 2: 512, 4: 2048, 8: 4096}

// CloudRunCPU maps CPU units (1024 per vCPU) to the Cloud Run CPU count that
// holds them: 1, 2, 4 or 8 (Cloud Run needs a whole CPU to serve concurrent
// requests).
func CloudRunCPU(units int) int {
	for _, n := range []int{1, 2, 4, 8} {
		if units <= n*1024 {
			return n
		}
	}
	return 8
}

// validateGCP checks the limits of the Google Cloud services the stack uses.
// gcpBillingAccount is a Cloud Billing account id.
var gcpBillingAccount = regexp.MustCompile(`^[0-9A-F]{6}-[0-9A-F]{6}-[0-9A-F]{6}$`)

func (s *Spec) validateGCP(p *problems) {
	awsOnly(p, "wafLargeBodyPaths", len(s.WAF.LargeBodyPaths) > 0)
	if s.GCP.Project != "" && !gcpProject.MatchString(s.GCP.Project) {
		p.add("gcpProject", "%q is not a project id (6 to 30 lowercase letters, digits or hyphens, starting with a letter)", s.GCP.Project)
	}
	switch {
	case s.GCP.BillingAccount != "" && !gcpBillingAccount.MatchString(s.GCP.BillingAccount):
		p.add("gcpBillingAccount", "%q is not a billing account id (XXXXXX-XXXXXX-XXXXXX, hexadecimal)", s.GCP.BillingAccount)
	case s.MonthlyBudget > 0 && s.GCP.BillingAccount == "":
		p.add("gcpBillingAccount", "a monthlyBudget on Google Cloud is set on the billing account: name it")
	}
	// The uptime checks reach the regions through Cloud Armor: a blocked
	// checker country fails every region's check, and with it the failover
	// job's second opinion.
	for i, c := range s.WAF.GeoBlock {
		if slices.Contains(UptimeCheckerCountries, c) {
			p.add(fmt.Sprintf("geoBlock[%d]", i), "%q is where Cloud Monitoring's uptime checks probe from (the USA, Belgium, Singapore): blocking it fails every region's checks and the failover job's evidence", c)
		}
	}
	if n := len(s.RegionNames); n > GCPMaxRegions {
		p.add("regions", "%d regions: on Google Cloud at most %d (the load balancer takes 15 certificates, one per hostname: the API's, the static one and each region's)", n, GCPMaxRegions)
	}
	switch s.GCP.Database {
	case EngineAuto, EngineSpanner, EngineCloudSQL:
	default:
		p.add("gcpDatabase", "%q is not a database choice; one of auto, spanner, cloudsql", s.GCP.Database)
	}
	if s.GCPEngine() == EngineSpanner && len(s.RegionNames) >= 2 {
		c, err := ChooseSpannerConfig(s.GCP.SpannerConfig, s.RegionNames)
		key := "regions"
		if s.GCP.SpannerConfig != "" {
			key = "spannerConfig"
		}
		if err != nil {
			p.add(key, "%v", err)
		}
		s.GCP.Spanner = c
	}
	if s.GCP.SpannerMinUnits < 1000 || s.GCP.SpannerMinUnits%1000 != 0 {
		p.add("spannerMinProcessingUnits", "%d must be a multiple of 1000 and at least 1000 (multi-region instances)", s.GCP.SpannerMinUnits)
	}
	if s.GCP.SpannerMaxUnits < s.GCP.SpannerMinUnits || s.GCP.SpannerMaxUnits%1000 != 0 {
		p.add("spannerMaxProcessingUnits", "%d must be a multiple of 1000 and at least spannerMinProcessingUnits (%d)", s.GCP.SpannerMaxUnits, s.GCP.SpannerMinUnits)
	}
	if !sqlTier.MatchString(s.GCP.CloudSQLTier) {
		p.add("cloudSqlTier", "%q is not a custom machine type an Enterprise-edition PostgreSQL instance takes (db-custom-<vCPU>-<MiB>, e.g. db-custom-2-7680)", s.GCP.CloudSQLTier)
	}
	if s.Concurrency < 1 || s.Concurrency > 1000 {
		p.add("concurrency", "%d must be between 1 and 1000 (Cloud Run's limit)", s.Concurrency)
	}
	if s.CPU > 8*1024 {
		p.add("cpu", "%d is more than Cloud Run's 8 vCPU (8192)", s.CPU)
	} else if s.CPU > 0 && s.Memory > 0 {
		cpus := CloudRunCPU(s.CPU)
		if s.Memory < cloudRunMemoryFloor[cpus] || s.Memory > cloudRunMemoryLimit[cpus] {
			p.add("memory", "%d MiB is outside what Cloud Run allows with %d vCPU: %d to %d", s.Memory, cpus, cloudRunMemoryFloor[cpus], cloudRunMemoryLimit[cpus])
		}
	}
	// A rate-based ban counts 1 to 10,000 requests per interval (Cloud Armor,
	// "Rate limiting overview").
	if s.WAF.RateLimit > 10000 {
		p.add("rateLimit", "%d is more than a Cloud Armor rate-based ban counts; 1 to 10000 per 5 minutes", s.WAF.RateLimit)
	}
	// The central log bucket keeps logs 1 to 3650 days (Cloud Logging,
	// "Configure custom retention").
	if s.LogRetentionDays < 1 || s.LogRetentionDays > 3650 {
		p.add("logRetentionDays", "%d is not a log bucket retention; 1 to 3650 days", s.LogRetentionDays)
	}
	if s.GCPEngine() == EngineSpanner && !spannerDB.MatchString(s.Database.Name) {
		p.add("dbName", "%q is not a Spanner database id: 2 to 30 characters, a lowercase letter first, a letter or digit last", s.Database.Name)
	}
	for _, k := range SortedKeys(s.Tags) {
		if !gcpLabelKey.MatchString(k) {
			p.add("tags", "key %q is not a Google Cloud label key (lowercase letters, digits, _ and -, starting with a letter)", k)
		} else if !gcpLabelVal.MatchString(s.Tags[k]) {
			p.add("tags."+k, "value %q is not a Google Cloud label value (lowercase letters, digits, _ and -)", s.Tags[k])
		}
	}
}

// validateAzure checks the limits of the Azure services the stack uses.
func (s Spec) validateAzure(p *problems) {
	awsOnly(p, "wafLargeBodyPaths", len(s.WAF.LargeBodyPaths) > 0)
	for _, r := range s.RegionNames {
		if !AzureHasPair(r) {
			p.add("regions", "%q has no paired region: Azure refuses the geo-redundant storage (RA-GZRS/RA-GRS) and geo-redundant SQL backups the stack gives every region there (GRS works only between paired regions); choose a paired region", r)
		}
	}
	if n := len(s.RegionNames) - 1; n > AzureSQLMaxGeoSecondaries {
		p.add("regions", "%d secondary regions: an Azure SQL database has at most %d geo-secondaries, one per region but the writer's", n, AzureSQLMaxGeoSecondaries)
	}
	// The program creates a consumption-only Container Apps environment (no
	// workload profiles): 0.25 to 2 vCPU per app in steps of 0.25, with twice
	// as many GiB of memory (learn.microsoft.com/azure/container-apps/containers,
	// "Allocations": consumption-only environments, up to 2.0 vCPU / 4.0 Gi).
	if s.CPU > 0 && (s.CPU%256 != 0 || s.CPU > 2048) {
		p.add("cpu", "%d is not a Container Apps size in a consumption-only environment: a multiple of 256 (0.25 vCPU) up to 2048 (2 vCPU)", s.CPU)
	} else if s.CPU > 0 && s.Memory != 2*s.CPU {
		p.add("memory", "%d MiB does not match cpu %d: Container Apps give 2 GiB per vCPU, so memory must be %d", s.Memory, s.CPU, 2*s.CPU)
	}
	// Front Door health probes run every 5 to 255 seconds.
	if s.HealthCheck.IntervalSeconds > 0 && (s.HealthCheck.IntervalSeconds < 5 || s.HealthCheck.IntervalSeconds > 255) {
		p.add("healthCheckInterval", "%d is not allowed by Front Door; 5 to 255 seconds", s.HealthCheck.IntervalSeconds)
	}
	if s.Concurrency < 1 || s.Concurrency > 1000 {
		p.add("concurrency", "%d must be between 1 and 1000", s.Concurrency)
	}
	if !azureSQLSku.MatchString(s.Azure.SQLSku) {
		p.add("azureSqlSku", "%q is not a zone-redundant vCore SKU: General Purpose or Business Critical on standard-series hardware (GP_Gen5_2, BC_Gen5_4, ...)", s.Azure.SQLSku)
	}
	// An existing zone must live outside what the stack owns: azure-native
	// refuses to create a resource group that exists, and a destroy of the
	// stack would delete the group with the zone in it.
	if !s.CreateZone {
		owned := []string{s.Stack + "-global"}
		for _, r := range s.Regions {
			owned = append(owned, s.Stack+"-"+r.Name)
		}
		if g := s.Azure.DNSGroup(s.Stack); slices.Contains(owned, g) {
			p.add("azureDnsResourceGroup", "%q is a resource group this stack creates: keep the existing DNS zone in a group of its own (default <stack>-dns), or set createDnsZone", g)
		}
	}
	// Azure DNS holds no CNAME at a zone's apex, and Front Door's custom
	// domains are CNAMEs to its endpoint here.
	if s.Domain != "" && strings.EqualFold(strings.TrimSuffix(s.Domain, "."), strings.TrimSuffix(s.DNSZone, ".")) {
		p.add("domain", "%q is the zone's apex: Azure DNS cannot hold a CNAME there; use a name below it, such as api.%s", s.Domain, s.DNSZone)
	}
	// Log Analytics workspaces keep data 30 to 730 days on PerGB2018 (SDK
	// operationalinsights workspace retentionInDays).
	if s.LogRetentionDays < 30 || s.LogRetentionDays > 730 {
		p.add("logRetentionDays", "%d is not a Log Analytics retention; 30 to 730 days", s.LogRetentionDays)
	}
	// Azure SQL keeps point-in-time backups 1 to 35 days; the project's
	// floor is 7 (fields.go).
	if s.Database.BackupRetentionDays < 7 || s.Database.BackupRetentionDays > 35 {
		p.add("dbBackupRetentionDays", "%d must be between 7 (the project's floor) and 35 (Azure SQL's maximum)", s.Database.BackupRetentionDays)
	}
	if s.Azure.KeyVaultGeneration < 0 || s.Azure.KeyVaultGeneration > 99 {
		p.add("azureKeyVaultGeneration", "%d must be between 0 and 99", s.Azure.KeyVaultGeneration)
	}
	if s.Azure.FailoverGraceMinutes < 60 {
		p.add("azureFailoverGraceMinutes", "%d is below Azure's minimum of 60 minutes for automatic failover", s.Azure.FailoverGraceMinutes)
	}
	if s.Azure.SQLAdminObjectID != "" && !objectID.MatchString(s.Azure.SQLAdminObjectID) {
		p.add("azureSqlAdminObjectId", "%q is not an object id (a lowercase GUID)", s.Azure.SQLAdminObjectID)
	}
	switch s.Azure.SQLAdminType {
	case "Group", "User", "Application": // the server administrator's principalType (Microsoft.Sql servers API)
	default:
		p.add("azureSqlAdminType", "%q is not a principal type; one of Group, User, Application", s.Azure.SQLAdminType)
	}
	if (s.Azure.SQLAdminObjectID == "") != (s.Azure.SQLAdminLogin == "") {
		p.add("azureSqlAdminLogin", "set azureSqlAdminLogin and azureSqlAdminObjectId together, or neither")
	}
	for _, k := range SortedKeys(s.Tags) {
		if strings.ContainsAny(k, "<>%&\\?/") {
			p.add("tags", "key %q has a character Azure refuses in tag names (<>%%&\\?/)", k)
		}
	}
}

// cloudRunImageHost is where Cloud Run deploys images from: Artifact
// Registry, Container Registry or Docker Hub ("Expected an image path like
// … where host is one of [region.]gcr.io, [region-]docker.pkg.dev or
// docker.io", cloud.google.com/run/docs/deploying).
var cloudRunImageHost = regexp.MustCompile(`^(([a-z0-9-]+\.)?gcr\.io|[a-z0-9-]+-docker\.pkg\.dev|docker\.io)/`)

// CloudRunImage reports whether Cloud Run can deploy an image.
func CloudRunImage(image string) bool { return cloudRunImageHost.MatchString(image) }

// awsOnly refuses a key that only AWS stacks read, when set on another cloud.
func awsOnly(p *problems, key string, set bool) {
	if set {
		p.add(key, "applies to AWS stacks only (the AWS core rule set's 8 KB body limit); remove it")
	}
}

// validateRegionsDown: every down region is one of regions, never the
// writer's (the writer must be reachable: move writerRegion first), and at
// least one region stays up; the writer they were deployed with is one of
// regions; on AWS the account id is given, since no STS is asked.
func (s Spec) validateRegionsDown(p *problems) {
	seen := map[string]bool{}
	for _, r := range s.RegionsDown {
		switch {
		case !slices.Contains(s.RegionNames, r):
			p.add("regionsDown", "%q is not one of regions %v", r, s.RegionNames)
		case seen[r]:
			p.add("regionsDown", "%q is listed twice", r)
		case r == s.WriterRegion:
			p.add("regionsDown", "%q is the writer region: set writerRegion to the region that took over (the failover automation's notification names it)", r)
		}
		seen[r] = true
	}
	if len(s.RegionsDown) > 0 && len(seen) >= len(s.RegionNames) {
		p.add("regionsDown", "lists every region: at least one must be reachable")
	}
	if s.RegionsDownWriter != "" && !slices.Contains(s.RegionNames, s.RegionsDownWriter) {
		p.add("regionsDownWriter", "%q is not one of regions %v", s.RegionsDownWriter, s.RegionNames)
	}
	if len(s.RegionsDown) == 0 && s.RegionsDownWriter != s.WriterRegion {
		p.add("regionsDownWriter", "%q is set without regionsDown: remove it once the regions are back", s.RegionsDownWriter)
	}
	if s.AWSAccountID != "" && (s.Cloud != AWS || !awsAccount.MatchString(s.AWSAccountID)) {
		p.add("awsAccountId", "%q: an AWS account id is 12 digits, and only for cloud aws", s.AWSAccountID)
	}
	if s.AWSHostedZoneID != "" && (s.Cloud != AWS || !awsZone.MatchString(s.AWSHostedZoneID) || s.CreateZone) {
		p.add("awsHostedZoneId", "%q: a Route 53 hosted zone id (Z and up to 31 capitals and digits), only for cloud aws and without createDnsZone", s.AWSHostedZoneID)
	}
	if s.Cloud == AWS && slices.Contains(s.RegionsDown, "us-east-1") && s.AWSHostedZoneID == "" && !s.CreateZone {
		p.add("awsHostedZoneId", "required with us-east-1 in regionsDown: Route 53's control plane is there, so the zone cannot be looked up (aws route53 list-hosted-zones-by-name --dns-name %s)", s.DNSZone)
	}
	if s.Cloud == AWS && len(s.RegionsDown) > 0 && s.AWSAccountID == "" {
		p.add("awsAccountId", "required with regionsDown: the program then asks no region's STS for the account (aws sts get-caller-identity --query Account)")
	}
}

var (
	awsAccount = regexp.MustCompile(`^[0-9]{12}$`)
	awsZone    = regexp.MustCompile(`^Z[A-Z0-9]{1,31}$`)
)
