package aws

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/wafv2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mobile-backend/mobile-backend/components"
)

// ManagedRuleGroups are the AWS managed rule groups every web ACL runs, in
// evaluation order: IP reputation first (cheapest, drops known bad sources),
// then the core rule set, known bad inputs (Log4j and friends) and SQL
// injection.
var ManagedRuleGroups = []string{
	"AWSManagedRulesAmazonIpReputationList",
	"AWSManagedRulesCommonRuleSet",
	"AWSManagedRulesKnownBadInputsRuleSet",
	"AWSManagedRulesSQLiRuleSet",
}

// RateWindowSeconds is the window the rate limit counts over (WAF's default
// and the unit of RateLimit).
const RateWindowSeconds = 300

// WebFirewall is a WAF in front of one load balancer (or, with scope
// CLOUDFRONT, one distribution): managed rule groups, a per-client-IP rate limit, an optional geo-block, metrics on every
// rule, and logs with the Authorization header redacted.
type WebFirewall struct {
	pulumi.ResourceState

	ACLArn       pulumi.StringOutput `pulumi:"aclArn"`
	ACLName      pulumi.StringOutput `pulumi:"aclName"`
	LogGroupName pulumi.StringOutput `pulumi:"logGroupName"`
	// IntegrationURL is where the AWS WAF mobile SDK fetches its token
	// (the ACL's application integration URL).
	IntegrationURL pulumi.StringOutput `pulumi:"integrationUrl"`
}

// WebFirewallArgs configures a WebFirewall. Zero values take the defaults of
// package components (DefaultWAFMode, DefaultRateLimit, ...), which the
// mobile-backend config keys share.
type WebFirewallArgs struct {
	// Scope is REGIONAL (default: in front of a load balancer) or CLOUDFRONT
	// (for a distribution; then the provider must be in us-east-1).
	Scope            string
	LoadBalancerArn  pulumi.StringInput // required for REGIONAL: the load balancer to protect
	LogKeyArn        pulumi.StringInput // KMS key of the log group; CloudWatch's default encryption if nil
	Mode             components.WAFMode // block (default) or count
	RateLimit        int                // requests per 5 minutes per client IP
	GeoBlock         []string           // country codes to block; none by default
	LogRetentionDays int
	// KeepNoRequests turns off the ACL's logs and sampled requests, which
	// hold the requests' contents; its metrics (counts) stay. For a
	// CLOUDFRONT ACL where data may not rest in us-east-1: AWS WAF keeps a
	// CloudFront ACL's logs only there ("You MUST send a CloudFront web
	// ACL's logs to a destination in us-east-1", AWS WAF logging guidance).
	KeepNoRequests bool
	// LargeBodyRegex, when set, is a regular expression of the URL paths
	// whose request bodies may exceed 8 KB: the core rule set's
	// SizeRestrictions_BODY then only counts (it labels the request), and a
	// rule after the managed groups blocks a labelled request on any other
	// path. Empty: every body over 8 KB is blocked.
	LargeBodyRegex string
	// AppGate, when it has minimums, answers an app older than its
	// platform's minimum with 426 and a JSON body (REGIONAL only: the API).
	AppGate components.AppGate
	// Attestation, when on, runs Bot Control at its targeted level (which
	// labels every request by its AWS WAF token) and counts or blocks the
	// requests whose token is absent or rejected (REGIONAL only).
	Attestation components.Attestation
	// TokenDomains are the domains whose tokens the ACL accepts besides the
	// request's own host; a domain covers its subdomains, so the stack's
	// domain lets a token follow the app from one region to another.
	TokenDomains []string
}

// Bot Control, the managed group that labels requests by their AWS WAF
// token (AWS WAF developer guide, "Types of token labels": only the bot and
// fraud control groups apply token labels). Targeted, whose rules also act
// on token-less sessions (after five requests), where the common level
// manages no token requirement ("Blocking requests that don't have a valid
// AWS WAF token"). 50 WCU ("AWS WAF Bot Control rule group").
const (
	BotControlGroup      = "AWSManagedRulesBotControlRuleSet"
	botControlInspection = "TARGETED"
	tokenAbsentLabel     = "awswaf:managed:token:absent"
	tokenRejectedLabel   = "awswaf:managed:token:rejected"
	attestationBodyKey   = "attestation-required"
	headersBodyKey       = "app-headers-required"
)

