package suite

import (
	"bytes"
	"encoding/json"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/mobile-backend/mobile-backend/internal/spec"
	"github.com/mobile-backend/mobile-backend/internal/stackfile"
)

// deployWorkflow is the part of .github/workflows/deploy.yml these tests read.
type deployWorkflow struct {
	Jobs map[string]struct {
		Needs    any    `yaml:"needs"`
		Uses     string `yaml:"uses"`
		Strategy struct {
			Matrix struct {
				Include []struct{ Stack, Cloud string } `yaml:"include"`
			} `yaml:"matrix"`
		} `yaml:"strategy"`
		With map[string]string `yaml:"with"`
	} `yaml:"jobs"`
}

func TestDeployWorkflowUpdatesEveryCommittedStackStagingBeforeProd(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("../../.github/workflows/deploy.yml")
	require.NoError(t, err)
	var wf deployWorkflow
	require.NoError(t, yaml.Unmarshal(b, &wf))
	assert.Equal(t, "staging", wf.Jobs["prod"].Needs, "prod deploys only after every staging stack")
	assert.Equal(t, "test", wf.Jobs["staging"].Needs)

	deployed := map[string]string{} // stack -> job
	for _, job := range []string{"staging", "prod"} {
		j := wf.Jobs[job]
		assert.Equal(t, "./.github/workflows/pulumi.yml", j.Uses)
		assert.Equal(t, "up", j.With["command"])
		assert.Equal(t, "${{ matrix.stack }}", j.With["environment"], "each stack in its own GitHub environment")
		for _, e := range j.Strategy.Matrix.Include {
			deployed[e.Stack] = job
			cfg, err := stackfile.Load(projectFile, "../../Pulumi."+e.Stack+".yaml", e.Stack)
			require.NoError(t, err, "%s job deploys a stack with no committed file", job)
			s, err := spec.Load(e.Stack, cfg.Lookup)
			require.NoError(t, err)
			assert.Equal(t, string(s.Cloud), e.Cloud, "%s gets %s credentials", e.Stack, e.Cloud)
			want := "staging"
			if s.Production() {
				want = "prod"
			}
			assert.Equal(t, want, job, "%s is deployed by the %s job", e.Stack, want)
		}
	}
	for _, file := range CommittedStacks() {
		stack := stackfile.StackName(file)
		assert.Contains(t, deployed, stack, "%s is deployed from main", stack)
	}
}

func TestAffectedStacksFollowWhatAChangeTouches(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	git := func(args ...string) string {
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@t", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@t")
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, string(out))
		return strings.TrimSpace(string(out))
	}
	write := func(name, body string) {
		require.NoError(t, os.MkdirAll(dir+"/.ci", 0o755))
		require.NoError(t, os.WriteFile(dir+"/"+name, []byte(body), 0o644))
	}
	script, err := os.ReadFile("../../.ci/affected-stacks")
	require.NoError(t, err)
	write(".ci/affected-stacks", string(script))
	write("Pulumi.prod.yaml", "config:\n  mobile-backend:cloud: aws\n")
	write("Pulumi.gcp-prod.yaml", "config:\n  mobile-backend:cloud: gcp\n")
	write("README.md", "x\n")
	write("main.go", "package main\n")
	git("init", "-q")
	git("add", ".")
	git("commit", "-qm", "base")
	commit := func() {
		git("add", ".")
		git("commit", "-qm", "change")
	}
	run := func(base string) string {
		cmd := exec.Command("bash", ".ci/affected-stacks", base, "HEAD")
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, string(out))
		return strings.TrimSpace(string(out))
	}

	base := git("rev-parse", "HEAD")
	write("README.md", "y\n")
	commit()
	assert.Equal(t, "[]", run(base), "documentation affects no stack")

	base = git("rev-parse", "HEAD")
	write("Pulumi.gcp-prod.yaml", "config:\n  mobile-backend:cloud: gcp\n  mobile-backend:minInstances: 3\n")
	commit()
	assert.Equal(t, `[{"stack":"gcp-prod","cloud":"gcp"}]`, run(base), "a stack file affects its stack")

	base = git("rev-parse", "HEAD")
	write("main.go", "package main // changed\n")
	commit()
	assert.Equal(t, `[{"stack":"gcp-prod","cloud":"gcp"},{"stack":"prod","cloud":"aws"}]`, run(base), "the program affects every stack")
}

