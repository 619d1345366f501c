package aws

import (
	"encoding/json"
	"strings"
	"testing"

	. "github.com/mobile-backend/mobile-backend/tests/suite"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	awsc "github.com/mobile-backend/mobile-backend/components/aws"
	"github.com/mobile-backend/mobile-backend/internal/mock"
	"github.com/mobile-backend/mobile-backend/internal/spec"
)

const (
	testCertificate  = "arn:aws:acm:eu-west-1:123456789012:certificate/test"
	testPrivateImage = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/mobile/api:1.4.2"
)

// computeIn builds a region's network and one RegionalCompute on it, and
// returns the recorder and the two components.
func computeIn(t *testing.T, region string, args awsc.RegionalComputeArgs, netArgs ...awsc.RegionalNetworkArgs) (*mock.Recorder, *mock.Resource) {
	t.Helper()
	na := awsc.RegionalNetworkArgs{CIDR: "10.4.0.0/16"}
	if len(netArgs) > 0 {
		na = netArgs[0]
	}
	na.Region = region
	args.Region = region
	args.CertificateArn = pulumi.String(testCertificate)
	rec := runComponent(t, region, func(ctx *pulumi.Context, inRegion pulumi.ResourceOption) error {
		net, err := awsc.NewRegionalNetwork(ctx, "test-"+region, na, inRegion)
		if err != nil {
			return err
		}
		args.Network = net
		_, err = awsc.NewRegionalCompute(ctx, "test-"+region, args, inRegion)
		return err
	})
	return rec, One(t, rec.OfType(TypeCompute), "compute component")
}

// network returns the network component of a recorder.
func network(t *testing.T, rec *mock.Recorder) *mock.Resource {
	return One(t, rec.OfType("mobile-backend:aws:RegionalNetwork"), "network component")
}

func TestRegionalComputeSpansThreeZonesWithTasksInPrivateSubnets(t *testing.T) {
	t.Parallel()
	rec, c := computeIn(t, "eu-west-1", awsc.RegionalComputeArgs{})
	n := network(t, rec)

	vpc := One(t, Under(rec, n, TypeVpc), "vpc")
	assert.Equal(t, "10.4.0.0/16", vpc.Str("cidrBlock"))
	assert.True(t, vpc.Bool("enableDnsHostnames"))

	cidrs := map[string]string{}
	for _, s := range Under(rec, n, TypeSubnet) {
		cidrs[s.Name] = s.Str("cidrBlock")
		assert.Equal(t, "eu-west-1", s.Region, "subnets use the region's provider")
		assert.False(t, s.Bool("mapPublicIpOnLaunch"), "no subnet hands out public IPs")
	}
	assert.Equal(t, map[string]string{
		"test-eu-west-1-public-eu-west-1a":  "10.4.0.0/20",
		"test-eu-west-1-public-eu-west-1b":  "10.4.16.0/20",
		"test-eu-west-1-public-eu-west-1c":  "10.4.32.0/20",
		"test-eu-west-1-private-eu-west-1a": "10.4.64.0/18",
		"test-eu-west-1-private-eu-west-1b": "10.4.128.0/18",
		"test-eu-west-1-private-eu-west-1c": "10.4.192.0/18",
	}, cidrs, "three of the region's four zones, public /20s and private /18s")
	assert.Len(t, Under(rec, n, TypeNAT), 3, "one NAT gateway per zone by default")

	svc := One(t, Under(rec, c, TypeService), "service")
	assert.Equal(t, "FARGATE", svc.Str("launchType"))
	assert.Equal(t, false, svc.Get("networkConfiguration.assignPublicIp"))
	assert.Equal(t, 3, svc.Len("networkConfiguration.subnets"))
	for _, id := range svc.Get("networkConfiguration.subnets").([]any) {
		assert.Contains(t, privateSubnetIDs(rec, n), id, "tasks run in the private subnets only")
	}
	assert.Equal(t, true, svc.Get("deploymentCircuitBreaker.enable"))
	assert.Equal(t, true, svc.Get("deploymentCircuitBreaker.rollback"))
	assert.Equal(t, []string{"desiredCount"}, svc.IgnoreChanges, "autoscaling owns the running count")
	assert.Equal(t, "api", svc.Str("loadBalancers.0.containerName"))
	assert.Equal(t, 80, svc.Int("loadBalancers.0.containerPort"))

	cluster := One(t, Under(rec, c, TypeCluster), "cluster")
	assert.Equal(t, "containerInsights", cluster.Str("settings.0.name"))
	assert.Equal(t, "enabled", cluster.Str("settings.0.value"))
}

