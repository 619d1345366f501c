package suite

import (
	"context"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/policyx"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mobile-backend/mobile-backend/internal/mock"
	"github.com/mobile-backend/mobile-backend/policies"
)

// The policy pack runs the rules on what a real engine reports. These tests
// hand it the offline plan's resources the way the engine would: as state
// after an update (ids and outputs known), and as a first preview (ids,
// outputs and every value taken from another resource unknown).

// reported collects what a policy reports, as the engine would.
type reported struct {
	policy string
	out    *[]policies.Violation
	level  policyx.EnforcementLevel
}

func (r reported) ReportViolation(message, urn string) {
	sev := policies.Advisory
	if r.level == policyx.EnforcementLevelMandatory {
		sev = policies.Mandatory
	}
	*r.out = append(*r.out, policies.Violation{Policy: r.policy, Severity: sev, Resource: urn, Message: message})
}

// runPack validates a stack with every policy of a pack.
func runPack(t *testing.T, pack policyx.PolicyPack, resources []policyx.AnalyzerResource) []policies.Violation {
	t.Helper()
	var out []policies.Violation
	for _, p := range pack.Policies() {
		sp, ok := p.(policyx.StackValidationPolicy)
		require.True(t, ok, "%s is a stack policy", p.Name())
		m := reported{policy: p.Name(), out: &out, level: p.EnforcementLevel()}
		require.NoError(t, sp.Validate(context.Background(), policyx.StackValidationArgs{Manager: m, Resources: resources}))
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Policy != out[j].Policy {
			return out[i].Policy < out[j].Policy
		}
		return out[i].Resource < out[j].Resource
	})
	return out
}

// asEngine turns recorded resources into what the engine hands a policy pack.
// In preview mode an input that came from another resource has every value
// of that resource (its id, its outputs) unknown, and the resource's own id
// and outputs are unknown.
func asEngine(rs []*mock.Resource, preview bool) []policyx.AnalyzerResource {
	byURN := map[string]*mock.Resource{}
	for _, r := range rs {
		byURN[r.URN] = r
	}
	var out []policyx.AnalyzerResource
	for _, r := range rs {
		if r.Type == "pulumi:pulumi:Stack" {
			continue
		}
		props := resource.PropertyMap{}
		for k, v := range r.Inputs {
			var produced []string
			if preview {
				for _, d := range r.PropertyDeps[k] {
					if dep := byURN[d]; dep != nil && dep.Custom {
						produced = append(produced, dep.ID)
						for _, o := range dep.Outputs {
							if s, ok := o.(string); ok && len(s) > 8 {
								produced = append(produced, s)
							}
						}
					}
				}
			}
			props[resource.PropertyKey(k)] = engineValue(v, produced)
		}
		for k, v := range r.Outputs {
			if _, isInput := r.Inputs[k]; isInput {
				continue
			}
			if preview {
				props[resource.PropertyKey(k)] = resource.MakeComputed(resource.NewProperty(""))
			} else {
				props[resource.PropertyKey(k)] = engineValue(v, nil)
			}
		}
		if r.Custom && !preview {
			props["id"] = resource.NewProperty(r.ID)
		}
		a := policyx.AnalyzerResource{
			Type: r.Type, URN: r.URN, Name: r.Name, Parent: r.Parent,
			Properties:   resource.FromResourcePropertyMap(props),
			Options:      pulumi.ResourceOptions{Protect: r.Protect, IgnoreChanges: r.IgnoreChanges},
			Dependencies: r.DependsOn, PropertyDependencies: r.PropertyDeps,
		}
		if i := strings.LastIndex(r.Provider, "::"); i > 0 {
			p := byURN[r.Provider[:i]]
			a.Provider = policyx.AnalyzerProviderResource{Type: p.Type, URN: p.URN, Name: p.Name,
				Properties: resource.FromResourcePropertyMap(resource.NewPropertyMapFromMap(p.Inputs))}
		}
		out = append(out, a)
	}
	return out
}

