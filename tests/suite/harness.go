package suite

// The harness: stack configs, the offline plan under the project's one
// recording mock (internal/mock), and lookups in the recorded resources.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mobile-backend/mobile-backend/internal/azpublish"
	"github.com/mobile-backend/mobile-backend/internal/failover"
	"github.com/mobile-backend/mobile-backend/internal/mock"
	"github.com/mobile-backend/mobile-backend/internal/plan"
	"github.com/mobile-backend/mobile-backend/internal/spec"
	"github.com/mobile-backend/mobile-backend/internal/stackfile"
	"github.com/mobile-backend/mobile-backend/stacks"
)

const projectFile = "../../Pulumi.yaml"

// Contract is a stack config with only the four keys every stack must set.
func Contract(cloud, topology string, regions ...string) map[string]any {
	return map[string]any{
		"cloud":    cloud,
		"topology": topology,
		"regions":  regions,
		"domain":   "api.example.com",
	}
}

// With returns a copy of a config with more keys set.
func With(cfg map[string]any, kv ...any) map[string]any {
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

// WriteStack writes a stack file (JSON is YAML) with the given project keys.
func WriteStack(t testing.TB, stack string, cfg map[string]any) string {
	t.Helper()
	path, err := writeStack(t.TempDir(), stack, cfg)
	require.NoError(t, err)
	return path
}

func writeStack(dir, stack string, cfg map[string]any) (string, error) {
	qualified := map[string]any{}
	for k, v := range cfg {
		qualified[spec.Namespace+":"+k] = v
	}
	b, err := json.Marshal(map[string]any{"config": qualified})
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "Pulumi."+stack+".yaml")
	return path, os.WriteFile(path, b, 0o600)
}

// planConfig plans a stack from config, exactly as cmd/plan does. It skips
// the test when the config's cloud is not linked into this binary: that
// cloud's test package plans it.
func planConfig(t testing.TB, stack string, cfg map[string]any) (*plan.Result, error) {
	t.Helper()
	if cloud, ok := cfg["cloud"].(string); ok {
		SkipUnlinked(t, spec.Cloud(cloud))
	}
	return planIn(t.TempDir(), stack, cfg)
}

// planIn writes a stack file of cfg in dir and plans it, as cmd/plan does.
func planIn(dir, stack string, cfg map[string]any) (*plan.Result, error) {
	file, err := writeStack(dir, stack, cfg)
	if err != nil {
		return nil, err
	}
	c, err := stackfile.Load(projectFile, file, stack)
	if err != nil {
		return nil, err
	}
	return plan.Run(c)
}

// MustPlan plans a stack from config and fails the test on any error.
func MustPlan(t testing.TB, stack string, cfg map[string]any) *plan.Result {
	t.Helper()
	res, err := planConfig(t, stack, cfg)
	require.NoError(t, err)
	return res
}

// committed caches the plan of each committed stack file: it is computed
// once per test binary, and tests only read it (mutations work on copies).
var committed sync.Map // file -> *sharedPlan

// sharedPlan is a plan computed once per test binary and only read.
type sharedPlan struct {
	once sync.Once
	res  *plan.Result
	err  error
}

// shared is the plan cached under key in plans, computed on first use.
func shared(plans *sync.Map, key string, compute func() (*plan.Result, error)) (*plan.Result, error) {
	v, _ := plans.LoadOrStore(key, &sharedPlan{})
	p := v.(*sharedPlan)
	p.once.Do(func() { p.res, p.err = compute() })
	return p.res, p.err
}

// contracts caches the plan of each contract stack (ContractPlan).
var contracts sync.Map // "cloud topology region…" -> *sharedPlan

// contractStack is the stack name of every ContractPlan.
const contractStack = "contract"

