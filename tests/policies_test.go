package tests

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

// graph is a planned stack as the policies see it.
func graph(res *plan.Result) policies.Stack {
	return policies.Stack{Spec: res.Spec, Resources: res.Recorder.Resources()}
}

// mutated is a copy of a stack where the first resource of a type whose name
// contains a fragment has one input changed (nil deletes it).
func mutated(t *testing.T, s policies.Stack, typ, nameHas, path string, value any) policies.Stack {
	t.Helper()
	out := policies.Stack{Spec: s.Spec}
	done := false
	for _, r := range s.Resources {
		if !done && r.Type == typ && strings.Contains(r.Name, nameHas) {
			clone := cloneResource(t, r)
			setPath(clone.Inputs, path, value)
			r, done = clone, true
		}
		out.Resources = append(out.Resources, r)
	}
	require.True(t, done, "no %s named *%s*", typ, nameHas)
	return out
}

func setPath(m map[string]any, path string, value any) {
	parts := strings.Split(path, ".")
	var cur any = m
	for i, p := range parts {
		last := i == len(parts)-1
		switch c := cur.(type) {
		case map[string]any:
			if last {
				if value == nil {
					delete(c, p)
				} else {
					c[p] = value
				}
				return
			}
			cur = c[p]
		case []any:
			var idx int
			for _, ch := range p {
				idx = idx*10 + int(ch-'0')
			}
			if idx >= len(c) {
				return
			}
			if last {
				c[idx] = value
				return
			}
			cur = c[idx]
		}
	}
}

// violations of one policy.
func violations(s policies.Stack, p policies.Policy) []policies.Violation {
	return policies.Evaluate(s, []policies.Policy{p})
}

func TestEveryCommittedStackPassesEveryMandatoryPolicy(t *testing.T) {
	t.Parallel()
	for _, file := range committedStacks(t) {
		res := planFile(t, file)
		for _, v := range res.Policies {
			assert.NotEqual(t, policies.Mandatory, v.Severity, "%s: %s: %s", file, v.Policy, v.Message)
		}
		code, out, _ := runMain("--config-file", file, "--format", "json")
		assert.Equal(t, plan.ExitOK, code, file)
		var doc struct {
			Policies []policies.Violation `json:"policies"`
		}
		require.NoError(t, json.Unmarshal([]byte(out), &doc))
		assert.Equal(t, len(res.Policies), len(doc.Policies), "the plan's JSON lists the violations")
	}
}