// bodySizeLabel is the label the core rule set puts on a request whose body
// is over 8 KB (AWS WAF developer guide, "Core rule set (CRS) managed rule
// group": SizeRestrictions_BODY).
const bodySizeLabel = "awswaf:managed:aws:core-rule-set:SizeRestrictions_Body"

// NewWebFirewall builds the web ACL, its logging and its association. Pass
// the region's provider in opts.
func NewWebFirewall(ctx *pulumi.Context, name string, args WebFirewallArgs, opts ...pulumi.ResourceOption) (*WebFirewall, error) {
	components.Default(&args.Scope, "REGIONAL")
	switch {
	case args.Scope != "REGIONAL" && args.Scope != "CLOUDFRONT":
		return nil, fmt.Errorf("waf %s: Scope %q is not REGIONAL or CLOUDFRONT", name, args.Scope)
	case args.Scope == "REGIONAL" && args.LoadBalancerArn == nil:
		return nil, fmt.Errorf("waf %s: LoadBalancerArn is required", name)
	}
	w := &WebFirewall{}
	if err := ctx.RegisterComponentResource("mobile-backend:aws:WebFirewall", name, w, opts...); err != nil {
		return nil, err
	}
	components.Default(&args.Mode, components.DefaultWAFMode)
	components.Default(&args.RateLimit, components.DefaultRateLimit)
	components.Default(&args.LogRetentionDays, components.DefaultLogRetentionDays)
	child := pulumi.Parent(w)

	acl, err := wafv2.NewWebAcl(ctx, name+"-acl", &wafv2.WebAclArgs{
		// Named like its metric: CloudWatch's AWS/WAFV2 metrics carry the
		// ACL's metric name in their WebACL dimension, which the alarms and
		// the dashboard address by the ACL's name.
		Name:          pulumi.String(metricName(name, "acl")),
		Description:   pulumi.Sprintf("mobile-backend %s: managed rules, rate limit, geo-block", name),
		Scope:         pulumi.String(args.Scope),
		DefaultAction: &wafv2.WebAclDefaultActionArgs{Allow: &wafv2.WebAclDefaultActionAllowArgs{}},
		Rules:         webACLRules(name, args),
		// One body per gated platform (the gate's rules name them), and
		// the attestation's.
		CustomResponseBodies: gateBodies(args),
		TokenDomains:         tokenDomains(args),
		VisibilityConfig: &wafv2.WebAclVisibilityConfigArgs{
			CloudwatchMetricsEnabled: pulumi.Bool(true),
			MetricName:               pulumi.String(metricName(name, "acl")),
			SampledRequestsEnabled:   pulumi.Bool(!args.KeepNoRequests),
		},
	}, child)
	if err != nil {
		return nil, fmt.Errorf("waf %s: %w", name, err)
	}
	w.ACLArn = acl.Arn
	w.ACLName = acl.Name
	w.IntegrationURL = acl.ApplicationIntegrationUrl
	if args.KeepNoRequests {
		w.LogGroupName = pulumi.String("").ToStringOutput()
		return w, ctx.RegisterResourceOutputs(w, pulumi.Map{"aclArn": w.ACLArn, "aclName": w.ACLName, "logGroupName": w.LogGroupName, "integrationUrl": w.IntegrationURL})
	}
	// WAF only delivers to log groups whose name starts with aws-waf-logs-.
	logs, err := cloudwatch.NewLogGroup(ctx, name+"-waf-logs", &cloudwatch.LogGroupArgs{
		Name:            pulumi.String("aws-waf-logs-" + name),
		RetentionInDays: pulumi.Int(args.LogRetentionDays),
		KmsKeyId:        args.LogKeyArn,
	}, child)
	if err != nil {
		return nil, err
	}
	if _, err := wafv2.NewWebAclLoggingConfiguration(ctx, name+"-waf-logging", &wafv2.WebAclLoggingConfigurationArgs{
		ResourceArn:           acl.Arn,
		LogDestinationConfigs: pulumi.StringArray{logs.Arn},
		// Bearer tokens must never reach the logs.
		RedactedFields: wafv2.WebAclLoggingConfigurationRedactedFieldArray{
			&wafv2.WebAclLoggingConfigurationRedactedFieldArgs{
				SingleHeader: &wafv2.WebAclLoggingConfigurationRedactedFieldSingleHeaderArgs{Name: pulumi.String("authorization")},
			},
		},
	}, child); err != nil {
		return nil, err
	}
	// A distribution names its ACL itself; a load balancer is associated.
	if args.Scope == "REGIONAL" {
		if _, err := wafv2.NewWebAclAssociation(ctx, name+"-waf-association", &wafv2.WebAclAssociationArgs{
			ResourceArn: args.LoadBalancerArn,
			WebAclArn:   acl.Arn,
		}, child); err != nil {
			return nil, err
		}
	}

	w.LogGroupName = logs.Name
	return w, ctx.RegisterResourceOutputs(w, pulumi.Map{"aclArn": w.ACLArn, "aclName": w.ACLName, "logGroupName": w.LogGroupName, "integrationUrl": w.IntegrationURL})
}

