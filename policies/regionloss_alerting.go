package policies

// The region-loss analysis of alerting: someone hears about the loss.

import (
	"fmt"
	"slices"
	"strings"

	"github.com/mobile-backend/mobile-backend/internal/mock"
	"github.com/mobile-backend/mobile-backend/internal/spec"
)

// alerting: an alarm or alert policy outside the lost region that fires on
// its loss and reaches a subscriber.
func (v lossView) alerting() FunctionLoss {
	switch v.Spec.Cloud {
	case spec.AWS:
		subscribed := map[string]bool{}
		for _, sub := range v.OfType("aws:sns/topicSubscription:TopicSubscription") {
			if v.alive(sub) {
				subscribed[sub.Str("topic")] = true
			}
		}
		// reaches: an alarm outside the lost region whose action is a topic
		// someone subscribed to.
		reaches := func(a *mock.Resource) bool {
			return v.alive(a) && slices.ContainsFunc(a.Strs("alarmActions", ""), func(t string) bool { return subscribed[t] })
		}
		host := ""
		for _, lb := range v.OfType("aws:lb/loadBalancer:LoadBalancer") {
			if lb.Region == v.lost {
				host, _ = lb.Outputs["dnsName"].(string)
			}
		}
		if host == "" { // a control-plane region only: the survivors' own alarms still reach people
			for _, a := range v.OfType("aws:cloudwatch/compositeAlarm:CompositeAlarm") {
				if reaches(a) {
					return survived(fmt.Sprintf("%s serves no traffic; the regions' alarms (%s, ...) reach their subscribers", v.lost, a.Name), 0, 0)
				}
			}
			return broken("no alarm outside %s reaches a subscriber", v.lost)
		}
		checks := map[string]bool{}
		for _, hc := range v.OfType("aws:route53/healthCheck:HealthCheck") {
			if hc.Str("fqdn") == host {
				checks[hc.ID] = true
			}
		}
		for _, a := range v.OfType("aws:cloudwatch/metricAlarm:MetricAlarm") {
			if a.Str("metricName") == "HealthCheckStatus" && checks[a.Str("dimensions.HealthCheckId")] && reaches(a) {
				return survived(fmt.Sprintf("alarm %s in %s on its Route 53 health check", a.Name, a.Region), 0, 0)
			}
		}
		// A region watch outside it probes its own hostname and alerts.
		for _, w := range v.awsWatches() {
			if w.alerts(subscribed) {
				return survived(fmt.Sprintf("region watch %s in %s probes it and alerts", w.machine.Str("name"), w.machine.Region), 0, 0)
			}
		}
		// The writer's loss also shows from the other regions: their Aurora
		// members stop receiving replication (missing data is breaching).
		for _, a := range v.OfType("aws:cloudwatch/metricAlarm:MetricAlarm") {
			if v.writerLost() && a.Str("metricName") == "AuroraGlobalDBReplicationLag" && a.Str("treatMissingData") == "breaching" && reaches(a) {
				return survived(fmt.Sprintf("alarm %s in %s on replication from the lost writer", a.Name, a.Region), 0, 0)
			}
		}
		return broken("the only alarms on %s's health live in %s itself (Route 53 health-check metrics exist in us-east-1 only)", v.lost, v.lost)
	case spec.GCP:
		channels := 0
		for _, c := range v.OfType("gcp:monitoring/notificationChannel:NotificationChannel") {
			if c.Str("type") == "email" || c.Str("type") == "webhook_tokenauth" {
				channels++
			}
		}
		for _, u := range v.OfType("gcp:monitoring/uptimeCheckConfig:UptimeCheckConfig") {
			if u.Str("monitoredResource.labels.host") == v.lost+"."+v.Spec.Domain {
				for _, a := range v.OfType("gcp:monitoring/alertPolicy:AlertPolicy") {
					id, _ := u.Outputs["uptimeCheckId"].(string)
					watches := id != "" && strings.Contains(a.Str("conditions.0.conditionThreshold.filter"), `check_id="`+id+`"`) || slices.Contains(a.PropertyDeps["conditions"], u.URN)
					if channels > 0 && a.Len("notificationChannels") > 0 && watches {
						return survived("alert policy "+a.Str("displayName")+" (Cloud Monitoring, global) on the region's uptime check", 0, 0)
					}
				}
			}
		}
		return broken("no alert policy with a notification channel watches %s's uptime check", v.lost)
	default:
		var groups []string
		for _, g := range v.OfType("azure-native:insights:ActionGroup") {
			if (g.Len("emailReceivers") > 0 || g.Len("webhookReceivers") > 0) && v.alive(g) {
				groups = append(groups, g.URN)
			}
		}
		for _, a := range v.OfType("azure-native:insights:MetricAlert") {
			if !v.alive(a) || len(groups) == 0 || !strings.Contains(a.Str("criteria.allOf.0.metricName"), "OriginHealth") {
				continue
			}
			return survived(fmt.Sprintf("metric alert %s on Front Door origin health (global)", a.Str("ruleName")), 0, 0)
		}
		return broken("no alert outside %s fires on its origins' health", v.lost)
	}
}
