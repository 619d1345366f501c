package policies

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/mobile-backend/mobile-backend/internal/mock"
	"github.com/mobile-backend/mobile-backend/internal/spec"
)

// tls12ELBPolicies are the ELB security policy families that refuse TLS 1.0
// and 1.1 (Elastic Load Balancing documentation, "Security policies").
var tls12ELBPolicies = []string{"ELBSecurityPolicy-TLS13-1-2", "ELBSecurityPolicy-TLS-1-2", "ELBSecurityPolicy-FS-1-2"}

// TLSEverywhere: every public endpoint speaks TLS 1.2 or newer and plain
// HTTP only redirects.
var TLSEverywhere = Policy{
	Name:        "tls-1-2-https-only",
	Description: "Public endpoints accept TLS 1.2 or newer only, and plain HTTP only redirects to HTTPS.",
	Severity:    Mandatory,
	Check: func(s Stack) []Violation {
		var vs []Violation
		for _, l := range s.OfType("aws:lb/listener:Listener") {
			switch l.Str("protocol") {
			case "HTTPS":
				if !hasPrefix(l.Str("sslPolicy"), tls12ELBPolicies) {
					vs = append(vs, violation(l, "HTTPS listener uses %q, which allows TLS older than 1.2", l.Str("sslPolicy")))
				}
			case "HTTP":
				if l.Str("defaultActions.0.type") != "redirect" || l.Str("defaultActions.0.redirect.protocol") != "HTTPS" {
					vs = append(vs, violation(l, "HTTP listener serves content instead of redirecting to HTTPS"))
				}
			}
		}
		for _, d := range s.OfType("aws:cloudfront/distribution:Distribution") {
			if !strings.HasPrefix(d.Str("viewerCertificate.minimumProtocolVersion"), "TLSv1.2") {
				vs = append(vs, violation(d, "minimum viewer protocol %q is older than TLS 1.2", d.Str("viewerCertificate.minimumProtocolVersion")))
			}
			if p := d.Str("defaultCacheBehavior.viewerProtocolPolicy"); p != "https-only" && p != "redirect-to-https" {
				vs = append(vs, violation(d, "viewer protocol policy %q serves plain HTTP", p))
			}
		}
		policies := map[string]string{}
		for _, p := range s.OfType("gcp:compute/sSLPolicy:SSLPolicy") {
			policies[p.ID] = p.Str("minTlsVersion")
		}
		for _, p := range s.OfType("gcp:compute/targetHttpsProxy:TargetHttpsProxy") {
			if v := policies[p.Str("sslPolicy")]; v != "TLS_1_2" && v != "TLS_1_3" {
				vs = append(vs, violation(p, "HTTPS proxy has no SSL policy with TLS 1.2 or newer"))
			}
		}
		redirects := map[string]bool{}
		for _, m := range s.OfType("gcp:compute/uRLMap:URLMap") {
			redirects[m.ID] = m.Bool("defaultUrlRedirect.httpsRedirect")
		}
		for _, p := range s.OfType("gcp:compute/targetHttpProxy:TargetHttpProxy") {
			if !redirects[p.Str("urlMap")] {
				vs = append(vs, violation(p, "HTTP proxy serves content instead of redirecting to HTTPS"))
			}
		}
		for _, d := range s.OfType("azure-native:cdn:AFDCustomDomain") {
			if d.Str("tlsSettings.minimumTlsVersion") != "TLS12" {
				vs = append(vs, violation(d, "custom domain accepts TLS older than 1.2"))
			}
		}
		for _, r := range s.OfType("azure-native:cdn:Route") {
			if r.Str("forwardingProtocol") != "HttpsOnly" || r.Str("httpsRedirect") != "Enabled" {
				vs = append(vs, violation(r, "route forwards or serves plain HTTP"))
			}
		}
		for _, a := range s.OfType("azure-native:storage:StorageAccount") {
			if a.Str("minimumTlsVersion") != "TLS1_2" || !a.Bool("enableHttpsTrafficOnly") {
				vs = append(vs, violation(a, "storage account accepts HTTP or TLS older than 1.2"))
			}
		}
		for _, srv := range s.OfType("azure-native:sql:Server") {
			if srv.Str("minimalTlsVersion") != "1.2" {
				vs = append(vs, violation(srv, "SQL server accepts TLS older than 1.2"))
			}
		}
		for _, app := range s.OfType("azure-native:app:ContainerApp") {
			if app.Get("configuration.ingress.allowInsecure") != false {
				vs = append(vs, violation(app, "container app ingress allows plain HTTP"))
			}
		}
		return vs
	},
}

