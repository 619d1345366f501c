package gcp

import (
	"encoding/json"
	"fmt"

	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/eventarc"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/monitoring"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/projects"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/pubsub"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/serviceaccount"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/workflows"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// FailoverArgs configures a Failover.
type FailoverArgs struct {
	Project       string // required
	ProjectNumber string // required: names Cloud Monitoring's service agent
	// StandbyRegion runs the automation, away from the primary it replaces.
	StandbyRegion          string
	URLMapSelfLink         pulumi.StringInput // required
	StandbyBackendSelfLink pulumi.StringInput // required: the standby region's backend service
	// PrimaryCheckID is the uptime check of the primary's own hostname.
	PrimaryCheckID pulumi.StringInput
	// Notify are notification channels (e-mail) that hear of the switch too.
	Notify pulumi.StringArrayInput
}

// Failover is active-passive failover for the global load balancer. At the
// pinned SDK version neither Cloud DNS health checks (internal load
// balancers only) nor backend preferences reach a serverless backend, so the
// switch is automated instead: when the primary's uptime check fails from
// at least two checker regions for two minutes, Cloud Monitoring publishes the
// incident to Pub/Sub, Eventarc starts a workflow in the standby region, and
// the workflow points the URL map's default service at the standby's backend
// service. Failback is a deliberate operator step (see the README).
type Failover struct {
	pulumi.ResourceState

	WorkflowID pulumi.StringOutput `pulumi:"workflowId"`
	TopicID    pulumi.StringOutput `pulumi:"topicId"`
}

// NewFailover builds the automation. Pass the standby region's provider in opts.
func NewFailover(ctx *pulumi.Context, name string, args FailoverArgs, opts ...pulumi.ResourceOption) (*Failover, error) {
	if args.Project == "" || args.ProjectNumber == "" || args.StandbyRegion == "" || args.URLMapSelfLink == nil || args.StandbyBackendSelfLink == nil || args.PrimaryCheckID == nil {
		return nil, fmt.Errorf("failover %s: Project, ProjectNumber, StandbyRegion, URLMapSelfLink, StandbyBackendSelfLink and PrimaryCheckID are required", name)
	}
	f := &Failover{}
	if err := ctx.RegisterComponentResource("mobile-backend:gcp:Failover", name, f, opts...); err != nil {
		return nil, err
	}
	child := pulumi.Parent(f)

	topic, err := pubsub.NewTopic(ctx, name, &pubsub.TopicArgs{Name: pulumi.String(resourceName(name, 255))}, child)
	if err != nil {
		return nil, err
	}
	channel, err := monitoring.NewNotificationChannel(ctx, name, &monitoring.NotificationChannelArgs{
		DisplayName: pulumi.String(name + ": failover trigger"),
		Type:        pulumi.String("pubsub"),
		Labels:      pulumi.StringMap{"topic": topic.ID()},
	}, child)
	if err != nil {
		return nil, err
	}
	// Google creates Cloud Monitoring's notification agent with the project's
	// first Pub/Sub channel, so the grant to it waits for the channel
	// (cloud.google.com/monitoring/support/notification-options#pubsub).
	publishes, err := pubsub.NewTopicIAMMember(ctx, name+"-monitoring-publishes", &pubsub.TopicIAMMemberArgs{
		Topic:  topic.ID(),
		Role:   pulumi.String("roles/pubsub.publisher"),
		Member: pulumi.String(fmt.Sprintf("serviceAccount:service-%s@gcp-sa-monitoring-notification.iam.gserviceaccount.com", args.ProjectNumber)),
	}, child, pulumi.DependsOn([]pulumi.Resource{channel}))
	if err != nil {
		return nil, err
	}
	if _, err := monitoring.NewAlertPolicy(ctx, name+"-primary-down", &monitoring.AlertPolicyArgs{
		DisplayName: pulumi.String(name + ": primary region down"),
		Combiner:    pulumi.String("OR"),
		Conditions: monitoring.AlertPolicyConditionArray{&monitoring.AlertPolicyConditionArgs{
			DisplayName:        pulumi.String("the primary's uptime check fails from two checker regions"),
			ConditionThreshold: FailoverCondition(args.PrimaryCheckID),
		}},
		// The workflow's trigger, and the operators: a switch is never silent.
		NotificationChannels: notify(channel.Name, args.Notify),
		Documentation: &monitoring.AlertPolicyDocumentationArgs{MimeType: pulumi.String("text/markdown"),
			Content: pulumi.String("The primary region failed its uptime check: the failover workflow points the load balancer at the standby. Failback is an operator step (docs/gcp.md, \"How failover works on Google Cloud\").")},
	}, child, pulumi.DependsOn([]pulumi.Resource{publishes})); err != nil { // no incident before the agent may publish
		return nil, err
	}

	runner, err := serviceaccount.NewAccount(ctx, name+"-workflow", &serviceaccount.AccountArgs{
		AccountId: pulumi.String(resourceName(name+"-workflow", 30)), DisplayName: pulumi.String("mobile-backend failover workflow"),
	}, child)
	if err != nil {
		return nil, err
	}
	// The narrowest predefined roles that may patch a URL map, and read the
	// primary's uptime history.
	var grants []pulumi.Resource
	for _, role := range []string{"roles/compute.loadBalancerAdmin", "roles/monitoring.viewer"} {
		g, err := projects.NewIAMMember(ctx, fmt.Sprintf("%s-workflow-%s", name, role[len("roles/"):]), &projects.IAMMemberArgs{
			Project: pulumi.String(args.Project), Role: pulumi.String(role),
			Member: pulumi.Sprintf("serviceAccount:%s", runner.Email),
		}, child)
		if err != nil {
			return nil, err
		}
		grants = append(grants, g)
	}
	source := pulumi.All(args.URLMapSelfLink, args.StandbyBackendSelfLink, args.PrimaryCheckID).ApplyT(func(v []any) (string, error) {
		return FailoverWorkflow(args.Project, v[0].(string), v[1].(string), v[2].(string))
	}).(pulumi.StringOutput)
	wf, err := workflows.NewWorkflow(ctx, name, &workflows.WorkflowArgs{
		Name:           pulumi.String(resourceName(name, 64)),
		Region:         pulumi.String(args.StandbyRegion),
		Description:    pulumi.String("Point the load balancer at the standby region when the primary's uptime check fails"),
		ServiceAccount: runner.ID(),
		SourceContents: source,
		CallLogLevel:   pulumi.String("LOG_ALL_CALLS"),
	}, child, pulumi.DependsOn(grants))
	if err != nil {
		return nil, err
	}
	trigger, err := serviceaccount.NewAccount(ctx, name+"-trigger", &serviceaccount.AccountArgs{
		AccountId: pulumi.String(resourceName(name+"-trigger", 30)), DisplayName: pulumi.String("mobile-backend failover trigger"),
	}, child)
	if err != nil {
		return nil, err
	}
	for _, role := range []string{"roles/workflows.invoker", "roles/eventarc.eventReceiver"} {
		if _, err := projects.NewIAMMember(ctx, fmt.Sprintf("%s-trigger-%s", name, role[len("roles/"):]), &projects.IAMMemberArgs{
			Project: pulumi.String(args.Project), Role: pulumi.String(role), Member: pulumi.Sprintf("serviceAccount:%s", trigger.Email),
		}, child); err != nil {
			return nil, err
		}
	}
	if _, err := eventarc.NewTrigger(ctx, name, &eventarc.TriggerArgs{
		Name:     pulumi.String(resourceName(name, 63)),
		Location: pulumi.String(args.StandbyRegion),
		MatchingCriterias: eventarc.TriggerMatchingCriteriaArray{&eventarc.TriggerMatchingCriteriaArgs{
			Attribute: pulumi.String("type"), Value: pulumi.String("google.cloud.pubsub.topic.v1.messagePublished"),
		}},
		Transport:      &eventarc.TriggerTransportArgs{Pubsub: &eventarc.TriggerTransportPubsubArgs{Topic: topic.ID()}},
		Destination:    &eventarc.TriggerDestinationArgs{Workflow: wf.ID()},
		ServiceAccount: trigger.Email,
	}, child); err != nil {
		return nil, err
	}
	f.WorkflowID = wf.ID().ToStringOutput()
	f.TopicID = topic.ID().ToStringOutput()
	return f, ctx.RegisterResourceOutputs(f, pulumi.Map{"workflowId": f.WorkflowID, "topicId": f.TopicID})
}

// UptimeHistorySeconds is how far back the workflow looks for a passed
// check of the primary: six weeks, the retention of uptime check metrics
// (Cloud Monitoring, "Data retention").
const UptimeHistorySeconds = 6 * 7 * 24 * 3600

// NeverHealthy is what the workflow returns when it does not switch because
// the primary has never passed its uptime check.
const NeverHealthy = "not switched: the primary has never passed its uptime check (first deployment?)"

// FailoverWorkflow is the workflow's source (JSON, which Workflows accepts
// like YAML): on an opened incident, if the primary's uptime check has passed
// at least once in UptimeHistorySeconds (a primary that never served, its
// managed certificate still provisioning, is not a failed one), read the URL
// map for its fingerprint and patch its default service to the standby's
// backend service.
func FailoverWorkflow(project, urlMap, standby, checkID string) (string, error) {
	oauth := map[string]any{"type": "OAuth2"}
	wf := map[string]any{"main": map[string]any{
		"params": []string{"event"},
		"steps": []map[string]any{
			{"decode": map[string]any{"assign": []map[string]any{
				{"alert": "${json.decode(base64.decode(event.data.message.data))}"},
			}}},
			{"onlyWhenOpened": map[string]any{"switch": []map[string]any{
				{"condition": `${alert.incident.state != "open"}`, "next": "end"},
			}}},
			{"window": map[string]any{"assign": []map[string]any{
				{"now": "${sys.now()}"},
				{"since": fmt.Sprintf("${time.format(now - %d)}", UptimeHistorySeconds)},
				{"until": "${time.format(now)}"},
			}}},
			// projects.timeSeries.list: the passed checks over the window, summed.
			{"history": map[string]any{"call": "http.get", "args": map[string]any{
				"url": fmt.Sprintf("https://monitoring.googleapis.com/v3/projects/%s/timeSeries", project), "auth": oauth,
				"query": map[string]any{
					"filter":                         fmt.Sprintf(`metric.type="monitoring.googleapis.com/uptime_check/check_passed" AND metric.label.check_id="%s"`, checkID),
					"interval.startTime":             "${since}",
					"interval.endTime":               "${until}",
					"aggregation.alignmentPeriod":    fmt.Sprintf("%ds", UptimeHistorySeconds),
					"aggregation.perSeriesAligner":   "ALIGN_COUNT_TRUE",
					"aggregation.crossSeriesReducer": "REDUCE_SUM",
				},
			}, "result": "history"}},
			{"noHistory": map[string]any{"switch": []map[string]any{
				{"condition": `${not("timeSeries" in history.body)}`, "next": "neverHealthy"},
			}}},
			{"neverPassed": map[string]any{"switch": []map[string]any{
				{"condition": `${int(history.body.timeSeries[0].points[0].value.int64Value) == 0}`, "next": "neverHealthy"},
			}}},
			{"read": map[string]any{"call": "http.get", "args": map[string]any{"url": urlMap, "auth": oauth}, "result": "current"}},
			{"switchToStandby": map[string]any{"call": "http.patch", "args": map[string]any{
				"url": urlMap, "auth": oauth,
				"body": map[string]any{"defaultService": standby, "fingerprint": "${current.body.fingerprint}"},
			}, "result": "operation"}},
			{"done": map[string]any{"return": "${operation.body}"}},
			{"neverHealthy": map[string]any{"return": NeverHealthy}},
		},
	}}
	b, err := json.Marshal(wf)
	return string(b), err
}

// notify is the trigger's channel followed by the operators' channels.
func notify(trigger pulumi.StringInput, others pulumi.StringArrayInput) pulumi.StringArrayOutput {
	if others == nil {
		return pulumi.StringArray{trigger}.ToStringArrayOutput()
	}
	return pulumi.All(trigger, others).ApplyT(func(v []any) []string {
		return append([]string{v[0].(string)}, v[1].([]string)...)
	}).(pulumi.StringArrayOutput)
}