// webACLRules are the ACL's rules in priority order.
func webACLRules(name string, args WebFirewallArgs) wafv2.WebAclRuleArray {
	visibility := func(rule string) *wafv2.WebAclRuleVisibilityConfigArgs {
		return &wafv2.WebAclRuleVisibilityConfigArgs{
			CloudwatchMetricsEnabled: pulumi.Bool(true),
			MetricName:               pulumi.String(metricName(name, rule)),
			SampledRequestsEnabled:   pulumi.Bool(!args.KeepNoRequests),
		}
	}
	// In count mode every rule only counts: custom rules through their action,
	// managed groups through the override action.
	action := &wafv2.WebAclRuleActionArgs{Block: &wafv2.WebAclRuleActionBlockArgs{}}
	override := &wafv2.WebAclRuleOverrideActionArgs{None: &wafv2.WebAclRuleOverrideActionNoneArgs{}}
	if args.Mode == components.WAFCount {
		action = &wafv2.WebAclRuleActionArgs{Count: &wafv2.WebAclRuleActionCountArgs{}}
		override = &wafv2.WebAclRuleOverrideActionArgs{Count: &wafv2.WebAclRuleOverrideActionCountArgs{}}
	}

	var rules wafv2.WebAclRuleArray
	if len(args.GeoBlock) > 0 {
		rules = append(rules, &wafv2.WebAclRuleArgs{
			Name:     pulumi.String("geo-block"),
			Priority: pulumi.Int(0),
			Action:   action,
			Statement: &wafv2.WebAclRuleStatementArgs{
				GeoMatchStatement: &wafv2.WebAclRuleStatementGeoMatchStatementArgs{
					CountryCodes: pulumi.ToStringArray(args.GeoBlock),
				},
			},
			VisibilityConfig: visibility("geo-block"),
		})
	}
	rules = append(rules, &wafv2.WebAclRuleArgs{
		Name:     pulumi.String("rate-limit"),
		Priority: pulumi.Int(1),
		Action:   action,
		Statement: &wafv2.WebAclRuleStatementArgs{
			RateBasedStatement: &wafv2.WebAclRuleStatementRateBasedStatementArgs{
				Limit:               pulumi.Int(args.RateLimit),
				AggregateKeyType:    pulumi.String("IP"),
				EvaluationWindowSec: pulumi.Int(RateWindowSeconds),
			},
		},
		VisibilityConfig: visibility("rate-limit"),
	})
	rules = append(rules, gateRules(args, visibility)...)
	rules = append(rules, headerRules(args, visibility)...)
	for i, group := range ManagedRuleGroups {
		statement := &wafv2.WebAclRuleStatementManagedRuleGroupStatementArgs{
			VendorName: pulumi.String("AWS"),
			Name:       pulumi.String(group),
		}
		if group == "AWSManagedRulesCommonRuleSet" && args.LargeBodyRegex != "" {
			statement.RuleActionOverrides = wafv2.WebAclRuleStatementManagedRuleGroupStatementRuleActionOverrideArray{
				&wafv2.WebAclRuleStatementManagedRuleGroupStatementRuleActionOverrideArgs{
					Name: pulumi.String("SizeRestrictions_BODY"),
					ActionToUse: &wafv2.WebAclRuleStatementManagedRuleGroupStatementRuleActionOverrideActionToUseArgs{
						Count: &wafv2.WebAclRuleStatementManagedRuleGroupStatementRuleActionOverrideActionToUseCountArgs{},
					},
				},
			}
		}
		rules = append(rules, &wafv2.WebAclRuleArgs{
			Name:             pulumi.String(group),
			Priority:         pulumi.Int(10 + i),
			OverrideAction:   override,
			Statement:        &wafv2.WebAclRuleStatementArgs{ManagedRuleGroupStatement: statement},
			VisibilityConfig: visibility(group),
		})
	}
	rules = append(rules, attestationRules(args, visibility)...)
	if args.LargeBodyRegex != "" {
		// Oversized bodies stay blocked everywhere but on the named paths:
		// AND(labelled by SizeRestrictions_BODY, NOT(path matches)), three
		// levels, the most a typed rule may nest (wafv2.WebAcl ruleJson doc).
		rules = append(rules, &wafv2.WebAclRuleArgs{
			Name:     pulumi.String("body-size-outside-large-body-paths"),
			Priority: pulumi.Int(20),
			Action:   action,
			Statement: &wafv2.WebAclRuleStatementArgs{AndStatement: &wafv2.WebAclRuleStatementAndStatementArgs{
				Statements: wafv2.WebAclRuleStatementArray{
					&wafv2.WebAclRuleStatementArgs{LabelMatchStatement: &wafv2.WebAclRuleStatementLabelMatchStatementArgs{
						Scope: pulumi.String("LABEL"), Key: pulumi.String(bodySizeLabel),
					}},
					&wafv2.WebAclRuleStatementArgs{NotStatement: &wafv2.WebAclRuleStatementNotStatementArgs{
						Statements: wafv2.WebAclRuleStatementArray{&wafv2.WebAclRuleStatementArgs{
							RegexMatchStatement: &wafv2.WebAclRuleStatementRegexMatchStatementArgs{
								RegexString:  pulumi.String(args.LargeBodyRegex),
								FieldToMatch: &wafv2.WebAclRuleStatementRegexMatchStatementFieldToMatchArgs{UriPath: &wafv2.WebAclRuleStatementRegexMatchStatementFieldToMatchUriPathArgs{}},
								TextTransformations: wafv2.WebAclRuleStatementRegexMatchStatementTextTransformationArray{
									&wafv2.WebAclRuleStatementRegexMatchStatementTextTransformationArgs{Priority: pulumi.Int(0), Type: pulumi.String("NONE")},
								},
							},
						}},
					}},
				},
			}},
			VisibilityConfig: visibility("body-size"),
		})
	}
	return rules
}