// NoPublicObjectStorage: no bucket or container is readable by the public.
var NoPublicObjectStorage = Policy{
	Name:        "no-public-object-storage",
	Description: "Object storage blocks all public access.",
	Severity:    Mandatory,
	Check: func(s Stack) []Violation {
		var vs []Violation
		blocked := map[string]bool{}
		for _, b := range s.OfType("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock") {
			blocked[b.Str("bucket")] = b.Bool("blockPublicAcls") && b.Bool("blockPublicPolicy") && b.Bool("ignorePublicAcls") && b.Bool("restrictPublicBuckets")
		}
		for _, b := range s.OfType("aws:s3/bucketV2:BucketV2") {
			if !blocked[b.ID] {
				vs = append(vs, violation(b, "bucket has no full public access block"))
			}
		}
		for _, b := range s.OfType("gcp:storage/bucket:Bucket") {
			if b.Str("publicAccessPrevention") != "enforced" || !b.Bool("uniformBucketLevelAccess") {
				vs = append(vs, violation(b, "bucket does not enforce public access prevention with uniform access"))
			}
		}
		for _, a := range s.OfType("azure-native:storage:StorageAccount") {
			if a.Get("allowBlobPublicAccess") != false {
				vs = append(vs, violation(a, "storage account allows public blob access"))
			}
		}
		for _, c := range s.OfType("azure-native:storage:BlobContainer") {
			if p := c.Str("publicAccess"); p != "" && p != "None" {
				vs = append(vs, violation(c, "container allows %s public access", p))
			}
		}
		return vs
	},
}

// DatabaseNotPublic: databases have no public endpoint.
var DatabaseNotPublic = Policy{
	Name:        "database-not-public",
	Description: "Databases are reachable from the stack's private networks only.",
	Severity:    Mandatory,
	Check: func(s Stack) []Violation {
		var vs []Violation
		for _, i := range s.OfType("aws:rds/clusterInstance:ClusterInstance") {
			if i.Get("publiclyAccessible") != false {
				vs = append(vs, violation(i, "database instance is not explicitly private"))
			}
		}
		for _, i := range s.OfType("gcp:sql/databaseInstance:DatabaseInstance") {
			if i.Get("settings.ipConfiguration.ipv4Enabled") != false {
				vs = append(vs, violation(i, "Cloud SQL instance has a public IP"))
			}
		}
		for _, srv := range s.OfType("azure-native:sql:Server") {
			if srv.Str("publicNetworkAccess") != "Disabled" {
				vs = append(vs, violation(srv, "SQL server allows public network access"))
			}
		}
		return vs
	},
}

// NoOpenIngress: nothing but a load balancer's 80 and 443 is open to the internet.
var NoOpenIngress = Policy{
	Name:        "no-open-ingress",
	Description: "No security-group or firewall rule admits the internet, except a load balancer's ports 80 and 443.",
	Severity:    Mandatory,
	Check: func(s Stack) []Violation {
		var vs []Violation
		lbGroups := map[any]bool{}
		for _, lb := range s.OfType("aws:lb/loadBalancer:LoadBalancer") {
			if groups, ok := lb.Get("securityGroups").([]any); ok {
				for _, g := range groups {
					lbGroups[g] = true
				}
			}
		}
		for _, r := range s.OfType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule") {
			if r.Str("cidrIpv4") != "0.0.0.0/0" && r.Str("cidrIpv6") != "::/0" {
				continue
			}
			port := r.Int("fromPort")
			if !lbGroups[r.Get("securityGroupId")] || port != r.Int("toPort") || (port != 80 && port != 443) {
				vs = append(vs, violation(r, "rule opens port %d-%d to the internet outside a load balancer's 80/443", port, r.Int("toPort")))
			}
		}
		for _, g := range s.OfType("aws:ec2/securityGroup:SecurityGroup") {
			if ingress, ok := g.Get("ingress").([]any); ok && len(ingress) > 0 {
				vs = append(vs, violation(g, "security group has inline ingress rules; declare them as reviewable rule resources"))
			}
		}
		for _, f := range s.OfType("gcp:compute/firewall:Firewall") {
			if ranges, ok := f.Get("sourceRanges").([]any); ok && slices.Contains(ranges, any("0.0.0.0/0")) && f.Str("direction") != "EGRESS" {
				vs = append(vs, violation(f, "firewall rule admits the internet"))
			}
		}
		for _, a := range s.OfType("azure-native:storage:StorageAccount") {
			if a.Str("networkRuleSet.defaultAction") != "Deny" {
				vs = append(vs, violation(a, "storage account admits every network"))
			}
		}
		return vs
	},
}

