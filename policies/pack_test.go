package policies

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/policyx"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The pack converts the engine's resources once per analysis (every policy
// gets the same slice) and anew for another analysis's slice.
func TestThePackConvertsEachAnalysisOnce(t *testing.T) {
	bucket := func(name string) policyx.AnalyzerResource {
		return policyx.AnalyzerResource{URN: "urn:pulumi:s::p::aws:s3/bucket:Bucket::" + name, Type: "aws:s3/bucket:Bucket", Name: name}
	}
	c := &lastGraph{}
	first := []policyx.AnalyzerResource{bucket("a"), bucket("b")}
	got := c.of("p", "s", first)
	require.Len(t, got, 2)
	again := c.of("p", "s", first)
	assert.Same(t, got[0], again[0], "the same analysis: converted once")

	second := []policyx.AnalyzerResource{bucket("c")}
	got = c.of("p", "s", second)
	require.Len(t, got, 1)
	assert.Equal(t, "c", got[0].Name, "another analysis: converted anew")
	assert.Len(t, c.of("p", "s", first[:1]), 1, "a shorter view of the first slice is another analysis")
	assert.Empty(t, c.of("p", "s", nil))
}
