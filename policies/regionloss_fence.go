package policies

// The fence of api-writes: once the automation promotes another region, the
// lost writer, when it returns, takes no more of the app's writes. A
// promotion without it leaves two writers (AWS: the old region's tasks
// write to a global endpoint that now resolves into another network; Google
// Cloud: pooled connections keep writing to the old primary; Azure: Front
// Door sends the old region API traffic again).

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/mobile-backend/mobile-backend/internal/failover"
	"github.com/mobile-backend/mobile-backend/internal/mock"
)

// byRef is the resource of a type that a reference names: its id when
// known, else the URN of the resource the input came from.
func (v lossView) byRef(typ string, refs []string) *mock.Resource {
	for _, r := range v.OfType(typ) {
		if slices.Contains(refs, r.ID) || slices.Contains(refs, r.URN) {
			return r
		}
	}
	return nil
}

// awsUnfenced says why a promoting watch does not fence the lost writer
// ("" when it does): the lost region's API record routes by a calculated
// check over one child that the engine never lowers, and the watch raises
// that check's threshold past its children, which its role may.
func (v lossView) awsUnfenced(w awsWatch) string {
	var route *mock.Resource
	for _, rec := range v.apiRecords() {
		if rec.Str("setIdentifier") == v.lost {
			route = v.byRef("aws:route53/healthCheck:HealthCheck", targets(rec, "healthCheckId"))
		}
	}
	switch {
	case route == nil:
		return fmt.Sprintf("%s's API record routes by no health check the watch can fence", v.lost)
	case route.Str("type") != "CALCULATED" || !slices.Contains(route.IgnoreChanges, "childHealthThreshold"):
		return fmt.Sprintf("%s's API record routes by %s, not by a calculated check whose threshold no pulumi up lowers: a disabled or inverted check is no fence", v.lost, route.Name)
	}
	if mock.Unresolved(w.def) {
		return "" // a first preview: the definition is not known yet
	}
	var def struct {
		States map[string]struct {
			Resource   string
			Parameters map[string]any
		}
	}
	_ = json.Unmarshal([]byte(w.def), &def)
	fences := false
	for _, s := range def.States {
		threshold, _ := s.Parameters["HealthThreshold"].(float64)
		if s.Resource == failover.ResourceUpdateCheck && s.Parameters["HealthCheckId"] == route.ID && int(threshold) > route.Len("childHealthchecks") {
			fences = true
		}
	}
	if !fences {
		return fmt.Sprintf("state machine %s promotes but never fences %s (no raise of %s's threshold past its children)", w.machine.Str("name"), v.lost, route.Name)
	}
	if !w.fencePermitted(route.ID) {
		return fmt.Sprintf("state machine %s may not call route53:UpdateHealthCheck on %s, %s's fence", w.machine.Str("name"), route.Name, v.lost)
	}
	return ""
}

// gcpUnfenced says why the failover job does not stop the lost Cloud SQL
// primary ("" when it does): OLD_PRIMARY names it, the instance ignores
// settings.activationPolicy, and the job may update it.
func (v lossView) gcpUnfenced(j *mock.Resource) string {
	var old *mock.Resource
	for _, i := range v.OfType("gcp:sql/databaseInstance:DatabaseInstance") {
		if i.Str("region") == v.lost && i.Str("masterInstanceName") == "" {
			old = i
		}
	}
	if old == nil {
		return "" // no primary in the lost region: nothing to stop
	}
	name := gcpJobEnv(j, "OLD_PRIMARY")
	switch {
	case name == "" || !mock.Unresolved(name) && name != old.Str("name"):
		return fmt.Sprintf("failover job %s promotes but never stops the old primary %s (OLD_PRIMARY)", j.Str("name"), old.Name)
	case !slices.Contains(old.IgnoreChanges, "settings.activationPolicy"):
		return fmt.Sprintf("the old primary %s does not ignore settings.activationPolicy: the next pulumi up would restart it", old.Name)
	case !v.gcpJobMay(j, "cloudsql.instances.update", "gcp:projects/iAMMember:IAMMember"):
		return fmt.Sprintf("failover job %s may not stop %s: its service account holds no role with cloudsql.instances.update", j.Str("name"), old.Name)
	}
	return ""
}

// azureUnfenced says why the failover job does not disable the lost
// writer's Front Door origin ("" when it does): WRITER_ORIGIN_ID names the
// lost region's API origin, which ignores enabledState, and the job's
// identity holds a role on it.
func (v lossView) azureUnfenced(j *mock.Resource) string {
	id := envValue(j, "template.containers.0.env", "WRITER_ORIGIN_ID")
	var origin *mock.Resource
	for _, o := range v.OfType("azure-native:cdn:AFDOrigin") {
		if strings.HasPrefix(o.Str("originName"), "api-") && v.originRegion(o) == v.lost {
			origin = o
		}
	}
	switch {
	case origin == nil:
		return ""
	case id == "" || !mock.Unresolved(id) && id != origin.ID:
		return fmt.Sprintf("failover job %s forces the group over but never disables %s's API origin (WRITER_ORIGIN_ID)", j.Str("jobName"), v.lost)
	case !slices.Contains(origin.IgnoreChanges, "enabledState"):
		return fmt.Sprintf("origin %s does not ignore enabledState: the next pulumi up would lift the fence", origin.Name)
	}
	for _, ra := range v.OfType("azure-native:authorization:RoleAssignment") {
		samePrincipal := slices.ContainsFunc(j.PropertyDeps["identity"], func(u string) bool { return slices.Contains(ra.PropertyDeps["principalId"], u) })
		onOrigin := ra.Str("scope") == origin.ID || slices.Contains(ra.PropertyDeps["scope"], origin.URN)
		if samePrincipal && onOrigin && strings.HasSuffix(ra.Str("roleDefinitionId"), "/"+cdnProfileContributor) {
			return ""
		}
	}
	return fmt.Sprintf("failover job %s may not disable origin %s: its identity holds no CDN Profile Contributor on it", j.Str("jobName"), origin.Name)
}

// cdnProfileContributor is the built-in role that may change a Front Door
// origin (Azure built-in roles).
const cdnProfileContributor = "ec156ff8-a8d1-4d15-830c-5b80698ca432"
