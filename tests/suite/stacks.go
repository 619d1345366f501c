package suite

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mobile-backend/mobile-backend/internal/mock"
	"github.com/mobile-backend/mobile-backend/internal/plan"
	"github.com/mobile-backend/mobile-backend/internal/spec"
	"github.com/mobile-backend/mobile-backend/internal/stackfile"
	"github.com/mobile-backend/mobile-backend/policies"
	"github.com/mobile-backend/mobile-backend/stacks"
)

// DiverseAWSRegions spreads a stack over continents, in stack order: as
// many as an AWS stack may have (a writer and spec.AuroraGlobalMaxSecondaries
// secondaries), none an opt-in region.
var DiverseAWSRegions = []string{"us-east-1", "eu-west-1", "ap-southeast-1", "us-west-2", "eu-central-1", "ap-northeast-1", "sa-east-1", "ca-central-1", "ap-south-1", "ap-southeast-2", "eu-north-1"}

// committedStacks is where the committed stack files are, from a test
// package's directory.
const committedStacks = "../../Pulumi.*.yaml"

// committedStackFiles are the committed stack files, listed rather than
// globbed: Go caches a test that lists a directory on the size and time of
// every entry there, and the module root holds .git, so a glob would rerun
// every cloud's tests after each commit, checkout or `git status`.
// TestTheCommittedStackFilesAreAllListed (this package's own test) holds the
// list to the directory.
var committedStackFiles = []string{
	"Pulumi.azure-prod.yaml",
	"Pulumi.azure-staging.yaml",
	"Pulumi.gcp-prod.yaml",
	"Pulumi.gcp-staging.yaml",
	"Pulumi.prod.yaml",
	"Pulumi.staging.yaml",
}

// CommittedStacks are the committed stack files, of every cloud, as paths
// from a test package's directory.
func CommittedStacks() []string {
	var files []string
	for _, name := range committedStackFiles {
		files = append(files, filepath.Join(filepath.Dir(committedStacks), name))
	}
	return files
}

// LinkedStacks are the committed stack files of the clouds linked into this
// test binary: each cloud's package plans its own.
func LinkedStacks(t *testing.T) []string {
	var out []string
	for _, file := range CommittedStacks() {
		cloud, ok := cloudOfFile(file)
		require.True(t, ok, "%s loads", file)
		if stacks.Linked(cloud) {
			out = append(out, file)
		}
	}
	require.NotEmpty(t, out, "no committed stack of a linked cloud")
	return out
}

func TestEveryCommittedStackPlansDeterministically(t *testing.T) {
	t.Parallel()
	for _, file := range LinkedStacks(t) {
		t.Run(filepath.Base(file), func(t *testing.T) {
			// The plan the other tests share, and one computed anew.
			code, first, stderr := RunMain(t, "--config-file", file, "--format", "json")
			require.Equal(t, plan.ExitOK, code, stderr)
			_, second, _ := runMainFresh(t, "--config-file", file, "--format", "json")
			assert.Equal(t, first, second, "the same config gives the same bytes")

			var doc plan.Document
			require.NoError(t, json.Unmarshal([]byte(first), &doc))
			assert.Equal(t, "mobile-backend", doc.Project)
			assert.Equal(t, stackfile.StackName(file), doc.Stack)
			assert.GreaterOrEqual(t, len(doc.Regions), 2)
			assert.Equal(t, "primary", string(doc.Regions[0].Role))
			assert.NotEmpty(t, doc.Resources)
			assert.Contains(t, doc.Outputs, "globalEndpoint")

			code, tree, _ := RunMain(t, "--config-file", file)
			require.Equal(t, plan.ExitOK, code)
			for _, r := range doc.Regions {
				assert.Contains(t, tree, fmt.Sprintf("\n%s (%s): ", r.Name, r.Role), "the tree has a section per region")
			}
		})
	}
}

