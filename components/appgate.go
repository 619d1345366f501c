package components

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// AppGate turns away app versions older than a minimum, per platform, at
// the edge: every cloud's WAF matches the version header against a regular
// expression generated from the minimum (OlderThan), for requests whose
// platform header names the platform. Requests without the headers (health
// checks, browsers) pass.
type AppGate struct {
	PlatformHeader string            // e.g. X-App-Platform (its value: ios, android)
	VersionHeader  string            // e.g. X-App-Version (its value: 2.10.3)
	Minimums       map[string]string // platform -> the oldest version still served
	StoreURLs      map[string]string // platform -> where to upgrade (optional)
	// RequireHeaders refuses API requests that lack either header, but for
	// ExemptPath (the health checks' path): only the apps call the API.
	RequireHeaders bool
	ExemptPath     string
	// PublicPrefixes are path prefixes server-to-server callers use
	// (webhooks): exempt from RequireHeaders, as ExemptPath is.
	PublicPrefixes []string
}

// PublicPathRegex is an RE2 expression (Cloud Armor's request.path.matches,
// Front Door's RegEx on a path) matching a whole path that starts with one
// of the prefixes; "" for none.
func PublicPathRegex(prefixes []string) string {
	if len(prefixes) == 0 {
		return ""
	}
	quoted := make([]string, len(prefixes))
	for i, p := range prefixes {
		quoted[i] = regexp.QuoteMeta(p)
	}
	// After the prefix, no dot segment and no percent-encoding: the edges
	// that match the raw path (Cloud Armor, Front Door) would otherwise
	// exempt /webhooks/../admin, which the app resolves to /admin.
	return "^(?:" + strings.Join(quoted, "|") + `)(?:[^.%?]|\.[^.%?])*\.?$`
}

// HeaderRule is the name (AWS) or description (Cloud Armor) of the rule
// that refuses requests without one of the gate's headers ("platform" or
// "version"); Front Door's is HeaderRuleCompact.
func HeaderRule(which string) string { return "app-header-" + which }

// HeaderRuleCompact is HeaderRule without the hyphens, e.g. AppHeaderVersion.
func HeaderRuleCompact(which string) string { return "AppHeader" + capitalized(which) }

// RequiredHeaders are the headers RequireHeaders asks for, by role
// (platform, version), defaulted; none unless RequireHeaders.
func (g AppGate) RequiredHeaders() [][2]string {
	if !g.RequireHeaders {
		return nil
	}
	Default(&g.PlatformHeader, DefaultPlatformHeader)
	Default(&g.VersionHeader, DefaultVersionHeader)
	return [][2]string{{"platform", g.PlatformHeader}, {"version", g.VersionHeader}}
}

// HeadersBody is the JSON a request without the gate's headers receives
// where the WAF can answer with one.
func (g AppGate) HeadersBody() string {
	var names []string
	for _, h := range g.RequiredHeaders() {
		names = append(names, h[1])
	}
	b, _ := json.Marshal(struct {
		Error   string   `json:"error"`
		Headers []string `json:"headers"`
	}{"app_headers_required", names})
	return string(b)
}

// Default headers of the gate.
const (
	DefaultPlatformHeader = "X-App-Platform"
	DefaultVersionHeader  = "X-App-Version"
)

// UpgradeRequiredStatus is the answer an outdated app gets where the cloud
// lets the WAF choose it (426 Upgrade Required, RFC 9110 §15.5.22).
const UpgradeRequiredStatus = 426

// GateRule is the name (AWS) or description (Cloud Armor) of a platform's
// gate rule; GateRuleCompact is its Front Door name (letters and digits).
func GateRule(platform string) string { return "app-version-" + platform }

// GateRuleCompact is GateRule without the hyphens, e.g. AppVersionIos.
func GateRuleCompact(platform string) string { return "AppVersion" + capitalized(platform) }

// capitalized is a word with its first letter in upper case.
func capitalized(word string) string { return strings.ToUpper(word[:1]) + word[1:] }

// Enabled reports whether any platform has a minimum.
func (g AppGate) Enabled() bool { return len(g.Minimums) > 0 }

// Platforms are the gated platforms, sorted.
func (g AppGate) Platforms() []string { return SortedKeys(g.Minimums) }

// GateMatcher is what a WAF rule of the gate matches: the platform header
// is Platform (compared lower-cased) and the version header matches Older.
type GateMatcher struct {
	Platform, PlatformHeader, VersionHeader, Older string
}