// awsManagedGroups are the rule groups every AWS web ACL must run.
var awsManagedGroups = []string{"AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet", "AWSManagedRulesSQLiRuleSet", "AWSManagedRulesAmazonIpReputationList"}

// WAFOnEveryEntry: every public entry point sits behind the stack's WAF with
// managed rules and a rate limit.
var WAFOnEveryEntry = Policy{
	Name:        "waf-on-every-entry",
	Description: "Every public entry point is behind a WAF with the managed rule sets and a per-client rate limit.",
	Severity:    Mandatory,
	Check: func(s Stack) []Violation {
		var vs []Violation
		associated := map[string]bool{}
		for _, a := range s.OfType("aws:wafv2/webAclAssociation:WebAclAssociation") {
			associated[a.Str("resourceArn")] = true
		}
		for _, lb := range s.OfType("aws:lb/loadBalancer:LoadBalancer") {
			if arn, _ := lb.Outputs["arn"].(string); !associated[arn] {
				vs = append(vs, violation(lb, "load balancer has no web ACL"))
			}
		}
		for _, d := range s.OfType("aws:cloudfront/distribution:Distribution") {
			if d.Str("webAclId") == "" {
				vs = append(vs, violation(d, "distribution has no web ACL"))
			}
		}
		for _, acl := range s.OfType("aws:wafv2/webAcl:WebAcl") {
			groups, rate := map[string]bool{}, false
			for i := 0; i < acl.Len("rules"); i++ {
				p := fmt.Sprintf("rules.%d.statement.", i)
				groups[acl.Str(p+"managedRuleGroupStatement.name")] = true
				rate = rate || acl.Get(p+"rateBasedStatement") != nil
			}
			for _, g := range awsManagedGroups {
				if !groups[g] {
					vs = append(vs, violation(acl, "web ACL lacks the managed rule group %s", g))
				}
			}
			if !rate {
				vs = append(vs, violation(acl, "web ACL has no rate-based rule"))
			}
		}
		for _, b := range s.OfType("gcp:compute/backendService:BackendService") {
			if b.Str("securityPolicy") == "" {
				vs = append(vs, violation(b, "backend service has no Cloud Armor policy"))
			}
		}
		for _, p := range s.OfType("gcp:compute/securityPolicy:SecurityPolicy") {
			waf, rate := 0, false
			for i := 0; i < p.Len("rules"); i++ {
				k := fmt.Sprintf("rules.%d.", i)
				if strings.Contains(p.Str(k+"match.expr.expression"), "evaluatePreconfiguredWaf") {
					waf++
				}
				rate = rate || p.Str(k+"action") == "rate_based_ban" || p.Str(k+"action") == "throttle"
			}
			if waf == 0 {
				vs = append(vs, violation(p, "security policy evaluates no preconfigured WAF rules"))
			}
			if !rate {
				vs = append(vs, violation(p, "security policy has no rate limit"))
			}
		}
		covered := map[string]bool{}
		for _, sp := range s.OfType("azure-native:cdn:SecurityPolicy") {
			for i := 0; i < sp.Len("parameters.associations"); i++ {
				for j := 0; j < sp.Len(fmt.Sprintf("parameters.associations.%d.domains", i)); j++ {
					for _, t := range targets(sp, fmt.Sprintf("parameters.associations.%d.domains.%d.id", i, j)) {
						covered[t] = true
					}
				}
			}
		}
		for _, typ := range []string{"azure-native:cdn:AFDEndpoint", "azure-native:cdn:AFDCustomDomain"} {
			for _, d := range s.OfType(typ) {
				if !covered[d.ID] && !covered[d.URN] {
					vs = append(vs, violation(d, "Front Door domain has no WAF policy"))
				}
			}
		}
		for _, p := range s.OfType("azure-native:network:Policy") {
			drs, rate := false, false
			for i := 0; i < p.Len("managedRules.managedRuleSets"); i++ {
				drs = drs || strings.HasSuffix(p.Str(fmt.Sprintf("managedRules.managedRuleSets.%d.ruleSetType", i)), "DefaultRuleSet")
			}
			for i := 0; i < p.Len("customRules.rules"); i++ {
				rate = rate || p.Str(fmt.Sprintf("customRules.rules.%d.ruleType", i)) == "RateLimitRule"
			}
			if !drs {
				vs = append(vs, violation(p, "WAF policy lacks the default rule set"))
			}
			if !rate {
				vs = append(vs, violation(p, "WAF policy has no rate limit"))
			}
		}
		return vs
	},
}

