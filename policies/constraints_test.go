package policies

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mobile-backend/mobile-backend/internal/mock"
	"github.com/mobile-backend/mobile-backend/internal/names"
)

// These cases build small graphs by hand: they link no cloud SDK and answer
// in milliseconds. The plans of the committed stacks are checked against
// the same rules in tests/.

// res is a recorded custom resource; outputs default to the inputs, as the
// mock answers.
func res(typ, name, region string, inputs map[string]any, opts ...func(*mock.Resource)) *mock.Resource {
	r := &mock.Resource{
		URN: "urn:pulumi:test::mobile-backend::" + typ + "::" + name, Type: typ, Name: name, Region: region,
		Custom: true, Provider: "urn:pulumi:test::mobile-backend::pulumi:providers:x::p::id", ID: name,
		Inputs: inputs, Outputs: map[string]any{}, PropertyDeps: map[string][]string{},
	}
	for k, v := range inputs {
		r.Outputs[k] = v
	}
	for _, o := range opts {
		o(r)
	}
	return r
}

func id(v string) func(*mock.Resource) { return func(r *mock.Resource) { r.ID = v } }

func out(k string, v any) func(*mock.Resource) { return func(r *mock.Resource) { r.Outputs[k] = v } }

func dependsOn(ds ...*mock.Resource) func(*mock.Resource) {
	return func(r *mock.Resource) {
		for _, d := range ds {
			r.DependsOn = append(r.DependsOn, d.URN)
		}
	}
}

// consumes records that an input's value came from another resource's output.
func consumes(input string, d *mock.Resource) func(*mock.Resource) {
	return func(r *mock.Resource) { r.PropertyDeps[input] = append(r.PropertyDeps[input], d.URN) }
}

func check(p Policy, rs ...*mock.Resource) []Violation {
	return Evaluate(Stack{Resources: rs}, []Policy{p})
}

func messages(vs []Violation) []string {
	var out []string
	for _, v := range vs {
		out = append(out, v.Message)
	}
	return out
}

func TestACompositeAlarmNamingItsMembersAsStringsIsCaughtAndTheirOutputsPass(t *testing.T) {
	noHosts := res("aws:cloudwatch/metricAlarm:MetricAlarm", "prod-us-east-1-no-healthy-hosts", "us-east-1",
		map[string]any{"name": "prod-us-east-1-no-healthy-hosts"})
	errors := res("aws:cloudwatch/metricAlarm:MetricAlarm", "prod-us-east-1-5xx-rate", "us-east-1",
		map[string]any{"name": "prod-us-east-1-5xx-rate"})
	rule := `ALARM("prod-us-east-1-no-healthy-hosts") OR ALARM("prod-us-east-1-5xx-rate")`
	hidden := res("aws:cloudwatch/compositeAlarm:CompositeAlarm", "prod-us-east-1-region-down", "us-east-1",
		map[string]any{"alarmName": "prod-us-east-1-region-down", "alarmRule": rule})

	vs := check(ExplicitOrdering, noHosts, errors, hidden)
	require.Len(t, vs, 2, "one violation per member named without a dependency: %v", messages(vs))
	assert.Contains(t, vs[0].Message, `input alarmRule names aws:cloudwatch/metricAlarm:MetricAlarm`)
	assert.Equal(t, hidden.URN, vs[0].Resource)
	assert.Len(t, check(CompositeAlarmMembers, noHosts, errors, hidden), 2, "the constraint row says the same")

	fixed := res("aws:cloudwatch/compositeAlarm:CompositeAlarm", "prod-us-east-1-region-down", "us-east-1",
		map[string]any{"alarmName": "prod-us-east-1-region-down", "alarmRule": rule},
		consumes("alarmRule", noHosts), consumes("alarmRule", errors))
	assert.Empty(t, check(ExplicitOrdering, noHosts, errors, fixed))
	assert.Empty(t, check(CompositeAlarmMembers, noHosts, errors, fixed))

	ghost := res("aws:cloudwatch/compositeAlarm:CompositeAlarm", "c", "us-east-1",
		map[string]any{"alarmRule": `ALARM("not-an-alarm-of-this-stack")`})
	assert.Equal(t, []string{`alarm rule names "not-an-alarm-of-this-stack", which is no alarm of this stack in us-east-1`},
		messages(check(CompositeAlarmMembers, ghost)))
}

