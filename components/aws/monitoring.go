package aws

import (
	"encoding/json"
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sns"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mobile-backend/mobile-backend/components"
)

// MonitoredRegion is what Monitoring watches in one region.
type MonitoredRegion struct {
	Name     string
	Role     components.Role
	Provider *aws.Provider
	KeyArn   pulumi.StringInput // encrypts the region's alarm topic

	LoadBalancerArnSuffix pulumi.StringInput
	TargetGroupArnSuffix  pulumi.StringInput
	ClusterName           pulumi.StringInput // ECS
	ServiceName           pulumi.StringInput // ECS
	WebACLName            pulumi.StringInput
	HealthCheckID         pulumi.StringInput
	// DatabaseClusterID is the region's Aurora cluster; its replication lag
	// is watched in every region but the writer's.
	DatabaseClusterID pulumi.StringInput
	// ReleaseGate is the region's release gate function: its runs and
	// failures mark releases on the region's requests graph. Optional.
	ReleaseGate pulumi.StringInput
	// Workers are the region's worker services and how many tasks each
	// runs: each alarms when fewer run.
	Workers []MonitoredWorker
}

// MonitoredWorker is a worker's ECS service and its task count.
type MonitoredWorker struct {
	Name        string
	ServiceName pulumi.StringInput
	Instances   int
}

// MonitoringArgs configures Monitoring. Zero thresholds take
// components.DefaultAlarms, which the mobile-backend config keys share.
type MonitoringArgs struct {
	Stack   string            // required
	Regions []MonitoredRegion // required, in stack order: the dashboard lives in the first
	// Global is where Route 53 publishes health-check metrics (us-east-1),
	// with the key of its alarm topic.
	Global       *aws.Provider
	GlobalKeyArn pulumi.StringInput
	Emails       []string
	// Webhooks are HTTPS endpoints (a pager's or chat's integration URL,
	// pass secret outputs) subscribed to every alarm topic. The endpoint
	// must confirm the subscription (PagerDuty does; a Slack incoming
	// webhook cannot and needs a relay): the deploy waits up to
	// WebhookConfirmMinutes for it and fails otherwise.
	Webhooks   []pulumi.StringInput
	Thresholds components.Alarms
	// Replications are the storage replication rules to watch, each in its
	// source region.
	Replications []Replication
}

// WebhookConfirmMinutes is how long a deploy waits for a webhook endpoint
// to confirm its SNS subscription.
const WebhookConfirmMinutes = 5

// Monitoring is the stack's alerting and dashboard: an encrypted SNS topic
// with the alert e-mails in every region that raises alarms (CloudWatch only
// notifies topics of its own region), per-region alarms on errors, latency,
// health, saturation and replication, a composite "region down" alarm per
// region, the Route 53 health-check alarms in us-east-1, and one dashboard
// with a row per region.
type Monitoring struct {
	pulumi.ResourceState

	DashboardName pulumi.StringOutput    `pulumi:"dashboardName"`
	DashboardURL  pulumi.StringOutput    `pulumi:"dashboardUrl"`
	TopicArns     pulumi.StringMapOutput `pulumi:"topicArns"`
}

