// Package stacks composes the components of each cloud into a stack, one file
// per cloud, and reads like the architecture diagram: global pieces once, the
// same regional stamp for every region, routing across them.
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
	return spec.Load(ctx.Stack(), func(key string) (string, bool) {
		v, err := config.Try(ctx, spec.Namespace+":"+key)
		return v, err == nil
	})
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

// Deploy builds the stack the spec describes and returns its outputs: the
// global endpoint, each region's endpoint and role, and the topology.
func Deploy(ctx *pulumi.Context, s spec.Spec) (pulumi.Map, error) {
	if err := Supported(s.Cloud); err != nil {
		return nil, err
	}
	if err := ctx.RegisterStackTransformation(costAllocation(s)); err != nil {
		return nil, err
	}
	switch s.Cloud {
	case spec.GCP:
		return GCP(ctx, s)
	case spec.Azure:
		return Azure(ctx, s)
	}
	return AWS(ctx, s)
}