func privateSubnetIDs(rec *mock.Recorder, c *mock.Resource) []any {
	var ids []any
	for _, s := range Under(rec, c, TypeSubnet) {
		if strings.Contains(s.Name, "-private-") {
			ids = append(ids, s.ID)
		}
	}
	return ids
}

func TestRegionalComputeUsesTheZonesARegionHas(t *testing.T) {
	t.Parallel()
	// us-west-1 offers new accounts two zones.
	rec, _ := computeIn(t, "us-west-1", awsc.RegionalComputeArgs{}, awsc.RegionalNetworkArgs{CIDR: "10.9.0.0/16", SingleNATGateway: true})
	n := network(t, rec)
	assert.Len(t, Under(rec, n, TypeSubnet), 4)
	nat := One(t, Under(rec, n, TypeNAT), "single NAT gateway")
	assert.Equal(t, "us-west-1", nat.Region)
	calls := rec.Calls()
	require.NotEmpty(t, calls)
	assert.Equal(t, "aws:index/getAvailabilityZones:getAvailabilityZones", calls[0].Token)
	assert.Equal(t, "us-west-1", calls[0].Region, "the zone lookup goes through the region's provider")
}

func TestSecurityGroupsAllowOnlyHTTPSAndHTTPFromTheInternetAndThePortFromTheLoadBalancer(t *testing.T) {
	t.Parallel()
	rec, c := computeIn(t, "eu-west-1", awsc.RegionalComputeArgs{Workload: spec.Workload{ContainerPort: 8080}})
	sgID := map[string]any{}
	for _, sg := range Under(rec, network(t, rec), TypeSG) {
		sgID[sg.Name] = sg.ID
	}
	albSG, taskSG := sgID["test-eu-west-1-alb-sg"], sgID["test-eu-west-1-task-sg"]
	require.NotNil(t, albSG)
	require.NotNil(t, taskSG)

	type rule struct {
		Group, Peer any
		From, To    int
	}
	var ingress, egress []rule
	for _, r := range Under(rec, c, TypeIngress) {
		peer := r.Get("referencedSecurityGroupId")
		if peer == nil {
			peer = r.Get("cidrIpv4")
		}
		ingress = append(ingress, rule{r.Get("securityGroupId"), peer, r.Int("fromPort"), r.Int("toPort")})
		assert.Equal(t, "tcp", r.Str("ipProtocol"))
	}
	for _, r := range Under(rec, c, TypeEgress) {
		peer := r.Get("referencedSecurityGroupId")
		if peer == nil {
			peer = r.Get("cidrIpv4")
		}
		egress = append(egress, rule{r.Get("securityGroupId"), peer, r.Int("fromPort"), r.Int("toPort")})
	}
	assert.ElementsMatch(t, []rule{
		{albSG, "0.0.0.0/0", 443, 443},
		{albSG, "0.0.0.0/0", 80, 80},
		{taskSG, albSG, 8080, 8080},
	}, ingress)
	assert.ElementsMatch(t, []rule{
		{albSG, taskSG, 8080, 8080},
		{taskSG, "0.0.0.0/0", 443, 443},
	}, egress)
}