func TestOrderingLooksInsideJSONDocumentsAndPredictedHostNames(t *testing.T) {
	bucket := res("aws:s3/bucketV2:BucketV2", "uploads", "us-east-1", map[string]any{"bucket": "prod-uploads-us-east-1"},
		id("prod-uploads-us-east-1"), out("arn", "arn:aws:s3:::prod-uploads-us-east-1"))
	policy := res("aws:iam/policy:Policy", "task", "", map[string]any{
		"policy": `{"Statement":[{"Effect":"Allow","Action":"s3:PutObject","Resource":"arn:aws:s3:::prod-uploads-us-east-1/*"}]}`,
	})
	vs := check(ExplicitOrdering, bucket, policy)
	require.Len(t, vs, 1)
	assert.Contains(t, vs[0].Message, "input policy.Statement.0.Resource names aws:s3/bucketV2:BucketV2 uploads")

	fog := res("azure-native:sql:FailoverGroup", "prod-fog", "eastus2", map[string]any{"failoverGroupName": "prod-fog-1a2b3c"},
		out("name", "prod-fog-1a2b3c"))
	app := res("azure-native:app/v20240301:ContainerApp", "api", "eastus2", map[string]any{
		"template": map[string]any{"containers": []any{map[string]any{"env": []any{
			map[string]any{"name": "DB_WRITER_HOST", "value": "prod-fog-1a2b3c.database.windows.net"},
		}}}},
	})
	vs = check(ExplicitOrdering, fog, app)
	require.Len(t, vs, 1, "a host name predicted from the group's name hides the dependency")
	assert.Contains(t, vs[0].Message, "template.containers.0.env.0.value")

	// Through another resource: the app consumes the environment, which consumes the group.
	env := res("azure-native:app:ManagedEnvironment", "env", "eastus2", map[string]any{}, consumes("x", fog))
	viaEnv := res("azure-native:app/v20240301:ContainerApp", "api", "eastus2", app.Inputs, consumes("managedEnvironmentId", env))
	assert.Empty(t, check(ExplicitOrdering, fog, env, viaEnv), "a transitive dependency is enough")
}

func TestOrderingIgnoresWordsProseTagsAndChosenHostNames(t *testing.T) {
	db := res("gcp:spanner/database:Database", "db", "", map[string]any{"name": "app"})
	record := res("aws:route53/record:Record", "api", "", map[string]any{"name": "api.example.com"}, out("fqdn", "api.example.com"))
	alarm := res("aws:cloudwatch/metricAlarm:MetricAlarm", "prod-cpu", "us-east-1", map[string]any{"name": "prod-us-east-1-cpu"})
	other := res("aws:acm/certificate:Certificate", "cert", "us-east-1", map[string]any{
		"domainName":  "api.example.com",            // a DNS name, not a reference to the record
		"description": "watches prod-us-east-1-cpu", // prose
		"tags":        map[string]any{"component": "prod-us-east-1-cpu"},
		"note":        "app", // a word shorter than any identifier
		"other":       "prod-us-east-1-cpu-high",
	})
	assert.Empty(t, check(ExplicitOrdering, db, record, alarm, other))
}

func TestANameSharedByResourcesOfOneTypeIsNotAReference(t *testing.T) {
	a := res("aws:cloudwatch/logSubscriptionFilter:LogSubscriptionFilter", "f-eu", "eu-west-1", map[string]any{"name": "to-central-logs"})
	b := res("aws:cloudwatch/logSubscriptionFilter:LogSubscriptionFilter", "f-us", "us-east-1", map[string]any{"name": "to-central-logs"})
	rc := res("aws:s3/bucketReplicationConfig:BucketReplicationConfig", "rc", "eu-west-1",
		map[string]any{"rules": []any{map[string]any{"id": "to-central-logs"}}})
	assert.Empty(t, check(ExplicitOrdering, a, b, rc))
	assert.Len(t, check(ExplicitOrdering, a, rc), 1, "one resource of that name: a reference")
}

