package gcp

import (
	"encoding/json"
	"fmt"
	"net/url"

	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/monitoring"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mobile-backend/mobile-backend/components"
)

// Channels are the e-mail notification channels, at most the first five
// (what a billing budget accepts).
func (m *Monitoring) Channels() pulumi.StringArray {
	if len(m.channels) > 5 {
		return m.channels[:5]
	}
	return m.channels
}

// UptimeCheckerRegions are where uptime checks probe from (Cloud Monitoring
// needs at least three).
var UptimeCheckerRegions = []string{"USA", "EUROPE", "ASIA_PACIFIC"}

// UptimePeriod is how often each uptime check runs (the shortest period
// Cloud Monitoring offers).
const UptimePeriod = "60s"

// MonitoredRegion is what Monitoring watches in one region.
type MonitoredRegion struct {
	Name         string
	Role         components.Role
	ServiceName  pulumi.StringInput // Cloud Run
	MaxInstances int
	// SQLInstance is the region's Cloud SQL instance (empty with Spanner).
	SQLInstance pulumi.StringInput
	// ReleaseGate is the region's release gate job: its executions mark
	// releases on the region's requests chart. Optional.
	ReleaseGate pulumi.StringInput
	// Workers are the region's worker services and how many instances
	// each keeps: each alerts when fewer run.
	Workers []MonitoredWorker
}

// MonitoredWorker is a worker's Cloud Run service and its instances.
type MonitoredWorker struct {
	Name        string
	ServiceName pulumi.StringInput
	Instances   int
}

// MonitoringArgs configures Monitoring. Zero thresholds take
// components.DefaultAlarms, which the mobile-backend config keys share.
type MonitoringArgs struct {
	Project    string // required
	Domain     string // required
	HealthPath string
	Regions    []MonitoredRegion // required, in stack order
	Emails     []string
	// Webhooks are HTTPS endpoints (pass secret outputs) that receive every
	// alert: webhook_tokenauth channels, the token inside the URL (the
	// channel type has no sensitive label for it).
	Webhooks   []pulumi.StringInput
	Thresholds components.Alarms
	// URLMap is the load balancer's URL map name: its metrics are watched
	// over every backend service behind it, so they follow a failover;
	// SpannerInstance is set when Spanner is in use; Bucket is the upload
	// bucket.
	URLMap          pulumi.StringInput
	SpannerInstance pulumi.StringInput
	Bucket          pulumi.StringInput
}

// Monitoring is the stack's alerting and dashboard on Cloud Monitoring:
// e-mail channels, uptime checks of the API hostname and each regional
// hostname from three continents, alert policies (uptime, 5xx ratio, p99
// latency, Cloud Run saturation, database CPU and replica lag, storage
// replication), and one dashboard with a row per region.
type Monitoring struct {
	pulumi.ResourceState

	// UptimeCheckIDs maps "api" and each region to its uptime check.
	UptimeCheckIDs pulumi.StringMapOutput `pulumi:"uptimeCheckIds"`
	DashboardID    pulumi.StringOutput    `pulumi:"dashboardId"`

	checks   map[string]pulumi.StringOutput
	channels pulumi.StringArray
}

// UptimeCheck is the id of the uptime check of "api" or a region.
func (m *Monitoring) UptimeCheck(key string) pulumi.StringOutput { return m.checks[key] }

