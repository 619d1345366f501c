package policies

import (
	"fmt"
	"strings"

	"github.com/mobile-backend/mobile-backend/internal/mock"
)

// ReleaseApps are the resource types that run the app, by cloud: what a
// release changes and a release wave gates.
var ReleaseApps = map[string]string{
	"aws":   "aws:ecs/service:Service",
	"gcp":   "gcp:cloudrunv2/service:Service",
	"azure": "azure-native:app/v20240301:ContainerApp",
}

// ReleaseTypes are, by cloud, every resource type a release may change: the
// app's own resources and the gates that run again on a new version.
var ReleaseTypes = map[string][]string{
	"aws":   {"aws:ecs/taskDefinition:TaskDefinition", "aws:ecs/service:Service", "aws:lambda/invocation:Invocation"},
	"gcp":   {"gcp:cloudrunv2/service:Service", "gcp:cloudrunv2/job:Job"},
	"azure": {"azure-native:app/v20240301:ContainerApp", "azure-native:resources/v20230801:AzureCliScript"},
}

// ReleaseGates are, by cloud, the resource of a region's release gate that
// the engine runs (and fails) and the next wave waits for, and the gate
// component it belongs to.
var ReleaseGates = map[string][2]string{
	"aws":   {"aws:lambda/invocation:Invocation", "mobile-backend:aws:ReleaseGate"},
	"gcp":   {"gcp:cloudrunv2/job:Job", "mobile-backend:gcp:ReleaseGate"},
	"azure": {"azure-native:resources/v20230801:AzureCliScript", "mobile-backend:azure:ReleaseGate"},
}

// MigrationRunners are, by cloud, the resource that runs the schema
// migrations at deploy (and fails it) and its component.
var MigrationRunners = map[string][2]string{
	"aws":   {"aws:lambda/invocation:Invocation", "mobile-backend:aws:Migrations"},
	"gcp":   {"gcp:cloudrunv2/job:Job", "mobile-backend:gcp:Migrations"},
	"azure": {"azure-native:resources/v20230801:AzureCliScript", "mobile-backend:azure:Migrations"},
}

// ReleaseInWaves: a bad version stops at its first region. Every region
// that takes releases has a gate that waits for its app, and the app of
// every later wave waits for the gates of the wave before it (spec.ReleaseWaves,
// the writer's region last).
var ReleaseInWaves = Policy{
	Name:        "release-waves",
	Description: "A release reaches the regions in waves (releaseWaves): each region's app has a release gate that waits for it, and every app of a later wave waits for every gate of the wave before it, the writer's region last; dropping a gate or a wave's wait lets a bad version reach every region at once. With migrations, one runner in the writer's region, and every app waits for it: a failed migration stops the release before any wave.",
	Severity:    Advisory,
	SeverityIn:  productionMandatory,
	Check: func(s Stack) []Violation {
		cloud := string(s.Spec.Cloud)
		apps, gates := ReleaseAppsAndGates(s, cloud)
		g := NewGraph(s.Resources)
		var vs []Violation
		waves := s.Spec.ReleaseWaves()
		if len(s.Spec.Release.Migrations) > 0 {
			runners := MigrationRunnersOf(s, cloud)
			switch {
			case len(runners) != 1:
				vs = append(vs, violation(nil, "migrations are configured and %d runners deploy them: one, in the writer's region, before the first wave", len(runners)))
			case runners[0].Region != s.Spec.WithTheWriter():
				vs = append(vs, violation(runners[0], "the migrations run in %s, not with the writer in %s", runners[0].Region, s.Spec.WithTheWriter()))
			default:
				for _, region := range waves[0] {
					for _, app := range apps[region] {
						if !g.DependsOn(app, runners[0]) {
							vs = append(vs, violation(app, "region %s (release wave 1) takes a new version without waiting for the migrations", region))
						}
					}
				}
			}
		}
		for i, wave := range waves {
			for _, region := range wave {
				for _, app := range apps[region] {
					if len(gates[region]) == 0 {
						vs = append(vs, violation(app, "region %s (release wave %d) has no release gate: a bad version would not stop there", region, i+1))
					}
					if i == 0 {
						continue
					}
					for _, prev := range waves[i-1] {
						if !g.DependsOnAny(app, gates[prev]) {
							vs = append(vs, violation(app, "region %s (release wave %d) takes a new version without waiting for the release gate of %s (wave %d)", region, i+1, prev, i))
						}
					}
				}
				for _, gate := range gates[region] {
					if !g.DependsOnAny(gate, apps[region]) {
						vs = append(vs, violation(gate, "the release gate of %s does not wait for the region's app: it would pass before the new version runs", region))
					}
				}
			}
		}
		return vs
	},
}

// MigrationRunnersOf are a stack's migration runners: the runner type
// below the migrations' component (at any depth).
func MigrationRunnersOf(s Stack, cloud string) []*mock.Resource {
	runner, ok := MigrationRunners[cloud]
	if !ok {
		return nil
	}
	byURN := map[string]*mock.Resource{}
	for _, r := range s.Resources {
		byURN[r.URN] = r
	}
	var out []*mock.Resource
	for _, r := range s.OfType(runner[0]) {
		for p := byURN[r.Parent]; p != nil; p = byURN[p.Parent] {
			if p.Type == runner[1] {
				out = append(out, r)
				break
			}
		}
	}
	return out
}

// ReleaseAppsAndGates are a stack's app resources and release gates by
// region.
func ReleaseAppsAndGates(s Stack, cloud string) (apps, gates map[string][]*mock.Resource) {
	apps, gates = map[string][]*mock.Resource{}, map[string][]*mock.Resource{}
	typeOf := map[string]string{}
	for _, r := range s.Resources {
		typeOf[r.URN] = r.Type
	}
	for _, r := range s.OfType(ReleaseApps[cloud]) {
		apps[r.Region] = append(apps[r.Region], r)
	}
	gate := ReleaseGates[cloud]
	for _, r := range s.OfType(gate[0]) {
		if typeOf[r.Parent] == gate[1] {
			gates[r.Region] = append(gates[r.Region], r)
		}
	}
	return apps, gates
}

// WaveSummary is the release waves as the plan prints them: "1. eu-west-1
// → 2. us-west-2, ap-southeast-1 → 3. us-east-1 (writer)".
func WaveSummary(waves [][]string, writer string) string {
	var parts []string
	for i, w := range waves {
		label := strings.Join(w, ", ")
		if len(w) == 1 && w[0] == writer {
			label += " (writer)"
		}
		parts = append(parts, fmt.Sprintf("%d. %s", i+1, label))
	}
	return strings.Join(parts, " → ")
}
