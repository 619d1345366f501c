package suite

import (
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mobile-backend/mobile-backend/components"
	"github.com/mobile-backend/mobile-backend/internal/mock"
	"github.com/mobile-backend/mobile-backend/policies"
)

var appIDs = map[string]string{"ios": "com.example.app", "android": "com.example.android"}

func attested(cloud, mode string, regions ...string) map[string]any {
	return With(Contract(cloud, "active-active", regions...),
		"appAttestation", mode, "appIds", appIDs, "healthCheckPath", "/healthz")
}

// withoutRule is a copy of a stack whose WAF policies of a type lack the
// rule whose field (name or description) is name.
func withoutRule(t *testing.T, s policies.Stack, typ, list, field, name string) policies.Stack {
	t.Helper()
	out := policies.Stack{Spec: s.Spec}
	for _, r := range s.Resources {
		if r.Type == typ {
			r = cloneResource(t, r)
			var kept []any
			for _, rule := range r.Get(list).([]any) {
				if rule.(map[string]any)[field] != name {
					kept = append(kept, rule)
				}
			}
			setPath(r.Inputs, list, kept)
		}
		out.Resources = append(out.Resources, r)
	}
	return out
}

// rulesByName indexes a resource's rule list by the field that names a rule.
func rulesByName(r *mock.Resource, list, field string) map[string]string {
	out := map[string]string{}
	for i := 0; i < r.Len(list); i++ {
		out[r.Str(list+"."+itoa(i)+"."+field)] = list + "." + itoa(i)
	}
	return out
}

func TestAWSAttestationCountsOrBlocksRequestsWithoutAValidWAFToken(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{"monitor", "enforce"} {
		res := MustPlan(t, "attest-"+mode, attested("aws", mode, "us-east-1", "eu-west-1"))
		regional := 0
		for _, acl := range res.Recorder.OfType(TypeACL) {
			rules := rulesByName(acl, "rules", "name")
			if acl.Str("scope") == "CLOUDFRONT" {
				assert.NotContains(t, rules, components.AttestationRule, "the static edge serves the directory to every client")
				continue
			}
			regional++
			assert.Equal(t, []any{"api.example.com"}, acl.Get("tokenDomains"), "a token from one region's endpoint is valid at the others (subdomains)")
			bot, ok := rules["AWSManagedRulesBotControlRuleSet"]
			require.True(t, ok, "%s: Bot Control applies the token labels", acl.Name)
			group := bot + ".statement.managedRuleGroupStatement"
			assert.Equal(t, "TARGETED", acl.Str(group+".managedRuleGroupConfigs.0.awsManagedRulesBotControlRuleSet.inspectionLevel"), "the common level manages no tokens")
			exempt := group + ".scopeDownStatement.notStatement.statements.0.byteMatchStatement"
			assert.Equal(t, "/healthz", acl.Str(exempt+".searchString"), "health checks carry no token")
			assert.Equal(t, "EXACTLY", acl.Str(exempt+".positionalConstraint"))
			assert.NotNil(t, acl.Get(exempt+".fieldToMatch.uriPath"))

			rule, ok := rules[components.AttestationRule]
			require.True(t, ok)
			assert.Greater(t, acl.Int(rule+".priority"), acl.Int(bot+".priority"), "the label rule reads what Bot Control labelled")
			var labels []string
			for i := 0; i < acl.Len(rule+".statement.orStatement.statements"); i++ {
				labels = append(labels, acl.Str(rule+".statement.orStatement.statements."+itoa(i)+".labelMatchStatement.key"))
			}
			assert.ElementsMatch(t, []string{"awswaf:managed:token:absent", "awswaf:managed:token:rejected"}, labels)
			// Bot Control's own rules never block: they would refuse a
			// genuine app's non-browser user agent (okhttp, CFNetwork)
			// before the token rule reads its valid token.
			assert.NotNil(t, acl.Get(bot+".overrideAction.count"), "%s: Bot Control only labels", mode)
			assert.Nil(t, acl.Get(bot+".overrideAction.none"), mode)
			if mode == "monitor" {
				assert.NotNil(t, acl.Get(rule+".action.count"), "monitor counts what enforce would refuse")
				assert.Zero(t, acl.Len("customResponseBodies"))
			} else {
				assert.EqualValues(t, 403, acl.Int(rule+".action.block.customResponse.responseCode"))
				assert.Equal(t, "attestation-required", acl.Str(rule+".action.block.customResponse.customResponseBodyKey"))
				assert.JSONEq(t, `{"error":"attestation_required"}`, acl.Str("customResponseBodies.0.content"))
			}
		}
		assert.Equal(t, 2, regional, "every region's ACL")
		urls, _ := res.Outputs["attestation"].(map[string]any)
		assert.Equal(t, mode, urls["mode"])
		ByRegion, _ := urls["integrationUrls"].(map[string]any)
		assert.Len(t, ByRegion, 2, "the SDK's token endpoint of each region")
		assert.Contains(t, ByRegion["eu-west-1"], ".eu-west-1.sdk.awswaf.com/")
	}
}