// NewMonitoring builds the alarms and the dashboard. Pass the global provider in opts.
func NewMonitoring(ctx *pulumi.Context, name string, args MonitoringArgs, opts ...pulumi.ResourceOption) (*Monitoring, error) {
	if args.Stack == "" || len(args.Regions) == 0 || args.Global == nil {
		return nil, fmt.Errorf("monitoring %s: Stack, Regions and Global are required", name)
	}
	m := &Monitoring{}
	if err := ctx.RegisterComponentResource("mobile-backend:aws:Monitoring", name, m, opts...); err != nil {
		return nil, err
	}
	args.Thresholds = args.Thresholds.WithDefaults()
	t := &args.Thresholds
	child := pulumi.Parent(m)

	topics := map[string]*sns.Topic{}
	topicArns := pulumi.StringMap{}
	topic := func(region string, p *aws.Provider, key pulumi.StringInput) (*sns.Topic, error) {
		if t, ok := topics[region]; ok {
			return t, nil
		}
		tp, err := sns.NewTopic(ctx, fmt.Sprintf("%s-%s-alerts", name, region), &sns.TopicArgs{
			DisplayName:    pulumi.Sprintf("mobile-backend %s alerts", args.Stack),
			KmsMasterKeyId: key,
		}, child, pulumi.Provider(p))
		if err != nil {
			return nil, err
		}
		for i, e := range args.Emails {
			if _, err := sns.NewTopicSubscription(ctx, fmt.Sprintf("%s-%s-email-%d", name, region, i), &sns.TopicSubscriptionArgs{
				Topic: tp.Arn, Protocol: pulumi.String("email"), Endpoint: pulumi.String(e),
			}, child, pulumi.Provider(p)); err != nil {
				return nil, err
			}
		}
		for i, u := range args.Webhooks {
			// EndpointAutoConfirms: the provider waits for the confirmation
			// instead of leaving a pending subscription it can never delete
			// (pulumi-aws sns.TopicSubscription: "partially supported").
			if _, err := sns.NewTopicSubscription(ctx, fmt.Sprintf("%s-%s-webhook-%d", name, region, i), &sns.TopicSubscriptionArgs{
				Topic: tp.Arn, Protocol: pulumi.String("https"), Endpoint: pulumi.ToSecret(u).(pulumi.StringOutput),
				EndpointAutoConfirms: pulumi.Bool(true), ConfirmationTimeoutInMinutes: pulumi.Int(WebhookConfirmMinutes),
			}, child, pulumi.Provider(p)); err != nil {
				return nil, err
			}
		}
		topics[region] = tp
		topicArns[region] = tp.Arn
		return tp, nil
	}

	for _, r := range args.Regions {
		tp, err := topic(r.Name, r.Provider, r.KeyArn)
		if err != nil {
			return nil, err
		}
		a := alarms{ctx: ctx, prefix: fmt.Sprintf("%s-%s", args.Stack, r.Name), topic: tp.Arn, opts: []pulumi.ResourceOption{child, pulumi.Provider(r.Provider)}}
		lb := pulumi.StringMap{"LoadBalancer": r.LoadBalancerArnSuffix}
		tg := pulumi.StringMap{"LoadBalancer": r.LoadBalancerArnSuffix, "TargetGroup": r.TargetGroupArnSuffix}
		svc := pulumi.StringMap{"ClusterName": r.ClusterName, "ServiceName": r.ServiceName}

		errorRate, err := a.errorRate(lb, float64(t.ErrorRatePercent))
		if err != nil {
			return nil, err
		}
		noHosts, err := a.metric("no-healthy-hosts", "No healthy API task behind the load balancer",
			"AWS/ApplicationELB", "HealthyHostCount", "Minimum", tg, "LessThanThreshold", 1, 60, 2, "breaching")
		if err != nil {
			return nil, err
		}
		for _, al := range []struct {
			suffix, desc, ns, metric, stat string
			dims                           pulumi.StringMap
			threshold                      float64
			period, periods                int
		}{
			{"p99-latency", fmt.Sprintf("p99 response time above %d ms", t.LatencyP99Ms), "AWS/ApplicationELB", "TargetResponseTime", "p99", lb, float64(t.LatencyP99Ms) / 1000, 60, 5},
			{"unhealthy-hosts", "API tasks failing the load balancer's health check", "AWS/ApplicationELB", "UnHealthyHostCount", "Maximum", tg, 0, 60, 3},
			{"cpu", fmt.Sprintf("service CPU above %d%%", t.CPUPercent), "AWS/ECS", "CPUUtilization", "Average", svc, float64(t.CPUPercent), 300, 2},
			{"memory", fmt.Sprintf("service memory above %d%%", t.MemoryPercent), "AWS/ECS", "MemoryUtilization", "Average", svc, float64(t.MemoryPercent), 300, 2},
		} {
			if _, err := a.metric(al.suffix, al.desc, al.ns, al.metric, al.stat, al.dims, "GreaterThanThreshold", al.threshold, al.period, al.periods, "notBreaching"); err != nil {
				return nil, err
			}
		}
		for _, w := range r.Workers {
			// Container Insights (on for the cluster) publishes the running count.
			if _, err := a.metric("worker-"+w.Name, fmt.Sprintf("worker %s: fewer than %d tasks running", w.Name, w.Instances),
				"ECS/ContainerInsights", "RunningTaskCount", "Minimum", pulumi.StringMap{"ClusterName": r.ClusterName, "ServiceName": w.ServiceName},
				"LessThanThreshold", float64(w.Instances), 60, 5, "breaching"); err != nil {
				return nil, err
			}
		}
		if r.WebACLName != nil {
			waf := pulumi.StringMap{"WebACL": r.WebACLName, "Region": pulumi.String(r.Name), "Rule": pulumi.String("ALL")}
			if _, err := a.metric("waf-blocked", fmt.Sprintf("WAF blocked more than %d requests in 5 minutes", t.WAFBlockedRequests),
				"AWS/WAFV2", "BlockedRequests", "Sum", waf, "GreaterThanThreshold", float64(t.WAFBlockedRequests), 300, 1, "notBreaching"); err != nil {
				return nil, err
			}
		}
		if r.DatabaseClusterID != nil && r.Role != components.Primary {
			// Aurora publishes the lag of each secondary cluster in its own region.
			if _, err := a.metric("db-replication-lag", fmt.Sprintf("database replica more than %d ms behind the writer", t.DatabaseLagMs),
				"AWS/RDS", "AuroraGlobalDBReplicationLag", "Maximum", pulumi.StringMap{"DBClusterIdentifier": r.DatabaseClusterID},
				"GreaterThanThreshold", float64(t.DatabaseLagMs), 60, 5, "breaching"); err != nil {
				return nil, err
			}
		}
		for _, rep := range args.Replications {
			if rep.From != r.Name {
				continue
			}
			dims := pulumi.StringMap{"SourceBucket": rep.SourceBucket, "DestinationBucket": rep.TargetBucket, "RuleId": pulumi.String(rep.RuleID)}
			if _, err := a.metric("s3-replication-latency-"+rep.To, fmt.Sprintf("objects take more than %d s to reach %s", t.StorageReplicationSeconds, rep.To),
				"AWS/S3", "ReplicationLatency", "Maximum", dims, "GreaterThanThreshold", float64(t.StorageReplicationSeconds), 300, 3, "notBreaching"); err != nil {
				return nil, err
			}
			if _, err := a.metric("s3-replication-failed-"+rep.To, "objects failed to replicate to "+rep.To,
				"AWS/S3", "OperationsFailedReplication", "Sum", dims, "GreaterThanThreshold", 0, 300, 1, "notBreaching"); err != nil {
				return nil, err
			}
		}
		// Composite alarms see only their own region's alarms, so "region
		// down" combines the two local signals; the Route 53 view of the same
		// region is the health-check alarm in us-east-1 below.
		if _, err := cloudwatch.NewCompositeAlarm(ctx, a.prefix+"-region-down", &cloudwatch.CompositeAlarmArgs{
			AlarmName:        pulumi.String(a.prefix + "-region-down"),
			AlarmDescription: pulumi.String(r.Name + " is down: no healthy task, or too many 5xx responses"),
			AlarmRule:        pulumi.Sprintf("ALARM(%q) OR ALARM(%q)", noHosts, errorRate),
			AlarmActions:     pulumi.StringArray{tp.Arn},
			OkActions:        pulumi.StringArray{tp.Arn},
		}, a.opts...); err != nil {
			return nil, err
		}
	}

	globalTopic, err := topic(GlobalRegion, args.Global, args.GlobalKeyArn)
	if err != nil {
		return nil, err
	}
	for _, r := range args.Regions {
		a := alarms{ctx: ctx, prefix: fmt.Sprintf("%s-%s", args.Stack, r.Name), topic: globalTopic.Arn, opts: []pulumi.ResourceOption{child, pulumi.Provider(args.Global)}}
		if _, err := a.metric("health-check", "Route 53 sees "+r.Name+" as unhealthy",
			"AWS/Route53", "HealthCheckStatus", "Minimum", pulumi.StringMap{"HealthCheckId": r.HealthCheckID},
			"LessThanThreshold", 1, 60, 1, "breaching"); err != nil {
			return nil, err
		}
	}

	primary := args.Regions[0]
	dashboardName := fit(args.Stack+"-mobile-backend", 255)
	refs := pulumi.StringMap{}
	for _, r := range args.Regions {
		refs[r.Name+"/lb"] = r.LoadBalancerArnSuffix
		refs[r.Name+"/tg"] = r.TargetGroupArnSuffix
		refs[r.Name+"/hc"] = r.HealthCheckID
		if r.WebACLName != nil {
			refs[r.Name+"/acl"] = r.WebACLName
		}
		if r.DatabaseClusterID != nil {
			refs[r.Name+"/db"] = r.DatabaseClusterID
		}
		if r.ReleaseGate != nil {
			refs[r.Name+"/gate"] = r.ReleaseGate
		}
	}
	for _, rep := range args.Replications {
		refs[rep.From+"/bucket"] = rep.SourceBucket
		refs[rep.From+">"+rep.To+"/target"] = rep.TargetBucket
	}
	body := refs.ToStringMapOutput().ApplyT(func(v map[string]string) (string, error) {
		var rows []DashboardRegion
		for _, r := range args.Regions {
			row := DashboardRegion{Name: r.Name, Primary: r.Role == components.Primary,
				LoadBalancer: v[r.Name+"/lb"], TargetGroup: v[r.Name+"/tg"], HealthCheckID: v[r.Name+"/hc"],
				WebACL: v[r.Name+"/acl"], DatabaseCluster: v[r.Name+"/db"], ReleaseGate: v[r.Name+"/gate"]}
			for _, rep := range args.Replications {
				if rep.To == r.Name {
					row.InboundReplication = append(row.InboundReplication, DashboardReplication{
						SourceRegion: rep.From, SourceBucket: v[rep.From+"/bucket"], TargetBucket: v[rep.From+">"+rep.To+"/target"], RuleID: rep.RuleID})
				}
			}
			rows = append(rows, row)
		}
		return DashboardBody(rows)
	}).(pulumi.StringOutput)
	dash, err := cloudwatch.NewDashboard(ctx, name+"-dashboard", &cloudwatch.DashboardArgs{
		DashboardName: pulumi.String(dashboardName),
		DashboardBody: body,
	}, child, pulumi.Provider(primary.Provider))
	if err != nil {
		return nil, err
	}

	m.DashboardName = dash.DashboardName
	m.DashboardURL = pulumi.Sprintf("https://%s.console.aws.amazon.com/cloudwatch/home?region=%s#dashboards:name=%s", primary.Name, primary.Name, dash.DashboardName)
	m.TopicArns = topicArns.ToStringMapOutput()
	return m, ctx.RegisterResourceOutputs(m, pulumi.Map{"dashboardName": m.DashboardName, "dashboardUrl": m.DashboardURL, "topicArns": m.TopicArns})
}

