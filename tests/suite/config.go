package suite

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mobile-backend/mobile-backend/internal/plan"
	"github.com/mobile-backend/mobile-backend/internal/spec"
)

// The config cases themselves live in internal/spec (no cloud SDK linked);
// here, end to end, the plan command exits 2 naming the key and registers
// nothing, for a problem the spec finds and for one the CLI's loader finds.
func TestBadConfigsExitTwoWithTheKeyNamed(t *testing.T) {
	t.Parallel()
	base := Contract("aws", "active-active", "us-east-1", "eu-west-1")
	for _, tc := range []struct {
		name string
		cfg  map[string]any
		want string
	}{
		{"not an AWS region", With(base, "regions", []string{"us-east-1", "us-east-9"}), `mobile-backend:regions[1]: "us-east-9" is not an AWS region`},
		{"wrong type", With(base, "cpu", "lots"), "mobile-backend:cpu: must be of type integer"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := RunMain(t, "--config-file", WriteStack(t, "bad", tc.cfg))
			assert.Equal(t, plan.ExitConfigError, code)
			assert.True(t, strings.Contains(stderr, tc.want), "stderr %q does not name %q", stderr, tc.want)
			assert.Empty(t, stdout, "nothing is planned for a bad config")
			assert.NotContains(t, stderr, "goroutine", "a config mistake never shows a Go stack trace")
		})
	}
	res, err := planConfig(t, "bad", With(base, "minInstances", 0))
	assert.Nil(t, res, "no resource is registered for a bad config")
	var cfgErr *spec.Error
	require.ErrorAs(t, err, &cfgErr)
}

func TestPlanCommandUsage(t *testing.T) {
	t.Parallel()
	code, _, stderr := RunMain(t)
	assert.Equal(t, plan.ExitConfigError, code)
	assert.Contains(t, stderr, "give --stack NAME or --config-file PATH")

	code, _, stderr = RunMain(t, "--config-file", "../../Pulumi.prod.yaml", "--format", "yaml")
	assert.Equal(t, plan.ExitConfigError, code)
	assert.Contains(t, stderr, `--format "yaml": one of tree, json, summary, mermaid, dot`)

	code, _, _ = RunMain(t, "--stack", "no-such-stack")
	assert.Equal(t, plan.ExitConfigError, code)
}