func TestGoogleCloudAttestationEvaluatesReCAPTCHAActionTokensFromKeysPerApp(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{"monitor", "enforce"} {
		res := MustPlan(t, "attest-"+mode, attested("gcp", mode, "us-central1", "europe-west1"))
		keys := res.Recorder.OfType("gcp:recaptcha/enterpriseKey:EnterpriseKey")
		require.Len(t, keys, 2, "one key per app")
		api := ""
		for _, s := range res.Recorder.OfType("gcp:projects/service:Service") {
			if s.Str("service") == "recaptchaenterprise.googleapis.com" {
				api = s.URN
			}
		}
		require.NotEmpty(t, api, "the reCAPTCHA Enterprise API is enabled")
		for _, k := range keys {
			assert.Equal(t, "ACTION_TOKEN", k.Str("wafSettings.wafFeature"), "the one feature Cloud Armor takes from mobile apps")
			assert.Equal(t, "CA", k.Str("wafSettings.wafService"))
			assert.Contains(t, k.DependsOn, api, "%s waits for its API", k.Name)
			if strings.HasSuffix(k.Name, "-ios") {
				assert.Equal(t, []any{"com.example.app"}, k.Get("iosSettings.allowedBundleIds"))
				assert.Nil(t, k.Get("androidSettings"))
			} else {
				assert.Equal(t, []any{"com.example.android"}, k.Get("androidSettings.allowedPackageNames"))
			}
		}
		armor := One(t, res.Recorder.OfType(TypeArmor), "Cloud Armor policy")
		rule := rulesByName(armor, "rules", "description")[components.AttestationRule]
		require.NotEmpty(t, rule)
		assert.Equal(t, "request.path != '/healthz' && !token.recaptcha_action.valid", armor.Str(rule+".match.expr.expression"))
		assert.Equal(t, "deny(403)", armor.Str(rule+".action"))
		var linked []any
		for _, k := range keys {
			linked = append(linked, k.Outputs["name"])
		}
		assert.ElementsMatch(t, linked, armor.Get(rule+".match.exprOptions.recaptchaOptions.actionTokenSiteKeys"), "a token of another key is invalid")
		assert.Equal(t, mode == "monitor", armor.Bool(rule+".preview"), "monitor previews")
		gate := rulesByName(armor, "rules", "description")
		assert.Less(t, armor.Int(rule+".priority"), armor.Int(gate["sqli-v33-stable"]+".priority"))

		out, _ := res.Outputs["attestation"].(map[string]any)
		assert.Equal(t, "X-Recaptcha-Token", out["header"])
		siteKeys, _ := out["siteKeys"].(map[string]string)
		assert.Len(t, siteKeys, 2)
		assert.Len(t, siteKeys["ios"], 40, "a site key, not the resource's name")
	}
}

func TestAzureAttestationRequiresTheHeaderAtFrontDoorAndTellsTheOriginToVerifyIt(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{"monitor", "enforce"} {
		res := MustPlan(t, "attest-"+mode, attested("azure", mode, "northeurope", "westeurope"))
		policy := One(t, res.Recorder.OfType(TypeAzWAF), "Front Door WAF policy")
		var sets []string
		for i := 0; i < policy.Len("managedRules.managedRuleSets"); i++ {
			sets = append(sets, policy.Str("managedRules.managedRuleSets."+itoa(i)+".ruleSetType"))
		}
		assert.Contains(t, sets, "Microsoft_BotManagerRuleSet")
		rule := rulesByName(policy, "customRules.rules", "name")["AppAttestation"]
		require.NotEmpty(t, rule)
		assert.Equal(t, map[string]string{"monitor": "Log", "enforce": "Block"}[mode], policy.Str(rule+".action"))
		conds := rule + ".matchConditions."
		assert.Equal(t, "Host", policy.Str(conds+"0.selector"))
		assert.True(t, policy.Bool(conds+"0.negateCondition"), "static content is for every client")
		assert.Equal(t, "RequestUri", policy.Str(conds+"1.matchVariable"))
		assert.True(t, policy.Bool(conds+"1.negateCondition"))
		exempt := regexp.MustCompile(policy.Str(conds + "1.matchValue.0"))
		for uri, matches := range map[string]bool{"/healthz": true, "https://westeurope.api.example.com/healthz": true, "/healthz?probe=1": true, "/healthzz": false, "/v1/healthz": false} {
			assert.Equal(t, matches, exempt.MatchString(uri), uri)
		}
		assert.Equal(t, "X-App-Attestation", policy.Str(conds+"2.selector"))
		assert.True(t, policy.Bool(conds+"2.negateCondition"), "the header is absent")
		assert.False(t, regexp.MustCompile(policy.Str(conds+"2.matchValue.0")).MatchString(""), "an empty header counts as absent")

		for _, app := range res.Recorder.OfType("azure-native:app/v20240301:ContainerApp") {
			env := ContainerEnv(app, "template.containers.0.env")
			if _, api := env["ROLE"]; !api {
				continue // the failover job's and the users job's containers
			}
			assert.Equal(t, mode, env["APP_ATTESTATION"], app.Name)
			assert.Equal(t, "X-App-Attestation", env["APP_ATTESTATION_HEADER"])
			assert.Equal(t, "com.example.app", env["APP_IDS_IOS"])
		}
	}
}

