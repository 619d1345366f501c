package policies

import (
	"flag"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mobile-backend/mobile-backend/internal/spec"
)

var update = flag.Bool("update", false, "rewrite the generated blocks of the docs")

func TestThePoliciesPageListsEveryPolicyAndConstraint(t *testing.T) {
	const page = "../docs/policies.md"
	b, err := os.ReadFile(page)
	require.NoError(t, err)
	want, ok := spec.ReplaceGenerated(string(b), "policies", Table())
	require.True(t, ok, "%s has a generated policies block", page)
	want, ok = spec.ReplaceGenerated(want, "constraints", ConstraintTable())
	require.True(t, ok, "%s has a generated constraints block", page)
	if *update {
		require.NoError(t, os.WriteFile(page, []byte(want), 0o644))
		return
	}
	if want != string(b) {
		t.Errorf("%s is stale: go test ./policies -update", page)
	}
	for _, p := range All {
		assert.Contains(t, string(b), "| `"+p.Name+"` |", "%s lacks %s", page, p.Name)
	}
}