func TestADependencyOnAComponentWaitsForEverythingBelowIt(t *testing.T) {
	component := &mock.Resource{URN: "urn:pulumi:test::mobile-backend::mobile-backend:aws:Monitoring::mon", Type: "mobile-backend:aws:Monitoring"}
	alarm := res("aws:cloudwatch/metricAlarm:MetricAlarm", "prod-us-east-1-cpu", "us-east-1", map[string]any{"name": "prod-us-east-1-cpu"})
	alarm.Parent = component.URN
	c := res("aws:cloudwatch/compositeAlarm:CompositeAlarm", "c", "us-east-1",
		map[string]any{"alarmRule": `ALARM("prod-us-east-1-cpu")`}, dependsOn(component))
	assert.Empty(t, check(ExplicitOrdering, component, alarm, c))
	assert.Empty(t, check(CompositeAlarmMembers, component, alarm, c))
}

func TestCloudRunImagesComeFromRegistriesCloudRunDeploysFrom(t *testing.T) {
	svc := func(image string) *mock.Resource {
		return res("gcp:cloudrunv2/service:Service", "api", "us-central1", map[string]any{
			"template": map[string]any{"containers": []any{map[string]any{"image": image}}},
		})
	}
	for _, ok := range []string{"docker.io/library/nginx:stable", "us-docker.pkg.dev/cloudrun/container/hello", "europe-west1-docker.pkg.dev/p/r/api:1", "gcr.io/p/api", "eu.gcr.io/p/api"} {
		assert.Empty(t, check(CloudRunImageHost, svc(ok)), ok)
	}
	for _, bad := range []string{"public.ecr.aws/nginx/nginx:stable", "nginx:stable", "ghcr.io/org/api:1", "registry.example.com/api"} {
		vs := check(CloudRunImageHost, svc(bad))
		require.Len(t, vs, 1, bad)
		assert.Contains(t, vs[0].Message, "Cloud Run refuses it")
	}
}

func TestAContainerAppsEnvironmentNeedsADelegatedSubnetOfItsSize(t *testing.T) {
	vnet := func(prefix string, delegated bool) *mock.Resource {
		subnet := map[string]any{"name": "apps", "addressPrefix": prefix}
		if delegated {
			subnet["delegations"] = []any{map[string]any{"name": "d", "serviceName": ContainerAppsSubnetDelegation}}
		}
		return res("azure-native:network:VirtualNetwork", "vnet", "eastus2", map[string]any{"subnets": []any{subnet}}, id("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet"))
	}
	env := func(v *mock.Resource, profiles bool) *mock.Resource {
		in := map[string]any{"vnetConfiguration": map[string]any{"infrastructureSubnetId": v.ID + "/subnets/apps"}}
		if profiles {
			in["workloadProfiles"] = []any{map[string]any{"workloadProfileType": "Consumption"}}
		}
		return res("azure-native:app:ManagedEnvironment", "env", "eastus2", in, consumes("vnetConfiguration", v))
	}
	good := vnet("10.0.0.0/23", true)
	assert.Empty(t, check(ContainerAppsSubnet, good, env(good, false)))
	undelegated := vnet("10.0.0.0/23", false)
	assert.Equal(t, []string{"infrastructure subnet apps is not delegated to Microsoft.App/environments"},
		messages(check(ContainerAppsSubnet, undelegated, env(undelegated, false))))
	small := vnet("10.0.0.0/24", true)
	assert.Equal(t, []string{"infrastructure subnet apps is a /24: this environment needs a /23 or larger"},
		messages(check(ContainerAppsSubnet, small, env(small, false))))
	assert.Empty(t, check(ContainerAppsSubnet, small, env(small, true)), "a /24 is enough with workload profiles")

	// In a preview the subnet id is unknown: the delegated subnet of the network it depends on.
	preview := env(good, false)
	preview.Inputs["vnetConfiguration"] = map[string]any{"infrastructureSubnetId": mock.RefPrefix + good.URN}
	assert.Empty(t, check(ContainerAppsSubnet, good, preview))
	previewBad := env(undelegated, false)
	previewBad.Inputs["vnetConfiguration"] = map[string]any{"infrastructureSubnetId": mock.RefPrefix + undelegated.URN}
	assert.Len(t, check(ContainerAppsSubnet, undelegated, previewBad), 1)
}

