package azure

import (
	"crypto/sha256"
	"fmt"

	"github.com/pulumi/pulumi-azure-native-sdk/authorization/v2"
	"github.com/pulumi/pulumi-azure-native-sdk/insights/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mobile-backend/mobile-backend/components"
	"github.com/mobile-backend/mobile-backend/components/azure/internal/alert"
	"github.com/mobile-backend/mobile-backend/components/azure/internal/job"
	"github.com/mobile-backend/mobile-backend/internal/failover"
)

// SQLFailoverSchedule runs the failover job every minute.
const SQLFailoverSchedule = "* * * * *"

// SQLFailoverImage runs the job's Python: Microsoft's Azure CLI image
// (2.67.0 in Azure/azure-cli HISTORY.rst) by digest, for the Python 3 and
// CA certificates the CLI itself runs on, from MCR (no Docker Hub pull
// limit for a job that starts every minute). Its identity may force a
// data-loss failover, so nothing it runs comes from a mutable tag; a wrong
// digest fails the pull, which the silence alert reports. The job does not
// run az: it takes its token from the Container Apps identity endpoint.
const SQLFailoverImage = PythonJobImage

// ForceFailoverAction is the operation a forced failover of a failover group
// logs and needs (Azure RBAC, Microsoft.Sql resource provider operations).
const ForceFailoverAction = "Microsoft.Sql/servers/failoverGroups/forceFailoverAllowDataLoss/action"

// ReleaseWindowTag is the tag of the job's resource group that a deploy
// sets to the end of a release (RFC 3339); .ci/release-window writes it.
const ReleaseWindowTag = "mobile-backend-release-until"

