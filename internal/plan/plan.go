package plan

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/internals"

	"github.com/mobile-backend/mobile-backend/internal/mock"
	"github.com/mobile-backend/mobile-backend/internal/spec"
	"github.com/mobile-backend/mobile-backend/internal/stackfile"
	"github.com/mobile-backend/mobile-backend/policies"
	"github.com/mobile-backend/mobile-backend/stacks"
)

// Result is one offline run of the program.
type Result struct {
	Config   *stackfile.Config
	Spec     spec.Spec
	Recorder *mock.Recorder
	Outputs  map[string]any
	// violations are the policy violations of the planned resources,
	// evaluated on first use (Policies): many tests never ask.
	violations     []policies.Violation
	evaluatePolicy sync.Once
	// Resilience is the recovery the planned resources imply.
	Resilience policies.Budget
	// Base is the plan a summary compares with (--base), or nil.
	Base *Document
}

// Run validates the config and runs the program under the recording mock.
// A config problem is a *spec.Error and nothing is registered.
func Run(cfg *stackfile.Config) (*Result, error) {
	s, err := spec.LoadWithSecrets(cfg.Stack, cfg.Lookup, func(key string) bool { return slices.Contains(cfg.Secrets, key) })
	if err != nil {
		return nil, err
	}
	if err := stacks.Supported(s.Cloud); err != nil {
		return nil, err
	}
	rec := mock.NewRecorder(cfg.Project, cfg.Stack)
	var exported pulumi.Map
	err = pulumi.RunErr(func(ctx *pulumi.Context) error {
		var err error
		exported, err = stacks.Program(ctx)
		return err
	}, rec.RunOption(), func(ri *pulumi.RunInfo) {
		ri.Config = cfg.Values
		ri.ConfigSecretKeys = cfg.Secrets
	})
	if err != nil {
		return nil, err
	}
	outputs := map[string]any{}
	for k, v := range exported {
		res, err := internals.UnsafeAwaitOutput(context.Background(), pulumi.ToOutput(v))
		if err != nil {
			return nil, fmt.Errorf("output %s: %w", k, err)
		}
		if res.Secret {
			outputs[k] = "[secret]"
		} else {
			outputs[k] = res.Value
		}
	}
	graph := policies.Stack{Spec: s, Resources: rec.Resources()}
	budget := policies.ComputeBudget(graph)
	budget.RegionLoss = policies.AnalyzeRegionLoss(graph)
	budget.Runbook = policies.WriterLossRunbook(graph)
	return &Result{
		Config: cfg, Spec: s, Recorder: rec, Outputs: outputs,
		Resilience: budget,
	}, nil
}

// Policies are the policy violations of the planned resources.
func (r *Result) Policies() []policies.Violation {
	r.evaluatePolicy.Do(func() {
		r.violations = policies.Evaluate(policies.Stack{Spec: r.Spec, Resources: r.Recorder.Resources()}, policies.All)
	})
	return r.violations
}

// Document is the plan's JSON form. Later slices add top-level fields; the
// ones here keep their names and meaning.
type Document struct {
	Project   string           `json:"project"`
	Stack     string           `json:"stack"`
	Cloud     spec.Cloud       `json:"cloud"`
	Topology  spec.Topology    `json:"topology"`
	Regions   []DocumentRegion `json:"regions"`
	Resources []DocumentEntry  `json:"resources"`
	Outputs   map[string]any   `json:"outputs"`
	// Policies lists every violation (empty when all pass).
	Policies []policies.Violation `json:"policies"`
	// Resilience is the computed recovery budget against the objectives.
	Resilience policies.Budget `json:"resilience"`
	// Release is how the stack releases: waves, bake, image.
	Release Release `json:"release"`
}

// DocumentRegion is one region of the stack and its role.
type DocumentRegion struct {
	Name string    `json:"name"`
	Role spec.Role `json:"role"`
}

// DocumentEntry is one registered resource.
type DocumentEntry struct {
	URN     string         `json:"urn"`
	Type    string         `json:"type"`
	Name    string         `json:"name"`
	Parent  string         `json:"parent"`
	Region  string         `json:"region"`
	Inputs  map[string]any `json:"inputs"`
	Protect bool           `json:"protect"`
	// DependsOn are the URNs the resource waits for, sorted: its explicit
	// dependencies and the resources whose outputs its inputs consume (its
	// parent excluded), so a reviewer or a tool can check ordering without
	// running the program.
	DependsOn []string `json:"dependsOn"`
}

// Document returns the JSON form of the result.
func (r *Result) Document() Document {
	d := Document{
		Project: r.Config.Project, Stack: r.Config.Stack,
		Cloud: r.Spec.Cloud, Topology: r.Spec.Topology,
		Outputs:    r.Outputs,
		Policies:   append([]policies.Violation{}, r.Policies()...),
		Resilience: r.Resilience,
		Release:    r.Release(),
	}
	for _, reg := range r.Spec.Regions {
		d.Regions = append(d.Regions, DocumentRegion{Name: reg.Name, Role: reg.Role})
	}
	for _, res := range r.Recorder.Resources() {
		d.Resources = append(d.Resources, DocumentEntry{
			URN: res.URN, Type: res.Type, Name: res.Name, Parent: res.Parent,
			Region: res.Region, Inputs: res.Inputs, Protect: res.Protect,
			DependsOn: policies.Direct(res),
		})
	}
	return d
}

// WriteJSON writes the document, indented; the same config gives the same bytes.
func (r *Result) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r.Document())
}

