package azure

import (
	"crypto/sha256"
	"fmt"
	"strings"

	"github.com/mobile-backend/mobile-backend/components/azure/internal/job"
	"github.com/pulumi/pulumi-azure-native-sdk/authorization/v2"
	"github.com/pulumi/pulumi-azure-native-sdk/insights/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mobile-backend/mobile-backend/components"
)

// SQL failover job timing: a run every minute, four probes 15 s apart, so
// the writer is declared down after about 45 s of sustained failure.
const (
	SQLFailoverSchedule     = "* * * * *"
	SQLFailoverProbes       = 4
	SQLFailoverProbeSeconds = 15
)

// SQLAPIVersion is the Microsoft.Sql API version of the forced-failover
// call (FailoverGroups_ForceFailoverAllowDataLoss, 2021-11-01: the version
// azure-native's sql module is generated from for failover groups).
const SQLAPIVersion = "2021-11-01"

// SQLFailoverImage is Microsoft's public Azure CLI image, pinned (2.67.0 in
// Azure/azure-cli HISTORY.rst). The script logs in with
// "az login --identity --username", which CLI 2.69.0 deprecates for
// --client-id: update both together.
const SQLFailoverImage = "mcr.microsoft.com/azure-cli:2.67.0"

// ForceFailoverAction is the operation a forced failover of a failover group
// logs and needs (Azure RBAC, Microsoft.Sql resource provider operations).
const ForceFailoverAction = "Microsoft.Sql/servers/failoverGroups/forceFailoverAllowDataLoss/action"

// SQLFailoverArgs configures SQLFailover.
type SQLFailoverArgs struct {
	Stack        string // required
	Subscription string // required
	// Region is where the job runs: the failover group's member that is not
	// the writer's (its server is the one promoted).
	Region        Region
	EnvironmentID pulumi.StringInput // required: Region's Container Apps environment
	Writer        string             // required: the region it watches
	ProbeURL      string             // required: the writer region's own health URL
	// FailoverGroup is the group's name; Server and ServerID are Region's
	// member of it.
	FailoverGroup pulumi.StringInput
	Server        pulumi.StringInput
	ServerID      pulumi.StringInput
	// ActionGroupID receives the alert when a forced failover happens.
	ActionGroupID pulumi.StringInput
	// FrontDoorID and OriginHost are the second opinion: Front Door's
	// health of the writer's origin, seen from its edge locations.
	FrontDoorID pulumi.StringInput
	OriginHost  pulumi.StringInput
	// NextStep tells the operator what to do after a forced failover (the
	// program's runbook); default: DefaultNextStep.
	NextStep string
	Tags     pulumi.StringMap
}

// DefaultNextStep is what the forced-failover alert asks of the operator
// when the program gives no runbook step of its own.
const DefaultNextStep = "make this region the stack's writer region and run pulumi up"

// MonitoringReader is the built-in role that reads metrics (Azure built-in roles).
const MonitoringReader = "43d0d8ad-25c7-4714-9337-8ba259a9fe05"

// SQLFailover forces the SQL failover group over to its other member within
// minutes instead of the group's grace period (Azure's minimum is an hour):
// a Container Apps job in the other member's region, every minute, probes
// the writer region's own hostname four times 15 s apart and, when every
// probe fails, runs `az sql failover-group set-primary --allow-data-loss`
// against its own server (the ForceFailoverAllowDataLoss POST, then waits
// for the role to change) as a user-assigned identity that holds a custom
// role with only the group's read and forced-failover actions, on that
// server only. Guards, stateless: it acts only while its server is the
// group's secondary (once per outage: afterwards it is the primary), and
// never while the pair is still seeding (PENDING or SEEDING: a writer that
// never seeded its secondary was never healthy).
// An activity-log alert e-mails the action group when any forced failover
// of the group happens. The group keeps its automatic policy and grace
// period as the backstop.
type SQLFailover struct {
	pulumi.ResourceState

	JobName pulumi.StringOutput `pulumi:"jobName"`
}