func TestProdIsActiveActiveOnThreeRegionsWithProductionProtections(t *testing.T) {
	t.Parallel()
	res := PlanFile(t, "../../Pulumi.prod.yaml")
	assert.Equal(t, "aws", string(res.Spec.Cloud))
	assert.Equal(t, "active-active", string(res.Spec.Topology))
	assert.Len(t, res.Spec.Regions, 3)
	assert.Len(t, APIRecords(res), 3)
	for _, alb := range res.Recorder.OfType(TypeALB) {
		assert.True(t, alb.Bool("enableDeletionProtection"), "prod load balancers are deletion-protected")
	}
	staging := PlanFile(t, "../../Pulumi.staging.yaml")
	for _, alb := range staging.Recorder.OfType(TypeALB) {
		assert.False(t, alb.Bool("enableDeletionProtection"), "staging can be torn down")
	}
	for _, acl := range staging.Recorder.OfType(TypeACL) {
		assert.NotNil(t, acl.Get("rules.0.action.count"), "staging stages WAF rules in count mode")
	}
}

func TestContractKeysAlonePlanForTwoThreeAndTheMostRegionsInEitherTopology(t *testing.T) {
	t.Parallel()
	require.Len(t, DiverseAWSRegions, 1+spec.AuroraGlobalMaxSecondaries, "the most regions an AWS stack may have")
	for _, topology := range []string{"active-active", "active-passive"} {
		for _, n := range []int{2, 3, len(DiverseAWSRegions)} { // the boundaries: the fewest, the first beyond a pair, the most
			t.Run(fmt.Sprintf("%s/%d", topology, n), func(t *testing.T) {
				regions := DiverseAWSRegions[:n]
				res := ContractPlan(t, "aws", topology, regions...)
				assert.Len(t, EndpointChecks(res), n, "one health check per region")
				assert.Len(t, res.Recorder.OfType(TypeALB), n)
				assert.Len(t, res.Recorder.OfType(TypeACLAssoc), n, "a WAF on every load balancer")
				vpcs := map[string]string{}
				for _, v := range res.Recorder.OfType(TypeVpc) {
					vpcs[v.Region] = v.Str("cidrBlock")
				}
				for _, r := range regions {
					assert.Equal(t, spec.DefaultCIDR(spec.AWS, r), vpcs[r], "each region keeps its own default range")
				}
				want := n
				if topology == "active-passive" {
					want = 2
				}
				assert.Len(t, APIRecords(res), want)
				for _, v := range res.Policies() { // without alertEmails, only the advisories of nobody to alert
					if n == 2 && regions[0] == "us-east-1" && v.Policy == policies.RegionLossSurvived.Name && v.Severity == policies.Mandatory {
						// The writer's watch has no second opinion once
						// us-east-1, home of Route 53's API, is lost with it,
						// and no third region probes the writer: refused.
						assert.Contains(t, v.Message, "losing us-east-1 breaks")
						assert.Contains(t, v.Message, "no second opinion")
						continue
					}
					assert.Equal(t, policies.Advisory, v.Severity, "%s: %s", v.Policy, v.Message)
				}
			})
		}
	}
}

func TestEveryResourceUsesAnExplicitProviderOfItsRegion(t *testing.T) {
	t.Parallel()
	res := PlanFile(t, "../../Pulumi.prod.yaml")
	providers := map[string]string{}
	for _, p := range res.Recorder.OfType(TypeAWSProvider) {
		providers[p.URN] = p.Str("region")
		assert.NotContains(t, p.Name, "default", "no default provider is ever created")
		assert.Equal(t, "pulumi", p.Get("defaultTags.tags.managed-by"))
		assert.Equal(t, "prod", p.Get("defaultTags.tags.stack"))
		assert.Equal(t, "mobile-platform", p.Get("defaultTags.tags.team"), "user tags reach every resource")
	}
	assert.Len(t, providers, 4, "one per region and one global")
	for _, p := range res.Recorder.Resources() {
		if strings.HasPrefix(p.Type, "pulumi:providers:") && p.Type != TypeAWSProvider {
			providers[p.URN] = ""
			assert.NotContains(t, p.Name, "default")
		}
	}
	for _, r := range res.Recorder.Resources() {
		if !r.Custom || strings.HasPrefix(r.Type, "pulumi:providers:") {
			continue
		}
		urn := r.Provider[:strings.LastIndex(r.Provider, "::")]
		region, ok := providers[urn]
		require.True(t, ok, "%s %s uses an explicit provider", r.Type, r.Name)
		if r.Region != "" {
			assert.Equal(t, region, r.Region, "%s %s", r.Type, r.Name)
		}
	}
	// The regional stamp's resources all use that region's provider (global
	// services' resources, such as IAM roles, have no region).
	for _, typ := range []string{TypeCompute, "mobile-backend:aws:RegionalNetwork"} {
		stamps := res.Recorder.OfType(typ)
		require.Len(t, stamps, 3, typ)
		for _, c := range stamps {
			regional := 0
			for _, r := range res.Recorder.Resources() {
				if !r.Custom || r.Region == "" || !below(res.Recorder, r, c) {
					continue
				}
				regional++
				assert.Equal(t, c.Region, r.Region, "%s %s under %s", r.Type, r.Name, c.Name)
			}
			assert.Greater(t, regional, 10, "%s holds the region's resources", c.Name)
		}
	}
}

