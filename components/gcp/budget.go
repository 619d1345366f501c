package gcp

import (
	"fmt"

	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/billing"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mobile-backend/mobile-backend/components"
)

// CostBudgetArgs configures CostBudget.
type CostBudgetArgs struct {
	Stack          string // required: the stack label the budget counts
	BillingAccount string // required
	ProjectNumber  string // required
	// QuotaProject is the project id the Budget API bills its calls to:
	// the stack's project. Required.
	QuotaProject string
	// Labels are the default labels of the budget's provider (the stack's
	// standard labels, like every other provider of the stack).
	Labels        map[string]string
	MonthlyAmount int // required, positive: in the billing account's currency
	// Channels are the Cloud Monitoring notification channels (at most 5)
	// that hear every threshold.
	Channels pulumi.StringArrayInput
}

// CostBudget is a Cloud Billing budget on the project's resources labelled
// with the stack, alerting at components.BudgetAlerts to the stack's channels.
type CostBudget struct {
	pulumi.ResourceState
}

// NewCostBudget builds it. Pass the primary region's provider in opts; the
// deploying identity needs Billing Account Costs Manager on the account.
func NewCostBudget(ctx *pulumi.Context, name string, args CostBudgetArgs, opts ...pulumi.ResourceOption) (*CostBudget, error) {
	if args.Stack == "" || args.BillingAccount == "" || args.ProjectNumber == "" || args.QuotaProject == "" || args.MonthlyAmount <= 0 {
		return nil, fmt.Errorf("budget %s: Stack, BillingAccount, ProjectNumber, QuotaProject and a positive MonthlyAmount are required", name)
	}
	b := &CostBudget{}
	if err := ctx.RegisterComponentResource("mobile-backend:gcp:CostBudget", name, b, opts...); err != nil {
		return nil, err
	}
	var rules billing.BudgetThresholdRuleArray
	for _, a := range components.BudgetAlerts {
		basis := "CURRENT_SPEND"
		if a.Forecast {
			basis = "FORECASTED_SPEND"
		}
		rules = append(rules, &billing.BudgetThresholdRuleArgs{ThresholdPercent: pulumi.Float64(float64(a.Percent) / 100), SpendBasis: pulumi.String(basis)})
	}
	// The Billing Budget API needs a quota project, which user credentials
	// (gcloud auth application-default login) do not carry: the budget gets a
	// provider that bills its calls to the stack's project
	// (hashicorp/terraform-provider-google#7948; pulumi-gcp billing.Budget doc).
	labels := pulumi.StringMap{}
	for k, v := range args.Labels {
		labels[Label(k)] = pulumi.String(Label(v))
	}
	quota, err := gcp.NewProvider(ctx, name+"-quota", &gcp.ProviderArgs{
		Project: pulumi.String(args.QuotaProject), BillingProject: pulumi.String(args.QuotaProject), DefaultLabels: labels,
		UserProjectOverride: pulumi.Bool(true), AddTerraformAttributionLabel: pulumi.Bool(false),
	}, pulumi.Parent(b))
	if err != nil {
		return nil, err
	}
	if _, err := billing.NewBudget(ctx, name, &billing.BudgetArgs{
		BillingAccount: pulumi.String(args.BillingAccount),
		DisplayName:    pulumi.String(args.Stack + " monthly"),
		Amount: &billing.BudgetAmountArgs{SpecifiedAmount: &billing.BudgetAmountSpecifiedAmountArgs{
			// No currency: the Budget API takes the billing account's and
			// refuses any other ("If specified, it must match the currency of
			// the billing account", billing.Budget SDK doc).
			Units: pulumi.String(fmt.Sprint(args.MonthlyAmount)),
		}},
		BudgetFilter: &billing.BudgetBudgetFilterArgs{
			Projects:       pulumi.StringArray{pulumi.String("projects/" + args.ProjectNumber)},
			Labels:         pulumi.StringMap{"stack": pulumi.String(Label(args.Stack))},
			CalendarPeriod: pulumi.String("MONTH"),
		},
		ThresholdRules: rules,
		AllUpdatesRule: &billing.BudgetAllUpdatesRuleArgs{MonitoringNotificationChannels: args.Channels},
	}, pulumi.Parent(b), pulumi.Provider(quota)); err != nil {
		return nil, err
	}
	return b, ctx.RegisterResourceOutputs(b, pulumi.Map{})
}