// engineValue is a plain value as a property value; a string that contains
// any of produced is unknown.
func engineValue(v any, produced []string) resource.PropertyValue {
	switch x := v.(type) {
	case string:
		for _, p := range produced {
			if strings.Contains(x, p) {
				return resource.MakeComputed(resource.NewProperty(""))
			}
		}
	case []any:
		arr := make([]resource.PropertyValue, len(x))
		for i, e := range x {
			arr[i] = engineValue(e, produced)
		}
		return resource.NewProperty(arr)
	case map[string]any:
		obj := resource.PropertyMap{}
		for k, e := range x {
			obj[resource.PropertyKey(k)] = engineValue(e, produced)
		}
		return resource.NewProperty(obj)
	}
	return resource.NewPropertyValue(v)
}

func packFor(t *testing.T, s policies.Stack, stack string) policyx.PolicyPack {
	t.Helper()
	pack, err := policies.NewPack(s.Spec, "mobile-backend", stack, policies.All)
	require.NoError(t, err)
	return pack
}

func TestPolicyPackProjectFileIsAGoPack(t *testing.T) {
	t.Parallel()
	proj, err := workspace.LoadPolicyPack("../../policies/pack/PulumiPolicy.yaml")
	require.NoError(t, err)
	assert.Equal(t, "go", proj.Runtime.Name())
}

func TestPolicyPackAdaptsEveryRuleWithItsSeverityForTheStack(t *testing.T) {
	t.Parallel()
	prod, staging := PlanFile(t, "../../Pulumi.prod.yaml"), PlanFile(t, "../../Pulumi.staging.yaml")
	for _, tc := range []struct {
		pack     policyx.PolicyPack
		prodOnly policyx.EnforcementLevel
	}{
		{packFor(t, Graph(prod), "prod"), policyx.EnforcementLevelMandatory},
		{packFor(t, Graph(staging), "staging"), policyx.EnforcementLevelAdvisory},
	} {
		require.Len(t, tc.pack.Policies(), len(policies.All))
		for i, p := range tc.pack.Policies() {
			assert.Equal(t, policies.All[i].Name, p.Name())
			assert.Equal(t, policies.All[i].Description, p.Description())
			switch p.Name() {
			case policies.WAFEnforcing.Name, policies.AlertsRouted.Name, policies.MobileEdge.Name, policies.ReleaseInWaves.Name, policies.BreakGlassBounded.Name:
				assert.Equal(t, tc.prodOnly, p.EnforcementLevel(), "%s fails production only", p.Name())
			case policies.AttestationEnforced.Name:
				assert.Equal(t, policyx.EnforcementLevelAdvisory, p.EnforcementLevel(), "enforcing attestation is advice")
			case policies.ImagePinned.Name:
				assert.Equal(t, policyx.EnforcementLevelAdvisory, p.EnforcementLevel(), "a digest is advice")
			default:
				assert.Equal(t, policyx.EnforcementLevelMandatory, p.EnforcementLevel(), p.Name())
			}
		}
	}
}

func TestPolicyPackReportsWhatThePlanReportsAfterAnUpdateAndInAFirstPreview(t *testing.T) {
	t.Parallel()
	for _, file := range LinkedStacks(t) {
		res := PlanFile(t, file)
		pack := packFor(t, Graph(res), res.Config.Stack)
		for _, preview := range []bool{false, true} {
			got := runPack(t, pack, asEngine(res.Recorder.Resources(), preview))
			want := res.Policies()
			if preview {
				// The region-loss analysis joins on computed values: a
				// first preview leaves it to the plan and to pulumi up.
				want = slices.DeleteFunc(slices.Clone(want), func(v policies.Violation) bool { return v.Policy == policies.RegionLossSurvived.Name })
				if len(want) == 0 {
					want = nil
				}
			}
			assert.Equal(t, want, got, "%s (preview %v)", file, preview)
		}
	}
}

