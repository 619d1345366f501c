package policies

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"

	"github.com/mobile-backend/mobile-backend/components"
	"github.com/mobile-backend/mobile-backend/internal/mock"
)

// awsBotControlGroup is the managed group whose token labels the AWS
// attestation rule reads (components/aws.BotControlGroup).
const awsBotControlGroup = "AWSManagedRulesBotControlRuleSet"

// apiWAF is one WAF policy in front of the API and its rules' names (AWS,
// Front Door) or descriptions (Cloud Armor).
type apiWAF struct {
	*mock.Resource
	rules []string
}

// apiWAFs are the stack's API WAF policies, in plan order.
func apiWAFs(s Stack) []apiWAF {
	var out []apiWAF
	add := func(r *mock.Resource, list, field string) {
		w := apiWAF{Resource: r}
		for i := 0; i < r.Len(list); i++ {
			w.rules = append(w.rules, r.Str(fmt.Sprintf("%s.%d.%s", list, i, field)))
		}
		out = append(out, w)
	}
	for _, acl := range s.OfType("aws:wafv2/webAcl:WebAcl") {
		if acl.Str("scope") != "CLOUDFRONT" { // the edge cache's ACL serves static content
			add(acl, "rules", "name")
		}
	}
	for _, p := range s.OfType("gcp:compute/securityPolicy:SecurityPolicy") {
		add(p, "rules", "description")
	}
	for _, p := range s.OfType("azure-native:network:Policy") {
		add(p, "customRules.rules", "name")
	}
	return out
}

func (w apiWAF) has(names ...string) bool {
	for _, n := range names {
		if slices.Contains(w.rules, n) {
			return true
		}
	}
	return false
}

// MobileEdge: a production backend for mobile apps can turn away an app
// version it no longer supports, and publishes the region directory apps
// fail over with. (That every API WAF carries the configured gate and
// attestation rules is waf-on-every-entry's, in every environment.)
var MobileEdge = Policy{
	Name:        "mobile-edge",
	Description: "A production stack sets minAppVersions (the gate at every WAF) and publishes the region directory in a static store the edge serves.",
	Severity:    Advisory,
	SeverityIn:  productionMandatory,
	Check: func(s Stack) []Violation {
		if !s.Spec.Production() {
			return nil
		}
		var vs []Violation
		if !s.Spec.App.Enabled() {
			vs = append(vs, Violation{Message: fmt.Sprintf("no minAppVersions: an app version the backend no longer supports is not turned away (environment %q)", s.Spec.Environment)})
		}
		// The directory's join (which buckets the edge reads) is unknown in
		// a first preview; the offline plan and pulumi up decide then.
		if d := (lossView{Stack: s, lost: "(none)"}).directory(); !d.Survives && !firstPreview(s) {
			vs = append(vs, Violation{Message: "the region directory " + components.DirectoryObject + " is not published: " + d.Via})
		}
		return vs
	},
}

// AttestationEnforced: a production stack should refuse requests that do
// not come from a genuine app build. Advisory: only the team knows when the
// app releases that attest are the ones in use.
var AttestationEnforced = Policy{
	Name:        "app-attestation-enforced",
	Description: "A production stack sets appAttestation to enforce (advisory).",
	Severity:    Advisory,
	Check: func(s Stack) []Violation {
		if a := s.Spec.Attestation; s.Spec.Production() && !a.Enforced() {
			return []Violation{{Message: fmt.Sprintf(
				"appAttestation is %q: requests that do not come from a genuine app build reach the API (enforce once the attesting app releases are the ones in use)", modeOrOff(a.Mode))}}
		}
		return nil
	},
}

// appRules: every API WAF carries the gate's rule for each gated platform,
// with appHeadersRequired the rules on the app's headers and, with
// attestation on, the attestation rule.
func appRules(s Stack) []Violation {
	var vs []Violation
	for _, waf := range apiWAFs(s) {
		for _, p := range s.Spec.App.Platforms() {
			if !waf.has(components.GateRule(p), components.GateRuleCompact(p)) {
				vs = append(vs, violation(waf.Resource, "WAF has no minimum-version rule for %s (minAppVersions.%s)", p, p))
			}
		}
		if s.Spec.App.RequireHeaders {
			for _, which := range []string{"platform", "version"} {
				// Cloud Armor checks both headers in one rule.
				if !waf.has(components.HeaderRule(which), components.HeaderRuleCompact(which), components.HeaderRule("platform-version")) {
					vs = append(vs, violation(waf.Resource, "WAF has no rule refusing requests without the %s header (appHeadersRequired)", which))
				}
			}
		}
		if a := s.Spec.Attestation; a.On() && !waf.has(components.AttestationRule, components.AttestationRuleCompact) {
			vs = append(vs, violation(waf.Resource, "WAF has no attestation rule (appAttestation is %s)", a.Mode))
		}
	}
	return vs
}

func modeOrOff(m components.AttestationMode) string {
	if m == "" {
		return string(components.AttestationOff)
	}
	return string(m)
}