// metricName is a CloudWatch metric name for a rule: letters, digits, hyphens
// and underscores, at most 128 characters.
func metricName(name, rule string) string { return fit(name+"-"+rule, 128) }

// gateKey is the custom response body of a platform's gate.
func gateKey(platform string) string { return "upgrade-required-" + platform }

func gateBodies(args WebFirewallArgs) wafv2.WebAclCustomResponseBodyArray {
	if args.Scope == "CLOUDFRONT" {
		return nil
	}
	var out wafv2.WebAclCustomResponseBodyArray
	if args.AppGate.RequireHeaders {
		out = append(out, &wafv2.WebAclCustomResponseBodyArgs{
			Key: pulumi.String(headersBodyKey), ContentType: pulumi.String("APPLICATION_JSON"), Content: pulumi.String(args.AppGate.HeadersBody()),
		})
	}
	if args.Attestation.Enforced() {
		out = append(out, &wafv2.WebAclCustomResponseBodyArgs{
			Key: pulumi.String(attestationBodyKey), ContentType: pulumi.String("APPLICATION_JSON"), Content: pulumi.String(args.Attestation.Body()),
		})
	}
	for _, p := range args.AppGate.Platforms() {
		out = append(out, &wafv2.WebAclCustomResponseBodyArgs{
			Key: pulumi.String(gateKey(p)), ContentType: pulumi.String("APPLICATION_JSON"), Content: pulumi.String(args.AppGate.Body(p)),
		})
	}
	return out
}

