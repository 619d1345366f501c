package suite

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mobile-backend/mobile-backend/internal/mock"
	"github.com/mobile-backend/mobile-backend/internal/plan"
	"github.com/mobile-backend/mobile-backend/internal/spec"
	"github.com/mobile-backend/mobile-backend/internal/stackfile"
	"github.com/mobile-backend/mobile-backend/policies"
)

// appsAndGates are a plan's app resources and release gates by region.
func appsAndGates(res *plan.Result) (apps, gates map[string][]*mock.Resource) {
	return policies.ReleaseAppsAndGates(policies.Stack{Spec: res.Spec, Resources: res.Recorder.Resources()}, string(res.Spec.Cloud))
}

// assertReleasesInWaves holds a plan to its waves: every region has one
// gate that waits for its app; the first wave's apps wait for no gate;
// every later wave's app names each gate of the wave before it in its
// dependsOn and waits for no gate of its own wave or a later one; the
// writer's region is the last wave.
func assertReleasesInWaves(t *testing.T, res *plan.Result) {
	t.Helper()
	s := res.Spec
	waves := s.ReleaseWaves()
	require.GreaterOrEqual(t, len(waves), 2, "%s: at least a wave before the writer's", s.Stack)
	assert.Equal(t, []string{s.WriterRegion}, waves[len(waves)-1], "%s: the writer's region is released last, alone", s.Stack)
	assert.Len(t, waves[0], 1, "%s: the first wave is one region", s.Stack)
	apps, gates := appsAndGates(res)
	g := policies.NewGraph(res.Recorder.Resources())
	waveOf := map[string]int{}
	for i, w := range waves {
		for _, r := range w {
			waveOf[r] = i
		}
	}
	for i, wave := range waves {
		for _, region := range wave {
			require.Len(t, apps[region], 1, "%s: the app of %s", s.Stack, region)
			require.Len(t, gates[region], 1, "%s: the release gate of %s", s.Stack, region)
			app, gate := apps[region][0], gates[region][0]
			assert.True(t, g.DependsOn(gate, app), "%s: the gate of %s waits for its app", s.Stack, region)
			for other, og := range gates {
				waits := g.DependsOn(app, og[0])
				switch {
				case i > 0 && waveOf[other] == i-1:
					assert.Contains(t, app.DependsOn, og[0].URN, "%s: %s (wave %d) names the gate of %s (wave %d) in its dependsOn", s.Stack, region, i+1, other, i)
				case waveOf[other] >= i:
					assert.False(t, waits, "%s: %s (wave %d) waits for the gate of %s (wave %d)", s.Stack, region, i+1, other, waveOf[other]+1)
				}
			}
		}
	}
	for _, v := range res.Policies() {
		assert.NotEqual(t, policies.ReleaseInWaves.Name, v.Policy, "%s: %s", s.Stack, v.Message)
	}
}

func TestEveryCommittedStackReleasesInWavesTheWritersRegionLast(t *testing.T) {
	t.Parallel()
	eachCommittedStack(t, assertReleasesInWaves)
}

func TestEveryContractStackReleasesInWavesTheWritersRegionLast(t *testing.T) {
	t.Parallel()
	eachContractStack(t, assertReleasesInWaves)
}