// alarms creates one region's metric alarms, all notifying one topic.
type alarms struct {
	ctx    *pulumi.Context
	prefix string
	topic  pulumi.StringOutput
	opts   []pulumi.ResourceOption
}

// metric is a threshold alarm on one metric; it returns the alarm's name.
// Percentile statistics (p99) go to ExtendedStatistic, the rest to Statistic.
func (a alarms) metric(suffix, description, namespace, metric, stat string, dims pulumi.StringMap,
	comparison string, threshold float64, period, periods int, missing string,
) (pulumi.StringOutput, error) {
	name := fit(a.prefix+"-"+suffix, 255)
	args := &cloudwatch.MetricAlarmArgs{
		Name:               pulumi.String(name),
		AlarmDescription:   pulumi.String(description),
		Namespace:          pulumi.String(namespace),
		MetricName:         pulumi.String(metric),
		Dimensions:         dims,
		ComparisonOperator: pulumi.String(comparison),
		Threshold:          pulumi.Float64(threshold),
		Period:             pulumi.Int(period),
		EvaluationPeriods:  pulumi.Int(periods),
		TreatMissingData:   pulumi.String(missing),
		AlarmActions:       pulumi.Array{a.topic},
		OkActions:          pulumi.Array{a.topic},
	}
	if len(stat) > 1 && stat[0] == 'p' {
		args.ExtendedStatistic = pulumi.String(stat)
	} else {
		args.Statistic = pulumi.String(stat)
	}
	alarm, err := cloudwatch.NewMetricAlarm(a.ctx, name, args, a.opts...)
	if err != nil {
		return pulumi.StringOutput{}, err
	}
	// The output, not the name: a composite alarm naming it then waits for it.
	return alarm.Name, nil
}