func TestNoSecretOrDefaultProviderLeaksIntoThePlan(t *testing.T) {
	t.Parallel()
	for _, file := range LinkedStacks(t) {
		res := PlanFile(t, file)
		var out strings.Builder
		require.NoError(t, res.WriteJSON(&out))
		// The secrets the mock hands out (the generated database password,
		// Log Analytics' shared key) reach inputs only as "[secret]".
		for _, secret := range []string{mock.MockPassword, mock.MockSharedKey} {
			assert.NotContains(t, out.String(), secret, file)
		}
		if res.Spec.Cloud == "azure" {
			env := res.Recorder.OfType("azure-native:app:ManagedEnvironment")
			require.NotEmpty(t, env)
			assert.Equal(t, "[secret]", env[0].Str("appLogsConfiguration.logAnalyticsConfiguration.sharedKey"), file)
		}
		// Every resource names an explicit provider the program made: with
		// pulumi:disable-default-providers the engine refuses any other.
		providers := map[string]bool{}
		for _, r := range res.Recorder.Resources() {
			if strings.HasPrefix(r.Type, "pulumi:providers:") {
				providers[r.URN] = true
			}
		}
		for _, r := range res.Recorder.Resources() {
			if !r.Custom || providers[r.URN] {
				continue
			}
			i := strings.LastIndex(r.Provider, "::")
			require.Positive(t, i, "%s: %s %s has no provider", file, r.Type, r.Name)
			assert.True(t, providers[r.Provider[:i]], "%s: %s %s uses a provider the program did not make", file, r.Type, r.Name)
		}
	}
}

func TestTheArchitectureDiagramsAreWhatThePlanPrintsToday(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("../../docs/architecture.md")
	require.NoError(t, err)
	readme := string(b)
	found := 0
	for _, block := range strings.Split(readme, "<!-- diagram:")[1:] {
		stack := block[:strings.Index(block, " -->")]
		body := block[strings.Index(block, "```mermaid\n")+len("```mermaid\n") : strings.Index(block, "```\n<!-- /diagram -->")]
		found++
		t.Run(stack, func(t *testing.T) {
			code, out, stderr := RunMain(t, "--stack", stack, "--config-file", "../../Pulumi."+stack+".yaml", "--format", "mermaid")
			require.Equal(t, plan.ExitOK, code, stderr)
			assert.Equal(t, out, body, "docs/architecture.md's diagram of %s is stale: regenerate it with go run ./cmd/plan --stack %s --format mermaid", stack, stack)
		})
	}
	assert.Equal(t, 3, found, "docs/architecture.md shows the prod stack of each cloud")
}

