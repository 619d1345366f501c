package suite

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mobile-backend/mobile-backend/internal/mock"
	"github.com/mobile-backend/mobile-backend/internal/plan"
	"github.com/mobile-backend/mobile-backend/policies"
)

// The checks of what a real `pulumi up` refuses, on real programs: small
// ones that build the shapes the project used to have (each caught), and
// the plans of the committed and contract-only stacks (each clean).

// BeyondMocks are the ordering check and every provider constraint.
var BeyondMocks = append([]policies.Policy{policies.ExplicitOrdering}, policies.Constraints...)

func Recorded(rec *mock.Recorder) policies.Stack {
	return policies.Stack{Resources: rec.Resources()}
}

func TestEveryCompositeAlarmOfProdWaitsForItsMembers(t *testing.T) {
	t.Parallel()
	res := PlanFile(t, "../../Pulumi.prod.yaml")
	g := policies.NewGraph(res.Recorder.Resources())
	composites := res.Recorder.OfType(TypeComposite)
	require.Len(t, composites, 3, "one per region")
	for _, c := range composites {
		members := 0
		for _, a := range res.Recorder.InRegion(TypeAlarm, c.Region) {
			if strings.Contains(c.Str("alarmRule"), fmt.Sprintf("ALARM(%q)", a.Str("name"))) {
				members++
				assert.True(t, g.DependsOn(c, a), "%s waits for %s", c.Name, a.Name)
			}
		}
		assert.Equal(t, 2, members, c.Name)
	}
}

func TestTheEdgeCacheFillAgentIsGrantedAfterTheSignedURLKeyThatCreatesIt(t *testing.T) {
	t.Parallel()
	res := PlanFile(t, "../../Pulumi.gcp-prod.yaml")
	g := policies.NewGraph(res.Recorder.Resources())
	key := One(t, res.Recorder.OfType("gcp:compute/backendBucketSignedUrlKey:BackendBucketSignedUrlKey"), "signed URL key")
	assert.Equal(t, "[secret]", key.Str("keyValue"), "the key value never reaches the plan in clear")
	var fill *mock.Resource
	for _, m := range res.Recorder.OfType("gcp:storage/bucketIAMMember:BucketIAMMember") {
		if strings.Contains(m.Str("member"), "@cloud-cdn-fill.iam.gserviceaccount.com") {
			fill = m
		}
	}
	require.NotNil(t, fill)
	assert.True(t, g.DependsOn(fill, key))
}

func TestAzureAppsAreBuiltFromTheDataTiersOutputsNotPredictedNames(t *testing.T) {
	t.Parallel()
	res := PlanFile(t, "../../Pulumi.azure-prod.yaml")
	g := policies.NewGraph(res.Recorder.Resources())
	fog := One(t, res.Recorder.OfType("azure-native:sql:FailoverGroup"), "failover group")
	for _, app := range res.Recorder.OfType("azure-native:app/v20240301:ContainerApp") {
		env := map[string]string{}
		for i := 0; i < app.Len("template.containers.0.env"); i++ {
			env[app.Str(fmt.Sprintf("template.containers.0.env.%d.name", i))] = app.Str(fmt.Sprintf("template.containers.0.env.%d.value", i))
		}
		assert.Equal(t, fog.Str("failoverGroupName")+".database.windows.net", env["DB_WRITER_HOST"], app.Name)
		assert.True(t, g.DependsOn(app, fog), "%s waits for the failover group it writes through", app.Name)
		account := One(t, res.Recorder.InRegion("azure-native:storage:StorageAccount", app.Region), "account in "+app.Region)
		assert.Equal(t, account.Str("accountName"), env["UPLOADS_ACCOUNT"], app.Name)
		assert.True(t, g.DependsOn(app, account), "%s waits for its storage account", app.Name)
	}
}

func TestContainerAppsEnvironmentsSitOnADelegatedSubnet(t *testing.T) {
	t.Parallel()
	res := PlanFile(t, "../../Pulumi.azure-prod.yaml")
	for _, vnet := range res.Recorder.OfType("azure-native:network:VirtualNetwork") {
		assert.Equal(t, "apps", vnet.Str("subnets.0.name"))
		assert.Equal(t, policies.ContainerAppsSubnetDelegation, vnet.Str("subnets.0.delegations.0.serviceName"), vnet.Region)
		assert.Nil(t, vnet.Get("subnets.1.delegations"), "private endpoints need an undelegated subnet")
	}
	// The rule on the real plan: drop a delegation and it fails.
	broken := mutated(t, Graph(res), "azure-native:network:VirtualNetwork", "westeurope", "subnets.0.delegations", nil)
	vs := Violations(broken, policies.ContainerAppsSubnet)
	require.Len(t, vs, 1)
	assert.Equal(t, "infrastructure subnet apps is not delegated to Microsoft.App/environments", vs[0].Message)
}

