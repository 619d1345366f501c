package policies

import (
	"fmt"
	"strings"
)

// Table is the Markdown table of every policy of the plan (docs/policies.md
// holds it in a generated block; a test keeps it current).
func Table() string {
	var b strings.Builder
	b.WriteString("| policy | severity | checks |\n|---|---|---|\n")
	constraint := map[string]bool{}
	for _, c := range Constraints {
		constraint[c.Name] = true
	}
	for _, p := range All {
		if constraint[p.Name] {
			continue
		}
		severity := string(p.Severity)
		if p.SeverityIn != nil {
			severity = "advisory, mandatory when `environment` is prod/production"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s |\n", p.Name, severity, p.Description)
	}
	b.WriteString("| the provider constraints | mandatory | the table below |\n")
	return b.String()
}

// ConstraintTable is the Markdown table of the provider constraints, each
// with the document it comes from.
func ConstraintTable() string {
	var b strings.Builder
	b.WriteString("| policy | what the cloud requires | source |\n|---|---|---|\n")
	for _, p := range Constraints {
		fmt.Fprintf(&b, "| `%s` | %s | %s |\n", p.Name, p.Description, p.Source)
	}
	return b.String()
}