// assertAReleaseChangesOnlyTheApp plans a stack again with a new image,
// then with a new app setting, and holds every difference to the app's
// own resources: nothing created or deleted, every region's app changed.
func assertAReleaseChangesOnlyTheApp(t *testing.T, before *plan.Result) {
	t.Helper()
	s := before.Spec
	env, _ := json.Marshal(map[string]string{"RELEASE_NOTE": "a new setting"})
	for change, c := range map[string]string{"image": hotfixImage(s.Cloud), "appEnv": string(env)} {
		after, err := plan.Run(withValue(before.Config, change, c))
		require.NoError(t, err, "%s with a new %s", s.Stack, change)
		was, is := map[string]*mock.Resource{}, map[string]*mock.Resource{}
		for _, r := range before.Recorder.Resources() {
			was[r.URN] = r
		}
		for _, r := range after.Recorder.Resources() {
			is[r.URN] = r
		}
		assert.ElementsMatch(t, slices.Collect(maps.Keys(was)), slices.Collect(maps.Keys(is)), "%s: a new %s creates or deletes nothing", s.Stack, change)
		changedIn := map[string]bool{}
		for urn, r := range is {
			w := was[urn]
			if w == nil {
				continue
			}
			if diff := changedInputs(w.Inputs, r.Inputs, ""); len(diff) > 0 {
				assert.Contains(t, policies.ReleaseTypes[string(s.Cloud)], r.Type, "%s: a new %s changes %s %s (%s): not the app's", s.Stack, change, r.Type, r.Name, strings.Join(diff, ", "))
				changedIn[r.Region] = true
			}
		}
		for _, r := range s.Regions {
			assert.True(t, changedIn[r.Name], "%s: a new %s reaches %s", s.Stack, change, r.Name)
		}
		// The gate runs again on the new version: its trigger is a digest
		// of the app's template (on AWS, the new task definition's ARN,
		// which the mock does not renumber).
		if trigger := map[spec.Cloud]string{spec.GCP: "runExecutionToken", spec.Azure: "forceUpdateTag"}[s.Cloud]; trigger != "" {
			_, gates := appsAndGates(after)
			_, old := appsAndGates(before)
			for region, g := range gates {
				assert.NotEqual(t, old[region][0].Str(trigger), g[0].Str(trigger), "%s: a new %s runs %s's gate again", s.Stack, change, region)
			}
		}
	}
}

func TestAReleaseChangesOnlyTheAppsResourcesInACommittedStack(t *testing.T) {
	t.Parallel()
	eachCommittedStack(t, assertAReleaseChangesOnlyTheApp)
}

func TestAReleaseChangesOnlyTheAppsResourcesInAContractStack(t *testing.T) {
	t.Parallel()
	eachContractStack(t, assertAReleaseChangesOnlyTheApp)
}

// assertAFailingFirstWaveStopsTheRelease fails the first wave's gate the
// way the engine meets it (internal/release's tests run the gate's own code
// to that failure) and asks the plan's graph what the engine may still
// start: nothing that waits for the failed gate (Pulumi starts no step
// whose dependency failed, and pulumi up exits non-zero). No later wave's
// app may be among them.
func assertAFailingFirstWaveStopsTheRelease(t *testing.T, res *plan.Result) {
	t.Helper()
	s := res.Spec
	waves := s.ReleaseWaves()
	apps, gates := appsAndGates(res)
	failed := gates[waves[0][0]][0]
	g := policies.NewGraph(res.Recorder.Resources())
	for _, wave := range waves[1:] {
		for _, region := range wave {
			for _, app := range apps[region] {
				assert.True(t, g.DependsOn(app, failed), "%s: with the first wave's gate (%s) failed, the engine would still update %s's app", s.Stack, waves[0][0], region)
			}
		}
	}
	// What still runs: the first wave's app (already updated, and put back
	// by the platform or the gate), and everything that does not wait for
	// the gate.
	for _, r := range res.Recorder.Resources() {
		if !g.DependsOn(r, failed) && r.Type == policies.ReleaseApps[string(s.Cloud)] {
			assert.Equal(t, waves[0][0], r.Region, "%s: %s of %s takes the new version with the first wave failed", s.Stack, r.Name, r.Region)
		}
	}
}

func TestAFailingFirstWaveStartsNoLaterWave(t *testing.T) {
	t.Parallel()
	eachCommittedStack(t, assertAFailingFirstWaveStopsTheRelease)
	eachContractStack(t, assertAFailingFirstWaveStopsTheRelease)
}

