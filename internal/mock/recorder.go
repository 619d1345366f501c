// Package mock is the one recording mock of the project: the offline plan and
// every test run the real program under pulumi.WithMocks with a Recorder, then
// ask it questions about what was registered ("the records of type X in region
// Y") instead of re-walking raw property maps.
//
// The mock answers like a provider would on a first deploy: ids, ARNs, DNS
// names and zone ids are plausible, deterministic values derived from the
// resource's name and region, so Apply chains and recorded inputs look like a
// real preview's and the plan's bytes do not change from run to run.
package mock

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Resource is one registered resource as the engine would have seen it.
type Resource struct {
	URN      string
	ID       string // what the mock answered as the physical id
	Type     string
	Name     string
	Parent   string // parent URN; the stack for top-level resources
	Region   string // region of the explicit provider (or location); empty for global resources
	Custom   bool
	Provider string // provider reference (URN::ID); empty for components
	Protect  bool
	// DependsOn are the URNs of explicit dependencies.
	DependsOn []string
	// PropertyDeps are, per top-level input, the URNs of the resources its
	// value came from: the one join that holds before any id is known.
	PropertyDeps map[string][]string
	// IgnoreChanges are the input paths the engine will not diff.
	IgnoreChanges []string
	// Inputs are the registered inputs as plain JSON values: secrets are the
	// string "[secret]", unknowns "[unknown]".
	Inputs map[string]any
	// Outputs are what the mock answered, in the same plain form.
	Outputs map[string]any

	secretInputs bool
}

// Get returns the input at a dotted path ("healthCheck.interval",
// "rules.0.name"), or nil.
func (r *Resource) Get(path string) any { return lookup(r.Inputs, path) }

// Str returns the string input at a path ("" if absent or not a string).
func (r *Resource) Str(path string) string {
	s, _ := r.Get(path).(string)
	return s
}

// Int returns the numeric input at a path as an int (0 if absent).
func (r *Resource) Int(path string) int {
	f, _ := r.Get(path).(float64)
	return int(f)
}

// Bool returns the boolean input at a path (false if absent).
func (r *Resource) Bool(path string) bool {
	b, _ := r.Get(path).(bool)
	return b
}

// Len returns the length of the list input at a path (0 if absent).
func (r *Resource) Len(path string) int {
	l, _ := r.Get(path).([]any)
	return len(l)
}

// Strs returns, for each element of the list input at list, the string at
// field inside it ("" for the element itself): Strs("rules", "destination.bucket").
func (r *Resource) Strs(list, field string) []string {
	out := make([]string, r.Len(list))
	for i := range out {
		p := fmt.Sprintf("%s.%d", list, i)
		if field != "" {
			p += "." + field
		}
		out[i] = r.Str(p)
	}
	return out
}

// Out returns the output at a dotted path, or nil.
func (r *Resource) Out(path string) any { return lookup(r.Outputs, path) }

func lookup(v any, path string) any {
	for _, part := range strings.Split(path, ".") {
		switch c := v.(type) {
		case map[string]any:
			v = c[part]
		case []any:
			var i int
			if _, err := fmt.Sscan(part, &i); err != nil || i < 0 || i >= len(c) {
				return nil
			}
			v = c[i]
		default:
			return nil
		}
	}
	return v
}

// Recorder implements pulumi.MockResourceMonitor and keeps every resource.
type Recorder struct {
	Project, Stack string

	mu        sync.Mutex
	resources map[string]*Resource
	providers map[string]string // provider URN -> its region
	calls     []Call
	dirty     bool        // component regions and the sorted view need recomputing
	sorted    []*Resource // every resource by URN, valid while !dirty
}

// Call is one recorded invoke.
type Call struct {
	Token  string
	Region string
	Args   map[string]any // plain values, as Plain gives them
}

// NewRecorder returns an empty recorder for a project and stack.
func NewRecorder(project, stack string) *Recorder {
	return &Recorder{Project: project, Stack: stack, resources: map[string]*Resource{}, providers: map[string]string{}}
}

// RunOption is the pulumi.RunOption that routes a run through this recorder.
func (m *Recorder) RunOption() pulumi.RunOption {
	return pulumi.WithMocks(m.Project, m.Stack, m)
}

