package tests

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mobile-backend/mobile-backend/components"
)

func itoa(i int) string { return strconv.Itoa(i) }

var gate = []any{"minAppVersions", map[string]string{"ios": "2.10.3", "android": "3.0"},
	"appStoreUrls", map[string]string{"ios": "https://apps.apple.com/app/id123"}}

func TestEveryRegionsWAFTurnsAwayOutdatedAppsOnAWS(t *testing.T) {
	t.Parallel()
	res := mustPlan(t, "gate", with(contract("aws", "active-active", "us-east-1", "eu-west-1"), gate...))
	regional := 0
	for _, acl := range res.Recorder.OfType(typeACL) {
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
	gcp := mustPlan(t, "gate", with(contract("gcp", "active-active", "us-central1", "europe-west1"), gate...))
	armor := one(t, gcp.Recorder.OfType(typeArmor), "Cloud Armor policy")
	var gated []string
	for i := 0; i < armor.Len("rules"); i++ {
		r := "rules." + itoa(i)
		if strings.HasPrefix(armor.Str(r+".description"), "app-version-") {
			assert.Equal(t, "deny(403)", armor.Str(r+".action"), "Cloud Armor denies with 403, 404 or 502 only")
			gated = append(gated, armor.Str(r+".match.expr.expression"))
		}
	}
	require.Len(t, gated, 2)
	assert.Equal(t, `request.headers['x-app-platform'].lower() == 'android' && request.headers['x-app-version'].matches('^(([0-2])(\\.(0|[1-9][0-9]*)){0,2})$')`, gated[0], "older than 3.0: a smaller major; the backslash doubled inside the CEL string")

	az := mustPlan(t, "gate", with(contract("azure", "active-active", "northeurope", "westeurope"), gate...))
	policy := one(t, az.Recorder.OfType(typeAzWAF), "Front Door WAF policy")
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
}