// WAFEnforcing: a WAF that only counts protects nothing; that is fine while
// staging rules, not in production.
var WAFEnforcing = Policy{
	Name:        "waf-enforcing",
	Description: "WAFs block rather than count; count/detection mode is advisory outside production and fails production stacks.",
	Severity:    Advisory,
	SeverityIn:  productionMandatory,
	Check: func(s Stack) []Violation {
		severity := productionMandatory(s.Spec)
		var vs []Violation
		flag := func(r *mock.Resource, what string) {
			v := violation(r, "%s only counts matching requests (environment %q)", what, s.Spec.Environment)
			v.Severity = severity
			vs = append(vs, v)
		}
		counting := func(r *mock.Resource, isCounting func(i int) bool, name func(i int) string) []string {
			var names []string
			for i := 0; i < r.Len("rules"); i++ {
				if isCounting(i) {
					names = append(names, name(i))
				}
			}
			return names
		}
		for _, acl := range s.OfType("aws:wafv2/webAcl:WebAcl") {
			names := counting(acl, func(i int) bool {
				return acl.Get(fmt.Sprintf("rules.%d.action.count", i)) != nil || acl.Get(fmt.Sprintf("rules.%d.overrideAction.count", i)) != nil
			}, func(i int) string { return acl.Str(fmt.Sprintf("rules.%d.name", i)) })
			if len(names) > 0 {
				flag(acl, "web ACL rules "+strings.Join(names, ", "))
			}
		}
		for _, p := range s.OfType("gcp:compute/securityPolicy:SecurityPolicy") {
			names := counting(p, func(i int) bool { return p.Bool(fmt.Sprintf("rules.%d.preview", i)) },
				func(i int) string { return p.Str(fmt.Sprintf("rules.%d.description", i)) })
			if len(names) > 0 {
				flag(p, "Cloud Armor rules "+strings.Join(names, ", "))
			}
		}
		for _, p := range s.OfType("azure-native:network:Policy") {
			if p.Str("policySettings.mode") == "Detection" {
				flag(p, "Front Door WAF policy")
			}
		}
		return vs
	},
}

func productionMandatory(s spec.Spec) Severity {
	if s.Production() {
		return Mandatory
	}
	return Advisory
}

// ExplicitProviders: no resource relies on an ambient default provider.
var ExplicitProviders = Policy{
	Name:        "explicit-providers",
	Description: "Every resource names an explicit provider (no default provider, no ambient region).",
	Severity:    Mandatory,
	Check: func(s Stack) []Violation {
		var vs []Violation
		for _, r := range s.Resources {
			if !r.Custom || strings.HasPrefix(r.Type, "pulumi:providers:") {
				continue
			}
			urn := r.Provider
			if i := strings.LastIndex(urn, "::"); i > 0 {
				urn = urn[:i]
			}
			name := urn[strings.LastIndex(urn, "::")+2:]
			if r.Provider == "" || strings.HasPrefix(name, "default") {
				vs = append(vs, violation(r, "resource uses the default provider"))
			}
		}
		return vs
	},
}

