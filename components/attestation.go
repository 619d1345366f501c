package components

import (
	"encoding/json"
	"regexp"
	"strings"
)

// Attestation asks every API request to prove it comes from a genuine build
// of the app, at the edge where the cloud can verify a token:
//   - AWS: the AWS WAF mobile SDK's token (x-aws-waf-token), labelled by
//     the Bot Control rule group at its targeted level;
//   - Google Cloud: a reCAPTCHA action-token (X-Recaptcha-Token) from a key
//     per app, evaluated by Cloud Armor;
//   - Azure: Front Door verifies no app token; its Bot Manager rule set runs
//     on every request, the edge only checks that AttestationHeader is
//     present, and the origin verifies the App Attest / Play Integrity
//     token the header carries (README).
//
// Monitor counts (AWS count, Cloud Armor preview, Front Door log) without
// refusing anything; enforce refuses. ExemptPath, the health checks' path,
// is never checked: the Route 53 checks, the region watches and the uptime
// checks carry no app token, and a refused probe would fail a region over.
type Attestation struct {
	Mode       AttestationMode   // off (default), monitor or enforce
	AppIDs     map[string]string // platform -> iOS bundle id / Android package name
	ExemptPath string            // e.g. /healthz
	// PublicPrefixes are path prefixes server-to-server callers use
	// (webhooks, which carry no app token): never checked either.
	PublicPrefixes []string
}

// AttestationMode is off, monitor or enforce.
type AttestationMode string

// Attestation modes.
const (
	AttestationOff     AttestationMode = "off"
	AttestationMonitor AttestationMode = "monitor"
	AttestationEnforce AttestationMode = "enforce"
)

// AttestationRule is the name (or description) of every WAF rule that
// checks attestation; the waf-enforcing policy leaves these to the
// app-attestation policy, which accepts monitor outside enforcement.
const AttestationRule = "app-attestation"

// AttestationRuleCompact is its Front Door name (letters and digits).
const AttestationRuleCompact = "AppAttestation"

// AttestationHeader carries the app's attestation on Azure, where the
// origin verifies it.
const AttestationHeader = "X-App-Attestation"

// On reports whether requests are checked (monitor or enforce).
func (a Attestation) On() bool { return a.Mode == AttestationMonitor || a.Mode == AttestationEnforce }

// Enforced reports whether unattested requests are refused.
func (a Attestation) Enforced() bool { return a.Mode == AttestationEnforce }

// Platforms are the platforms with an app id, sorted.
func (a Attestation) Platforms() []string { return SortedKeys(a.AppIDs) }

// Body is the JSON an unattested request receives where the WAF can
// answer with one.
func (a Attestation) Body() string {
	b, _ := json.Marshal(struct {
		Error string `json:"error"`
	}{"attestation_required"})
	return string(b)
}

// appIDPattern is an iOS bundle id or an Android package name: at least
// two dot-separated segments of letters, digits, '_' or '-', the first
// starting with a letter (Android package names: Java identifiers; iOS
// bundle ids: alphanumerics, '-' and '.').
var appIDPattern = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)+$`)

// ValidAppID reports whether id can name an app on either store.
func ValidAppID(id string) bool { return len(id) <= 155 && appIDPattern.MatchString(id) }

// OriginEnvironment is what an origin that verifies attestation itself
// (Azure's) reads: the mode, the header and the app ids, e.g.
// APP_IDS_IOS=com.example.app. Empty when attestation is off.
func (a Attestation) OriginEnvironment() map[string]string {
	if !a.On() {
		return nil
	}
	env := map[string]string{"APP_ATTESTATION": string(a.Mode), "APP_ATTESTATION_HEADER": AttestationHeader}
	for _, p := range a.Platforms() {
		env["APP_IDS_"+strings.ToUpper(p)] = a.AppIDs[p]
	}
	return env
}
