package policies

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/mobile-backend/mobile-backend/components"
	"github.com/mobile-backend/mobile-backend/internal/azpublish"
	"github.com/mobile-backend/mobile-backend/internal/failover"
	"github.com/mobile-backend/mobile-backend/internal/mock"
	"github.com/mobile-backend/mobile-backend/internal/spec"
)

// The user-visible functions the region-loss analysis follows.
const (
	FnAPIReads        = "api-reads"
	FnAPIWrites       = "api-writes"
	FnUploads         = "uploads"
	FnStatic          = "static-content"
	FnSignIn          = "sign-in-material"
	FnAlerting        = "alerting"
	FnFailoverControl = "failover-control"
	FnDirectory       = "region-directory"
)

// Functions are the functions, in the order the table shows them.
var Functions = []string{FnAPIReads, FnAPIWrites, FnUploads, FnStatic, FnDirectory, FnSignIn, FnAlerting, FnFailoverControl}

// FunctionLoss is what becomes of one function when a region is lost: Via
// names what takes over or, when it does not survive, the missing link.
type FunctionLoss struct {
	Name       string `json:"name"`
	Survives   bool   `json:"survives"`
	Via        string `json:"via"`
	RTOSeconds int    `json:"rtoSeconds"`
	RPOSeconds int    `json:"rpoSeconds"`
}

// RegionLoss is the analysis of losing one region.
type RegionLoss struct {
	Region    string         `json:"region"`
	Functions []FunctionLoss `json:"functions"`
}

// lossView is the recorded graph with one region taken away.
type lossView struct {
	Stack
	lost   string
	budget Budget
}

// where is the region whose loss takes a resource out, "" for a global
// data plane or a multi-region store. AWS: Route 53, CloudFront, IAM,
// Shield, Budgets and the CloudFront-scoped WAF answer from the edge,
// whatever happens to us-east-1, their control plane (a change to them
// waits for it; serving does not). Google Cloud and Azure: the resource's
// own region or location input when it is one of the cloud's regions.
func (s Stack) where(r *mock.Resource) string {
	switch cloudOf(r.Type) {
	case "aws":
		if hasPrefix(r.Type, []string{"aws:route53/", "aws:cloudfront/", "aws:iam/", "aws:shield/", "aws:budgets/"}) ||
			r.Type == "aws:wafv2/webAcl:WebAcl" && r.Str("scope") == "CLOUDFRONT" {
			return ""
		}
		return r.Region
	default:
		for _, k := range []string{"region", "location"} {
			if v := r.Str(k); v != "" {
				if _, ok := spec.LookupRegion(s.Spec.Cloud, v); ok {
					return v
				}
				if strings.EqualFold(v, "global") {
					return ""
				}
			}
		}
		if s.Spec.Cloud == spec.Azure && r.Region != "" && r.Str("location") == "" && !strings.HasPrefix(r.Type, "azure-native:cdn:") && !strings.HasPrefix(r.Type, "azure-native:insights:") {
			return r.Region
		}
		return ""
	}
}

// alive reports whether a resource outlives the lost region.
func (v lossView) alive(r *mock.Resource) bool { return v.where(r) != v.lost }

// LostRegions are the regions the analysis takes away: every region of
// the stack and, on AWS, us-east-1, the home of global control planes.
func LostRegions(s spec.Spec) []string {
	out := slices.Clone(s.RegionNames)
	if s.Cloud == spec.AWS && !slices.Contains(out, "us-east-1") {
		out = append(out, "us-east-1")
	}
	return out
}

// AnalyzeRegionLoss evaluates the recorded resources with each region's
// resources gone and reports, per function, whether it survives, through
// what, and in how long.
func AnalyzeRegionLoss(s Stack) []RegionLoss {
	budget := ComputeBudget(s)
	var out []RegionLoss
	for _, lost := range LostRegions(s.Spec) {
		v := lossView{Stack: s, lost: lost, budget: budget}
		rl := RegionLoss{Region: lost}
		for _, fn := range Functions {
			f := v.function(fn)
			f.Name = fn
			rl.Functions = append(rl.Functions, f)
		}
		out = append(out, rl)
	}
	return out
}

