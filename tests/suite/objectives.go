package suite

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mobile-backend/mobile-backend/policies"
)

// contractRegions are three regions per cloud, continents apart.
var contractRegions = map[string][]string{
	"aws":   {"us-east-1", "eu-west-1", "ap-southeast-1"},
	"gcp":   {"europe-west4", "us-central1", "asia-southeast1"},
	"azure": {"eastus2", "westeurope", "southeastasia"},
}

func TestTheFourContractKeysMeetTheDefaultObjectivesOnEveryCloudAndTopology(t *testing.T) {
	t.Parallel()
	for cloud, regions := range contractRegions {
		t.Run(cloud, func(t *testing.T) {
			for _, topology := range []string{"active-active", "active-passive"} {
				res := ContractPlan(t, cloud, topology, regions...)
				name := cloud + " " + topology
				assert.LessOrEqual(t, res.Resilience.RTO.Computed, 600, "%s RTO: %v", name, res.Resilience.RTO.Terms)
				assert.LessOrEqual(t, res.Resilience.RPO.Computed, 900, "%s RPO: %v", name, res.Resilience.RPO.Terms)
				for _, v := range res.Policies() {
					assert.NotEqual(t, policies.Mandatory, v.Severity, "%s: %s: %s", name, v.Policy, v.Message)
				}
				for _, rl := range res.Resilience.RegionLoss {
					for _, f := range rl.Functions {
						// Without alertEmails nobody is alerted (advisory); everything else survives.
						assert.True(t, f.Survives || f.Name == policies.FnAlerting, "%s: losing %s breaks %s: %s", name, rl.Region, f.Name, f.Via)
					}
				}
			}
		})
	}
}

func TestNotifyOnlyLeavesThePromotionToAPersonOnEveryCloud(t *testing.T) {
	t.Parallel()
	pairs := map[string][]string{"aws": {"us-east-1", "eu-west-1"}, "gcp": {"europe-west1", "europe-north1"}, "azure": {"northeurope", "westeurope"}}
	for cloud, regions := range pairs {
		t.Run(cloud, func(t *testing.T) {
			res := MustPlan(t, "notify", With(Contract(cloud, "active-passive", regions...),
				"failoverAutomation", "notify", "alertEmails", []string{"oncall@example.com"}, "rtoSeconds", 1200))
			switch cloud {
			case "aws":
				machines := res.Recorder.OfType("aws:sfn/stateMachine:StateMachine")
				require.Len(t, machines, 2, "every region is still watched, and alerts")
				for _, sm := range machines {
					assert.NotContains(t, sm.Str("definition"), "failoverGlobalCluster", "nothing promotes")
				}
			case "gcp":
				for _, j := range OfComponent(res.Recorder.OfType("gcp:cloudrunv2/job:Job"), "mobile-backend:gcp:Failover") {
					assert.True(t, strings.HasSuffix(j.Name, "-db-users"), "no switch, no promotion: %s", j.Name)
				}
				assert.Empty(t, res.Recorder.OfType("gcp:cloudscheduler/job:Job"))
			case "azure":
				assert.Nil(t, res.Recorder.Named("azure-native:app/v20240301:Job", "notify-sql-failover"))
				fog := One(t, res.Recorder.OfType(TypeFailoverGroup), "failover group")
				assert.Equal(t, "Manual", fog.Str("readWriteEndpoint.failoverPolicy"), "a person decides")
				assert.Nil(t, fog.Get("readWriteEndpoint.failoverWithDataLossGracePeriodMinutes"))
			}
			// The manual step shows in the budget and, as advisory, in the region-loss table.
			assert.True(t, strings.Contains(describeTerms(res.Resilience.RTO.Terms), "operator"), "%s: %v", cloud, res.Resilience.RTO.Terms)
			var writes []policies.Violation
			for _, v := range res.Policies() {
				assert.NotEqual(t, policies.Mandatory, v.Severity, "%s: %s: %s", cloud, v.Policy, v.Message)
				if v.Policy == policies.RegionLossSurvived.Name && strings.Contains(v.Message, "breaks api-writes") {
					writes = append(writes, v)
				}
			}
			require.Len(t, writes, 1, cloud)
			assert.Contains(t, writes[0].Message, "losing "+regions[0]+" breaks api-writes")
			assert.Contains(t, writes[0].Message, "failoverAutomation is notify: a person promotes")
		})
	}
}

func describeTerms(terms []policies.Term) string {
	var b strings.Builder
	for _, t := range terms {
		b.WriteString(t.Name + "; ")
	}
	return b.String()
}

func TestEveryTermOfEveryBudgetSaysWhereItsFigureComesFrom(t *testing.T) {
	t.Parallel()
	for _, file := range LinkedStacks(t) {
		b := PlanFile(t, file).Resilience
		for _, terms := range [][]policies.Term{b.RTO.Terms, b.RPO.Terms, b.RTO.NotCounted, b.RPO.NotCounted} {
			for _, term := range terms {
				assert.Regexp(t, `^(published: .+|configured: .+|estimate: .+)$`, term.Basis, "%s: %s", file, term.Name)
			}
		}
	}
	for cloud, regions := range contractRegions {
		t.Run(cloud, func(t *testing.T) {
			for _, topology := range []string{"active-active", "active-passive"} {
				b := MustPlan(t, "basis", With(Contract(cloud, topology, regions...), "failoverAutomation", "notify")).Resilience
				for _, term := range append(b.RTO.Terms, b.RPO.Terms...) {
					assert.NotEmpty(t, term.Basis, "%s %s notify: %s", cloud, topology, term.Name)
				}
			}
		})
	}
}
