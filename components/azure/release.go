package azure

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"

	containerapp "github.com/pulumi/pulumi-azure-native-sdk/app/v2/v20240301"
	"github.com/pulumi/pulumi-azure-native-sdk/authorization/v2"
	resources "github.com/pulumi/pulumi-azure-native-sdk/resources/v2/v20230801"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mobile-backend/mobile-backend/components"
	"github.com/mobile-backend/mobile-backend/internal/release"
)

// ReleaseGateCLIVersion is the Azure CLI image the gate's deployment script
// runs in (mcr.microsoft.com/azure-cli; it carries python3).
const ReleaseGateCLIVersion = "2.67.0"

// ReleaseSettleSeconds is how long a gate waits for the new revision to be
// ready and serve all traffic before it fails.
const ReleaseSettleSeconds = 600

// ReleaseArgs is how a stamp takes part in a release in waves.
type ReleaseArgs struct {
	// After are the previous wave's gates: the region's app takes a new
	// revision only once they passed. None for the first wave.
	After []pulumi.Resource
	// BakeSeconds is how long the new revision must stay healthy.
	BakeSeconds int
	// Alarms holds the thresholds the gate measures the revision against
	// (ErrorRatePercent, LatencyP99Ms); zero fields take the defaults.
	Alarms components.Alarms
	// Stack and Subscription name the gate's custom role (unique in the
	// tenant). Required.
	Stack, Subscription string
}

// ReleaseGateArgs configures a ReleaseGate.
type ReleaseGateArgs struct {
	Region  Region           // required
	Compute *RegionalCompute // required: the app it gates
	Release ReleaseArgs
	Tags    pulumi.StringMap
}

// ReleaseGate is one region's release health gate: a deployment script
// (Microsoft.Resources/deploymentScripts, Azure CLI, API 2023-08-01) that
// runs internal/release's gate.py as a user-assigned identity once the
// region's app has a new revision. ARM fails the script's resource when
// the script exits non-zero, and azure-native fails the update with it;
// forceUpdateTag is a digest of the app's template, so every new revision
// runs it again. It waits for the revision to be ready and serve all
// traffic (the app's PUT may succeed with a revision that never is:
// pulumi/pulumi-azure-native#2779), measures it over the bake, re-activates
// the previous revision if it fails, and fails. The next wave's apps wait
// for Script.
type ReleaseGate struct {
	pulumi.ResourceState

	// Script is what the next wave waits for.
	Script *resources.AzureCliScript
}