func TestEachPolicyCatchesItsViolation(t *testing.T) {
	t.Parallel()
	aws := graph(planFile(t, "../Pulumi.prod.yaml"))
	gcp := graph(planFile(t, "../Pulumi.gcp-prod.yaml"))
	gcpAP := graph(planFile(t, "../Pulumi.gcp-staging.yaml"))
	az := graph(planFile(t, "../Pulumi.azure-prod.yaml"))
	cases := []struct {
		name   string
		policy policies.Policy
		pass   policies.Stack
		fail   policies.Stack
		want   string
	}{
		{"AWS listener TLS", policies.TLSEverywhere, aws, mutated(t, aws, typeListener, "-https", "sslPolicy", "ELBSecurityPolicy-2016-08"), "allows TLS older than 1.2"},
		{"AWS HTTP serves content", policies.TLSEverywhere, aws, mutated(t, aws, typeListener, "-http", "defaultActions.0.type", "forward"), "instead of redirecting"},
		{"CloudFront TLS", policies.TLSEverywhere, aws, mutated(t, aws, typeDistribution, "", "viewerCertificate.minimumProtocolVersion", "TLSv1"), "older than TLS 1.2"},
		{"GCP SSL policy", policies.TLSEverywhere, gcp, mutated(t, gcp, typeSSLPolicy, "", "minTlsVersion", "TLS_1_0"), "no SSL policy with TLS 1.2"},
		{"Azure custom domain", policies.TLSEverywhere, az, mutated(t, az, typeAFDDomain, "api.example.com", "tlsSettings.minimumTlsVersion", "TLS10"), "older than 1.2"},
		{"Azure SQL TLS", policies.TLSEverywhere, az, mutated(t, az, typeSQLServer, "", "minimalTlsVersion", "1.0"), "SQL server accepts TLS"},
		{"S3 public access block", policies.NoPublicObjectStorage, aws, mutated(t, aws, typeBucketPAB, "", "blockPublicPolicy", false), "no full public access block"},
		{"GCS public access", policies.NoPublicObjectStorage, gcp, mutated(t, gcp, typeGCSBucket, "", "publicAccessPrevention", "inherited"), "public access prevention"},
		{"Azure blob public", policies.NoPublicObjectStorage, az, mutated(t, az, typeStorageAcct, "", "networkRuleSet.defaultAction", "Allow"), "allows public blob access from every network"},
		{"Azure uploads public", policies.NoPublicObjectStorage, az, mutated(t, az, typeBlobContainer, "eastus2-uploads", "publicAccess", "Blob"), `container "uploads" allows Blob public access`},
		{"Azure static listable", policies.NoPublicObjectStorage, az, mutated(t, az, typeBlobContainer, "static", "publicAccess", "Container"), `container "static" allows Container public access`},
		{"Aurora public", policies.DatabaseNotPublic, aws, mutated(t, aws, typeDBInstance, "", "publiclyAccessible", true), "not explicitly private"},
		{"Cloud SQL public IP", policies.DatabaseNotPublic, gcpAP, mutated(t, gcpAP, typeSQL, "", "settings.ipConfiguration.ipv4Enabled", true), "public IP"},
		{"Azure SQL public", policies.DatabaseNotPublic, az, mutated(t, az, typeSQLServer, "", "publicNetworkAccess", "Enabled"), "public network access"},
		{"SSH open to the world", policies.NoOpenIngress, aws, mutated(t, aws, typeIngress, "alb-in-443", "fromPort", 22.0), "opens port 22-443"},
		{"tasks open to the world", policies.NoOpenIngress, aws, mutated(t, aws, typeIngress, "task-in-alb", "cidrIpv4", "0.0.0.0/0"), "to the internet"},
		{"Azure storage network", policies.NoOpenIngress, az, mutated(t, az, typeStorageAcct, "", "networkRuleSet.defaultAction", "Allow"), "admits every network"},
		{"ALB without WAF", policies.WAFOnEveryEntry, aws, mutated(t, aws, typeACLAssoc, "", "resourceArn", "arn:aws:elasticloadbalancing:other"), "load balancer has no web ACL"},
		{"web ACL without SQLi rules", policies.WAFOnEveryEntry, aws, mutated(t, aws, typeACL, "us-east-1", "rules.6.statement.managedRuleGroupStatement.name", "Other"), "AWSManagedRulesSQLiRuleSet"}, // after the rate limit, the two gate rules and three managed groups
		{"backend without Armor", policies.WAFOnEveryEntry, gcp, mutated(t, gcp, typeBackend, "lb-api", "securityPolicy", nil), "no Cloud Armor policy"},
		{"Azure domain without WAF", policies.WAFOnEveryEntry, az, mutated(t, az, typeAFDSecurity, "", "parameters.associations.0.domains.1.id", "other"), "Front Door domain has no WAF policy"},
		{"prod WAF counting", policies.WAFEnforcing, aws, mutated(t, aws, typeACL, "us-east-1", "rules.0.action", map[string]any{"count": map[string]any{}}), "only counts"},
		{"GCP Armor preview", policies.WAFEnforcing, gcp, mutated(t, gcp, typeArmor, "", "rules.0.preview", true), "only counts"},
		{"Azure WAF detection", policies.WAFEnforcing, az, mutated(t, az, typeAzWAF, "", "policySettings.mode", "Detection"), "only counts"},
		{"AWS * on *", policies.NoWildcardIAM, aws, mutated(t, aws, typeRolePolicy, "task-policy", "policy", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":["*"]}]}`), "allows * on *"},
		{"GCP owner", policies.NoWildcardIAM, gcp, mutated(t, gcp, "gcp:projects/iAMMember:IAMMember", "", "role", "roles/owner"), "grants roles/owner"},
		{"Aurora backups", policies.BackupsAndProtection, aws, mutated(t, aws, typeDBCluster, "", "backupRetentionPeriod", 1.0), "under 7 days of backups"},
		{"DynamoDB PITR", policies.BackupsAndProtection, aws, mutated(t, aws, typeTable, "", "pointInTimeRecovery.enabled", false), "point-in-time recovery"},
		{"Cloud SQL PITR", policies.BackupsAndProtection, gcpAP, mutated(t, gcpAP, typeSQL, "europe-west1", "settings.backupConfiguration.pointInTimeRecoveryEnabled", false), "lacks point-in-time recovery"},
		{"Aurora region left out", policies.DataReachesEveryRegion, aws, mutated(t, aws, typeDBCluster, "eu-west-1", "globalClusterIdentifier", nil), "region eu-west-1 has no Aurora global database member"},
		{"DynamoDB replica missing", policies.DataReachesEveryRegion, aws, without(aws, func(r *mock.Resource) bool {
			return r.Type == typeTableReplica && r.Region == "eu-west-1"
		}), "has no DynamoDB global table replica"},
		{"DynamoDB replica deletable", policies.BackupsAndProtection, aws, mutated(t, aws, typeTableReplica, "", "deletionProtectionEnabled", false), "lacks point-in-time recovery or deletion protection"},
		{"S3 not replicated", policies.DataReachesEveryRegion, aws, mutated(t, aws, typeReplication, "us-east-1", "rules.0.destination.bucket", "arn:aws:s3:::elsewhere"), "has no S3 replication from the writer's region"},
		{"Spanner config too small", policies.DataReachesEveryRegion, gcp, mutated(t, gcp, typeSpanner, "", "config", "nam11"), "has no readable replica in us-west1"},
		{"Cloud SQL replica missing", policies.DataReachesEveryRegion, gcpAP, mutated(t, gcpAP, typeSQL, "europe-north1", "masterInstanceName", nil), "region europe-north1 has no Cloud SQL cross-region replica"},
		{"GCS placement", policies.DataReachesEveryRegion, gcp, mutated(t, gcp, typeGCSBucket, "", "location", "EU"), "region us-west1 has no bucket in its area (US)"},
		{"Azure SQL secondary missing", policies.DataReachesEveryRegion, az, mutated(t, az, typeSQLDatabase, "westeurope", "createMode", "Default"), "region westeurope has no SQL geo-secondary"},
		{"Azure storage not geo-readable", policies.DataReachesEveryRegion, az, mutated(t, az, typeStorageAcct, "westeurope", "sku.name", "Standard_ZRS"), "is not read-access geo-redundant (Standard_ZRS)"},
		{"Azure storage closed to a region", policies.DataReachesEveryRegion, az, mutated(t, az, typeStorageAcct, "westeurope", "networkRuleSet.virtualNetworkRules", []any{}), "does not admit apps subnet"},
		{"ALB without access logs", policies.WAFAndLoadBalancerLogging, aws, mutated(t, aws, typeALB, "us-east-1", "accessLogs.enabled", false), "writes no access logs"},
		{"web ACL not logged", policies.WAFAndLoadBalancerLogging, aws, mutated(t, aws, "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration", "eu-west-1", "resourceArn", "arn:aws:wafv2:other"), "web ACL has no logging configuration"},
		{"backend service not logged", policies.WAFAndLoadBalancerLogging, gcp, mutated(t, gcp, typeBackend, "lb-api", "logConfig.enable", false), "does not log requests"},
		{"Front Door WAF log off", policies.WAFAndLoadBalancerLogging, az, mutated(t, az, "azure-native:insights:DiagnosticSetting", "frontdoor-logs", "logs.2.enabled", false), "does not send FrontDoorWebApplicationFirewallLog"},
		{"SNS topic without subscriber", policies.AlertsRouted, aws, mutated(t, aws, "aws:sns/topicSubscription:TopicSubscription", "eu-west-1", "topic", "arn:aws:sns:other"), "alarm topic has no subscriber"},
		{"alarm without action", policies.AlertsRouted, aws, mutated(t, aws, "aws:cloudwatch/compositeAlarm:CompositeAlarm", "", "alarmActions", []any{}), "alarm notifies nobody"},
		{"GCP alert without channel", policies.AlertsRouted, gcp, mutated(t, gcp, "gcp:monitoring/alertPolicy:AlertPolicy", "5xx", "notificationChannels", []any{}), "no notification channel"},
		{"Azure action group without receiver", policies.AlertsRouted, az, mutated(t, az, "azure-native:insights:ActionGroup", "", "emailReceivers", []any{}), "action group has no receiver"},
		{"Aurora without its key", policies.CustomerManagedKeys, aws, mutated(t, aws, typeDBCluster, "eu-west-1", "kmsKeyId", nil), "Aurora cluster is not encrypted with a customer-managed key"},
		{"bucket on SSE-S3", policies.CustomerManagedKeys, aws, mutated(t, aws, typeBucketSSE, "uploads-us-east-1", "rules.0.applyServerSideEncryptionByDefault.sseAlgorithm", "AES256"), "bucket is not encrypted with a customer-managed key"},
		{"table replica without key", policies.CustomerManagedKeys, aws, mutated(t, aws, typeTableReplica, "", "kmsKeyArn", nil), "is not encrypted with a customer-managed key"},
		{"log group without key", policies.CustomerManagedKeys, aws, mutated(t, aws, typeLogGroup, "", "kmsKeyId", nil), "log group is not encrypted"},
		{"KMS key without rotation", policies.CustomerManagedKeys, aws, mutated(t, aws, typeKey, "", "enableKeyRotation", false), "KMS key does not rotate"},
		{"Spanner on Google-managed keys", policies.CustomerManagedKeys, gcp, mutated(t, gcp, typeSpannerDB, "", "encryptionConfig", nil), "Spanner database is not encrypted with a customer-managed key"},
		{"Cloud SQL replica without key", policies.CustomerManagedKeys, gcpAP, mutated(t, gcpAP, typeSQL, "europe-north1", "encryptionKeyName", nil), "Cloud SQL instance is not encrypted"},
		{"GCS without key", policies.CustomerManagedKeys, gcp, mutated(t, gcp, typeGCSBucket, "", "encryption", nil), "bucket is not encrypted"},
		{"Cloud KMS key without rotation", policies.CustomerManagedKeys, gcp, mutated(t, gcp, "gcp:kms/cryptoKey:CryptoKey", "", "rotationPeriod", nil), "Cloud KMS key does not rotate"},
		{"Azure SQL on service-managed TDE", policies.CustomerManagedKeys, az, mutated(t, az, typeSQLServer, "", "keyId", nil), "SQL server (TDE) is not encrypted"},
		{"Azure storage on Microsoft keys", policies.CustomerManagedKeys, az, mutated(t, az, typeStorageAcct, "", "encryption.keySource", "Microsoft.Storage"), "storage account is not encrypted"},
		{"Key Vault key without rotation", policies.CustomerManagedKeys, az, mutated(t, az, "azure-native:keyvault:Key", "", "properties.rotationPolicy", nil), "Key Vault key does not rotate"},
		{"Azure Owner", policies.NoWildcardIAM, az, mutated(t, az, typeRoleAssignment, "eastus2-blob-access", "roleDefinitionId", "/subscriptions/x/providers/Microsoft.Authorization/roleDefinitions/8e3af657-a8ff-443c-a75c-2fe8c4bcb635"), "assigns the Owner or Contributor role"},
		{"GCP default labels", policies.StandardTags, gcp, mutated(t, gcp, "pulumi:providers:gcp", "us-east1", "defaultLabels.environment", "dev"), "standard tag environment=prod"},
		{"AWS default tags", policies.StandardTags, aws, mutated(t, aws, typeAWSProvider, "eu-west-1", "defaultTags.tags.stack", "other"), "standard tag stack=prod"},
		{"Azure tags", policies.StandardTags, az, mutated(t, az, typeContainerApp, "", "tags.environment", "dev"), "standard tag environment=prod"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assert.Empty(t, violations(tc.pass, tc.policy), "the committed stack passes %s", tc.policy.Name)
			vs := violations(tc.fail, tc.policy)
			require.NotEmpty(t, vs, "the mutated stack violates %s", tc.policy.Name)
			assert.Contains(t, vs[0].Message, tc.want)
			assert.Equal(t, tc.policy.Name, vs[0].Policy)
		})
	}
}

func TestWAFCountModeIsAdvisoryOutsideProductionAndMandatoryInIt(t *testing.T) {
	t.Parallel()
	staging := planFile(t, "../Pulumi.staging.yaml")
	vs := violations(graph(staging), policies.WAFEnforcing)
	require.NotEmpty(t, vs)
	for _, v := range vs {
		assert.Equal(t, policies.Advisory, v.Severity)
	}
	prodCounting := mustPlan(t, "prod", with(contract("aws", "active-active", "us-east-1", "eu-west-1"), "wafMode", "count", "alertEmails", []string{"a@example.com"}))
	vs = violations(graph(prodCounting), policies.WAFEnforcing)
	require.NotEmpty(t, vs)
	assert.Equal(t, policies.Mandatory, vs[0].Severity)
	code, _, stderr := runMain("--config-file", writeStack(t, "prod", with(contract("aws", "active-active", "us-east-1", "eu-west-1"), "wafMode", "count")))
	assert.Equal(t, plan.ExitFailure, code, "a mandatory violation fails the plan")
	assert.Contains(t, stderr, "a mandatory policy failed")
}

func TestDefaultProvidersAreRefused(t *testing.T) {
	t.Parallel()
	aws := graph(planFile(t, "../Pulumi.prod.yaml"))
	assert.Empty(t, violations(aws, policies.ExplicitProviders))
	var bad policies.Stack
	bad.Spec = aws.Spec
	replaced := false
	for _, r := range aws.Resources {
		if r.Type == typeVpc && !replaced {
			replaced = true
			clone := *r
			clone.Provider = "urn:pulumi:prod::mobile-backend::pulumi:providers:aws::default_6_83_4::id"
			r = &clone
		}
		bad.Resources = append(bad.Resources, r)
	}
	vs := violations(bad, policies.ExplicitProviders)
	require.Len(t, vs, 1)
	assert.Equal(t, "resource uses the default provider", vs[0].Message)
}

func TestRegionsMustBeAllowedAndFarEnoughApart(t *testing.T) {
	t.Parallel()
	ok := mustPlan(t, "r", with(contract("aws", "active-passive", "eu-west-1", "eu-central-1"), "allowedRegions", []string{"eu-west-1", "eu-central-1"}))
	assert.Empty(t, violations(graph(ok), policies.RegionsAllowedAndApart))

	outside := mustPlan(t, "r", with(contract("aws", "active-passive", "eu-west-1", "us-east-1"), "allowedRegions", []string{"eu-west-1", "eu-central-1"}))
	vs := violations(graph(outside), policies.RegionsAllowedAndApart)
	require.Len(t, vs, 1)
	assert.Equal(t, "region us-east-1 is not in allowedRegions (eu-west-1, eu-central-1)", vs[0].Message)

	close := mustPlan(t, "r", contract("gcp", "active-passive", "europe-west1", "europe-west4"))
	vs = violations(graph(close), policies.RegionsAllowedAndApart)
	require.Len(t, vs, 1)
	assert.Regexp(t, `^europe-west1 and europe-west4 are 3\d\d km apart, closer than minRegionDistanceKm \(500\)$`, vs[0].Message)
	relaxed := mustPlan(t, "r", with(contract("gcp", "active-passive", "europe-west1", "europe-west4"), "minRegionDistanceKm", 300))
	assert.Empty(t, violations(graph(relaxed), policies.RegionsAllowedAndApart))
}

func TestEveryRegionMustBeServedCheckedAndAlerted(t *testing.T) {
	t.Parallel()
	for _, file := range []string{"../Pulumi.prod.yaml", "../Pulumi.gcp-prod.yaml", "../Pulumi.azure-prod.yaml"} {
		assert.Empty(t, violations(graph(planFile(t, file)), policies.EveryRegionServedAndWatched), file)
	}
	aws := graph(planFile(t, "../Pulumi.prod.yaml"))
	var without policies.Stack
	without.Spec = aws.Spec
	for _, r := range aws.Resources {
		if r.Type == typeHealthCheck && strings.Contains(r.Name, "eu-west-1") {
			continue // drop one region's health check
		}
		without.Resources = append(without.Resources, r)
	}
	vs := violations(without, policies.EveryRegionServedAndWatched)
	require.Len(t, vs, 1)
	assert.Equal(t, "region eu-west-1 has no Route 53 health check on its load balancer", vs[0].Message)

	gcp := graph(planFile(t, "../Pulumi.gcp-prod.yaml"))
	vs = violations(mutated(t, gcp, typeUptime, "us-west1", "monitoredResource.labels.host", "elsewhere.example.com"), policies.EveryRegionServedAndWatched)
	require.Len(t, vs, 1)
	assert.Equal(t, "region us-west1 has no uptime check", vs[0].Message)
}

func TestPlanTreePrintsPolicyResults(t *testing.T) {
	t.Parallel()
	code, tree, _ := runMain("--config-file", "../Pulumi.staging.yaml")
	require.Equal(t, plan.ExitOK, code, "advisory violations do not fail the plan")
	assert.Contains(t, tree, fmt.Sprintf("Policies: %d checked,", len(policies.All)))
	assert.Contains(t, tree, "[advisory] waf-enforcing: aws:wafv2/webAcl:WebAcl staging-us-west-2-acl: web ACL rules rate-limit,")
}

func TestStatefulResourcesMustBeProtected(t *testing.T) {
	t.Parallel()
	aws := graph(planFile(t, "../Pulumi.prod.yaml"))
	assert.Empty(t, violations(aws, policies.BackupsAndProtection))
	var bad policies.Stack
	bad.Spec = aws.Spec
	for _, r := range aws.Resources {
		if r.Type == typeBucket && strings.Contains(r.Name, "uploads") {
			clone := *r
			clone.Protect = false
			r = &clone
		}
		bad.Resources = append(bad.Resources, r)
	}
	vs := violations(bad, policies.BackupsAndProtection)
	require.Len(t, vs, 3, "each region's bucket")
	assert.Equal(t, "stateful resource is not protected", vs[0].Message)
}

func TestResilienceBudgetOfEachCommittedStack(t *testing.T) {
	t.Parallel()
	for file, want := range map[string][2]int{
		"../Pulumi.prod.yaml":          {255, 900}, // 10 s × 3 detection + 60 s alias TTL + 105 s region watch (60 s schedule + 3 × 15 s retries) + 60 s Aurora failover; RTC 15 min
		"../Pulumi.staging.yaml":       {375, 900}, // + 60 s scale-out cooldown + 60 s task start for the standby
		"../Pulumi.gcp-prod.yaml":      {30, 900},  // outlier detection 10 s × 3; Spanner synchronous; turbo 15 min
		"../Pulumi.gcp-staging.yaml":   {570, 900}, // 240 s detection + 30 s workflow + 300 s propagation, the replica promoted meanwhile
		"../Pulumi.azure-prod.yaml":    {205, 900}, // 40 s Front Door probes + 105 s failover job (60 s schedule + 3 × 15 s probes) + 60 s forced failover; storage geo-redundancy "typically under 15 minutes"
		"../Pulumi.azure-staging.yaml": {265, 900}, // + 60 s standby replica start
	} {
		res := planFile(t, file)
		assert.Equal(t, want[0], res.Resilience.RTO.Computed, "%s RTO: %+v", file, res.Resilience.RTO.Terms)
		assert.Equal(t, want[1], res.Resilience.RPO.Computed, "%s RPO: %+v", file, res.Resilience.RPO.Terms)
		assert.Empty(t, violations(graph(res), policies.ResilienceWithinObjectives), "%s meets its objectives", file)
	}
	code, out, _ := runMain("--config-file", "../Pulumi.prod.yaml", "--format", "json")
	require.Equal(t, plan.ExitOK, code)
	var doc plan.Document
	require.NoError(t, json.Unmarshal([]byte(out), &doc))
	assert.Equal(t, 600, doc.Resilience.RTO.Objective)
	assert.Equal(t, []policies.Term{
		{Name: "Route 53 health check detection (interval × threshold)", Seconds: 30, Basis: "configured: healthCheckInterval × healthCheckFailureThreshold"},
		{Name: "DNS alias TTL", Seconds: 60, Basis: "published: Route 53 Developer Guide, alias records to a load balancer answer with its 60 s TTL"},
		{Name: "region watch: sustained failure (schedule + probe retries)", Seconds: 105, Basis: "configured: the watch's schedule and probe retries (components/aws/failover.go)"},
		{Name: "Aurora global failover", Seconds: 60, Basis: "published: Aurora User Guide, managed cross-Region failover typically under a minute"},
	}, doc.Resilience.RTO.Terms)
}

func TestSlowerDetectionRaisesTheRTOAndPastTheObjectiveFailsThePolicy(t *testing.T) {
	t.Parallel()
	base := contract("aws", "active-active", "us-east-1", "eu-west-1")
	fast := mustPlan(t, "r", base)
	slow := mustPlan(t, "r", with(base, "healthCheckInterval", 30, "healthCheckFailureThreshold", 10))
	assert.Equal(t, 255, fast.Resilience.RTO.Computed)
	assert.Equal(t, 525, slow.Resilience.RTO.Computed, "30 s × 10 failures = 300 s to detect")
	assert.Empty(t, violations(graph(slow), policies.ResilienceWithinObjectives))

	strict := mustPlan(t, "r", with(base, "healthCheckInterval", 30, "healthCheckFailureThreshold", 10, "rtoSeconds", 400))
	vs := violations(graph(strict), policies.ResilienceWithinObjectives)
	require.Len(t, vs, 1)
	assert.True(t, strings.HasPrefix(vs[0].Message, "computed RTO 525 s exceeds mobile-backend:rtoSeconds (400 s): Route 53 health check detection (interval × threshold) 300 s"), vs[0].Message)
	assert.Equal(t, policies.Mandatory, vs[0].Severity)
}

func TestAnAzureStackMeetsTheDefaultObjectivesOnlyWithItsFailoverJob(t *testing.T) {
	t.Parallel()
	// The failover group alone waits out its grace period (an hour at
	// least); the failover job forces it over within minutes.
	file := writeStack(t, "az", contract("azure", "active-active", "northeurope", "westeurope"))
	code, out, stderr := runMain("--config-file", file, "--format", "tree")
	assert.Equal(t, plan.ExitOK, code, stderr)
	assert.Contains(t, out, "Resilience RTO: 205 s computed, objective 600 s")

	res := mustPlan(t, "az", contract("azure", "active-active", "northeurope", "westeurope"))
	noJob := without(graph(res), func(r *mock.Resource) bool {
		return r.Type == "azure-native:app:Job" && strings.HasSuffix(r.Name, "sql-failover")
	})
	vs := violations(noJob, policies.ResilienceWithinObjectives)
	require.Len(t, vs, 1)
	assert.Contains(t, vs[0].Message, "exceeds mobile-backend:rtoSeconds (600 s)")
	assert.Contains(t, vs[0].Message, "SQL failover group (grace period + switch) 3660 s")
	// The region-loss table says the same of the writer's loss.
	assert.Contains(t, strings.Join(messagesOf(violations(noJob, policies.RegionLossSurvived)), "\n"),
		"losing northeurope, api-writes survives only after 3700 s, past mobile-backend:rtoSeconds (600 s): SQL failover group")
}

// messagesOf are the violations' messages.
func messagesOf(vs []policies.Violation) []string {
	var out []string
	for _, v := range vs {
		out = append(out, v.Message)
	}
	return out
}

func TestAnyNumberOfAzureRegionsKeepsEveryRegionsUploads(t *testing.T) {
	t.Parallel()
	// Object replication reached at most two accounts from the primary; each
	// region now writes its own geo-redundant account, so a fourth region
	// (and an eighth) is served like the second.
	res := mustPlan(t, "az4", contract("azure", "active-active", "eastus2", "westeurope", "southeastasia", "australiaeast"))
	assert.Empty(t, violations(graph(res), policies.DataReachesEveryRegion))
	assert.Len(t, res.Recorder.OfType(typeStorageAcct), 4)
}

func TestUnroutedAlertsAreAdvisoryOutsideProductionAndMandatoryInIt(t *testing.T) {
	t.Parallel()
	base := contract("aws", "active-active", "us-east-1", "eu-west-1")
	for env, want := range map[string]policies.Severity{"dev": policies.Advisory, "prod": policies.Mandatory} {
		res := mustPlan(t, "alerts", with(base, "environment", env))
		vs := violations(graph(res), policies.AlertsRouted)
		require.Len(t, vs, 2, "one topic per region, none subscribed")
		assert.Equal(t, want, vs[0].Severity, env)
		assert.Equal(t, "alarm topic has no subscriber (set alertEmails)", vs[0].Message)
		routed := mustPlan(t, "alerts", with(base, "environment", env, "alertEmails", []string{"oncall@example.com"}))
		assert.Empty(t, violations(graph(routed), policies.AlertsRouted))
	}
}

// without is a copy of a stack without the resources drop picks.
func without(s policies.Stack, drop func(*mock.Resource) bool) policies.Stack {
	return policies.Stack{Spec: s.Spec, Resources: filter(s.Resources, func(r *mock.Resource) bool { return !drop(r) })}
}

func TestEveryCloudHasAViolatingCaseForTheRulesThatJoinResources(t *testing.T) {
	t.Parallel()
	gcp := graph(planFile(t, "../Pulumi.gcp-prod.yaml"))
	az := graph(planFile(t, "../Pulumi.azure-prod.yaml"))

	// Azure: a region whose container app has no metric alert.
	vs := violations(without(az, func(r *mock.Resource) bool {
		return r.Type == "azure-native:insights:MetricAlert" && strings.Contains(r.Name, "westeurope")
	}), policies.EveryRegionServedAndWatched)
	require.Len(t, vs, 1)
	assert.Equal(t, "region westeurope has no metric alert", vs[0].Message)

	// Azure: no point-in-time retention policy.
	vs = violations(without(az, func(r *mock.Resource) bool { return r.Type == typeSQLRetention }), policies.BackupsAndProtection)
	require.Len(t, vs, 1)
	assert.Equal(t, "Azure SQL has no short-term (point-in-time) retention policy", vs[0].Message)

	// Google Cloud: a firewall rule open to the internet.
	open := gcp
	open.Resources = append(append([]*mock.Resource{}, gcp.Resources...), &mock.Resource{
		URN: "urn:pulumi:gcp-prod::mobile-backend::gcp:compute/firewall:Firewall::ssh", Type: "gcp:compute/firewall:Firewall", Name: "ssh", Custom: true,
		Inputs: map[string]any{"direction": "INGRESS", "sourceRanges": []any{"0.0.0.0/0"}},
	})
	assert.Empty(t, violations(gcp, policies.NoOpenIngress))
	vs = violations(open, policies.NoOpenIngress)
	require.Len(t, vs, 1)
	assert.Equal(t, "firewall rule admits the internet", vs[0].Message)

	// Google Cloud and Azure: a resource on a default provider.
	for _, s := range []policies.Stack{gcp, az} {
		var victim *mock.Resource
		for _, r := range s.Resources {
			if r.Custom && r.Provider != "" && !strings.HasPrefix(r.Type, "pulumi:providers:") {
				victim = r
				break
			}
		}
		require.NotNil(t, victim)
		clone := *victim
		clone.Provider = "urn:pulumi:x::mobile-backend::pulumi:providers:x::default_1_0_0::id"
		bad := without(s, func(r *mock.Resource) bool { return r == victim })
		bad.Resources = append(bad.Resources, &clone)
		vs = violations(bad, policies.ExplicitProviders)
		require.Len(t, vs, 1, s.Spec.Cloud)
		assert.Equal(t, "resource uses the default provider", vs[0].Message)
	}
}
