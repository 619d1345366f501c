package tests

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/monitoring"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/pubsub"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	gcpc "github.com/mobile-backend/mobile-backend/components/gcp"
	"github.com/mobile-backend/mobile-backend/internal/mock"
	"github.com/mobile-backend/mobile-backend/internal/plan"
	"github.com/mobile-backend/mobile-backend/policies"
)

// The checks of what a real `pulumi up` refuses, on real programs: small
// ones that build the shapes the project used to have (each caught), and
// the plans of the committed and contract-only stacks (each clean).

// beyondMocks are the ordering check and every provider constraint.
var beyondMocks = append([]policies.Policy{policies.ExplicitOrdering}, policies.Constraints...)

func recorded(rec *mock.Recorder) policies.Stack {
	return policies.Stack{Resources: rec.Resources()}
}

func TestACompositeAlarmNamingItsMembersAsPlainStringsIsCaught(t *testing.T) {
	t.Parallel()
	// The shape components/aws/monitoring.go had: the member alarms' names
	// as Go strings in the rule, so the engine may create the composite first.
	rec := runComponent(t, "us-east-1", func(ctx *pulumi.Context, in pulumi.ResourceOption) error {
		var names []string
		for _, n := range []string{"prod-us-east-1-no-healthy-hosts", "prod-us-east-1-5xx-rate"} {
			if _, err := cloudwatch.NewMetricAlarm(ctx, n, &cloudwatch.MetricAlarmArgs{
				Name: pulumi.String(n), ComparisonOperator: pulumi.String("GreaterThanThreshold"), EvaluationPeriods: pulumi.Int(1),
			}, in); err != nil {
				return err
			}
			names = append(names, n)
		}
		_, err := cloudwatch.NewCompositeAlarm(ctx, "prod-us-east-1-region-down", &cloudwatch.CompositeAlarmArgs{
			AlarmName: pulumi.String("prod-us-east-1-region-down"),
			AlarmRule: pulumi.Sprintf("ALARM(%q) OR ALARM(%q)", names[0], names[1]),
		}, in)
		return err
	})
	vs := policies.Evaluate(recorded(rec), beyondMocks)
	require.Len(t, vs, 4, "two members, each caught by the ordering check and by the constraint row")
	var all []string
	for _, v := range vs {
		all = append(all, v.Policy+": "+v.Message)
	}
	text := strings.Join(all, "\n")
	for _, member := range []string{"prod-us-east-1-no-healthy-hosts", "prod-us-east-1-5xx-rate"} {
		assert.Contains(t, text, fmt.Sprintf("composite-alarm-members-exist: alarm rule names %q without waiting for it", member))
		assert.Contains(t, text, "explicit-ordering: input alarmRule names aws:cloudwatch/metricAlarm:MetricAlarm "+member)
	}
}

func TestEveryCompositeAlarmOfProdWaitsForItsMembers(t *testing.T) {
	t.Parallel()
	res := planFile(t, "../Pulumi.prod.yaml")
	g := policies.NewGraph(res.Recorder.Resources())
	composites := res.Recorder.OfType(typeComposite)
	require.Len(t, composites, 3, "one per region")
	for _, c := range composites {
		members := 0
		for _, a := range res.Recorder.InRegion(typeAlarm, c.Region) {
			if strings.Contains(c.Str("alarmRule"), fmt.Sprintf("ALARM(%q)", a.Str("name"))) {
				members++
				assert.True(t, g.DependsOn(c, a), "%s waits for %s", c.Name, a.Name)
			}
		}
		assert.Equal(t, 2, members, c.Name)
	}
}