// ContractPlan is the plan of Contract(cloud, topology, regions...) as the
// stack "contract", computed once per test binary: many tests read the same
// two- and three-region stacks. Tests only read it; a test that changes a
// key plans With(…) itself.
func ContractPlan(t testing.TB, cloud, topology string, regions ...string) *plan.Result {
	t.Helper()
	SkipUnlinked(t, spec.Cloud(cloud))
	key := strings.Join(append([]string{cloud, topology}, regions...), " ")
	res, err := shared(&contracts, key, func() (*plan.Result, error) {
		// Not t.TempDir: the plan outlives the test that computes it.
		dir, err := os.MkdirTemp("", "contract")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(dir)
		return planIn(dir, contractStack, Contract(cloud, topology, regions...))
	})
	require.NoError(t, err, key)
	return res
}

// PlanFile plans a committed stack file (once per test binary).
func PlanFile(t testing.TB, file string) *plan.Result {
	t.Helper()
	skipUnlinkedFile(t, file)
	res, err := planCommitted(file, nil)
	require.NoError(t, err, file)
	return res
}

// planCommitted is the cached plan of a committed stack file, computed from
// c (or, when c is nil, from the file loaded as its own stack) on first use.
func planCommitted(file string, c *stackfile.Config) (*plan.Result, error) {
	return shared(&committed, file, func() (*plan.Result, error) {
		if c == nil {
			var err error
			if c, err = stackfile.Load(projectFile, file, stackfile.StackName(file)); err != nil {
				return nil, err
			}
		}
		return plan.Run(c)
	})
}

// RunMain runs the plan command and returns its exit status and output. It
// skips the test when the stack file it is given (--config-file) is of a
// cloud not linked into this binary.
//
// The plan of a committed stack file, under its own stack name, is the one
// PlanFile caches: the command's rendering is what these tests read.
// runMainFresh plans anew.
func RunMain(t testing.TB, args ...string) (int, string, string) {
	t.Helper()
	file, stack := flagValue(args, "--config-file"), flagValue(args, "--stack")
	run := plan.Run
	if committed, _ := filepath.Match(committedStacks, file); committed && (stack == "" || stack == stackfile.StackName(file)) {
		run = func(c *stackfile.Config) (*plan.Result, error) { return planCommitted(file, c) }
	}
	return runMainWith(t, run, args)
}

// runMainFresh is RunMain computing its plan anew, for the tests that
// compare two plans of the same config.
func runMainFresh(t testing.TB, args ...string) (int, string, string) {
	t.Helper()
	return runMainWith(t, plan.Run, args)
}

