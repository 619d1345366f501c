package tests

import (
	"os"
	"runtime/debug"
	"testing"
)

// gcPercent trades memory for time: the plans allocate many small values
// and are short-lived, so with the default GOGC=100 the run spent about a
// quarter of its CPU in the collector. At 400 the run takes about 12 s
// instead of 16 s and peaks near 400 MB (docs/development.md). A GOGC set in
// the environment wins.
const gcPercent = 400

func TestMain(m *testing.M) {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	os.Exit(m.Run())
}
