// Package stacks is what every cloud's stack shares: the program (config to
// spec to stack to exported outputs), the one outputs contract and the cost
// tags. Each cloud's stack is a package of its own (stacks/aws, stacks/gcp,
// stacks/azure) that reads like the architecture diagram: global pieces
// once, the same regional stamp for every region, routing across them.
package stacks

import (
	"errors"
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"

	"github.com/mobile-backend/mobile-backend/internal/spec"
)

// Program is the Pulumi program: it loads and validates the spec from the
// stack's config, deploys the stack and exports its outputs. main.go runs it
// under the engine and the offline plan under mocks; it returns the exported
// outputs so that the plan can print them.
func Program(ctx *pulumi.Context) (pulumi.Map, error) {
	s, err := LoadSpec(ctx)
	if err != nil {
		return nil, err
	}
	outputs, err := Deploy(ctx, s)
	if err != nil {
		return nil, err
	}
	for _, k := range spec.SortedKeys(outputs) {
		ctx.Export(k, outputs[k])
	}
	return outputs, nil
}

// LoadSpec reads the mobile-backend config of the running stack into a
// validated spec.
func LoadSpec(ctx *pulumi.Context) (spec.Spec, error) {
	return spec.LoadWithSecrets(ctx.Stack(), func(key string) (string, bool) {
		v, err := config.Try(ctx, spec.Namespace+":"+key)
		return v, err == nil
	}, ctx.IsConfigSecret)
}

// ErrNotSupported marks a cloud whose stacks do not exist yet.
var ErrNotSupported = errors.New("not supported yet")

// Supported returns a configuration error for a cloud this version cannot
// deploy, naming the key.
func Supported(c spec.Cloud) error {
	if c == spec.AWS || c == spec.GCP || c == spec.Azure {
		return nil
	}
	return &spec.Error{Problems: []string{fmt.Sprintf("%s:cloud: %q is %v: aws, gcp and azure can be deployed in this version", spec.Namespace, c, ErrNotSupported)}}
}

// Deployer builds one cloud's stack from the spec and returns its outputs.
type Deployer func(ctx *pulumi.Context, s spec.Spec) (pulumi.Map, error)

// deployers are the clouds linked into this binary: each cloud's stack
// package (stacks/aws, stacks/gcp, stacks/azure) registers itself when
// imported, so that a test binary of one cloud links only that cloud's SDK
// (docs/development.md). main.go and cmd/plan import all three.
var deployers = map[spec.Cloud]Deployer{}

// Register makes a cloud deployable; the cloud stack packages call it from
// init.
func Register(c spec.Cloud, d Deployer) { deployers[c] = d }

// Linked reports whether the cloud's stack package is linked into this
// binary.
func Linked(c spec.Cloud) bool { return deployers[c] != nil }

// Deploy builds the stack the spec describes and returns its outputs: the
// global endpoint, each region's endpoint and role, and the topology.
func Deploy(ctx *pulumi.Context, s spec.Spec) (pulumi.Map, error) {
	if err := Supported(s.Cloud); err != nil {
		return nil, err
	}
	deploy := deployers[s.Cloud]
	if deploy == nil {
		return nil, fmt.Errorf("the %s stacks are not linked into this program: import github.com/mobile-backend/mobile-backend/stacks/%s", s.Cloud, s.Cloud)
	}
	// The deprecated, SDK-side transformation on purpose: it sees each
	// resource's typed Args, so it tags exactly the types with a Tags (or
	// Labels) input. RegisterResourceTransform runs in the engine on untyped
	// properties (it needs a table of the types that take tags), and it
	// starts a gRPC callback server per context that the SDK never stops
	// (sdk/go/pulumi/callback.go): tried with the recorder running the
	// transform, each of a test binary's ~100 plans stayed in memory
	// (tests/aws: 220 MB to 1 GB, 3.1 s to 5.6 s), for byte-identical plans.
	if err := ctx.RegisterStackTransformation(costAllocation(s)); err != nil {
		return nil, err
	}
	return deploy(ctx, s)
}