// The pull request's summary, given the base's plan, says which waves the
// change rolls and in what order; the JSON plan records the waves and the
// image.
func TestThePullRequestSummarySaysWhichWavesAChangeRolls(t *testing.T) {
	t.Parallel()
	eachCommittedStack(t, func(t *testing.T, res *plan.Result) {
		s := res.Spec
		base := filepath.Join(t.TempDir(), "base.json")
		f, err := os.Create(base)
		require.NoError(t, err)
		require.NoError(t, res.WriteJSON(f))
		require.NoError(t, f.Close())
		doc, err := plan.ReadDocument(base)
		require.NoError(t, err)
		assert.Equal(t, s.ReleaseWaves(), doc.Release.Waves)
		assert.Equal(t, s.Image, doc.Release.Image)

		file := filepath.Join("../..", "Pulumi."+res.Config.Stack+".yaml")
		code, out, stderr := RunMain(t, "--config-file", file, "--format", "summary", "--base", base)
		require.Equal(t, plan.ExitOK, code, stderr)
		assert.Contains(t, out, "This change rolls no release: no region's app changes.")
		assert.Contains(t, out, "Release waves (each after the previous wave's gate passed and a "+strconv.Itoa(s.Release.BakeSeconds)+" s bake): 1. "+s.ReleaseWaves()[0][0])

		newImage := func(c *stackfile.Config) (*plan.Result, error) {
			return plan.Run(withValue(c, "image", hotfixImage(s.Cloud)))
		}
		code, out, stderr = runMainWith(t, newImage, []string{"--config-file", file, "--format", "summary", "--base", base})
		require.Equal(t, plan.ExitOK, code, stderr)
		var want []string
		for i, w := range s.ReleaseWaves() {
			want = append(want, "wave "+strconv.Itoa(i+1)+" ("+strings.Join(w, ", ")+")")
		}
		assert.Contains(t, out, "This change rolls a release: "+strings.Join(want, " → ")+", in that order.")
		assert.NotContains(t, out, "outside the apps", "an image changes nothing but the apps")
	})
}

// withMigrations is a contract stack of a cloud and topology with
// migrations, its writer moved or not.
func withMigrations(t *testing.T, cloud, topology string, writer string) *plan.Result {
	cfg := With(Contract(cloud, topology, contractRegions[cloud]...), "migrations", []string{"/app/migrate", "up"})
	if writer != "" {
		cfg = With(cfg, "writerRegion", writer)
	}
	return MustPlan(t, "mig", cfg)
}

// With migrations, one runner in the writer's region runs them before the
// first wave, and with it failing no wave starts; when the writer moves,
// so do they, and nothing stateful is replaced.
func TestMigrationsRunOnceInTheWritersRegionBeforeTheFirstWave(t *testing.T) {
	t.Parallel()
	for _, cloud := range []string{"aws", "gcp", "azure"} {
		for _, topology := range []string{"active-active", "active-passive"} {
			t.Run(cloud+"-"+topology, func(t *testing.T) {
				SkipUnlinked(t, spec.Cloud(cloud))
				res := withMigrations(t, cloud, topology, "")
				s := res.Spec
				stack := policies.Stack{Spec: s, Resources: res.Recorder.Resources()}
				runners := policies.MigrationRunnersOf(stack, cloud)
				require.Len(t, runners, 1, "once for the stack")
				runner := runners[0]
				assert.Equal(t, s.WriterRegion, runner.Region, "in the writer's region")
				apps, _ := appsAndGates(res)
				g := policies.NewGraph(res.Recorder.Resources())
				for i, wave := range s.ReleaseWaves() {
					for _, region := range wave {
						app := apps[region][0]
						if i == 0 {
							assert.Contains(t, app.DependsOn, runner.URN, "%s (wave 1) names the migrations in its dependsOn", region)
						}
						assert.True(t, g.DependsOn(app, runner), "a failed migration: %s's app does not start", region)
					}
				}
				assert.Empty(t, Violations(stack, policies.ReleaseInWaves))
				var summary strings.Builder
				res.WriteSummary(&summary)
				assert.Contains(t, summary.String(), "Migrations: `/app/migrate up` in `"+s.Image+"`, in "+s.WriterRegion+", before wave 1")
				// The runner dropped from the first wave's wait: the policy says so.
				first := apps[s.ReleaseWaves()[0][0]][0]
				broken := policies.Stack{Spec: s}
				for _, r := range stack.Resources {
					if r == first {
						r = cloneResource(t, r)
						r.DependsOn = slices.DeleteFunc(slices.Clone(r.DependsOn), func(u string) bool { return u == runner.URN })
					}
					broken.Resources = append(broken.Resources, r)
				}
				vs := Violations(broken, policies.ReleaseInWaves)
				require.NotEmpty(t, vs)
				assert.Contains(t, vs[0].Message, "takes a new version without waiting for the migrations")

				// The writer moves: so do the migrations, and the move
				// replaces nothing stateful.
				assertWriterMoves(t, res)
				next := s.Successor()
				moved := withMigrations(t, cloud, topology, next)
				after := policies.MigrationRunnersOf(policies.Stack{Spec: moved.Spec, Resources: moved.Recorder.Resources()}, cloud)
				require.Len(t, after, 1)
				assert.Equal(t, next, after[0].Region, "with the writer")
			})
		}
	}
}