// errorRate alarms on the share of requests answered with a 5xx, by the
// targets or by the load balancer itself, over 3 of 5 minutes.
func (a alarms) errorRate(lb pulumi.StringMap, percent float64) (pulumi.StringOutput, error) {
	name := fit(a.prefix+"-5xx-rate", 255)
	q := func(id, metric string) *cloudwatch.MetricAlarmMetricQueryArgs {
		return &cloudwatch.MetricAlarmMetricQueryArgs{
			Id: pulumi.String(id),
			Metric: &cloudwatch.MetricAlarmMetricQueryMetricArgs{
				Namespace: pulumi.String("AWS/ApplicationELB"), MetricName: pulumi.String(metric),
				Dimensions: lb, Stat: pulumi.String("Sum"), Period: pulumi.Int(60),
			},
		}
	}
	alarm, err := cloudwatch.NewMetricAlarm(a.ctx, name, &cloudwatch.MetricAlarmArgs{
		Name:               pulumi.String(name),
		AlarmDescription:   pulumi.Sprintf("5xx responses above %v%% of requests", percent),
		ComparisonOperator: pulumi.String("GreaterThanThreshold"),
		Threshold:          pulumi.Float64(percent),
		EvaluationPeriods:  pulumi.Int(5),
		DatapointsToAlarm:  pulumi.Int(3),
		TreatMissingData:   pulumi.String("notBreaching"),
		MetricQueries: cloudwatch.MetricAlarmMetricQueryArray{
			q("target5xx", "HTTPCode_Target_5XX_Count"),
			q("elb5xx", "HTTPCode_ELB_5XX_Count"),
			q("requests", "RequestCount"),
			&cloudwatch.MetricAlarmMetricQueryArgs{
				Id:         pulumi.String("rate"),
				Expression: pulumi.String("100 * (FILL(target5xx, 0) + FILL(elb5xx, 0)) / requests"),
				Label:      pulumi.String("5xx %"),
				ReturnData: pulumi.Bool(true),
			},
		},
		AlarmActions: pulumi.Array{a.topic},
		OkActions:    pulumi.Array{a.topic},
	}, a.opts...)
	if err != nil {
		return pulumi.StringOutput{}, err
	}
	return alarm.Name, nil
}

