package policies

// The region-loss analysis of api-reads: the API answers reads after the loss.

import (
	"fmt"
	"slices"
	"strings"

	"github.com/mobile-backend/mobile-backend/components"
	"github.com/mobile-backend/mobile-backend/internal/mock"
	"github.com/mobile-backend/mobile-backend/internal/spec"
)

// apiReads: a routed origin with a health check in a surviving region.
func (v lossView) apiReads() FunctionLoss {
	switch v.Spec.Cloud {
	case spec.AWS:
		lbRegion := map[string]string{}
		for _, lb := range v.OfType("aws:lb/loadBalancer:LoadBalancer") {
			if dns, _ := lb.Outputs["dnsName"].(string); dns != "" {
				lbRegion[dns] = lb.Region
			}
		}
		var via []string
		for _, rec := range v.apiRecords() {
			target := lbRegion[rec.Str("aliases.0.name")]
			if target == "" || target == v.lost || rec.Str("healthCheckId") == "" {
				continue
			}
			policy := "latency"
			if p := rec.Str("failoverRoutingPolicies.0.type"); p != "" {
				policy = strings.ToLower(p)
			}
			via = append(via, fmt.Sprintf("%s (%s)", target, policy))
		}
		if len(via) == 0 {
			return broken("no health-checked Route 53 record of %s routes to a load balancer outside %s", v.Spec.Domain, v.lost)
		}
		return survived("Route 53 to "+strings.Join(via, ", "), v.rto(v.servingBefore()), 0)
	case spec.GCP:
		return v.gcpAPIReads()
	default:
		return v.azureOrigins("api", "API")
	}
}

// apiRecords are the Route 53 records of the API hostname with a routing policy.
func (v lossView) apiRecords() []*mock.Resource {
	var out []*mock.Resource
	for _, rec := range v.OfType("aws:route53/record:Record") {
		if strings.TrimSuffix(rec.Str("name"), ".") == v.Spec.Domain && (rec.Len("failoverRoutingPolicies") > 0 || rec.Len("latencyRoutingPolicies") > 0) {
			out = append(out, rec)
		}
	}
	return out
}

func (v lossView) gcpAPIReads() FunctionLoss {
	negRegion := func(group string) string {
		if _, rest, ok := strings.Cut(group, "/regions/"); ok {
			return strings.SplitN(rest, "/", 2)[0]
		}
		return ""
	}
	for _, m := range v.OfType("gcp:compute/uRLMap:URLMap") {
		def := m.Str("defaultService")
		if def == "" {
			continue
		}
		for _, b := range v.OfType("gcp:compute/backendService:BackendService") {
			if !strings.HasSuffix(def, "/"+b.Str("name")) {
				continue
			}
			var alive []string
			for _, g := range b.Strs("backends", "group") {
				if r := negRegion(g); r != "" && r != v.lost {
					alive = append(alive, r)
				}
			}
			if len(alive) > 0 {
				took := slices.Contains(b.Strs("backends", "group"), "") || len(alive) < b.Len("backends")
				return survived("global load balancer to "+strings.Join(alive, ", "), v.rto(took), 0)
			}
			// The default backend is lost: a job outside the region must switch it.
			if j := v.gcpJob("URL_MAP"); j != nil {
				return survived(fmt.Sprintf("failover job %s in %s switches the URL map on the evidence", j.Str("name"), v.where(j)), v.rto(true), 0)
			}
			return broken("the URL map's default backend %s has no endpoint outside %s and no failover job outside it switches the map", b.Str("name"), v.lost)
		}
	}
	return broken("no URL map routes %s", v.Spec.Domain)
}

// gcpJob is the failover job living outside the lost region, running the
// job the scenario table ran, started there by a Cloud Scheduler job, that
// probes the lost region and has the action set (its environment variable
// does: URL_MAP, REPLICA), or nil.
func (v lossView) gcpJob(action string) *mock.Resource {
	j := gcpFailoverJob(v.Stack)
	if j == nil || !v.alive(j) || gcpJobEnv(j, action) == "" ||
		!strings.HasPrefix(gcpJobEnv(j, "WRITER_PROBE_URL"), "https://"+components.RegionalHostname(v.lost, v.Spec.Domain)) && !mock.Unresolved(gcpJobEnv(j, "WRITER_PROBE_URL")) {
		return nil
	}
	name, _ := j.Outputs["name"].(string)
	for _, sc := range v.OfType("gcp:cloudscheduler/job:Job") {
		if v.alive(sc) && v.where(sc) == v.where(j) && (name != "" && strings.Contains(sc.Str("httpTarget.uri"), "/jobs/"+name+":run") || mock.Unresolved(sc.Str("httpTarget.uri"))) {
			return j
		}
	}
	return nil
}

// azureOrigins: a probed Front Door origin group with an enabled origin
// outside the lost region.
func (v lossView) azureOrigins(group, what string) FunctionLoss {
	probed := false
	for _, g := range v.OfType("azure-native:cdn:AFDOriginGroup") {
		if g.Str("originGroupName") == group {
			probed = g.Get("healthProbeSettings") != nil
		}
	}
	if !probed {
		return broken("Front Door origin group %s has no health probe", group)
	}
	var alive []string
	for _, o := range v.OfType("azure-native:cdn:AFDOrigin") {
		if o.Str("originGroupName") != group || o.Str("enabledState") == "Disabled" {
			continue
		}
		if r := v.originRegion(o); r != "" && r != v.lost {
			alive = append(alive, r)
		}
	}
	if len(alive) == 0 {
		return broken("Front Door origin group %s has no %s origin outside %s", group, what, v.lost)
	}
	took := group == "api" && v.servingBefore() || group != "api"
	return survived(fmt.Sprintf("Front Door %s origins in %s", group, strings.Join(alive, ", ")), v.rto(took), 0)
}

// originRegion is the region of the app or storage account an origin's
// host name belongs to.
func (v lossView) originRegion(o *mock.Resource) string {
	host := o.Str("hostName")
	for _, a := range v.OfType("azure-native:app/v20240301:ContainerApp") {
		if fqdn, _ := a.Out("configuration.ingress.fqdn").(string); fqdn != "" && fqdn == host || slices.Contains(o.PropertyDeps["hostName"], a.URN) {
			return v.where(a)
		}
	}
	for _, a := range v.OfType("azure-native:storage:StorageAccount") {
		if name := a.Str("accountName"); name != "" && strings.HasPrefix(host, name+".") || slices.Contains(o.PropertyDeps["hostName"], a.URN) {
			return v.where(a)
		}
	}
	return ""
}