func TestEveryGoogleResourceWaitsForItsAPI(t *testing.T) {
	run := res("gcp:projects/service:Service", "run", "", map[string]any{"service": "run.googleapis.com"})
	svc := res("gcp:cloudrunv2/service:Service", "api", "us-central1", map[string]any{}, dependsOn(run))
	assert.Empty(t, check(GoogleAPIsEnabled, run, svc))

	early := res("gcp:cloudrunv2/service:Service", "api", "us-central1", map[string]any{})
	assert.Equal(t, []string{"does not wait for the projects.Service that enables run.googleapis.com"}, messages(check(GoogleAPIsEnabled, run, early)))
	assert.Equal(t, []string{"run.googleapis.com is never enabled: add a projects.Service for it"}, messages(check(GoogleAPIsEnabled, early)))
	unknown := res("gcp:bigquery/dataset:Dataset", "d", "", map[string]any{})
	assert.Equal(t, []string{`no API is known for module "bigquery": add it to gcpapi.Services`}, messages(check(GoogleAPIsEnabled, unknown)))

	spanner := res("gcp:projects/service:Service", "spanner", "", map[string]any{"service": "spanner.googleapis.com"})
	agent := res("gcp:projects/serviceIdentity:ServiceIdentity", "agent", "", map[string]any{"service": "spanner.googleapis.com"})
	assert.Len(t, check(GoogleAPIsEnabled, spanner, agent), 1, "a service's agent is made once the service is on")
}

func TestGrantsToLazilyCreatedServiceAgentsWaitForWhatCreatesThem(t *testing.T) {
	const monitoringAgent = "serviceAccount:service-123@gcp-sa-monitoring-notification.iam.gserviceaccount.com"
	channel := res("gcp:monitoring/notificationChannel:NotificationChannel", "ch", "", map[string]any{"type": "pubsub"})
	early := res("gcp:pubsub/topicIAMMember:TopicIAMMember", "publishes", "", map[string]any{"member": monitoringAgent})
	vs := check(GoogleServiceAgentsCreated, channel, early)
	require.Len(t, vs, 1)
	assert.Contains(t, vs[0].Message, "wait for a gcp:monitoring/notificationChannel:NotificationChannel of type pubsub")
	late := res("gcp:pubsub/topicIAMMember:TopicIAMMember", "publishes", "", map[string]any{"member": monitoringAgent}, dependsOn(channel))
	assert.Empty(t, check(GoogleServiceAgentsCreated, channel, late))
	email := res("gcp:monitoring/notificationChannel:NotificationChannel", "mail", "", map[string]any{"type": "email"})
	assert.Len(t, check(GoogleServiceAgentsCreated, email, res("gcp:pubsub/topicIAMMember:TopicIAMMember", "p", "", map[string]any{"member": monitoringAgent}, dependsOn(email))), 1,
		"an e-mail channel does not create the agent")

	const cdnAgent = "serviceAccount:service-123@cloud-cdn-fill.iam.gserviceaccount.com"
	key := res("gcp:compute/backendBucketSignedUrlKey:BackendBucketSignedUrlKey", "key", "", map[string]any{})
	assert.Len(t, check(GoogleServiceAgentsCreated, key, res("gcp:storage/bucketIAMMember:BucketIAMMember", "fill", "", map[string]any{"member": cdnAgent})), 1)
	assert.Empty(t, check(GoogleServiceAgentsCreated, key, res("gcp:storage/bucketIAMMember:BucketIAMMember", "fill", "", map[string]any{"member": cdnAgent}, dependsOn(key))))

	identity := res("gcp:projects/serviceIdentity:ServiceIdentity", "spanner", "", map[string]any{"service": "spanner.googleapis.com"},
		out("email", "service-123@gcp-sa-spanner.iam.gserviceaccount.com"))
	grant := func(opts ...func(*mock.Resource)) *mock.Resource {
		return res("gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember", "g", "", map[string]any{"member": "serviceAccount:service-123@gcp-sa-spanner.iam.gserviceaccount.com"}, opts...)
	}
	assert.Len(t, check(GoogleServiceAgentsCreated, identity, grant()), 1)
	assert.Empty(t, check(GoogleServiceAgentsCreated, identity, grant(consumes("member", identity))))
	user := res("gcp:projects/iAMMember:IAMMember", "u", "", map[string]any{"member": "serviceAccount:api@p.iam.gserviceaccount.com"})
	assert.Empty(t, check(GoogleServiceAgentsCreated, user), "a service account of the stack is not a Google-managed agent")
}