func TestTheFailoverDrillRunsOnEveryStagingStackAndNeverBesideADeploy(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("../../.github/workflows/failover-drill.yml")
	require.NoError(t, err)
	var wf struct {
		On struct {
			Dispatch struct {
				Inputs map[string]struct{ Options []string } `yaml:"inputs"`
			} `yaml:"workflow_dispatch"`
		} `yaml:"on"`
		Jobs map[string]struct {
			Concurrency struct{ Group string } `yaml:"concurrency"`
			Steps       []struct{ Run string } `yaml:"steps"`
		} `yaml:"jobs"`
	}
	require.NoError(t, yaml.Unmarshal(b, &wf))
	var staging []string
	for _, file := range CommittedStacks() {
		cfg, err := stackfile.Load(projectFile, file, stackfile.StackName(file))
		require.NoError(t, err)
		s, err := spec.Load(cfg.Stack, cfg.Lookup)
		require.NoError(t, err)
		if !s.Production() {
			staging = append(staging, cfg.Stack)
		}
	}
	assert.ElementsMatch(t, staging, wf.On.Dispatch.Inputs["stack"].Options, "a drill per staging stack, started by hand")
	job := wf.Jobs["drill"]
	// The same group as pulumi.yml's `up` of that stack: a drill and a deploy never overlap.
	assert.Equal(t, "pulumi-up-${{ inputs.stack }}-main", job.Concurrency.Group)
	all := ""
	for _, st := range job.Steps {
		all += st.Run
	}
	assert.Contains(t, all, "go run ./cmd/drill --plan")
	assert.Contains(t, all, `--failback "$failback"`)
	// The drill makes the writer's region fail and lets the automation act:
	// no trigger promotes or switches by itself; the failbacks do.
	triggers := regexp.MustCompile(`(?m)^\s*trigger="([^\n]*)"$`).FindAllStringSubmatch(all, -1)
	require.Len(t, triggers, 3, "one trigger per cloud")
	for _, tr := range triggers {
		for _, planned := range []string{"failover-global-cluster", "switchover-global-cluster", "set-default-service", "set-primary", "forceFailover"} {
			assert.NotContains(t, tr[1], planned, "a drill fails the region, it does not fail over: %s", tr[1])
		}
	}
	for _, step := range []string{
		"--actions 'Type=fixed-response,FixedResponseConfig={StatusCode=503", "set-alarm-state", // AWS: the probes fail, the database taken as lost
		"--action deny-502",                                    // Google Cloud: the probes fail
		"ingress update", "private-endpoint-connection reject", // Azure: the probes fail, the data path cut
		"switchover-global-cluster", "url-maps set-default-service", "failover-group set-primary", // the failbacks
	} {
		assert.Contains(t, all, step)
	}
}

// The program and the plan command link every cloud's stacks: a cloud left
// out fails only when a stack of that cloud runs ("not linked into this
// program").
func TestTheProgramAndThePlanLinkEveryCloud(t *testing.T) {
	for _, file := range []string{"../../main.go", "../../cmd/plan/main.go"} {
		f, err := parser.ParseFile(token.NewFileSet(), file, nil, parser.ImportsOnly)
		require.NoError(t, err)
		imported := map[string]bool{}
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			imported[path] = true
		}
		for _, cloud := range []spec.Cloud{spec.AWS, spec.GCP, spec.Azure} {
			assert.True(t, imported["github.com/mobile-backend/mobile-backend/stacks/"+string(cloud)], "%s links the %s stacks", file, cloud)
		}
	}
}

// pulumiWorkflow is the part of .github/workflows/pulumi.yml these tests read.
type pulumiWorkflow struct {
	Jobs map[string]struct {
		TimeoutMinutes int `yaml:"timeout-minutes"`
		Steps          []struct {
			Name, Uses, Run, If string
			With                map[string]string
		} `yaml:"steps"`
	} `yaml:"jobs"`
}

// A deploy pins the image before the plan records it and the waves roll
// it, opens a release window as long as every wave's deployment and bake,
// and fits in the job's time; a pull request's summary compares with the
// base's plan.
func TestTheDeployPinsTheImageAndKeepsItsWindowOpenForEveryWave(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("../../.github/workflows/pulumi.yml")
	require.NoError(t, err)
	var wf pulumiWorkflow
	require.NoError(t, yaml.Unmarshal(b, &wf))
	job := wf.Jobs["pulumi"]
	at := map[string]int{}
	for i, st := range job.Steps {
		switch {
		case strings.Contains(st.Run, ".ci/pin-image"):
			at["pin"] = i
		case st.Name == "Offline plan summary":
			at["summary"] = i
			assert.Contains(t, st.Run, `--base "$RUNNER_TEMP/base.json"`, "the summary says what the change rolls")
			assert.Contains(t, st.Run, `--format json > "$RUNNER_TEMP/plan.json"`)
		case strings.Contains(st.Run, ".ci/release-window open"):
			at["window"] = i
			// The window's length, from the plan of every committed stack.
			expr := regexp.MustCompile(`jq '([^']+)'`).FindStringSubmatch(st.Run)
			require.NotNil(t, expr, st.Run)
			for _, file := range LinkedStacks(t) {
				res := PlanFile(t, file)
				doc, err := json.Marshal(res.Document())
				require.NoError(t, err)
				cmd := exec.Command("jq", expr[1])
				cmd.Stdin = bytes.NewReader(doc)
				out, err := cmd.Output()
				require.NoError(t, err)
				minutes, err := strconv.Atoi(strings.TrimSpace(string(out)))
				require.NoError(t, err, "%s", out)
				waves := len(res.Spec.ReleaseWaves())
				assert.GreaterOrEqual(t, minutes, waves*(40+res.Spec.Release.BakeSeconds/60), "%s: the window outlasts every wave", file)
				assert.Less(t, minutes, job.TimeoutMinutes, "%s: the job outlasts the window", file)
			}
		case st.With["command"] != "":
			at["up"] = i
		}
	}
	require.Len(t, at, 4, "%v", at)
	assert.Less(t, at["pin"], at["summary"], "the plan records the pinned image")
	assert.Less(t, at["summary"], at["window"])
	assert.Less(t, at["window"], at["up"])
}
