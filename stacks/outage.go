package stacks

import (
	"reflect"
	"slices"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mobile-backend/mobile-backend/internal/spec"
)

// Outage keeps the regions of mobile-backend:regionsDown as they were
// deployed. Each cloud's stack builds a down region's resources from
// spec.AsDeployed (so their inputs are the deployed ones) and registers the
// region's provider here; every custom resource under that provider, named
// explicitly or inherited from a component, then carries ignoreChanges
// ["*"] (pulumi/pulumi#13005): the engine diffs it against its old inputs
// only, so neither a moved writer nor a hotfix's new image reaches a region
// whose control plane cannot answer.
type Outage struct {
	mu        sync.Mutex
	providers map[pulumi.ProviderResource]bool
	frozen    map[pulumi.Resource]bool
	// regions are the down regions, for clouds whose resources name their
	// region (Google Cloud's region or location, Azure's location) and
	// whose providers are not bound to one.
	regions map[string]bool
	// also are the transformations registered after it, run first: the
	// SDK hands every stack transformation the resource's original options
	// and keeps the options of the last one that answers
	// (applyTransformations), so this one carries those that change options.
	also []pulumi.ResourceTransformation
}

// FrozenChanges is the ignoreChanges of every resource in a down region.
var FrozenChanges = []string{"*"}

// NewOutage registers its stack transformation (before any resource of the
// cloud's stack); Also adds the later ones to it.
func NewOutage(ctx *pulumi.Context) (*Outage, error) {
	o := &Outage{providers: map[pulumi.ProviderResource]bool{}, frozen: map[pulumi.Resource]bool{}, regions: map[string]bool{}}
	return o, ctx.RegisterStackTransformation(o.transform)
}

// Also runs t on every resource registered from now on, before the freeze.
func (o *Outage) Also(t pulumi.ResourceTransformation) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.also = append(o.also, t)
}

func (o *Outage) transform(a *pulumi.ResourceTransformationArgs) *pulumi.ResourceTransformationResult {
	o.mu.Lock()
	also := slices.Clone(o.also)
	o.mu.Unlock()
	var out *pulumi.ResourceTransformationResult
	for _, t := range also {
		if r := t(a); r != nil {
			next := *a
			next.Props, next.Opts = r.Props, r.Opts
			a, out = &next, r
		}
	}
	if r := o.freeze(a); r != nil {
		return r
	}
	return out
}

// ByLocation freezes every resource whose region or location input names a
// down region (Google Cloud, Azure).
func (o *Outage) ByLocation(s spec.Spec) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, r := range s.RegionsDown {
		o.regions[r] = true
	}
}

// Down registers a down region's provider.
func (o *Outage) Down(p pulumi.ProviderResource) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.providers[p] = true
}

func (o *Outage) freeze(a *pulumi.ResourceTransformationArgs) *pulumi.ResourceTransformationResult {
	opts, err := pulumi.NewResourceOptions(a.Opts...)
	if err != nil {
		return nil
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	in := false
	switch {
	case opts.Provider != nil:
		in = o.providers[opts.Provider]
	case len(opts.Providers) > 0:
		for _, p := range opts.Providers {
			in = in || o.providers[p]
		}
	case opts.Parent != nil:
		in = o.frozen[opts.Parent]
	}
	if !in && len(o.regions) > 0 {
		in = o.regions[locationOf(a.Props)]
	}
	if !in {
		return nil
	}
	o.frozen[a.Resource] = true
	if _, custom := a.Resource.(pulumi.CustomResource); !custom {
		return nil
	}
	return &pulumi.ResourceTransformationResult{Props: a.Props, Opts: append(a.Opts, pulumi.IgnoreChanges(FrozenChanges))}
}

// ViewOf is the spec a region's own resources are built from: as deployed
// for a down region, the current one otherwise.
func ViewOf(s spec.Spec, region string) spec.Spec {
	if s.Down(region) {
		return s.AsDeployed()
	}
	return s
}

// locationOf is the literal value of an args struct's Region or Location
// input ("" when it has none or it is not known yet): Azure takes every
// location in lower case without spaces, as the stack writes it.
func locationOf(props pulumi.Input) string {
	v := reflect.ValueOf(props)
	for v.Kind() == reflect.Pointer && !v.IsNil() {
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return ""
	}
	for _, field := range []string{"Region", "Location"} {
		f := v.FieldByName(field)
		if !f.IsValid() || f.IsNil() {
			continue
		}
		e := f.Elem()
		for e.Kind() == reflect.Pointer && !e.IsNil() {
			e = e.Elem()
		}
		if e.Kind() == reflect.String {
			return e.String()
		}
	}
	return ""
}