// NewSQLFailover builds it. Pass Region's provider in opts.
func NewSQLFailover(ctx *pulumi.Context, name string, args SQLFailoverArgs, opts ...pulumi.ResourceOption) (*SQLFailover, error) {
	if args.Stack == "" || args.Subscription == "" || args.Region.Name == "" || args.EnvironmentID == nil || args.Writer == "" ||
		args.ProbeURL == "" || args.FailoverGroup == nil || args.Server == nil || args.ServerID == nil || args.ActionGroupID == nil || args.FrontDoorID == nil || args.OriginHost == nil {
		return nil, fmt.Errorf("sql failover %s: Stack, Subscription, Region, EnvironmentID, Writer, ProbeURL, FailoverGroup, Server, ServerID, ActionGroupID, FrontDoorID and OriginHost are required", name)
	}
	if args.Writer == args.Region.Name {
		return nil, fmt.Errorf("sql failover %s: the job cannot run in the writer's region %s, which it must rescue", name, args.Writer)
	}
	components.Default(&args.NextStep, DefaultNextStep)
	f := &SQLFailover{}
	if err := ctx.RegisterComponentResource("mobile-backend:azure:SQLFailover", name, f, opts...); err != nil {
		return nil, err
	}
	child := pulumi.Parent(f)
	identity, err := NewIdentity(ctx, name+"-identity", name, "sql-failover", args.Region.ResourceGroup, args.Region.Name, args.Tags, child)
	if err != nil {
		return nil, err
	}
	// Custom roles are assignable at resource groups at the narrowest
	// (Azure RBAC, "Azure custom roles": AssignableScopes); the assignment
	// itself is on the one server.
	group := pulumi.Sprintf("/subscriptions/%s/resourceGroups/%s", args.Subscription, args.Region.ResourceGroup)
	roleID := guid(args.Subscription + "/" + name)
	role, err := authorization.NewRoleDefinition(ctx, name+"-role", &authorization.RoleDefinitionArgs{
		RoleDefinitionId: pulumi.String(roleID),
		RoleName:         pulumi.String("Forced SQL failover, mobile-backend stack " + args.Stack), // unique in the tenant per stack
		Description:      pulumi.String("Read the stack's SQL failover group and force it over to this server (mobile-backend)"),
		RoleType:         pulumi.String("CustomRole"),
		Scope:            group,
		AssignableScopes: pulumi.StringArray{group},
		Permissions: authorization.PermissionArray{&authorization.PermissionArgs{Actions: pulumi.ToStringArray([]string{
			"Microsoft.Sql/servers/read", "Microsoft.Sql/servers/failoverGroups/read", ForceFailoverAction,
		})}},
	}, child)
	if err != nil {
		return nil, err
	}
	// Assignments name a role definition by its subscription-level id
	// (/subscriptions/{s}/providers/Microsoft.Authorization/roleDefinitions/{guid}),
	// built from the GUID at hand; DependsOn orders it after the role.
	grant, err := authorization.NewRoleAssignment(ctx, name+"-may-fail-over", &authorization.RoleAssignmentArgs{
		PrincipalId:      identity.PrincipalID,
		PrincipalType:    pulumi.String("ServicePrincipal"),
		RoleDefinitionId: roleDefinitionID(args.Subscription, roleID),
		Scope:            args.ServerID,
	}, child, pulumi.DependsOn([]pulumi.Resource{role}))
	if err != nil {
		return nil, err
	}
	// Reading Front Door's origin health (its metrics) for the second opinion.
	reads, err := authorization.NewRoleAssignment(ctx, name+"-reads-front-door", &authorization.RoleAssignmentArgs{
		PrincipalId:      identity.PrincipalID,
		PrincipalType:    pulumi.String("ServicePrincipal"),
		RoleDefinitionId: roleDefinitionID(args.Subscription, MonitoringReader),
		Scope:            args.FrontDoorID,
	}, child)
	if err != nil {
		return nil, err
	}
	jobName, err := job.NewScheduled(ctx, name, job.Args{
		JobName: resourceName(name, 32), ResourceGroup: args.Region.ResourceGroup, Location: args.Region.Name,
		EnvironmentID: args.EnvironmentID, IdentityID: identity.ID(),
		Cron: SQLFailoverSchedule, Timeout: 240,
		RetryLimit: 0, // the next minute's run is the retry
		Container:  "sql-failover", Image: SQLFailoverImage, Script: pulumi.String(SQLFailoverScript()),
		Env: []job.Env{
			{Name: "PROBE_URL", Value: pulumi.String(args.ProbeURL)},
			{Name: "FAILOVER_GROUP", Value: args.FailoverGroup},
			{Name: "SERVER", Value: args.Server},
			{Name: "SERVER_GROUP", Value: args.Region.ResourceGroup},
			{Name: "SUBSCRIPTION", Value: pulumi.String(args.Subscription)},
			{Name: "AZURE_CLIENT_ID", Value: identity.ClientID},
			{Name: "FRONT_DOOR_ID", Value: args.FrontDoorID},
			{Name: "ORIGIN_HOST", Value: args.OriginHost},
		},
		CPU: 0.25, Memory: "0.5Gi", Tags: args.Tags,
	}, child, pulumi.DependsOn([]pulumi.Resource{grant, reads}))
	if err != nil {
		return nil, err
	}
	if _, err := insights.NewActivityLogAlert(ctx, name+"-forced", &insights.ActivityLogAlertArgs{
		ActivityLogAlertName: pulumi.String(resourceName(name+"-forced", 260)),
		ResourceGroupName:    args.Region.ResourceGroup,
		Location:             pulumi.String("Global"),
		Description:          pulumi.String("The SQL failover group was forced over to " + args.Region.Name + " (possible data loss): " + args.NextStep),
		Enabled:              pulumi.Bool(true),
		Scopes:               pulumi.StringArray{group},
		Condition: &insights.AlertRuleAllOfConditionArgs{AllOf: insights.AlertRuleAnyOfOrLeafConditionArray{
			&insights.AlertRuleAnyOfOrLeafConditionArgs{Field: pulumi.String("category"), Equals: pulumi.String("Administrative")},
			&insights.AlertRuleAnyOfOrLeafConditionArgs{Field: pulumi.String("operationName"), Equals: pulumi.String(ForceFailoverAction)},
		}},
		Actions: &insights.ActionListArgs{ActionGroups: insights.ActionGroupTypeArray{&insights.ActionGroupTypeArgs{ActionGroupId: args.ActionGroupID}}},
		Tags:    args.Tags,
	}, child); err != nil {
		return nil, err
	}
	f.JobName = jobName
	return f, ctx.RegisterResourceOutputs(f, pulumi.Map{"jobName": f.JobName})
}