func TestAGrantToTheMonitoringAgentBeforeItsPubSubChannelIsCaught(t *testing.T) {
	t.Parallel()
	// The shape components/gcp/failover.go had: the publisher grant to Cloud
	// Monitoring's notification agent with nothing that makes Google create it.
	rec := mock.NewRecorder("mobile-backend", "test")
	require.NoError(t, pulumi.RunErr(func(ctx *pulumi.Context) error {
		p, err := gcpc.NewProvider(ctx, "gcp-us-central1", "", "us-central1", nil)
		if err != nil {
			return err
		}
		in := pulumi.Provider(p)
		topic, err := pubsub.NewTopic(ctx, "failover", &pubsub.TopicArgs{}, in)
		if err != nil {
			return err
		}
		if _, err := pubsub.NewTopicIAMMember(ctx, "monitoring-publishes", &pubsub.TopicIAMMemberArgs{
			Topic: topic.ID(), Role: pulumi.String("roles/pubsub.publisher"),
			Member: pulumi.String("serviceAccount:service-" + mock.GCPProjectNumber + "@gcp-sa-monitoring-notification.iam.gserviceaccount.com"),
		}, in); err != nil {
			return err
		}
		_, err = monitoring.NewNotificationChannel(ctx, "failover", &monitoring.NotificationChannelArgs{
			Type: pulumi.String("pubsub"), Labels: pulumi.StringMap{"topic": topic.ID()},
		}, in)
		return err
	}, rec.RunOption()))
	vs := policies.Evaluate(recorded(rec), []policies.Policy{policies.GoogleServiceAgentsCreated})
	require.Len(t, vs, 1)
	assert.Contains(t, vs[0].Message, "gcp-sa-monitoring-notification.iam.gserviceaccount.com, which Google has not necessarily created yet")

	res := planFile(t, "../Pulumi.gcp-staging.yaml")
	g := policies.NewGraph(res.Recorder.Resources())
	grant := one(t, res.Recorder.OfType("gcp:pubsub/topicIAMMember:TopicIAMMember"), "publisher grant")
	channel := res.Recorder.Named("gcp:monitoring/notificationChannel:NotificationChannel", "gcp-staging-failover")
	require.NotNil(t, channel)
	assert.True(t, g.DependsOn(grant, channel), "the failover's grant waits for its Pub/Sub channel")
	alert := res.Recorder.Named("gcp:monitoring/alertPolicy:AlertPolicy", "gcp-staging-failover-primary-down")
	require.NotNil(t, alert)
	assert.True(t, g.DependsOn(alert, grant), "no incident is published before the agent may publish")
}

func TestTheEdgeCacheFillAgentIsGrantedAfterTheSignedURLKeyThatCreatesIt(t *testing.T) {
	t.Parallel()
	res := planFile(t, "../Pulumi.gcp-prod.yaml")
	g := policies.NewGraph(res.Recorder.Resources())
	key := one(t, res.Recorder.OfType("gcp:compute/backendBucketSignedUrlKey:BackendBucketSignedUrlKey"), "signed URL key")
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
	res := planFile(t, "../Pulumi.azure-prod.yaml")
	g := policies.NewGraph(res.Recorder.Resources())
	fog := one(t, res.Recorder.OfType("azure-native:sql:FailoverGroup"), "failover group")
	for _, app := range res.Recorder.OfType("azure-native:app:ContainerApp") {
		env := map[string]string{}
		for i := 0; i < app.Len("template.containers.0.env"); i++ {
			env[app.Str(fmt.Sprintf("template.containers.0.env.%d.name", i))] = app.Str(fmt.Sprintf("template.containers.0.env.%d.value", i))
		}
		assert.Equal(t, fog.Str("failoverGroupName")+".database.windows.net", env["DB_WRITER_HOST"], app.Name)
		assert.True(t, g.DependsOn(app, fog), "%s waits for the failover group it writes through", app.Name)
		account := one(t, res.Recorder.InRegion("azure-native:storage:StorageAccount", app.Region), "account in "+app.Region)
		assert.Equal(t, account.Str("accountName"), env["UPLOADS_ACCOUNT"], app.Name)
		assert.True(t, g.DependsOn(app, account), "%s waits for its storage account", app.Name)
	}
}