// attestationRule reports whether a WAF rule is the attestation's (or, on
// AWS, the Bot Control group it reads), which app-attestation-enforced
// governs instead of waf-enforcing.
func attestationRule(name string) bool {
	return name == components.AttestationRule || name == awsBotControlGroup
}

// BotRulesLetAppsThrough: a genuine app calls the API with a non-browser
// user agent (okhttp, CFNetwork, Dalvik), which AWS Bot Control's
// SignalNonBrowserUserAgent and CategoryHttpLibrary rules block by default
// ("mobile apps typically have non-browser user agents, which the
// SignalNonBrowserUserAgent rule blocks by default"). The group runs before
// the token rule, so it may only label: its override counts. (Front Door's
// bot manager logs unknown bots and blocks only known-bad ones; Cloud
// Armor's preconfigured rules match scanners' agents, not HTTP libraries.)
var BotRulesLetAppsThrough = Policy{
	Name:        "bot-rules-let-apps-through",
	Description: "AWS Bot Control only labels (its override counts): its own rules would block a genuine app's non-browser user agent before the token rule reads its token.",
	Severity:    Mandatory,
	Source:      "https://docs.aws.amazon.com/waf/latest/developerguide/aws-managed-rule-groups-bot.html (SignalNonBrowserUserAgent, CategoryHttpLibrary)",
	Check: func(s Stack) []Violation {
		var vs []Violation
		for _, acl := range s.OfType("aws:wafv2/webAcl:WebAcl") {
			for i := 0; i < acl.Len("rules"); i++ {
				rule := fmt.Sprintf("rules.%d", i)
				if acl.Str(rule+".statement.managedRuleGroupStatement.name") == awsBotControlGroup && acl.Get(rule+".overrideAction.count") == nil {
					vs = append(vs, violation(acl, "rule %s lets Bot Control's own rules act: they block a genuine app's non-browser user agent (okhttp, CFNetwork) before the token rule; override them to count", acl.Str(rule+".name")))
				}
			}
		}
		return vs
	},
}

// ProbesExempt: the probes that decide a failover reach the API through
// its WAF and carry neither an app token nor the app's headers, so with
// attestation or required app headers on, each must ask for the one path
// those rules exempt (healthCheckPath): a refused probe would fail a
// healthy region over.
var ProbesExempt = Policy{
	Name:        "probes-exempt-at-the-edge",
	Description: "With appAttestation or appHeadersRequired on, every probe through the edge (Route 53 health checks, the AWS region watches, uptime checks, availability tests, the Azure and Google Cloud failover jobs) asks for healthCheckPath, the one path those rules exempt.",
	Severity:    Mandatory,
	Check: func(s Stack) []Violation {
		if !s.Spec.Attestation.On() && !s.Spec.App.RequireHeaders {
			return nil
		}
		exempt := s.Spec.HealthCheck.Path
		var vs []Violation
		probe := func(r *mock.Resource, what, target string) {
			path := target
			if u, err := url.Parse(target); err == nil && u.Host != "" {
				path = u.Path
			}
			if path == "" {
				path = "/"
			}
			if path != exempt && !mock.Unresolved(target) {
				vs = append(vs, violation(r, "%s asks for %s, which the attestation and app-header rules check (only %s is exempt): refused, it would fail a healthy region over", what, path, exempt))
			}
		}
		for _, h := range s.OfType("aws:route53/healthCheck:HealthCheck") {
			if t := h.Str("type"); t == "HTTPS" || t == "HTTP" || t == "HTTPS_STR_MATCH" || t == "HTTP_STR_MATCH" {
				probe(h, "health check", h.Str("resourcePath"))
			}
		}
		for _, m := range s.OfType("aws:sfn/stateMachine:StateMachine") {
			var def struct {
				States map[string]struct {
					Resource   string
					Parameters struct{ ApiEndpoint string }
				}
			}
			if json.Unmarshal([]byte(m.Str("definition")), &def) == nil {
				for _, st := range def.States {
					if st.Resource == "arn:aws:states:::http:invoke" {
						probe(m, "region watch", st.Parameters.ApiEndpoint)
					}
				}
			}
		}
		for _, u := range s.OfType("gcp:monitoring/uptimeCheckConfig:UptimeCheckConfig") {
			probe(u, "uptime check", u.Str("httpCheck.path"))
		}
		for _, w := range s.OfType("azure-native:insights:WebTest") {
			probe(w, "availability test", w.Str("request.requestUrl"))
		}
		for _, k := range []string{"WRITER_PROBE_URL", "SUCCESSOR_PROBE_URL"} {
			for _, j := range s.OfType("azure-native:app/v20240301:Job") {
				if u := envValue(j, "template.containers.0.env", k); u != "" {
					probe(j, "failover job", u)
				}
			}
			for _, j := range s.OfType("gcp:cloudrunv2/job:Job") {
				if u := gcpJobEnv(j, k); u != "" {
					probe(j, "failover job", u)
				}
			}
		}
		return vs
	},
}