// SQLFailoverScript is what the job runs: probe, then, on a sustained
// failure and only from a replicating secondary, force the failover.
func SQLFailoverScript() string {
	return strings.Join([]string{
		"set -u",
		// The image has Python (the CLI is Python): a probe needs no other tool.
		fmt.Sprintf(`for i in $(seq %d); do`, SQLFailoverProbes),
		`  if python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=10)' "$PROBE_URL" 2>/dev/null; then echo "writer healthy"; exit 0; fi`,
		fmt.Sprintf(`  [ "$i" -lt %d ] && sleep %d`, SQLFailoverProbes, SQLFailoverProbeSeconds),
		"done",
		`az login --identity --username "$AZURE_CLIENT_ID" --output none && az account set --subscription "$SUBSCRIPTION"`,
		// A second opinion: Front Door's health of the writer's origin over
		// the last minutes, from its edge locations. Healthy there: this
		// region alone sees it fail, so nothing is done. Unreadable: this
		// region's view decides. The host is an origin of two groups (the
		// API's and its region's): the filter names the API's
		// (OriginHealthPercentage's dimensions: Origin, OriginGroup).
		`start=$(date -u -d '-5 min' +%Y-%m-%dT%H:%M:%SZ)`,
		`if health=$(az monitor metrics list --resource "$FRONT_DOOR_ID" --metric OriginHealthPercentage --aggregation Average --interval PT1M --start-time "$start" --filter "Origin eq '$ORIGIN_HOST' and OriginGroup eq '` + APIOriginGroup + `'" --query "value[0].timeseries[0].data[-3:].average" --output tsv); then`,
		`  for h in $health; do`,
		`    if [ "${h%.*}" -ge 50 ] 2>/dev/null; then echo "Front Door sees $ORIGIN_HOST healthy ($h%): failing from here only; not failing over"; exit 0; fi`,
		`  done`,
		`fi`,
		`state=$(az sql failover-group show --name "$FAILOVER_GROUP" --server "$SERVER" --resource-group "$SERVER_GROUP" --query "[replicationRole, replicationState]" --output tsv) || exit 1`,
		`role=$(echo "$state" | cut -f1); replication=$(echo "$state" | cut -f2)`,
		`if [ "$role" != "Secondary" ]; then echo "this server is already the primary: nothing to do"; exit 0; fi`,
		// What a secondary reports while the primary is unreachable is not
		// documented; a pair still seeding never had a healthy writer.
		`case "$replication" in PENDING|SEEDING) echo "replication is $replication: the writer was never healthy; not failing over"; exit 0;; esac`,
		`echo "FAILOVER: $PROBE_URL failed every probe; forcing $FAILOVER_GROUP over to $SERVER"`,
		// The POST itself, not az's set-primary: that one polls a
		// subscription-level operation URL outside the identity's scope
		// (Microsoft.Sql/locations/...), so it would report a failure after
		// the failover went through. Then wait for the role to change.
		`az rest --method post --url "https://management.azure.com/subscriptions/$SUBSCRIPTION/resourceGroups/$SERVER_GROUP/providers/Microsoft.Sql/servers/$SERVER/failoverGroups/$FAILOVER_GROUP/forceFailoverAllowDataLoss?api-version=` + SQLAPIVersion + `" || exit 1`,
		`for i in $(seq 40); do`,
		`  [ "$(az sql failover-group show --name "$FAILOVER_GROUP" --server "$SERVER" --resource-group "$SERVER_GROUP" --query replicationRole --output tsv)" = Primary ] && { echo "FAILOVER: $SERVER is the primary"; exit 0; }`,
		`  sleep 5`,
		`done`,
		`echo "FAILOVER: requested, $SERVER not yet the primary after 200 s"; exit 1`,
	}, "\n")
}

// guid is a stable GUID derived from a seed (a custom role's name in ARM).
func guid(seed string) string {
	h := sha256.Sum256([]byte(seed))
	h[6] = h[6]&0x0f | 0x50 // version 5-style, name-based
	h[8] = h[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}
