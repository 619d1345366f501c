package policies

import (
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTheReadmeListsEveryConstraint(t *testing.T) {
	b, err := os.ReadFile("../README.md")
	require.NoError(t, err)
	for _, p := range append([]Policy{ExplicitOrdering}, Constraints...) {
		assert.Contains(t, string(b), "| `"+p.Name+"` |", "README's table lacks %s", p.Name)
	}
}
