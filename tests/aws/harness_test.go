package aws

import (
	"testing"

	awsc "github.com/mobile-backend/mobile-backend/components/aws"
	"github.com/mobile-backend/mobile-backend/internal/mock"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/require"

	. "github.com/mobile-backend/mobile-backend/tests/suite"
)

// runComponent runs a program that builds components directly, under the
// same recording mock, with an explicit provider for one region.
func runComponent(t testing.TB, region string, body func(ctx *pulumi.Context, inRegion pulumi.ResourceOption) error) *mock.Recorder {
	t.Helper()
	rec, err := RunProgram(func(ctx *pulumi.Context) error {
		p, err := awsc.NewProvider(ctx, "aws-"+region, region, map[string]string{"stack": "test"})
		if err != nil {
			return err
		}
		return body(ctx, pulumi.Provider(p))
	})
	require.NoError(t, err)
	return rec
}