// RegionsAllowedAndApart: data stays in the allowed regions, and no two
// regions are close enough to fall to one disaster.
var RegionsAllowedAndApart = Policy{
	Name:        "regions-allowed-and-apart",
	Description: "At least two regions, each in the stack's allowed list, each two at least minRegionDistanceKm apart.",
	Severity:    Mandatory,
	Check: func(s Stack) []Violation {
		var vs []Violation
		if len(s.Spec.Regions) < 2 {
			vs = append(vs, violation(nil, "the stack has %d region(s); at least two are needed", len(s.Spec.Regions)))
		}
		for _, r := range s.Spec.RegionNames {
			if len(s.Spec.AllowedRegions) > 0 && !slices.Contains(s.Spec.AllowedRegions, r) {
				vs = append(vs, violation(nil, "region %s is not in allowedRegions (%s)", r, strings.Join(s.Spec.AllowedRegions, ", ")))
			}
		}
		for i, a := range s.Spec.RegionNames {
			for _, b := range s.Spec.RegionNames[i+1:] {
				ra, okA := spec.LookupRegion(s.Spec.Cloud, a)
				rb, okB := spec.LookupRegion(s.Spec.Cloud, b)
				if !okA || !okB {
					continue
				}
				if d := distanceKm(ra, rb); d < float64(s.Spec.MinRegionDistanceKm) {
					vs = append(vs, violation(nil, "%s and %s are %.0f km apart, closer than minRegionDistanceKm (%d)", a, b, d, s.Spec.MinRegionDistanceKm))
				}
			}
		}
		return vs
	},
}

// EveryRegionServedAndWatched: every region has compute, a health check and alerts.
var EveryRegionServedAndWatched = Policy{
	Name:        "every-region-served-and-watched",
	Description: "Every region of the stack runs the API, is health-checked and raises alerts.",
	Severity:    Mandatory,
	Check: func(s Stack) []Violation {
		var vs []Violation
		missing := func(region, what string) {
			vs = append(vs, violation(nil, "region %s has no %s", region, what))
		}
		inRegion := func(typ string) map[string]bool {
			out := map[string]bool{}
			for _, r := range s.OfType(typ) {
				out[r.Region] = true
			}
			return out
		}
		switch s.Spec.Cloud {
		case spec.AWS:
			compute, alarms := inRegion("aws:ecs/service:Service"), inRegion("aws:cloudwatch/compositeAlarm:CompositeAlarm")
			albs := map[string]string{}
			for _, lb := range s.OfType("aws:lb/loadBalancer:LoadBalancer") {
				albs[lb.Region], _ = lb.Outputs["dnsName"].(string)
			}
			checked := map[string]bool{}
			for _, hc := range s.OfType("aws:route53/healthCheck:HealthCheck") {
				checked[hc.Str("fqdn")] = true
			}
			for _, r := range s.Spec.RegionNames {
				if !compute[r] {
					missing(r, "ECS service")
				}
				if albs[r] == "" || !checked[albs[r]] {
					missing(r, "Route 53 health check on its load balancer")
				}
				if !alarms[r] {
					missing(r, "region-down alarm")
				}
			}
		case spec.GCP:
			compute := inRegion("gcp:cloudrunv2/service:Service")
			checked := map[string]bool{}
			for _, u := range s.OfType("gcp:monitoring/uptimeCheckConfig:UptimeCheckConfig") {
				checked[u.Str("monitoredResource.labels.host")] = true
			}
			for _, r := range s.Spec.RegionNames {
				if !compute[r] {
					missing(r, "Cloud Run service")
				}
				if !checked[r+"."+s.Spec.Domain] {
					missing(r, "uptime check")
				}
			}
			if len(s.OfType("gcp:monitoring/alertPolicy:AlertPolicy")) == 0 {
				vs = append(vs, violation(nil, "the stack has no alert policy"))
			}
		case spec.Azure:
			compute := inRegion("azure-native:app:ContainerApp")
			probed := map[string]bool{}
			groups := map[string]bool{}
			for _, g := range s.OfType("azure-native:cdn:AFDOriginGroup") {
				groups[g.Str("originGroupName")] = g.Get("healthProbeSettings") != nil
			}
			hosts := map[string]string{}
			for _, a := range s.OfType("azure-native:app:ContainerApp") {
				hosts[a.Region], _ = a.Out("configuration.ingress.fqdn").(string)
			}
			for _, o := range s.OfType("azure-native:cdn:AFDOrigin") {
				if groups[o.Str("originGroupName")] {
					for _, t := range targets(o, "hostName") {
						probed[t] = true
					}
				}
			}
			alerted := map[string]bool{}
			for _, a := range s.OfType("azure-native:insights:MetricAlert") {
				for i := 0; i < a.Len("scopes"); i++ {
					alerted[a.Str(fmt.Sprintf("scopes.%d", i))] = true
				}
			}
			apps := map[string]string{}
			appURNs := map[string]string{}
			for _, a := range s.OfType("azure-native:app:ContainerApp") {
				apps[a.Region], appURNs[a.Region] = a.ID, a.URN
			}
			for _, r := range s.Spec.RegionNames {
				if !compute[r] {
					missing(r, "container app")
				}
				if !probed[hosts[r]] && !probed[appURNs[r]] {
					missing(r, "Front Door health probe")
				}
				if !alerted[apps[r]] {
					missing(r, "metric alert")
				}
			}
		}
		return vs
	},
}