// NewMonitoring builds the checks, alerts and dashboard. Pass the primary
// region's provider in opts.
func NewMonitoring(ctx *pulumi.Context, name string, args MonitoringArgs, opts ...pulumi.ResourceOption) (*Monitoring, error) {
	if args.Project == "" || args.Domain == "" || len(args.Regions) == 0 || args.URLMap == nil {
		return nil, fmt.Errorf("monitoring %s: Project, Domain, Regions and URLMap are required", name)
	}
	m := &Monitoring{checks: map[string]pulumi.StringOutput{}}
	if err := ctx.RegisterComponentResource("mobile-backend:gcp:Monitoring", name, m, opts...); err != nil {
		return nil, err
	}
	components.Default(&args.HealthPath, components.DefaultHealthCheck.Path)
	args.Thresholds = args.Thresholds.WithDefaults()
	t := &args.Thresholds
	child := pulumi.Parent(m)

	for i, e := range args.Emails {
		ch, err := monitoring.NewNotificationChannel(ctx, fmt.Sprintf("%s-email-%d", name, i), &monitoring.NotificationChannelArgs{
			DisplayName: pulumi.Sprintf("mobile-backend alerts: %s", e),
			Type:        pulumi.String("email"),
			Labels:      pulumi.StringMap{"email_address": pulumi.String(e)},
		}, child)
		if err != nil {
			return nil, err
		}
		m.channels = append(m.channels, ch.Name)
	}
	for i, u := range args.Webhooks {
		ch, err := monitoring.NewNotificationChannel(ctx, fmt.Sprintf("%s-webhook-%d", name, i), &monitoring.NotificationChannelArgs{
			DisplayName: pulumi.Sprintf("mobile-backend alerts: webhook %d", i),
			Type:        pulumi.String("webhook_tokenauth"),
			Labels:      pulumi.StringMap{"url": pulumi.ToSecret(u).(pulumi.StringOutput)},
		}, child)
		if err != nil {
			return nil, err
		}
		m.channels = append(m.channels, ch.Name)
	}

	hosts := map[string]string{"api": args.Domain}
	keys := []string{"api"}
	for _, r := range args.Regions {
		hosts[r.Name] = RegionalHostname(r.Name, args.Domain)
		keys = append(keys, r.Name)
	}
	ids := pulumi.StringMap{}
	for _, k := range keys {
		check, err := monitoring.NewUptimeCheckConfig(ctx, fmt.Sprintf("%s-%s", name, k), &monitoring.UptimeCheckConfigArgs{
			DisplayName: pulumi.Sprintf("%s %s", name, hosts[k]),
			Period:      pulumi.String(UptimePeriod),
			Timeout:     pulumi.String("10s"),
			HttpCheck: &monitoring.UptimeCheckConfigHttpCheckArgs{
				Path: pulumi.String(args.HealthPath), Port: pulumi.Int(443),
				UseSsl: pulumi.Bool(true), ValidateSsl: pulumi.Bool(true), RequestMethod: pulumi.String("GET"),
				AcceptedResponseStatusCodes: monitoring.UptimeCheckConfigHttpCheckAcceptedResponseStatusCodeArray{
					&monitoring.UptimeCheckConfigHttpCheckAcceptedResponseStatusCodeArgs{StatusClass: pulumi.String("STATUS_CLASS_2XX")},
					&monitoring.UptimeCheckConfigHttpCheckAcceptedResponseStatusCodeArgs{StatusClass: pulumi.String("STATUS_CLASS_3XX")},
				},
			},
			MonitoredResource: &monitoring.UptimeCheckConfigMonitoredResourceArgs{
				Type:   pulumi.String("uptime_url"),
				Labels: pulumi.StringMap{"host": pulumi.String(hosts[k]), "project_id": pulumi.String(args.Project)},
			},
			SelectedRegions: pulumi.ToStringArray(UptimeCheckerRegions),
		}, child)
		if err != nil {
			return nil, err
		}
		m.checks[k] = check.UptimeCheckId
		ids[k] = check.UptimeCheckId
		if _, err := m.alert(ctx, fmt.Sprintf("%s-%s-uptime", name, k), hosts[k]+" fails its uptime check", UptimeFailureCondition(check.UptimeCheckId)); err != nil {
			return nil, err
		}
	}

	lb := args.URLMap.ToStringOutput().ApplyT(LoadBalancerFilter).(pulumi.StringOutput)
	conditions := []struct {
		key, title string
		cond       *monitoring.AlertPolicyConditionConditionThresholdArgs
	}{
		{"5xx-ratio", fmt.Sprintf("5xx responses above %d%% of requests", t.ErrorRatePercent), &monitoring.AlertPolicyConditionConditionThresholdArgs{
			Filter:            pulumi.Sprintf(`metric.type="loadbalancing.googleapis.com/https/request_count" AND metric.label.response_code_class="500" AND %s`, lb),
			DenominatorFilter: pulumi.Sprintf(`metric.type="loadbalancing.googleapis.com/https/request_count" AND %s`, lb),
			Aggregations:      sum("60s"),
			DenominatorAggregations: monitoring.AlertPolicyConditionConditionThresholdDenominatorAggregationArray{&monitoring.AlertPolicyConditionConditionThresholdDenominatorAggregationArgs{
				AlignmentPeriod: pulumi.String("60s"), PerSeriesAligner: pulumi.String("ALIGN_RATE"), CrossSeriesReducer: pulumi.String("REDUCE_SUM"),
			}},
			Comparison: pulumi.String("COMPARISON_GT"), ThresholdValue: pulumi.Float64(float64(t.ErrorRatePercent) / 100), Duration: pulumi.String("300s"),
		}},
		{"p99-latency", fmt.Sprintf("p99 latency above %d ms", t.LatencyP99Ms), &monitoring.AlertPolicyConditionConditionThresholdArgs{
			Filter: pulumi.Sprintf(`metric.type="loadbalancing.googleapis.com/https/total_latencies" AND %s`, lb),
			Aggregations: monitoring.AlertPolicyConditionConditionThresholdAggregationArray{&monitoring.AlertPolicyConditionConditionThresholdAggregationArgs{
				AlignmentPeriod: pulumi.String("60s"), PerSeriesAligner: pulumi.String("ALIGN_PERCENTILE_99"),
			}},
			Comparison: pulumi.String("COMPARISON_GT"), ThresholdValue: pulumi.Float64(float64(t.LatencyP99Ms)), Duration: pulumi.String("300s"),
		}},
	}
	if args.SpannerInstance != nil {
		conditions = append(conditions, struct {
			key, title string
			cond       *monitoring.AlertPolicyConditionConditionThresholdArgs
		}{"spanner-cpu", fmt.Sprintf("Spanner high-priority CPU above %d%%", t.CPUPercent), &monitoring.AlertPolicyConditionConditionThresholdArgs{
			Filter:       pulumi.Sprintf(`metric.type="spanner.googleapis.com/instance/cpu/utilization_by_priority" AND metric.label.priority="high" AND resource.type="spanner_instance" AND resource.label.instance_id="%s"`, args.SpannerInstance),
			Aggregations: mean("300s"),
			Comparison:   pulumi.String("COMPARISON_GT"), ThresholdValue: pulumi.Float64(float64(t.CPUPercent) / 100), Duration: pulumi.String("600s"),
		}})
	}
	if args.Bucket != nil {
		conditions = append(conditions, struct {
			key, title string
			cond       *monitoring.AlertPolicyConditionConditionThresholdArgs
		}{"storage-replication", fmt.Sprintf("turbo replication slower than %d s", t.StorageReplicationSeconds), &monitoring.AlertPolicyConditionConditionThresholdArgs{
			Filter:       pulumi.Sprintf(`metric.type="storage.googleapis.com/replication/turbo_max_delay" AND resource.type="gcs_bucket" AND resource.label.bucket_name="%s"`, args.Bucket),
			Aggregations: max60(),
			Comparison:   pulumi.String("COMPARISON_GT"), ThresholdValue: pulumi.Float64(float64(t.StorageReplicationSeconds)), Duration: pulumi.String("300s"),
		}})
	}
	for _, r := range args.Regions {
		run := pulumi.Sprintf(`resource.type="cloud_run_revision" AND resource.label.service_name="%s"`, r.ServiceName)
		conditions = append(conditions, struct {
			key, title string
			cond       *monitoring.AlertPolicyConditionConditionThresholdArgs
		}{r.Name + "-saturation", fmt.Sprintf("%s runs at 90%% of its %d instances", r.Name, r.MaxInstances), &monitoring.AlertPolicyConditionConditionThresholdArgs{
			Filter:       pulumi.Sprintf(`metric.type="run.googleapis.com/container/instance_count" AND %s`, run),
			Aggregations: monitoring.AlertPolicyConditionConditionThresholdAggregationArray{&monitoring.AlertPolicyConditionConditionThresholdAggregationArgs{AlignmentPeriod: pulumi.String("60s"), PerSeriesAligner: pulumi.String("ALIGN_MAX"), CrossSeriesReducer: pulumi.String("REDUCE_SUM")}},
			Comparison:   pulumi.String("COMPARISON_GT"), ThresholdValue: pulumi.Float64(0.9 * float64(r.MaxInstances)), Duration: pulumi.String("300s"),
		}})
		for _, w := range r.Workers {
			conditions = append(conditions, struct {
				key, title string
				cond       *monitoring.AlertPolicyConditionConditionThresholdArgs
			}{r.Name + "-worker-" + w.Name, fmt.Sprintf("worker %s in %s: fewer than %d instances running", w.Name, r.Name, w.Instances), &monitoring.AlertPolicyConditionConditionThresholdArgs{
				// Active and idle alike: a worker serves no request, so
				// its instances are idle to Cloud Run (min-instances).
				Filter:       pulumi.Sprintf(`metric.type="run.googleapis.com/container/instance_count" AND resource.type="cloud_run_revision" AND resource.label.service_name="%s"`, w.ServiceName),
				Aggregations: monitoring.AlertPolicyConditionConditionThresholdAggregationArray{&monitoring.AlertPolicyConditionConditionThresholdAggregationArgs{AlignmentPeriod: pulumi.String("60s"), PerSeriesAligner: pulumi.String("ALIGN_MAX"), CrossSeriesReducer: pulumi.String("REDUCE_SUM")}},
				Comparison:   pulumi.String("COMPARISON_LT"), ThresholdValue: pulumi.Float64(float64(w.Instances)), Duration: pulumi.String("300s"),
				// No instance at all reports no series: that alerts too.
				EvaluationMissingData: pulumi.String("EVALUATION_MISSING_DATA_ACTIVE"),
			}})
		}
		if r.SQLInstance == nil {
			continue
		}
		sqlDB := pulumi.Sprintf(`resource.type="cloudsql_database" AND resource.label.database_id="%s:%s"`, args.Project, r.SQLInstance)
		conditions = append(conditions, struct {
			key, title string
			cond       *monitoring.AlertPolicyConditionConditionThresholdArgs
		}{r.Name + "-sql-cpu", fmt.Sprintf("Cloud SQL CPU in %s above %d%%", r.Name, t.CPUPercent), &monitoring.AlertPolicyConditionConditionThresholdArgs{
			Filter: pulumi.Sprintf(`metric.type="cloudsql.googleapis.com/database/cpu/utilization" AND %s`, sqlDB), Aggregations: mean("300s"),
			Comparison: pulumi.String("COMPARISON_GT"), ThresholdValue: pulumi.Float64(float64(t.CPUPercent) / 100), Duration: pulumi.String("600s"),
		}})
		if r.Role != components.Primary {
			conditions = append(conditions, struct {
				key, title string
				cond       *monitoring.AlertPolicyConditionConditionThresholdArgs
			}{r.Name + "-replica-lag", fmt.Sprintf("Cloud SQL replica in %s more than %d ms behind", r.Name, t.DatabaseLagMs), &monitoring.AlertPolicyConditionConditionThresholdArgs{
				Filter: pulumi.Sprintf(`metric.type="cloudsql.googleapis.com/database/replication/replica_lag" AND %s`, sqlDB), Aggregations: max60(),
				Comparison: pulumi.String("COMPARISON_GT"), ThresholdValue: pulumi.Float64(float64(t.DatabaseLagMs) / 1000), Duration: pulumi.String("120s"),
			}})
		}
	}
	for _, c := range conditions {
		if _, err := m.alert(ctx, fmt.Sprintf("%s-%s", name, c.key), c.title, c.cond); err != nil {
			return nil, err
		}
	}

	body := pulumi.All(args.URLMap, serviceNames(args.Regions), gateNames(args.Regions)).ApplyT(func(v []any) (string, error) {
		return DashboardJSON(name, args.Regions, args.Domain, v[0].(string), args.Project, v[1].([]string), v[2].([]string))
	}).(pulumi.StringOutput)
	dash, err := monitoring.NewDashboard(ctx, name+"-dashboard", &monitoring.DashboardArgs{DashboardJson: body}, child)
	if err != nil {
		return nil, err
	}
	m.UptimeCheckIDs = ids.ToStringMapOutput()
	m.DashboardID = dash.ID().ToStringOutput()
	return m, ctx.RegisterResourceOutputs(m, pulumi.Map{"uptimeCheckIds": m.UptimeCheckIDs, "dashboardId": m.DashboardID})
}

