package azure

import (
	"fmt"
	"strings"

	containerapp "github.com/pulumi/pulumi-azure-native-sdk/app/v2/v20240301"
	"github.com/pulumi/pulumi-azure-native-sdk/authorization/v2"
	resources "github.com/pulumi/pulumi-azure-native-sdk/resources/v2/v20230801"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mobile-backend/mobile-backend/components"
	"github.com/mobile-backend/mobile-backend/internal/deps"
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

	bake := rel.BakeSeconds
	script, err := newDeployScript(ctx, name, deployScriptArgs{
		Region: r, Stack: rel.Stack, Subscription: rel.Subscription, Component: "release-gate", Scope: c.AppID, MoreScopes: workerIDs(c.Workers),
		RoleTitle: "Read a container app's revisions and metrics, move it back to its previous revision",
		// Nothing else: no built-in role is as narrow.
		Actions: []string{
			"Microsoft.App/containerApps/read", "Microsoft.App/containerApps/revisions/read",
			"Microsoft.App/containerApps/revisions/activate/action", "Microsoft.App/containerApps/revisions/deactivate/action",
			"Microsoft.Insights/metrics/read",
		},
		Env: []scriptEnv{
			{"CLOUD", pulumi.String("azure")},
			{"REGION", pulumi.String(r.Name)},
			{"APP_ID", c.AppID},
			{"WORKER_APP_IDS", joined(workerIDs(c.Workers))},
			{"MAX_5XX_PERCENT", pulumi.String(fmt.Sprint(t.ErrorRatePercent))},
			{"MAX_P99_MS", pulumi.String(fmt.Sprint(t.LatencyP99Ms))},
			{"BAKE_SECONDS", pulumi.String(fmt.Sprint(bake))},
			{"SETTLE_SECONDS", pulumi.String(fmt.Sprint(ReleaseSettleSeconds))},
		},
		// A new revision runs it again.
		Tag:            c.TemplateDigest.ApplyT(func(d string) string { return release.Tag(d, bake) }).(pulumi.StringOutput),
		TimeoutSeconds: bake + ReleaseSettleSeconds + 300,
		Tags:           args.Tags,
		After:          append([]pulumi.Resource{c.App}, deps.Of(c.Workers)...),
	}, child)
	if err != nil {
		return nil, err
	}
	g.Script = script
	return g, ctx.RegisterResourceOutputs(g, pulumi.Map{})
}

// GateScript is the deployment script: gate.py run by the image's python3,
// its CLI signed in as the script's identity.
var GateScript = "set -euo pipefail\ncat > /tmp/gate.py <<'GATE_PY'\n" + release.Gate + "GATE_PY\npython3 /tmp/gate.py\n"

// templateDigest is a digest of what a revision runs (release.Digest).
func templateDigest(t *containerapp.TemplateResponse) (string, error) { return release.Digest(t) }

// scriptEnv is one environment variable of a deployment script.
type scriptEnv struct {
	Name  string
	Value pulumi.StringInput
}

// deployScriptArgs configure a deployment script that runs gate.py.
type deployScriptArgs struct {
	Region              Region
	Stack, Subscription string
	Component           string             // the identity's component tag
	Scope               pulumi.StringInput // what its role is assigned on
	MoreScopes          []pulumi.StringInput
	RoleTitle           string
	Actions             []string
	Env                 []scriptEnv
	Tag                 pulumi.StringInput // forceUpdateTag: a new value runs it again
	TimeoutSeconds      int
	Tags                pulumi.StringMap
	After               []pulumi.Resource
}

// newDeployScript is a deployment script (Microsoft.Resources/deploymentScripts,
// Azure CLI, API 2023-08-01) that runs internal/release's gate.py as a
// user-assigned identity of its own, which holds a custom role of the
// given actions on one scope. ARM fails the script's resource when the
// script exits non-zero, and azure-native fails the update with it.
func newDeployScript(ctx *pulumi.Context, name string, args deployScriptArgs, child pulumi.ResourceOption) (*resources.AzureCliScript, error) {
	r := args.Region
	identity, err := NewIdentity(ctx, name+"-identity", name, args.Component, r.ResourceGroup, r.Name, args.Tags, child)
	if err != nil {
		return nil, err
	}
	roleID, role, err := customRole(ctx, name, args.Component, args.RoleTitle, args.Stack, args.Subscription, r, args.Actions, child)
	if err != nil {
		return nil, err
	}
	var grants []pulumi.Resource
	for i, scope := range append([]pulumi.StringInput{args.Scope}, args.MoreScopes...) {
		suffix := "-may"
		if i > 0 {
			suffix = fmt.Sprintf("-may-%d", i)
		}
		may, err := authorization.NewRoleAssignment(ctx, name+suffix, &authorization.RoleAssignmentArgs{
			PrincipalId: identity.PrincipalID, PrincipalType: pulumi.String("ServicePrincipal"),
			RoleDefinitionId: roleDefinitionID(args.Subscription, roleID), Scope: scope,
		}, child, pulumi.DependsOn([]pulumi.Resource{role}))
		if err != nil {
			return nil, err
		}
		grants = append(grants, may)
	}
	var env resources.EnvironmentVariableArray
	for _, e := range args.Env {
		env = append(env, &resources.EnvironmentVariableArgs{Name: pulumi.String(e.Name), Value: e.Value})
	}
	return resources.NewAzureCliScript(ctx, name, &resources.AzureCliScriptArgs{
		ResourceGroupName: r.ResourceGroup,
		Location:          pulumi.String(r.Name),
		Kind:              pulumi.String("AzureCLI"),
		AzCliVersion:      pulumi.String(ReleaseGateCLIVersion),
		Identity: &resources.ManagedServiceIdentityArgs{
			Type: pulumi.String("UserAssigned"), UserAssignedIdentities: pulumi.StringArray{identity.ID()},
		},
		ScriptContent:        pulumi.String(GateScript),
		EnvironmentVariables: env,
		// ISO 8601 durations: the timeout at most P1D, retention PT1H to
		// PT26H ("Use deployment scripts in ARM templates").
		ForceUpdateTag:    args.Tag,
		Timeout:           pulumi.Sprintf("PT%dS", args.TimeoutSeconds),
		RetentionInterval: pulumi.String("PT1H"),
		CleanupPreference: pulumi.String("Always"),
		Tags:              args.Tags,
	}, child, pulumi.DependsOn(append(grants, args.After...)))
}

// workerIDs are the workers' apps' ids.
func workerIDs(ws []*containerapp.ContainerApp) []pulumi.StringInput {
	out := make([]pulumi.StringInput, 0, len(ws))
	for _, w := range ws {
		out = append(out, w.ID().ToStringOutput())
	}
	return out
}

// joined is ids joined by commas.
func joined(ids []pulumi.StringInput) pulumi.StringOutput {
	var all []any
	for _, id := range ids {
		all = append(all, id)
	}
	return pulumi.All(all...).ApplyT(func(v []any) string {
		parts := make([]string, len(v))
		for i, x := range v {
			parts[i] = x.(string)
		}
		return strings.Join(parts, ",")
	}).(pulumi.StringOutput)
}