// workerAlerts are, by cloud, the alert type that watches a worker and the
// name each has.
var workerAlerts = map[spec.Cloud]struct{ typ, suffix string }{
	spec.AWS:   {"aws:cloudwatch/metricAlarm:MetricAlarm", "-worker-push"},
	spec.GCP:   {"gcp:monitoring/alertPolicy:AlertPolicy", "-worker-push"},
	spec.Azure: {"azure-native:insights:MetricAlert", "-push-replicas"},
}

// A worker runs in every region beside the API with no ingress, the API's
// identity, image and settings and its own command, is released in the
// API's waves (the policy holds it to them) and is watched.
func TestWorkersRunInEveryRegionAndAreReleasedAndWatchedLikeTheAPI(t *testing.T) {
	t.Parallel()
	for _, cloud := range []string{"aws", "gcp", "azure"} {
		t.Run(cloud, func(t *testing.T) {
			SkipUnlinked(t, spec.Cloud(cloud))
			res := MustPlan(t, "wrk", With(Contract(cloud, "active-active", contractRegions[cloud]...), "workers", map[string]string{"push": "2 /app/worker push"}))
			s := res.Spec
			apps, gates := appsAndGates(res)
			g := policies.NewGraph(res.Recorder.Resources())
			for i, wave := range s.ReleaseWaves() {
				for _, region := range wave {
					require.Len(t, apps[region], 2, "%s: the API and the worker", region)
					var api, worker *mock.Resource
					for _, a := range apps[region] {
						if strings.Contains(a.Name, "-push") {
							worker = a
						} else {
							api = a
						}
					}
					require.NotNil(t, worker, region)
					require.NotNil(t, api, region)
					assert.True(t, g.DependsOn(gates[region][0], worker), "%s: its gate runs after the worker", region)
					if i > 0 {
						for _, prev := range s.ReleaseWaves()[i-1] {
							assert.True(t, g.DependsOn(worker, gates[prev][0]), "%s's worker waits for %s's gate", region, prev)
						}
					}
					switch s.Cloud {
					case spec.AWS:
						assert.Empty(t, worker.Get("loadBalancers"), "no ingress")
						assert.Equal(t, 2, worker.Int("desiredCount"))
						task := res.Recorder.Named("aws:ecs/taskDefinition:TaskDefinition", "wrk-"+region+"-push-task")
						require.NotNil(t, task)
						apiTask := res.Recorder.Named("aws:ecs/taskDefinition:TaskDefinition", "wrk-"+region+"-task")
						assert.Equal(t, apiTask.Get("taskRoleArn"), task.Get("taskRoleArn"), "the API's identity")
						assert.Contains(t, task.Str("containerDefinitions"), `"name":"worker","image":"`+s.Image+`","essential":true,"command":["/app/worker","push"],"portMappings":[]`)
						// The gate holds the worker to its new task definition.
						var input struct{ WORKERS string }
						require.NoError(t, json.Unmarshal([]byte(gates[region][0].Str("input")), &input))
						assert.JSONEq(t, `[{"service":"`+worker.Outputs["name"].(string)+`","taskDefinition":"`+task.Outputs["arn"].(string)+`","family":"wrk-`+region+`-push"}]`, input.WORKERS)
					case spec.GCP:
						assert.Equal(t, "INGRESS_TRAFFIC_INTERNAL_ONLY", worker.Str("ingress"))
						assert.Equal(t, []any{"/app/worker"}, worker.Get("template.containers.0.commands"))
						assert.Equal(t, []any{"push"}, worker.Get("template.containers.0.args"))
						assert.Equal(t, false, worker.Get("template.containers.0.resources.cpuIdle"), "CPU always allocated")
						assert.Equal(t, 2, worker.Int("template.scaling.minInstanceCount"))
						assert.Equal(t, api.Str("template.serviceAccount"), worker.Str("template.serviceAccount"), "the API's identity")
						for _, inv := range res.Recorder.OfType(TypeRunInvoker) {
							assert.NotEqual(t, worker.Outputs["name"], inv.Str("name"), "nobody may invoke it")
						}
					case spec.Azure:
						assert.Nil(t, worker.Get("configuration.ingress.targetPort"), "no ingress")
						assert.Nil(t, worker.Get("configuration.ingress.external"), "no ingress")
						assert.Equal(t, []any{"/app/worker"}, worker.Get("template.containers.0.command"))
						assert.Equal(t, 2, worker.Int("template.scale.minReplicas"))
						assert.Equal(t, api.Get("identity.userAssignedIdentities"), worker.Get("identity.userAssignedIdentities"), "the API's identity")
						// The gate holds the worker to its new revision, and may put it back.
						gate := gates[region][0]
						env := map[string]any{}
						for i := 0; i < gate.Len("environmentVariables"); i++ {
							env[gate.Str(fmt.Sprintf("environmentVariables.%d.name", i))] = gate.Get(fmt.Sprintf("environmentVariables.%d.value", i))
						}
						assert.Equal(t, worker.ID, env["WORKER_APP_IDS"])
						may := res.Recorder.Named("azure-native:authorization:RoleAssignment", "wrk-"+region+"-release-may-1")
						require.NotNil(t, may, region)
						assert.Equal(t, worker.ID, may.Str("scope"))
					}
				}
			}
			assert.Empty(t, Violations(policies.Stack{Spec: s, Resources: res.Recorder.Resources()}, policies.ReleaseInWaves))
			var summary strings.Builder
			res.WriteSummary(&summary)
			assert.Contains(t, summary.String(), "Worker `push`: `/app/worker push`, 2 per region, released with the API")
			alert := workerAlerts[s.Cloud]
			watched := 0
			for _, a := range res.Recorder.OfType(alert.typ) {
				if strings.Contains(a.Name, alert.suffix) {
					watched++
				}
			}
			assert.Equal(t, len(s.Regions), watched, "each region's worker is watched")
		})
	}
}

