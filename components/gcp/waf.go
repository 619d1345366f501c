package gcp

import (
	"fmt"
	"slices"
	"strings"

	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/compute"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/recaptcha"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mobile-backend/mobile-backend/components"
)

// PreconfiguredRules are the Cloud Armor preconfigured WAF rule sets every
// policy evaluates: SQL injection, cross-site scripting, local and remote
// file inclusion, remote code execution, scanner detection, protocol attacks
// and the Log4j CVE (cve-canary).
var PreconfiguredRules = []string{
	"sqli-v33-stable", "xss-v33-stable", "lfi-v33-stable", "rfi-v33-stable",
	"rce-v33-stable", "scannerdetection-v33-stable", "protocolattack-v33-stable", "cve-canary",
}

// RateLimitIntervalSeconds is the window of the per-IP rate limit (one of
// the intervals Cloud Armor accepts), matching RateLimit's unit.
const RateLimitIntervalSeconds = 300

// RateLimitPriority puts the rate limit after the WAF rules: Cloud Armor
// applies the first rule that matches, and a rate-based rule's conform
// action ("allow", the only one) ends evaluation for every request under
// the limit (Cloud Armor docs, "Security policy overview": rule evaluation
// order; "Rate limiting overview").
const RateLimitPriority = 2000

// GeoBlockPerRule is how many countries one rule names: an expression may
// hold at most five subexpressions (Cloud Armor docs, "Custom rules
// language reference").
const GeoBlockPerRule = 5

// DefaultRulePriority is the priority of the mandatory catch-all rule.
const DefaultRulePriority = 2147483647

// WebFirewallArgs configures a WebFirewall. Zero values take the defaults of
// package components (DefaultWAFMode, DefaultRateLimit, ...), which the
// mobile-backend config keys share.
type WebFirewallArgs struct {
	Mode      components.WAFMode // block (default) or count: every rule in preview
	RateLimit int                // requests per 5 minutes per client IP
	GeoBlock  []string           // countries to refuse
	// AppGate refuses apps older than their platform's minimum: Cloud Armor
	// answers deny(403) (its deny statuses are 403, 404 and 502, with no
	// custom body at pulumi-gcp v7.38), so the app must read a 403 with the
	// gate's headers as "upgrade required" (README).
	AppGate components.AppGate
	// Attestation, when on, makes a reCAPTCHA action-token key per app in
	// AppIDs and a rule on the token Cloud Armor evaluates: in preview
	// (monitor), or deny(403) (enforce). Action-tokens are the one
	// reCAPTCHA feature Cloud Armor takes from mobile apps (reCAPTCHA docs,
	// "Integrate with Google Cloud Armor for mobile applications"); the app
	// sends its token in X-Recaptcha-Token (Cloud Armor docs, "Bot
	// management"). The rule names the keys (exprOptions), so a token of
	// any other key is invalid; linked keys must be in the policy's project
	// (SecurityPolicyRuleMatchExprOptionsRecaptchaOptions doc). The keys
	// wait for the reCAPTCHA Enterprise API (the stack's APIs.WaitFor).
	Attestation components.Attestation
}

// RecaptchaTokenHeader is where an app sends its reCAPTCHA action-token.
const RecaptchaTokenHeader = "X-Recaptcha-Token"

// AppHeadersPriority is the required-headers rule's place: after the
// version rules, before attestation.
const AppHeadersPriority = 940

// AttestationPriority is the attestation rule's place: after the gate (an
// outdated app hears "upgrade" first), before the WAF rules.
const AttestationPriority = 950

// AppGatePriority is where the gate's rules start: after the geo-block,
// before the preconfigured WAF rules and the rate limit.
const AppGatePriority = 900

// WebFirewall is a Cloud Armor security policy: the preconfigured WAF rules,
// a rate-based ban per client IP, an optional geo-block, adaptive protection
// (layer-7 DDoS defense) and verbose logging. Attach it to every backend
// service of the load balancer.
type WebFirewall struct {
	pulumi.ResourceState

	PolicyID pulumi.StringOutput `pulumi:"policyId"`
	// SiteKeys are the reCAPTCHA keys the apps embed, by platform (empty
	// unless attestation is on).
	SiteKeys pulumi.StringMapOutput `pulumi:"siteKeys"`
}