func TestDiagramsDrawEveryRegionAndStandbysDashed(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		cfg      map[string]any
		standbys int
	}{
		{Contract("aws", "active-passive", "us-west-2", "us-east-1", "eu-west-1"), 2},
		{Contract("gcp", "active-active", "us-central1", "us-east1"), 0},
		// An Azure SQL failover group waits an hour: the stack must own that objective.
		{With(Contract("azure", "active-passive", "northeurope", "westeurope"), "rtoSeconds", 3900), 1},
	} {
		t.Run(tc.cfg["cloud"].(string), func(t *testing.T) {
			file := WriteStack(t, "d", tc.cfg)
			code, mermaid, _ := RunMain(t, "--config-file", file, "--format", "mermaid")
			require.Equal(t, plan.ExitOK, code)
			code, dot, _ := RunMain(t, "--config-file", file, "--format", "dot")
			require.Equal(t, plan.ExitOK, code)
			for _, r := range tc.cfg["regions"].([]string) {
				assert.Contains(t, mermaid, "subgraph "+strings.ReplaceAll(r, "-", "_"))
				assert.Contains(t, dot, "subgraph cluster_"+strings.ReplaceAll(r, "-", "_"))
			}
			assert.Equal(t, tc.standbys, strings.Count(mermaid, "stroke-dasharray"), "standbys are dashed")
			assert.Equal(t, tc.standbys, strings.Count(dot, "style=dashed;"))
			assert.True(t, strings.HasPrefix(mermaid, "flowchart TB\n"))
			assert.True(t, strings.HasPrefix(dot, "digraph "))
		})
	}
}

func TestSummaryShowsWhatEachRegionAddsAndTheReplicationPaths(t *testing.T) {
	t.Parallel()
	code, out, stderr := RunMain(t, "--config-file", "../../Pulumi.prod.yaml", "--format", "summary")
	require.Equal(t, plan.ExitOK, code, stderr)
	assert.Contains(t, out, "| billable kind | global | us-east-1 | eu-west-1 | ap-southeast-1 |\n")
	assert.Contains(t, out, "| `aws:lb/loadBalancer:LoadBalancer` | · | 1 | 1 | 1 |\n", "one load balancer per region")
	assert.Contains(t, out, "| `aws:ec2/natGateway:NatGateway` | · | 3 | 3 | 3 |\n", "a NAT gateway per zone")
	assert.NotContains(t, out, "aws:iam/role:Role", "identities cost nothing of their own")
	assert.Contains(t, out, "- database: us-east-1 → eu-west-1 (Aurora global, async ~1 s)\n")
	assert.Contains(t, out, "- storage: us-east-1 → ap-southeast-1 (S3 RTC 15 min)\n")
	assert.Contains(t, out, "| RTO | 350 s | 600 s |\n")

	// A third region adds its stamp to the table and a replication path.
	two := ContractPlan(t, "aws", "active-active", "us-east-1", "eu-west-1")
	three := ContractPlan(t, "aws", "active-active", "us-east-1", "eu-west-1", "ap-northeast-1")
	var a, b bytes.Buffer
	two.WriteSummary(&a)
	three.WriteSummary(&b)
	assert.NotContains(t, a.String(), "→ ap-northeast-1")
	assert.Contains(t, b.String(), "- database: us-east-1 → ap-northeast-1 (Aurora global, async ~1 s)\n")
	assert.Contains(t, b.String(), "| `aws:ecs/service:Service` | · | 1 | 1 | 1 |\n")
}

