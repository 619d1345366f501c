// Package alert creates Azure Monitor metric alert rules.
//
// It is a package of its own for build time: the azure-native MetricAlert
// resource type has a pulumi.AnyOutput field (its criteria), and naming it
// makes the compiler instantiate about 7,700 generic functions, 2 s of
// compile, in every package that does (docs/development.md). Here that cost
// is paid once and stays cached while components/azure changes.
package alert

import (
	"github.com/pulumi/pulumi-azure-native-sdk/insights/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// NewMetric creates the metric alert rule. It is not inlined: inlined into
// components/azure, it would name the MetricAlert type there.
//
//go:noinline
func NewMetric(ctx *pulumi.Context, name string, args *insights.MetricAlertArgs, opts ...pulumi.ResourceOption) error {
	_, err := insights.NewMetricAlert(ctx, name, args, opts...)
	return err
}

// NewLogQuery creates a scheduled query (log search) alert rule, for the
// same reason not inlined.
//
//go:noinline
func NewLogQuery(ctx *pulumi.Context, name string, args *insights.ScheduledQueryRuleArgs, opts ...pulumi.ResourceOption) error {
	_, err := insights.NewScheduledQueryRule(ctx, name, args, opts...)
	return err
}