// NewReleaseGate builds the gate. Pass the region's provider in opts.
func NewReleaseGate(ctx *pulumi.Context, name string, args ReleaseGateArgs, opts ...pulumi.ResourceOption) (*ReleaseGate, error) {
	r, rel := args.Region, args.Release
	if r.Name == "" || r.ResourceGroup == nil || args.Compute == nil || rel.Stack == "" || rel.Subscription == "" {
		return nil, fmt.Errorf("release gate %s: Region (with ResourceGroup), Compute, Release.Stack and Release.Subscription are required", name)
	}
	g := &ReleaseGate{}
	if err := ctx.RegisterComponentResource("mobile-backend:azure:ReleaseGate", name, g, opts...); err != nil {
		return nil, err
	}
	child := pulumi.Parent(g)
	c := args.Compute
	t := rel.Alarms.WithDefaults()

	identity, err := NewIdentity(ctx, name+"-identity", name, "release-gate", r.ResourceGroup, r.Name, args.Tags, child)
	if err != nil {
		return nil, err
	}
	// Read the app, its revisions and their metrics, activate and
	// deactivate revisions: nothing else (no built-in role is as narrow).
	group := pulumi.Sprintf("/subscriptions/%s/resourceGroups/%s", rel.Subscription, r.ResourceGroup)
	roleID := guid(rel.Subscription + "/" + name + "/release-gate")
	role, err := authorization.NewRoleDefinition(ctx, name+"-role", &authorization.RoleDefinitionArgs{
		RoleDefinitionId: pulumi.String(roleID),
		RoleName:         pulumi.String(fmt.Sprintf("Release gate, mobile-backend stack %s, %s, %s", rel.Stack, r.Name, shortHash(rel.Subscription))),
		Description:      pulumi.String("Read a container app's revisions and metrics, move it back to its previous revision (mobile-backend's release gate)"),
		RoleType:         pulumi.String("CustomRole"),
		Scope:            group,
		AssignableScopes: pulumi.StringArray{group},
		Permissions: authorization.PermissionArray{&authorization.PermissionArgs{Actions: pulumi.ToStringArray([]string{
			"Microsoft.App/containerApps/read", "Microsoft.App/containerApps/revisions/read",
			"Microsoft.App/containerApps/revisions/activate/action", "Microsoft.App/containerApps/revisions/deactivate/action",
			"Microsoft.Insights/metrics/read",
		})}},
	}, child)
	if err != nil {
		return nil, err
	}
	may, err := authorization.NewRoleAssignment(ctx, name+"-may-roll-back", &authorization.RoleAssignmentArgs{
		PrincipalId: identity.PrincipalID, PrincipalType: pulumi.String("ServicePrincipal"),
		RoleDefinitionId: roleDefinitionID(rel.Subscription, roleID), Scope: c.AppID,
	}, child, pulumi.DependsOn([]pulumi.Resource{role}))
	if err != nil {
		return nil, err
	}
	env := func(k string, v pulumi.StringInput) resources.EnvironmentVariableInput {
		return &resources.EnvironmentVariableArgs{Name: pulumi.String(k), Value: v}
	}
	bake := rel.BakeSeconds
	script, err := resources.NewAzureCliScript(ctx, name, &resources.AzureCliScriptArgs{
		ResourceGroupName: r.ResourceGroup,
		Location:          pulumi.String(r.Name),
		Kind:              pulumi.String("AzureCLI"),
		AzCliVersion:      pulumi.String(ReleaseGateCLIVersion),
		Identity: &resources.ManagedServiceIdentityArgs{
			Type: pulumi.String("UserAssigned"), UserAssignedIdentities: pulumi.StringArray{identity.ID()},
		},
		ScriptContent: pulumi.String(GateScript),
		EnvironmentVariables: resources.EnvironmentVariableArray{
			env("CLOUD", pulumi.String("azure")),
			env("REGION", pulumi.String(r.Name)),
			env("APP_ID", c.AppID),
			env("MAX_5XX_PERCENT", pulumi.String(fmt.Sprint(t.ErrorRatePercent))),
			env("MAX_P99_MS", pulumi.String(fmt.Sprint(t.LatencyP99Ms))),
			env("BAKE_SECONDS", pulumi.String(fmt.Sprint(bake))),
			env("SETTLE_SECONDS", pulumi.String(fmt.Sprint(ReleaseSettleSeconds))),
		},
		// A new revision runs it again (forceUpdateTag); ISO 8601
		// durations: the timeout at most P1D, retention PT1H to PT26H
		// ("Use deployment scripts in ARM templates").
		ForceUpdateTag:    c.TemplateDigest.ApplyT(func(d string) string { return GateTag(d, bake) }).(pulumi.StringOutput),
		Timeout:           pulumi.Sprintf("PT%dS", bake+ReleaseSettleSeconds+300),
		RetentionInterval: pulumi.String("PT1H"),
		CleanupPreference: pulumi.String("Always"),
		Tags:              args.Tags,
	}, child, pulumi.DependsOn([]pulumi.Resource{may, c.App}))
	if err != nil {
		return nil, err
	}
	g.Script = script
	return g, ctx.RegisterResourceOutputs(g, pulumi.Map{})
}

// GateScript is the deployment script: gate.py run by the image's python3,
// its CLI signed in as the script's identity.
var GateScript = "set -euo pipefail\ncat > /tmp/gate.py <<'GATE_PY'\n" + release.Gate + "GATE_PY\npython3 /tmp/gate.py\n"

// GateTag is a gate's forceUpdateTag over an app template (its digest) and
// a bake: 16 hex digits.
func GateTag(templateDigest string, bake int) string {
	sum := sha256.Sum256([]byte(fmt.Sprintf("%s\x00%d\x00%s", templateDigest, bake, release.Gate)))
	return hex.EncodeToString(sum[:8])
}

// templateDigest is a digest of what a revision runs: a new one is a new
// revision.
func templateDigest(t *containerapp.TemplateResponse) (string, error) {
	b, err := json.Marshal(t)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), err
}