// UptimeFailureCondition fires when an uptime check fails from more than one
// checker region for a minute.
func UptimeFailureCondition(checkID pulumi.StringInput) *monitoring.AlertPolicyConditionConditionThresholdArgs {
	return &monitoring.AlertPolicyConditionConditionThresholdArgs{
		Filter: pulumi.Sprintf(`metric.type="monitoring.googleapis.com/uptime_check/check_passed" AND metric.label.check_id="%s" AND resource.type="uptime_url"`, checkID),
		Aggregations: monitoring.AlertPolicyConditionConditionThresholdAggregationArray{&monitoring.AlertPolicyConditionConditionThresholdAggregationArgs{
			AlignmentPeriod: pulumi.String("60s"), PerSeriesAligner: pulumi.String("ALIGN_NEXT_OLDER"),
			CrossSeriesReducer: pulumi.String("REDUCE_COUNT_FALSE"), GroupByFields: pulumi.StringArray{pulumi.String("resource.label.host")},
		}},
		Comparison: pulumi.String("COMPARISON_GT"), ThresholdValue: pulumi.Float64(1), Duration: pulumi.String("60s"),
	}
}

func (m *Monitoring) alert(ctx *pulumi.Context, name, title string, cond *monitoring.AlertPolicyConditionConditionThresholdArgs) (*monitoring.AlertPolicy, error) {
	return monitoring.NewAlertPolicy(ctx, name, &monitoring.AlertPolicyArgs{
		DisplayName:          pulumi.String(name),
		Combiner:             pulumi.String("OR"),
		Conditions:           monitoring.AlertPolicyConditionArray{&monitoring.AlertPolicyConditionArgs{DisplayName: pulumi.String(title), ConditionThreshold: cond}},
		NotificationChannels: m.channels,
		Documentation:        &monitoring.AlertPolicyDocumentationArgs{Content: pulumi.String(title), MimeType: pulumi.String("text/markdown")},
	}, pulumi.Parent(m))
}