func TestDataWaitsForTheGrantOfItsCustomerManagedKey(t *testing.T) {
	const key = "projects/p/locations/us/keyRings/r/cryptoKeys/data"
	grant := res("gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember", "g", "", map[string]any{"cryptoKeyId": key, "role": "roles/cloudkms.cryptoKeyEncrypterDecrypter"})
	bucket := func(opts ...func(*mock.Resource)) *mock.Resource {
		return res("gcp:storage/bucket:Bucket", "b", "", map[string]any{"encryption": map[string]any{"defaultKmsKeyName": key}}, opts...)
	}
	assert.Len(t, check(KeyGrantedBeforeUse, grant, bucket()), 1)
	assert.Empty(t, check(KeyGrantedBeforeUse, grant, bucket(consumes("encryption", grant))))
	sqlInstance := res("gcp:sql/databaseInstance:DatabaseInstance", "db", "us-central1", map[string]any{"encryptionKeyName": key})
	assert.Len(t, check(KeyGrantedBeforeUse, grant, sqlInstance), 1)

	ra := res("azure-native:authorization:RoleAssignment", "uses-key", "", map[string]any{
		"roleDefinitionId": "/subscriptions/s/providers/Microsoft.Authorization/roleDefinitions/e147488a-f6f5-4113-8e2d-b22465e65bf6",
	})
	account := func(opts ...func(*mock.Resource)) *mock.Resource {
		return res("azure-native:storage:StorageAccount", "a", "eastus2", map[string]any{"encryption": map[string]any{"keySource": "Microsoft.Keyvault"}}, opts...)
	}
	assert.Equal(t, []string{"uses a Key Vault key before its identity holds a Key Vault crypto role"}, messages(check(KeyGrantedBeforeUse, ra, account())))
	assert.Empty(t, check(KeyGrantedBeforeUse, ra, account(dependsOn(ra))))
	server := res("azure-native:sql:Server", "s", "eastus2", map[string]any{"keyId": "https://v.vault.azure.net/keys/k/1"})
	assert.Len(t, check(KeyGrantedBeforeUse, ra, server), 1)
}

func TestReplicationWaitsForVersioningOnBothBuckets(t *testing.T) {
	versioning := func(bucket string) *mock.Resource {
		return res("aws:s3/bucketVersioningV2:BucketVersioningV2", bucket+"-v", "", map[string]any{
			"bucket": bucket, "versioningConfiguration": map[string]any{"status": "Enabled"},
		})
	}
	src, dst := versioning("src"), versioning("dst")
	rc := func(opts ...func(*mock.Resource)) *mock.Resource {
		return res("aws:s3/bucketReplicationConfig:BucketReplicationConfig", "rc", "us-east-1", map[string]any{
			"bucket": "src", "rules": []any{map[string]any{"destination": map[string]any{"bucket": "arn:aws:s3:::dst"}}},
		}, opts...)
	}
	assert.Empty(t, check(ReplicationAfterVersioning, src, dst, rc(dependsOn(src, dst))))
	assert.Equal(t, []string{"replicates dst without waiting for versioning to be enabled on it"},
		messages(check(ReplicationAfterVersioning, src, dst, rc(dependsOn(src)))))
}

