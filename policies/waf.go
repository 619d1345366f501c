package policies

import (
	"fmt"
	"strings"

	"github.com/mobile-backend/mobile-backend/internal/mock"
	"github.com/mobile-backend/mobile-backend/internal/spec"
)

var awsManagedGroups = []string{"AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet", "AWSManagedRulesSQLiRuleSet", "AWSManagedRulesAmazonIpReputationList"}

// WAFOnEveryEntry: every public entry point sits behind the stack's WAF with
// managed rules and a rate limit.
var WAFOnEveryEntry = Policy{
	Name:        "waf-on-every-entry",
	Description: "Every load balancer/distribution/backend service/Front Door domain has a WAF with the managed rules and a rate limit; every API WAF has the minimum-version rule of each platform in minAppVersions, with appHeadersRequired the rules on the app's headers, and with appAttestation on the attestation rule.",
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
		return append(vs, appRules(s)...)
	},
}

// WAFEnforcing: a WAF that only counts protects nothing; that is fine while
// staging rules, not in production.
var WAFEnforcing = Policy{
	Name:        "waf-enforcing",
	Description: "No rule only counts (count mode, preview, Detection); the attestation rules are app-attestation-enforced's.",
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
				if attestationRule(acl.Str(fmt.Sprintf("rules.%d.name", i))) {
					return false // app-attestation-enforced's concern
				}
				return acl.Get(fmt.Sprintf("rules.%d.action.count", i)) != nil || acl.Get(fmt.Sprintf("rules.%d.overrideAction.count", i)) != nil
			}, func(i int) string { return acl.Str(fmt.Sprintf("rules.%d.name", i)) })
			if len(names) > 0 {
				flag(acl, "web ACL rules "+strings.Join(names, ", "))
			}
		}
		for _, p := range s.OfType("gcp:compute/securityPolicy:SecurityPolicy") {
			names := counting(p, func(i int) bool {
				return p.Bool(fmt.Sprintf("rules.%d.preview", i)) && !attestationRule(p.Str(fmt.Sprintf("rules.%d.description", i)))
			},
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
