package policies

// The region-loss analysis of failover-control: the automation that acts on the loss survives it.

import (
	"encoding/json"
	"slices"
	"strings"

	"github.com/mobile-backend/mobile-backend/components"
	"github.com/mobile-backend/mobile-backend/internal/failover"
	"github.com/mobile-backend/mobile-backend/internal/mock"
)

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

// firstPreview reports whether the values the analysis joins on (the apps'
// environments, the URL map, the routing records' targets) are not known
// yet, as in a first preview: the analysis would see links missing that are
// merely uncomputed, so the policy leaves that preview to the offline plan
// and to pulumi up, which know them.
func firstPreview(s Stack) bool {
	for typ, path := range map[string]string{
		"aws:ecs/taskDefinition:TaskDefinition":   "containerDefinitions",
		"aws:route53/record:Record":               "aliases.0.name",
		"gcp:compute/uRLMap:URLMap":               "defaultService",
		"gcp:cloudrunv2/service:Service":          "template.containers.0.envs",
		"azure-native:app/v20240301:ContainerApp": "template.containers.0.env",
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
	// policies are its role's policy documents.
	policies []string
}

// fencePermitted reports whether the watch's role may update the Route 53
// health check of that id (its policy names the check's ARN with the action).
func (w awsWatch) fencePermitted(id string) bool {
	for _, doc := range w.policies {
		var p struct {
			Statement []struct {
				Effect   string
				Action   []string
				Resource []string
			}
		}
		_ = json.Unmarshal([]byte(doc), &p)
		for _, st := range p.Statement {
			if st.Effect == "Allow" && slices.Contains(st.Action, "route53:UpdateHealthCheck") && slices.Contains(st.Resource, "arn:aws:route53:::healthcheck/"+id) {
				return true
			}
		}
	}
	return mock.Unresolved(id)
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
					w.policies = append(w.policies, p.Str("policy"))
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
