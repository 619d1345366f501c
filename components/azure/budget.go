package azure

import (
	"fmt"
	"time"

	"github.com/pulumi/pulumi-azure-native-sdk/consumption/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mobile-backend/mobile-backend/components"
)

// CostBudgetArgs configures CostBudget.
type CostBudgetArgs struct {
	Stack          string             // required
	Subscription   string             // required: the budget's scope
	ResourceGroups pulumi.StringArray // required: the stack's resource groups (their outputs), the budget's filter
	MonthlyUSD     int                // required, positive (in the billing currency)
	Emails         []string           // required
	ActionGroupID  pulumi.StringInput
}

// CostBudget is a Cost Management budget on the subscription, filtered to
// the stack's resource groups, alerting at components.BudgetAlerts to the e-mail
// addresses and the stack's action group.
type CostBudget struct {
	pulumi.ResourceState
}

// NewCostBudget builds it. A budget's start date must be the first day of
// the current month when it is created; later runs keep it (ignoreChanges).
func NewCostBudget(ctx *pulumi.Context, name string, args CostBudgetArgs, opts ...pulumi.ResourceOption) (*CostBudget, error) {
	if args.Stack == "" || args.Subscription == "" || len(args.ResourceGroups) == 0 || args.MonthlyUSD <= 0 || len(args.Emails) == 0 {
		return nil, fmt.Errorf("budget %s: Stack, Subscription, ResourceGroups, a positive MonthlyUSD and Emails are required", name)
	}
	b := &CostBudget{}
	if err := ctx.RegisterComponentResource("mobile-backend:azure:CostBudget", name, b, opts...); err != nil {
		return nil, err
	}
	notes := consumption.NotificationMap{}
	for _, a := range components.BudgetAlerts {
		kind := "Actual"
		if a.Forecast {
			kind = "Forecasted"
		}
		n := &consumption.NotificationArgs{
			Enabled: pulumi.Bool(true), Operator: pulumi.String("GreaterThan"), Threshold: pulumi.Float64(float64(a.Percent)),
			ThresholdType: pulumi.String(kind), ContactEmails: pulumi.ToStringArray(args.Emails),
		}
		if args.ActionGroupID != nil {
			n.ContactGroups = pulumi.StringArray{args.ActionGroupID}
		}
		notes[fmt.Sprintf("%s%d", kind, a.Percent)] = n
	}
	now := time.Now().UTC()
	if _, err := consumption.NewBudget(ctx, name, &consumption.BudgetArgs{
		BudgetName: pulumi.String(args.Stack + "-monthly"),
		Scope:      pulumi.String("/subscriptions/" + args.Subscription),
		Amount:     pulumi.Float64(float64(args.MonthlyUSD)),
		Category:   pulumi.String("Cost"),
		TimeGrain:  pulumi.String("Monthly"),
		TimePeriod: &consumption.BudgetTimePeriodArgs{
			StartDate: pulumi.String(time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC).Format(time.RFC3339)),
		},
		Filter: &consumption.BudgetFilterArgs{Dimensions: &consumption.BudgetComparisonExpressionArgs{
			Name: pulumi.String("ResourceGroupName"), Operator: pulumi.String("In"), Values: args.ResourceGroups,
		}},
		Notifications: notes,
	}, pulumi.Parent(b), pulumi.IgnoreChanges([]string{"timePeriod.startDate"})); err != nil {
		return nil, err
	}
	return b, ctx.RegisterResourceOutputs(b, pulumi.Map{})
}
