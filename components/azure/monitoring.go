package azure

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-azure-native-sdk/insights/v2"
	"github.com/pulumi/pulumi-azure-native-sdk/operationalinsights/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mobile-backend/mobile-backend/components"
	"github.com/mobile-backend/mobile-backend/components/azure/internal/alert"
	"github.com/mobile-backend/mobile-backend/components/azure/internal/dashboard"
)

// TraceSamplingPercent is the share of requests Application Insights keeps
// (ingestion sampling): enough to see every kind of failure, a quarter of the
// cost of keeping everything.
const TraceSamplingPercent = 25.0

// WebTestLocations are where availability tests run: US, Europe and Asia
// (Application Insights location ids).
var WebTestLocations = []string{"us-va-ash-azr", "emea-nl-ams-azr", "apac-sg-sin-azr"}

// MonitoredRegion is what Monitoring watches in one region.
type MonitoredRegion struct {
	Name          string
	Role          components.Role
	ResourceGroup pulumi.StringInput
	WorkspaceID   pulumi.StringInput // the region's Log Analytics workspace
	WorkspaceName pulumi.StringInput // its name (the primary's holds the all-regions function)
	AppID         pulumi.StringInput // the container app
	InsightsID    pulumi.StringInput // the Application Insights the app traces to
	DatabaseID    pulumi.StringInput // the region's database (primary or geo-secondary)
	// ReleaseWave is the region's release wave of ReleaseWaves, from 1 (0:
	// it takes no release, a down region): its dashboard tile says so.
	ReleaseWave, ReleaseWaves int
	// Workers are the region's worker apps and how many replicas each
	// keeps: each alerts when fewer run, or when its containers restart.
	Workers []MonitoredWorker
	// Jobs are the region's Container Apps jobs (schedules and their
	// runners, the publisher, the database users', the migrations'): each
	// alerts on a failed execution.
	Jobs []MonitoredJob
}

// MonitoredJob is a Container Apps job: what it is, and its resource id.
type MonitoredJob struct {
	Name string
	ID   pulumi.StringInput
}

// MonitoredWorker is a worker's container app and its replicas.
type MonitoredWorker struct {
	Name      string
	AppID     pulumi.StringInput
	Instances int
}

// MonitoringArgs configures Monitoring. Zero thresholds take
// components.DefaultAlarms, which the mobile-backend config keys share.
type MonitoringArgs struct {
	Stack         string             // required
	Domain        string             // required
	ResourceGroup pulumi.StringInput // required: the global resource group
	Regions       []MonitoredRegion  // required, in stack order
	FrontDoorID   pulumi.StringInput // required: the Front Door profile
	HealthPath    string
	Emails        []string
	// Webhooks are HTTPS endpoints (pass secret outputs) the action group
	// calls with the common alert schema.
	Webhooks   []pulumi.StringInput
	Thresholds components.Alarms
	Tags       pulumi.StringMap
	// HealthWatch are resources whose Resource Health is alerted on: the
	// SQL databases (primary and geo-secondaries) and the storage accounts,
	// the closest signal Azure Monitor gives for their replication.
	HealthWatch []pulumi.StringInput
}

// Monitoring is the stack's alerting on Azure Monitor: workspace-based
// Application Insights per region, diagnostic settings that send Front Door
// (with its WAF log) and SQL logs to Log Analytics, an action group with the
// alert e-mails, metric alerts, standard availability tests on the API
// hostname and each regional hostname, and a portal dashboard with a row per
// region.
type Monitoring struct {
	pulumi.ResourceState

	ActionGroupID pulumi.StringOutput `pulumi:"actionGroupId"`
	DashboardID   pulumi.StringOutput `pulumi:"dashboardId"`
}

