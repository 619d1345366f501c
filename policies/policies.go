// Package policies checks a stack's resource graph before it deploys: plain
// Go rules over the resources the offline plan records (the same recorder
// the tests use), each with a stable name, a description, a severity and
// per-cloud logic. The plan prints their results and fails on a mandatory
// violation.
package policies

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/mobile-backend/mobile-backend/internal/mock"
	"github.com/mobile-backend/mobile-backend/internal/spec"
)

// Severity is how a violation is treated.
type Severity string

const (
	// Mandatory violations fail the plan (exit 1) and the pull request.
	Mandatory Severity = "mandatory"
	// Advisory violations are reported only.
	Advisory Severity = "advisory"
)

// Stack is what a policy checks: the validated spec and every recorded resource.
type Stack struct {
	Spec      spec.Spec
	Resources []*mock.Resource
}

// OfType returns the resources of a type.
func (s Stack) OfType(typ string) []*mock.Resource {
	var out []*mock.Resource
	for _, r := range s.Resources {
		if r.Type == typ {
			out = append(out, r)
		}
	}
	return out
}

// Violation is one failed check.
type Violation struct {
	Policy   string   `json:"policy"`
	Severity Severity `json:"severity"`
	Resource string   `json:"resource"` // URN, or "" for the stack as a whole
	Message  string   `json:"message"`
}

// Policy is one rule.
type Policy struct {
	Name        string
	Description string
	Severity    Severity
	// Source is the document the rule comes from, for rules that encode
	// what a cloud refuses (a provider constraint).
	Source string
	// SeverityIn, when set, is the severity for a given stack (a rule that
	// only advises outside production).
	SeverityIn func(spec.Spec) Severity
	// Check returns the violations; a violation with no severity takes the
	// policy's.
	Check func(Stack) []Violation
}

// SeverityFor is the policy's severity for a stack.
func (p Policy) SeverityFor(s spec.Spec) Severity {
	if p.SeverityIn != nil {
		return p.SeverityIn(s)
	}
	return p.Severity
}

// Evaluate runs every policy and returns the violations in a stable order.
func Evaluate(s Stack, policies []Policy) []Violation {
	var out []Violation
	for _, p := range policies {
		for _, v := range p.Check(s) {
			v.Policy = p.Name
			if v.Severity == "" {
				v.Severity = p.SeverityFor(s.Spec)
			}
			out = append(out, v)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Policy != out[j].Policy {
			return out[i].Policy < out[j].Policy
		}
		return out[i].Resource < out[j].Resource
	})
	return out
}

// Failed reports whether any violation is mandatory.
func Failed(vs []Violation) bool {
	for _, v := range vs {
		if v.Severity == Mandatory {
			return true
		}
	}
	return false
}

// All are the policies every stack is checked against: the project's rules,
// then the provider constraints.
var All = append([]Policy{
	TLSEverywhere,
	NoPublicObjectStorage,
	DatabaseNotPublic,
	NoOpenIngress,
	WAFOnEveryEntry,
	WAFEnforcing,
	ExplicitProviders,
	RegionsAllowedAndApart,
	DataStaysInAllowedRegions,
	EveryRegionServedAndWatched,
	NoWildcardIAM,
	BackupsAndProtection,
	StandardTags,
	ResilienceWithinObjectives,
	RegionLossSurvived,
	DataReachesEveryRegion,
	WAFAndLoadBalancerLogging,
	AlertsRouted,
	CustomerManagedKeys,
	ExplicitOrdering,
	EdgeReadsStaticOnly,
	MobileEdge,
	AttestationEnforced,
	BotRulesLetAppsThrough,
	ProbesExempt,
	PublicPathsOpen,
	ImagePinned,
	ReleaseInWaves,
	BreakGlassBounded,
	ScheduledJobsAlert,
}, Constraints...)

func violation(r *mock.Resource, format string, args ...any) Violation {
	urn := ""
	if r != nil {
		urn = r.URN
	}
	return Violation{Resource: urn, Message: fmt.Sprintf(format, args...)}
}

// distanceKm is the great-circle distance between two regions.
func distanceKm(a, b spec.Region) float64 {
	const earthRadiusKm = 6371
	rad := func(d float64) float64 { return d * math.Pi / 180 }
	dLat, dLon := rad(b.Lat-a.Lat), rad(b.Lon-a.Lon)
	h := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(rad(a.Lat))*math.Cos(rad(b.Lat))*math.Sin(dLon/2)*math.Sin(dLon/2)
	return 2 * earthRadiusKm * math.Asin(math.Sqrt(h))
}

func cloudOf(typ string) string {
	return strings.SplitN(typ, ":", 2)[0]
}