func sum(period string) monitoring.AlertPolicyConditionConditionThresholdAggregationArray {
	return monitoring.AlertPolicyConditionConditionThresholdAggregationArray{&monitoring.AlertPolicyConditionConditionThresholdAggregationArgs{
		AlignmentPeriod: pulumi.String(period), PerSeriesAligner: pulumi.String("ALIGN_RATE"), CrossSeriesReducer: pulumi.String("REDUCE_SUM"),
	}}
}

func mean(period string) monitoring.AlertPolicyConditionConditionThresholdAggregationArray {
	return monitoring.AlertPolicyConditionConditionThresholdAggregationArray{&monitoring.AlertPolicyConditionConditionThresholdAggregationArgs{
		AlignmentPeriod: pulumi.String(period), PerSeriesAligner: pulumi.String("ALIGN_MEAN"),
	}}
}

func max60() monitoring.AlertPolicyConditionConditionThresholdAggregationArray {
	return monitoring.AlertPolicyConditionConditionThresholdAggregationArray{&monitoring.AlertPolicyConditionConditionThresholdAggregationArgs{
		AlignmentPeriod: pulumi.String("60s"), PerSeriesAligner: pulumi.String("ALIGN_MAX"),
	}}
}

// gateNames are the regions' release gate jobs ("" for a region without).
func gateNames(regions []MonitoredRegion) pulumi.StringArrayOutput {
	var names pulumi.StringArray
	for _, r := range regions {
		if r.ReleaseGate == nil {
			names = append(names, pulumi.String(""))
			continue
		}
		names = append(names, r.ReleaseGate)
	}
	return names.ToStringArrayOutput()
}