func TestPaidDDoSProtectionIsOffByDefaultAndCoversEveryEntryPointWhenOn(t *testing.T) {
	t.Parallel()
	const (
		shieldType, shieldHC, shieldGroup = "aws:shield/protection:Protection", "aws:shield/protectionHealthCheckAssociation:ProtectionHealthCheckAssociation", "aws:shield/protectionGroup:ProtectionGroup"
		armorNetwork, edgeService, tier   = "gcp:compute/regionSecurityPolicy:RegionSecurityPolicy", "gcp:compute/networkEdgeSecurityService:NetworkEdgeSecurityService", "gcp:compute/projectCloudArmorTier:ProjectCloudArmorTier"
		ddosPlan, vnet                    = "azure-native:network:DdosProtectionPlan", "azure-native:network:VirtualNetwork"
	)
	t.Run("aws", func(t *testing.T) {
		awsCfg := Contract("aws", "active-active", "us-east-1", "eu-west-1")
		off := ContractPlan(t, "aws", "active-active", "us-east-1", "eu-west-1")
		assert.Empty(t, off.Recorder.OfType(shieldType), "Shield Advanced has a subscription fee: off unless asked for")
		on := MustPlan(t, "d", With(awsCfg, "ddosProtection", true))
		protected := map[string]bool{}
		for _, p := range on.Recorder.OfType(shieldType) {
			protected[p.Str("resourceArn")] = true
			assert.Empty(t, p.Region, "Shield Advanced is managed from us-east-1 for every region")
		}
		for _, lb := range on.Recorder.OfType(TypeALB) {
			assert.True(t, protected[lb.Outputs["arn"].(string)], "load balancer in %s is protected", lb.Region)
		}
		dist := One(t, on.Recorder.OfType(TypeDistribution), "distribution")
		assert.True(t, protected["arn:aws:cloudfront::"+mock.Account+":distribution/"+dist.ID], "the edge cache is protected")
		assert.Len(t, protected, 3)
		checks := map[string]bool{}
		for _, hc := range on.Recorder.OfType(TypeHealthCheck) {
			checks["arn:aws:route53:::healthcheck/"+hc.ID] = true
		}
		assocs := on.Recorder.OfType(shieldHC)
		require.Len(t, assocs, 2, "health-based detection for each load balancer")
		for _, a := range assocs {
			assert.True(t, checks[a.Str("healthCheckArn")], a.Str("healthCheckArn"))
		}
		group := One(t, on.Recorder.OfType(shieldGroup), "protection group")
		assert.Equal(t, "MAX", group.Str("aggregation"))
		assert.Equal(t, 3, group.Len("members"))
		assert.Empty(t, on.Recorder.OfType("aws:shield/subscription:Subscription"), "the one-year subscription is the account's own decision")
	})
	t.Run("gcp", func(t *testing.T) {
		gcpCfg := Contract("gcp", "active-active", "us-central1", "us-east1")
		assert.Empty(t, ContractPlan(t, "gcp", "active-active", "us-central1", "us-east1").Recorder.OfType(armorNetwork))
		g := MustPlan(t, "d", With(gcpCfg, "ddosProtection", true))
		assert.Equal(t, "CA_ENTERPRISE_PAYGO", One(t, g.Recorder.OfType(tier), "tier").Str("cloudArmorTier"))
		networkPolicies := ByRegion(g, armorNetwork, "selfLink")
		assert.Len(t, networkPolicies, 2)
		for _, p := range g.Recorder.OfType(armorNetwork) {
			assert.Equal(t, "CLOUD_ARMOR_NETWORK", p.Str("type"))
			assert.Equal(t, "ADVANCED", p.Str("ddosProtectionConfig.ddosProtection"))
		}
		for _, e := range g.Recorder.OfType(edgeService) {
			assert.Equal(t, networkPolicies[e.Str("region")], e.Str("securityPolicy"), "the region's edge uses the region's policy")
		}
	})
	t.Run("azure", func(t *testing.T) {
		azCfg := With(Contract("azure", "active-active", "northeurope", "westeurope"), "rtoSeconds", 3900)
		for _, n := range MustPlan(t, "d", azCfg).Recorder.OfType(vnet) {
			assert.False(t, n.Bool("enableDdosProtection"))
		}
		a := MustPlan(t, "d", With(azCfg, "ddosProtection", true))
		plan := One(t, a.Recorder.OfType(ddosPlan), "one plan for every network")
		vnets := a.Recorder.OfType(vnet)
		require.Len(t, vnets, 2)
		for _, n := range vnets {
			assert.True(t, n.Bool("enableDdosProtection"))
			assert.Equal(t, plan.ID, n.Str("ddosProtectionPlan.id"))
		}
	})
}

