// Package tests runs the program, its components and the offline plan under
// the project's one recording mock (internal/mock) and asserts the values
// that matter. It is a single test package on purpose: each test binary links
// the cloud SDKs (~250 MB).
package tests

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/require"

	awsc "github.com/mobile-backend/mobile-backend/components/aws"
	"github.com/mobile-backend/mobile-backend/internal/mock"
	"github.com/mobile-backend/mobile-backend/internal/plan"
	"github.com/mobile-backend/mobile-backend/internal/spec"
	"github.com/mobile-backend/mobile-backend/internal/stackfile"
)

const projectFile = "../Pulumi.yaml"

// contract is a stack config with only the four keys every stack must set.
func contract(cloud, topology string, regions ...string) map[string]any {
	return map[string]any{
		"cloud":    cloud,
		"topology": topology,
		"regions":  regions,
		"domain":   "api.example.com",
	}
}

// with returns a copy of a config with more keys set.
func with(cfg map[string]any, kv ...any) map[string]any {
	out := map[string]any{}
	for k, v := range cfg {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i].(string)] = kv[i+1]
	}
	return out
}

// regionsOf are a config's regions, in order.
func regionsOf(t testing.TB, c *stackfile.Config) []string {
	t.Helper()
	var regions []string
	require.NoError(t, json.Unmarshal([]byte(c.Values[spec.Namespace+":regions"]), &regions), c.Stack)
	return regions
}

// withValue is a copy of a config with one key (unqualified) set to a raw value.
func withValue(c *stackfile.Config, key, raw string) *stackfile.Config {
	out := *c
	out.Values = maps.Clone(c.Values)
	out.Values[spec.Namespace+":"+key] = raw
	return &out
}

// cloneResource is a copy of a resource with its own inputs, to change
// without touching the recorded one (a cached plan is shared by tests).
func cloneResource(t testing.TB, r *mock.Resource) *mock.Resource {
	t.Helper()
	clone := *r
	b, err := json.Marshal(r.Inputs)
	require.NoError(t, err)
	clone.Inputs = nil // a fresh map: unmarshalling into the shared one would change the original
	require.NoError(t, json.Unmarshal(b, &clone.Inputs))
	return &clone
}

// writeStack writes a stack file (JSON is YAML) with the given project keys.
func writeStack(t testing.TB, stack string, cfg map[string]any) string {
	t.Helper()
	qualified := map[string]any{}
	for k, v := range cfg {
		qualified[spec.Namespace+":"+k] = v
	}
	b, err := json.Marshal(map[string]any{"config": qualified})
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "Pulumi."+stack+".yaml")
	require.NoError(t, os.WriteFile(path, b, 0o600))
	return path
}

// planConfig plans a stack from config, exactly as cmd/plan does.
func planConfig(t testing.TB, stack string, cfg map[string]any) (*plan.Result, error) {
	t.Helper()
	c, err := stackfile.Load(projectFile, writeStack(t, stack, cfg), stack)
	if err != nil {
		return nil, err
	}
	return plan.Run(c)
}

// mustPlan plans a stack from config and fails the test on any error.
func mustPlan(t testing.TB, stack string, cfg map[string]any) *plan.Result {
	t.Helper()
	res, err := planConfig(t, stack, cfg)
	require.NoError(t, err)
	return res
}

// committed caches the plan of each committed stack file: it is computed
// once per test binary, and tests only read it (mutations work on copies).
var committed sync.Map // file -> *committedPlan

type committedPlan struct {
	once sync.Once
	res  *plan.Result
	err  error
}

// planFile plans a committed stack file (once per test binary).
func planFile(t testing.TB, file string) *plan.Result {
	t.Helper()
	v, _ := committed.LoadOrStore(file, &committedPlan{})
	p := v.(*committedPlan)
	p.once.Do(func() {
		c, err := stackfile.Load(projectFile, file, stackfile.StackName(file))
		if err != nil {
			p.err = err
			return
		}
		p.res, p.err = plan.Run(c)
	})
	require.NoError(t, p.err, file)
	return p.res
}

// runMain runs the plan command and returns its exit status and output.
func runMain(args ...string) (int, string, string) {
	var stdout, stderr bytes.Buffer
	code := plan.Main(append([]string{"--project-file", projectFile}, args...), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// runComponent runs a program that builds components directly, under the
// same recording mock, with an explicit provider for one region.
func runComponent(t testing.TB, region string, body func(ctx *pulumi.Context, inRegion pulumi.ResourceOption) error) *mock.Recorder {
	t.Helper()
	rec := mock.NewRecorder("mobile-backend", "test")
	err := pulumi.RunErr(func(ctx *pulumi.Context) error {
		p, err := awsc.NewProvider(ctx, "aws-"+region, region, map[string]string{"stack": "test"})
		if err != nil {
			return err
		}
		return body(ctx, pulumi.Provider(p))
	}, rec.RunOption())
	require.NoError(t, err)
	return rec
}

// under returns the resources of a type below a component (at any depth).
func under(rec *mock.Recorder, component *mock.Resource, typ string) []*mock.Resource {
	var out []*mock.Resource
	for _, r := range rec.OfType(typ) {
		if below(rec, r, component) {
			out = append(out, r)
		}
	}
	return out
}

// below reports whether a resource is a descendant of a component.
func below(rec *mock.Recorder, r, component *mock.Resource) bool {
	for p := rec.ByURN(r.Parent); p != nil; p = rec.ByURN(p.Parent) {
		if p.URN == component.URN {
			return true
		}
	}
	return false
}

// byRegion maps each region to an output of the plan's one resource of a
// type there (the id when output is "id").
func byRegion(res *plan.Result, typ, output string) map[string]string {
	out := map[string]string{}
	for _, r := range res.Recorder.OfType(typ) {
		if output == "id" {
			out[r.Region] = r.ID
		} else {
			out[r.Region] = r.Out(output).(string)
		}
	}
	return out
}

// one returns the only element of a list, failing otherwise.
func one(t testing.TB, rs []*mock.Resource, what string) *mock.Resource {
	t.Helper()
	require.Len(t, rs, 1, what)
	return rs[0]
}

// containerEnv is a container's environment by name: Container Apps list it
// under "template.containers.0.env", Cloud Run under "…envs".
func containerEnv(r *mock.Resource, list string) map[string]any {
	env := map[string]any{}
	for i := 0; i < r.Len(list); i++ {
		env[r.Str(fmt.Sprintf("%s.%d.name", list, i))] = r.Get(fmt.Sprintf("%s.%d.value", list, i))
	}
	return env
}