// NewMonitoring builds it. Pass the global provider in opts.
func NewMonitoring(ctx *pulumi.Context, name string, args MonitoringArgs, opts ...pulumi.ResourceOption) (*Monitoring, error) {
	if args.Stack == "" || args.Domain == "" || args.ResourceGroup == nil || len(args.Regions) == 0 || args.FrontDoorID == nil {
		return nil, fmt.Errorf("monitoring %s: Stack, Domain, ResourceGroup, Regions and FrontDoorID are required", name)
	}
	for _, r := range args.Regions {
		if r.Name == "" || r.ResourceGroup == nil || r.WorkspaceID == nil || r.WorkspaceName == nil || r.AppID == nil || r.InsightsID == nil {
			return nil, fmt.Errorf("monitoring %s: region %q needs Name, ResourceGroup, WorkspaceID, WorkspaceName, AppID and InsightsID", name, r.Name)
		}
	}
	m := &Monitoring{}
	if err := ctx.RegisterComponentResource("mobile-backend:azure:Monitoring", name, m, opts...); err != nil {
		return nil, err
	}
	components.Default(&args.HealthPath, components.DefaultHealthCheck.Path)
	args.Thresholds = args.Thresholds.WithDefaults()
	t := args.Thresholds
	child := pulumi.Parent(m)
	primary := args.Regions[0]

	var receivers insights.EmailReceiverArray
	for i, e := range args.Emails {
		receivers = append(receivers, &insights.EmailReceiverArgs{
			Name: pulumi.Sprintf("email-%d", i), EmailAddress: pulumi.String(e), UseCommonAlertSchema: pulumi.Bool(true),
		})
	}
	var webhooks insights.WebhookReceiverArray
	for i, u := range args.Webhooks {
		webhooks = append(webhooks, &insights.WebhookReceiverArgs{
			Name: pulumi.Sprintf("webhook-%d", i), ServiceUri: pulumi.ToSecret(u).(pulumi.StringOutput), UseCommonAlertSchema: pulumi.Bool(true),
		})
	}
	group, err := insights.NewActionGroup(ctx, name+"-alerts", &insights.ActionGroupArgs{
		ActionGroupName:   pulumi.String(resourceName(name+"-alerts", 260)),
		ResourceGroupName: args.ResourceGroup,
		Location:          pulumi.String("Global"),
		GroupShortName:    pulumi.String("mbalerts"), // at most 12 characters
		Enabled:           pulumi.Bool(true),
		EmailReceivers:    receivers,
		WebhookReceivers:  webhooks,
		Tags:              args.Tags,
	}, child)
	if err != nil {
		return nil, err
	}

	// dimensions are "name" (split by it: each value alerts apart) or
	// "name=value" (that value only).
	metricAlert := func(aname, description string, scope pulumi.StringInput, namespace, metric, operator string, threshold float64, aggregation string, severity int, dimensions ...string) error {
		criterion := &insights.MetricCriteriaArgs{
			CriterionType: pulumi.String("StaticThresholdCriterion"), Name: pulumi.String(metric),
			MetricName: pulumi.String(metric), MetricNamespace: pulumi.String(namespace),
			Operator: pulumi.String(operator), Threshold: pulumi.Float64(threshold), TimeAggregation: pulumi.String(aggregation),
		}
		if len(dimensions) > 0 {
			var dims insights.MetricDimensionArray
			for _, d := range dimensions {
				name, value, only := strings.Cut(d, "=")
				if !only {
					value = "*"
				}
				dims = append(dims, &insights.MetricDimensionArgs{Name: pulumi.String(name), Operator: pulumi.String("Include"), Values: pulumi.StringArray{pulumi.String(value)}})
			}
			criterion.Dimensions = dims
		}
		return alert.NewMetric(ctx, aname, &insights.MetricAlertArgs{
			RuleName:            pulumi.String(resourceName(aname, 260)),
			ResourceGroupName:   args.ResourceGroup,
			Location:            pulumi.String("global"),
			Description:         pulumi.String(description),
			Severity:            pulumi.Int(severity),
			Enabled:             pulumi.Bool(true),
			Scopes:              pulumi.StringArray{scope},
			EvaluationFrequency: pulumi.String("PT1M"),
			WindowSize:          pulumi.String("PT5M"),
			AutoMitigate:        pulumi.Bool(true),
			Criteria: &insights.MetricAlertSingleResourceMultipleMetricCriteriaArgs{
				OdataType: pulumi.String("Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria"),
				AllOf:     insights.MetricCriteriaArray{criterion},
			},
			Actions: insights.MetricAlertActionArray{&insights.MetricAlertActionArgs{ActionGroupId: group.ID()}},
			Tags:    args.Tags,
		}, child)
	}
	fdNS := "Microsoft.Cdn/profiles"
	// Per origin group: a profile-wide figure mixes the API's origins with
	// the static ones, so one group's loss could sit under the threshold
	// (or a group always below it hide a real loss in the other).
	if err := metricAlert(name+"-origin-health", "Front Door sees fewer than 80% of an origin group's origins healthy", args.FrontDoorID, fdNS, "OriginHealthPercentage", "LessThan", 80, "Average", 1, "OriginGroup"); err != nil {
		return nil, err
	}
	if err := metricAlert(name+"-5xx", fmt.Sprintf("5xx responses above %d%%", t.ErrorRatePercent), args.FrontDoorID, fdNS, "Percentage5XX", "GreaterThan", float64(t.ErrorRatePercent), "Average", 2); err != nil {
		return nil, err
	}
	if err := metricAlert(name+"-latency", fmt.Sprintf("total latency above %d ms", t.LatencyP99Ms), args.FrontDoorID, fdNS, "TotalLatency", "GreaterThan", float64(t.LatencyP99Ms), "Average", 3); err != nil {
		return nil, err
	}
	if _, err := insights.NewDiagnosticSetting(ctx, name+"-frontdoor-logs", &insights.DiagnosticSettingArgs{
		Name: pulumi.String("to-log-analytics"), ResourceUri: args.FrontDoorID, WorkspaceId: primary.WorkspaceID,
		Logs: insights.LogSettingsArray{
			&insights.LogSettingsArgs{Category: pulumi.String("FrontDoorAccessLog"), Enabled: pulumi.Bool(true)},
			&insights.LogSettingsArgs{Category: pulumi.String("FrontDoorHealthProbeLog"), Enabled: pulumi.Bool(true)},
			&insights.LogSettingsArgs{Category: pulumi.String("FrontDoorWebApplicationFirewallLog"), Enabled: pulumi.Bool(true)},
		},
		Metrics: insights.MetricSettingsArray{&insights.MetricSettingsArgs{Category: pulumi.String("AllMetrics"), Enabled: pulumi.Bool(true)}},
	}, child); err != nil {
		return nil, err
	}

	// Each region logs to its own workspace (data stays in its region); one
	// saved function in the primary's workspace reads them all.
	if err := crossWorkspaceLogs(ctx, name, args, child); err != nil {
		return nil, err
	}
	var traceLinks []pulumi.StringOutput
	for _, r := range args.Regions {
		rn := fmt.Sprintf("%s-%s", name, r.Name)
		traceLinks = append(traceLinks, pulumi.Sprintf("[Traces: transaction search](https://portal.azure.com/#@/resource%s/searchV1) · [application map](https://portal.azure.com/#@/resource%s/applicationMap) · logs: `%s` in the primary's workspace, every region", r.InsightsID, r.InsightsID, AllLogsFunction))
		if err := metricAlert(rn+"-restarts", "API containers restarting in "+r.Name, r.AppID, "Microsoft.App/containerApps", "RestartCount", "GreaterThan", 0, "Total", 2); err != nil {
			return nil, err
		}
		for _, w := range r.Workers {
			if err := metricAlert(rn+"-"+w.Name+"-replicas", fmt.Sprintf("worker %s in %s: fewer than %d replicas", w.Name, r.Name, w.Instances), w.AppID, "Microsoft.App/containerApps", "Replicas", "LessThan", float64(w.Instances), "Minimum", 2); err != nil {
				return nil, err
			}
			if err := metricAlert(rn+"-"+w.Name+"-restarts", fmt.Sprintf("worker %s containers restarting in %s", w.Name, r.Name), w.AppID, "Microsoft.App/containerApps", "RestartCount", "GreaterThan", 0, "Total", 2); err != nil {
				return nil, err
			}
		}
		// A job's executions by state (Microsoft.App/jobs "Executions",
		// dimension state: JobExecutionRunningState's values, "Failed" once
		// its retries or its timeout are spent; Azure Monitor's supported
		// metrics for Microsoft.App/jobs).
		for _, j := range r.Jobs {
			if err := metricAlert(rn+"-"+j.Name+"-failed", fmt.Sprintf("job %s in %s: an execution failed (the job's execution history and its console logs say why)", j.Name, r.Name), j.ID, "Microsoft.App/jobs", "Executions", "GreaterThan", 0, "Total", 2, "state=Failed"); err != nil {
				return nil, err
			}
		}
		if r.DatabaseID != nil {
			if err := metricAlert(rn+"-sql-cpu", fmt.Sprintf("SQL CPU in %s above %d%%", r.Name, t.CPUPercent), r.DatabaseID, "Microsoft.Sql/servers/databases", "cpu_percent", "GreaterThan", float64(t.CPUPercent), "Average", 2); err != nil {
				return nil, err
			}
			if _, err := insights.NewDiagnosticSetting(ctx, rn+"-sql-logs", &insights.DiagnosticSettingArgs{
				Name: pulumi.String("to-log-analytics"), ResourceUri: r.DatabaseID, WorkspaceId: r.WorkspaceID,
				Logs:    insights.LogSettingsArray{&insights.LogSettingsArgs{CategoryGroup: pulumi.String("allLogs"), Enabled: pulumi.Bool(true)}},
				Metrics: insights.MetricSettingsArray{&insights.MetricSettingsArgs{Category: pulumi.String("Basic"), Enabled: pulumi.Bool(true)}},
			}, child); err != nil {
				return nil, err
			}
		}
	}

	// Availability tests live in the primary's Application Insights.
	tests, err := insights.NewComponent(ctx, name+"-availability", &insights.ComponentArgs{
		ResourceName: pulumi.String(resourceName(name+"-availability", 255)), ResourceGroupName: args.ResourceGroup,
		Location: pulumi.String(primary.Name), Kind: pulumi.String("web"), ApplicationType: pulumi.String("web"),
		WorkspaceResourceId: primary.WorkspaceID, IngestionMode: pulumi.String("LogAnalytics"), Tags: args.Tags,
	}, child)
	if err != nil {
		return nil, err
	}
	hosts := []string{args.Domain}
	for _, r := range args.Regions {
		hosts = append(hosts, RegionalHostname(r.Name, args.Domain))
	}
	var locations insights.WebTestGeolocationArray
	for _, l := range WebTestLocations {
		locations = append(locations, &insights.WebTestGeolocationArgs{Location: pulumi.String(l)})
	}
	for _, h := range hosts {
		testName := resourceName(name+"-"+h, 64)
		tags := pulumi.All(tests.ID().ToStringOutput(), args.Tags).ApplyT(func(v []any) map[string]string {
			out := map[string]string{"hidden-link:" + v[0].(string): "Resource"} // ties the test to its Application Insights
			for k, val := range v[1].(map[string]string) {
				out[k] = val
			}
			return out
		}).(pulumi.StringMapOutput)
		test, err := insights.NewWebTest(ctx, testName, &insights.WebTestArgs{
			WebTestName: pulumi.String(testName), SyntheticMonitorId: pulumi.String(testName),
			ResourceGroupName: args.ResourceGroup, Location: pulumi.String(primary.Name),
			Kind: insights.WebTestKindStandard, WebTestKind: insights.WebTestKindStandard,
			Enabled: pulumi.Bool(true), Frequency: pulumi.Int(300), Timeout: pulumi.Int(30), RetryEnabled: pulumi.Bool(true),
			Locations: locations,
			Request: &insights.WebTestPropertiesRequestArgs{
				RequestUrl: pulumi.String("https://" + h + args.HealthPath), HttpVerb: pulumi.String("GET"),
			},
			ValidationRules: &insights.WebTestPropertiesValidationRulesArgs{
				ExpectedHttpStatusCode: pulumi.Int(200), SSLCheck: pulumi.Bool(true), SSLCertRemainingLifetimeCheck: pulumi.Int(7),
			},
			Tags: tags,
		}, child)
		if err != nil {
			return nil, err
		}
		if err := alert.NewMetric(ctx, testName+"-alert", &insights.MetricAlertArgs{
			RuleName: pulumi.String(testName + "-alert"), ResourceGroupName: args.ResourceGroup, Location: pulumi.String("global"),
			Description: pulumi.String(h + " fails its availability test from two or more locations"),
			Severity:    pulumi.Int(1), Enabled: pulumi.Bool(true),
			Scopes:              pulumi.StringArray{test.ID(), tests.ID()},
			EvaluationFrequency: pulumi.String("PT1M"), WindowSize: pulumi.String("PT5M"),
			Criteria: &insights.WebtestLocationAvailabilityCriteriaArgs{
				OdataType:           pulumi.String("Microsoft.Azure.Monitor.WebtestLocationAvailabilityCriteria"),
				WebTestId:           test.ID(),
				ComponentId:         tests.ID(),
				FailedLocationCount: pulumi.Float64(2),
			},
			Actions: insights.MetricAlertActionArray{&insights.MetricAlertActionArgs{ActionGroupId: group.ID()}},
			Tags:    args.Tags,
		}, child); err != nil {
			return nil, err
		}
	}

	if len(args.HealthWatch) > 0 {
		var scopes pulumi.StringArray
		for _, id := range args.HealthWatch {
			scopes = append(scopes, id)
		}
		if _, err := insights.NewActivityLogAlert(ctx, name+"-data-health", &insights.ActivityLogAlertArgs{
			ActivityLogAlertName: pulumi.String(resourceName(name+"-data-health", 260)),
			ResourceGroupName:    args.ResourceGroup,
			Location:             pulumi.String("Global"),
			Description:          pulumi.String("A database replica or storage account is degraded or unavailable"),
			Enabled:              pulumi.Bool(true),
			Scopes:               scopes,
			Condition: &insights.AlertRuleAllOfConditionArgs{AllOf: insights.AlertRuleAnyOfOrLeafConditionArray{
				&insights.AlertRuleAnyOfOrLeafConditionArgs{Field: pulumi.String("category"), Equals: pulumi.String("ResourceHealth")},
				&insights.AlertRuleAnyOfOrLeafConditionArgs{AnyOf: insights.AlertRuleLeafConditionArray{
					&insights.AlertRuleLeafConditionArgs{Field: pulumi.String("properties.currentHealthStatus"), Equals: pulumi.String("Unavailable")},
					&insights.AlertRuleLeafConditionArgs{Field: pulumi.String("properties.currentHealthStatus"), Equals: pulumi.String("Degraded")},
				}},
			}},
			Actions: &insights.ActionListArgs{ActionGroups: insights.ActionGroupTypeArray{&insights.ActionGroupTypeArgs{ActionGroupId: group.ID()}}},
			Tags:    args.Tags,
		}, child); err != nil {
			return nil, err
		}
	}

	dashboardID, err := dashboard.New(ctx, name+"-dashboard", dashboard.Args{
		DashboardName: resourceName(name+"-dashboard", 160), ResourceGroup: args.ResourceGroup,
		Location: primary.Name, Tiles: dashboardTiles(args.Regions, args.Domain, traceLinks), Tags: args.Tags,
	}, child)
	if err != nil {
		return nil, err
	}
	m.ActionGroupID = group.ID().ToStringOutput()
	m.DashboardID = dashboardID
	return m, ctx.RegisterResourceOutputs(m, pulumi.Map{"actionGroupId": m.ActionGroupID, "dashboardId": m.DashboardID})
}