// targets are what the input at a path points at: its value, or, while the
// engine has not computed it (a first preview), the resources its top-level
// input's property dependencies name.
func targets(r *mock.Resource, path string) []string {
	v := r.Str(path)
	if !mock.Unresolved(v) {
		return []string{v}
	}
	return r.PropertyDeps[strings.SplitN(path, ".", 2)[0]]
}

func hasPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// NoWildcardIAM: no identity may do everything to everything.
var NoWildcardIAM = Policy{
	Name:        "no-wildcard-iam",
	Description: "No IAM policy grants every action on every resource, and no identity gets an owner or editor role.",
	Severity:    Mandatory,
	Check: func(s Stack) []Violation {
		var vs []Violation
		for _, typ := range []string{"aws:iam/rolePolicy:RolePolicy", "aws:iam/policy:Policy"} {
			for _, p := range s.OfType(typ) {
				var doc struct {
					Statement []struct {
						Effect   string
						Action   any
						Resource any
					}
				}
				if mock.Unresolved(p.Str("policy")) {
					continue // built from values a preview does not know yet; checked once they are
				}
				if err := json.Unmarshal([]byte(p.Str("policy")), &doc); err != nil {
					vs = append(vs, violation(p, "policy is not valid JSON: %v", err))
					continue
				}
				for _, st := range doc.Statement {
					if st.Effect == "Allow" && anyIs(st.Action, "*") && anyIs(st.Resource, "*") {
						vs = append(vs, violation(p, "a statement allows * on *"))
					}
				}
			}
		}
		for _, typ := range []string{"gcp:projects/iAMMember:IAMMember", "gcp:projects/iAMBinding:IAMBinding"} {
			for _, m := range s.OfType(typ) {
				if r := m.Str("role"); r == "roles/owner" || r == "roles/editor" {
					vs = append(vs, violation(m, "grants %s", r))
				}
			}
		}
		for _, a := range s.OfType("azure-native:authorization:RoleAssignment") {
			// Owner and Contributor (built-in role definition ids).
			for _, broad := range []string{"8e3af657-a8ff-443c-a75c-2fe8c4bcb635", "b24988ac-6180-42a0-ab88-20f7382dd24c"} {
				if strings.HasSuffix(a.Str("roleDefinitionId"), broad) {
					vs = append(vs, violation(a, "assigns the Owner or Contributor role"))
				}
			}
		}
		return vs
	},
}

// anyIs reports whether an IAM Action or Resource (a string or a list) is or
// holds want.
func anyIs(v any, want string) bool {
	switch x := v.(type) {
	case string:
		return x == want
	case []any:
		for _, e := range x {
			if e == want {
				return true
			}
		}
	}
	return false
}

// statefulTypes hold data a destroy or a replacement would lose.
var statefulTypes = []string{
	"aws:rds/globalCluster:GlobalCluster", "aws:rds/cluster:Cluster", "aws:dynamodb/table:Table",
	"aws:kms/key:Key", "aws:s3/bucketV2:BucketV2", "aws:secretsmanager/secret:Secret", "aws:backup/vault:Vault",
	"gcp:spanner/instance:Instance", "gcp:spanner/database:Database", "gcp:sql/databaseInstance:DatabaseInstance",
	"gcp:storage/bucket:Bucket", "gcp:secretmanager/secret:Secret", "gcp:kms/keyRing:KeyRing", "gcp:kms/cryptoKey:CryptoKey",
	"azure-native:sql:Server", "azure-native:sql:Database", "azure-native:storage:StorageAccount",
	"azure-native:keyvault:Vault", "azure-native:keyvault:Key",
}