func TestGoogleCloudStacksEnableEveryAPIFirstAndKeepItOnAtDestroy(t *testing.T) {
	t.Parallel()
	res := PlanFile(t, "../../Pulumi.gcp-staging.yaml")
	enabled := map[string]bool{}
	for _, s := range res.Recorder.OfType("gcp:projects/service:Service") {
		enabled[s.Str("service")] = true
		assert.Equal(t, false, s.Get("disableOnDestroy"), "other workloads of the project may use %s", s.Str("service"))
	}
	for _, api := range []string{"run.googleapis.com", "sqladmin.googleapis.com", "cloudkms.googleapis.com", "cloudscheduler.googleapis.com", "iam.googleapis.com"} {
		assert.True(t, enabled[api], api)
	}
	// The rule on the real plan: a Cloud Run service that does not wait for its API.
	s := Graph(res)
	for i, r := range s.Resources {
		if r.Type == TypeRun && r.Region == "europe-west1" {
			clone := *r
			clone.DependsOn = nil
			s.Resources[i] = &clone
		}
	}
	vs := Violations(s, policies.GoogleAPIsEnabled)
	require.Len(t, vs, 1)
	assert.Equal(t, "does not wait for the projects.Service that enables run.googleapis.com", vs[0].Message)
}

func TestCloudRunRefusesTheAWSPlaceholderSoTheGoogleCloudDefaultIsDockerHub(t *testing.T) {
	t.Parallel()
	t.Run("gcp", func(t *testing.T) {
		res := ContractPlan(t, "gcp", "active-active", "us-central1", "us-east1")
		for _, svc := range res.Recorder.OfType(TypeRun) {
			assert.Equal(t, "docker.io/library/nginx:stable", svc.Str("template.containers.0.image"))
		}
		_, err := planConfig(t, "img", With(Contract("gcp", "active-active", "us-central1", "us-east1"), "image", "public.ecr.aws/nginx/nginx:stable"))
		require.Error(t, err)
		assert.Contains(t, err.Error(), `mobile-backend:image: "public.ecr.aws/nginx/nginx:stable": Cloud Run deploys only from Artifact Registry`)
	})
	t.Run("aws", func(t *testing.T) {
		aws := ContractPlan(t, "aws", "active-active", "us-east-1", "eu-west-1")
		assert.Contains(t, mustJSON(t, aws), "public.ecr.aws/nginx/nginx:stable", "AWS keeps ECR Public")
	})
}

func mustJSON(t *testing.T, res *plan.Result) string {
	t.Helper()
	b, err := json.Marshal(res.Document())
	require.NoError(t, err)
	return string(b)
}

func TestContractOnlyStacksOfEveryCloudAndTopologyPassTheChecksBeyondTheMocks(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		cloud   string
		regions []string
	}{
		{"aws", []string{"us-east-1", "eu-west-1", "ap-southeast-1"}},
		{"gcp", []string{"us-central1", "us-east1", "us-west1"}},
		{"azure", []string{"eastus2", "westeurope", "southeastasia"}},
	} {
		for _, topology := range []string{"active-active", "active-passive"} {
			t.Run(tc.cloud+"/"+topology, func(t *testing.T) {
				res := MustPlan(t, "min", With(Contract(tc.cloud, topology, tc.regions...), "monthlyBudget", 1000,
					"gcpBillingAccount", "012345-6789AB-CDEF01", "alertEmails", []string{"oncall@example.com"}))
				assert.Empty(t, policies.Evaluate(Graph(res), BeyondMocks))
			})
		}
	}
}

func TestThePlanJSONListsWhatEachResourceWaitsFor(t *testing.T) {
	t.Parallel()
	res := PlanFile(t, "../../Pulumi.prod.yaml")
	doc := res.Document()
	byURN := map[string]plan.DocumentEntry{}
	for _, e := range doc.Resources {
		byURN[e.URN] = e
	}
	for _, c := range res.Recorder.OfType(TypeComposite) {
		e := byURN[c.URN]
		assert.NotContains(t, e.DependsOn, c.Parent, "the parent is not a dependency")
		var alarms []string
		for _, u := range e.DependsOn {
			if strings.Contains(u, TypeAlarm) {
				alarms = append(alarms, u)
			}
		}
		assert.Len(t, alarms, 2, "%s lists the alarms its rule names", c.Name)
		assert.IsIncreasing(t, e.DependsOn, "sorted")
	}
	b, err := json.Marshal(doc)
	require.NoError(t, err)
	assert.Contains(t, string(b), `"dependsOn":[`)
}
