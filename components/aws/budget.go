package aws

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/budgets"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mobile-backend/mobile-backend/components"
)

// CostBudgetArgs configures CostBudget.
type CostBudgetArgs struct {
	Stack      string   // required: the stack tag the budget counts
	MonthlyUSD int      // required, positive
	Emails     []string // required: who hears about it
}

// CostBudget is an AWS Budgets cost budget over the resources tagged with the
// stack, alerting at components.BudgetAlerts. The tag must be activated as a
// cost-allocation tag in the billing console (once per account) before AWS
// counts by it.
type CostBudget struct {
	pulumi.ResourceState
}

// NewCostBudget builds it. Pass the us-east-1 provider in opts.
func NewCostBudget(ctx *pulumi.Context, name string, args CostBudgetArgs, opts ...pulumi.ResourceOption) (*CostBudget, error) {
	if args.Stack == "" || args.MonthlyUSD <= 0 || len(args.Emails) == 0 {
		return nil, fmt.Errorf("budget %s: Stack, a positive MonthlyUSD and Emails are required", name)
	}
	b := &CostBudget{}
	if err := ctx.RegisterComponentResource("mobile-backend:aws:CostBudget", name, b, opts...); err != nil {
		return nil, err
	}
	var notes budgets.BudgetNotificationArray
	for _, a := range components.BudgetAlerts {
		kind := "ACTUAL"
		if a.Forecast {
			kind = "FORECASTED"
		}
		notes = append(notes, &budgets.BudgetNotificationArgs{
			ComparisonOperator: pulumi.String("GREATER_THAN"), Threshold: pulumi.Float64(float64(a.Percent)),
			ThresholdType: pulumi.String("PERCENTAGE"), NotificationType: pulumi.String(kind),
			SubscriberEmailAddresses: pulumi.ToStringArray(args.Emails),
		})
	}
	if _, err := budgets.NewBudget(ctx, name, &budgets.BudgetArgs{
		Name:        pulumi.String(args.Stack + "-monthly"),
		BudgetType:  pulumi.String("COST"),
		LimitAmount: pulumi.String(fmt.Sprint(args.MonthlyUSD)),
		LimitUnit:   pulumi.String("USD"),
		TimeUnit:    pulumi.String("MONTHLY"),
		CostFilters: budgets.BudgetCostFilterArray{&budgets.BudgetCostFilterArgs{
			Name: pulumi.String("TagKeyValue"), Values: pulumi.StringArray{pulumi.String("user:stack$" + args.Stack)},
		}},
		Notifications: notes,
	}, pulumi.Parent(b)); err != nil {
		return nil, err
	}
	return b, ctx.RegisterResourceOutputs(b, pulumi.Map{})
}
