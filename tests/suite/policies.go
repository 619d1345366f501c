package suite

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mobile-backend/mobile-backend/internal/mock"
	"github.com/mobile-backend/mobile-backend/internal/plan"
	"github.com/mobile-backend/mobile-backend/policies"
)

// Graph is a planned stack as the policies see it.
func Graph(res *plan.Result) policies.Stack {
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

// Violations of one policy.
func Violations(s policies.Stack, p policies.Policy) []policies.Violation {
	return policies.Evaluate(s, []policies.Policy{p})
}

func TestEveryCommittedStackPassesEveryMandatoryPolicy(t *testing.T) {
	t.Parallel()
	for _, file := range LinkedStacks(t) {
		res := PlanFile(t, file)
		for _, v := range res.Policies() {
			assert.NotEqual(t, policies.Mandatory, v.Severity, "%s: %s: %s", file, v.Policy, v.Message)
		}
		code, out, _ := RunMain(t, "--config-file", file, "--format", "json")
		assert.Equal(t, plan.ExitOK, code, file)
		var doc struct {
			Policies []policies.Violation `json:"policies"`
		}
		require.NoError(t, json.Unmarshal([]byte(out), &doc))
		assert.Equal(t, len(res.Policies()), len(doc.Policies), "the plan's JSON lists the violations")
	}
}

func TestEachPolicyCatchesItsViolation(t *testing.T) {
	t.Parallel()
	// The committed stack each case passes with and mutates (a plan of a
	// cloud this binary does not link skips the case).
	const aws, gcp, gcpAP, az = "../../Pulumi.prod.yaml", "../../Pulumi.gcp-prod.yaml", "../../Pulumi.gcp-staging.yaml", "../../Pulumi.azure-prod.yaml"
	cases := []struct {
		name   string
		policy policies.Policy
		pass   string // the committed stack file
		fail   func(t *testing.T, s policies.Stack) policies.Stack
		want   string
	}{
		{"AWS listener TLS", policies.TLSEverywhere, aws, func(t *testing.T, aws policies.Stack) policies.Stack {
			return mutated(t, aws, TypeListener, "-https", "sslPolicy", "ELBSecurityPolicy-2016-08")
		}, "allows TLS older than 1.2"},
		{"AWS HTTP serves content", policies.TLSEverywhere, aws, func(t *testing.T, aws policies.Stack) policies.Stack {
			return mutated(t, aws, TypeListener, "-http", "defaultActions.0.type", "forward")
		}, "instead of redirecting"},
		{"CloudFront TLS", policies.TLSEverywhere, aws, func(t *testing.T, aws policies.Stack) policies.Stack {
			return mutated(t, aws, TypeDistribution, "", "viewerCertificate.minimumProtocolVersion", "TLSv1")
		}, "older than TLS 1.2"},
		{"GCP SSL policy", policies.TLSEverywhere, gcp, func(t *testing.T, gcp policies.Stack) policies.Stack {
			return mutated(t, gcp, TypeSSLPolicy, "", "minTlsVersion", "TLS_1_0")
		}, "no SSL policy with TLS 1.2"},
		{"Azure custom domain", policies.TLSEverywhere, az, func(t *testing.T, az policies.Stack) policies.Stack {
			return mutated(t, az, TypeAFDDomain, "api.example.com", "tlsSettings.minimumTlsVersion", "TLS10")
		}, "older than 1.2"},
		{"Azure SQL TLS", policies.TLSEverywhere, az, func(t *testing.T, az policies.Stack) policies.Stack {
			return mutated(t, az, TypeSQLServer, "", "minimalTlsVersion", "1.0")
		}, "SQL server accepts TLS"},
		{"S3 public access block", policies.NoPublicObjectStorage, aws, func(t *testing.T, aws policies.Stack) policies.Stack {
			return mutated(t, aws, TypeBucketPAB, "", "blockPublicPolicy", false)
		}, "no full public access block"},
		{"GCS public access", policies.NoPublicObjectStorage, gcp, func(t *testing.T, gcp policies.Stack) policies.Stack {
			return mutated(t, gcp, TypeGCSBucket, "", "publicAccessPrevention", "inherited")
		}, "public access prevention"},
		{"Azure blob public", policies.NoPublicObjectStorage, az, func(t *testing.T, az policies.Stack) policies.Stack {
			return mutated(t, az, TypeStorageAcct, "", "networkRuleSet.defaultAction", "Allow")
		}, "allows public blob access from every network"},
		{"Azure uploads public", policies.NoPublicObjectStorage, az, func(t *testing.T, az policies.Stack) policies.Stack {
			return mutated(t, az, TypeBlobContainer, "eastus2-uploads", "publicAccess", "Blob")
		}, `container "uploads" allows Blob public access`},
		{"Azure static listable", policies.NoPublicObjectStorage, az, func(t *testing.T, az policies.Stack) policies.Stack {
			return mutated(t, az, TypeBlobContainer, "static", "publicAccess", "Container")
		}, `container "static" allows Container public access`},
		{"Aurora public", policies.DatabaseNotPublic, aws, func(t *testing.T, aws policies.Stack) policies.Stack {
			return mutated(t, aws, TypeDBInstance, "", "publiclyAccessible", true)
		}, "not explicitly private"},
		{"Cloud SQL public IP", policies.DatabaseNotPublic, gcpAP, func(t *testing.T, gcpAP policies.Stack) policies.Stack {
			return mutated(t, gcpAP, TypeSQL, "", "settings.ipConfiguration.ipv4Enabled", true)
		}, "public IP"},
		{"Azure SQL public", policies.DatabaseNotPublic, az, func(t *testing.T, az policies.Stack) policies.Stack {
			return mutated(t, az, TypeSQLServer, "", "publicNetworkAccess", "Enabled")
		}, "public network access"},
		{"SSH open to the world", policies.NoOpenIngress, aws, func(t *testing.T, aws policies.Stack) policies.Stack {
			return mutated(t, aws, TypeIngress, "alb-in-443", "fromPort", 22.0)
		}, "opens port 22-443"},
		{"tasks open to the world", policies.NoOpenIngress, aws, func(t *testing.T, aws policies.Stack) policies.Stack {
			return mutated(t, aws, TypeIngress, "task-in-alb", "cidrIpv4", "0.0.0.0/0")
		}, "to the internet"},
		{"Azure storage network", policies.NoOpenIngress, az, func(t *testing.T, az policies.Stack) policies.Stack {
			return mutated(t, az, TypeStorageAcct, "", "networkRuleSet.defaultAction", "Allow")
		}, "admits every network"},
		{"ALB without WAF", policies.WAFOnEveryEntry, aws, func(t *testing.T, aws policies.Stack) policies.Stack {
			return mutated(t, aws, TypeACLAssoc, "", "resourceArn", "arn:aws:elasticloadbalancing:other")
		}, "load balancer has no web ACL"},
		{"web ACL without SQLi rules", policies.WAFOnEveryEntry, aws, func(t *testing.T, aws policies.Stack) policies.Stack {
			return mutated(t, aws, TypeACL, "us-east-1", "rules.6.statement.managedRuleGroupStatement.name", "Other")
		}, "AWSManagedRulesSQLiRuleSet"}, // after the rate limit, the two gate rules and three managed groups
		{"backend without Armor", policies.WAFOnEveryEntry, gcp, func(t *testing.T, gcp policies.Stack) policies.Stack {
			return mutated(t, gcp, TypeBackend, "lb-api", "securityPolicy", nil)
		}, "no Cloud Armor policy"},
		{"Azure domain without WAF", policies.WAFOnEveryEntry, az, func(t *testing.T, az policies.Stack) policies.Stack {
			return mutated(t, az, TypeAFDSecurity, "", "parameters.associations.0.domains.1.id", "other")
		}, "Front Door domain has no WAF policy"},
		{"prod WAF counting", policies.WAFEnforcing, aws, func(t *testing.T, aws policies.Stack) policies.Stack {
			return mutated(t, aws, TypeACL, "us-east-1", "rules.0.action", map[string]any{"count": map[string]any{}})
		}, "only counts"},
		{"GCP Armor preview", policies.WAFEnforcing, gcp, func(t *testing.T, gcp policies.Stack) policies.Stack {
			return mutated(t, gcp, TypeArmor, "", "rules.0.preview", true)
		}, "only counts"},
		{"Azure WAF detection", policies.WAFEnforcing, az, func(t *testing.T, az policies.Stack) policies.Stack {
			return mutated(t, az, TypeAzWAF, "", "policySettings.mode", "Detection")
		}, "only counts"},
		{"AWS * on *", policies.NoWildcardIAM, aws, func(t *testing.T, aws policies.Stack) policies.Stack {
			return mutated(t, aws, TypeRolePolicy, "task-policy", "policy", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":["*"]}]}`)
		}, "allows * on *"},
		{"GCP owner", policies.NoWildcardIAM, gcp, func(t *testing.T, gcp policies.Stack) policies.Stack {
			return mutated(t, gcp, "gcp:projects/iAMMember:IAMMember", "", "role", "roles/owner")
		}, "grants roles/owner"},
		{"Aurora backups", policies.BackupsAndProtection, aws, func(t *testing.T, aws policies.Stack) policies.Stack {
			return mutated(t, aws, TypeDBCluster, "", "backupRetentionPeriod", 1.0)
		}, "under 7 days of backups"},
		{"DynamoDB PITR", policies.BackupsAndProtection, aws, func(t *testing.T, aws policies.Stack) policies.Stack {
			return mutated(t, aws, TypeTable, "", "pointInTimeRecovery.enabled", false)
		}, "point-in-time recovery"},
		{"Cloud SQL PITR", policies.BackupsAndProtection, gcpAP, func(t *testing.T, gcpAP policies.Stack) policies.Stack {
			return mutated(t, gcpAP, TypeSQL, "europe-west1", "settings.backupConfiguration.pointInTimeRecoveryEnabled", false)
		}, "lacks point-in-time recovery"},
		{"Aurora region left out", policies.DataReachesEveryRegion, aws, func(t *testing.T, aws policies.Stack) policies.Stack {
			return mutated(t, aws, TypeDBCluster, "eu-west-1", "globalClusterIdentifier", nil)
		}, "region eu-west-1 has no Aurora global database member"},
		{"DynamoDB replica missing", policies.DataReachesEveryRegion, aws, func(t *testing.T, aws policies.Stack) policies.Stack {
			return without(aws, func(r *mock.Resource) bool {
				return r.Type == TypeTableReplica && r.Region == "eu-west-1"
			})
		}, "has no DynamoDB global table replica"},
		{"DynamoDB replica deletable", policies.BackupsAndProtection, aws, func(t *testing.T, aws policies.Stack) policies.Stack {
			return mutated(t, aws, TypeTableReplica, "", "deletionProtectionEnabled", false)
		}, "lacks point-in-time recovery or deletion protection"},
		{"S3 not replicated", policies.DataReachesEveryRegion, aws, func(t *testing.T, aws policies.Stack) policies.Stack {
			return mutated(t, aws, TypeReplication, "us-east-1", "rules.0.destination.bucket", "arn:aws:s3:::elsewhere")
		}, "has no S3 replication from the writer's region"},
		{"Spanner config too small", policies.DataReachesEveryRegion, gcp, func(t *testing.T, gcp policies.Stack) policies.Stack {
			return mutated(t, gcp, TypeSpanner, "", "config", "nam11")
		}, "has no readable replica in us-west1"},
		{"Cloud SQL replica missing", policies.DataReachesEveryRegion, gcpAP, func(t *testing.T, gcpAP policies.Stack) policies.Stack {
			return mutated(t, gcpAP, TypeSQL, "europe-north1", "masterInstanceName", nil)
		}, "region europe-north1 has no Cloud SQL cross-region replica"},
		{"GCS placement", policies.DataReachesEveryRegion, gcp, func(t *testing.T, gcp policies.Stack) policies.Stack {
			return mutated(t, gcp, TypeGCSBucket, "", "location", "EU")
		}, "region us-west1 has no bucket in its area (US)"},
		{"Azure SQL secondary missing", policies.DataReachesEveryRegion, az, func(t *testing.T, az policies.Stack) policies.Stack {
			return mutated(t, az, TypeSQLDatabase, "westeurope", "createMode", "Default")
		}, "region westeurope has no SQL geo-secondary"},
		{"Azure storage not geo-readable", policies.DataReachesEveryRegion, az, func(t *testing.T, az policies.Stack) policies.Stack {
			return mutated(t, az, TypeStorageAcct, "westeurope", "sku.name", "Standard_ZRS")
		}, "is not read-access geo-redundant (Standard_ZRS)"},
		{"Azure storage closed to a region", policies.DataReachesEveryRegion, az, func(t *testing.T, az policies.Stack) policies.Stack {
			return mutated(t, az, TypeStorageAcct, "westeurope", "networkRuleSet.virtualNetworkRules", []any{})
		}, "does not admit apps subnet"},
		{"ALB without access logs", policies.WAFAndLoadBalancerLogging, aws, func(t *testing.T, aws policies.Stack) policies.Stack {
			return mutated(t, aws, TypeALB, "us-east-1", "accessLogs.enabled", false)
		}, "writes no access logs"},
		{"web ACL not logged", policies.WAFAndLoadBalancerLogging, aws, func(t *testing.T, aws policies.Stack) policies.Stack {
			return mutated(t, aws, "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration", "eu-west-1", "resourceArn", "arn:aws:wafv2:other")
		}, "web ACL has no logging configuration"},
		{"backend service not logged", policies.WAFAndLoadBalancerLogging, gcp, func(t *testing.T, gcp policies.Stack) policies.Stack {
			return mutated(t, gcp, TypeBackend, "lb-api", "logConfig.enable", false)
		}, "does not log requests"},
		{"Front Door WAF log off", policies.WAFAndLoadBalancerLogging, az, func(t *testing.T, az policies.Stack) policies.Stack {
			return mutated(t, az, "azure-native:insights:DiagnosticSetting", "frontdoor-logs", "logs.2.enabled", false)
		}, "does not send FrontDoorWebApplicationFirewallLog"},
		{"SNS topic without subscriber", policies.AlertsRouted, aws, func(t *testing.T, aws policies.Stack) policies.Stack {
			return mutated(t, aws, "aws:sns/topicSubscription:TopicSubscription", "eu-west-1", "topic", "arn:aws:sns:other")
		}, "alarm topic has no subscriber"},
		{"alarm without action", policies.AlertsRouted, aws, func(t *testing.T, aws policies.Stack) policies.Stack {
			return mutated(t, aws, "aws:cloudwatch/compositeAlarm:CompositeAlarm", "", "alarmActions", []any{})
		}, "alarm notifies nobody"},
		{"GCP alert without channel", policies.AlertsRouted, gcp, func(t *testing.T, gcp policies.Stack) policies.Stack {
			return mutated(t, gcp, "gcp:monitoring/alertPolicy:AlertPolicy", "5xx", "notificationChannels", []any{})
		}, "no notification channel"},
		{"Azure action group without receiver", policies.AlertsRouted, az, func(t *testing.T, az policies.Stack) policies.Stack {
			return mutated(t, az, "azure-native:insights:ActionGroup", "", "emailReceivers", []any{})
		}, "action group has no receiver"},
		{"Aurora without its key", policies.CustomerManagedKeys, aws, func(t *testing.T, aws policies.Stack) policies.Stack {
			return mutated(t, aws, TypeDBCluster, "eu-west-1", "kmsKeyId", nil)
		}, "Aurora cluster is not encrypted with a customer-managed key"},
		{"bucket on SSE-S3", policies.CustomerManagedKeys, aws, func(t *testing.T, aws policies.Stack) policies.Stack {
			return mutated(t, aws, TypeBucketSSE, "uploads-us-east-1", "rules.0.applyServerSideEncryptionByDefault.sseAlgorithm", "AES256")
		}, "bucket is not encrypted with a customer-managed key"},
		{"table replica without key", policies.CustomerManagedKeys, aws, func(t *testing.T, aws policies.Stack) policies.Stack {
			return mutated(t, aws, TypeTableReplica, "", "kmsKeyArn", nil)
		}, "is not encrypted with a customer-managed key"},
		{"log group without key", policies.CustomerManagedKeys, aws, func(t *testing.T, aws policies.Stack) policies.Stack {
			return mutated(t, aws, TypeLogGroup, "", "kmsKeyId", nil)
		}, "log group is not encrypted"},
		{"KMS key without rotation", policies.CustomerManagedKeys, aws, func(t *testing.T, aws policies.Stack) policies.Stack {
			return mutated(t, aws, TypeKey, "", "enableKeyRotation", false)
		}, "KMS key does not rotate"},
		{"Spanner on Google-managed keys", policies.CustomerManagedKeys, gcp, func(t *testing.T, gcp policies.Stack) policies.Stack {
			return mutated(t, gcp, TypeSpannerDB, "", "encryptionConfig", nil)
		}, "Spanner database is not encrypted with a customer-managed key"},
		{"Cloud SQL replica without key", policies.CustomerManagedKeys, gcpAP, func(t *testing.T, gcpAP policies.Stack) policies.Stack {
			return mutated(t, gcpAP, TypeSQL, "europe-north1", "encryptionKeyName", nil)
		}, "Cloud SQL instance is not encrypted"},
		{"GCS without key", policies.CustomerManagedKeys, gcp, func(t *testing.T, gcp policies.Stack) policies.Stack {
			return mutated(t, gcp, TypeGCSBucket, "", "encryption", nil)
		}, "bucket is not encrypted"},
		{"Cloud KMS key without rotation", policies.CustomerManagedKeys, gcp, func(t *testing.T, gcp policies.Stack) policies.Stack {
			return mutated(t, gcp, "gcp:kms/cryptoKey:CryptoKey", "", "rotationPeriod", nil)
		}, "Cloud KMS key does not rotate"},
		{"Azure SQL on service-managed TDE", policies.CustomerManagedKeys, az, func(t *testing.T, az policies.Stack) policies.Stack {
			return mutated(t, az, TypeSQLServer, "", "keyId", nil)
		}, "SQL server (TDE) is not encrypted"},
		{"Azure storage on Microsoft keys", policies.CustomerManagedKeys, az, func(t *testing.T, az policies.Stack) policies.Stack {
			return mutated(t, az, TypeStorageAcct, "", "encryption.keySource", "Microsoft.Storage")
		}, "storage account is not encrypted"},
		{"Key Vault key without rotation", policies.CustomerManagedKeys, az, func(t *testing.T, az policies.Stack) policies.Stack {
			return mutated(t, az, "azure-native:keyvault:Key", "", "properties.rotationPolicy", nil)
		}, "Key Vault key does not rotate"},
		{"Azure Owner", policies.NoWildcardIAM, az, func(t *testing.T, az policies.Stack) policies.Stack {
			return mutated(t, az, TypeRoleAssignment, "eastus2-blob-access", "roleDefinitionId", "/subscriptions/x/providers/Microsoft.Authorization/roleDefinitions/8e3af657-a8ff-443c-a75c-2fe8c4bcb635")
		}, "assigns the Owner or Contributor role"},
		{"GCP default labels", policies.StandardTags, gcp, func(t *testing.T, gcp policies.Stack) policies.Stack {
			return mutated(t, gcp, "pulumi:providers:gcp", "us-east1", "defaultLabels.environment", "dev")
		}, "standard tag environment=prod"},
		{"AWS default tags", policies.StandardTags, aws, func(t *testing.T, aws policies.Stack) policies.Stack {
			return mutated(t, aws, TypeAWSProvider, "eu-west-1", "defaultTags.tags.stack", "other")
		}, "standard tag stack=prod"},
		{"Azure tags", policies.StandardTags, az, func(t *testing.T, az policies.Stack) policies.Stack {
			return mutated(t, az, TypeContainerApp, "", "tags.environment", "dev")
		}, "standard tag environment=prod"},
		{"AWS first wave without its gate", policies.ReleaseInWaves, aws, func(t *testing.T, aws policies.Stack) policies.Stack {
			return withoutFirstGate(aws)
		}, "(release wave 1) has no release gate"},
		{"Google Cloud writer's wave not waiting", policies.ReleaseInWaves, gcp, func(t *testing.T, gcp policies.Stack) policies.Stack {
			return writerNotWaiting(t, gcp)
		}, "takes a new version without waiting for the release gate of"},
		{"Azure first wave without its gate", policies.ReleaseInWaves, az, func(t *testing.T, az policies.Stack) policies.Stack {
			return withoutFirstGate(az)
		}, "(release wave 1) has no release gate"},
		{"AWS writer's wave not waiting", policies.ReleaseInWaves, aws, func(t *testing.T, aws policies.Stack) policies.Stack {
			return writerNotWaiting(t, aws)
		}, "takes a new version without waiting for the release gate of"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			pass := Graph(PlanFile(t, tc.pass))
			assert.Empty(t, Violations(pass, tc.policy), "the committed stack passes %s", tc.policy.Name)
			vs := Violations(tc.fail(t, pass), tc.policy)
			require.NotEmpty(t, vs, "the mutated stack violates %s", tc.policy.Name)
			var messages []string
			for _, v := range vs {
				messages = append(messages, v.Message)
				assert.Equal(t, tc.policy.Name, v.Policy)
			}
			assert.Contains(t, strings.Join(messages, "\n"), tc.want)
		})
	}
}

func TestWAFCountModeIsAdvisoryOutsideProductionAndMandatoryInIt(t *testing.T) {
	t.Parallel()
	staging := PlanFile(t, "../../Pulumi.staging.yaml")
	vs := Violations(Graph(staging), policies.WAFEnforcing)
	require.NotEmpty(t, vs)
	for _, v := range vs {
		assert.Equal(t, policies.Advisory, v.Severity)
	}
	prodCounting := MustPlan(t, "prod", With(Contract("aws", "active-active", "us-east-1", "eu-west-1"), "wafMode", "count", "alertEmails", []string{"a@example.com"}))
	vs = Violations(Graph(prodCounting), policies.WAFEnforcing)
	require.NotEmpty(t, vs)
	assert.Equal(t, policies.Mandatory, vs[0].Severity)
	code, _, stderr := RunMain(t, "--config-file", WriteStack(t, "prod", With(Contract("aws", "active-active", "us-east-1", "eu-west-1"), "wafMode", "count")))
	assert.Equal(t, plan.ExitFailure, code, "a mandatory violation fails the plan")
	assert.Contains(t, stderr, "a mandatory policy failed")
}

func TestDefaultProvidersAreRefused(t *testing.T) {
	t.Parallel()
	aws := Graph(PlanFile(t, "../../Pulumi.prod.yaml"))
	assert.Empty(t, Violations(aws, policies.ExplicitProviders))
	var bad policies.Stack
	bad.Spec = aws.Spec
	replaced := false
	for _, r := range aws.Resources {
		if r.Type == TypeVpc && !replaced {
			replaced = true
			clone := *r
			clone.Provider = "urn:pulumi:prod::mobile-backend::pulumi:providers:aws::default_6_83_4::id"
			r = &clone
		}
		bad.Resources = append(bad.Resources, r)
	}
	vs := Violations(bad, policies.ExplicitProviders)
	require.Len(t, vs, 1)
	assert.Equal(t, "resource uses the default provider", vs[0].Message)
}

func TestRegionsMustBeAllowedAndFarEnoughApart(t *testing.T) {
	t.Parallel()
	t.Run("aws", func(t *testing.T) {
		ok := MustPlan(t, "r", With(Contract("aws", "active-passive", "eu-west-1", "eu-central-1"), "allowedRegions", []string{"eu-west-1", "eu-central-1"}))
		assert.Empty(t, Violations(Graph(ok), policies.RegionsAllowedAndApart))
		// The edge ACL's requests could rest in us-east-1 only: it keeps
		// counts, no logs and no sampled requests, and nothing else of the
		// stack's data rests there.
		assert.Empty(t, Violations(Graph(ok), policies.DataStaysInAllowedRegions))
		edgeLogged := func(res *plan.Result) (logged, sampled bool) {
			for _, acl := range res.Recorder.OfType(TypeACL) {
				if acl.Str("scope") != "CLOUDFRONT" {
					continue
				}
				sampled = acl.Bool("visibilityConfig.sampledRequestsEnabled")
				for _, c := range res.Recorder.OfType("aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration") {
					logged = logged || c.Get("resourceArn") == acl.Outputs["arn"]
				}
			}
			return logged, sampled
		}
		logged, sampled := edgeLogged(ok)
		assert.False(t, logged, "no logs where they may not rest")
		assert.False(t, sampled)
		anywhere := ContractPlan(t, "aws", "active-passive", "eu-west-1", "eu-central-1")
		logged, sampled = edgeLogged(anywhere)
		assert.True(t, logged, "without allowedRegions the edge ACL is logged")
		assert.True(t, sampled)

		outside := MustPlan(t, "r", With(Contract("aws", "active-passive", "eu-west-1", "us-east-1"), "allowedRegions", []string{"eu-west-1", "eu-central-1"}))
		vs := Violations(Graph(outside), policies.RegionsAllowedAndApart)
		require.Len(t, vs, 1)
		assert.Equal(t, "region us-east-1 is not in allowedRegions (eu-west-1, eu-central-1)", vs[0].Message)
	})
	t.Run("gcp", func(t *testing.T) {
		close := ContractPlan(t, "gcp", "active-passive", "europe-west1", "europe-west4")
		vs := Violations(Graph(close), policies.RegionsAllowedAndApart)
		require.Len(t, vs, 1)
		assert.Regexp(t, `^europe-west1 and europe-west4 are 3\d\d km apart, closer than minRegionDistanceKm \(500\)$`, vs[0].Message)
		relaxed := MustPlan(t, "r", With(Contract("gcp", "active-passive", "europe-west1", "europe-west4"), "minRegionDistanceKm", 300))
		assert.Empty(t, Violations(Graph(relaxed), policies.RegionsAllowedAndApart))
	})
}

func TestEveryRegionMustBeServedCheckedAndAlerted(t *testing.T) {
	t.Parallel()
	for _, file := range []string{"../../Pulumi.prod.yaml", "../../Pulumi.gcp-prod.yaml", "../../Pulumi.azure-prod.yaml"} {
		t.Run(filepath.Base(file), func(t *testing.T) {
			assert.Empty(t, Violations(Graph(PlanFile(t, file)), policies.EveryRegionServedAndWatched), file)
		})
	}
	t.Run("aws", func(t *testing.T) {
		aws := Graph(PlanFile(t, "../../Pulumi.prod.yaml"))
		var without policies.Stack
		without.Spec = aws.Spec
		for _, r := range aws.Resources {
			if r.Type == TypeHealthCheck && strings.Contains(r.Name, "eu-west-1") {
				continue // drop one region's health check
			}
			without.Resources = append(without.Resources, r)
		}
		vs := Violations(without, policies.EveryRegionServedAndWatched)
		require.Len(t, vs, 1)
		assert.Equal(t, "region eu-west-1 has no Route 53 health check on its load balancer", vs[0].Message)
	})
	t.Run("gcp", func(t *testing.T) {
		gcp := Graph(PlanFile(t, "../../Pulumi.gcp-prod.yaml"))
		vs := Violations(mutated(t, gcp, TypeUptime, "us-west1", "monitoredResource.labels.host", "elsewhere.example.com"), policies.EveryRegionServedAndWatched)
		require.Len(t, vs, 1)
		assert.Equal(t, "region us-west1 has no uptime check", vs[0].Message)
	})
}

func TestPlanTreePrintsPolicyResults(t *testing.T) {
	t.Parallel()
	code, tree, _ := RunMain(t, "--config-file", "../../Pulumi.staging.yaml")
	require.Equal(t, plan.ExitOK, code, "advisory violations do not fail the plan")
	assert.Contains(t, tree, fmt.Sprintf("Policies: %d checked,", len(policies.All)))
	assert.Contains(t, tree, "[advisory] waf-enforcing: aws:wafv2/webAcl:WebAcl staging-us-west-2-acl: web ACL rules rate-limit,")
}

func TestStatefulResourcesMustBeProtected(t *testing.T) {
	t.Parallel()
	aws := Graph(PlanFile(t, "../../Pulumi.prod.yaml"))
	assert.Empty(t, Violations(aws, policies.BackupsAndProtection))
	var bad policies.Stack
	bad.Spec = aws.Spec
	for _, r := range aws.Resources {
		if r.Type == TypeBucket && strings.Contains(r.Name, "uploads") {
			clone := *r
			clone.Protect = false
			r = &clone
		}
		bad.Resources = append(bad.Resources, r)
	}
	vs := Violations(bad, policies.BackupsAndProtection)
	require.Len(t, vs, 3, "each region's bucket")
	assert.Equal(t, "stateful resource is not protected", vs[0].Message)
}

func TestResilienceBudgetOfEachCommittedStack(t *testing.T) {
	t.Parallel()
	for file, want := range map[string][2]int{
		// The writer path: 290 s region watch (the replication alarm's 2 × 60 s window + 60 s CloudWatch delay + the 60 s run after it, then the 50 s run) + 60 s Aurora failover; RTC 15 min
		"../../Pulumi.prod.yaml":        {350, 900}, // the serving path meanwhile: 10 s × 3 detection + 60 s alias TTL
		"../../Pulumi.staging.yaml":     {350, 900}, // the serving path: + 60 s scale-out cooldown + 60 s task start for the standby, still the shorter
		"../../Pulumi.gcp-prod.yaml":    {30, 900},  // outlier detection 10 s × 3; Spanner synchronous; turbo 15 min
		"../../Pulumi.gcp-staging.yaml": {595, 900}, // 295 s failover job (the uptime checks' 2 × 60 s window + 60 s delay + the 60 s run after it, then the 55 s run) + 300 s propagation, the replica promoted meanwhile (180 s)
		// The writer path: 355 s failover job (the edge's 2 × 60 s window + 120 s metric delay + the 60 s run after it, then the 55 s run) + 60 s forced failover; storage geo-redundancy "typically under 15 minutes"
		"../../Pulumi.azure-prod.yaml":    {415, 900}, // the serving path meanwhile: 40 s Front Door probes
		"../../Pulumi.azure-staging.yaml": {415, 900}, // the serving path: + 60 s standby replica start
	} {
		t.Run(filepath.Base(file), func(t *testing.T) {
			res := PlanFile(t, file)
			assert.Equal(t, want[0], res.Resilience.RTO.Computed, "%s RTO: %+v", file, res.Resilience.RTO.Terms)
			assert.Equal(t, want[1], res.Resilience.RPO.Computed, "%s RPO: %+v", file, res.Resilience.RPO.Terms)
			assert.Empty(t, Violations(Graph(res), policies.ResilienceWithinObjectives), "%s meets its objectives", file)
		})
	}
	t.Run("prod-terms", func(t *testing.T) {
		code, out, _ := RunMain(t, "--config-file", "../../Pulumi.prod.yaml", "--format", "json")
		require.Equal(t, plan.ExitOK, code)
		var doc plan.Document
		require.NoError(t, json.Unmarshal([]byte(out), &doc))
		assert.Equal(t, 600, doc.Resilience.RTO.Objective)
		assert.Equal(t, []policies.Term{
			{Name: "Route 53 health check detection (interval × threshold)", Seconds: 30, Path: "serving", Basis: "configured: healthCheckInterval × healthCheckFailureThreshold"},
			{Name: "DNS alias TTL", Seconds: 60, Path: "serving", Basis: "published: Route 53 Developer Guide, alias records to a load balancer answer with its 60 s TTL"},
			{Name: "region watch: confirmed loss (strikes a run apart, or the replication alarm's window and the run after it) and the last run", Seconds: 290, Path: "writer",
				Basis: "configured: the watch's schedule and strikes, its replication alarm's window with an estimated CloudWatch delay, and its run timeout (internal/failover)"},
			{Name: "Aurora global failover", Seconds: 60, Path: "writer", Basis: "published: Aurora User Guide, managed cross-Region failover typically under a minute"},
		}, doc.Resilience.RTO.Terms)
	})
}

func TestSlowerDetectionRaisesTheRTOAndPastTheObjectiveFailsThePolicy(t *testing.T) {
	t.Parallel()
	base := Contract("aws", "active-active", "us-east-1", "eu-west-1")
	fast := ContractPlan(t, "aws", "active-active", "us-east-1", "eu-west-1")
	slow := MustPlan(t, "r", With(base, "healthCheckInterval", 30, "healthCheckFailureThreshold", 10))
	assert.Equal(t, 350, fast.Resilience.RTO.Computed, "the writer path: the region watch and the Aurora failover")
	assert.Equal(t, 360, slow.Resilience.RTO.Computed, "30 s × 10 failures = 300 s to detect + 60 s TTL: now the serving path is the longer")
	assert.Empty(t, Violations(Graph(slow), policies.ResilienceWithinObjectives))

	strict := MustPlan(t, "r", With(base, "healthCheckInterval", 30, "healthCheckFailureThreshold", 10, "rtoSeconds", 355))
	vs := Violations(Graph(strict), policies.ResilienceWithinObjectives)
	require.Len(t, vs, 1)
	assert.True(t, strings.HasPrefix(vs[0].Message, "computed RTO 360 s exceeds mobile-backend:rtoSeconds (355 s): Route 53 health check detection (interval × threshold) 300 s (serving path)"), vs[0].Message)
	assert.Equal(t, policies.Mandatory, vs[0].Severity)
}

func TestAnAzureStackMeetsTheDefaultObjectivesOnlyWithItsFailoverJob(t *testing.T) {
	t.Parallel()
	// The failover group alone waits out its grace period (an hour at
	// least); the failover job forces it over within minutes.
	file := WriteStack(t, "az", Contract("azure", "active-active", "northeurope", "westeurope"))
	code, out, stderr := RunMain(t, "--config-file", file, "--format", "tree")
	assert.Equal(t, plan.ExitOK, code, stderr)
	assert.Contains(t, out, "Resilience RTO: 415 s computed, objective 600 s")

	res := ContractPlan(t, "azure", "active-active", "northeurope", "westeurope")
	noJob := without(Graph(res), func(r *mock.Resource) bool {
		return r.Type == "azure-native:app/v20240301:Job" && strings.HasSuffix(r.Name, "sql-failover")
	})
	vs := Violations(noJob, policies.ResilienceWithinObjectives)
	require.Len(t, vs, 1)
	assert.Contains(t, vs[0].Message, "exceeds mobile-backend:rtoSeconds (600 s)")
	assert.Contains(t, vs[0].Message, "SQL failover group (grace period + switch) 3660 s")
	// The region-loss table says the same of the writer's loss.
	assert.Contains(t, strings.Join(messagesOf(Violations(noJob, policies.RegionLossSurvived)), "\n"),
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
	res := MustPlan(t, "az4", Contract("azure", "active-active", "eastus2", "westeurope", "southeastasia", "australiaeast"))
	assert.Empty(t, Violations(Graph(res), policies.DataReachesEveryRegion))
	assert.Len(t, res.Recorder.OfType(TypeStorageAcct), 4)
}

func TestUnroutedAlertsAreAdvisoryOutsideProductionAndMandatoryInIt(t *testing.T) {
	t.Parallel()
	base := Contract("aws", "active-active", "us-east-1", "eu-west-1")
	for env, want := range map[string]policies.Severity{"dev": policies.Advisory, "prod": policies.Mandatory} {
		res := MustPlan(t, "alerts", With(base, "environment", env))
		vs := Violations(Graph(res), policies.AlertsRouted)
		require.Len(t, vs, 2, "one topic per region, none subscribed")
		assert.Equal(t, want, vs[0].Severity, env)
		assert.Equal(t, "alarm topic has no subscriber (set alertEmails)", vs[0].Message)
		routed := MustPlan(t, "alerts", With(base, "environment", env, "alertEmails", []string{"oncall@example.com"}))
		assert.Empty(t, Violations(Graph(routed), policies.AlertsRouted))
	}
}

// without is a copy of a stack without the resources drop picks.
func without(s policies.Stack, drop func(*mock.Resource) bool) policies.Stack {
	return policies.Stack{Spec: s.Spec, Resources: Filter(s.Resources, func(r *mock.Resource) bool { return !drop(r) })}
}

func TestEveryCloudHasAViolatingCaseForTheRulesThatJoinResources(t *testing.T) {
	t.Parallel()
	// A resource on a default provider.
	defaultProvider := func(t *testing.T, s policies.Stack) {
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
		vs := Violations(bad, policies.ExplicitProviders)
		require.Len(t, vs, 1, s.Spec.Cloud)
		assert.Equal(t, "resource uses the default provider", vs[0].Message)
	}
	t.Run("azure", func(t *testing.T) {
		az := Graph(PlanFile(t, "../../Pulumi.azure-prod.yaml"))
		// A region whose container app has no metric alert.
		vs := Violations(without(az, func(r *mock.Resource) bool {
			return r.Type == "azure-native:insights:MetricAlert" && strings.Contains(r.Name, "westeurope")
		}), policies.EveryRegionServedAndWatched)
		require.Len(t, vs, 1)
		assert.Equal(t, "region westeurope has no metric alert", vs[0].Message)

		// No point-in-time retention policy.
		vs = Violations(without(az, func(r *mock.Resource) bool { return r.Type == TypeSQLRetention }), policies.BackupsAndProtection)
		require.Len(t, vs, 1)
		assert.Equal(t, "Azure SQL has no short-term (point-in-time) retention policy", vs[0].Message)
		defaultProvider(t, az)
	})
	t.Run("gcp", func(t *testing.T) {
		gcp := Graph(PlanFile(t, "../../Pulumi.gcp-prod.yaml"))
		// A firewall rule open to the internet.
		open := gcp
		open.Resources = append(append([]*mock.Resource{}, gcp.Resources...), &mock.Resource{
			URN: "urn:pulumi:gcp-prod::mobile-backend::gcp:compute/firewall:Firewall::ssh", Type: "gcp:compute/firewall:Firewall", Name: "ssh", Custom: true,
			Inputs: map[string]any{"direction": "INGRESS", "sourceRanges": []any{"0.0.0.0/0"}},
		})
		assert.Empty(t, Violations(gcp, policies.NoOpenIngress))
		vs := Violations(open, policies.NoOpenIngress)
		require.Len(t, vs, 1)
		assert.Equal(t, "firewall rule admits the internet", vs[0].Message)
		defaultProvider(t, gcp)
	})
}

// withoutFirstGate drops the release gate of the first wave's region.
func withoutFirstGate(s policies.Stack) policies.Stack {
	_, gates := policies.ReleaseAppsAndGates(s, string(s.Spec.Cloud))
	first := gates[s.Spec.ReleaseWaves()[0][0]]
	return without(s, func(r *mock.Resource) bool { return slices.Contains(first, r) })
}

// writerNotWaiting clears the dependsOn of the writer's region's app: the
// last wave no longer waits for the one before it.
func writerNotWaiting(t *testing.T, s policies.Stack) policies.Stack {
	apps, _ := policies.ReleaseAppsAndGates(s, string(s.Spec.Cloud))
	app := apps[s.Spec.WriterRegion][0]
	out := policies.Stack{Spec: s.Spec}
	for _, r := range s.Resources {
		if r == app {
			r = cloneResource(t, r)
			r.DependsOn = nil
		}
		out.Resources = append(out.Resources, r)
	}
	return out
}
