// Package source holds the checks that read the module's Go source rather
// than run it: they link no cloud SDK, and they live apart from the packages
// they read, so a change to a component reruns these checks (they read the
// changed file) and not the unit tests of package components.
package source_test

import "path/filepath"

// root is the module's root, from this package's directory (go test runs
// a package's tests in its directory).
const root = "../.."

var components = filepath.Join(root, "components")