func serviceNames(regions []MonitoredRegion) pulumi.StringArrayOutput {
	var names pulumi.StringArray
	for _, r := range regions {
		names = append(names, r.ServiceName)
	}
	return names.ToStringArrayOutput()
}

// GCPDashboard is a Cloud Monitoring dashboard with a mosaic layout.
type GCPDashboard struct {
	DisplayName  string       `json:"displayName"`
	MosaicLayout MosaicLayout `json:"mosaicLayout"`
}

// MosaicLayout is a 48-column grid of tiles.
type MosaicLayout struct {
	Columns int    `json:"columns"`
	Tiles   []Tile `json:"tiles"`
}

// Tile places one chart.
type Tile struct {
	XPos   int    `json:"xPos"`
	YPos   int    `json:"yPos"`
	Width  int    `json:"width"`
	Height int    `json:"height"`
	Widget Widget `json:"widget"`
}

// Widget is a chart of one or more time series, or a text.
type Widget struct {
	Title   string   `json:"title"`
	XyChart *XyChart `json:"xyChart,omitempty"`
	Text    *Text    `json:"text,omitempty"`
}

// Text is a Markdown text widget.
type Text struct {
	Content string `json:"content"`
	Format  string `json:"format"`
}

// XyChart holds the chart's data sets.
type XyChart struct {
	DataSets []DataSet `json:"dataSets"`
}