// breakGlass opens a way in, least privilege and logged, that closes at
// its expiry where the cloud can enforce one; a plan after the expiry
// fails in production (break-glass-bounded).
func TestBreakGlassOpensAWayInThatCloses(t *testing.T) {
	t.Parallel()
	const until = "2099-01-01T00:00:00Z"
	members := map[string]string{"aws": "", "gcp": "group:oncall@example.com", "azure": "0f8fad5b-d9cb-469f-a165-70867728950e"}
	for _, cloud := range []string{"aws", "gcp", "azure"} {
		t.Run(cloud, func(t *testing.T) {
			SkipUnlinked(t, spec.Cloud(cloud))
			glass := map[string]string{"until": until, "approval": "CHG-42"}
			if members[cloud] != "" {
				glass["member"] = members[cloud]
			}
			closed := MustPlan(t, "bg", Contract(cloud, "active-passive", contractRegions[cloud][:2]...))
			res := MustPlan(t, "bg", With(Contract(cloud, "active-passive", contractRegions[cloud][:2]...), "environment", "prod", "breakGlass", glass))
			s := res.Spec
			writer := s.WriterRegion
			switch s.Cloud {
			case spec.AWS:
				for _, svc := range res.Recorder.OfType("aws:ecs/service:Service") {
					if strings.HasSuffix(svc.Name, "-api") {
						assert.True(t, svc.Bool("enableExecuteCommand"), "%s: ECS Exec", svc.Region)
					}
				}
				for _, svc := range closed.Recorder.OfType("aws:ecs/service:Service") {
					assert.False(t, svc.Bool("enableExecuteCommand"), "closed by default")
				}
				cluster := res.Recorder.Named("aws:ecs/cluster:Cluster", "bg-"+writer+"-cluster")
				require.NotNil(t, cluster)
				assert.Equal(t, "OVERRIDE", cluster.Str("configuration.executeCommandConfiguration.logging"))
				assert.Equal(t, true, cluster.Get("configuration.executeCommandConfiguration.logConfiguration.cloudWatchEncryptionEnabled"))
				policy := res.Recorder.Named("aws:iam/rolePolicy:RolePolicy", "bg-"+writer+"-tracing-policy")
				require.NotNil(t, policy)
				assert.Contains(t, policy.Str("policy"), `"Condition":{"DateLessThan":{"aws:CurrentTime":"`+until+`"}}`, "the agent's channels close at the expiry")
				// Opening it adds nothing: a down region's frozen resources stay.
				assert.Equal(t, len(closed.Recorder.Resources()), len(res.Recorder.Resources()))
			case spec.GCP:
				job := res.Recorder.Named("gcp:cloudrunv2/job:Job", "bg-"+writer+"-break-glass")
				require.NotNil(t, job)
				assert.Equal(t, writer, job.Str("location"))
				var roles []string
				for _, m := range OfComponent(res.Recorder.OfType("gcp:cloudrunv2/jobIamMember:JobIamMember"), "mobile-backend:gcp:BreakGlass") {
					assert.Equal(t, "group:oncall@example.com", m.Str("member"))
					roles = append(roles, m.Str("role"))
				}
				assert.ElementsMatch(t, []string{"roles/run.jobsExecutorWithOverrides", "roles/run.viewer"}, roles, "run it with a command, follow the run")
				app := res.Recorder.Named("gcp:cloudrunv2/service:Service", "bg-"+writer+"-api")
				require.NotNil(t, app)
				assert.Equal(t, app.Str("template.serviceAccount"), job.Str("template.template.serviceAccount"), "the app's rights, no more")
			case spec.Azure:
				pim := One(t, res.Recorder.OfType("azure-native:authorization:PimRoleEligibilitySchedule"), "the eligibility")
				assert.Equal(t, "0f8fad5b-d9cb-469f-a165-70867728950e", pim.Str("principalId"))
				assert.Equal(t, "AfterDuration", pim.Str("scheduleInfo.expiration.type"))
				assert.Equal(t, "PT8H", pim.Str("scheduleInfo.expiration.duration"), "the provider sends a duration, not an end")
				assert.Equal(t, "mobile-backend breakGlass: CHG-42", pim.Str("justification"))
				app := res.Recorder.Named(TypeContainerApp, "bg-"+writer+"-api")
				require.NotNil(t, app)
				assert.Equal(t, app.ID, pim.Str("scope"), "the writer region's app alone")
			}
			stack := policies.Stack{Spec: s, Resources: res.Recorder.Resources()}
			assert.Empty(t, Violations(stack, policies.BreakGlassBounded))
			expired := MustPlan(t, "bg", With(Contract(cloud, "active-passive", contractRegions[cloud][:2]...), "environment", "prod",
				"breakGlass", map[string]string{"until": "2020-01-01T00:00:00Z", "member": members[cloud]}))
			vs := Violations(policies.Stack{Spec: expired.Spec, Resources: expired.Recorder.Resources()}, policies.BreakGlassBounded)
			require.Len(t, vs, 1)
			assert.Equal(t, policies.Mandatory, vs[0].Severity)
			assert.Contains(t, vs[0].Message, "breakGlass expired at 2020-01-01T00:00:00Z: remove it")
		})
	}
}

