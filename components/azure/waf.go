package azure

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi-azure-native-sdk/network/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mobile-backend/mobile-backend/components"
)

// ManagedRuleSets are the Front Door managed rule sets every policy runs: the
// Microsoft default rule set 2.1 (OWASP-based, anomaly scoring) and the bot
// manager.
var ManagedRuleSets = []struct{ Type, Version string }{
	{"Microsoft_DefaultRuleSet", "2.1"},
	{"Microsoft_BotManagerRuleSet", "1.0"},
}

// GeoBlockPerRule is how many countries one rule names: a match condition
// takes at most 10 values (Azure subscription limits, Front Door WAF). The
// geo-block's rules take priorities 10 to 19, before the gate at 20.
const GeoBlockPerRule = 10

// RateLimitMinutes is the rate limit's window (Front Door allows 1 or 5),
// matching RateLimit's unit.
const RateLimitMinutes = 5

// WebFirewallArgs configures a WebFirewall. Zero values take the defaults of
// package components (DefaultWAFMode, DefaultRateLimit, ...), which the
// mobile-backend config keys share.
type WebFirewallArgs struct {
	ResourceGroup pulumi.StringInput // required
	Mode          components.WAFMode // block (Prevention, default) or count (Detection)
	RateLimit     int
	GeoBlock      []string
	// AppGate blocks apps older than their platform's minimum. Front Door's
	// block status and body are one per policy (customBlockResponseStatusCode
	// allows 200, 403, 405, 406 or 429, not 426), so a gated app gets the
	// policy's 403 (README).
	AppGate components.AppGate
	// Attestation, when on, adds a rule that logs (monitor) or blocks
	// (enforce) an API request without components.AttestationHeader. Front
	// Door cannot verify an App Attest or Play Integrity token: the edge
	// checks presence, the origin verifies the token (README); the Bot
	// Manager rule set runs on every request in every mode. Neither the
	// static host nor ExemptPath is checked.
	Attestation    components.Attestation
	StaticHostname string // the static content's host, never attested
	Tags           pulumi.StringMap
}

// AttestationPriority is the attestation rule's place: after the gate.
const AttestationPriority = 30

// WebFirewall is the Front Door (Premium) WAF policy: the managed rule sets,
// a per-client-IP rate limit, an optional geo-block and request body
// inspection. FrontDoor attaches it to every domain.
type WebFirewall struct {
	pulumi.ResourceState

	PolicyID pulumi.StringOutput `pulumi:"policyId"`
}