// Matchers are the gate's rules, one per platform in order, headers
// defaulted. A minimum OlderThan refuses is skipped (the spec refuses it
// before anything is built).
func (g AppGate) Matchers() []GateMatcher {
	Default(&g.PlatformHeader, DefaultPlatformHeader)
	Default(&g.VersionHeader, DefaultVersionHeader)
	var out []GateMatcher
	for _, p := range g.Platforms() {
		if older, err := OlderThan(g.Minimums[p]); err == nil {
			out = append(out, GateMatcher{Platform: p, PlatformHeader: g.PlatformHeader, VersionHeader: g.VersionHeader, Older: older})
		}
	}
	return out
}

// Body is the JSON an outdated app receives: what to do, for which
// platform, the minimum, and the store address when known.
func (g AppGate) Body(platform string) string {
	b, _ := json.Marshal(struct {
		Error          string `json:"error"`
		Platform       string `json:"platform"`
		MinimumVersion string `json:"minimumVersion"`
		StoreURL       string `json:"storeUrl,omitempty"`
	}{"upgrade_required", platform, g.Minimums[platform], g.StoreURLs[platform]})
	return string(b)
}

var versionRE = regexp.MustCompile(`^(0|[1-9][0-9]{0,5})(\.(0|[1-9][0-9]{0,5})){0,2}$`)

// ParseVersion reads major[.minor[.patch]] (missing parts are 0).
func ParseVersion(v string) ([3]int, error) {
	var out [3]int
	if !versionRE.MatchString(v) {
		return out, fmt.Errorf("%q is not a version (major[.minor[.patch]], digits without leading zeros)", v)
	}
	for i, p := range strings.Split(v, ".") {
		out[i], _ = strconv.Atoi(p)
	}
	return out, nil
}

// OlderThan is a regular expression (RE2, and the common subset of the
// WAFs' engines: groups, classes, counted repeats, no lookaround) that
// matches exactly the versions major[.minor[.patch]] older than min, a
// missing part counting as 0, digits without leading zeros. 1.10.0 is newer
// than 1.9.3: components compare as numbers, not as text.
func OlderThan(min string) (string, error) {
	m, err := ParseVersion(min)
	if err != nil {
		return "", err
	}
	const num = `(0|[1-9][0-9]*)`
	var alts []string
	// A smaller major, anything after it.
	if lt := lessThan(m[0]); lt != "" {
		alts = append(alts, lt+`(\.`+num+`){0,2}`)
	}
	// The same major, a smaller minor.
	if lt := lessThan(m[1]); lt != "" {
		alts = append(alts, fmt.Sprintf(`%d\.%s(\.%s)?`, m[0], lt, num))
	}
	// The same major and minor, a smaller patch.
	if lt := lessThan(m[2]); lt != "" {
		alts = append(alts, fmt.Sprintf(`%d\.%d\.%s`, m[0], m[1], lt))
	}
	// Shorter forms of the minimum itself, whose missing parts are 0.
	if m[1] > 0 || m[2] > 0 {
		alts = append(alts, fmt.Sprintf(`%d`, m[0]))
	}
	if m[2] > 0 {
		alts = append(alts, fmt.Sprintf(`%d\.%d`, m[0], m[1]))
	}
	if len(alts) == 0 {
		return "", fmt.Errorf("nothing is older than %q: give a minimum above 0.0.0", min)
	}
	return `^(` + strings.Join(alts, "|") + `)$`, nil
}

// lessThan is a regular expression of the numbers 0 to n-1 written without
// leading zeros, "" for n = 0.
func lessThan(n int) string {
	if n <= 0 {
		return ""
	}
	s := strconv.Itoa(n)
	var alts []string
	// Fewer digits than n.
	for width := 1; width < len(s); width++ {
		if width == 1 {
			alts = append(alts, `[0-9]`)
		} else {
			alts = append(alts, fmt.Sprintf(`[1-9][0-9]{%d}`, width-1))
		}
	}
	// As many digits, smaller at the first position that differs.
	for i := 0; i < len(s); i++ {
		d := int(s[i] - '0')
		lo := 0
		if i == 0 && len(s) > 1 {
			lo = 1
		}
		if d <= lo {
			continue
		}
		alt := s[:i] + digitRange(lo, d-1)
		if rest := len(s) - i - 1; rest > 0 {
			alt += fmt.Sprintf(`[0-9]{%d}`, rest)
		}
		alts = append(alts, alt)
	}
	return `(` + strings.Join(alts, "|") + `)`
}

func digitRange(lo, hi int) string {
	if lo == hi {
		return strconv.Itoa(lo)
	}
	return fmt.Sprintf("[%d-%d]", lo, hi)
}
