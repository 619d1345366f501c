package suite

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mobile-backend/mobile-backend/internal/mock"
)

// RunProgram runs a program under a fresh recording mock (project
// mobile-backend, stack test), for tests that build components directly.
func RunProgram(program pulumi.RunFunc) (*mock.Recorder, error) {
	rec := mock.NewRecorder("mobile-backend", "test")
	return rec, pulumi.RunErr(program, rec.RunOption())
}

// RefusalCase is a component built with none of its required arguments.
type RefusalCase struct {
	Name string
	Make func(*pulumi.Context) error
}

// RefusesMissingArgs asserts that each component validates its Args before
// it registers anything: called with none of its required arguments, it
// returns an error naming itself and leaves no component or resource behind.
func RefusesMissingArgs(t *testing.T, cases []RefusalCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.Name, func(t *testing.T) {
			rec, err := RunProgram(tc.Make)
			if err == nil {
				t.Skip("no required argument")
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), " x: ", "the error names the component")
			assert.Empty(t, rec.Resources(), "nothing is registered before validation")
		})
	}
}

// RefusesAMissingInput asserts that a component missing one input returns an
// error naming itself, not a panic, and registers nothing.
func RefusesAMissingInput(t *testing.T, name string, make func(*pulumi.Context) error) {
	t.Helper()
	rec, err := RunProgram(make)
	require.Error(t, err, name)
	assert.Contains(t, err.Error(), " x: ", name)
	assert.Empty(t, rec.Resources(), name)
}
