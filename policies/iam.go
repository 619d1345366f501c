package policies

import (
	"encoding/json"
	"slices"
	"strings"

	"github.com/mobile-backend/mobile-backend/internal/mock"
)

// NoWildcardIAM: no identity may do everything to everything.
var NoWildcardIAM = Policy{
	Name:        "no-wildcard-iam",
	Description: "No AWS statement allows `*` on `*`; no GCP owner/editor binding; no Azure Owner/Contributor assignment.",
	Severity:    Mandatory,
	Check: func(s Stack) []Violation {
		var vs []Violation
		for _, typ := range []string{"aws:iam/rolePolicy:RolePolicy", "aws:iam/policy:Policy"} {
			for _, p := range s.OfType(typ) {
				var doc struct {
					Statement []struct {
						Effect   string
						Action   any
						Resource any
					}
				}
				if mock.Unresolved(p.Str("policy")) {
					continue // built from values a preview does not know yet; checked once they are
				}
				if err := json.Unmarshal([]byte(p.Str("policy")), &doc); err != nil {
					vs = append(vs, violation(p, "policy is not valid JSON: %v", err))
					continue
				}
				for _, st := range doc.Statement {
					if st.Effect == "Allow" && anyIs(st.Action, "*") && anyIs(st.Resource, "*") {
						vs = append(vs, violation(p, "a statement allows * on *"))
					}
				}
			}
		}
		for _, typ := range []string{"gcp:projects/iAMMember:IAMMember", "gcp:projects/iAMBinding:IAMBinding"} {
			for _, m := range s.OfType(typ) {
				if r := m.Str("role"); r == "roles/owner" || r == "roles/editor" {
					vs = append(vs, violation(m, "grants %s", r))
				}
			}
		}
		for _, a := range s.OfType("azure-native:authorization:RoleAssignment") {
			// Owner and Contributor (built-in role definition ids).
			for _, broad := range []string{"8e3af657-a8ff-443c-a75c-2fe8c4bcb635", "b24988ac-6180-42a0-ab88-20f7382dd24c"} {
				if strings.HasSuffix(a.Str("roleDefinitionId"), broad) {
					vs = append(vs, violation(a, "assigns the Owner or Contributor role"))
				}
			}
		}
		return vs
	},
}

// anyIs reports whether an IAM Action or Resource (a string or a list) is or
// holds want.
func anyIs(v any, want string) bool { return slices.Contains(list(v), want) }

// list is an IAM Action or Resource, or a pattern list (a string or a list),
// as strings.
func list(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		var out []string
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// statefulTypes hold data a destroy or a replacement would lose.
