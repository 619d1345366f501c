package gcp

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/eventarc"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/monitoring"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/projects"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/pubsub"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/serviceaccount"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/workflows"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// FailoverArgs configures a Failover: a traffic switch (URLMapSelfLink and
// StandbyBackendSelfLink), a database promotion (Promote), or both.
type FailoverArgs struct {
	Project       string // required
	ProjectNumber string // required: names Cloud Monitoring's service agent
	// StandbyRegion runs the automation, away from the primary it replaces.
	StandbyRegion          string
	URLMapSelfLink         pulumi.StringInput
	StandbyBackendSelfLink pulumi.StringInput // the standby region's backend service
	Promote                *Promotion
	// PrimaryCheckID is the uptime check of the primary's own hostname.
	PrimaryCheckID pulumi.StringInput
	// Notify are notification channels (e-mail) that hear of the switch too.
	Notify pulumi.StringArrayInput
}

// Promotion is the Cloud SQL part of a failover: the standby region's
// replica is promoted and the writer's record moved to it.
type Promotion struct {
	Instance pulumi.StringInput // the replica to promote
	Address  pulumi.StringInput // its private address
	Zone     pulumi.StringInput // the private zone holding the writer record
	Record   pulumi.StringInput // the writer record's name, with its dot (GlobalDatabase.WriterRecord)
}

// Failover is the automated loss-of-primary response. At the pinned SDK
// version neither Cloud DNS health checks (internal load balancers only) nor
// backend preferences reach a serverless backend, and Cloud SQL does not
// promote a cross-region replica by itself, so both are automated: when the
// primary's uptime check fails from at least two checker regions for two
// minutes, Cloud Monitoring publishes the incident to Pub/Sub, Eventarc
// starts a workflow in the standby region, and the workflow (once it has
// seen the primary healthy at least once) points the URL map's default
// service at the standby's backend service (active-passive) and, at the same
// time, promotes the standby's Cloud SQL replica and moves the writer's
// record to it. Failback is a deliberate operator step (docs/gcp.md).
type Failover struct {
	pulumi.ResourceState

	WorkflowID pulumi.StringOutput `pulumi:"workflowId"`
	TopicID    pulumi.StringOutput `pulumi:"topicId"`
}