func (v lossView) function(fn string) FunctionLoss {
	switch fn {
	case FnAPIReads:
		return v.apiReads()
	case FnAPIWrites:
		return v.apiWrites()
	case FnUploads:
		return v.uploads()
	case FnStatic:
		return v.static()
	case FnSignIn:
		return v.signIn()
	case FnAlerting:
		return v.alerting()
	case FnDirectory:
		return v.directory()
	default:
		return v.failoverControl()
	}
}

func survived(via string, rto, rpo int) FunctionLoss {
	return FunctionLoss{Survives: true, Via: via, RTOSeconds: rto, RPOSeconds: rpo}
}

func broken(format string, args ...any) FunctionLoss {
	return FunctionLoss{Via: fmt.Sprintf(format, args...)}
}

// servingBefore reports whether the lost region served API traffic.
func (v lossView) servingBefore() bool {
	return slices.ContainsFunc(v.Spec.Regions, func(r spec.RegionSpec) bool { return r.Name == v.lost && r.Serving() })
}

// writerLost reports whether the lost region holds the database writer.
func (v lossView) writerLost() bool { return v.Spec.Primary().Name == v.lost }

// rto is the recovery time of serving from another region when the lost
// region took part: the budget's terms but the database's (a read, an
// upload or a static file does not wait for a promotion), or nothing.
func (v lossView) rto(took bool) int {
	if !took {
		return 0
	}
	total := 0
	for _, t := range v.budget.RTO.Terms {
		if t.Path == pathWriter {
			continue
		}
		if t.Path != "" || !hasPrefix(t.Name, []string{"Aurora", "Cloud SQL", "Spanner", "SQL f", "region watch", "failover job", "operator"}) {
			total += t.Seconds
		}
	}
	return total
}

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
	for _, a := range v.OfType("azure-native:app:ContainerApp") {
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

// apiWrites: with the writer alive, every surviving serving region's app
// reaches it; with the writer lost, something outside promotes a replica.
func (v lossView) apiWrites() FunctionLoss {
	rpo := v.budget.RPO.Computed
	switch v.Spec.Cloud {
	case spec.AWS:
		if v.writerLost() {
			missing := "no automation outside it promotes a secondary (an operator's rds failover-global-cluster)"
			for _, w := range v.awsWatches() {
				switch {
				case !w.promotes:
					continue
				case !w.tested:
					missing = fmt.Sprintf("state machine %s promotes, but not by a definition the scenario table ran (internal/failover)", w.machine.Str("name"))
					continue
				case !w.permitted:
					missing = fmt.Sprintf("state machine %s may not call rds:FailoverGlobalCluster (its role's policy lacks it)", w.machine.Str("name"))
					continue
				case w.machine.Region != v.Spec.Successor():
					missing = fmt.Sprintf("state machine %s promotes %s, not the writer's successor %s, which routing fails over to", w.machine.Str("name"), w.machine.Region, v.Spec.Successor())
					continue
				case v.lost == "us-east-1" && !v.peersObserve(w):
					// Route 53's API, the watch's second opinion, has its
					// control plane in us-east-1 (AWS Fault Isolation
					// Boundaries, appendix B): it goes with this region.
					missing = fmt.Sprintf("state machine %s has no second opinion: Route 53's API is in us-east-1 too, and no other region probes the writer (a third region's watch records its probes in the watch table)", w.machine.Str("name"))
					continue
				}
				// The promoted region's app must reach its new writer: the
				// global endpoint (now in its network) or its own cluster's.
				promoted := w.machine.Region
				if env := v.taskEnvIn(promoted); env["DB_WRITER_HOST"] != v.globalWriter() && env["DB_LOCAL_WRITER_HOST"] != v.clusterOutput(promoted, "endpoint") {
					missing = fmt.Sprintf("state machine %s promotes %s, whose app writes neither to the global writer endpoint nor to its own cluster's endpoint", w.machine.Str("name"), promoted)
					continue
				}
				return survived(fmt.Sprintf("state machine %s in %s promotes its Aurora member once two vantage points, its replication alarm and the release window agree", w.machine.Str("name"), w.machine.Region), v.budget.RTO.Computed, rpo)
			}
			return broken("the Aurora writer in %s is lost and %s", v.lost, missing)
		}
		forwarding := map[string]bool{}
		readers := map[string]string{}
		for _, c := range v.OfType("aws:rds/cluster:Cluster") {
			forwarding[c.Region] = c.Bool("enableGlobalWriteForwarding")
			readers[c.Region], _ = c.Outputs["readerEndpoint"].(string)
		}
		for _, td := range v.OfType("aws:ecs/taskDefinition:TaskDefinition") {
			r := td.Region
			if r == v.lost || !v.servesAfter(r) {
				continue
			}
			env := taskEnv(td)
			if r != v.Spec.Primary().Name && (env["DB_WRITER_HOST"] != readers[r] || !forwarding[r]) {
				return broken("the app in %s writes to %s, which resolves into the writer's network, not its own (no write forwarding through its cluster)", r, env["DB_WRITER_HOST"])
			}
		}
		how := " (the serving region)"
		if v.Spec.Topology == spec.ActiveActive {
			how = " (write forwarding from the other regions)"
		}
		return survived("Aurora writer in "+v.Spec.Primary().Name+how, 0, 0)
	case spec.GCP:
		if len(v.OfType("gcp:spanner/instance:Instance")) > 0 {
			return survived("Spanner multi-region: a new leader is elected", v.rto(v.writerLost()), rpo)
		}
		if !v.writerLost() {
			return survived("Cloud SQL writer "+v.writerHost()+" in "+v.Spec.Primary().Name, 0, 0)
		}
		if j := v.gcpJob("REPLICA"); j != nil {
			if !v.gcpJobMay(j, "cloudsql.instances.promoteReplica", "gcp:projects/iAMMember:IAMMember") {
				return broken("failover job %s may not promote: its service account holds no role with cloudsql.instances.promoteReplica", j.Str("name"))
			}
			if !v.gcpJobMay(j, "dns.resourceRecordSets.update", "gcp:projects/iAMMember:IAMMember", "gcp:dns/dnsManagedZoneIamMember:DnsManagedZoneIamMember") {
				return broken("failover job %s may not move %s: its service account holds no role with dns.resourceRecordSets.update on the project or the zone", j.Str("name"), v.writerHost())
			}
			return survived(fmt.Sprintf("failover job %s in %s promotes the replica and moves %s on the evidence", j.Str("name"), v.where(j), v.writerHost()), v.budget.RTO.Computed, rpo)
		}
		return broken("the Cloud SQL writer in %s is lost and no failover job outside it promotes a replica", v.lost)
	default:
		for _, f := range v.OfType("azure-native:sql:FailoverGroup") {
			policy := f.Str("readWriteEndpoint.failoverPolicy")
			if !v.writerLost() {
				return survived("SQL failover group listener to the writer in "+v.Spec.Primary().Name, 0, 0)
			}
			if j := azureFailoverJob(v.Stack); j != nil && v.alive(j) && v.mayForceFailover(j) {
				return survived(fmt.Sprintf("failover job %s in %s forces the group over", j.Str("jobName"), v.where(j)), v.budget.RTO.Computed, rpo)
			}
			if policy == "Automatic" && f.Len("partnerServers") > 0 {
				detect := 0
				for _, t := range v.budget.RTO.Terms {
					if strings.HasPrefix(t.Name, "Front Door") {
						detect += t.Seconds
					}
				}
				return survived(fmt.Sprintf("SQL failover group %s fails over to its partner by itself after its %d min grace period (no failover job outside %s may force it)", f.Str("failoverGroupName"), f.Int("readWriteEndpoint.failoverWithDataLossGracePeriodMinutes"), v.lost), detect+azureGraceFailover(f), rpo)
			}
			return broken("SQL failover group %s fails over only by hand (%s)", f.Str("failoverGroupName"), policy)
		}
		return broken("no SQL failover group: the apps' writer is one server")
	}
}

// mayForceFailover reports whether a job's identity holds a role with the
// forced-failover action (an assignment to it whose role definition lists it).
func (v lossView) mayForceFailover(job *mock.Resource) bool {
	for _, ra := range v.OfType("azure-native:authorization:RoleAssignment") {
		if !slices.ContainsFunc(job.PropertyDeps["identity"], func(u string) bool { return slices.Contains(ra.PropertyDeps["principalId"], u) }) {
			continue
		}
		for _, rd := range v.OfType("azure-native:authorization:RoleDefinition") {
			named := slices.Contains(ra.PropertyDeps["roleDefinitionId"], rd.URN) || slices.Contains(ra.DependsOn, rd.URN) ||
				rd.Str("roleDefinitionId") != "" && strings.HasSuffix(ra.Str("roleDefinitionId"), "/"+rd.Str("roleDefinitionId"))
			if named && slices.Contains(rd.Strs("permissions.0.actions", ""), "Microsoft.Sql/servers/failoverGroups/forceFailoverAllowDataLoss/action") {
				return true
			}
		}
	}
	return false
}

// gcpJobMay reports whether the job's service account is bound, by a
// member of one of the given types (the project's, a zone's), to a custom
// role that grants the permission.
func (v lossView) gcpJobMay(j *mock.Resource, permission string, memberTypes ...string) bool {
	email := j.Str("template.template.serviceAccount")
	for _, typ := range memberTypes {
		for _, m := range v.OfType(typ) {
			same := m.Str("member") == "serviceAccount:"+email ||
				slices.ContainsFunc(m.PropertyDeps["member"], func(u string) bool { return slices.Contains(j.PropertyDeps["template"], u) })
			if !same {
				continue
			}
			for _, r := range v.OfType("gcp:projects/iAMCustomRole:IAMCustomRole") {
				name, _ := r.Outputs["name"].(string)
				granted := slices.Contains(m.PropertyDeps["role"], r.URN) || name != "" && m.Str("role") == name
				if granted && slices.Contains(r.Strs("permissions", ""), permission) {
					return true
				}
			}
		}
	}
	return false
}

// writerHost is the Cloud SQL writer's stable name the apps use.
func (v lossView) writerHost() string {
	for _, r := range v.OfType("gcp:dns/recordSet:RecordSet") {
		if strings.HasPrefix(r.Str("name"), "writer.") {
			return strings.TrimSuffix(r.Str("name"), ".")
		}
	}
	return "(none)"
}

// servesAfter reports whether a region takes API traffic once the lost
// region is gone: every surviving region in active-active; in
// active-passive the writer's, or when the writer is lost its successor,
// the region routing fails over to and the automation promotes.
func (v lossView) servesAfter(region string) bool {
	// Front Door's standbys share priority 2: every one that survives serves.
	if v.Spec.Topology == spec.ActiveActive || v.Spec.Cloud == spec.Azure && v.writerLost() {
		return region != v.lost
	}
	if !v.writerLost() {
		return region == v.Spec.Primary().Name
	}
	return region == v.Spec.Successor()
}

// taskEnv is the environment of an ECS task definition's first container.
func taskEnv(td *mock.Resource) map[string]string {
	var defs []struct {
		Environment []struct{ Name, Value string } `json:"environment"`
	}
	_ = json.Unmarshal([]byte(td.Str("containerDefinitions")), &defs)
	env := map[string]string{}
	if len(defs) > 0 {
		for _, e := range defs[0].Environment {
			env[e.Name] = e.Value
		}
	}
	return env
}

// uploads: every app that serves after the loss writes to a store that
// outlives it.
func (v lossView) uploads() FunctionLoss {
	rpo := 0
	for _, t := range v.budget.RPO.Terms {
		if strings.Contains(t.Name, "S3") || strings.Contains(t.Name, "Storage") || strings.Contains(t.Name, "storage") {
			rpo = max(rpo, t.Seconds)
		}
	}
	var via []string
	switch v.Spec.Cloud {
	case spec.AWS:
		buckets := map[string]*mock.Resource{}
		for _, b := range v.OfType("aws:s3/bucketV2:BucketV2") {
			buckets[b.Str("bucket")] = b
		}
		for _, td := range v.OfType("aws:ecs/taskDefinition:TaskDefinition") {
			if !v.servesAfter(td.Region) {
				continue
			}
			b := buckets[taskEnv(td)["UPLOADS_BUCKET"]]
			if b == nil || !v.alive(b) {
				return broken("the app in %s writes uploads to %q, lost with %s", td.Region, taskEnv(td)["UPLOADS_BUCKET"], v.lost)
			}
			via = append(via, td.Region+" → "+b.Str("bucket"))
		}
	case spec.GCP:
		for _, svc := range v.OfType("gcp:cloudrunv2/service:Service") {
			if !v.servesAfter(v.where(svc)) {
				continue
			}
			name := envValue(svc, "template.containers.0.envs", "UPLOADS_BUCKET")
			b := v.gcsBucket(name)
			if b == nil || !v.alive(b) {
				return broken("the app in %s writes uploads to %q, lost with %s", v.where(svc), name, v.lost)
			}
			via = append(via, v.where(svc)+" → "+b.Str("location"))
		}
	default:
		for _, app := range v.OfType("azure-native:app:ContainerApp") {
			r := v.where(app)
			if !v.servesAfter(r) {
				continue
			}
			var account *mock.Resource
			for _, a := range v.OfType("azure-native:storage:StorageAccount") {
				if a.Str("accountName") == envValue(app, "template.containers.0.env", "UPLOADS_ACCOUNT") {
					account = a
				}
			}
			if account == nil || !v.alive(account) {
				return broken("the app in %s has no writable storage account outside %s", r, v.lost)
			}
			via = append(via, r+" → "+account.Str("accountName"))
		}
	}
	if len(via) == 0 {
		return broken("no app serves uploads once %s is lost", v.lost)
	}
	return survived(strings.Join(via, ", "), v.rto(v.servingBefore()), rpo)
}

// envValue is the value of a name in a container's environment list
// (Cloud Run: template.containers.0.envs; Container Apps: ...env).
func envValue(r *mock.Resource, list, name string) string {
	for i := 0; i < r.Len(list); i++ {
		if r.Str(fmt.Sprintf("%s.%d.name", list, i)) == name {
			return r.Str(fmt.Sprintf("%s.%d.value", list, i))
		}
	}
	return ""
}

// gcsBucket is the first bucket the references name (names, ids, or in a
// preview URNs), or nil.
func (v lossView) gcsBucket(refs ...string) *mock.Resource {
	if bs := v.gcsBuckets()(refs); len(bs) > 0 {
		return bs[0]
	}
	return nil
}

// static: the edge serves static content from an origin that outlives the
// lost region.
func (v lossView) static() FunctionLoss {
	switch v.Spec.Cloud {
	case spec.AWS:
		buckets := map[string]*mock.Resource{}
		for _, b := range v.OfType("aws:s3/bucketV2:BucketV2") {
			if d, _ := b.Outputs["bucketRegionalDomainName"].(string); d != "" {
				buckets[d] = b
			}
		}
		for _, d := range v.OfType("aws:cloudfront/distribution:Distribution") {
			var alive []string
			for i := 0; i < d.Len("origins"); i++ {
				if b := buckets[d.Str(fmt.Sprintf("origins.%d.domainName", i))]; b != nil && v.alive(b) {
					alive = append(alive, b.Region)
				}
			}
			grouped := d.Len("originGroups.0.members") >= 2
			if len(alive) > 0 && (grouped || d.Len("origins") == 1) {
				return survived("CloudFront origin group: bucket in "+strings.Join(alive, ", "), 0, 0)
			}
			return broken("CloudFront serves static content from origins in %s only, without a failover origin outside it", v.lost)
		}
		return broken("no CloudFront distribution serves static content")
	case spec.GCP:
		for _, bb := range v.OfType("gcp:compute/backendBucket:BackendBucket") {
			b := v.gcsBucket(append([]string{bb.Str("bucketName")}, bb.PropertyDeps["bucketName"]...)...)
			if b != nil && v.alive(b) {
				return survived("Cloud CDN backend bucket in "+b.Str("location"), 0, 0)
			}
		}
		return broken("no Cloud CDN backend bucket outlives %s", v.lost)
	default:
		return v.azureOrigins("static", "static")
	}
}

// signIn: every region that serves after the loss has its key (and, on
// AWS, its copy of the database secret) outside the lost region.
func (v lossView) signIn() FunctionLoss {
	keys := map[string]bool{}
	var keyType string
	switch v.Spec.Cloud {
	case spec.AWS:
		keyType = "aws:kms/key:Key"
	case spec.GCP:
		keyType = "gcp:kms/keyRing:KeyRing"
	default:
		keyType = "azure-native:keyvault:Vault"
	}
	for _, k := range v.OfType(keyType) {
		if v.alive(k) {
			keys[v.where(k)] = true
		}
	}
	var via []string
	for _, r := range v.Spec.RegionNames {
		if r == v.lost || !v.servesAfter(r) {
			continue
		}
		if v.Spec.Cloud == spec.GCP && len(keys) > 0 || keys[r] {
			via = append(via, r)
			continue
		}
		return broken("%s serves after the loss of %s but has no key of its own (%s)", r, v.lost, keyType)
	}
	return survived("own keys in "+strings.Join(via, ", "), 0, 0)
}

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
			if c.Str("type") == "email" {
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
			if g.Len("emailReceivers") > 0 && v.alive(g) {
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

// failoverControl: what must act does not itself depend on the lost region.
func (v lossView) failoverControl() FunctionLoss {
	reads, writes := v.apiReads(), v.apiWrites()
	switch {
	case !reads.Survives:
		return broken("traffic control: %s", reads.Via)
	case !writes.Survives:
		return broken("database control: %s", writes.Via)
	}
	return survived(reads.Via+"; "+writes.Via, 0, 0)
}

// RegionLossSurvived: the loss of any one region leaves every function
// working, by what the recorded resources say.
var RegionLossSurvived = Policy{
	Name:        "region-loss-survived",
	Description: "For every region (and us-east-1 on AWS), the recorded resources without it still serve API reads and writes, uploads, static content, sign-in material, alerting and failover control.",
	Severity:    Mandatory,
	Check: func(s Stack) []Violation {
		if firstPreview(s) {
			return nil
		}
		var vs []Violation
		for _, rl := range AnalyzeRegionLoss(s) {
			for _, f := range rl.Functions {
				if f.Survives && f.RTOSeconds > s.Spec.Objectives.RTOSeconds {
					vs = append(vs, violation(nil, "losing %s, %s survives only after %d s, past %s:rtoSeconds (%d s): %s", rl.Region, f.Name, f.RTOSeconds, spec.Namespace, s.Spec.Objectives.RTOSeconds, f.Via))
				}
				if !f.Survives {
					v := violation(nil, "losing %s breaks %s: %s", rl.Region, f.Name, f.Via)
					if !s.Spec.Promotes() && f.Name != FnAlerting {
						// failoverAutomation notify: a person takes over, by the
						// team's choice; the plan says so without failing.
						v.Severity = Advisory
						v.Message += " (failoverAutomation is notify: a person promotes, per the README's runbook)"
					}
					if f.Name == FnAlerting && len(s.Spec.AlertEmails) == 0 {
						// Nobody to alert at all: alerts-routed's call
						// (advisory outside production).
						v.Severity = productionMandatory(s.Spec)
					}
					vs = append(vs, v)
				}
			}
		}
		return vs
	},
}

// firstPreview reports whether the values the analysis joins on (the apps'
// environments, the URL map, the routing records' targets) are not known
// yet, as in a first preview: the analysis would see links missing that are
// merely uncomputed, so the policy leaves that preview to the offline plan
// and to pulumi up, which know them.
func firstPreview(s Stack) bool {
	for typ, path := range map[string]string{
		"aws:ecs/taskDefinition:TaskDefinition": "containerDefinitions",
		"aws:route53/record:Record":             "aliases.0.name",
		"gcp:compute/uRLMap:URLMap":             "defaultService",
		"gcp:cloudrunv2/service:Service":        "template.containers.0.envs",
		"azure-native:app:ContainerApp":         "template.containers.0.env",
	} {
		for _, r := range s.OfType(typ) {
			unknown := false
			walkStrings(r.Get(path), path, func(_, text string) { unknown = unknown || mock.Unresolved(text) })
			if unknown || r.Get(path) == nil && typ == "gcp:compute/uRLMap:URLMap" && r.Str("name") != "" && !strings.HasSuffix(r.Str("name"), "-redirect") {
				return true
			}
		}
	}
	return false
}

// awsWatch is a region watch (a state machine started by a schedule) that
// outlives the lost region and probes it.
type awsWatch struct {
	machine   *mock.Resource
	def       string
	promotes  bool // its definition fails the global database over
	tested    bool // of a shape the scenario table ran (failover.IsTestedWatch)
	permitted bool // and its role may
}

// peersObserve reports whether a promoting watch reads peers' observations
// and a tested watch outside the lost region records them: it probes the
// writer and writes the watch table.
func (v lossView) peersObserve(w awsWatch) bool {
	if !strings.Contains(w.def, failover.ResourceQueryPeers) {
		return false
	}
	writer := `"https://` + components.RegionalHostname(v.lost, v.Spec.Domain)
	for _, sm := range v.OfType("aws:sfn/stateMachine:StateMachine") {
		def := sm.Str("definition")
		if sm != w.machine && v.alive(sm) && strings.Contains(def, failover.ResourcePutObservation) && strings.Contains(def, writer) &&
			failover.IsTestedWatch(def) && slices.ContainsFunc(v.schedulesOf(sm), v.alive) {
			return true
		}
	}
	return false
}

func (w awsWatch) alerts(subscribed map[string]bool) bool {
	for topic := range subscribed {
		if strings.Contains(w.def, topic) && strings.Contains(w.def, "arn:aws:states:::sns:publish") {
			return true
		}
	}
	return false
}

// awsWatches are the scheduled state machines outside the lost region
// whose probe calls the lost region's own hostname.
func (v lossView) awsWatches() []awsWatch {
	host := "https://" + v.lost + "." + v.Spec.Domain
	var out []awsWatch
	for _, sm := range v.OfType("aws:sfn/stateMachine:StateMachine") {
		def := sm.Str("definition")
		if !v.alive(sm) || !strings.Contains(def, `"`+host) || !strings.Contains(def, "arn:aws:states:::http:invoke") {
			continue
		}
		if !slices.ContainsFunc(v.schedulesOf(sm), v.alive) {
			continue
		}
		w := awsWatch{machine: sm, def: def, promotes: strings.Contains(def, failover.ResourceFailoverGlobal), tested: failover.IsTestedWatch(def)}
		for _, role := range v.OfType("aws:iam/role:Role") {
			if roleArn, _ := role.Outputs["arn"].(string); roleArn == "" || roleArn != sm.Str("roleArn") {
				continue
			}
			for _, p := range v.OfType("aws:iam/rolePolicy:RolePolicy") {
				if slices.Contains(targets(p, "role"), role.ID) || p.Str("role") == role.Str("name") {
					w.permitted = w.permitted || strings.Contains(p.Str("policy"), `"rds:FailoverGlobalCluster"`)
				}
			}
		}
		out = append(out, w)
	}
	return out
}

// taskEnvIn is the environment of a region's ECS task definition.
func (v lossView) taskEnvIn(region string) map[string]string {
	for _, td := range v.OfType("aws:ecs/taskDefinition:TaskDefinition") {
		if td.Region == region {
			return taskEnv(td)
		}
	}
	return map[string]string{}
}

// globalWriter is the Aurora global writer endpoint.
func (v lossView) globalWriter() string {
	for _, g := range v.OfType("aws:rds/globalCluster:GlobalCluster") {
		e, _ := g.Outputs["endpoint"].(string)
		return e
	}
	return ""
}

// clusterOutput is an output of a region's Aurora cluster.
func (v lossView) clusterOutput(region, output string) string {
	for _, c := range v.OfType("aws:rds/cluster:Cluster") {
		if c.Region == region {
			e, _ := c.Outputs[output].(string)
			return e
		}
	}
	return ""
}

// directoryObject is the region directory's name below the static prefix.
const directoryObject = components.DirectoryObject

// directory: the region directory is in a static store the edge serves
// from, outside the lost region.
func (v lossView) directory() FunctionLoss {
	var via []string
	switch v.Spec.Cloud {
	case spec.AWS:
		origins := map[string]bool{} // bucket names CloudFront reads
		for _, d := range v.OfType("aws:cloudfront/distribution:Distribution") {
			for i := 0; i < d.Len("origins"); i++ {
				for _, b := range v.OfType("aws:s3/bucketV2:BucketV2") {
					if dn, _ := b.Outputs["bucketRegionalDomainName"].(string); dn != "" && dn == d.Str(fmt.Sprintf("origins.%d.domainName", i)) {
						origins[b.Str("bucket")] = v.alive(b)
					}
				}
			}
		}
		for _, o := range v.OfType("aws:s3/bucketObjectv2:BucketObjectv2") {
			if o.Str("key") == components.StaticPrefix+"/"+directoryObject && origins[o.Str("bucket")] && v.alive(o) {
				via = append(via, o.Region)
			}
		}
	case spec.GCP:
		for _, o := range v.OfType("gcp:storage/bucketObject:BucketObject") {
			if o.Str("name") == components.StaticPrefix+"/"+directoryObject {
				if b := v.gcsBucket(o.Str("bucket")); b != nil && v.alive(b) {
					via = append(via, b.Str("location"))
				}
			}
		}
	default:
		static := map[string]bool{} // accounts Front Door's static group reads, outside the lost region
		for _, o := range v.OfType("azure-native:cdn:AFDOrigin") {
			if o.Str("originGroupName") == "static" {
				if r := v.originRegion(o); r != "" && r != v.lost {
					static[r] = true
				}
			}
		}
		// A publisher job (the tested script) in that region keeps it there:
		// nothing outside the regions' networks may write the accounts.
		for _, j := range v.OfType("azure-native:app:Job") {
			if j.Str("template.containers.0.command.2") != azpublish.Script || !static[j.Region] || !v.alive(j) {
				continue
			}
			docs, _ := azpublish.Parse(envValue(j, "template.containers.0.env", "DOCUMENTS"))
			if slices.ContainsFunc(docs, func(d azpublish.Document) bool { return d.Blob == directoryObject }) {
				via = append(via, j.Region)
			}
		}
	}
	if len(via) == 0 {
		return broken("no static store the edge serves from outside %s holds %s", v.lost, directoryObject)
	}
	slices.Sort(via)
	return survived("the edge serves it from "+strings.Join(slices.Compact(via), ", "), 0, 0)
}