// NewWebFirewall builds the policy. Pass the global provider in opts.
func NewWebFirewall(ctx *pulumi.Context, name string, args WebFirewallArgs, opts ...pulumi.ResourceOption) (*WebFirewall, error) {
	if args.ResourceGroup == nil {
		return nil, fmt.Errorf("waf %s: ResourceGroup is required", name)
	}
	w := &WebFirewall{}
	if err := ctx.RegisterComponentResource("mobile-backend:azure:WebFirewall", name, w, opts...); err != nil {
		return nil, err
	}
	components.Default(&args.Mode, components.DefaultWAFMode)
	components.Default(&args.RateLimit, components.DefaultRateLimit)
	mode := "Prevention"
	if args.Mode == components.WAFCount {
		mode = "Detection"
	}
	var sets network.FrontDoorManagedRuleSetArray
	for _, m := range ManagedRuleSets {
		set := &network.FrontDoorManagedRuleSetArgs{RuleSetType: pulumi.String(m.Type), RuleSetVersion: pulumi.String(m.Version)}
		if m.Type == "Microsoft_DefaultRuleSet" {
			set.RuleSetAction = pulumi.String("Block") // anomaly score over the threshold blocks
		}
		sets = append(sets, set)
	}
	// A rate-limit rule needs a match condition: "not from 255.255.255.255"
	// matches every client, and Front Door counts per client IP.
	rules := network.CustomRuleArray{&network.CustomRuleArgs{
		Name: pulumi.String("RateLimitPerClientIP"), Priority: pulumi.Int(100), EnabledState: pulumi.String("Enabled"),
		RuleType:                   pulumi.String("RateLimitRule"),
		RateLimitDurationInMinutes: pulumi.Int(RateLimitMinutes),
		RateLimitThreshold:         pulumi.Int(args.RateLimit),
		MatchConditions: network.FrontDoorMatchConditionArray{&network.FrontDoorMatchConditionArgs{
			MatchVariable: pulumi.String("RemoteAddr"), Operator: pulumi.String("IPMatch"),
			NegateCondition: pulumi.Bool(true), MatchValue: pulumi.StringArray{pulumi.String("255.255.255.255/32")},
		}},
		Action: pulumi.String("Block"),
	}}
	// A condition takes at most 10 values (Front Door limits), so more
	// countries take more rules: GeoBlock, GeoBlock2, ... at 10, 11, ...
	for i, countries := range slices.Collect(slices.Chunk(args.GeoBlock, GeoBlockPerRule)) {
		name := "GeoBlock"
		if i > 0 {
			name += strconv.Itoa(i + 1)
		}
		rules = append(rules, &network.CustomRuleArgs{
			Name: pulumi.String(name), Priority: pulumi.Int(10 + i), EnabledState: pulumi.String("Enabled"),
			RuleType: pulumi.String("MatchRule"),
			MatchConditions: network.FrontDoorMatchConditionArray{&network.FrontDoorMatchConditionArgs{
				MatchVariable: pulumi.String("RemoteAddr"), Operator: pulumi.String("GeoMatch"),
				MatchValue: pulumi.ToStringArray(countries),
			}},
			Action: pulumi.String("Block"),
		})
	}
	for i, m := range args.AppGate.Matchers() {
		p := m.Platform
		// Custom rule names: letters and digits, starting with a letter.
		rules = append(rules, &network.CustomRuleArgs{
			Name: pulumi.String(components.GateRuleCompact(p)), Priority: pulumi.Int(20 + i), EnabledState: pulumi.String("Enabled"),
			RuleType: pulumi.String("MatchRule"),
			MatchConditions: network.FrontDoorMatchConditionArray{
				&network.FrontDoorMatchConditionArgs{
					MatchVariable: pulumi.String("RequestHeader"), Selector: pulumi.String(m.PlatformHeader), Operator: pulumi.String("Equal"),
					MatchValue: pulumi.StringArray{pulumi.String(p)}, Transforms: pulumi.StringArray{pulumi.String("Lowercase")},
				},
				&network.FrontDoorMatchConditionArgs{
					MatchVariable: pulumi.String("RequestHeader"), Selector: pulumi.String(m.VersionHeader), Operator: pulumi.String("RegEx"),
					MatchValue: pulumi.StringArray{pulumi.String(m.Older)},
				},
			},
			Action: pulumi.String("Block"),
		})
	}
	rules = append(rules, headerRules(args)...)
	if rule := attestationRule(args); rule != nil {
		rules = append(rules, rule)
	}
	policy, err := network.NewPolicy(ctx, name, &network.PolicyArgs{
		PolicyName:        pulumi.String(compactName(name+"waf", 128)),
		ResourceGroupName: args.ResourceGroup,
		Location:          pulumi.String("Global"),
		Sku:               &network.SkuArgs{Name: pulumi.String("Premium_AzureFrontDoor")},
		PolicySettings: &network.FrontDoorPolicySettingsArgs{
			EnabledState:     pulumi.String("Enabled"),
			Mode:             pulumi.String(mode),
			RequestBodyCheck: pulumi.String("Enabled"),
		},
		ManagedRules: &network.ManagedRuleSetListArgs{ManagedRuleSets: sets},
		CustomRules:  &network.CustomRuleListArgs{Rules: rules},
		Tags:         args.Tags,
	}, pulumi.Parent(w))
	if err != nil {
		return nil, fmt.Errorf("waf %s: %w", name, err)
	}
	w.PolicyID = policy.ID().ToStringOutput()
	return w, ctx.RegisterResourceOutputs(w, pulumi.Map{"policyId": w.PolicyID})
}