// NewFailover builds the automation. Pass the standby region's provider in opts.
func NewFailover(ctx *pulumi.Context, name string, args FailoverArgs, opts ...pulumi.ResourceOption) (*Failover, error) {
	if args.Project == "" || args.ProjectNumber == "" || args.StandbyRegion == "" || args.PrimaryCheckID == nil {
		return nil, fmt.Errorf("failover %s: Project, ProjectNumber, StandbyRegion and PrimaryCheckID are required", name)
	}
	if (args.URLMapSelfLink == nil) != (args.StandbyBackendSelfLink == nil) || args.URLMapSelfLink == nil && args.Promote == nil {
		return nil, fmt.Errorf("failover %s: a traffic switch (URLMapSelfLink and StandbyBackendSelfLink), a Promote, or both are required", name)
	}
	if p := args.Promote; p != nil && (p.Instance == nil || p.Address == nil || p.Zone == nil || p.Record == nil) {
		return nil, fmt.Errorf("failover %s: Promote needs Instance, Address, Zone and Record", name)
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
			Content: pulumi.String("The primary region failed its uptime check: the failover workflow points the load balancer at the standby and promotes the standby's Cloud SQL replica, as configured. Failback is an operator step (docs/gcp.md, \"How failover works on Google Cloud\").")},
	}, child, pulumi.DependsOn([]pulumi.Resource{publishes})); err != nil { // no incident before the agent may publish
		return nil, err
	}

	runner, err := serviceaccount.NewAccount(ctx, name+"-workflow", &serviceaccount.AccountArgs{
		AccountId: pulumi.String(resourceName(name+"-workflow", 30)), DisplayName: pulumi.String("mobile-backend failover workflow"),
	}, child)
	if err != nil {
		return nil, err
	}
	// The narrowest roles that may read the primary's uptime history, patch
	// a URL map, promote a replica and move the writer's record.
	type grant struct {
		suffix string
		role   pulumi.StringInput
	}
	roles := []grant{{"monitoring.viewer", pulumi.String("roles/monitoring.viewer")}}
	if args.URLMapSelfLink != nil {
		roles = append(roles, grant{"compute.loadBalancerAdmin", pulumi.String("roles/compute.loadBalancerAdmin")})
	}
	if args.Promote != nil {
		// No predefined role holds only these (cloudsql.admin and dns.admin
		// hold far more): a custom role, its id of letters, digits and _.
		role, err := projects.NewIAMCustomRole(ctx, name+"-promote", &projects.IAMCustomRoleArgs{
			RoleId:      pulumi.String(strings.ReplaceAll(resourceName(name+"-promote", 64), "-", "_")),
			Title:       pulumi.String("mobile-backend failover: promote the Cloud SQL replica, move the writer record"),
			Permissions: pulumi.ToStringArray(PromotePermissions),
			Stage:       pulumi.String("GA"),
		}, child)
		if err != nil {
			return nil, err
		}
		roles = append(roles, grant{"promote", role.Name})
	}
	var grants []pulumi.Resource
	for _, r := range roles {
		g, err := projects.NewIAMMember(ctx, fmt.Sprintf("%s-workflow-%s", name, r.suffix), &projects.IAMMemberArgs{
			Project: pulumi.String(args.Project), Role: r.role,
			Member: pulumi.Sprintf("serviceAccount:%s", runner.Email),
		}, child)
		if err != nil {
			return nil, err
		}
		grants = append(grants, g)
	}
	// Absent parts resolve to "": FailoverWorkflow leaves their steps out.
	orEmpty := func(in pulumi.StringInput) pulumi.StringInput {
		if in == nil {
			return pulumi.String("")
		}
		return in
	}
	p := args.Promote
	if p == nil {
		p = &Promotion{}
	}
	source := pulumi.All(args.PrimaryCheckID, orEmpty(args.URLMapSelfLink), orEmpty(args.StandbyBackendSelfLink),
		orEmpty(p.Instance), orEmpty(p.Address), orEmpty(p.Zone), orEmpty(p.Record)).ApplyT(func(v []any) (string, error) {
		w := FailoverSteps{CheckID: v[0].(string), URLMap: v[1].(string), Standby: v[2].(string)}
		if args.Promote != nil {
			w.Promote = &WorkflowPromotion{Instance: v[3].(string), Address: v[4].(string), Zone: v[5].(string), Record: v[6].(string)}
		}
		return FailoverWorkflow(args.Project, w)
	}).(pulumi.StringOutput)
	wf, err := workflows.NewWorkflow(ctx, name, &workflows.WorkflowArgs{
		Name:           pulumi.String(resourceName(name, 64)),
		Region:         pulumi.String(args.StandbyRegion),
		Description:    pulumi.String("When the primary's uptime check fails: point the load balancer at the standby, promote its Cloud SQL replica, as configured"),
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

// PromotePermissions are the failover workflow's rights on Cloud SQL and
// Cloud DNS: promote a replica (and read it while the connector waits for
// the operation), and patch the writer's record (Cloud SQL Admin and Cloud
// DNS API references: permissions per method).
var PromotePermissions = []string{
	"cloudsql.instances.get", "cloudsql.instances.promoteReplica",
	"dns.changes.create", "dns.changes.get", "dns.managedZones.get", "dns.resourceRecordSets.get", "dns.resourceRecordSets.update",
}

// FailoverSteps are what a failover workflow does after its guard: switch
// the URL map (URLMap and Standby, self links; empty for none) and promote a
// replica (nil for none).
type FailoverSteps struct {
	CheckID         string // the primary's uptime check
	URLMap, Standby string
	Promote         *WorkflowPromotion
}

// WorkflowPromotion is a promotion with its values known.
type WorkflowPromotion struct {
	Instance, Address, Zone, Record string // Record ends with a dot
}

// FailoverWorkflow is the workflow's source (JSON, which Workflows accepts
// like YAML): on an opened incident, if the primary's uptime check has passed
// at least once in UptimeHistorySeconds (a primary that never served, its
// managed certificate still provisioning, is not a failed one), switch the
// URL map's default service to the standby's backend service (read for its
// fingerprint, then patched) and promote the standby's replica, then move
// the writer's record to it; both at once, in parallel branches.
func FailoverWorkflow(project string, w FailoverSteps) (string, error) {
	oauth := map[string]any{"type": "OAuth2"}
	var traffic, database []map[string]any
	if w.URLMap != "" {
		traffic = []map[string]any{
			{"read": map[string]any{"call": "http.get", "args": map[string]any{"url": w.URLMap, "auth": oauth}, "result": "current"}},
			{"switchToStandby": map[string]any{"call": "http.patch", "args": map[string]any{
				"url": w.URLMap, "auth": oauth,
				"body": map[string]any{"defaultService": w.Standby, "fingerprint": "${current.body.fingerprint}"},
			}}},
		}
	}
	if p := w.Promote; p != nil {
		database = []map[string]any{
			// The connector waits for the long-running operation.
			{"promote": map[string]any{"call": "googleapis.sqladmin.v1.instances.promoteReplica", "args": map[string]any{
				"project": project, "instance": p.Instance,
			}}},
			// Cloud DNS rrsets.patch: the writer's name, now the promoted replica.
			{"pointWriter": map[string]any{"call": "http.patch", "args": map[string]any{
				"url":  fmt.Sprintf("https://dns.googleapis.com/dns/v1/projects/%s/managedZones/%s/rrsets/%s/A", project, p.Zone, p.Record),
				"auth": oauth,
				"body": map[string]any{"name": p.Record, "type": "A", "ttl": WriterTTL, "rrdatas": []string{p.Address}},
			}}},
		}
	}
	// Both: at once, in parallel branches; one: its steps.
	act := append(traffic, database...)
	if traffic != nil && database != nil {
		act = []map[string]any{{"failover": map[string]any{"parallel": map[string]any{"branches": []map[string]any{
			{"traffic": map[string]any{"steps": traffic}}, {"database": map[string]any{"steps": database}},
		}}}}}
	}
	steps := []map[string]any{
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
				"filter":                         fmt.Sprintf(`metric.type="monitoring.googleapis.com/uptime_check/check_passed" AND metric.label.check_id="%s"`, w.CheckID),
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
	}
	steps = append(steps, act...)
	steps = append(steps,
		map[string]any{"done": map[string]any{"return": Switched}},
		map[string]any{"neverHealthy": map[string]any{"return": NeverHealthy}},
	)
	b, err := json.Marshal(map[string]any{"main": map[string]any{"params": []string{"event"}, "steps": steps}})
	return string(b), err
}

// Switched is what the workflow returns when it acted.
const Switched = "failed over to the standby region"

// notify is the trigger's channel followed by the operators' channels.
func notify(trigger pulumi.StringInput, others pulumi.StringArrayInput) pulumi.StringArrayOutput {
	if others == nil {
		return pulumi.StringArray{trigger}.ToStringArrayOutput()
	}
	return pulumi.All(trigger, others).ApplyT(func(v []any) []string {
		return append([]string{v[0].(string)}, v[1].([]string)...)
	}).(pulumi.StringArrayOutput)
}
