package mock

import (
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// EngineResource is one resource as a real engine hands it to a policy pack
// during `pulumi preview` or `pulumi up`: its properties are its state (after
// an update) or its inputs with unknown outputs (in a preview).
type EngineResource struct {
	URN, Type, Name, Parent string
	// Provider is the URN of the resource's provider ("" for components and
	// for providers themselves); ProviderInputs are that provider's inputs.
	Provider       string
	ProviderInputs resource.PropertyMap
	Protect        bool
	IgnoreChanges  []string
	DependsOn      []string
	PropertyDeps   map[string][]string
	Properties     resource.PropertyMap
}

// RefPrefix marks a value the engine has not computed yet, resolved to the
// resource it comes from.
const RefPrefix = "ref:"

// FromEngine turns what the engine reports into the resources the policies
// read, with the same region rules as the recorder, so a policy pack runs
// the very rules the offline plan runs.
//
// In a preview, ids and outputs of resources not yet created are unknown,
// and the joins the rules make ("the access block of this bucket", "the web
// ACL of this load balancer") would find nothing. So an unknown value is
// resolved to the resource it comes from: an unknown input whose value came
// from exactly one resource (its property dependencies say which) becomes
// "ref:<that URN>", an unknown output of the resource itself and an unknown
// id become "ref:<its own URN>", and the two sides of a join meet again. An
// unknown inside an input that came from several resources cannot be
// resolved and stays "[unknown]"; rules that join such inputs use
// PropertyDeps instead.
func FromEngine(project, stack string, in []EngineResource) []*Resource {
	m := NewRecorder(project, stack)
	providers := map[string]string{}
	for _, r := range in {
		if strings.HasPrefix(r.Type, "pulumi:providers:") {
			providers[r.URN] = regionInput(r.Properties)
		}
	}
	for _, r := range in {
		props := resolveUnknowns(r.Properties, r.PropertyDeps, r.URN)
		custom := r.Provider != "" || strings.HasPrefix(r.Type, "pulumi:providers:")
		region := providers[r.Provider]
		if region == "" && r.ProviderInputs != nil {
			region = regionInput(r.ProviderInputs)
		}
		res := &Resource{
			URN: r.URN, Type: r.Type, Name: r.Name, Parent: r.Parent, Custom: custom,
			Region:  regionOf(r.Type, custom, props, region),
			Protect: r.Protect, IgnoreChanges: r.IgnoreChanges, DependsOn: r.DependsOn, PropertyDeps: r.PropertyDeps,
			Inputs: Plain(props), Outputs: Plain(props),
		}
		if r.Provider != "" {
			res.Provider = r.Provider + "::[unknown]" // the engine does not say the provider's id
		}
		res.ID = RefPrefix + r.URN
		if id, ok := props["id"]; ok && id.IsString() {
			res.ID = id.StringValue()
		}
		m.resources[r.URN] = res
	}
	m.dirty = true
	return m.Resources()
}

// resolveUnknowns returns a copy of props with each unknown replaced as
// FromEngine describes.
func resolveUnknowns(props resource.PropertyMap, deps map[string][]string, self string) resource.PropertyMap {
	out := make(resource.PropertyMap, len(props))
	for k, v := range props {
		switch d := deps[string(k)]; len(d) {
		case 0:
			out[k] = replaceUnknown(v, RefPrefix+self)
		case 1:
			out[k] = replaceUnknown(v, RefPrefix+d[0])
		default:
			out[k] = v
		}
	}
	if _, ok := out["id"]; !ok {
		out["id"] = resource.NewProperty(RefPrefix + self)
	}
	return out
}

func replaceUnknown(v resource.PropertyValue, with string) resource.PropertyValue {
	switch {
	case v.IsComputed(), v.IsOutput() && !v.OutputValue().Known && !v.OutputValue().Secret:
		return resource.NewProperty(with)
	case v.IsOutput() && v.OutputValue().Known && !v.OutputValue().Secret:
		return replaceUnknown(v.OutputValue().Element, with)
	case v.IsArray():
		arr := make([]resource.PropertyValue, len(v.ArrayValue()))
		for i, e := range v.ArrayValue() {
			arr[i] = replaceUnknown(e, with)
		}
		return resource.NewProperty(arr)
	case v.IsObject():
		obj := make(resource.PropertyMap, len(v.ObjectValue()))
		for k, e := range v.ObjectValue() {
			obj[k] = replaceUnknown(e, with)
		}
		return resource.NewProperty(obj)
	}
	return v
}

// Unresolved reports whether a value is one the engine has not computed yet
// ("[unknown]", or an unknown resolved to the resource it comes from).
func Unresolved(v string) bool {
	return v == "[unknown]" || strings.HasPrefix(v, RefPrefix)
}
