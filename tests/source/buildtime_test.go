package source_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// slowToName are SDK names that make the compiler instantiate about 7,700
// generic pulumix functions (2 to 3 s of compile) in every package that
// names them, or inlines a function that does: pulumi.AnyOutput has an
// As…Output conversion to each of the ~140 core output types, and these
// azure-native types reach an inlined AnyOutput accessor. Found by compiling
// one-line packages with -gcflags=-bench (docs/development.md). Only the
// leaf packages under components/azure/internal name them.
var slowToName = map[string]map[string]bool{
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi":             {"AnyOutput": true},
	"github.com/pulumi/pulumi-azure-native-sdk/portal/v2":   nil, // every name
	"github.com/pulumi/pulumi-azure-native-sdk/app/v2":      {"Job": true, "JobArgs": true, "JobConfigurationArgs": true, "NewJob": true},
	"github.com/pulumi/pulumi-azure-native-sdk/insights/v2": {"MetricAlert": true, "NewMetricAlert": true},
}

var major = regexp.MustCompile(`^v[0-9]+$`)

// slowNames are the names of slowToName a file uses, as "alias.Name".
func slowNames(f *ast.File) []string {
	alias := map[string]string{}
	for _, imp := range f.Imports {
		path, _ := strconv.Unquote(imp.Path.Value)
		if _, slow := slowToName[path]; !slow {
			continue
		}
		name := filepath.Base(path)
		if major.MatchString(name) { // …/portal/v2 is package portal
			name = filepath.Base(filepath.Dir(path))
		}
		if imp.Name != nil {
			name = imp.Name.Name
		}
		alias[name] = path
	}
	var found []string
	ast.Inspect(f, func(n ast.Node) bool {
		sel, ok := n.(*ast.SelectorExpr)
		if !ok {
			return true
		}
		id, ok := sel.X.(*ast.Ident)
		if !ok {
			return true
		}
		if path, ok := alias[id.Name]; ok {
			if names := slowToName[path]; names == nil || names[sel.Sel.Name] {
				found = append(found, id.Name+"."+sel.Sel.Name)
			}
		}
		return true
	})
	return found
}

// Every package a component change recompiles on its way to the test binary
// (the cloud components, the stacks, the plan, the tests) names none of them:
// each would add 2 to 3 s to every `go test ./...` after a component change.
func TestThePackagesOnTheTestPathNameNoTypeThatSlowsTheirCompile(t *testing.T) {
	checked := 0
	for _, dir := range []string{"components/aws", "components/gcp", "components/azure", "stacks", "stacks/aws", "stacks/gcp", "stacks/azure", "internal/plan", "internal/mock", "tests/suite", "tests/aws", "tests/gcp", "tests/azure", "examples/aws-regional-api/api"} {
		files, err := filepath.Glob(filepath.Join(root, dir, "*.go"))
		require.NoError(t, err)
		for _, name := range files {
			src, err := os.ReadFile(name)
			require.NoError(t, err)
			f, err := parser.ParseFile(token.NewFileSet(), name, src, parser.SkipObjectResolution)
			require.NoError(t, err)
			assert.Empty(t, slowNames(f), "%s: move the use into a leaf package (components/azure/internal has examples)", name)
			checked++
		}
	}
	assert.Greater(t, checked, 60)
}

func TestSlowNamesFindsAnyOutputAndTheAzureTypesThatReachIt(t *testing.T) {
	src := `package p

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi-azure-native-sdk/portal/v2"
	az "github.com/pulumi/pulumi-azure-native-sdk/insights/v2"
	"github.com/pulumi/pulumi-azure-native-sdk/app/v2"
)

func f(o pulumi.StringOutput) {
	_ = o.ApplyT(func(s string) any { return s }).(pulumi.AnyOutput)
	_ = pulumi.String("fine")
	var _ *portal.DashboardArgs
	var _ *az.MetricAlert
	var _ *az.ActionGroupArgs // fine
	var _ *app.ContainerAppArgs // fine
	_, _ = app.NewJob(nil, "", nil)
}
`
	f, err := parser.ParseFile(token.NewFileSet(), "p.go", src, parser.SkipObjectResolution)
	require.NoError(t, err)
	assert.Equal(t, []string{"pulumi.AnyOutput", "portal.DashboardArgs", "az.MetricAlert", "app.NewJob"}, slowNames(f))
}

// The leaf packages' functions are never inlined: inlined into
// components/azure, their bodies would name the slow types there.
func TestTheLeafPackagesFunctionsAreNotInlined(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(components, "azure/internal/*/*.go"))
	require.NoError(t, err)
	checked := 0
	for _, name := range files {
		f, err := parser.ParseFile(token.NewFileSet(), name, nil, parser.ParseComments|parser.SkipObjectResolution)
		require.NoError(t, err)
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || !fd.Name.IsExported() || len(slowNames(f)) == 0 {
				continue
			}
			checked++
			noinline := false
			if fd.Doc != nil {
				for _, c := range fd.Doc.List {
					noinline = noinline || strings.HasPrefix(c.Text, "//go:noinline")
				}
			}
			assert.True(t, noinline, "%s: %s has no //go:noinline", name, fd.Name.Name)
		}
	}
	assert.GreaterOrEqual(t, checked, 3)
}