// DashboardPart is one tile of the portal dashboard: a markdown part.
type DashboardPart struct {
	Title   string `json:"title"`
	Content string `json:"content"`
}

// DashboardRowTitles are the tiles of every region's row, left to right.
var DashboardRowTitles = []string{"entry", "compute", "database", "availability", "releases", "traces and logs"}

// DashboardParts is the dashboard's content: a row per region.
func DashboardParts(regions []MonitoredRegion, domain string) [][]DashboardPart {
	var rows [][]DashboardPart
	for _, r := range regions {
		host := RegionalHostname(r.Name, domain)
		rows = append(rows, []DashboardPart{
			{Title: fmt.Sprintf("%s (%s): entry", r.Name, r.Role), Content: fmt.Sprintf("Front Door origin for %s; own hostname https://%s", r.Name, host)},
			{Title: fmt.Sprintf("%s (%s): compute", r.Name, r.Role), Content: "Container App `api`: replicas, restarts, CPU and memory in its Application Insights and Log Analytics workspace."},
			{Title: fmt.Sprintf("%s (%s): database", r.Name, r.Role), Content: "Azure SQL " + map[bool]string{true: "primary (failover group read-write listener)", false: "geo-secondary"}[r.Role == components.Primary]},
			{Title: fmt.Sprintf("%s (%s): availability", r.Name, r.Role), Content: fmt.Sprintf("Availability test of https://%s from %d locations", host, len(WebTestLocations))},
			{Title: fmt.Sprintf("%s (%s): releases", r.Name, r.Role), Content: releaseTile(r)},
			{Title: fmt.Sprintf("%s (%s): traces and logs", r.Name, r.Role)}, // content: the region's links (DashboardLens)
		})
	}
	return rows
}

