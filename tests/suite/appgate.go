package suite

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mobile-backend/mobile-backend/components"
	"github.com/mobile-backend/mobile-backend/policies"
)

func itoa(i int) string { return strconv.Itoa(i) }

var gate = []any{"minAppVersions", map[string]string{"ios": "2.10.3", "android": "3.0"},
	"appStoreUrls", map[string]string{"ios": "https://apps.apple.com/app/id123"}}

func TestEveryRegionsWAFTurnsAwayOutdatedAppsOnAWS(t *testing.T) {
	t.Parallel()
	res := MustPlan(t, "gate", With(Contract("aws", "active-active", "us-east-1", "eu-west-1"), gate...))
	regional := 0
	for _, acl := range res.Recorder.OfType(TypeACL) {
		if acl.Str("scope") != "REGIONAL" {
			assert.Zero(t, acl.Len("customResponseBodies"), "the static edge is not gated")
			continue
		}
		regional++
		bodies := map[string]string{}
		for i := 0; i < acl.Len("customResponseBodies"); i++ {
			bodies[acl.Str("customResponseBodies."+itoa(i)+".key")] = acl.Str("customResponseBodies." + itoa(i) + ".content")
			assert.Equal(t, "APPLICATION_JSON", acl.Str("customResponseBodies."+itoa(i)+".contentType"))
		}
		assert.JSONEq(t, `{"error":"upgrade_required","platform":"ios","minimumVersion":"2.10.3","storeUrl":"https://apps.apple.com/app/id123"}`, bodies["upgrade-required-ios"])
		assert.JSONEq(t, `{"error":"upgrade_required","platform":"android","minimumVersion":"3.0"}`, bodies["upgrade-required-android"])
		rules := map[string]int{}
		for i := 0; i < acl.Len("rules"); i++ {
			rules[acl.Str("rules."+itoa(i)+".name")] = i
		}
		i, ok := rules["app-version-ios"]
		require.True(t, ok, acl.Name)
		r := "rules." + itoa(i)
		assert.EqualValues(t, 426, acl.Int(r+".action.block.customResponse.responseCode"))
		assert.Equal(t, "upgrade-required-ios", acl.Str(r+".action.block.customResponse.customResponseBodyKey"))
		assert.Equal(t, "x-app-platform", acl.Str(r+".statement.andStatement.statements.0.byteMatchStatement.fieldToMatch.singleHeader.name"), "lower case, as WAF requires")
		assert.Equal(t, "LOWERCASE", acl.Str(r+".statement.andStatement.statements.0.byteMatchStatement.textTransformations.0.type"))
		expr := acl.Str(r + ".statement.andStatement.statements.1.regexMatchStatement.regexString")
		want, _ := components.OlderThan("2.10.3")
		assert.Equal(t, want, expr)
		re := regexp.MustCompile(expr)
		assert.True(t, re.MatchString("2.9.12"))
		assert.False(t, re.MatchString("2.10.3"))
		// Before the managed groups, after the rate limit.
		assert.Less(t, acl.Int(r+".priority"), acl.Int("rules."+itoa(rules["AWSManagedRulesCommonRuleSet"])+".priority"))
	}
	assert.Equal(t, 2, regional, "every region's WAF")
}

func TestGoogleCloudAndAzureWAFsTurnAwayOutdatedApps(t *testing.T) {
	t.Parallel()
	t.Run("gcp", func(t *testing.T) {
		gcp := MustPlan(t, "gate", With(Contract("gcp", "active-active", "us-central1", "europe-west1"), gate...))
		armor := One(t, gcp.Recorder.OfType(TypeArmor), "Cloud Armor policy")
		var gated []string
		for i := 0; i < armor.Len("rules"); i++ {
			r := "rules." + itoa(i)
			if strings.HasPrefix(armor.Str(r+".description"), "app-version-") {
				assert.Equal(t, "deny(403)", armor.Str(r+".action"), "Cloud Armor denies with 403, 404 or 502 only")
				gated = append(gated, armor.Str(r+".match.expr.expression"))
			}
		}
		require.Len(t, gated, 2)
		assert.Equal(t, `has(request.headers['x-app-platform']) && request.headers['x-app-platform'].lower() == 'android' && has(request.headers['x-app-version']) && request.headers['x-app-version'].matches('^(([0-2])(\\.(0|[1-9][0-9]*)){0,2})$')`, gated[0],
			"older than 3.0: a smaller major; each header behind has(); the backslash doubled inside the CEL string")
	})
	t.Run("azure", func(t *testing.T) {
		az := MustPlan(t, "gate", With(Contract("azure", "active-active", "northeurope", "westeurope"), gate...))
		policy := One(t, az.Recorder.OfType(TypeAzWAF), "Front Door WAF policy")
		found := false
		for i := 0; i < policy.Len("customRules.rules"); i++ {
			r := "customRules.rules." + itoa(i)
			if policy.Str(r+".name") != "AppVersionIos" {
				continue
			}
			found = true
			assert.Equal(t, "Block", policy.Str(r+".action"))
			assert.Equal(t, "X-App-Platform", policy.Str(r+".matchConditions.0.selector"))
			assert.Equal(t, "Lowercase", policy.Str(r+".matchConditions.0.transforms.0"))
			assert.Equal(t, "RegEx", policy.Str(r+".matchConditions.1.operator"))
			want, _ := components.OlderThan("2.10.3")
			assert.Equal(t, want, policy.Str(r+".matchConditions.1.matchValue.0"))
		}
		assert.True(t, found, "the Front Door WAF gates iOS")
	})
}

