package aws

import (
	"testing"

	. "github.com/mobile-backend/mobile-backend/tests/suite"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mobile-backend/mobile-backend/components"
	"github.com/mobile-backend/mobile-backend/examples/aws-regional-api/api"
	"github.com/mobile-backend/mobile-backend/internal/mock"
	"github.com/mobile-backend/mobile-backend/policies"
)

// The example program uses two components with their own Args and defaults
// and none of the mobile-backend config: planned here under the same mock.
func TestTheLibraryExamplePlansWithoutTheProgramsConfig(t *testing.T) {
	t.Parallel()
	const cert = "arn:aws:acm:eu-central-1:123456789012:certificate/0f2c1d9e-0000-4000-8000-000000000001"
	rec := mock.NewRecorder("aws-regional-api", "dev")
	require.NoError(t, pulumi.RunErr(api.Program, rec.RunOption(), func(ri *pulumi.RunInfo) {
		ri.Config = map[string]string{"aws-regional-api:region": "eu-central-1", "aws-regional-api:certificateArn": cert}
	}))
	vpc := One(t, rec.OfType(TypeVpc), "vpc")
	assert.Equal(t, "10.20.0.0/16", vpc.Str("cidrBlock"))
	assert.Equal(t, "eu-central-1", vpc.Region)
	One(t, rec.OfType(TypeALB), "load balancer")
	var https *mock.Resource
	for _, l := range rec.OfType(TypeListener) {
		if l.Str("protocol") == "HTTPS" {
			https = l
		}
	}
	require.NotNil(t, https)
	assert.Equal(t, cert, https.Str("certificateArn"))
	task := One(t, rec.OfType(TypeTaskDef), "task definition")
	assert.Contains(t, task.Str("containerDefinitions"), components.DefaultWorkload.Image, "the components' own default image")
	assert.Equal(t, 4, One(t, rec.OfType(TypeScaling), "scaling target").Int("maxCapacity"))
	assert.Empty(t, policies.Evaluate(policies.Stack{Resources: rec.Resources()}, []policies.Policy{policies.ExplicitProviders, policies.ExplicitOrdering}))
}
