package spec_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mobile-backend/mobile-backend/internal/spec"
)

func TestReleaseWavesStartAwayFromTheWriterAndEndWithItAlone(t *testing.T) {
	t.Parallel()
	three := []string{"us-east-1", "eu-west-1", "ap-southeast-1"}
	for _, c := range []struct {
		name string
		cfg  cfg
		want [][]string
	}{
		{"active-passive: a standby, then the writer", contract("aws", "active-passive", "us-east-1", "eu-west-1"),
			[][]string{{"eu-west-1"}, {"us-east-1"}}},
		{"active-active: the first other region, the rest, the writer", contract("aws", "active-active", three...),
			[][]string{{"eu-west-1"}, {"ap-southeast-1"}, {"us-east-1"}}},
		{"the writer moved: it goes last, the old one joins the others", contract("aws", "active-active", three...).with("writerRegion", "eu-west-1"),
			[][]string{{"us-east-1"}, {"ap-southeast-1"}, {"eu-west-1"}}},
		{"configured waves keep their order", contract("aws", "active-active", three...).with("releaseWaves", []string{"ap-southeast-1", "eu-west-1", "us-east-1"}),
			[][]string{{"ap-southeast-1"}, {"eu-west-1"}, {"us-east-1"}}},
		{"configured, after a failover: the writer leaves its wave for the end", contract("aws", "active-active", three...).with(
			"releaseWaves", []string{"ap-southeast-1", "eu-west-1", "us-east-1"}, "writerRegion", "eu-west-1"),
			[][]string{{"ap-southeast-1"}, {"us-east-1"}, {"eu-west-1"}}},
		{"a down region takes no wave", contract("aws", "active-active", three...).with(
			"writerRegion", "eu-west-1", "regionsDown", []string{"us-east-1"}, "regionsDownWriter", "us-east-1", "awsAccountId", "123456789012", "awsHostedZoneId", "Z0123"),
			[][]string{{"ap-southeast-1"}, {"eu-west-1"}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, err := spec.Load("prod", c.cfg.lookup)
			require.NoError(t, err)
			assert.Equal(t, c.want, s.ReleaseWaves())
			assert.Equal(t, len(c.want)-1, s.WaveOf(s.WriterRegion), "the writer's wave is the last")
		})
	}
}