func TestLoadBalancerTerminatesTLS12PlusAndRedirectsHTTP(t *testing.T) {
	t.Parallel()
	rec, c := computeIn(t, "eu-west-1", awsc.RegionalComputeArgs{
		DeletionProtection: true,
		HealthCheck:        spec.HealthCheck{Path: "/healthz", IntervalSeconds: 30, FailureThreshold: 1},
	})
	alb := One(t, Under(rec, c, TypeALB), "alb")
	assert.Equal(t, "application", alb.Str("loadBalancerType"))
	assert.False(t, alb.Bool("internal"))
	assert.True(t, alb.Bool("dropInvalidHeaderFields"))
	assert.True(t, alb.Bool("enableDeletionProtection"))
	assert.LessOrEqual(t, len(alb.Str("name")), 32)
	assert.Equal(t, 3, alb.Len("subnets"))

	listeners := map[int]*mock.Resource{}
	for _, l := range Under(rec, c, TypeListener) {
		listeners[l.Int("port")] = l
	}
	require.Len(t, listeners, 2)
	https := listeners[443]
	assert.Equal(t, "HTTPS", https.Str("protocol"))
	assert.Equal(t, "ELBSecurityPolicy-TLS13-1-2-2021-06", https.Str("sslPolicy"))
	assert.Equal(t, testCertificate, https.Str("certificateArn"))
	assert.Equal(t, "forward", https.Str("defaultActions.0.type"))
	http := listeners[80]
	assert.Equal(t, "redirect", http.Str("defaultActions.0.type"))
	assert.Equal(t, "HTTPS", http.Str("defaultActions.0.redirect.protocol"))
	assert.Equal(t, "443", http.Str("defaultActions.0.redirect.port"))
	assert.Equal(t, "HTTP_301", http.Str("defaultActions.0.redirect.statusCode"))

	tg := One(t, Under(rec, c, TypeTargetGroup), "target group")
	assert.Equal(t, "ip", tg.Str("targetType"))
	assert.Equal(t, "/healthz", tg.Str("healthCheck.path"))
	assert.Equal(t, 30, tg.Int("healthCheck.interval"))
	assert.Equal(t, 2, tg.Int("healthCheck.unhealthyThreshold"), "ELB's minimum, though the DNS threshold is 1")
	assert.Equal(t, "200-399", tg.Str("healthCheck.matcher"))
}