// gateRules turn away outdated apps, after the geo-block and the rate limit
// and before the managed groups: AND(the platform header is the platform,
// lower-cased; the version header matches components.OlderThan). Single
// header names must be lower case (wafv2.WebAcl SDK doc).
func gateRules(args WebFirewallArgs, visibility func(string) *wafv2.WebAclRuleVisibilityConfigArgs) wafv2.WebAclRuleArray {
	if args.Scope == "CLOUDFRONT" || !args.AppGate.Enabled() {
		return nil
	}
	var rules wafv2.WebAclRuleArray
	for i, m := range args.AppGate.Matchers() {
		p := m.Platform
		rules = append(rules, &wafv2.WebAclRuleArgs{
			Name:     pulumi.String(components.GateRule(p)),
			Priority: pulumi.Int(2 + i),
			Action:   refuse(components.UpgradeRequiredStatus, gateKey(p), args.Mode == components.WAFCount),
			Statement: &wafv2.WebAclRuleStatementArgs{AndStatement: &wafv2.WebAclRuleStatementAndStatementArgs{
				Statements: wafv2.WebAclRuleStatementArray{
					&wafv2.WebAclRuleStatementArgs{ByteMatchStatement: &wafv2.WebAclRuleStatementByteMatchStatementArgs{
						SearchString:         pulumi.String(p),
						PositionalConstraint: pulumi.String("EXACTLY"),
						FieldToMatch: &wafv2.WebAclRuleStatementByteMatchStatementFieldToMatchArgs{
							SingleHeader: &wafv2.WebAclRuleStatementByteMatchStatementFieldToMatchSingleHeaderArgs{Name: pulumi.String(strings.ToLower(m.PlatformHeader))},
						},
						TextTransformations: wafv2.WebAclRuleStatementByteMatchStatementTextTransformationArray{
							&wafv2.WebAclRuleStatementByteMatchStatementTextTransformationArgs{Priority: pulumi.Int(0), Type: pulumi.String("LOWERCASE")},
						},
					}},
					&wafv2.WebAclRuleStatementArgs{RegexMatchStatement: &wafv2.WebAclRuleStatementRegexMatchStatementArgs{
						RegexString: pulumi.String(m.Older),
						FieldToMatch: &wafv2.WebAclRuleStatementRegexMatchStatementFieldToMatchArgs{
							SingleHeader: &wafv2.WebAclRuleStatementRegexMatchStatementFieldToMatchSingleHeaderArgs{Name: pulumi.String(strings.ToLower(m.VersionHeader))},
						},
						TextTransformations: wafv2.WebAclRuleStatementRegexMatchStatementTextTransformationArray{
							&wafv2.WebAclRuleStatementRegexMatchStatementTextTransformationArgs{Priority: pulumi.Int(0), Type: pulumi.String("NONE")},
						},
					}},
				},
			}},
			VisibilityConfig: visibility(components.GateRule(p)),
		})
	}
	return rules
}

// tokenDomains: none unless attestation is on (the ACL then accepts the
// stack's domain and its subdomains).
func tokenDomains(args WebFirewallArgs) pulumi.StringArrayInput {
	if args.Scope == "CLOUDFRONT" || !args.Attestation.On() || len(args.TokenDomains) == 0 {
		return nil
	}
	return pulumi.ToStringArray(args.TokenDomains)
}