// DataSet is one time-series query.
type DataSet struct {
	TimeSeriesQuery TimeSeriesQuery `json:"timeSeriesQuery"`
	PlotType        string          `json:"plotType"`
	// TargetAxis is Y1 (default) or Y2, the right axis.
	TargetAxis     string `json:"targetAxis,omitempty"`
	LegendTemplate string `json:"legendTemplate,omitempty"`
}

// TimeSeriesQuery filters and aligns one metric.
type TimeSeriesQuery struct {
	TimeSeriesFilter TimeSeriesFilter `json:"timeSeriesFilter"`
}

// TimeSeriesFilter is a Monitoring filter with its aggregation.
type TimeSeriesFilter struct {
	Filter      string      `json:"filter"`
	Aggregation Aggregation `json:"aggregation"`
}

// Aggregation aligns and reduces a series.
type Aggregation struct {
	AlignmentPeriod    string   `json:"alignmentPeriod"`
	PerSeriesAligner   string   `json:"perSeriesAligner"`
	CrossSeriesReducer string   `json:"crossSeriesReducer,omitempty"`
	GroupByFields      []string `json:"groupByFields,omitempty"`
}

// DashboardRowTitles are the tiles of every region's row, left to right:
// five charts and the links to the region's traces and logs.
var DashboardRowTitles = []string{"requests and releases", "5xx", "p99 latency", "instances", "uptime", "traces and logs"}

// LoadBalancerFilter selects the API traffic of a URL map's backend services
// (not its static backend bucket), whichever of them serves: after an
// active-passive switch the standby's backend service does. The
// https_lb_rule labels: url_map_name, backend_target_type, and
// backend_scope, the region of the backend that answered; the resource's
// region label is "global" for a global load balancer (Cloud Monitoring,
// "Monitored resource types": https_lb_rule).
func LoadBalancerFilter(urlMap string) string {
	return fmt.Sprintf(`resource.type="https_lb_rule" AND resource.label.url_map_name="%s" AND resource.label.backend_target_type="BACKEND_SERVICE"`, urlMap)
}