func TestContainerAppsEnvironmentsSitOnADelegatedSubnet(t *testing.T) {
	t.Parallel()
	res := planFile(t, "../Pulumi.azure-prod.yaml")
	for _, vnet := range res.Recorder.OfType("azure-native:network:VirtualNetwork") {
		assert.Equal(t, "apps", vnet.Str("subnets.0.name"))
		assert.Equal(t, policies.ContainerAppsSubnetDelegation, vnet.Str("subnets.0.delegations.0.serviceName"), vnet.Region)
		assert.Nil(t, vnet.Get("subnets.1.delegations"), "private endpoints need an undelegated subnet")
	}
	// The rule on the real plan: drop a delegation and it fails.
	broken := mutated(t, graph(res), "azure-native:network:VirtualNetwork", "westeurope", "subnets.0.delegations", nil)
	vs := violations(broken, policies.ContainerAppsSubnet)
	require.Len(t, vs, 1)
	assert.Equal(t, "infrastructure subnet apps is not delegated to Microsoft.App/environments", vs[0].Message)
}

func TestGoogleCloudStacksEnableEveryAPIFirstAndKeepItOnAtDestroy(t *testing.T) {
	t.Parallel()
	res := planFile(t, "../Pulumi.gcp-staging.yaml")
	enabled := map[string]bool{}
	for _, s := range res.Recorder.OfType("gcp:projects/service:Service") {
		enabled[s.Str("service")] = true
		assert.Equal(t, false, s.Get("disableOnDestroy"), "other workloads of the project may use %s", s.Str("service"))
	}
	for _, api := range []string{"run.googleapis.com", "sqladmin.googleapis.com", "cloudkms.googleapis.com", "workflows.googleapis.com", "eventarc.googleapis.com"} {
		assert.True(t, enabled[api], api)
	}
	// The rule on the real plan: a Cloud Run service that does not wait for its API.
	s := graph(res)
	for i, r := range s.Resources {
		if r.Type == typeRun && r.Region == "europe-west1" {
			clone := *r
			clone.DependsOn = nil
			s.Resources[i] = &clone
		}
	}
	vs := violations(s, policies.GoogleAPIsEnabled)
	require.Len(t, vs, 1)
	assert.Equal(t, "does not wait for the projects.Service that enables run.googleapis.com", vs[0].Message)
}

func TestCloudRunRefusesTheAWSPlaceholderSoTheGoogleCloudDefaultIsDockerHub(t *testing.T) {
	t.Parallel()
	res := mustPlan(t, "img", contract("gcp", "active-active", "us-central1", "us-east1"))
	for _, svc := range res.Recorder.OfType(typeRun) {
		assert.Equal(t, "docker.io/library/nginx:stable", svc.Str("template.containers.0.image"))
	}
	aws := mustPlan(t, "img", contract("aws", "active-active", "us-east-1", "eu-west-1"))
	assert.Contains(t, mustJSON(t, aws), "public.ecr.aws/nginx/nginx:stable", "AWS keeps ECR Public")
	_, err := planConfig(t, "img", with(contract("gcp", "active-active", "us-central1", "us-east1"), "image", "public.ecr.aws/nginx/nginx:stable"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), `mobile-backend:image: "public.ecr.aws/nginx/nginx:stable": Cloud Run deploys only from Artifact Registry`)
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
				res := mustPlan(t, "min", with(contract(tc.cloud, topology, tc.regions...), "monthlyBudget", 1000,
					"gcpBillingAccount", "012345-6789AB-CDEF01", "alertEmails", []string{"oncall@example.com"}))
				assert.Empty(t, policies.Evaluate(graph(res), beyondMocks))
			})
		}
	}
}

func TestThePlanJSONListsWhatEachResourceWaitsFor(t *testing.T) {
	t.Parallel()
	res := planFile(t, "../Pulumi.prod.yaml")
	doc := res.Document()
	byURN := map[string]plan.DocumentEntry{}
	for _, e := range doc.Resources {
		byURN[e.URN] = e
	}
	for _, c := range res.Recorder.OfType(typeComposite) {
		e := byURN[c.URN]
		assert.NotContains(t, e.DependsOn, c.Parent, "the parent is not a dependency")
		var alarms []string
		for _, u := range e.DependsOn {
			if strings.Contains(u, typeAlarm) {
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
