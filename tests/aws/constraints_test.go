package aws

import (
	"fmt"
	"strings"
	"testing"

	"github.com/mobile-backend/mobile-backend/policies"
	. "github.com/mobile-backend/mobile-backend/tests/suite"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestACompositeAlarmNamingItsMembersAsPlainStringsIsCaught(t *testing.T) {
	t.Parallel()
	// The shape components/aws/monitoring.go had: the member alarms' names
	// as Go strings in the rule, so the engine may create the composite first.
	rec := runComponent(t, "us-east-1", func(ctx *pulumi.Context, in pulumi.ResourceOption) error {
		var names []string
		for _, n := range []string{"prod-us-east-1-no-healthy-hosts", "prod-us-east-1-5xx-rate"} {
			if _, err := cloudwatch.NewMetricAlarm(ctx, n, &cloudwatch.MetricAlarmArgs{
				Name: pulumi.String(n), ComparisonOperator: pulumi.String("GreaterThanThreshold"), EvaluationPeriods: pulumi.Int(1),
			}, in); err != nil {
				return err
			}
			names = append(names, n)
		}
		_, err := cloudwatch.NewCompositeAlarm(ctx, "prod-us-east-1-region-down", &cloudwatch.CompositeAlarmArgs{
			AlarmName: pulumi.String("prod-us-east-1-region-down"),
			AlarmRule: pulumi.Sprintf("ALARM(%q) OR ALARM(%q)", names[0], names[1]),
		}, in)
		return err
	})
	vs := policies.Evaluate(Recorded(rec), BeyondMocks)
	require.Len(t, vs, 4, "two members, each caught by the ordering check and by the constraint row")
	var all []string
	for _, v := range vs {
		all = append(all, v.Policy+": "+v.Message)
	}
	text := strings.Join(all, "\n")
	for _, member := range []string{"prod-us-east-1-no-healthy-hosts", "prod-us-east-1-5xx-rate"} {
		assert.Contains(t, text, fmt.Sprintf("composite-alarm-members-exist: alarm rule names %q without waiting for it", member))
		assert.Contains(t, text, "explicit-ordering: input alarmRule names aws:cloudwatch/metricAlarm:MetricAlarm "+member)
	}
}