// NewWebFirewall builds the policy. Pass the primary region's provider in opts.
func NewWebFirewall(ctx *pulumi.Context, name string, args WebFirewallArgs, opts ...pulumi.ResourceOption) (*WebFirewall, error) {
	w := &WebFirewall{}
	if err := ctx.RegisterComponentResource("mobile-backend:gcp:WebFirewall", name, w, opts...); err != nil {
		return nil, err
	}
	components.Default(&args.Mode, components.DefaultWAFMode)
	components.Default(&args.RateLimit, components.DefaultRateLimit)
	preview := pulumi.Bool(args.Mode == components.WAFCount)
	all := &compute.SecurityPolicyRuleMatchArgs{
		VersionedExpr: pulumi.String("SRC_IPS_V1"),
		Config:        &compute.SecurityPolicyRuleMatchConfigArgs{SrcIpRanges: pulumi.StringArray{pulumi.String("*")}},
	}
	expr := func(e string) *compute.SecurityPolicyRuleMatchArgs {
		return &compute.SecurityPolicyRuleMatchArgs{Expr: &compute.SecurityPolicyRuleMatchExprArgs{Expression: pulumi.String(e)}}
	}

	var rules compute.SecurityPolicyRuleTypeArray
	for i, countries := range slices.Collect(slices.Chunk(args.GeoBlock, GeoBlockPerRule)) {
		var conds []string
		for _, c := range countries {
			conds = append(conds, fmt.Sprintf("origin.region_code == '%s'", c))
		}
		desc := "geo-block"
		if len(args.GeoBlock) > GeoBlockPerRule {
			desc = fmt.Sprintf("geo-block %d", i+1)
		}
		rules = append(rules, &compute.SecurityPolicyRuleTypeArgs{
			Description: pulumi.String(desc), Priority: pulumi.Int(100 + i),
			Action: pulumi.String("deny(403)"), Preview: preview, Match: expr(strings.Join(conds, " || ")),
		})
	}
	rules = append(rules, gateRules(args.AppGate, preview, expr)...)
	siteKeys, attest, err := attestationRule(ctx, name, args, expr, pulumi.Parent(w))
	if err != nil {
		return nil, err
	}
	if attest != nil {
		rules = append(rules, attest)
	}
	rules = append(rules, &compute.SecurityPolicyRuleTypeArgs{
		Description: pulumi.String("rate-limit"), Priority: pulumi.Int(RateLimitPriority),
		Action: pulumi.String("rate_based_ban"), Preview: preview, Match: all,
		RateLimitOptions: &compute.SecurityPolicyRuleRateLimitOptionsArgs{
			ConformAction: pulumi.String("allow"),
			ExceedAction:  pulumi.String("deny(429)"),
			EnforceOnKey:  pulumi.String("IP"),
			RateLimitThreshold: &compute.SecurityPolicyRuleRateLimitOptionsRateLimitThresholdArgs{
				Count: pulumi.Int(args.RateLimit), IntervalSec: pulumi.Int(RateLimitIntervalSeconds),
			},
			BanDurationSec: pulumi.Int(600),
		},
	})
	for i, set := range PreconfiguredRules {
		rules = append(rules, &compute.SecurityPolicyRuleTypeArgs{
			Description: pulumi.String(set), Priority: pulumi.Int(1000 + i),
			Action: pulumi.String("deny(403)"), Preview: preview,
			Match: expr(fmt.Sprintf("evaluatePreconfiguredWaf('%s', {'sensitivity': 1})", set)),
		})
	}
	rules = append(rules, &compute.SecurityPolicyRuleTypeArgs{
		Description: pulumi.String("default: allow"), Priority: pulumi.Int(DefaultRulePriority),
		Action: pulumi.String("allow"), Match: all,
	})
	policy, err := compute.NewSecurityPolicy(ctx, name, &compute.SecurityPolicyArgs{
		Name:        pulumi.String(resourceName(name, 63)),
		Description: pulumi.Sprintf("mobile-backend %s: WAF rules, rate limit, geo-block", name),
		Type:        pulumi.String("CLOUD_ARMOR"),
		Rules:       rules,
		AdaptiveProtectionConfig: &compute.SecurityPolicyAdaptiveProtectionConfigArgs{
			Layer7DdosDefenseConfig: &compute.SecurityPolicyAdaptiveProtectionConfigLayer7DdosDefenseConfigArgs{
				Enable: pulumi.Bool(true), RuleVisibility: pulumi.String("STANDARD"),
			},
		},
		AdvancedOptionsConfig: &compute.SecurityPolicyAdvancedOptionsConfigArgs{
			LogLevel: pulumi.String("VERBOSE"), JsonParsing: pulumi.String("STANDARD"),
		},
	}, pulumi.Parent(w))
	if err != nil {
		return nil, fmt.Errorf("cloud armor %s: %w", name, err)
	}
	w.PolicyID = policy.ID().ToStringOutput()
	w.SiteKeys = siteKeys.ToStringMapOutput()
	return w, ctx.RegisterResourceOutputs(w, pulumi.Map{"policyId": w.PolicyID, "siteKeys": w.SiteKeys})
}

