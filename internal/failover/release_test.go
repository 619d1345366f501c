package failover

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The deploy's step that marks a release (.ci/release-window), run by bash
// with pulumi answering the stack's outputs in `pulumi stack output --json`
// form and each cloud's CLI recording what it was asked.
func TestTheDeployMarksTheReleaseWindowWhereTheAutomationReadsIt(t *testing.T) {
	t.Parallel()
	script, err := filepath.Abs("../../.ci/release-window")
	require.NoError(t, err)
	_, err = os.ReadFile(script) // go test's cache follows the script
	require.NoError(t, err)
	for _, c := range []struct {
		name, outputs, cli string
		want               []string // the CLI's arguments, the window's end as UNTIL
		stdin              string
	}{
		{"aws", `{"cloud":{"releaseWindow":{"cloud":"aws","parameter":"/mobile-backend/prod/release-window","region":"eu-west-1"},"sessionTable":"t"}}`, "aws",
			[]string{"ssm", "put-parameter", "--region", "eu-west-1", "--name", "/mobile-backend/prod/release-window", "--value", "UNTIL", "--type", "String", "--overwrite", "--output", "text"}, ""},
		{"gcp", `{"cloud":{"releaseWindow":{"bucket":"prod-uploads-8f9b","cloud":"gcp","object":"_mobile-backend/release-window.json"}}}`, "gcloud",
			[]string{"storage", "cp", "-", "gs://prod-uploads-8f9b/_mobile-backend/release-window.json", "--content-type=application/json", "--quiet"}, `{"until":"UNTIL"}`},
		{"azure", `{"cloud":{"releaseWindow":{"cloud":"azure","resourceGroup":"/subscriptions/s/resourceGroups/prod-westeurope","tag":"mobile-backend-release-until"}}}`, "az",
			[]string{"tag", "update", "--resource-id", "/subscriptions/s/resourceGroups/prod-westeurope", "--operation", "Merge", "--tags", "mobile-backend-release-until=UNTIL", "--output", "none"}, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			for action, minutes := range map[string]time.Duration{"open": 45 * time.Minute, "close": 0} {
				dir := fakeCLIs(t, c.outputs, 0)
				args := []string{script, action, "prod"}
				if action == "open" {
					args = append(args, "45")
				}
				cmd := exec.Command("bash", args...)
				cmd.Env = append(os.Environ(), "PATH="+dir+":"+os.Getenv("PATH"))
				out, err := cmd.CombinedOutput()
				require.NoError(t, err, "%s", out)
				calls, err := os.ReadFile(filepath.Join(dir, c.cli+".log"))
				require.NoError(t, err, "%s was not called: %s", c.cli, out)
				got := strings.Split(strings.TrimSpace(string(calls)), "\x1f")
				require.Len(t, got, len(c.want), "%q", got)
				until := ""
				for i, w := range c.want {
					if strings.Contains(w, "UNTIL") {
						prefix := strings.TrimSuffix(w, "UNTIL")
						require.True(t, strings.HasPrefix(got[i], prefix), got[i])
						until = strings.TrimPrefix(got[i], prefix)
						continue
					}
					assert.Equal(t, w, got[i])
				}
				if c.stdin != "" {
					stdin, err := os.ReadFile(filepath.Join(dir, c.cli+".stdin"))
					require.NoError(t, err)
					prefix, suffix, _ := strings.Cut(c.stdin, "UNTIL")
					require.True(t, strings.HasPrefix(string(stdin), prefix) && strings.HasSuffix(string(stdin), suffix), string(stdin))
					until = strings.TrimSuffix(strings.TrimPrefix(string(stdin), prefix), suffix)
				}
				end, err := time.Parse(time.RFC3339, until)
				require.NoError(t, err, "the automation reads an RFC 3339 time: %q", until)
				assert.WithinDuration(t, time.Now().Add(minutes), end, 2*time.Minute, action)
			}
		})
	}
	t.Run("no automation", func(t *testing.T) {
		dir := fakeCLIs(t, `{"cloud":{"sessionTable":"t"}}`, 0)
		cmd := exec.Command("bash", script, "open", "prod")
		cmd.Env = append(os.Environ(), "PATH="+dir+":"+os.Getenv("PATH"))
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "%s", out)
		assert.Contains(t, string(out), "has no failover automation: nothing to mark")
	})
	t.Run("the cloud refuses", func(t *testing.T) {
		dir := fakeCLIs(t, `{"cloud":{"releaseWindow":{"cloud":"aws","parameter":"/p","region":"eu-west-1"}}}`, 254)
		cmd := exec.Command("bash", script, "open", "prod")
		cmd.Env = append(os.Environ(), "PATH="+dir+":"+os.Getenv("PATH"))
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "a release during an outage goes on: %s", out)
		assert.Contains(t, string(out), "::warning::release window of prod not marked (aws ssm put-parameter)")
	})
}

// fakeCLIs is a directory of stand-ins: pulumi prints outputs; aws, gcloud
// and az record their arguments (separated by \x1f) and standard input,
// and exit with code.
func fakeCLIs(t *testing.T, outputs string, code int) string {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "pulumi"), []byte("#!/usr/bin/env bash\n"+
		`[ "$1 $2 $3 $4 $5" = "stack output --json --stack prod" ] || { echo "unexpected: $*" >&2; exit 1; }`+"\n"+
		"cat <<'EOF'\n"+outputs+"\nEOF\n"), 0o755))
	for _, cli := range []string{"aws", "gcloud", "az"} {
		require.NoError(t, os.WriteFile(filepath.Join(dir, cli), []byte("#!/usr/bin/env bash\n"+
			`(IFS=$'\x1f'; printf '%s' "$*") > "$(dirname "$0")/`+cli+`.log"`+"\n"+
			`if [ "$1 $2 $3" = "storage cp -" ]; then cat > "$(dirname "$0")/`+cli+`.stdin"; fi`+"\n"+
			"exit "+strconv.Itoa(code)+"\n"), 0o755))
	}
	return dir
}
