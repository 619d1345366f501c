package policies

// The region-loss analysis of api-writes: writes reach a writer after the loss.

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/mobile-backend/mobile-backend/internal/mock"
	"github.com/mobile-backend/mobile-backend/internal/spec"
)

// apiWrites: with the writer alive, every surviving serving region's app
// reaches it; with the writer lost, something outside promotes a replica.
func (v lossView) apiWrites() FunctionLoss {
	rpo := v.budget.RPO.Computed
	switch v.Spec.Cloud {
	case spec.AWS:
		if v.writerLost() {
			missing := "no automation outside it promotes a secondary (an operator's rds failover-global-cluster)"
			for _, w := range v.awsWatches() {
				unfenced := ""
				if w.promotes && w.tested && w.permitted {
					unfenced = v.awsUnfenced(w)
				}
				switch {
				case !w.promotes:
					continue
				case !w.tested:
					missing = fmt.Sprintf("state machine %s promotes, but not by a definition the scenario table ran (internal/failover)", w.machine.Str("name"))
					continue
				case !w.permitted:
					missing = fmt.Sprintf("state machine %s may not call rds:FailoverGlobalCluster (its role's policy lacks it)", w.machine.Str("name"))
					continue
				case unfenced != "":
					missing = "its promotion leaves two writers: " + unfenced
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
			if why := v.gcpUnfenced(j); why != "" {
				return broken("the promotion leaves two writers: %s", why)
			}
			return survived(fmt.Sprintf("failover job %s in %s promotes the replica, moves %s and stops the old primary on the evidence", j.Str("name"), v.where(j), v.writerHost()), v.budget.RTO.Computed, rpo)
		}
		return broken("the Cloud SQL writer in %s is lost and no failover job outside it promotes a replica", v.lost)
	default:
		for _, f := range v.OfType("azure-native:sql:FailoverGroup") {
			policy := f.Str("readWriteEndpoint.failoverPolicy")
			if !v.writerLost() {
				return survived("SQL failover group listener to the writer in "+v.Spec.Primary().Name, 0, 0)
			}
			if j := azureFailoverJob(v.Stack); j != nil && v.alive(j) && v.mayForceFailover(j) {
				if why := v.azureUnfenced(j); why != "" {
					return broken("the forced failover leaves the old writer routed: %s", why)
				}
				return survived(fmt.Sprintf("failover job %s in %s forces the group over and disables the old writer's origin", j.Str("jobName"), v.where(j)), v.budget.RTO.Computed, rpo)
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