// The region-loss table follows the scheduled jobs: each survives every
// region's loss (a scheduler fires where the writer is after it); without
// the schedulers in the successor's region, the writer's loss breaks them.
func TestScheduledJobsSurviveEveryRegionsLoss(t *testing.T) {
	t.Parallel()
	for _, cloud := range []string{"aws", "gcp", "azure"} {
		t.Run(cloud, func(t *testing.T) {
			SkipUnlinked(t, spec.Cloud(cloud))
			res := MustPlan(t, "sch", With(Contract(cloud, "active-passive", contractRegions[cloud][:2]...), "schedules", map[string]string{"cleanup": "0 3 * * * /app/cleanup"}))
			s := res.Spec
			require.Len(t, res.Resilience.RegionLoss, len(s.Regions))
			for _, loss := range res.Resilience.RegionLoss {
				var fn *policies.FunctionLoss
				for i := range loss.Functions {
					if loss.Functions[i].Name == policies.FnScheduled {
						fn = &loss.Functions[i]
					}
				}
				require.NotNil(t, fn, loss.Region)
				assert.True(t, fn.Survives, "%s: %s", loss.Region, fn.Via)
			}
			// The successor's schedulers gone: losing the writer breaks them.
			next := s.Successor()
			stack := policies.Stack{Spec: s}
			for _, r := range res.Recorder.Resources() {
				if r.Type == policies.Schedulers[s.Cloud][0] && (r.Region == next || r.Str("region") == next) && strings.Contains(r.Name, "-schedules-") {
					continue
				}
				stack.Resources = append(stack.Resources, r)
			}
			for _, loss := range policies.AnalyzeRegionLoss(stack) {
				if loss.Region != s.WriterRegion {
					continue
				}
				for _, fn := range loss.Functions {
					if fn.Name == policies.FnScheduled {
						assert.False(t, fn.Survives)
						assert.Contains(t, fn.Via, "no schedule fires in "+next)
					}
				}
			}
		})
	}
}