// WriteTree writes the resources grouped by region (global first, then the
// regions in stack order), each as a tree of components and their children.
func (r *Result) WriteTree(w io.Writer) error {
	resources := r.Recorder.Resources()
	groups := map[string][]*mock.Resource{}
	byURN := map[string]*mock.Resource{}
	custom := 0
	for _, res := range resources {
		byURN[res.URN] = res
		if res.Custom {
			custom++
		}
	}
	// A global service's resource (an IAM role, say) is shown inside the
	// regional component that made it, so each region reads as one stamp.
	display := map[string]string{}
	for _, res := range resources {
		region := res.Region
		for p := byURN[res.Parent]; region == "" && p != nil; p = byURN[p.Parent] {
			region = p.Region
		}
		display[res.URN] = region
		groups[region] = append(groups[region], res)
	}
	s := r.Spec
	fmt.Fprintf(w, "%s/%s: %s %s, %d regions, %d resources (%d components)\n",
		r.Config.Project, r.Config.Stack, s.Cloud, s.Topology, len(s.Regions), custom, len(resources)-custom)

	order := []struct{ region, title string }{{"", "global"}}
	known := map[string]bool{"": true}
	for _, reg := range s.Regions {
		order = append(order, struct{ region, title string }{reg.Name, reg.Name + " (" + string(reg.Role) + ")"})
		known[reg.Name] = true
	}
	for _, region := range spec.SortedKeys(groups) {
		if !known[region] {
			order = append(order, struct{ region, title string }{region, region})
		}
	}
	for _, g := range order {
		members := groups[g.region]
		if len(members) == 0 {
			continue
		}
		n := 0
		for _, m := range members {
			if m.Custom {
				n++
			}
		}
		fmt.Fprintf(w, "\n%s: %d resources\n", g.title, n)
		children := map[string][]*mock.Resource{}
		var roots []*mock.Resource
		for _, m := range members {
			if _, ok := byURN[m.Parent]; ok && display[m.Parent] == g.region {
				children[m.Parent] = append(children[m.Parent], m)
			} else {
				roots = append(roots, m)
			}
		}
		var walk func(list []*mock.Resource, depth int)
		walk = func(list []*mock.Resource, depth int) {
			sort.Slice(list, func(i, j int) bool {
				if list[i].Type != list[j].Type {
					return list[i].Type < list[j].Type
				}
				return list[i].Name < list[j].Name
			})
			for _, m := range list {
				mark := ""
				if m.Custom && m.Region == "" && g.region != "" {
					mark += "  (global service)"
				}
				if m.Protect {
					mark += "  [protected]"
				}
				fmt.Fprintf(w, "%s%s  %s%s\n", strings.Repeat("  ", depth+1), m.Type, m.Name, mark)
				walk(children[m.URN], depth+1)
			}
		}
		walk(roots, 0)
	}

	for _, f := range []struct {
		name string
		fig  policies.Figure
	}{{"RTO", r.Resilience.RTO}, {"RPO", r.Resilience.RPO}} {
		fmt.Fprintf(w, "\nResilience %s: %d s computed, objective %d s\n", f.name, f.fig.Computed, f.fig.Objective)
		paths := false
		for _, t := range f.fig.Terms {
			paths = paths || t.Path != ""
		}
		if paths {
			fmt.Fprintf(w, "  (two paths at once, the longer counts: serving moves traffic, writer moves the database writer)\n")
		}
		for _, t := range f.fig.Terms {
			name := t.Name
			if t.Path != "" {
				name = "[" + t.Path + "] " + name
			}
			fmt.Fprintf(w, "  %-58s %6d s  %s\n", name, t.Seconds, t.Basis)
		}
		for _, t := range f.fig.NotCounted {
			fmt.Fprintf(w, "  not counted: %-45s %6d s\n", t.Name, t.Seconds)
		}
	}
	writeRegionLoss(w, r.Resilience.RegionLoss)
	fmt.Fprintf(w, "\nRunbook, losing the writer's region %s:\n", r.Spec.Primary().Name)
	for i, step := range r.Resilience.Runbook {
		fmt.Fprintf(w, "  %d. %s\n", i+1, step)
	}
	fmt.Fprintf(w, "\nPolicies: %d checked, %d violations\n", len(policies.All), len(r.Policies()))
	for _, v := range r.Policies() {
		where := v.Resource
		if res := r.Recorder.ByURN(v.Resource); res != nil {
			where = res.Type + " " + res.Name
		}
		if where == "" {
			where = "stack"
		}
		fmt.Fprintf(w, "  [%s] %s: %s: %s\n", v.Severity, v.Policy, where, v.Message)
	}

	fmt.Fprintln(w, "\nOutputs:")
	for _, k := range spec.SortedKeys(r.Outputs) {
		b, _ := json.Marshal(r.Outputs[k])
		fmt.Fprintf(w, "  %s: %s\n", k, b)
	}
	return nil
}

// writeRegionLoss prints the region-loss table: a row per lost region and
// function, with what takes over (or the missing link) and its figures.
func writeRegionLoss(w io.Writer, losses []policies.RegionLoss) {
	fmt.Fprintf(w, "\nRegion loss (each region taken away from the recorded resources):\n")
	fmt.Fprintf(w, "  %-16s %-18s %-9s %6s %6s  %s\n", "lost region", "function", "survives", "RTO s", "RPO s", "via")
	for _, rl := range losses {
		for _, f := range rl.Functions {
			ok := "yes"
			if !f.Survives {
				ok = "NO"
			}
			fmt.Fprintf(w, "  %-16s %-18s %-9s %6d %6d  %s\n", rl.Region, f.Name, ok, f.RTOSeconds, f.RPOSeconds, f.Via)
		}
	}
}