func TestAttestationOffAddsNothing(t *testing.T) {
	t.Parallel()
	for _, file := range []string{"../../Pulumi.staging.yaml", "../../Pulumi.gcp-staging.yaml", "../../Pulumi.azure-staging.yaml"} {
		t.Run(filepath.Base(file), func(t *testing.T) {
			res := PlanFile(t, file)
			assert.Empty(t, res.Recorder.OfType("gcp:recaptcha/enterpriseKey:EnterpriseKey"), file)
			for _, acl := range res.Recorder.OfType(TypeACL) {
				assert.NotContains(t, rulesByName(acl, "rules", "name"), "AWSManagedRulesBotControlRuleSet", file)
				assert.Nil(t, acl.Get("tokenDomains"))
			}
			for _, typ := range []string{TypeArmor, TypeAzWAF} {
				for _, p := range res.Recorder.OfType(typ) {
					assert.NotContains(t, rulesByName(p, "rules", "description"), components.AttestationRule)
					assert.NotContains(t, rulesByName(p, "customRules.rules", "name"), "AppAttestation")
				}
			}
			out, _ := res.Outputs["attestation"].(map[string]any)
			assert.Equal(t, map[string]any{"mode": "off"}, out, file)
		})
	}
}

func TestProductionStacksGateAndPublishAndAreAdvisedToEnforceAttestation(t *testing.T) {
	t.Parallel()
	for _, file := range []string{"../../Pulumi.prod.yaml", "../../Pulumi.gcp-prod.yaml", "../../Pulumi.azure-prod.yaml"} {
		t.Run(filepath.Base(file), func(t *testing.T) {
			s := Graph(PlanFile(t, file))
			require.True(t, s.Spec.Production(), file)
			assert.Empty(t, Violations(s, policies.MobileEdge), file)
			vs := Violations(s, policies.AttestationEnforced)
			require.Len(t, vs, 1, file)
			assert.Equal(t, policies.Advisory, vs[0].Severity, "enforce is advice: only the team knows when the attesting releases are in use")
			assert.Contains(t, vs[0].Message, `appAttestation is "monitor"`)
			// Monitor's counting rules are the attestation policy's, not waf-enforcing's.
			assert.Empty(t, Violations(s, policies.WAFEnforcing), file)
		})
	}

	type mandatory struct {
		name   string
		stack  func(t *testing.T) policies.Stack
		policy policies.Policy
		want   string
	}
	prod := func(t *testing.T) policies.Stack { return Graph(PlanFile(t, "../../Pulumi.prod.yaml")) }
	gcp := func(t *testing.T) policies.Stack { return Graph(PlanFile(t, "../../Pulumi.gcp-prod.yaml")) }
	az := func(t *testing.T) policies.Stack { return Graph(PlanFile(t, "../../Pulumi.azure-prod.yaml")) }
	cases := []mandatory{
		{"no gate", func(t *testing.T) policies.Stack {
			ungated := prod(t)
			ungated.Spec.App.Minimums = nil
			return ungated
		}, policies.MobileEdge, `no minAppVersions: an app version the backend no longer supports is not turned away (environment "prod")`},
		{"an ACL without the iOS rule", func(t *testing.T) policies.Stack {
			return withoutRule(t, prod(t), TypeACL, "rules", "name", "app-version-ios")
		}, policies.WAFOnEveryEntry, "WAF has no minimum-version rule for ios (minAppVersions.ios)"},
		{"Cloud Armor without the Android rule", func(t *testing.T) policies.Stack {
			return withoutRule(t, gcp(t), TypeArmor, "rules", "description", "app-version-android")
		}, policies.WAFOnEveryEntry, "WAF has no minimum-version rule for android"},
		{"no directory", func(t *testing.T) policies.Stack {
			return without(az(t), func(r *mock.Resource) bool {
				return IsPublisher(r)
			})
		}, policies.MobileEdge, "the region directory .well-known/mobile-backend.json is not published"},
		{"Front Door without the attestation rule", func(t *testing.T) policies.Stack {
			return withoutRule(t, az(t), TypeAzWAF, "customRules.rules", "name", "AppAttestation")
		}, policies.WAFOnEveryEntry, "WAF has no attestation rule (appAttestation is monitor)"},
		{"an ACL without the attestation rule", func(t *testing.T) policies.Stack {
			return withoutRule(t, prod(t), TypeACL, "rules", "name", components.AttestationRule)
		}, policies.WAFOnEveryEntry, "WAF has no attestation rule"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			vs := Violations(c.stack(t), c.policy)
			msgs := messagesOf(vs)
			require.True(t, slices.ContainsFunc(msgs, func(m string) bool { return strings.Contains(m, c.want) }), "%s: %v", c.name, msgs)
			for _, v := range vs {
				if strings.Contains(v.Message, c.want) {
					assert.Equal(t, policies.Mandatory, v.Severity, c.name)
				}
			}
		})
	}

	// Outside production a stack may go without a gate and attestation.
	t.Run("staging", func(t *testing.T) {
		staging := Graph(PlanFile(t, "../../Pulumi.staging.yaml"))
		require.False(t, staging.Spec.App.Enabled())
		assert.Empty(t, Violations(staging, policies.MobileEdge))
		assert.Empty(t, Violations(staging, policies.AttestationEnforced), "enforcement is advised in production only")
	})
}