// SQLFailoverArgs configures SQLFailover.
type SQLFailoverArgs struct {
	Stack        string // required
	Subscription string // required
	// Region is where the job runs: the failover group's member that is not
	// the writer's (its server is the one promoted).
	Region        Region
	EnvironmentID pulumi.StringInput // required: Region's Container Apps environment
	WorkspaceID   pulumi.StringInput // required: its Log Analytics workspace (the job's log)
	Writer        string             // required: the region it watches
	// WriterProbeURL and ProbeURL are the writer's and Region's own health URLs.
	WriterProbeURL, ProbeURL string
	// FailoverGroup is the group's name; Server and ServerID are Region's
	// member of it; ServerFQDN and WriterServerFQDN the two servers' host
	// names, which the job probes on their data path (port 1433).
	FailoverGroup                pulumi.StringInput
	Server                       pulumi.StringInput
	ServerID                     pulumi.StringInput
	ServerFQDN, WriterServerFQDN pulumi.StringInput
	// ActionGroupID receives the job's alerts and notifications.
	ActionGroupID pulumi.StringInput
	// FrontDoorID, WriterOrigin and Origin are the second opinion: Front
	// Door's health of the writer's and Region's origins in the API origin
	// group, seen from its edge locations.
	FrontDoorID          pulumi.StringInput
	WriterOrigin, Origin pulumi.StringInput
	// WriterOriginID is the writer's origin in the API origin group (its
	// resource id): the fence. Once the group fails over, the job disables
	// it, so the old writer's app gets no API traffic when its region
	// returns; it stays disabled until a person enables it (README,
	// failback): the origins ignore enabledState.
	WriterOriginID pulumi.StringInput
	// Database and BackupRetentionDays: the promoted database's
	// point-in-time recovery window, which the job sets once this server
	// is the primary (the policy lives on the old primary's database).
	Database            string
	BackupRetentionDays int
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

// CDNProfileContributor is the built-in role that manages Front Door
// profiles and their children (Azure built-in roles: Microsoft.Cdn/profiles/*).
const CDNProfileContributor = "ec156ff8-a8d1-4d15-830c-5b80698ca432"

// SQLFailover forces the SQL failover group over to its other member within
// minutes of the writer region's loss, instead of after the group's grace
// period (Azure's minimum is an hour): a Container Apps job in the other
// member's region runs internal/failover's job every minute, which the
// scenario table runs in Python. It promotes only on evidence that the
// writer's region is lost (its probes and Front Door's origin health over a
// window, this region serving, no release window, the writer server silent
// on its data path) and says what it saw; its identity holds a custom role
// with the group's read and forced-failover actions on this server only,
// and one that reads and merges its resource group's tags (the release
// window, its record of a finished failover). Its log's alerts and
// notifications, and any forced failover of the group, reach the action
// group. The group keeps its automatic policy and grace period as the
// backstop.
type SQLFailover struct {
	pulumi.ResourceState

	JobName pulumi.StringOutput `pulumi:"jobName"`
}

// NewSQLFailover builds it. Pass Region's provider in opts.
func NewSQLFailover(ctx *pulumi.Context, name string, args SQLFailoverArgs, opts ...pulumi.ResourceOption) (*SQLFailover, error) {
	if args.Stack == "" || args.Subscription == "" || args.Region.Name == "" || args.EnvironmentID == nil || args.WorkspaceID == nil || args.Writer == "" ||
		args.WriterProbeURL == "" || args.ProbeURL == "" || args.FailoverGroup == nil || args.Server == nil || args.ServerID == nil ||
		args.ServerFQDN == nil || args.WriterServerFQDN == nil || args.ActionGroupID == nil || args.FrontDoorID == nil || args.WriterOrigin == nil || args.Origin == nil || args.WriterOriginID == nil {
		return nil, fmt.Errorf("sql failover %s: Stack, Subscription, Region, EnvironmentID, WorkspaceID, Writer, both probe URLs, FailoverGroup, Server, ServerID, both servers' FQDNs, ActionGroupID, FrontDoorID, both origins and the writer's origin id are required", name)
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
	// (Azure RBAC, "Azure custom roles": AssignableScopes). Their GUIDs and
	// names carry the job's region, so moving the writer creates new roles
	// beside the old ones instead of replacing a role that is still assigned.
	group := pulumi.Sprintf("/subscriptions/%s/resourceGroups/%s", args.Subscription, args.Region.ResourceGroup)
	grant := func(suffix, title string, actions []string, scope pulumi.StringInput) (pulumi.Resource, error) {
		roleID := guid(args.Subscription + "/" + name + "/" + args.Region.Name + "/" + suffix)
		role, err := authorization.NewRoleDefinition(ctx, name+"-"+suffix+"-role", &authorization.RoleDefinitionArgs{
			RoleDefinitionId: pulumi.String(roleID),
			// Unique in the tenant, which may hold the same stack name in
			// another subscription: the subscription's hash too.
			RoleName:         pulumi.String(fmt.Sprintf("%s, mobile-backend stack %s, %s, %s", title, args.Stack, args.Region.Name, shortHash(args.Subscription))),
			Description:      pulumi.String(title + " (mobile-backend's failover job)"),
			RoleType:         pulumi.String("CustomRole"),
			Scope:            group,
			AssignableScopes: pulumi.StringArray{group},
			Permissions:      authorization.PermissionArray{&authorization.PermissionArgs{Actions: pulumi.ToStringArray(actions)}},
		}, child)
		if err != nil {
			return nil, err
		}
		// Assignments name a role definition by its subscription-level id,
		// built from the GUID at hand; DependsOn orders it after the role.
		return authorization.NewRoleAssignment(ctx, name+"-may-"+suffix, &authorization.RoleAssignmentArgs{
			PrincipalId: identity.PrincipalID, PrincipalType: pulumi.String("ServicePrincipal"),
			RoleDefinitionId: roleDefinitionID(args.Subscription, roleID), Scope: scope,
		}, child, pulumi.DependsOn([]pulumi.Resource{role}))
	}
	failOver, err := grant("fail-over", "Read the SQL failover group and force it over to this server",
		[]string{"Microsoft.Sql/servers/read", "Microsoft.Sql/servers/failoverGroups/read", ForceFailoverAction,
			// The promoted database's point-in-time recovery window.
			"Microsoft.Sql/servers/databases/backupShortTermRetentionPolicies/read", "Microsoft.Sql/servers/databases/backupShortTermRetentionPolicies/write"}, args.ServerID)
	if err != nil {
		return nil, err
	}
	// Merging tags needs Microsoft.Resources/tags/write (Azure Resource
	// Manager, "Use tags to organize your Azure resources": Tag Contributor).
	tags, err := grant("read-tags", "Read the resource group and merge its tags",
		[]string{"Microsoft.Resources/subscriptions/resourceGroups/read", "Microsoft.Resources/tags/read", "Microsoft.Resources/tags/write"}, group)
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
	// The fence: the built-in CDN Profile Contributor (Azure built-in roles)
	// on the writer's origin alone, so the job may disable that origin and
	// change nothing else of Front Door.
	fences, err := authorization.NewRoleAssignment(ctx, name+"-fences-writer-origin", &authorization.RoleAssignmentArgs{
		PrincipalId:      identity.PrincipalID,
		PrincipalType:    pulumi.String("ServicePrincipal"),
		RoleDefinitionId: roleDefinitionID(args.Subscription, CDNProfileContributor),
		Scope:            args.WriterOriginID,
	}, child)
	if err != nil {
		return nil, err
	}
	port := func(host pulumi.StringInput) pulumi.StringOutput { return pulumi.Sprintf("%s:1433", host) }
	created, err := job.NewScheduled(ctx, name, job.Args{
		JobName: resourceName(name, 32), ResourceGroup: args.Region.ResourceGroup, Location: args.Region.Name,
		EnvironmentID: args.EnvironmentID, IdentityID: identity.ID(),
		Cron: SQLFailoverSchedule, Timeout: failover.JobRunTimeoutSeconds,
		RetryLimit: 0, // the next minute's run is the retry
		Container:  "sql-failover", Image: SQLFailoverImage, Interpreter: []string{"python3", "-c"}, Script: pulumi.String(failover.Job),
		// Container Apps sets IDENTITY_ENDPOINT and IDENTITY_HEADER itself.
		Env: []job.Env{
			{Name: "CLOUD", Value: pulumi.String("azure")},
			{Name: "WRITER_PROBE_URL", Value: pulumi.String(args.WriterProbeURL)},
			{Name: "SUCCESSOR_PROBE_URL", Value: pulumi.String(args.ProbeURL)},
			{Name: "FAILOVER_GROUP", Value: args.FailoverGroup},
			{Name: "SERVER", Value: args.Server},
			{Name: "SERVER_GROUP", Value: args.Region.ResourceGroup},
			{Name: "SUBSCRIPTION", Value: pulumi.String(args.Subscription)},
			{Name: "AZURE_CLIENT_ID", Value: identity.ClientID},
			{Name: "FRONT_DOOR_ID", Value: args.FrontDoorID},
			{Name: "WRITER_ORIGIN", Value: args.WriterOrigin},
			{Name: "WRITER_ORIGIN_ID", Value: args.WriterOriginID},
			{Name: "DATABASE", Value: pulumi.String(args.Database)},
			{Name: "BACKUP_RETENTION_DAYS", Value: pulumi.String(fmt.Sprint(args.BackupRetentionDays))},
			{Name: "SUCCESSOR_ORIGIN", Value: args.Origin},
			{Name: "ORIGIN_GROUP", Value: pulumi.String(APIOriginGroup)},
			{Name: "WRITER_DB_ADDRESS", Value: port(args.WriterServerFQDN)},
			{Name: "LOCAL_DB_ADDRESS", Value: port(args.ServerFQDN)},
			{Name: "NEXT_STEP", Value: pulumi.String(args.NextStep)},
		},
		CPU: 0.25, Memory: "0.5Gi", Tags: args.Tags,
	}, child, pulumi.DependsOn([]pulumi.Resource{failOver, tags, reads, fences}))
	if err != nil {
		return nil, err
	}
	jobName := created.Name
	// What the job says reaches people: its alerts and its notifications
	// before and after a promotion (JSON lines on its console, in the
	// environment's workspace; Container Apps, "Log monitoring"). The
	// reason is a dimension, so each reason is its own alert: a stateful
	// rule fires once per alert, and the notice after a promotion must not
	// be folded into the one before it.
	speaks := jobLogAlert{
		suffix: "-said", display: "the failover job speaks", every: "PT1M", window: "PT5M",
		description: "The failover job in " + args.Region.Name + " alerted or announced a failover: its log says what it saw",
		where:       `where Log_s has '"event": "alert"' or Log_s has '"event": "notify"' | extend reason = tostring(parse_json(Log_s).reason) | project TimeGenerated, reason, Log_s`,
		operator:    "GreaterThan", threshold: 0, dimension: "reason",
	}
	// A job that no longer finishes a run (its schedule, its image, its
	// identity, a crash) is heard too: every run's last line says how it
	// ended, and none that finished in the window is an alert.
	silent := jobLogAlert{
		suffix: "-silent", display: "the failover job is silent", every: "PT5M", window: fmt.Sprintf("PT%dM", failover.SilentAfterSeconds/60),
		description: "The failover job in " + args.Region.Name + " has finished no run for a while: the loss of the writer region would go unanswered. Its executions and their logs say why (the schedule, the image, the identity).",
		where:       "where Log_s has 'ran' | extend line = parse_json(Log_s) | where tostring(line.event) == 'ran' and toint(line.status) == 0 | project TimeGenerated",
		operator:    "LessThan", threshold: 1,
	}
	for _, a := range []jobLogAlert{speaks, silent} {
		if err := a.create(ctx, name, args, jobName, child); err != nil {
			return nil, err
		}
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

// guid is a stable GUID derived from a seed (a custom role's name in ARM).
func guid(seed string) string {
	h := sha256.Sum256([]byte(seed))
	h[6] = h[6]&0x0f | 0x50 // version 5-style, name-based
	h[8] = h[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}

// jobLogAlert is a log search alert on the failover job's console lines in
// its region's workspace: a count of the lines the where clause keeps,
// against a threshold, optionally split by a column of them.
type jobLogAlert struct {
	suffix, display, description string
	every, window                string // ISO 8601 durations
	where                        string // the query after the job's own lines
	operator                     string
	threshold                    float64
	dimension                    string
}

func (a jobLogAlert) create(ctx *pulumi.Context, name string, args SQLFailoverArgs, jobName pulumi.StringOutput, opts ...pulumi.ResourceOption) error {
	condition := &insights.ConditionArgs{
		Query: jobName.ApplyT(func(n string) string {
			return fmt.Sprintf("ContainerAppConsoleLogs_CL | where ContainerJobName_s == '%s' | %s", n, a.where)
		}).(pulumi.StringOutput),
		TimeAggregation: pulumi.String("Count"),
		Operator:        pulumi.String(a.operator),
		Threshold:       pulumi.Float64(a.threshold),
		FailingPeriods:  &insights.ConditionFailingPeriodsArgs{NumberOfEvaluationPeriods: pulumi.Float64(1), MinFailingPeriodsToAlert: pulumi.Float64(1)},
	}
	if a.dimension != "" {
		condition.Dimensions = insights.DimensionArray{&insights.DimensionArgs{
			Name: pulumi.String(a.dimension), Operator: pulumi.String("Include"), Values: pulumi.StringArray{pulumi.String("*")},
		}}
	}
	return alert.NewLogQuery(ctx, name+a.suffix, &insights.ScheduledQueryRuleArgs{
		RuleName:            pulumi.String(resourceName(name+a.suffix, 260)),
		ResourceGroupName:   args.Region.ResourceGroup,
		Location:            pulumi.String(args.Region.Name),
		Description:         pulumi.String(a.description),
		DisplayName:         pulumi.String(name + ": " + a.display),
		Enabled:             pulumi.Bool(true),
		Kind:                pulumi.String("LogAlert"),
		Scopes:              pulumi.StringArray{args.WorkspaceID},
		Severity:            pulumi.Float64(1),
		EvaluationFrequency: pulumi.String(a.every),
		WindowSize:          pulumi.String(a.window),
		Criteria:            &insights.ScheduledQueryRuleCriteriaArgs{AllOf: insights.ConditionArray{condition}},
		AutoMitigate:        pulumi.Bool(true),
		// The console table and its columns exist only once a job has
		// written to it: validation at creation would refuse the query
		// (mspnp/aks-baseline#422; skipQueryValidation, LogAlert only).
		SkipQueryValidation: pulumi.Bool(true),
		Actions:             &insights.ActionsArgs{ActionGroups: pulumi.StringArray{args.ActionGroupID}},
		Tags:                args.Tags,
	}, opts...)
}