func TestEveryCommittedStackHasAMonthlyBudgetAlertingAtTheSameThresholds(t *testing.T) {
	t.Parallel()
	want := []string{"50 actual", "80 actual", "100 actual", "100 forecast"}
	t.Run("aws", func(t *testing.T) {
		// AWS Budgets, over the resources tagged with the stack.
		b := One(t, PlanFile(t, "../../Pulumi.prod.yaml").Recorder.OfType("aws:budgets/budget:Budget"), "budget")
		assert.Equal(t, "20000", b.Str("limitAmount"))
		assert.Equal(t, "USD", b.Str("limitUnit"))
		assert.Equal(t, "MONTHLY", b.Str("timeUnit"))
		assert.Equal(t, []any{"user:stack$prod"}, b.Get("costFilters.0.values"))
		var got []string
		for i := 0; i < b.Len("notifications"); i++ {
			n := fmt.Sprintf("notifications.%d.", i)
			kind := map[string]string{"ACTUAL": "actual", "FORECASTED": "forecast"}[b.Str(n+"notificationType")]
			got = append(got, fmt.Sprintf("%d %s", b.Int(n+"threshold"), kind))
			assert.Equal(t, []any{"oncall@example.com"}, b.Get(n+"subscriberEmailAddresses"))
		}
		assert.Equal(t, want, got)

		// No budget unless asked for; a budget needs someone to tell, and on
		// Google Cloud the billing account.
		assert.Empty(t, ContractPlan(t, "aws", "active-active", "us-east-1", "eu-west-1").Recorder.OfType("aws:budgets/budget:Budget"))
		_, err := planConfig(t, "b", With(Contract("aws", "active-active", "us-east-1", "eu-west-1"), "monthlyBudget", 100))
		require.Error(t, err)
		assert.Contains(t, err.Error(), "mobile-backend:alertEmails: a monthlyBudget needs at least one address to alert")
	})
	t.Run("gcp", func(t *testing.T) {
		// A Cloud Billing budget on the project, the stack's label, to its channels.
		g := PlanFile(t, "../../Pulumi.gcp-prod.yaml")
		gb := One(t, g.Recorder.OfType("gcp:billing/budget:Budget"), "budget")
		assert.Equal(t, "000000-000000-000000", gb.Str("billingAccount"))
		assert.Equal(t, "15000", gb.Str("amount.specifiedAmount.units"))
		assert.Nil(t, gb.Get("amount.specifiedAmount.currencyCode"), "the billing account's own currency: the API refuses any other")
		assert.Equal(t, []any{"projects/" + mock.GCPProjectNumber}, gb.Get("budgetFilter.projects"))
		assert.Equal(t, "gcp-prod", gb.Str("budgetFilter.labels.stack"))
		var got []string
		for i := 0; i < gb.Len("thresholdRules"); i++ {
			r := fmt.Sprintf("thresholdRules.%d.", i)
			kind := map[string]string{"CURRENT_SPEND": "actual", "FORECASTED_SPEND": "forecast"}[gb.Str(r+"spendBasis")]
			got = append(got, fmt.Sprintf("%.0f %s", 100*gb.Get(r+"thresholdPercent").(float64), kind))
		}
		assert.Equal(t, want, got)
		channel := One(t, g.Recorder.OfType("gcp:monitoring/notificationChannel:NotificationChannel"), "channel")
		assert.Equal(t, []any{channel.Outputs["name"]}, gb.Get("allUpdatesRule.monitoringNotificationChannels"))
		_, err := planConfig(t, "b", With(Contract("gcp", "active-active", "us-central1", "us-east1"), "monthlyBudget", 100, "alertEmails", []string{"a@example.com"}))
		require.Error(t, err)
		assert.Contains(t, err.Error(), "mobile-backend:gcpBillingAccount: a monthlyBudget on Google Cloud is set on the billing account")
	})
	t.Run("azure", func(t *testing.T) {
		// A Cost Management budget on the subscription, the stack's resource groups.
		a := PlanFile(t, "../../Pulumi.azure-prod.yaml")
		ab := One(t, a.Recorder.OfType("azure-native:consumption:Budget"), "budget")
		assert.Equal(t, 15000, ab.Int("amount"))
		assert.Equal(t, "/subscriptions/"+mock.AzureSubscription, ab.Str("scope"))
		assert.Equal(t, []any{"azure-prod-global", "azure-prod-eastus2", "azure-prod-westeurope", "azure-prod-southeastasia"}, ab.Get("filter.dimensions.values"))
		assert.Regexp(t, `^\d{4}-\d{2}-01T00:00:00Z$`, ab.Str("timePeriod.startDate"), "the first of the month")
		assert.Contains(t, ab.IgnoreChanges, "timePeriod.startDate")
		var got []string
		for _, k := range []string{"Actual50", "Actual80", "Actual100", "Forecasted100"} {
			n := "notifications." + k + "."
			got = append(got, fmt.Sprintf("%d %s", ab.Int(n+"threshold"), map[string]string{"Actual": "actual", "Forecasted": "forecast"}[ab.Str(n+"thresholdType")]))
			assert.Equal(t, One(t, a.Recorder.OfType("azure-native:insights:ActionGroup"), "group").ID, ab.Str(n+"contactGroups.0"))
		}
		assert.Equal(t, want, got)
	})
}