func TestRequiredAppHeadersRefuseOtherClientsButNotTheProbes(t *testing.T) {
	t.Parallel()
	required := append(slices.Clone(gate), "appHeadersRequired", true, "healthCheckPath", "/healthz")

	t.Run("aws", func(t *testing.T) {
		aws := MustPlan(t, "headers", With(Contract("aws", "active-active", "us-east-1", "eu-west-1"), required...))
		for _, acl := range aws.Recorder.OfType(TypeACL) {
			rules := rulesByName(acl, "rules", "name")
			if acl.Str("scope") == "CLOUDFRONT" {
				assert.NotContains(t, rules, "app-header-platform", "static content is for every client")
				continue
			}
			for header, name := range map[string]string{"x-app-platform": "app-header-platform", "x-app-version": "app-header-version"} {
				r, ok := rules[name]
				require.True(t, ok, name)
				and := r + ".statement.andStatement.statements."
				assert.Equal(t, "/healthz", acl.Str(and+"0.notStatement.statements.0.byteMatchStatement.searchString"), "the probes carry no app headers")
				size := and + "1.notStatement.statements.0.sizeConstraintStatement."
				assert.Equal(t, header, acl.Str(size+"fieldToMatch.singleHeader.name"))
				assert.Equal(t, "GT", acl.Str(size+"comparisonOperator"))
				assert.EqualValues(t, 0, acl.Int(size+"size"), "absent or empty")
				assert.EqualValues(t, 400, acl.Int(r+".action.block.customResponse.responseCode"))
				assert.Less(t, acl.Int(r+".priority"), acl.Int(rules["AWSManagedRulesAmazonIpReputationList"]+".priority"))
			}
			bodies := rulesByName(acl, "customResponseBodies", "key")
			assert.JSONEq(t, `{"error":"app_headers_required","headers":["X-App-Platform","X-App-Version"]}`, acl.Str(bodies["app-headers-required"]+".content"))
		}

		// The probes carry no app headers: they ask for the exempt path only.
		assert.Empty(t, Violations(Graph(aws), policies.ProbesExempt))
		deep := mutated(t, Graph(aws), "aws:route53/healthCheck:HealthCheck", "us-east-1", "resourcePath", "/v1/status")
		assert.Contains(t, strings.Join(messagesOf(Violations(deep, policies.ProbesExempt)), "\n"), "health check asks for /v1/status")
		assert.Empty(t, Violations(Graph(aws), policies.WAFOnEveryEntry), "aws")

		// Off by default: requests without the headers pass.
		plain := MustPlan(t, "headers", With(Contract("aws", "active-active", "us-east-1", "eu-west-1"), gate...))
		for _, acl := range plain.Recorder.OfType(TypeACL) {
			assert.NotContains(t, rulesByName(acl, "rules", "name"), "app-header-platform")
		}
	})
	t.Run("gcp", func(t *testing.T) {
		gcp := MustPlan(t, "headers", With(Contract("gcp", "active-active", "us-central1", "europe-west1"), required...))
		armor := One(t, gcp.Recorder.OfType(TypeArmor), "Cloud Armor policy")
		r := rulesByName(armor, "rules", "description")["app-header-platform-version"]
		require.NotEmpty(t, r)
		assert.Equal(t, "request.path != '/healthz' && !(has(request.headers['x-app-platform']) && has(request.headers['x-app-version']))", armor.Str(r+".match.expr.expression"))
		assert.Equal(t, "deny(403)", armor.Str(r+".action"))
		assert.Empty(t, Violations(Graph(gcp), policies.WAFOnEveryEntry), "gcp")
	})
	t.Run("azure", func(t *testing.T) {
		az := MustPlan(t, "headers", With(Contract("azure", "active-active", "northeurope", "westeurope"), required...))
		policy := One(t, az.Recorder.OfType(TypeAzWAF), "Front Door WAF policy")
		byName := rulesByName(policy, "customRules.rules", "name")
		for header, name := range map[string]string{"X-App-Platform": "AppHeaderPlatform", "X-App-Version": "AppHeaderVersion"} {
			r := byName[name]
			require.NotEmpty(t, r, name)
			assert.Equal(t, "Block", policy.Str(r+".action"))
			assert.Equal(t, header, policy.Str(r+".matchConditions.2.selector"))
			assert.True(t, policy.Bool(r+".matchConditions.2.negateCondition"))
			assert.True(t, regexp.MustCompile(policy.Str(r+".matchConditions.1.matchValue.0")).MatchString("/healthz"))
		}
		assert.Empty(t, Violations(Graph(az), policies.FrontDoorCustomRuleLimits), "four RegEx rules: the gate's two and the headers'")
		assert.Empty(t, Violations(Graph(az), policies.WAFOnEveryEntry), "azure")
		noVersionRule := withoutRule(t, Graph(az), TypeAzWAF, "customRules.rules", "name", "AppHeaderVersion")
		assert.Contains(t, messagesOf(Violations(noVersionRule, policies.WAFOnEveryEntry)), "WAF has no rule refusing requests without the version header (appHeadersRequired)")
	})
}