func TestGlobalClusterMembersIgnoreEngineVersion(t *testing.T) {
	member := res("aws:rds/cluster:Cluster", "c", "us-east-1", map[string]any{"globalClusterIdentifier": "g"})
	assert.Len(t, check(AuroraGlobalEngineVersion, member), 1)
	member.IgnoreChanges = []string{"engineVersion"}
	assert.Empty(t, check(AuroraGlobalEngineVersion, member))
	alone := res("aws:rds/cluster:Cluster", "c", "us-east-1", map[string]any{})
	assert.Empty(t, check(AuroraGlobalEngineVersion, alone), "a cluster outside a global database may pin its version")
}

func TestAManagedCertificateNameChangesWithItsDomains(t *testing.T) {
	cert := func(name string, domains ...string) *mock.Resource {
		var ds []any
		for _, d := range domains {
			ds = append(ds, d)
		}
		in := map[string]any{"managed": map[string]any{"domains": ds}}
		if name != "" {
			in["name"] = name
		}
		return res("gcp:compute/managedSslCertificate:ManagedSslCertificate", "cert", "", in)
	}
	domains := []string{"api.example.com", "static.example.com"}
	assert.Empty(t, check(ManagedCertificateReplaceable, cert("", domains...)), "auto-named")
	assert.Empty(t, check(ManagedCertificateReplaceable, cert("prod-lb-"+names.SetSuffix(domains), domains...)))
	assert.Len(t, check(ManagedCertificateReplaceable, cert("prod-lb-cert", domains...)), 1)
	assert.Len(t, check(ManagedCertificateReplaceable, cert("prod-lb-"+names.SetSuffix(domains), "api.example.com")), 1)
	assert.NotEqual(t, names.SetSuffix(domains), names.SetSuffix(append(domains, "eu.api.example.com")))
	assert.Equal(t, names.SetSuffix([]string{"b", "a"}), names.SetSuffix([]string{"a", "b"}), "order does not matter")

	// One hostname a certificate: adding one never reissues the others.
	assert.Empty(t, check(CertificatePerHostname, cert("prod-lb-"+names.SetSuffix(domains[:1]), domains[0])))
	vs := check(CertificatePerHostname, cert("prod-lb-"+names.SetSuffix(domains), domains...))
	require.Len(t, vs, 1)
	assert.Equal(t, "holds 2 hostnames (api.example.com, static.example.com): a change of hostnames reissues it, and none of them is served until the new one is ACTIVE", vs[0].Message)
}

func TestABudgetsProviderCarriesAQuotaProject(t *testing.T) {
	provider := func(in map[string]any) *mock.Resource {
		p := res("pulumi:providers:gcp", "quota", "", in)
		return p
	}
	budget := func(p *mock.Resource) *mock.Resource {
		b := res("gcp:billing/budget:Budget", "b", "", map[string]any{})
		b.Provider = p.URN + "::id"
		return b
	}
	good := provider(map[string]any{"billingProject": "p", "userProjectOverride": "true"})
	assert.Empty(t, check(BudgetQuotaProject, good, budget(good)))
	plain := provider(map[string]any{"project": "p"})
	assert.Len(t, check(BudgetQuotaProject, plain, budget(plain)), 1)
}