// Every scheduled run alerts when it fails (scheduled-jobs-alert): the
// contract stacks with a schedule pass; without the alert on a runner, on
// the job it starts, or (AWS) without the rule that hears its tasks stop,
// the plan fails naming it.
func TestScheduledRunsAlertWhenTheyFail(t *testing.T) {
	t.Parallel()
	dropped := map[string][]struct {
		drop func(*mock.Resource) bool
		want string
	}{
		"aws": {
			{func(r *mock.Resource) bool { return strings.HasSuffix(r.Name, "-schedules-failed") }, "whose failures (Errors) no alarm watches"},
			{func(r *mock.Resource) bool { return strings.HasSuffix(r.Name, "-stopped-target") }, "starts ECS tasks, but no EventBridge rule sends their end"},
			{func(r *mock.Resource) bool {
				return r.Type == "aws:cloudwatch/metricAlarm:MetricAlarm" && strings.Contains(r.Name, "-watch-") && strings.HasSuffix(r.Name, "-failed")
			}, "whose failed executions no alarm watches"},
		},
		"gcp": {
			{func(r *mock.Resource) bool { return strings.HasSuffix(r.Name, "-cleanup-run-failed") }, "-cleanup-run runs on schedule"},
			{func(r *mock.Resource) bool { return strings.HasSuffix(r.Name, "-cleanup-failed") }, "-cleanup runs on schedule"},
		},
		"azure": {
			{func(r *mock.Resource) bool { return strings.HasSuffix(r.Name, "-runner-cleanup-failed") }, "-cleanup-run runs on a schedule and no alert watches"},
			{func(r *mock.Resource) bool { return strings.HasSuffix(r.Name, "-schedule-cleanup-failed") }, "-cleanup runs on a schedule and no alert watches"},
			{func(r *mock.Resource) bool { return strings.HasSuffix(r.Name, "-database-users-failed") }, "db-users runs on a schedule and no alert watches"},
		},
	}
	for _, cloud := range []string{"aws", "gcp", "azure"} {
		t.Run(cloud, func(t *testing.T) {
			SkipUnlinked(t, spec.Cloud(cloud))
			res := MustPlan(t, "sj", With(Contract(cloud, "active-passive", contractRegions[cloud][:2]...),
				"schedules", map[string]string{"cleanup": "0 3 * * * /app/cleanup"}, "alertEmails", []string{"oncall@example.com"}))
			stack := policies.Stack{Spec: res.Spec, Resources: res.Recorder.Resources()}
			assert.Empty(t, Violations(stack, policies.ScheduledJobsAlert))
			both := MustPlan(t, "sj", With(Contract(cloud, "active-active", contractRegions[cloud][:2]...),
				"schedules", map[string]string{"cleanup": "0 3 * * * /app/cleanup"}, "alertEmails", []string{"oncall@example.com"}))
			assert.Empty(t, Violations(policies.Stack{Spec: both.Spec, Resources: both.Recorder.Resources()}, policies.ScheduledJobsAlert), "active-active")
			for _, c := range dropped[cloud] {
				broken := without(stack, c.drop)
				require.Less(t, len(broken.Resources), len(stack.Resources), c.want)
				vs := Violations(broken, policies.ScheduledJobsAlert)
				require.NotEmpty(t, vs, c.want)
				var said []string
				for _, v := range vs {
					assert.Equal(t, policies.Mandatory, v.Severity)
					said = append(said, v.Message)
				}
				assert.Contains(t, strings.Join(said, "\n"), c.want)
			}
		})
	}
}