// attestationRule makes a reCAPTCHA action-token key per app and the rule
// that evaluates the token against those keys only; nil when attestation
// is off.
func attestationRule(ctx *pulumi.Context, name string, args WebFirewallArgs, expr func(string) *compute.SecurityPolicyRuleMatchArgs, opts ...pulumi.ResourceOption) (pulumi.StringMap, *compute.SecurityPolicyRuleTypeArgs, error) {
	siteKeys, linked := pulumi.StringMap{}, pulumi.StringArray{}
	a := args.Attestation
	if !a.On() {
		return siteKeys, nil, nil
	}
	for _, p := range a.Platforms() {
		keyArgs := &recaptcha.EnterpriseKeyArgs{
			DisplayName: pulumi.String(resourceName(name+"-"+p, 63)),
			WafSettings: &recaptcha.EnterpriseKeyWafSettingsArgs{WafService: pulumi.String("CA"), WafFeature: pulumi.String("ACTION_TOKEN")},
		}
		switch p {
		case "ios":
			keyArgs.IosSettings = &recaptcha.EnterpriseKeyIosSettingsArgs{AllowedBundleIds: pulumi.StringArray{pulumi.String(a.AppIDs[p])}}
		case "android":
			keyArgs.AndroidSettings = &recaptcha.EnterpriseKeyAndroidSettingsArgs{AllowedPackageNames: pulumi.StringArray{pulumi.String(a.AppIDs[p])}}
		}
		key, err := recaptcha.NewEnterpriseKey(ctx, name+"-"+p, keyArgs, opts...)
		if err != nil {
			return nil, nil, fmt.Errorf("recaptcha key %s: %w", p, err)
		}
		siteKeys[p], linked = key.Name, append(linked, key.Name)
	}
	cond := exemptPaths(a.ExemptPath, a.PublicPrefixes, "!token.recaptcha_action.valid")
	match := expr(cond)
	match.ExprOptions = &compute.SecurityPolicyRuleMatchExprOptionsArgs{
		RecaptchaOptions: &compute.SecurityPolicyRuleMatchExprOptionsRecaptchaOptionsArgs{ActionTokenSiteKeys: linked},
	}
	return siteKeys, &compute.SecurityPolicyRuleTypeArgs{
		Description: pulumi.String(components.AttestationRule), Priority: pulumi.Int(AttestationPriority),
		Action: pulumi.String("deny(403)"), Preview: pulumi.Bool(!a.Enforced() || args.Mode == components.WAFCount), Match: match,
	}, nil
}

// exemptPaths puts cond behind the paths the app rules exempt: not the
// health checks' path, and not a public prefix (one matches() for all of
// them, so a rule stays within Cloud Armor's five subexpressions: path,
// prefixes and the two has() of the headers rule make four). The regex's
// backslashes are doubled inside the CEL string literal.
func exemptPaths(exact string, prefixes []string, cond string) string {
	if re := components.PublicPathRegex(prefixes); re != "" {
		cond = fmt.Sprintf("!request.path.matches('%s') && %s", strings.ReplaceAll(re, `\`, `\\`), cond)
	}
	if exact != "" {
		cond = fmt.Sprintf("request.path != '%s' && %s", exact, cond)
	}
	return cond
}

// gateRules: for each gated platform, the platform header (lower-cased) is
// the platform and the version header matches components.OlderThan, each
// behind has() as the rules language reference recommends for a header
// that may be missing; with RequireHeaders, a request without them is
// refused. Header keys are lower case in Cloud Armor's request.headers;
// the regex's backslashes are doubled inside the CEL string literal.
func gateRules(g components.AppGate, preview pulumi.BoolInput, expr func(string) *compute.SecurityPolicyRuleMatchArgs) compute.SecurityPolicyRuleTypeArray {
	var rules compute.SecurityPolicyRuleTypeArray
	for i, m := range g.Matchers() {
		p := m.Platform
		rules = append(rules, &compute.SecurityPolicyRuleTypeArgs{
			Description: pulumi.String(components.GateRule(p)), Priority: pulumi.Int(AppGatePriority + i),
			Action: pulumi.String("deny(403)"), Preview: preview,
			Match: expr(fmt.Sprintf("has(request.headers['%[1]s']) && request.headers['%[1]s'].lower() == '%[2]s' && has(request.headers['%[3]s']) && request.headers['%[3]s'].matches('%[4]s')",
				strings.ToLower(m.PlatformHeader), p, strings.ToLower(m.VersionHeader), strings.ReplaceAll(m.Older, `\`, `\\`))),
		})
	}
	if req := g.RequiredHeaders(); len(req) > 0 {
		// One rule for both headers: the path, then two has() of five
		// subexpressions at most.
		cond := exemptPaths(g.ExemptPath, g.PublicPrefixes,
			fmt.Sprintf("!(has(request.headers['%s']) && has(request.headers['%s']))", strings.ToLower(req[0][1]), strings.ToLower(req[1][1])))
		rules = append(rules, &compute.SecurityPolicyRuleTypeArgs{
			Description: pulumi.String(components.HeaderRule("platform-version")), Priority: pulumi.Int(AppHeadersPriority), // both headers, one rule
			Action: pulumi.String("deny(403)"), Preview: preview, Match: expr(cond),
		})
	}
	return rules
}