func TestEveryTaggableResourceCarriesTheCostAllocationTags(t *testing.T) {
	t.Parallel()
	for _, file := range LinkedStacks(t) {
		res := PlanFile(t, file)
		byURN := map[string]*mock.Resource{}
		for _, r := range res.Recorder.Resources() {
			byURN[r.URN] = r
		}
		tagged := 0
		for _, r := range res.Recorder.Resources() {
			if !r.Custom || strings.HasPrefix(r.Type, "pulumi:providers:") || strings.HasPrefix(r.Type, "random:") {
				continue
			}
			key := "tags"
			if strings.HasPrefix(r.Type, "gcp:") {
				key = "labels"
				if r.Get("userLabels") != nil || r.Type == "gcp:monitoring/notificationChannel:NotificationChannel" {
					key = "userLabels"
				}
			}
			own, ok := r.Get(key).(map[string]any)
			if !ok {
				continue // the type takes no tags
			}
			tagged++
			effective := map[string]any{}
			if p := byURN[r.Provider[:strings.LastIndex(r.Provider, "::")]]; p != nil {
				defaults, _ := p.Get("defaultTags.tags").(map[string]any)
				if strings.HasPrefix(r.Type, "gcp:") {
					defaults, _ = p.Get("defaultLabels").(map[string]any)
				}
				for k, v := range defaults {
					effective[k] = v
				}
			}
			for k, v := range own {
				effective[k] = v
			}
			for _, k := range []string{"stack", "environment", "component"} {
				assert.NotEmpty(t, effective[k], "%s: %s %s lacks %s", file, r.Type, r.Name, k)
			}
			located := r.Region != "" && (!strings.HasPrefix(r.Type, "azure-native:") || r.Get("location") != nil)
			if located {
				assert.NotEmpty(t, effective["region"], "%s: %s %s lacks region", file, r.Type, r.Name)
			}
		}
		assert.Greater(t, tagged, 10, file)
	}
	// The component is the one that made the resource.
	t.Run("aws", func(t *testing.T) {
		res := PlanFile(t, "../../Pulumi.prod.yaml")
		for _, lb := range res.Recorder.OfType(TypeALB) {
			assert.Equal(t, "regional-compute", lb.Get("tags.component"))
		}
		for _, v := range res.Recorder.OfType(TypeVpc) {
			assert.Equal(t, "regional-network", v.Get("tags.component"))
		}
	})
	t.Run("azure", func(t *testing.T) {
		az := PlanFile(t, "../../Pulumi.azure-prod.yaml")
		for _, a := range az.Recorder.OfType(TypeStorageAcct) {
			assert.Equal(t, "replicated-storage", a.Get("tags.component"))
			assert.Equal(t, a.Region, a.Get("tags.region"))
		}
	})
}

func TestEveryStackExportsTheSameOutputsContract(t *testing.T) {
	t.Parallel()
	for _, file := range LinkedStacks(t) {
		res := PlanFile(t, file)
		assert.Equal(t, stacks.OutputKeys, spec.SortedKeys(res.Outputs), file)
		regions := res.Outputs["regions"].(map[string]any)
		db := res.Outputs["database"].(map[string]any)
		readers := db["readerEndpoints"].(map[string]any)
		require.Len(t, regions, len(res.Spec.Regions), file)
		for _, r := range res.Spec.Regions {
			region := regions[r.Name].(map[string]any)
			assert.Equal(t, []string{"bucket", "databaseReader", "endpoint", "origin", "role"}, spec.SortedKeys(region), file)
			assert.Equal(t, string(r.Role), region["role"])
			assert.Equal(t, "https://"+r.Name+"."+res.Spec.Domain, region["endpoint"])
			for _, k := range []string{"bucket", "databaseReader", "origin"} {
				assert.NotEmpty(t, region[k], "%s: %s.%s", file, r.Name, k)
			}
			assert.Equal(t, region["databaseReader"], readers[r.Name], "%s: the same reader in both places", file)
		}
		assert.Equal(t, []string{"engine", "readerEndpoints", "writerEndpoint"}, spec.SortedKeys(db), file)
		assert.NotEmpty(t, db["writerEndpoint"], file)
		assert.Contains(t, []any{"aurora-postgresql", "spanner", "cloudsql", "azure-sql"}, db["engine"], file)
		assert.Equal(t, "https://"+res.Spec.Domain, res.Outputs["globalEndpoint"])
		assert.Equal(t, res.Spec.Storage.StaticHostname, res.Outputs["staticHostname"])
		assert.Regexp(t, `^https://`, res.Outputs["dashboardUrl"], file)
	}
}

