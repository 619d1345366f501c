package policies

import (
	"fmt"
	"strings"

	"github.com/mobile-backend/mobile-backend/internal/mock"
	"github.com/mobile-backend/mobile-backend/internal/spec"
)

// EveryRegionServedAndWatched: every region has compute, a health check and alerts.
var EveryRegionServedAndWatched = Policy{
	Name:        "every-region-served-and-watched",
	Description: "Every region runs the API, is health-checked and raises alerts.",
	Severity:    Mandatory,
	Check: func(s Stack) []Violation {
		var vs []Violation
		missing := func(region, what string) {
			vs = append(vs, violation(nil, "region %s has no %s", region, what))
		}
		inRegion := func(typ string) map[string]bool {
			out := map[string]bool{}
			for _, r := range s.OfType(typ) {
				out[r.Region] = true
			}
			return out
		}
		switch s.Spec.Cloud {
		case spec.AWS:
			compute, alarms := inRegion("aws:ecs/service:Service"), inRegion("aws:cloudwatch/compositeAlarm:CompositeAlarm")
			albs := map[string]string{}
			for _, lb := range s.OfType("aws:lb/loadBalancer:LoadBalancer") {
				albs[lb.Region], _ = lb.Outputs["dnsName"].(string)
			}
			checked := map[string]bool{}
			for _, hc := range s.OfType("aws:route53/healthCheck:HealthCheck") {
				checked[hc.Str("fqdn")] = true
			}
			for _, r := range s.Spec.RegionNames {
				if !compute[r] {
					missing(r, "ECS service")
				}
				if albs[r] == "" || !checked[albs[r]] {
					missing(r, "Route 53 health check on its load balancer")
				}
				if !alarms[r] {
					missing(r, "region-down alarm")
				}
			}
		case spec.GCP:
			compute := inRegion("gcp:cloudrunv2/service:Service")
			checked := map[string]bool{}
			for _, u := range s.OfType("gcp:monitoring/uptimeCheckConfig:UptimeCheckConfig") {
				checked[u.Str("monitoredResource.labels.host")] = true
			}
			for _, r := range s.Spec.RegionNames {
				if !compute[r] {
					missing(r, "Cloud Run service")
				}
				if !checked[r+"."+s.Spec.Domain] {
					missing(r, "uptime check")
				}
			}
			if len(s.OfType("gcp:monitoring/alertPolicy:AlertPolicy")) == 0 {
				vs = append(vs, violation(nil, "the stack has no alert policy"))
			}
		case spec.Azure:
			compute := inRegion("azure-native:app/v20240301:ContainerApp")
			probed := map[string]bool{}
			groups := map[string]bool{}
			for _, g := range s.OfType("azure-native:cdn:AFDOriginGroup") {
				groups[g.Str("originGroupName")] = g.Get("healthProbeSettings") != nil
			}
			hosts := map[string]string{}
			for _, a := range s.OfType("azure-native:app/v20240301:ContainerApp") {
				hosts[a.Region], _ = a.Out("configuration.ingress.fqdn").(string)
			}
			for _, o := range s.OfType("azure-native:cdn:AFDOrigin") {
				if groups[o.Str("originGroupName")] {
					for _, t := range targets(o, "hostName") {
						probed[t] = true
					}
				}
			}
			alerted := map[string]bool{}
			for _, a := range s.OfType("azure-native:insights:MetricAlert") {
				for i := 0; i < a.Len("scopes"); i++ {
					alerted[a.Str(fmt.Sprintf("scopes.%d", i))] = true
				}
			}
			apps := map[string]string{}
			appURNs := map[string]string{}
			for _, a := range s.OfType("azure-native:app/v20240301:ContainerApp") {
				apps[a.Region], appURNs[a.Region] = a.ID, a.URN
			}
			for _, r := range s.Spec.RegionNames {
				if !compute[r] {
					missing(r, "container app")
				}
				if !probed[hosts[r]] && !probed[appURNs[r]] {
					missing(r, "Front Door health probe")
				}
				if !alerted[apps[r]] {
					missing(r, "metric alert")
				}
			}
		}
		return vs
	},
}

// targets are what the input at a path points at: its value, or, while the
// engine has not computed it (a first preview), the resources its top-level
// input's property dependencies name.
func targets(r *mock.Resource, path string) []string {
	v := r.Str(path)
	if !mock.Unresolved(v) {
		return []string{v}
	}
	return r.PropertyDeps[strings.SplitN(path, ".", 2)[0]]
}

func hasPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}