// releaseTile says where a region stands in a release: its wave, its gate,
// and where a release in progress is marked (deployment scripts have no
// metrics to chart).
func releaseTile(r MonitoredRegion) string {
	if r.ReleaseWave == 0 {
		return "Takes no release while its control plane is down (regionsDown)."
	}
	after := "a release starts here"
	if r.ReleaseWave > 1 {
		after = fmt.Sprintf("a new revision reaches this region once the gates of wave %d passed", r.ReleaseWave-1)
	}
	return fmt.Sprintf("Release wave %d of %d: %s, then its own gate (the deployment script of its ReleaseGate, in its resource group) bakes it; a failed gate fails `pulumi up` and re-activates the previous revision. While a release is in progress the failover job's resource group carries the tag `%s` (its end); the job promotes nothing until then.",
		r.ReleaseWave, r.ReleaseWaves, after, ReleaseWindowTag)
}

// dashboardTiles lays the parts out, one row of tiles (each 4 columns wide)
// per region; links are each region's traces-and-logs content.
func dashboardTiles(regions []MonitoredRegion, domain string, links []pulumi.StringOutput) []dashboard.Tile {
	var tiles []dashboard.Tile
	for i, row := range DashboardParts(regions, domain) {
		for j, p := range row {
			var content pulumi.StringInput = pulumi.String(p.Content)
			if j == len(row)-1 && i < len(links) {
				content = links[i]
			}
			tiles = append(tiles, dashboard.Tile{X: j * 4, Y: i * 3, ColSpan: 4, RowSpan: 3, Title: p.Title, Content: content})
		}
	}
	return tiles
}