func TestPolicyPackCatchesABrokenJoinEvenBeforeIdsAreKnown(t *testing.T) {
	t.Parallel()
	// Dropping one region's public access block, WAF association or health
	// check must be caught in a first preview too, where every id is unknown.
	for _, tc := range []struct{ file, typ, nameHas, policy string }{
		{"../../Pulumi.prod.yaml", "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "eu-west-1", policies.NoPublicObjectStorage.Name},
		{"../../Pulumi.prod.yaml", TypeACLAssoc, "us-east-1", policies.WAFOnEveryEntry.Name},
		{"../../Pulumi.prod.yaml", TypeHealthCheck, "ap-southeast-1", policies.EveryRegionServedAndWatched.Name},
		{"../../Pulumi.gcp-prod.yaml", "gcp:compute/sSLPolicy:SSLPolicy", "", policies.TLSEverywhere.Name},
		{"../../Pulumi.azure-prod.yaml", "azure-native:cdn:SecurityPolicy", "", policies.WAFOnEveryEntry.Name},
	} {
		t.Run(tc.typ+" "+tc.nameHas, func(t *testing.T) {
			res := PlanFile(t, tc.file)
			dropped := false
			var kept []*mock.Resource
			for _, r := range res.Recorder.Resources() {
				if !dropped && r.Type == tc.typ && strings.Contains(r.URN, tc.nameHas) {
					dropped = true
					continue
				}
				kept = append(kept, r)
			}
			require.True(t, dropped, "%s has a %s %s", tc.file, tc.typ, tc.nameHas)
			// Only the policy under test, in the plan and in the pack: the
			// others (the region-loss analysis above all) would only cost time.
			i := slices.IndexFunc(policies.All, func(p policies.Policy) bool { return p.Name == tc.policy })
			require.GreaterOrEqual(t, i, 0, tc.policy)
			only := []policies.Policy{policies.All[i]}
			want := policies.Evaluate(policies.Stack{Spec: res.Spec, Resources: kept}, only)
			require.NotEmpty(t, filterPolicy(want, tc.policy), "the plan catches the missing %s", tc.typ)
			pack, err := policies.NewPack(res.Spec, "mobile-backend", res.Config.Stack, only)
			require.NoError(t, err)
			for _, preview := range []bool{false, true} {
				got := runPack(t, pack, asEngine(kept, preview))
				assert.Equal(t, filterPolicy(want, tc.policy), filterPolicy(got, tc.policy), "%s without %s (preview %v)", tc.file, tc.typ, preview)
			}
		})
	}
}

func filterPolicy(vs []policies.Violation, name string) []policies.Violation {
	var out []policies.Violation
	for _, v := range vs {
		if v.Policy == name {
			out = append(out, v)
		}
	}
	return out
}

func TestPolicyPackLoadsTheStackConfigTheEngineHandsIt(t *testing.T) {
	t.Parallel()
	newCtx := func(cfg map[string]string) *pulumi.Context {
		ctx, err := pulumi.NewContext(context.Background(), pulumi.RunInfo{Project: "mobile-backend", Stack: "prod", Config: cfg})
		require.NoError(t, err)
		return ctx
	}
	_, err := policies.PackFromContext(newCtx(map[string]string{"mobile-backend:cloud": "aws"}))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "mobile-backend:regions")

	pack, err := policies.PackFromContext(newCtx(map[string]string{
		"mobile-backend:cloud": "aws", "mobile-backend:topology": "active-active",
		"mobile-backend:regions": `["us-east-1","eu-west-1"]`, "mobile-backend:domain": "api.example.com",
	}))
	require.NoError(t, err)
	assert.Equal(t, "mobile-backend", pack.Name())
	for _, p := range pack.Policies() {
		if p.Name() == policies.WAFEnforcing.Name {
			assert.Equal(t, policyx.EnforcementLevelMandatory, p.EnforcementLevel(), "a stack named prod is production by default")
		}
	}
}
