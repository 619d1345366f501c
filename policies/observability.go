package policies

import (
	"fmt"
	"slices"

	"github.com/mobile-backend/mobile-backend/internal/mock"
)

// WAFAndLoadBalancerLogging: every request a load balancer or WAF decides on
// leaves a record someone can query after an incident.
var WAFAndLoadBalancerLogging = Policy{
	Name:        "waf-and-load-balancer-logging",
	Description: "ALB access logs on and every web ACL logged; backend services log requests (with Cloud Armor's decisions); Front Door sends its access and WAF logs to Log Analytics.",
	Severity:    Mandatory,
	Check: func(s Stack) []Violation {
		var vs []Violation
		for _, lb := range s.OfType("aws:lb/loadBalancer:LoadBalancer") {
			if !lb.Bool("accessLogs.enabled") || lb.Str("accessLogs.bucket") == "" {
				vs = append(vs, violation(lb, "load balancer writes no access logs"))
			}
		}
		logged := map[string]bool{}
		for _, c := range s.OfType("aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration") {
			for _, t := range targets(c, "resourceArn") {
				logged[t] = true
			}
		}
		for _, acl := range s.OfType("aws:wafv2/webAcl:WebAcl") {
			// A CloudFront ACL's logs rest in us-east-1 only: where data
			// may not, it keeps counts alone (and no sampled requests).
			if acl.Str("scope") == "CLOUDFRONT" && !s.Spec.MayRestIn(acl.Region) && !acl.Bool("visibilityConfig.sampledRequestsEnabled") {
				continue
			}
			if arn, _ := acl.Outputs["arn"].(string); !logged[arn] && !logged[acl.URN] {
				vs = append(vs, violation(acl, "web ACL has no logging configuration"))
			}
		}
		for _, b := range s.OfType("gcp:compute/backendService:BackendService") {
			if !b.Bool("logConfig.enable") {
				vs = append(vs, violation(b, "backend service does not log requests (nor Cloud Armor's decisions)"))
			}
		}
		categories := map[string][]string{}
		for _, d := range s.OfType("azure-native:insights:DiagnosticSetting") {
			for i := 0; i < d.Len("logs"); i++ {
				if d.Bool(fmt.Sprintf("logs.%d.enabled", i)) {
					for _, t := range targets(d, "resourceUri") {
						categories[t] = append(categories[t], d.Str(fmt.Sprintf("logs.%d.category", i)))
					}
				}
			}
		}
		for _, p := range s.OfType("azure-native:cdn:Profile") {
			got := append(categories[p.ID], categories[p.URN]...)
			for _, want := range []string{"FrontDoorAccessLog", "FrontDoorWebApplicationFirewallLog"} {
				if !slices.Contains(got, want) {
					vs = append(vs, violation(p, "Front Door does not send %s to Log Analytics", want))
				}
			}
		}
		return vs
	},
}

// AlertsRouted: an alert nobody receives is not an alert. Outside production
// a stack may run without a receiver (advisory); a production stack may not.
var AlertsRouted = Policy{
	Name:        "alerts-routed",
	Description: "Every SNS alarm topic has a subscriber and every alarm an action (or rolls an ECS deployment back); every GCP alert policy a notification channel; every Azure action group a receiver and every metric alert an action (set `alertEmails`).",
	Severity:    Advisory,
	SeverityIn:  productionMandatory,
	Check: func(s Stack) []Violation {
		severity := productionMandatory(s.Spec)
		var vs []Violation
		flag := func(r *mock.Resource, format string, args ...any) {
			v := violation(r, format, args...)
			v.Severity = severity
			vs = append(vs, v)
		}
		subscribed := map[string]bool{}
		for _, sub := range s.OfType("aws:sns/topicSubscription:TopicSubscription") {
			for _, t := range targets(sub, "topic") {
				subscribed[t] = true
			}
		}
		for _, topic := range s.OfType("aws:sns/topic:Topic") {
			if arn, _ := topic.Outputs["arn"].(string); !subscribed[arn] && !subscribed[topic.URN] {
				flag(topic, "alarm topic has no subscriber (set alertEmails)")
			}
		}
		// An ECS deployment alarm with rollback acts: ECS rolls the
		// deployment back (and the release gate fails pulumi up).
		// By the alarm's URN among the service's alarms input's sources:
		// in a first preview the names are not known yet.
		rollsBack := map[string]bool{}
		for _, svc := range s.OfType("aws:ecs/service:Service") {
			if svc.Bool("alarms.enable") && svc.Bool("alarms.rollback") {
				for _, u := range svc.PropertyDeps["alarms"] {
					rollsBack[u] = true
				}
			}
		}
		for _, typ := range []string{"aws:cloudwatch/metricAlarm:MetricAlarm", "aws:cloudwatch/compositeAlarm:CompositeAlarm"} {
			for _, a := range s.OfType(typ) {
				if a.Len("alarmActions") == 0 && !rollsBack[a.URN] {
					flag(a, "alarm notifies nobody")
				}
			}
		}
		for _, p := range s.OfType("gcp:monitoring/alertPolicy:AlertPolicy") {
			if p.Len("notificationChannels") == 0 {
				flag(p, "alert policy has no notification channel (set alertEmails)")
			}
		}
		for _, g := range s.OfType("azure-native:insights:ActionGroup") {
			receivers := 0
			for _, k := range []string{"emailReceivers", "smsReceivers", "webhookReceivers", "azureAppPushReceivers", "logicAppReceivers"} {
				receivers += g.Len(k)
			}
			if receivers == 0 || !g.Bool("enabled") {
				flag(g, "action group has no receiver (set alertEmails)")
			}
		}
		for _, a := range s.OfType("azure-native:insights:MetricAlert") {
			if a.Len("actions") == 0 {
				flag(a, "metric alert notifies nobody")
			}
		}
		return vs
	},
}
