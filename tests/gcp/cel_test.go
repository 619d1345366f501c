package gcp

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/google/cel-go/cel"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	. "github.com/mobile-backend/mobile-backend/tests/suite"

	"github.com/mobile-backend/mobile-backend/components"
)

// The app rules' expressions are code: they run here in a CEL interpreter
// (cel-go), over the requests that matter, with request.path,
// request.headers and token.recaptcha_action.valid as Cloud Armor gives
// them (rules language reference). One translation: Cloud Armor's dialect
// takes has() on a map entry (has(request.headers['x'])), which standard
// CEL's macro refuses, so it becomes the equivalent 'x' in request.headers.
// Cloud Armor's other extensions (lower()) are not in these two rules.
func TestTheAppRulesExpressionsRunInCEL(t *testing.T) {
	t.Parallel()
	res := MustPlan(t, "cel", With(Contract("gcp", "active-active", "europe-west4", "us-central1"),
		"appHeadersRequired", true, "appAttestation", "enforce", "appIds", map[string]string{"ios": "com.example.app"},
		"publicPaths", []string{"/webhooks/", "/store/notifications"}, "healthCheckPath", "/healthz"))
	env, err := cel.NewEnv(
		cel.Variable("request", cel.MapType(cel.StringType, cel.DynType)),
		cel.Variable("token", cel.MapType(cel.StringType, cel.DynType)),
	)
	require.NoError(t, err)
	rules := map[string]string{}
	armor := One(t, res.Recorder.OfType(TypeArmor), "security policy")
	for i := 0; i < armor.Len("rules"); i++ {
		desc := armor.Str(fmt.Sprintf("rules.%d.description", i))
		if desc == components.HeaderRule("platform-version") || desc == components.AttestationRule {
			rules[desc] = armor.Str(fmt.Sprintf("rules.%d.match.expr.expression", i))
		}
	}
	require.Len(t, rules, 2)
	denies := func(expr, path string, headers map[string]string, valid bool) bool {
		ast, iss := env.Compile(hasEntry.ReplaceAllString(expr, "'$2' in $1"))
		require.NoError(t, iss.Err(), expr)
		prg, err := env.Program(ast)
		require.NoError(t, err)
		h := map[string]any{}
		for k, v := range headers {
			h[k] = v
		}
		out, _, err := prg.Eval(map[string]any{
			"request": map[string]any{"path": path, "headers": h},
			"token":   map[string]any{"recaptcha_action": map[string]any{"valid": valid}},
		})
		require.NoError(t, err, expr)
		return out.Value().(bool)
	}
	app := map[string]string{"x-app-platform": "ios", "x-app-version": "2.3.0"}
	for _, tc := range []struct {
		what            string
		path            string
		headers         map[string]string
		token           bool
		headerRule, att bool // whether each rule denies
	}{
		{"the app", "/v1/me", app, true, false, false},
		{"a client without the headers or a token", "/v1/me", nil, false, true, true},
		{"the health checks", "/healthz", nil, false, false, false},
		{"an App Store notification", "/webhooks/apple", nil, false, false, false},
		{"a notification under a dotted version", "/webhooks/v1.2/google-play", nil, false, false, false},
		{"the exact public path", "/store/notifications", nil, false, false, false},
		{"a dot segment out of the public path", "/webhooks/../admin", nil, false, true, true},
		{"an encoded one", "/webhooks/%2e%2e/admin", nil, false, true, true},
		{"a path that only contains the prefix", "/x/webhooks/apple", nil, false, true, true},
	} {
		assert.Equal(t, tc.headerRule, denies(rules[components.HeaderRule("platform-version")], tc.path, tc.headers, tc.token), "header rule: %s (%s)", tc.what, tc.path)
		assert.Equal(t, tc.att, denies(rules[components.AttestationRule], tc.path, tc.headers, tc.token), "attestation rule: %s (%s)", tc.what, tc.path)
	}
}

// hasEntry is has(<map>['<key>']).
var hasEntry = regexp.MustCompile(`has\(([a-z.]+)\['([^']+)'\]\)`)
