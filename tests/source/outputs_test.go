package source_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Every exported output field of every component (a field of a struct that
// embeds pulumi.ResourceState, tagged `pulumi:"name"`) is set by its
// package and registered under its tag with RegisterResourceOutputs: an
// output declared and never set is a nil output a consumer would trip on.
// Read from the source, so the check links no cloud SDK.
func TestEveryComponentOutputIsSetAndRegistered(t *testing.T) {
	entries, err := os.ReadDir(components)
	require.NoError(t, err)
	checked := 0
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		dir := filepath.Join(components, e.Name())
		fset := token.NewFileSet()
		pkgs, err := parser.ParseDir(fset, dir, func(fi fs.FileInfo) bool {
			return !strings.HasSuffix(fi.Name(), "_test.go")
		}, 0)
		require.NoError(t, err)
		for _, pkg := range pkgs {
			outputs := map[string]map[string]string{}  // component -> field -> tag
			set := map[string]map[string]bool{}        // component -> fields its constructor assigns
			registered := map[string]map[string]bool{} // component -> keys its constructor registers
			for _, f := range pkg.Files {
				for _, decl := range f.Decls {
					switch d := decl.(type) {
					case *ast.GenDecl:
						for _, spec := range d.Specs {
							ts, ok := spec.(*ast.TypeSpec)
							if !ok {
								continue
							}
							st, ok := ts.Type.(*ast.StructType)
							if !ok || !embedsResourceState(st) {
								continue
							}
							fields := map[string]string{}
							for _, fl := range st.Fields.List {
								if fl.Tag == nil || len(fl.Names) == 0 {
									continue
								}
								tag, _ := strconv.Unquote(fl.Tag.Value)
								if name := reflect.StructTag(tag).Get("pulumi"); name != "" {
									fields[fl.Names[0].Name] = name
								}
							}
							outputs[ts.Name.Name] = fields
						}
					case *ast.FuncDecl:
						// The constructor, and the component's own methods it calls.
						component := constructed(d)
						if component == "" {
							component = receiver(d)
						}
						if component == "" || d.Body == nil {
							continue
						}
						if set[component] == nil {
							set[component], registered[component] = map[string]bool{}, map[string]bool{}
						}
						ast.Inspect(d.Body, func(n ast.Node) bool {
							switch x := n.(type) {
							case *ast.AssignStmt:
								for _, lhs := range x.Lhs {
									if sel, ok := lhs.(*ast.SelectorExpr); ok {
										set[component][sel.Sel.Name] = true
									}
								}
							case *ast.CallExpr:
								if sel, ok := x.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "RegisterResourceOutputs" && len(x.Args) == 2 {
									if lit, ok := x.Args[1].(*ast.CompositeLit); ok {
										for _, e := range lit.Elts {
											if kv, ok := e.(*ast.KeyValueExpr); ok {
												if key, ok := kv.Key.(*ast.BasicLit); ok {
													k, _ := strconv.Unquote(key.Value)
													registered[component][k] = true
												}
											}
										}
									}
								}
							}
							return true
						})
					}
				}
			}
			for component, fields := range outputs {
				for field, tag := range fields {
					checked++
					assert.True(t, set[component][field], "%s: %s.%s is declared and never set by its constructor", dir, component, field)
					assert.True(t, registered[component][tag], "%s: %s.%s is never registered as %q", dir, component, field, tag)
				}
			}
		}
	}
	assert.Greater(t, checked, 50, "the check found the components' outputs")
}

// constructed is the component a New… function returns (*T first), or "".
func constructed(d *ast.FuncDecl) string {
	if !strings.HasPrefix(d.Name.Name, "New") || d.Recv != nil || d.Type.Results == nil || len(d.Type.Results.List) == 0 {
		return ""
	}
	if star, ok := d.Type.Results.List[0].Type.(*ast.StarExpr); ok {
		if id, ok := star.X.(*ast.Ident); ok {
			return id.Name
		}
	}
	return ""
}

// receiver is the type of a method's pointer receiver, or "".
func receiver(d *ast.FuncDecl) string {
	if d.Recv == nil || len(d.Recv.List) == 0 {
		return ""
	}
	if star, ok := d.Recv.List[0].Type.(*ast.StarExpr); ok {
		if id, ok := star.X.(*ast.Ident); ok {
			return id.Name
		}
	}
	return ""
}

func embedsResourceState(st *ast.StructType) bool {
	for _, f := range st.Fields.List {
		if sel, ok := f.Type.(*ast.SelectorExpr); ok && len(f.Names) == 0 && sel.Sel.Name == "ResourceState" {
			return true
		}
	}
	return false
}