// NewResource records a resource and answers with plausible outputs.
func (m *Recorder) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	rpc := args.RegisterRPC
	parent := ""
	var deps, ignore []string
	propDeps := map[string][]string{}
	protect := false
	if rpc != nil {
		parent = rpc.GetParent()
		deps = rpc.GetDependencies()
		ignore = rpc.GetIgnoreChanges()
		protect = rpc.GetProtect()
		for k, d := range rpc.GetPropertyDependencies() {
			propDeps[k] = d.GetUrns()
		}
	}
	urn := m.urn(parent, args.TypeToken, args.Name)

	m.mu.Lock()
	defer m.mu.Unlock()
	region := regionOf(args.TypeToken, args.Custom, args.Inputs, m.providers[providerURN(args.Provider)])
	id, outputs := answer(args.TypeToken, args.Name, region, args.Inputs)
	if strings.HasPrefix(args.TypeToken, "pulumi:providers:") {
		m.providers[urn] = region
	}
	m.resources[urn] = &Resource{
		URN: urn, ID: id, Type: args.TypeToken, Name: args.Name, Parent: parent, Region: region,
		Custom: args.Custom, Provider: args.Provider, Protect: protect,
		DependsOn: deps, IgnoreChanges: ignore, PropertyDeps: propDeps,
		Inputs:       Plain(args.Inputs),
		Outputs:      Plain(outputs),
		secretInputs: args.Inputs.ContainsSecrets(),
	}
	m.dirty = true
	return id, outputs, nil
}

// Call answers an invoke like the provider would.
func (m *Recorder) Call(args pulumi.MockCallArgs) (resource.PropertyMap, error) {
	m.mu.Lock()
	region := m.providers[providerURN(args.Provider)]
	m.calls = append(m.calls, Call{Token: args.Token, Region: region, Args: Plain(args.Args)})
	m.mu.Unlock()
	return invoke(args.Token, region, args.Args)
}

// regionOf is the region a resource is in: its provider's, unless it is a
// global service; a Google Cloud resource's own region input; an Azure
// resource's location.
func regionOf(typ string, custom bool, inputs resource.PropertyMap, providerRegion string) string {
	region := ""
	switch {
	case strings.HasPrefix(typ, "pulumi:providers:"):
		region = regionInput(inputs)
	case strings.HasPrefix(typ, "gcp:"):
		// A Google Cloud provider's region is only a default: a resource is
		// regional when it names a region, global otherwise.
		region = gcpRegion(inputs)
	case custom:
		region = providerRegion
		if isGlobal(typ, inputs) {
			region = ""
		}
		// An Azure resource says where it is: a region, or "global".
		if loc, ok := inputs["location"]; ok && loc.IsString() && strings.HasPrefix(typ, "azure-native:") {
			region = strings.ToLower(loc.StringValue())
			if region == "global" {
				region = ""
			}
		}
	}
	return region
}

func (m *Recorder) urn(parent, typ, name string) string {
	parentType := tokens.Type("")
	if p := resource.URN(parent); p != "" && p.QualifiedType() != resource.RootStackType {
		parentType = p.QualifiedType()
	}
	return string(resource.NewURN(tokens.QName(m.Stack), tokens.PackageName(m.Project), parentType, tokens.Type(typ), name))
}

// providerURN strips the ID from a provider reference ("URN::ID").
func providerURN(ref string) string {
	if i := strings.LastIndex(ref, "::"); i > 0 {
		return ref[:i]
	}
	return ref
}

func regionInput(inputs resource.PropertyMap) string {
	for _, k := range []resource.PropertyKey{"region", "location"} {
		if v, ok := inputs[k]; ok && v.IsString() {
			return v.StringValue()
		}
	}
	return ""
}

// gcpRegion is the region a Google Cloud resource names in its region or
// location input ("us-central1"), or "" for a global or multi-region one
// ("US", no location).
func gcpRegion(inputs resource.PropertyMap) string {
	for _, k := range []resource.PropertyKey{"region", "location"} {
		if v, ok := inputs[k]; ok && v.IsString() && strings.Contains(v.StringValue(), "-") && strings.ToLower(v.StringValue()) == v.StringValue() {
			return v.StringValue()
		}
	}
	return ""
}

// isGlobal reports whether a resource belongs to a global service, whose
// region is meaningless even though its provider has one.
func isGlobal(typ string, inputs resource.PropertyMap) bool {
	parts := strings.Split(typ, ":")
	if len(parts) != 3 || parts[0] != "aws" {
		return false
	}
	module := strings.SplitN(parts[1], "/", 2)[0]
	switch module {
	case "iam", "cloudfront", "budgets", "organizations", "globalaccelerator", "shield":
		return true
	case "route53":
		return !strings.HasPrefix(strings.SplitN(parts[1], "/", 2)[1], "resolver")
	case "wafv2":
		s, ok := inputs["scope"]
		return ok && s.IsString() && s.StringValue() == "CLOUDFRONT"
	}
	return false
}