// DashboardJSON is the dashboard: one row per region (Cloud Run metrics are
// per region; the load balancer's are split by the region of the backend
// that answered, backend_scope).
// The display name is the monitoring component's (the stack's) name, so
// stacks that share a project tell their dashboards apart.
// A region's release gate (gates[i], "" for none) marks releases on its
// requests chart: the gate job's finished executions, by result, on the
// right axis (a failed one is a wave that stopped and rolled back).
func DashboardJSON(title string, regions []MonitoredRegion, domain, urlMap, project string, services, gates []string) (string, error) {
	d := GCPDashboard{DisplayName: title, MosaicLayout: MosaicLayout{Columns: 48}}
	for i, r := range regions {
		lb := LoadBalancerFilter(urlMap) + fmt.Sprintf(` AND resource.label.backend_scope="%s"`, r.Name)
		charts := []struct{ filter, aligner string }{
			{`metric.type="loadbalancing.googleapis.com/https/request_count" AND ` + lb, "ALIGN_RATE"},
			{`metric.type="loadbalancing.googleapis.com/https/request_count" AND metric.label.response_code_class="500" AND ` + lb, "ALIGN_RATE"},
			{`metric.type="loadbalancing.googleapis.com/https/total_latencies" AND ` + lb, "ALIGN_PERCENTILE_99"},
			{fmt.Sprintf(`metric.type="run.googleapis.com/container/instance_count" AND resource.type="cloud_run_revision" AND resource.label.service_name="%s"`, services[i]), "ALIGN_MAX"},
			{fmt.Sprintf(`metric.type="monitoring.googleapis.com/uptime_check/check_passed" AND resource.type="uptime_url" AND resource.label.host="%s"`, RegionalHostname(r.Name, domain)), "ALIGN_FRACTION_TRUE"},
		}
		for j, c := range charts {
			sets := []DataSet{{PlotType: "LINE", TimeSeriesQuery: TimeSeriesQuery{TimeSeriesFilter: TimeSeriesFilter{
				Filter: c.filter, Aggregation: Aggregation{AlignmentPeriod: "60s", PerSeriesAligner: c.aligner},
			}}}}
			if j == 0 && gates[i] != "" {
				sets = append(sets, DataSet{PlotType: "STACKED_BAR", TargetAxis: "Y2", LegendTemplate: "release gate: ${metric.labels.result}",
					TimeSeriesQuery: TimeSeriesQuery{TimeSeriesFilter: TimeSeriesFilter{
						Filter:      fmt.Sprintf(`metric.type="run.googleapis.com/job/completed_execution_count" AND resource.type="cloud_run_job" AND resource.label.job_name="%s"`, gates[i]),
						Aggregation: Aggregation{AlignmentPeriod: "60s", PerSeriesAligner: "ALIGN_DELTA"},
					}}})
			}
			d.MosaicLayout.Tiles = append(d.MosaicLayout.Tiles, Tile{
				XPos: j * 8, YPos: i * 4, Width: 8, Height: 4,
				Widget: Widget{Title: fmt.Sprintf("%s (%s): %s", r.Name, r.Role, DashboardRowTitles[j]), XyChart: &XyChart{DataSets: sets}},
			})
		}
		// Cloud Trace and Logs Explorer, filtered to the region's service.
		console := "https://console.cloud.google.com"
		d.MosaicLayout.Tiles = append(d.MosaicLayout.Tiles, Tile{
			XPos: len(charts) * 8, YPos: i * 4, Width: 8, Height: 4,
			Widget: Widget{
				Title: fmt.Sprintf("%s (%s): %s", r.Name, r.Role, DashboardRowTitles[len(charts)]),
				Text: &Text{Format: "MARKDOWN", Content: fmt.Sprintf("[Traces](%s/traces/list?project=%s) · [Logs](%s/logs/query;query=%s?project=%s)",
					console, project, console, url.PathEscape(fmt.Sprintf(`resource.type="cloud_run_revision" resource.labels.service_name="%s"`, services[i])), project)},
			},
		})
	}
	b, err := json.Marshal(d)
	return string(b), err
}
