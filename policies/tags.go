package policies

import (
	"strings"

	"github.com/mobile-backend/mobile-backend/internal/mock"
)

// StandardTags: every resource that takes tags or labels carries the stack's set.
var StandardTags = Policy{
	Name:        "standard-tags",
	Description: "The standard tags on every AWS and GCP provider's defaults and on every taggable Azure resource.",
	Severity:    Mandatory,
	Check: func(s Stack) []Violation {
		var vs []Violation
		want := s.Spec.StandardTags()
		missing := func(r *mock.Resource, tags any) {
			m, _ := tags.(map[string]any)
			for _, k := range []string{"app", "stack", "environment", "managed-by"} {
				if v, ok := m[k]; !ok || (v != want[k] && v != gcpLabel(want[k])) {
					vs = append(vs, violation(r, "lacks the standard tag %s=%s", k, want[k]))
					return
				}
			}
		}
		for _, p := range s.OfType("pulumi:providers:aws") {
			missing(p, p.Get("defaultTags.tags"))
		}
		for _, p := range s.OfType("pulumi:providers:gcp") {
			missing(p, p.Get("defaultLabels"))
		}
		for _, r := range s.Resources {
			if r.Custom && strings.HasPrefix(r.Type, "azure-native:") {
				if _, takes := r.Inputs["tags"]; takes || azureTaggable[r.Type] {
					missing(r, r.Get("tags"))
				}
			}
		}
		return vs
	},
}

// azureTaggable are the Azure types this project creates that take tags.
var azureTaggable = map[string]bool{
	"azure-native:resources:ResourceGroup": true, "azure-native:app/v20240301:ContainerApp": true, "azure-native:app:ManagedEnvironment": true,
	"azure-native:sql:Server": true, "azure-native:sql:Database": true, "azure-native:storage:StorageAccount": true,
	"azure-native:cdn:Profile": true, "azure-native:network:Policy": true, "azure-native:network:VirtualNetwork": true,
}

// gcpLabel is a tag value as Google Cloud labels carry it (lowercase).
func gcpLabel(v string) string { return strings.ToLower(v) }