func runMainWith(t testing.TB, run func(*stackfile.Config) (*plan.Result, error), args []string) (int, string, string) {
	t.Helper()
	if file := flagValue(args, "--config-file"); file != "" {
		skipUnlinkedFile(t, file)
	}
	var stdout, stderr bytes.Buffer
	code := plan.MainWith(run, append([]string{"--project-file", projectFile}, args...), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// flagValue is the value given to a flag in args, or "".
func flagValue(args []string, flag string) string {
	for i := 0; i+1 < len(args); i++ {
		if args[i] == flag {
			return args[i+1]
		}
	}
	return ""
}

// Under returns the resources of a type below a component (at any depth).
func Under(rec *mock.Recorder, component *mock.Resource, typ string) []*mock.Resource {
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

// ByRegion maps each region to an output of the plan's one resource of a
// type there (the id when output is "id").
func ByRegion(res *plan.Result, typ, output string) map[string]string {
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

// One returns the only element of a list, failing otherwise.
func One(t testing.TB, rs []*mock.Resource, what string) *mock.Resource {
	t.Helper()
	require.Len(t, rs, 1, what)
	return rs[0]
}

// ContainerEnv is a container's environment by name: Container Apps list it
// Under "template.containers.0.env", Cloud Run under "…envs".
func ContainerEnv(r *mock.Resource, list string) map[string]any {
	env := map[string]any{}
	for i := 0; i < r.Len(list); i++ {
		env[r.Str(fmt.Sprintf("%s.%d.name", list, i))] = r.Get(fmt.Sprintf("%s.%d.value", list, i))
	}
	return env
}

// IsPublisher reports whether a resource is an Azure job that runs the
// tested publisher script (internal/azpublish).
func IsPublisher(r *mock.Resource) bool {
	return r.Type == "azure-native:app/v20240301:Job" && r.Str("template.containers.0.command.2") == azpublish.Script
}

func Filter(rs []*mock.Resource, keep func(*mock.Resource) bool) []*mock.Resource {
	var out []*mock.Resource
	for _, r := range rs {
		if keep(r) {
			out = append(out, r)
		}
	}
	return out
}

// APIRecords returns the API hostname's records by set identifier (region).
func APIRecords(res *plan.Result) map[string]*mock.Resource {
	out := map[string]*mock.Resource{}
	for _, r := range res.Recorder.OfType(TypeRecord) {
		if r.Str("name") == res.Spec.Domain {
			out[r.Str("setIdentifier")] = r
		}
	}
	return out
}

// SkipUnlinked skips the test when the cloud's stacks are not linked into
// this test binary; the cloud's own test package runs it.
func SkipUnlinked(t testing.TB, cloud spec.Cloud) {
	t.Helper()
	if !stacks.Linked(cloud) && stacks.Supported(cloud) == nil {
		t.Skipf("a %s stack: tested in tests/%s", cloud, cloud)
	}
}

// skipUnlinkedFile skips the test when a stack file's cloud is not linked
// into this binary. A file that does not load is left to the test.
func skipUnlinkedFile(t testing.TB, file string) {
	t.Helper()
	if cloud, ok := cloudOfFile(file); ok {
		SkipUnlinked(t, cloud)
	}
}

// clouds caches the cloud of each stack file a test plans (the committed ones
// are planned by many tests).
var clouds sync.Map // file -> spec.Cloud

// cloudOfFile is a stack file's cloud, or false when its config does not load.
func cloudOfFile(file string) (spec.Cloud, bool) {
	if c, ok := clouds.Load(file); ok {
		return c.(spec.Cloud), true
	}
	c, err := stackfile.Load(projectFile, file, stackfile.StackName(file))
	if err != nil {
		return "", false
	}
	cloud, ok := cloudOf(c)
	if ok {
		clouds.Store(file, cloud)
	}
	return cloud, ok
}

// cloudOf is a stack config's cloud, or false when the config is invalid.
func cloudOf(c *stackfile.Config) (spec.Cloud, bool) {
	s, err := spec.Load(c.Stack, c.Lookup)
	return s.Cloud, err == nil
}

// EndpointChecks are an AWS plan's Route 53 health checks that probe an
// endpoint (not the calculated routing checks over them).
func EndpointChecks(res *plan.Result) []*mock.Resource {
	return Filter(res.Recorder.OfType(TypeHealthCheck), func(r *mock.Resource) bool { return r.Str("type") != "CALCULATED" })
}

// RoutingCheckOf is the calculated check an API record uses: healthy while
// its one child is, and the failover watch's fence
// (failover.FenceThreshold).
func RoutingCheckOf(t testing.TB, res *plan.Result, rec *mock.Resource) *mock.Resource {
	t.Helper()
	for _, hc := range res.Recorder.OfType(TypeHealthCheck) {
		if hc.ID == rec.Str("healthCheckId") {
			require.Equal(t, "CALCULATED", hc.Str("type"), "%s routes by a calculated check", rec.Name)
			require.Equal(t, 1, hc.Len("childHealthchecks"))
			require.Equal(t, failover.RouteThreshold, hc.Int("childHealthThreshold"))
			require.Contains(t, hc.IgnoreChanges, "childHealthThreshold", "no pulumi up lifts the fence")
			return hc
		}
	}
	require.Failf(t, "no routing check", "%s names health check %q", rec.Name, rec.Str("healthCheckId"))
	return nil
}

// OfComponent keeps the resources whose parent is a component of a type
// (read off the URN's type chain, parent$type).
func OfComponent(rs []*mock.Resource, componentType string) []*mock.Resource {
	var out []*mock.Resource
	for _, r := range rs {
		parts := strings.Split(r.URN, "::")
		if len(parts) < 4 {
			continue
		}
		chain := strings.Split(parts[2], "$")
		if len(chain) >= 2 && chain[len(chain)-2] == componentType {
			out = append(out, r)
		}
	}
	return out
}