// resolveComponents places each component in the one region its regional
// resources are in; a component whose resources span regions, or that holds
// only global services, is global.
func (m *Recorder) resolveComponents() {
	regions := map[string]map[string]bool{} // component URN -> regions below it
	for _, r := range m.resources {
		if !r.Custom || r.Region == "" {
			continue
		}
		for p := m.resources[r.Parent]; p != nil; p = m.resources[p.Parent] {
			if regions[p.URN] == nil {
				regions[p.URN] = map[string]bool{}
			}
			regions[p.URN][r.Region] = true
		}
	}
	for urn, set := range regions {
		c := m.resources[urn]
		c.Region = ""
		if len(set) == 1 {
			for r := range set {
				c.Region = r
			}
		}
	}
}

// view is every resource sorted by URN, with component regions resolved.
// It is recomputed only after a resource was added: tests read a finished
// plan many times. The caller holds m.mu and must not change the slice.
func (m *Recorder) view() []*Resource {
	if m.dirty || m.sorted == nil {
		m.resolveComponents()
		m.sorted = make([]*Resource, 0, len(m.resources))
		for _, r := range m.resources {
			m.sorted = append(m.sorted, r)
		}
		sort.Slice(m.sorted, func(i, j int) bool { return m.sorted[i].URN < m.sorted[j].URN })
		m.dirty = false
	}
	return m.sorted
}

// Resources returns every recorded resource, sorted by URN.
func (m *Recorder) Resources() []*Resource {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.view())
}

// where returns the resources that keep reports true, sorted by URN.
func (m *Recorder) where(keep func(*Resource) bool) []*Resource {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []*Resource
	for _, r := range m.view() {
		if keep(r) {
			out = append(out, r)
		}
	}
	return out
}

// OfType returns the resources of a type token, sorted by URN.
func (m *Recorder) OfType(typ string) []*Resource {
	return m.where(func(r *Resource) bool { return r.Type == typ })
}

// InRegion returns the resources of a type in one region.
func (m *Recorder) InRegion(typ, region string) []*Resource {
	return m.where(func(r *Resource) bool { return r.Type == typ && r.Region == region })
}

// Named returns the resource of a type with a logical name, or nil.
func (m *Recorder) Named(typ, name string) *Resource {
	if found := m.where(func(r *Resource) bool { return r.Type == typ && r.Name == name }); len(found) > 0 {
		return found[0]
	}
	return nil
}

// ByURN returns a resource by URN, or nil.
func (m *Recorder) ByURN(urn string) *Resource {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.view() // resolves component regions
	return m.resources[urn]
}

// Children returns the direct children of a resource.
func (m *Recorder) Children(urn string) []*Resource {
	return m.where(func(r *Resource) bool { return r.Parent == urn })
}

// Calls returns the recorded invokes in order.
func (m *Recorder) Calls() []Call {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]Call(nil), m.calls...)
}

// Plain turns a property map into plain JSON values: secrets become the
// string "[secret]" and unknowns "[unknown]", so nothing secret is ever
// printed or compared by value.
func Plain(pm resource.PropertyMap) map[string]any {
	out := make(map[string]any, len(pm))
	for k, v := range pm {
		if strings.HasPrefix(string(k), "__") {
			continue // engine bookkeeping such as __defaults
		}
		out[string(k)] = plainValue(v)
	}
	return out
}

func plainValue(v resource.PropertyValue) any {
	switch {
	case v.IsSecret():
		return "[secret]"
	case v.IsComputed():
		return "[unknown]"
	case v.IsOutput():
		o := v.OutputValue()
		if o.Secret {
			return "[secret]"
		}
		if !o.Known {
			return "[unknown]"
		}
		return plainValue(o.Element)
	case v.IsNull():
		return nil
	case v.IsBool():
		return v.BoolValue()
	case v.IsNumber():
		return v.NumberValue()
	case v.IsString():
		return v.StringValue()
	case v.IsArray():
		arr := v.ArrayValue()
		out := make([]any, len(arr))
		for i, e := range arr {
			out[i] = plainValue(e)
		}
		return out
	case v.IsObject():
		return Plain(v.ObjectValue())
	case v.IsResourceReference():
		return string(v.ResourceReferenceValue().URN)
	case v.IsAsset():
		// A text asset is recorded as its text, so a test can read what a
		// blob will hold; a file or remote asset as "[asset]".
		if a := v.AssetValue(); a.IsText() {
			return a.Text
		}
		return "[asset]"
	case v.IsArchive():
		return "[asset]"
	}
	return fmt.Sprint(v.V)
}