// BackupsAndProtection: stateful resources keep backups, refuse deletion
// and carry Pulumi protect.
var BackupsAndProtection = Policy{
	Name:        "backups-and-protection",
	Description: "Databases keep backups with point-in-time recovery and deletion protection; every stateful resource carries Pulumi protect.",
	Severity:    Mandatory,
	Check: func(s Stack) []Violation {
		var vs []Violation
		if s.Spec.Protect {
			for _, typ := range statefulTypes {
				for _, r := range s.OfType(typ) {
					if !r.Protect {
						vs = append(vs, violation(r, "stateful resource is not protected"))
					}
				}
			}
		}
		for _, c := range s.OfType("aws:rds/cluster:Cluster") {
			if c.Int("backupRetentionPeriod") < 7 || !c.Bool("deletionProtection") || c.Bool("skipFinalSnapshot") {
				vs = append(vs, violation(c, "cluster keeps under 7 days of backups, lacks deletion protection or skips its final snapshot"))
			}
		}
		for _, t := range s.OfType("aws:dynamodb/table:Table") {
			if t.Get("pointInTimeRecovery.enabled") != true || !t.Bool("deletionProtectionEnabled") {
				vs = append(vs, violation(t, "table lacks point-in-time recovery or deletion protection"))
			}
		}
		for _, d := range s.OfType("gcp:spanner/database:Database") {
			if !d.Bool("deletionProtection") || d.Str("versionRetentionPeriod") == "" {
				vs = append(vs, violation(d, "Spanner database lacks deletion protection or a version retention period"))
			}
		}
		for _, i := range s.OfType("gcp:sql/databaseInstance:DatabaseInstance") {
			if !i.Bool("deletionProtection") {
				vs = append(vs, violation(i, "Cloud SQL instance lacks deletion protection"))
			}
			if i.Get("masterInstanceName") == nil && i.Get("settings.backupConfiguration.pointInTimeRecoveryEnabled") != true {
				vs = append(vs, violation(i, "Cloud SQL primary lacks point-in-time recovery"))
			}
		}
		if len(s.OfType("azure-native:sql:Database")) > 0 && len(s.OfType("azure-native:sql:BackupShortTermRetentionPolicy")) == 0 {
			vs = append(vs, violation(nil, "Azure SQL has no short-term (point-in-time) retention policy"))
		}
		return vs
	},
}

// StandardTags: every resource that takes tags or labels carries the stack's set.
var StandardTags = Policy{
	Name:        "standard-tags",
	Description: "Every taggable resource carries the standard tags (app, stack, environment, managed-by), on AWS and Google Cloud through each provider's defaults.",
	Severity:    Mandatory,
	Check: func(s Stack) []Violation {
		var vs []Violation
		want := s.Spec.StandardTags()
		missing := func(r *mock.Resource, tags any) {
			m, _ := tags.(map[string]any)
			for _, k := range []string{"app", "stack", "environment", "managed-by"} {
				if v, ok := m[k]; !ok || (v != want[k] && v != gcpLabel(want[k])) {
					vs = append(vs, violation(r, "lacks the standard tag %s=%s", k, want[k]))
					return
				}
			}
		}
		for _, p := range s.OfType("pulumi:providers:aws") {
			missing(p, p.Get("defaultTags.tags"))
		}
		for _, p := range s.OfType("pulumi:providers:gcp") {
			missing(p, p.Get("defaultLabels"))
		}
		for _, r := range s.Resources {
			if r.Custom && strings.HasPrefix(r.Type, "azure-native:") {
				if _, takes := r.Inputs["tags"]; takes || azureTaggable[r.Type] {
					missing(r, r.Get("tags"))
				}
			}
		}
		return vs
	},
}

// azureTaggable are the Azure types this project creates that take tags.
var azureTaggable = map[string]bool{
	"azure-native:resources:ResourceGroup": true, "azure-native:app:ContainerApp": true, "azure-native:app:ManagedEnvironment": true,
	"azure-native:sql:Server": true, "azure-native:sql:Database": true, "azure-native:storage:StorageAccount": true,
	"azure-native:cdn:Profile": true, "azure-native:network:Policy": true, "azure-native:network:VirtualNetwork": true,
}

// gcpLabel is a tag value as Google Cloud labels carry it (lowercase).
func gcpLabel(v string) string { return strings.ToLower(v) }
