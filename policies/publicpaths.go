package policies

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/mobile-backend/mobile-backend/components"
	"github.com/mobile-backend/mobile-backend/internal/mock"
)

// PublicPathsOpen: the paths server-to-server callers use (publicPaths:
// store notifications, payment webhooks) carry neither the app's headers
// nor an app token, so the attestation and app-header rules must let them
// through, as they let the probes through. Each rule is evaluated as the
// WAF would, for a request under each public path that has no app headers
// and no token: a rule that would refuse it fails the stack.
var PublicPathsOpen = Policy{
	Name:        "public-paths-open-at-the-edge",
	Description: "Every publicPaths prefix passes the attestation and app-header rules of every API WAF: a webhook request (no app headers, no app token) under it is refused by none of them.",
	Severity:    Mandatory,
	Check: func(s Stack) []Violation {
		var vs []Violation
		for _, prefix := range s.Spec.Runtime.PublicPaths {
			path := strings.TrimSuffix(prefix, "/") + "/notification"
			for _, w := range apiWAFs(s) {
				if rule := refusesWebhook(s, w.Resource, path); rule != "" {
					vs = append(vs, violation(w.Resource, "rule %s refuses %s (public path %s): a webhook carries no app headers or token", rule, path, prefix))
				}
			}
		}
		return vs
	},
}

// refusesWebhook is the app rule of a WAF that would refuse a request for
// path without app headers or token, or "".
func refusesWebhook(s Stack, waf *mock.Resource, path string) string {
	switch cloudOf(waf.Type) {
	case "aws":
		return awsRefuses(waf, path)
	case "gcp":
		return cloudArmorRefuses(waf, path)
	default:
		return frontDoorRefuses(waf, "https://"+s.Spec.Domain+path)
	}
}

// appRuleNames are the rules that ask for the app's headers or token.
func appRuleNames(compact bool) map[string]bool {
	out := map[string]bool{}
	for _, which := range []string{"platform", "version", "platform-version"} {
		if compact {
			out[components.HeaderRuleCompact(which)] = true
		} else {
			out[components.HeaderRule(which)] = true
		}
	}
	if compact {
		out[components.AttestationRuleCompact] = true
	} else {
		out[components.AttestationRule] = true
	}
	return out
}

// awsRefuses evaluates the web ACL's app rules: the header rules'
// statements, and the attestation rule, whose token labels exist only for
// requests the Bot Control group evaluated (its scope-down statement).
func awsRefuses(acl *mock.Resource, path string) string {
	rules, _ := acl.Get("rules").([]any)
	botControlRuns := false
	for _, r := range rules {
		rule, _ := r.(map[string]any)
		group, _ := lookupPath(rule, "statement.managedRuleGroupStatement").(map[string]any)
		if group != nil && group["name"] == awsBotControlGroup {
			scope, _ := group["scopeDownStatement"].(map[string]any)
			botControlRuns = scope == nil || wafStatement(scope, path, false)
		}
	}
	names := appRuleNames(false)
	for _, r := range rules {
		rule, _ := r.(map[string]any)
		name, _ := rule["name"].(string)
		if !names[name] || lookupPath(rule, "action.block") == nil {
			continue
		}
		st, _ := rule["statement"].(map[string]any)
		if wafStatement(st, path, botControlRuns) {
			return name
		}
	}
	return ""
}

