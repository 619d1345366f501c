package azure

import (
	"fmt"
	"time"

	"github.com/pulumi/pulumi-azure-native-sdk/authorization/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// BreakGlassArgs configures BreakGlass.
type BreakGlassArgs struct {
	Region Region             // required: the app's region and group
	AppID  pulumi.StringInput // required: the API's container app
	// Member is the Microsoft Entra group that may come in (object id).
	Member              string
	Until               time.Time // zero: no expiry
	Approval            string    // the justification PIM records
	Stack, Subscription string
}

// BreakGlass is the operators' way in on Azure: Member is made eligible,
// through Privileged Identity Management, for a role that may open a shell
// in the API's containers (az containerapp exec) of one app (the writer
// region's), the
// eligibility ending at Until. An operator activates it (PIM records who,
// when and why), then execs in, and reaches the database as the app
// (its identity, read and write). PIM needs Microsoft Entra ID P2.
type BreakGlass struct {
	pulumi.ResourceState
}

// NewBreakGlass builds it. Pass the region's provider in opts.
func NewBreakGlass(ctx *pulumi.Context, name string, args BreakGlassArgs, opts ...pulumi.ResourceOption) (*BreakGlass, error) {
	r := args.Region
	if r.Name == "" || r.ResourceGroup == nil || args.AppID == nil || args.Member == "" || args.Stack == "" || args.Subscription == "" {
		return nil, fmt.Errorf("break glass %s: Region, AppID, Member, Stack and Subscription are required", name)
	}
	b := &BreakGlass{}
	if err := ctx.RegisterComponentResource("mobile-backend:azure:BreakGlass", name, b, opts...); err != nil {
		return nil, err
	}
	child := pulumi.Parent(b)
	roleID, role, err := customRole(ctx, name, "break-glass", "Open a shell in a container app's replicas (az containerapp exec)", args.Stack, args.Subscription, r, []string{
		"Microsoft.App/containerApps/read", "Microsoft.App/containerApps/revisions/read",
		"Microsoft.App/containerApps/revisions/replicas/read", "Microsoft.App/containerApps/getAuthToken/action",
	}, child)
	if err != nil {
		return nil, err
	}
	expiration := &authorization.RoleEligibilityScheduleRequestPropertiesExpirationArgs{Type: pulumi.String("NoExpiration")}
	if !args.Until.IsZero() {
		expiration = &authorization.RoleEligibilityScheduleRequestPropertiesExpirationArgs{
			Type: pulumi.String("AfterDateTime"), EndDateTime: pulumi.String(args.Until.UTC().Format(time.RFC3339)),
		}
	}
	justification := "mobile-backend breakGlass"
	if args.Approval != "" {
		justification += ": " + args.Approval
	}
	if _, err := authorization.NewPimRoleEligibilitySchedule(ctx, name+"-eligible", &authorization.PimRoleEligibilityScheduleArgs{
		PrincipalId: pulumi.String(args.Member), RoleDefinitionId: roleDefinitionID(args.Subscription, roleID), Scope: args.AppID,
		Justification: pulumi.String(justification),
		ScheduleInfo:  &authorization.RoleEligibilityScheduleRequestPropertiesScheduleInfoArgs{Expiration: expiration},
	}, child, pulumi.DependsOn([]pulumi.Resource{role})); err != nil {
		return nil, err
	}
	return b, ctx.RegisterResourceOutputs(b, pulumi.Map{})
}