func TestTaskRunsTheImageWithItsRegionAndLeastPrivilegeRoles(t *testing.T) {
	t.Parallel()
	rec, c := computeIn(t, "eu-west-1", awsc.RegionalComputeArgs{
		Workload:         spec.Workload{Image: testPrivateImage, CPU: 1024, Memory: 2048, ContainerPort: 8080},
		LogRetentionDays: 90,
		StackName:        "test", EnvironmentName: "qa",
		Environment: pulumi.StringMap{"ROLE": pulumi.String("primary")},
	})
	task := One(t, Under(rec, c, TypeTaskDef), "task definition")
	assert.Equal(t, "1024", task.Str("cpu"))
	assert.Equal(t, "2048", task.Str("memory"))
	assert.Equal(t, "awsvpc", task.Str("networkMode"))
	assert.Equal(t, []any{"FARGATE"}, task.Get("requiresCompatibilities"))

	var containers []struct {
		Name             string
		Image            string
		PortMappings     []struct{ ContainerPort int }
		Environment      []struct{ Name, Value string }
		LogConfiguration struct {
			LogDriver string
			Options   map[string]string
		}
	}
	require.NoError(t, json.Unmarshal([]byte(task.Str("containerDefinitions")), &containers))
	require.Len(t, containers, 2, "the API and its tracing sidecar")
	ct := containers[0]
	assert.Equal(t, testPrivateImage, ct.Image)
	assert.Equal(t, 8080, ct.PortMappings[0].ContainerPort)
	env := map[string]string{}
	for _, e := range ct.Environment {
		env[e.Name] = e.Value
	}
	assert.Equal(t, map[string]string{
		"REGION": "eu-west-1", "STACK": "test", "ENVIRONMENT": "qa", "PORT": "8080", "ROLE": "primary",
		"OTEL_EXPORTER_OTLP_ENDPOINT": "http://localhost:4317", "OTEL_SERVICE_NAME": "test-api",
		"OTEL_RESOURCE_ATTRIBUTES": "cloud.region=eu-west-1,deployment.environment=qa", "OTEL_PROPAGATORS": "tracecontext,xray",
	}, env)
	sidecar := containers[1]
	assert.Equal(t, "otel-collector", sidecar.Name)
	assert.Equal(t, awsc.CollectorImage, sidecar.Image)
	assert.Empty(t, sidecar.PortMappings, "listens on localhost only")
	require.Len(t, sidecar.Environment, 1)
	assert.Contains(t, sidecar.Environment[0].Value, "exporters: [awsxray]", "exports traces to X-Ray")
	assert.Contains(t, sidecar.Environment[0].Value, "region: eu-west-1")
	assert.Contains(t, sidecar.Environment[0].Value, "endpoint: 127.0.0.1:4317")
	assert.Equal(t, "otel-collector", sidecar.LogConfiguration.Options["awslogs-stream-prefix"])
	assert.Equal(t, "awslogs", ct.LogConfiguration.LogDriver)
	assert.Equal(t, "eu-west-1", ct.LogConfiguration.Options["awslogs-region"])
	assert.Equal(t, "/mobile-backend/test/eu-west-1/api", ct.LogConfiguration.Options["awslogs-group"])

	logs := One(t, Under(rec, c, TypeLogGroup), "log group")
	assert.Equal(t, 90, logs.Int("retentionInDays"))

	var policy awsc.PolicyDocument
	byName := func(suffix string) *mock.Resource {
		return One(t, Filter(Under(rec, c, TypeRolePolicy), func(r *mock.Resource) bool { return strings.HasSuffix(r.Name, suffix) }), suffix)
	}
	var tracing awsc.PolicyDocument
	require.NoError(t, json.Unmarshal([]byte(byName("-tracing-policy").Str("policy")), &tracing))
	require.Len(t, tracing.Statement, 1)
	for _, a := range tracing.Statement[0].Action {
		assert.True(t, strings.HasPrefix(a, "xray:"), "X-Ray only: %s", a)
	}
	require.NoError(t, json.Unmarshal([]byte(byName("-exec-policy").Str("policy")), &policy))
	resources := map[string][]string{}
	for _, st := range policy.Statement {
		resources[st.Sid] = st.Resource
		assert.NotContains(t, st.Action, "*")
	}
	assert.Equal(t, map[string][]string{
		"WriteTaskLogs": {"arn:aws:logs:eu-west-1:123456789012:log-group:/mobile-backend/test/eu-west-1/api:*"},
		"EcrAuth":       {"*"},
		"PullApiImage":  {"arn:aws:ecr:eu-west-1:123456789012:repository/mobile/api"},
	}, resources)
	for _, role := range Under(rec, c, TypeRole) {
		assert.Contains(t, role.Str("assumeRolePolicy"), `"aws:SourceAccount":"123456789012"`, role.Name)
		assert.Contains(t, role.Str("assumeRolePolicy"), `"Service":"ecs-tasks.amazonaws.com"`, role.Name)
	}
}

func TestAutoscalingTracksCPUBetweenMinAndMax(t *testing.T) {
	t.Parallel()
	rec, c := computeIn(t, "eu-west-1", awsc.RegionalComputeArgs{Workload: spec.Workload{MinInstances: 3, MaxInstances: 12}, CPUTargetPercent: 55})
	target := One(t, Under(rec, c, TypeScaling), "scalable target")
	assert.Equal(t, 3, target.Int("minCapacity"))
	assert.Equal(t, 12, target.Int("maxCapacity"))
	assert.Equal(t, "ecs:service:DesiredCount", target.Str("scalableDimension"))
	assert.Regexp(t, `^service/test-eu-west-1-cluster-[0-9a-f]+/test-eu-west-1-api-[0-9a-f]+$`, target.Str("resourceId"))
	pol := One(t, Under(rec, c, TypeScalingPol), "policy")
	assert.Equal(t, "TargetTrackingScaling", pol.Str("policyType"))
	assert.Equal(t, "ECSServiceAverageCPUUtilization", pol.Str("targetTrackingScalingPolicyConfiguration.predefinedMetricSpecification.predefinedMetricType"))
	assert.Equal(t, 55, pol.Int("targetTrackingScalingPolicyConfiguration.targetValue"))
	svc := One(t, Under(rec, c, TypeService), "service")
	assert.Equal(t, 3, svc.Int("desiredCount"))
}