func TestEveryProbeThroughTheEdgeAsksForTheExemptPath(t *testing.T) {
	t.Parallel()
	type probe struct {
		name  string
		stack func(t *testing.T, s policies.Stack) policies.Stack
		want  string
	}
	jobEnv := func(s policies.Stack) string { // the failover job's WRITER_PROBE_URL entry
		for _, r := range s.Resources {
			if r.Type == "azure-native:app/v20240301:Job" && strings.HasSuffix(r.Name, "sql-failover") {
				for i := 0; i < r.Len("template.containers.0.env"); i++ {
					if r.Str("template.containers.0.env."+itoa(i)+".name") == "WRITER_PROBE_URL" {
						return "template.containers.0.env." + itoa(i) + ".value"
					}
				}
			}
		}
		return ""
	}
	for file, probes := range map[string][]probe{
		"../../Pulumi.prod.yaml": {
			{"Route 53", func(t *testing.T, prod policies.Stack) policies.Stack {
				return mutated(t, prod, "aws:route53/healthCheck:HealthCheck", "eu-west-1", "resourcePath", "/status")
			}, "health check asks for /status, which the attestation and app-header rules check (only / is exempt)"},
			{"region watch", func(t *testing.T, prod policies.Stack) policies.Stack {
				var watch string // a region watch's definition, probing another path
				for _, r := range prod.Resources {
					if r.Type == "aws:sfn/stateMachine:StateMachine" && strings.Contains(r.Name, "eu-west-1") {
						watch = strings.Replace(r.Str("definition"), `"ApiEndpoint":"https://eu-west-1.api.example.com/"`, `"ApiEndpoint":"https://eu-west-1.api.example.com/deep"`, 1)
					}
				}
				require.Contains(t, watch, "/deep")
				return mutated(t, prod, "aws:sfn/stateMachine:StateMachine", "eu-west-1", "definition", watch)
			}, "region watch asks for /deep"},
		},
		"../../Pulumi.gcp-prod.yaml": {
			{"uptime check", func(t *testing.T, gcp policies.Stack) policies.Stack {
				return mutated(t, gcp, "gcp:monitoring/uptimeCheckConfig:UptimeCheckConfig", "", "httpCheck.path", "/ready")
			}, "uptime check asks for /ready"},
		},
		"../../Pulumi.azure-prod.yaml": {
			{"availability test", func(t *testing.T, az policies.Stack) policies.Stack {
				return mutated(t, az, "azure-native:insights:WebTest", "", "request.requestUrl", "https://api.example.com/ready")
			}, "availability test asks for /ready"},
			{"failover job", func(t *testing.T, az policies.Stack) policies.Stack {
				require.NotEmpty(t, jobEnv(az))
				return mutated(t, az, "azure-native:app/v20240301:Job", "sql-failover", jobEnv(az), "https://eastus2.api.example.com/ready?deep=1")
			}, "failover job asks for /ready"},
		},
	} {
		t.Run(filepath.Base(file), func(t *testing.T) {
			s := Graph(PlanFile(t, file))
			require.True(t, s.Spec.Attestation.On())
			assert.Empty(t, Violations(s, policies.ProbesExempt), s.Spec.Stack)
			for _, p := range probes {
				assert.Contains(t, strings.Join(messagesOf(Violations(p.stack(t, s), policies.ProbesExempt)), "\n"), p.want, p.name)
			}
		})
	}
}