// headerRules block an API request without one of the gate's headers, one
// rule per header (a rule's conditions are ANDed), priorities 26 and 27.
func headerRules(args WebFirewallArgs) network.CustomRuleArray {
	var rules network.CustomRuleArray
	for i, h := range args.AppGate.RequiredHeaders() {
		rules = append(rules, &network.CustomRuleArgs{
			Name: pulumi.String(components.HeaderRuleCompact(h[0])), Priority: pulumi.Int(26 + i), EnabledState: pulumi.String("Enabled"),
			RuleType: pulumi.String("MatchRule"), MatchConditions: apiRequestWithout(args, args.AppGate.ExemptPath, args.AppGate.PublicPrefixes, h[1]), Action: pulumi.String("Block"),
		})
	}
	return rules
}

// apiRequestWithout matches an API request (not to the static host, not to
// the exempt path) that lacks a header: AND(host is not the static host,
// path is not the exempt path, the header is absent or empty). RequestUri
// is matched with or without scheme and host; a missing header does not
// match ".+", so the negated condition holds.
func apiRequestWithout(args WebFirewallArgs, exempt string, public []string, header string) network.FrontDoorMatchConditionArray {
	var conds network.FrontDoorMatchConditionArray
	if args.StaticHostname != "" {
		conds = append(conds, &network.FrontDoorMatchConditionArgs{
			MatchVariable: pulumi.String("RequestHeader"), Selector: pulumi.String("Host"), Operator: pulumi.String("Equal"), NegateCondition: pulumi.Bool(true),
			MatchValue: pulumi.StringArray{pulumi.String(strings.ToLower(args.StaticHostname))}, Transforms: pulumi.StringArray{pulumi.String("Lowercase")},
		})
	}
	if exempt != "" {
		conds = append(conds, &network.FrontDoorMatchConditionArgs{
			MatchVariable: pulumi.String("RequestUri"), Operator: pulumi.String("RegEx"), NegateCondition: pulumi.Bool(true),
			MatchValue: pulumi.StringArray{pulumi.String(`^(?:https?://[^/]+)?` + regexp.QuoteMeta(exempt) + `(?:\?.*)?$`)},
		})
	}
	// Nor under a public prefix (webhooks): the path after the optional
	// scheme and host starts with one, and a query string may follow. No
	// capturing group: Front Door's regular expressions take none ("Custom
	// rules": backreferences and capturing subexpressions not supported).
	if re := components.PublicPathRegex(public); re != "" {
		conds = append(conds, &network.FrontDoorMatchConditionArgs{
			MatchVariable: pulumi.String("RequestUri"), Operator: pulumi.String("RegEx"), NegateCondition: pulumi.Bool(true),
			MatchValue: pulumi.StringArray{pulumi.String(`^(?:https?://[^/]+)?` + strings.TrimSuffix(strings.TrimPrefix(re, "^"), "$") + `(?:\?.*)?$`)},
		})
	}
	return append(conds, &network.FrontDoorMatchConditionArgs{
		MatchVariable: pulumi.String("RequestHeader"), Selector: pulumi.String(header), Operator: pulumi.String("RegEx"), NegateCondition: pulumi.Bool(true),
		MatchValue: pulumi.StringArray{pulumi.String(".+")},
	})
}

// attestationRule logs or blocks an API request without the attestation
// header (apiRequestWithout).
func attestationRule(args WebFirewallArgs) *network.CustomRuleArgs {
	a := args.Attestation
	if !a.On() {
		return nil
	}
	action := "Log" // logs and goes on to the next rule (Front Door WAF docs, "Custom rules")
	if a.Enforced() {
		action = "Block"
	}
	conds := apiRequestWithout(args, a.ExemptPath, a.PublicPrefixes, components.AttestationHeader)
	return &network.CustomRuleArgs{
		Name: pulumi.String(components.AttestationRuleCompact), Priority: pulumi.Int(AttestationPriority), EnabledState: pulumi.String("Enabled"),
		RuleType: pulumi.String("MatchRule"), MatchConditions: conds, Action: pulumi.String(action),
	}
}
