package stacks

import (
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
}

// FrozenChanges is the ignoreChanges of every resource in a down region.
var FrozenChanges = []string{"*"}

// NewOutage registers the stack transformation (before any resource).
func NewOutage(ctx *pulumi.Context, s spec.Spec) (*Outage, error) {
	o := &Outage{providers: map[pulumi.ProviderResource]bool{}, frozen: map[pulumi.Resource]bool{}}
	if len(s.RegionsDown) == 0 {
		return o, nil
	}
	return o, ctx.RegisterStackTransformation(o.freeze)
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
