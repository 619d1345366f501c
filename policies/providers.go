package policies

import (
	"strings"
)

// ExplicitProviders: no resource relies on an ambient default provider.
var ExplicitProviders = Policy{
	Name:        "explicit-providers",
	Description: "No resource uses a default provider.",
	Severity:    Mandatory,
	Check: func(s Stack) []Violation {
		var vs []Violation
		for _, r := range s.Resources {
			if !r.Custom || strings.HasPrefix(r.Type, "pulumi:providers:") {
				continue
			}
			urn := r.Provider
			if i := strings.LastIndex(urn, "::"); i > 0 {
				urn = urn[:i]
			}
			name := urn[strings.LastIndex(urn, "::")+2:]
			if r.Provider == "" || strings.HasPrefix(name, "default") {
				vs = append(vs, violation(r, "resource uses the default provider"))
			}
		}
		return vs
	},
}