// AllLogsFunction is the name of the saved function that unions every
// region's container logs: `stack_logs | where TimeGenerated > ago(1h)`.
const AllLogsFunction = "stack_logs"

// crossWorkspaceLogs saves, in the primary region's workspace, a function
// over every region's Container Apps console and system logs.
func crossWorkspaceLogs(ctx *pulumi.Context, name string, args MonitoringArgs, child pulumi.ResourceOption) error {
	var ids []any
	for _, r := range args.Regions {
		ids = append(ids, r.WorkspaceID)
	}
	query := pulumi.All(ids...).ApplyT(func(v []any) string {
		var tables []string
		for _, id := range v {
			for _, t := range []string{"ContainerAppConsoleLogs_CL", "ContainerAppSystemLogs_CL"} {
				tables = append(tables, fmt.Sprintf("workspace(%q).%s", id, t))
			}
		}
		return "union withsource=SourceTable isfuzzy=true " + strings.Join(tables, ", ")
	}).(pulumi.StringOutput)
	// The workspace's name and group as given, not parsed from its id: Azure
	// returns Log Analytics ids in lower case (Azure/azure-rest-api-specs#9633).
	primary := args.Regions[0]
	_, err := operationalinsights.NewSavedSearch(ctx, name+"-all-regions-logs", &operationalinsights.SavedSearchArgs{
		ResourceGroupName: primary.ResourceGroup, WorkspaceName: primary.WorkspaceName,
		SavedSearchId: pulumi.String(AllLogsFunction),
		Category:      pulumi.String("mobile-backend"), DisplayName: pulumi.String("Logs of every region of " + args.Stack),
		FunctionAlias: pulumi.String(AllLogsFunction), Query: query,
	}, child)
	return err
}