// DashboardRegion is one row of the dashboard, with resolved identifiers.
type DashboardRegion struct {
	Name               string
	Primary            bool
	LoadBalancer       string // ARN suffix
	TargetGroup        string // ARN suffix
	HealthCheckID      string
	WebACL             string
	DatabaseCluster    string
	InboundReplication []DashboardReplication
	// ReleaseGate is the region's release gate function ("" for none).
	ReleaseGate string
}

// DashboardReplication is a replication path into a row's region.
type DashboardReplication struct {
	SourceRegion, SourceBucket, TargetBucket, RuleID string
}

// Dashboard is a CloudWatch dashboard body.
type Dashboard struct {
	Widgets []Widget `json:"widgets"`
}

// Widget is one dashboard widget.
type Widget struct {
	Type       string           `json:"type"`
	X          int              `json:"x"`
	Y          int              `json:"y"`
	Width      int              `json:"width"`
	Height     int              `json:"height"`
	Properties WidgetProperties `json:"properties"`
}

// WidgetProperties are a widget's settings: a metric widget's, where each
// entry of Metrics is [namespace, metric, dimension name, value, ...,
// {options}], or a text widget's Markdown.
type WidgetProperties struct {
	Title    string  `json:"title,omitempty"`
	Region   string  `json:"region,omitempty"`
	View     string  `json:"view,omitempty"`
	Stat     string  `json:"stat,omitempty"`
	Period   int     `json:"period,omitempty"`
	Metrics  [][]any `json:"metrics,omitempty"`
	Markdown string  `json:"markdown,omitempty"`
}

// DashboardRowTitles are the widgets of every row, left to right; the last,
// a full-width line under the graphs, links to the region's traces and logs.
var DashboardRowTitles = []string{"requests and releases", "5xx", "p99 latency", "healthy hosts", "database replication lag", "storage replication latency", "WAF allowed/blocked", "health check", "traces and logs"}

// dashboardRowHeight is a region's graphs (6) and its links line (2).
const dashboardRowHeight = 8