func TestLogsReachingFirehoseFromCloudWatchAreDecompressed(t *testing.T) {
	stream := func(processors ...any) *mock.Resource {
		return res("aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream", "s", "eu-west-1", map[string]any{
			"extendedS3Configuration": map[string]any{"processingConfiguration": map[string]any{"enabled": len(processors) > 0, "processors": processors}},
		}, out("arn", "arn:aws:firehose:eu-west-1:123456789012:deliverystream/s"))
	}
	processor := func(typ, name, value string) any {
		return map[string]any{"type": typ, "parameters": []any{map[string]any{"parameterName": name, "parameterValue": value}}}
	}
	filter := res("aws:cloudwatch/logSubscriptionFilter:LogSubscriptionFilter", "f", "eu-west-1",
		map[string]any{"destinationArn": "arn:aws:firehose:eu-west-1:123456789012:deliverystream/s"})
	assert.Empty(t, check(LogsDecompressedByFirehose, filter, stream(processor("Decompression", "CompressionFormat", "GZIP"), processor("CloudWatchLogProcessing", "DataMessageExtraction", "true"))))
	assert.Equal(t, []string{"receives CloudWatch Logs records (gzip-compressed) without decompressing them: the bucket would hold gzip inside gzip"},
		messages(check(LogsDecompressedByFirehose, filter, stream())))
	assert.Len(t, check(LogsDecompressedByFirehose, filter, stream(processor("Decompression", "CompressionFormat", "GZIP"))), 1, "envelopes kept")
	assert.Empty(t, check(LogsDecompressedByFirehose, stream()), "a stream no subscription feeds")
}

func TestEveryConstraintCitesItsSourceAndIsMandatory(t *testing.T) {
	var all []string
	for _, p := range All {
		all = append(all, p.Name)
	}
	for _, p := range append([]Policy{ExplicitOrdering}, Constraints...) {
		assert.NotEmpty(t, p.Source, p.Name)
		assert.Equal(t, Mandatory, p.Severity, p.Name)
		assert.Contains(t, all, p.Name, "every constraint runs in every plan")
	}
	assert.GreaterOrEqual(t, len(Constraints), 8)
}

func TestAFirehoseStreamDeliversToABucketOfItsOwnRegion(t *testing.T) {
	here := res("aws:s3/bucketV2:BucketV2", "logs-eu", "eu-west-1", map[string]any{"arn": "arn:aws:s3:::logs-eu"})
	central := res("aws:s3/bucketV2:BucketV2", "logs", "us-east-1", map[string]any{"arn": "arn:aws:s3:::logs"})
	stream := func(bucket string) *mock.Resource {
		return res("aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream", "s", "eu-west-1",
			map[string]any{"extendedS3Configuration": map[string]any{"bucketArn": bucket}})
	}
	assert.Empty(t, check(FirehoseDeliversWithinRegion, here, central, stream("arn:aws:s3:::logs-eu")))
	assert.Equal(t, []string{"delivers to a bucket in us-east-1 from eu-west-1: deliver within the region and replicate"},
		messages(check(FirehoseDeliversWithinRegion, here, central, stream("arn:aws:s3:::logs"))))
}

func TestARuleThatLetsEveryRequestThroughBeforeTheWAFRulesIsCaught(t *testing.T) {
	all := map[string]any{"versionedExpr": "SRC_IPS_V1", "config": map[string]any{"srcIpRanges": []any{"*"}}}
	waf := map[string]any{"expr": map[string]any{"expression": "evaluatePreconfiguredWaf('sqli-v33-stable', {'sensitivity': 1})"}}
	policy := func(ratePriority float64) *mock.Resource { // numbers arrive as JSON numbers
		return res("gcp:compute/securityPolicy:SecurityPolicy", "armor", "us-central1", map[string]any{"rules": []any{
			map[string]any{"description": "rate-limit", "priority": ratePriority, "action": "rate_based_ban", "match": all},
			map[string]any{"description": "sqli-v33-stable", "priority": 1000.0, "action": "deny(403)", "match": waf},
			map[string]any{"description": "default: allow", "priority": 2147483647.0, "action": "allow", "match": all},
		}})
	}
	assert.Equal(t, []string{`rule "sqli-v33-stable" (priority 1000) is never evaluated: rule "rate-limit" (priority 200) lets every request through first`},
		messages(check(ArmorRulesReachable, policy(200))))
	assert.Empty(t, check(ArmorRulesReachable, policy(2000)))
}