// attestationRules run after the other managed groups (Bot Control is
// priced per request it inspects): Bot Control, targeted, scoped away from
// the health checks' path, then a rule on its token labels. Bot Control's
// own rules only ever count: a genuine app's HTTP client is a non-browser
// user agent, which SignalNonBrowserUserAgent and CategoryHttpLibrary block
// by default (AWS WAF developer guide, "Bot Control rule group": "mobile
// apps typically have non-browser user agents"), and the group runs before
// the token rule, so an app with a valid token would get a plain 403. The
// group still labels every request (a count keeps the labels). In monitor
// the token rule counts what enforce would refuse; in enforce a request
// without a valid token is refused with 403 and a JSON body.
func attestationRules(args WebFirewallArgs, visibility func(string) *wafv2.WebAclRuleVisibilityConfigArgs) wafv2.WebAclRuleArray {
	a := args.Attestation
	if args.Scope == "CLOUDFRONT" || !a.On() {
		return nil
	}
	counting := !a.Enforced() || args.Mode == components.WAFCount
	override := &wafv2.WebAclRuleOverrideActionArgs{Count: &wafv2.WebAclRuleOverrideActionCountArgs{}}
	group := &wafv2.WebAclRuleStatementManagedRuleGroupStatementArgs{
		VendorName: pulumi.String("AWS"),
		Name:       pulumi.String(BotControlGroup),
		ManagedRuleGroupConfigs: wafv2.WebAclRuleStatementManagedRuleGroupStatementManagedRuleGroupConfigArray{
			&wafv2.WebAclRuleStatementManagedRuleGroupStatementManagedRuleGroupConfigArgs{
				AwsManagedRulesBotControlRuleSet: &wafv2.WebAclRuleStatementManagedRuleGroupStatementManagedRuleGroupConfigAwsManagedRulesBotControlRuleSetArgs{
					InspectionLevel: pulumi.String(botControlInspection),
				},
			},
		},
	}
	if exempt := exemptPaths(a.ExemptPath, a.PublicPrefixes); exempt != nil {
		// Requests the group does not evaluate get no token label, so the
		// label rule below passes them too.
		group.ScopeDownStatement = &wafv2.WebAclRuleStatementManagedRuleGroupStatementScopeDownStatementArgs{
			NotStatement: &wafv2.WebAclRuleStatementManagedRuleGroupStatementScopeDownStatementNotStatementArgs{
				Statements: wafv2.WebAclRuleStatementArray{exempt},
			},
		}
	}
	label := func(key string) *wafv2.WebAclRuleStatementArgs {
		return &wafv2.WebAclRuleStatementArgs{LabelMatchStatement: &wafv2.WebAclRuleStatementLabelMatchStatementArgs{
			Scope: pulumi.String("LABEL"), Key: pulumi.String(key),
		}}
	}
	return wafv2.WebAclRuleArray{
		&wafv2.WebAclRuleArgs{
			Name:             pulumi.String(BotControlGroup),
			Priority:         pulumi.Int(10 + len(ManagedRuleGroups)),
			OverrideAction:   override,
			Statement:        &wafv2.WebAclRuleStatementArgs{ManagedRuleGroupStatement: group},
			VisibilityConfig: visibility(BotControlGroup),
		},
		&wafv2.WebAclRuleArgs{
			Name:     pulumi.String(components.AttestationRule),
			Priority: pulumi.Int(11 + len(ManagedRuleGroups)),
			Action:   refuse(403, attestationBodyKey, counting),
			Statement: &wafv2.WebAclRuleStatementArgs{OrStatement: &wafv2.WebAclRuleStatementOrStatementArgs{
				Statements: wafv2.WebAclRuleStatementArray{label(tokenAbsentLabel), label(tokenRejectedLabel)},
			}},
			VisibilityConfig: visibility(components.AttestationRule),
		},
	}
}

// headerRules refuse, with 400 and a JSON body, an API request that lacks
// one of the gate's headers, but for the exempt path: AND(NOT(path is the
// exempt path), NOT(header size > 0)). A statement on a component the
// request lacks does not match ("Request components in AWS WAF"), so the
// NOT holds for a missing or empty header, as in the guide's "Rate limit
// the requests that are missing a specific header". They follow the
// version rules, before the managed groups.
func headerRules(args WebFirewallArgs, visibility func(string) *wafv2.WebAclRuleVisibilityConfigArgs) wafv2.WebAclRuleArray {
	if args.Scope == "CLOUDFRONT" {
		return nil
	}
	var rules wafv2.WebAclRuleArray
	for i, h := range args.AppGate.RequiredHeaders() {
		present := &wafv2.WebAclRuleStatementArgs{SizeConstraintStatement: &wafv2.WebAclRuleStatementSizeConstraintStatementArgs{
			ComparisonOperator: pulumi.String("GT"), Size: pulumi.Int(0),
			FieldToMatch: &wafv2.WebAclRuleStatementSizeConstraintStatementFieldToMatchArgs{
				SingleHeader: &wafv2.WebAclRuleStatementSizeConstraintStatementFieldToMatchSingleHeaderArgs{Name: pulumi.String(strings.ToLower(h[1]))},
			},
			TextTransformations: wafv2.WebAclRuleStatementSizeConstraintStatementTextTransformationArray{
				&wafv2.WebAclRuleStatementSizeConstraintStatementTextTransformationArgs{Priority: pulumi.Int(0), Type: pulumi.String("NONE")},
			},
		}}
		not := func(st *wafv2.WebAclRuleStatementArgs) *wafv2.WebAclRuleStatementArgs {
			return &wafv2.WebAclRuleStatementArgs{NotStatement: &wafv2.WebAclRuleStatementNotStatementArgs{Statements: wafv2.WebAclRuleStatementArray{st}}}
		}
		statement := not(present)
		if exempt := exemptPaths(args.AppGate.ExemptPath, args.AppGate.PublicPrefixes); exempt != nil {
			statement = &wafv2.WebAclRuleStatementArgs{AndStatement: &wafv2.WebAclRuleStatementAndStatementArgs{
				Statements: wafv2.WebAclRuleStatementArray{not(exempt), not(present)},
			}}
		}
		rules = append(rules, &wafv2.WebAclRuleArgs{
			Name:             pulumi.String(components.HeaderRule(h[0])),
			Priority:         pulumi.Int(4 + i),
			Action:           refuse(400, headersBodyKey, args.Mode == components.WAFCount),
			Statement:        statement,
			VisibilityConfig: visibility(components.HeaderRule(h[0])),
		})
	}
	return rules
}