// A new writer is a new order of regions: no region's network range moves
// (a moved subnetwork range is a forced replacement on Google Cloud).
func TestReorderingRegionsMovesNoNetworkRange(t *testing.T) {
	t.Parallel()
	networks := map[string][2]string{ // cloud -> type, range path
		"aws":   {TypeVpc, "cidrBlock"},
		"gcp":   {"gcp:compute/subnetwork:Subnetwork", "ipCidrRange"},
		"azure": {"azure-native:network:VirtualNetwork", "addressSpace.addressPrefixes.0"},
	}
	rangesOf := func(t *testing.T, res *plan.Result) map[string]string {
		n := networks[string(res.Spec.Cloud)]
		out := map[string]string{}
		for _, r := range res.Recorder.OfType(n[0]) {
			out[r.Region] = r.Str(n[1])
		}
		require.Len(t, out, len(res.Spec.Regions), res.Config.Stack)
		return out
	}
	ranges := func(t *testing.T, c *stackfile.Config) map[string]string {
		res, err := plan.Run(c)
		require.NoError(t, err)
		return rangesOf(t, res)
	}
	rotated := func(c *stackfile.Config) *stackfile.Config {
		regions := regionsOf(t, c)
		b, _ := json.Marshal(append(regions[1:], regions[0]))
		return withValue(c, "regions", string(b))
	}
	// The committed stacks' own plans are the cached ones.
	for _, file := range LinkedStacks(t) {
		res := PlanFile(t, file)
		assert.Equal(t, rangesOf(t, res), ranges(t, rotated(res.Config)), file)
	}
	for cloud, regions := range map[string][]string{
		"aws": {"us-east-1", "eu-west-1", "ap-southeast-1"}, "gcp": {"us-central1", "europe-west1", "asia-east1"}, "azure": {"eastus2", "westeurope", "southeastasia"},
	} {
		if !stacks.Linked(spec.Cloud(cloud)) {
			continue // planned in its cloud's test binary
		}
		for _, topology := range []string{"active-active", "active-passive"} {
			res := ContractPlan(t, cloud, topology, regions...)
			assert.Equal(t, rangesOf(t, res), ranges(t, rotated(res.Config)), "%s %s", cloud, topology)
		}
	}
}

func TestThePasswordNeverAppearsInPlainText(t *testing.T) {
	t.Parallel()
	for _, file := range LinkedStacks(t) {
		// What the plan command prints: the JSON and the tree of the plan.
		res := PlanFile(t, file)
		var js, tree strings.Builder
		require.NoError(t, res.WriteJSON(&js))
		require.NoError(t, res.WriteTree(&tree))
		assert.False(t, strings.Contains(js.String(), mock.MockPassword), "%s leaks the generated password", file)
		if strings.Contains(js.String(), `"cloud": "aws"`) {
			assert.True(t, strings.Contains(js.String(), `"masterPassword": "[secret]"`), file)
		}
		assert.False(t, strings.Contains(tree.String(), mock.MockPassword), file)
	}
	// The secret version carries the password too, still as a secret.
	res := PlanFile(t, "../../Pulumi.prod.yaml")
	version := One(t, res.Recorder.OfType("aws:secretsmanager/secretVersion:SecretVersion"), "secret version")
	assert.Equal(t, "[secret]", version.Get("secretString"))
}
