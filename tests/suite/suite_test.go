package suite

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Every shared test function is in Tests once, under its own name: one left
// out would never run in any cloud's binary.
func TestEverySharedTestIsListedInTests(t *testing.T) {
	files, err := filepath.Glob("*.go")
	require.NoError(t, err)
	var declared []string
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		require.NoError(t, err)
		f, err := parser.ParseFile(token.NewFileSet(), name, src, parser.SkipObjectResolution)
		require.NoError(t, err)
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil && strings.HasPrefix(fd.Name.Name, "Test") {
				declared = append(declared, strings.TrimPrefix(fd.Name.Name, "Test"))
			}
		}
	}
	var listed []string
	for _, tc := range append(slices.Clone(Tests), Cloudless...) {
		listed = append(listed, tc.Name)
		fn := runtime.FuncForPC(reflect.ValueOf(tc.F).Pointer()).Name()
		assert.True(t, strings.HasSuffix(fn, ".Test"+tc.Name), "%s runs %s", tc.Name, fn)
	}
	assert.Greater(t, len(declared), 60)
	assert.ElementsMatch(t, declared, listed)
}

// TestCloudless runs the shared tests that plan no stack; one that skips
// (it planned a stack after all) belongs in Tests.
func TestCloudless(t *testing.T) {
	for _, tc := range Cloudless {
		t.Run(tc.Name, func(t *testing.T) {
			t.Cleanup(func() {
				if t.Skipped() {
					t.Errorf("%s plans a stack: list it in Tests, which every cloud's package runs", tc.Name)
				}
			})
			tc.F(t)
		})
	}
}

// The committed stack files the shared tests plan are every stack file in
// the module's root, in the order a glob gives.
func TestTheCommittedStackFilesAreAllListed(t *testing.T) {
	files, err := filepath.Glob(committedStacks)
	require.NoError(t, err)
	assert.Equal(t, files, CommittedStacks(), "list a new stack file in committedStackFiles")
}