func TestRegionalComputeRequiresItsInputs(t *testing.T) {
	t.Parallel()
	_, err := RunProgram(func(ctx *pulumi.Context) error {
		_, err := awsc.NewRegionalCompute(ctx, "bad", awsc.RegionalComputeArgs{Region: "eu-west-1"})
		return err
	})
	assert.ErrorContains(t, err, "compute bad: Region, Network and CertificateArn are required")
}

func TestLoadBalancerWritesAccessLogsToAPrivateRegionalBucket(t *testing.T) {
	t.Parallel()
	rec, c := computeIn(t, "eu-west-1", awsc.RegionalComputeArgs{LogRetentionDays: 90, Protect: true})
	alb := One(t, Under(rec, c, TypeALB), "alb")
	bucket := One(t, Under(rec, c, TypeBucket), "access-log bucket")
	assert.True(t, alb.Bool("accessLogs.enabled"))
	assert.Equal(t, bucket.Str("bucket"), alb.Str("accessLogs.bucket"))
	assert.Equal(t, "alb", alb.Str("accessLogs.prefix"))
	assert.Equal(t, "test-eu-west-1-alb-logs-"+mock.Account, bucket.Str("bucket"))
	assert.True(t, bucket.Protect)
	assert.Equal(t, "eu-west-1", bucket.Region, "ELB writes only to a bucket in its own region")
	policy := One(t, Under(rec, c, TypeBucketPolicy), "bucket policy")
	assert.Contains(t, alb.DependsOn, policy.URN, "ELB checks that it may write when logging is turned on")

	sse := One(t, Under(rec, c, TypeBucketSSE), "encryption")
	assert.Equal(t, "AES256", sse.Str("rules.0.applyServerSideEncryptionByDefault.sseAlgorithm"), "the only encryption ELB log delivery supports")
	life := One(t, Under(rec, c, TypeBucketLife), "lifecycle")
	assert.Equal(t, 90, life.Int("rules.0.expiration.days"), "logs kept logRetentionDays")
	pab := One(t, Under(rec, c, TypeBucketPAB), "public access block")
	assert.True(t, pab.Bool("restrictPublicBuckets"))

	var doc awsc.PolicyDocument
	require.NoError(t, json.Unmarshal([]byte(policy.Str("policy")), &doc))
	require.Len(t, doc.Statement, 3)
	for _, call := range rec.Calls() {
		// A table, not an invoke: nothing calls the region (regionsDown).
		assert.NotEqual(t, "aws:elb/getServiceAccount:getServiceAccount", call.Token)
	}
	assert.Equal(t, "ELBAccountWrites", doc.Statement[0].Sid)
	// Elastic Load Balancing User Guide, "Enable access logs": Europe (Ireland).
	assert.Equal(t, "arn:aws:iam::156460612806:root", doc.Statement[0].Principal.(map[string]any)["AWS"])
	assert.Equal(t, map[string]any{"Service": "logdelivery.elasticloadbalancing.amazonaws.com"}, doc.Statement[1].Principal)
	for _, st := range doc.Statement[:2] {
		assert.Equal(t, []string{"s3:PutObject"}, st.Action)
		assert.Equal(t, []string{"arn:aws:s3:::test-eu-west-1-alb-logs-" + mock.Account + "/alb/AWSLogs/" + mock.Account + "/*"}, st.Resource)
	}
	assert.Equal(t, "DenyInsecureTransport", doc.Statement[2].Sid)

	// A region opened since 2022 has no ELB account: only the service writes.
	rec, c = computeIn(t, "eu-central-2", awsc.RegionalComputeArgs{})
	require.NoError(t, json.Unmarshal([]byte(One(t, Under(rec, c, TypeBucketPolicy), "policy").Str("policy")), &doc))
	require.Len(t, doc.Statement, 2)
	assert.Equal(t, map[string]any{"Service": "logdelivery.elasticloadbalancing.amazonaws.com"}, doc.Statement[0].Principal)
	for _, call := range rec.Calls() {
		assert.NotEqual(t, "aws:elb/getServiceAccount:getServiceAccount", call.Token, "the provider refuses regions without an ELB account")
	}
}