// wafStatement evaluates an AWS WAF statement for a request of path with
// no app headers; labelled says whether token labels were added. A
// statement the evaluator does not know matches (it may refuse).
func wafStatement(st map[string]any, path string, labelled bool) bool {
	subs := func(key string) []map[string]any {
		list, _ := lookupPath(st, key+".statements").([]any)
		var out []map[string]any
		for _, x := range list {
			m, _ := x.(map[string]any)
			out = append(out, m)
		}
		return out
	}
	switch {
	case st["andStatement"] != nil:
		for _, sub := range subs("andStatement") {
			if !wafStatement(sub, path, labelled) {
				return false
			}
		}
		return true
	case st["orStatement"] != nil:
		for _, sub := range subs("orStatement") {
			if wafStatement(sub, path, labelled) {
				return true
			}
		}
		return false
	case st["notStatement"] != nil:
		list := subs("notStatement")
		return len(list) == 1 && !wafStatement(list[0], path, labelled)
	case st["byteMatchStatement"] != nil:
		b, _ := st["byteMatchStatement"].(map[string]any)
		if lookupPath(b, "fieldToMatch.uriPath") == nil {
			return false // a header or body the request lacks: no match
		}
		want, _ := b["searchString"].(string)
		switch b["positionalConstraint"] {
		case "EXACTLY":
			return path == want
		case "STARTS_WITH":
			return strings.HasPrefix(path, want)
		case "CONTAINS":
			return strings.Contains(path, want)
		}
		return true
	case st["sizeConstraintStatement"] != nil:
		return false // the headers it sizes are absent: no match
	case st["labelMatchStatement"] != nil:
		return labelled
	}
	return true
}

// cloudArmorRefuses evaluates the policy's app rules: their expressions
// are ANDs of clauses; a path clause (request.path != 'X',
// !request.path.matches('RE')) is evaluated, every other clause (no token,
// no headers) holds for a webhook.
func cloudArmorRefuses(policy *mock.Resource, path string) string {
	names := appRuleNames(false)
	for i := 0; i < policy.Len("rules"); i++ {
		at := fmt.Sprintf("rules.%d.", i)
		name := policy.Str(at + "description")
		if !names[name] || policy.Get(at+"preview") == true || !strings.HasPrefix(policy.Str(at+"action"), "deny") {
			continue
		}
		if celClausesHold(policy.Str(at+"match.expr.expression"), path) {
			return name
		}
	}
	return ""
}

var (
	celPathNot     = regexp.MustCompile(`^request\.path != '([^']*)'$`)
	celPathMatches = regexp.MustCompile(`^!request\.path\.matches\('([^']*)'\)$`)
)

func celClausesHold(expr, path string) bool {
	for _, clause := range strings.Split(expr, " && ") {
		if m := celPathNot.FindStringSubmatch(clause); m != nil && path == m[1] {
			return false
		}
		if m := celPathMatches.FindStringSubmatch(clause); m != nil {
			re, err := regexp.Compile(strings.ReplaceAll(m[1], `\\`, `\`))
			if err == nil && re.MatchString(path) {
				return false
			}
		}
	}
	return true
}

// frontDoorRefuses evaluates the policy's blocking app rules: their match
// conditions are ANDed; a RequestUri regex is evaluated, every other
// condition (not the static host, the header absent) holds for a webhook
// to the API host.
func frontDoorRefuses(policy *mock.Resource, uri string) string {
	names := appRuleNames(true)
	rules, _ := policy.Get("customRules.rules").([]any)
	for _, r := range rules {
		rule, _ := r.(map[string]any)
		name, _ := rule["name"].(string)
		if !names[name] || rule["action"] != "Block" {
			continue
		}
		conds, _ := rule["matchConditions"].([]any)
		holds := true
		for _, c := range conds {
			cond, _ := c.(map[string]any)
			if cond["matchVariable"] != "RequestUri" || cond["operator"] != "RegEx" {
				continue
			}
			matched := false
			values, _ := cond["matchValue"].([]any)
			for _, v := range values {
				if re, err := regexp.Compile(fmt.Sprint(v)); err == nil && re.MatchString(uri) {
					matched = true
				}
			}
			if matched == (cond["negateCondition"] == true) {
				holds = false
			}
		}
		if holds {
			return name
		}
	}
	return ""
}

// lookupPath is a dotted path into plain JSON maps.
func lookupPath(m map[string]any, path string) any {
	var cur any = m
	for _, k := range strings.Split(path, ".") {
		mm, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = mm[k]
	}
	return cur
}
