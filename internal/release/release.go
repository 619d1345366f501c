// Package release holds the release health gate: the code each cloud runs
// between two release waves (gate.py), embedded for the components that
// deploy it and executed by this package's tests in python3.
package release

import _ "embed"

// Gate is gate.py: the gate's loop and each cloud's adapter.
//
//go:embed gate.py
var Gate string