// refuse is an app rule's action: block with a status and one of the ACL's
// custom bodies, or only count.
func refuse(status int, bodyKey string, counting bool) *wafv2.WebAclRuleActionArgs {
	if counting {
		return &wafv2.WebAclRuleActionArgs{Count: &wafv2.WebAclRuleActionCountArgs{}}
	}
	return &wafv2.WebAclRuleActionArgs{Block: &wafv2.WebAclRuleActionBlockArgs{
		CustomResponse: &wafv2.WebAclRuleActionBlockCustomResponseArgs{
			ResponseCode: pulumi.Int(status), CustomResponseBodyKey: pulumi.String(bodyKey),
		},
	}}
}

// exemptPaths matches the paths the app rules exempt: exactly the health
// checks' path, or one that starts with a public prefix (webhooks); nil for
// none. Nested as AND(NOT(OR(…)), …): within the web ACL's nesting limit.
func exemptPaths(exact string, prefixes []string) *wafv2.WebAclRuleStatementArgs {
	var sts wafv2.WebAclRuleStatementArray
	if exact != "" {
		sts = append(sts, exactPath(exact))
	}
	for _, p := range prefixes {
		sts = append(sts, pathMatch(p, "STARTS_WITH"))
	}
	switch len(sts) {
	case 0:
		return nil
	case 1:
		return sts[0].(*wafv2.WebAclRuleStatementArgs)
	}
	return &wafv2.WebAclRuleStatementArgs{OrStatement: &wafv2.WebAclRuleStatementOrStatementArgs{Statements: sts}}
}

// exactPath matches a request for exactly this URI path (the health
// checks' path, which the app rules exempt).
func exactPath(path string) *wafv2.WebAclRuleStatementArgs { return pathMatch(path, "EXACTLY") }

// pathMatch matches the URI path against a string, EXACTLY or STARTS_WITH,
// as the app will see it: URL-decoded, then with dot segments and double
// slashes resolved (NORMALIZE_PATH), so /webhooks/../admin or
// /webhooks/%2e%2e/admin does not pass as a public path.
func pathMatch(path, constraint string) *wafv2.WebAclRuleStatementArgs {
	return &wafv2.WebAclRuleStatementArgs{ByteMatchStatement: &wafv2.WebAclRuleStatementByteMatchStatementArgs{
		SearchString:         pulumi.String(path),
		PositionalConstraint: pulumi.String(constraint),
		FieldToMatch:         &wafv2.WebAclRuleStatementByteMatchStatementFieldToMatchArgs{UriPath: &wafv2.WebAclRuleStatementByteMatchStatementFieldToMatchUriPathArgs{}},
		TextTransformations: wafv2.WebAclRuleStatementByteMatchStatementTextTransformationArray{
			&wafv2.WebAclRuleStatementByteMatchStatementTextTransformationArgs{Priority: pulumi.Int(0), Type: pulumi.String("URL_DECODE")},
			&wafv2.WebAclRuleStatementByteMatchStatementTextTransformationArgs{Priority: pulumi.Int(1), Type: pulumi.String("NORMALIZE_PATH")},
		},
	}}
}
