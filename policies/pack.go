package policies

import (
	"context"
	"sync"

	"github.com/blang/semver"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/policyx"

	"github.com/mobile-backend/mobile-backend/internal/mock"
	"github.com/mobile-backend/mobile-backend/internal/spec"
)

// PackName and PackVersion identify the policy pack in policies/pack.
const PackName = "mobile-backend"

// PackVersion is the pack's version; raise it when a rule changes.
var PackVersion = semver.MustParse("0.2.0")

// PackFromContext is the pack for the stack the engine is checking: the
// engine hands the policy pack the stack's config (ConfigureStack), and the
// spec is loaded from it exactly as the program loads it, so a config
// problem is the same `mobile-backend:KEY: message` error.
func PackFromContext(ctx *pulumi.Context) (policyx.PolicyPack, error) {
	s, err := spec.Load(ctx.Stack(), func(key string) (string, bool) {
		return ctx.GetConfig(spec.Namespace + ":" + key)
	})
	if err != nil {
		return nil, err
	}
	return NewPack(s, ctx.Project(), ctx.Stack(), All)
}

// NewPack adapts rules to stack validation policies of the Go policy SDK.
// Each rule keeps its name and description; its enforcement level is its
// severity for this stack (so waf-enforcing is mandatory in production).
func NewPack(s spec.Spec, project, stack string, rules []Policy) (policyx.PolicyPack, error) {
	var out []policyx.Policy
	graphs := &lastGraph{}
	for _, p := range rules {
		out = append(out, policyx.NewStackValidationPolicy(p.Name, policyx.StackValidationPolicyArgs{
			Description:      p.Description,
			EnforcementLevel: enforcement(p.SeverityFor(s)),
			ValidateStack: func(_ context.Context, args policyx.StackValidationArgs) error {
				graph := Stack{Spec: s, Resources: graphs.of(project, stack, args.Resources)}
				for _, v := range Evaluate(graph, []Policy{p}) {
					args.Manager.ReportViolation(v.Message, v.Resource)
				}
				return nil
			},
		}))
	}
	return policyx.NewPolicyPack(PackName, PackVersion, policyx.EnforcementLevelMandatory, out)
}

// lastGraph converts the engine's resources once per stack analysis: the
// policy runtime hands every policy of the pack the same slice in one
// AnalyzeStack call (policyx's analyzerServer.AnalyzeStack), built anew for
// each call. The policies only read the graph.
type lastGraph struct {
	mu    sync.Mutex
	first *policyx.AnalyzerResource // &in[0] of the slice converted last
	n     int
	res   []*mock.Resource
}

func (c *lastGraph) of(project, stack string, in []policyx.AnalyzerResource) []*mock.Resource {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(in) > 0 && c.first == &in[0] && c.n == len(in) {
		return c.res
	}
	c.res = mock.FromEngine(project, stack, FromAnalyzer(in))
	c.first, c.n = nil, 0
	if len(in) > 0 {
		c.first, c.n = &in[0], len(in)
	}
	return c.res
}

func enforcement(s Severity) policyx.EnforcementLevel {
	if s == Mandatory {
		return policyx.EnforcementLevelMandatory
	}
	return policyx.EnforcementLevelAdvisory
}

// FromAnalyzer is the engine's view of the stack in the shape mock.FromEngine reads.
func FromAnalyzer(in []policyx.AnalyzerResource) []mock.EngineResource {
	out := make([]mock.EngineResource, 0, len(in))
	for _, r := range in {
		out = append(out, mock.EngineResource{
			URN: r.URN, Type: r.Type, Name: r.Name, Parent: r.Parent,
			Provider: r.Provider.URN, ProviderInputs: resource.ToResourcePropertyMap(r.Provider.Properties),
			Protect: r.Options.Protect, IgnoreChanges: r.Options.IgnoreChanges, DependsOn: r.Dependencies, PropertyDeps: r.PropertyDependencies,
			Properties: resource.ToResourcePropertyMap(r.Properties),
		})
	}
	return out
}
