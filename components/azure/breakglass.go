package azure

import (
	"fmt"
	"time"

	"github.com/pulumi/pulumi-azure-native-sdk/authorization/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// BreakGlassEligibility is how long the eligibility lasts from the pulumi
// up that opens it (ISO 8601).
const BreakGlassEligibility = "PT8H"

// BreakGlassArgs configures BreakGlass.
type BreakGlassArgs struct {
	Region Region             // required: the app's region and group
	AppID  pulumi.StringInput // required: the API's container app
	// Member is the Microsoft Entra group that may come in (object id).
	Member              string
	Until               time.Time // the key's expiry (the policy's; the eligibility lasts BreakGlassEligibility)
	Approval            string    // the justification PIM records
	Stack, Subscription string
}

// BreakGlass is the operators' way in on Azure: Member is made eligible,
// through Privileged Identity Management, for a role that may open a shell
// in the API's containers (az containerapp exec) of one app (the writer
// region's), the
// eligibility ending at Until. An operator activates it (PIM records who,
// when and why), then execs in, and reaches the database as the app
// (its identity, read and write). PIM needs Microsoft Entra ID P2. The
// eligibility lasts BreakGlassEligibility from the pulumi up that opens
// it.
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
	// A duration from the request, not Until: azure-native's PIM resource
	// sends expiration.type and expiration.duration only (and reads the
	// duration unconditionally: pulumi-azure-native custom_pim_eligibility.go).
	// The key's Until closes it at the policy (break-glass-bounded).
	expiration := &authorization.RoleEligibilityScheduleRequestPropertiesExpirationArgs{
		Type: pulumi.String("AfterDuration"), Duration: pulumi.String(BreakGlassEligibility),
	}
	justification := "mobile-backend breakGlass"
	if args.Approval != "" {
		justification += ": " + args.Approval
	}
	if _, err := authorization.NewPimRoleEligibilitySchedule(ctx, name+"-eligible", &authorization.PimRoleEligibilityScheduleArgs{
		PrincipalId: pulumi.String(args.Member), RoleDefinitionId: roleDefinitionID(args.Subscription, roleID), Scope: args.AppID,
		Justification: pulumi.String(justification),
		ScheduleInfo:  &authorization.RoleEligibilityScheduleRequestPropertiesScheduleInfoArgs{Expiration: expiration},
	}, child, pulumi.DependsOn([]pulumi.Resource{role}),
		// A second request for the same principal, role and scope conflicts
		// with the first, and removing the first would remove it too.
		pulumi.DeleteBeforeReplace(true)); err != nil {
		return nil, err
	}
	return b, ctx.RegisterResourceOutputs(b, pulumi.Map{})
}