func TestAFrontDoorPolicyPastItsCustomRuleLimitsIsCaught(t *testing.T) {
	regex := func(name string, priority float64) map[string]any {
		return map[string]any{"name": name, "priority": priority, "matchConditions": []any{
			map[string]any{"matchVariable": "RequestHeader", "selector": "X-App-Version", "operator": "RegEx", "matchValue": []any{"^1$"}},
		}}
	}
	policy := func(rules ...any) *mock.Resource {
		return res("azure-native:network:Policy", "waf", "", map[string]any{"customRules": map[string]any{"rules": rules}})
	}
	var five []any
	for i := 0; i < 5; i++ {
		five = append(five, regex("Rule"+string(rune('A'+i)), float64(20+i)))
	}
	assert.Empty(t, check(FrontDoorCustomRuleLimits, policy(five...)), "five regex rules are the limit")
	assert.Equal(t, []string{"6 custom rules use RegEx: Front Door takes 5 per policy"},
		messages(check(FrontDoorCustomRuleLimits, policy(append(five, regex("RuleF", 30))...))))
	assert.Equal(t, []string{`custom rules "RuleA" and "RuleB" share priority 20`},
		messages(check(FrontDoorCustomRuleLimits, policy(regex("RuleA", 20), regex("RuleB", 20)))))
	eleven := make([]any, 11)
	for i := range eleven {
		eleven[i] = "v"
	}
	wide := map[string]any{"name": "Wide", "priority": 40.0, "matchConditions": []any{map[string]any{"operator": "Equal", "matchValue": eleven}}}
	assert.Equal(t, []string{`custom rule "Wide" has a condition of 11 match values: Front Door takes 10`},
		messages(check(FrontDoorCustomRuleLimits, policy(wide))))
}

func TestAGrantMayComeBeforeWhatItNamesWhenThatWaitsForIt(t *testing.T) {
	arn := "arn:aws:states:eu-west-1:123456789012:stateMachine:prod-eu-west-1-watch-us-east-1"
	grant := res("aws:iam/rolePolicy:RolePolicy", "watch-role", "", map[string]any{
		"policy": `{"Statement":[{"Effect":"Allow","Action":["kms:Decrypt"],"Resource":["k"],"Condition":{"StringEquals":{"kms:EncryptionContext:aws:states:stateMachineArn":"` + arn + `"}}}]}`,
	})
	unordered := res("aws:sfn/stateMachine:StateMachine", "watch", "eu-west-1", map[string]any{"name": "prod-eu-west-1-watch-us-east-1"}, out("arn", arn))
	require.Len(t, check(ExplicitOrdering, grant, unordered), 1, "neither waits for the other")
	waits := res("aws:sfn/stateMachine:StateMachine", "watch", "eu-west-1", map[string]any{"name": "prod-eu-west-1-watch-us-east-1"}, out("arn", arn), dependsOn(grant))
	assert.Empty(t, check(ExplicitOrdering, grant, waits), "the state machine waits for the grant that names it")
}

func TestBotControlMayOnlyLabel(t *testing.T) {
	acl := func(override map[string]any) *mock.Resource {
		return res("aws:wafv2/webAcl:WebAcl", "api", "us-east-1", map[string]any{"rules": []any{
			map[string]any{"name": "AWSManagedRulesCommonRuleSet", "overrideAction": map[string]any{"none": map[string]any{}},
				"statement": map[string]any{"managedRuleGroupStatement": map[string]any{"name": "AWSManagedRulesCommonRuleSet"}}},
			map[string]any{"name": "bots", "overrideAction": override,
				"statement": map[string]any{"managedRuleGroupStatement": map[string]any{"name": "AWSManagedRulesBotControlRuleSet"}}},
		}})
	}
	assert.Empty(t, check(BotRulesLetAppsThrough, acl(map[string]any{"count": map[string]any{}})))
	vs := check(BotRulesLetAppsThrough, acl(map[string]any{"none": map[string]any{}}))
	require.Len(t, vs, 1, "another group may block; Bot Control may not")
	assert.Contains(t, vs[0].Message, "rule bots lets Bot Control's own rules act")
}