// DashboardBody is the dashboard JSON: one row per region with the widgets
// of DashboardRowTitles, each 3 of the 24 columns wide.
func DashboardBody(rows []DashboardRegion) (string, error) {
	var d Dashboard
	for i, r := range rows {
		lb := []any{"LoadBalancer", r.LoadBalancer}
		tg := []any{"TargetGroup", r.TargetGroup, "LoadBalancer", r.LoadBalancer}
		metric := func(ns, name string, dims []any, opts ...map[string]any) []any {
			m := append([]any{ns, name}, dims...)
			for _, o := range opts {
				m = append(m, o)
			}
			return m
		}
		role := "active"
		if r.Primary {
			role = "primary"
		}
		dbLag := [][]any{}
		if r.DatabaseCluster != "" && !r.Primary {
			dbLag = append(dbLag, metric("AWS/RDS", "AuroraGlobalDBReplicationLag", []any{"DBClusterIdentifier", r.DatabaseCluster}))
		}
		s3Lag := [][]any{}
		for _, rep := range r.InboundReplication {
			s3Lag = append(s3Lag, metric("AWS/S3", "ReplicationLatency",
				[]any{"SourceBucket", rep.SourceBucket, "DestinationBucket", rep.TargetBucket, "RuleId", rep.RuleID},
				map[string]any{"region": rep.SourceRegion, "label": "from " + rep.SourceRegion}))
		}
		waf := []any{"WebACL", r.WebACL, "Region", r.Name, "Rule", "ALL"}
		requests := [][]any{metric("AWS/ApplicationELB", "RequestCount", lb)}
		if r.ReleaseGate != "" {
			// Releases on the requests graph: each wave's gate run, and a
			// failed one (the wave stopped and rolled back), on the right axis.
			gate := []any{"FunctionName", r.ReleaseGate}
			requests = append(requests,
				metric("AWS/Lambda", "Invocations", gate, map[string]any{"label": "release gate runs", "yAxis": "right"}),
				metric("AWS/Lambda", "Errors", gate, map[string]any{"label": "failed releases", "yAxis": "right", "color": "#d62728"}))
		}
		widgets := []struct {
			region, stat string
			metrics      [][]any
		}{
			{r.Name, "Sum", requests},
			{r.Name, "Sum", [][]any{metric("AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", lb), metric("AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count", lb)}},
			{r.Name, "p99", [][]any{metric("AWS/ApplicationELB", "TargetResponseTime", lb)}},
			{r.Name, "Minimum", [][]any{metric("AWS/ApplicationELB", "HealthyHostCount", tg)}},
			{r.Name, "Maximum", dbLag},
			{r.Name, "Maximum", s3Lag},
			{r.Name, "Sum", [][]any{metric("AWS/WAFV2", "AllowedRequests", waf), metric("AWS/WAFV2", "BlockedRequests", waf)}},
			{GlobalRegion, "Minimum", [][]any{metric("AWS/Route53", "HealthCheckStatus", []any{"HealthCheckId", r.HealthCheckID})}},
		}
		for j, w := range widgets {
			title := fmt.Sprintf("%s (%s): %s", r.Name, role, DashboardRowTitles[j])
			if len(w.metrics) == 0 {
				// A metric widget needs a metric: say why there is none.
				d.Widgets = append(d.Widgets, Widget{Type: "text", X: j * 3, Y: i * dashboardRowHeight, Width: 3, Height: 6,
					Properties: WidgetProperties{Markdown: "### " + title + "\n\nNothing replicates into this region: it holds the writer."}})
				continue
			}
			d.Widgets = append(d.Widgets, Widget{
				Type: "metric", X: j * 3, Y: i * dashboardRowHeight, Width: 3, Height: 6,
				Properties: WidgetProperties{
					Title:  title,
					Region: w.region, View: "timeSeries", Stat: w.stat, Period: 60, Metrics: w.metrics,
				},
			})
		}
		d.Widgets = append(d.Widgets, linksWidget(i, r.Name, role))
	}
	b, err := json.Marshal(d)
	return string(b), err
}

// linksWidget is a region's line of links to its X-Ray traces and its logs.
func linksWidget(row int, region, role string) Widget {
	console := fmt.Sprintf("https://%s.console.aws.amazon.com", region)
	return Widget{Type: "text", X: 0, Y: row*dashboardRowHeight + 6, Width: 24, Height: 2, Properties: WidgetProperties{
		Markdown: fmt.Sprintf("### %s (%s): %s\n\n[X-Ray traces](%s/cloudwatch/home?region=%s#xray:traces/query) · [service map](%s/cloudwatch/home?region=%s#xray:service-map/map) · [Logs Insights](%s/cloudwatch/home?region=%s#logsV2:logs-insights)",
			region, role, DashboardRowTitles[len(DashboardRowTitles)-1], console, region, console, region, console, region),
	}}
}
