package policies

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/mobile-backend/mobile-backend/internal/gcpapi"
	"github.com/mobile-backend/mobile-backend/internal/mock"
	"github.com/mobile-backend/mobile-backend/internal/names"
	"github.com/mobile-backend/mobile-backend/internal/spec"
)

// Constraints are documented rules of the clouds that the mocks cannot
// enforce: values a cloud refuses and things that must exist before a
// resource is created. Each row cites the document it comes from; all are
// mandatory and run in every plan and in the policy pack.
var Constraints = []Policy{
	CloudRunImageHost,
	ContainerAppsSubnet,
	GoogleAPIsEnabled,
	GoogleServiceAgentsCreated,
	KeyGrantedBeforeUse,
	CompositeAlarmMembers,
	ReplicationAfterVersioning,
	AuroraGlobalEngineVersion,
	ManagedCertificateReplaceable,
	CertificatePerHostname,
	BudgetQuotaProject,
	LogsDecompressedByFirehose,
	FirehoseDeliversWithinRegion,
	ArmorRulesReachable,
	FrontDoorCustomRuleLimits,
}

// CloudRunImageHost: Cloud Run refuses images from any other registry.
var CloudRunImageHost = Policy{
	Name:        "cloud-run-image-host",
	Description: "Cloud Run images come from [region.]gcr.io, [region-]docker.pkg.dev or docker.io.",
	Severity:    Mandatory,
	Source:      "https://cloud.google.com/run/docs/deploying (\"Supported container registries and images\")",
	Check: func(s Stack) []Violation {
		var vs []Violation
		for _, svc := range s.OfType("gcp:cloudrunv2/service:Service") {
			for _, img := range svc.Strs("template.containers", "image") {
				if !spec.CloudRunImage(img) && !mock.Unresolved(img) {
					vs = append(vs, violation(svc, "image %q is not in Artifact Registry, gcr.io or docker.io: Cloud Run refuses it", img))
				}
			}
		}
		return vs
	},
}

// ContainerAppsSubnetDelegation is the delegation a Container Apps
// environment's infrastructure subnet carries.
const ContainerAppsSubnetDelegation = "Microsoft.App/environments"

// ContainerAppsSubnet: an environment on a custom virtual network needs its
// infrastructure subnet delegated to Microsoft.App/environments (new
// consumption-only environments too, since 2026), a /23 or larger for a
// consumption-only environment and a /27 or larger with workload profiles.
var ContainerAppsSubnet = Policy{
	Name: "container-apps-subnet",
	Description: "A Container Apps environment's infrastructure subnet is delegated to Microsoft.App/environments and " +
		"large enough: /23 for a consumption-only environment, /27 with workload profiles.",
	Severity: Mandatory,
	Source: "https://learn.microsoft.com/azure/container-apps/custom-virtual-networks (\"Subnet\"), " +
		"https://github.com/microsoft/azure-container-apps/issues/1644",
	Check: func(s Stack) []Violation {
		g := NewGraph(s.Resources)
		var vs []Violation
		for _, env := range s.OfType("azure-native:app:ManagedEnvironment") {
			id := env.Str("vnetConfiguration.infrastructureSubnetId")
			if id == "" {
				continue
			}
			minBits := 23
			if env.Len("workloadProfiles") > 0 {
				minBits = 27
			}
			sub := findSubnet(s, g, env, id)
			switch {
			case sub == nil:
				vs = append(vs, violation(env, "infrastructure subnet %q is not a subnet of this stack", id))
			case !sub.delegated:
				vs = append(vs, violation(env, "infrastructure subnet %s is not delegated to %s", sub.name, ContainerAppsSubnetDelegation))
			case sub.bits > minBits:
				vs = append(vs, violation(env, "infrastructure subnet %s is a /%d: this environment needs a /%d or larger", sub.name, sub.bits, minBits))
			}
		}
		return vs
	},
}

type subnetInfo struct {
	name      string
	bits      int
	delegated bool
}

// findSubnet finds a subnet by id among the stack's virtual networks (inline
// subnets) and subnets. In a preview the id is not known yet; the subnet is
// then the one delegated subnet of the network the environment depends on.
func findSubnet(s Stack, g *Graph, env *mock.Resource, id string) *subnetInfo {
	info := func(m map[string]any) *subnetInfo {
		props, _ := m["properties"].(map[string]any) // the REST shape nests them
		if props == nil {
			props = m
		}
		si := &subnetInfo{name: fmt.Sprint(m["name"])}
		fmt.Sscanf(fmt.Sprint(props["addressPrefix"])[strings.LastIndex(fmt.Sprint(props["addressPrefix"]), "/")+1:], "%d", &si.bits)
		dels, _ := props["delegations"].([]any)
		for _, d := range dels {
			dm, _ := d.(map[string]any)
			if dm["serviceName"] == ContainerAppsSubnetDelegation {
				si.delegated = true
			}
		}
		return si
	}
	for _, sn := range s.OfType("azure-native:network:Subnet") {
		if sn.ID == id || mock.Unresolved(id) && g.DependsOn(env, sn) && strings.Contains(fmt.Sprint(sn.Get("delegations")), ContainerAppsSubnetDelegation) {
			return info(sn.Inputs)
		}
	}
	for _, vnet := range s.OfType("azure-native:network:VirtualNetwork") {
		subnets, _ := vnet.Get("subnets").([]any)
		for _, x := range subnets {
			m, _ := x.(map[string]any)
			if m == nil {
				continue
			}
			if id == vnet.ID+"/subnets/"+fmt.Sprint(m["name"]) {
				return info(m)
			}
			if mock.Unresolved(id) && g.DependsOn(env, vnet) && strings.Contains(fmt.Sprint(m["delegations"]), ContainerAppsSubnetDelegation) {
				return info(m)
			}
		}
	}
	return nil
}

// GoogleAPIsEnabled: every Google API a stack uses is enabled by the stack
// (projects.Service), and its resources wait for it.
var GoogleAPIsEnabled = Policy{
	Name:        "google-apis-enabled",
	Description: "Every Google Cloud resource waits for a projects.Service that enables its API.",
	Severity:    Mandatory,
	Source:      "https://cloud.google.com/service-usage/docs/enable-disable (a disabled API refuses every call: SERVICE_DISABLED)",
	Check: func(s Stack) []Violation {
		g := NewGraph(s.Resources)
		services := map[string][]*mock.Resource{}
		for _, svc := range s.OfType("gcp:projects/service:Service") {
			services[svc.Str("service")] = append(services[svc.Str("service")], svc)
		}
		var vs []Violation
		for _, r := range s.Resources {
			m := gcpapi.Module(r.Type)
			if m == "" || !r.Custom || r.Type == "gcp:projects/service:Service" {
				continue
			}
			api, ok := gcpapi.For(r.Type)
			if r.Type == "gcp:projects/serviceIdentity:ServiceIdentity" {
				api, ok = r.Str("service"), true // its agent exists once its service is on
			}
			switch {
			case !ok:
				vs = append(vs, violation(r, "no API is known for module %q: add it to gcpapi.Services", m))
			case len(services[api]) == 0:
				vs = append(vs, violation(r, "%s is never enabled: add a projects.Service for it", api))
			case !g.DependsOnAny(r, services[api]):
				vs = append(vs, violation(r, "does not wait for the projects.Service that enables %s", api))
			}
		}
		return vs
	},
}

// agentMember matches a grant to a Google-managed service agent.
var agentMember = regexp.MustCompile(`^serviceAccount:service-[0-9]+@([a-z0-9-]+)\.iam\.gserviceaccount\.com$`)

// lazyAgents are the service agents Google creates only with a particular
// resource, not with the API or a service identity: a grant to one must wait
// for that resource (a type, and for a channel its kind).
var lazyAgents = map[string]struct{ typ, kind string }{
	// Created with the project's first Pub/Sub notification channel
	// (cloud.google.com/monitoring/support/notification-options#pubsub).
	"gcp-sa-monitoring-notification": {"gcp:monitoring/notificationChannel:NotificationChannel", "pubsub"},
	// Created with the first signed URL key of a backend bucket
	// (cloud.google.com/cdn/docs/using-signed-urls#configure_permissions).
	"cloud-cdn-fill": {"gcp:compute/backendBucketSignedUrlKey:BackendBucketSignedUrlKey", ""},
}

// agentsMadeByLookup are agents that the program's own lookup creates before
// it goes on: storage.GetProjectServiceAccount "calls the relevant API
// endpoint ... and thus ensures it exists" (its pulumi-gcp doc comment).
var agentsMadeByLookup = map[string]bool{"gs-project-accounts": true}

// GoogleServiceAgentsCreated: a grant to a Google-managed service agent
// waits for whatever makes Google create the agent.
var GoogleServiceAgentsCreated = Policy{
	Name:        "google-service-agents-created",
	Description: "A grant to a Google-managed service agent waits for what creates the agent: a projects.ServiceIdentity, or the resource Google creates it with.",
	Severity:    Mandatory,
	Source:      "https://cloud.google.com/iam/docs/service-agents (\"Some service agents are created only when you use the service\")",
	Check: func(s Stack) []Violation {
		g := NewGraph(s.Resources)
		var vs []Violation
		for _, r := range s.Resources {
			if gcpapi.Module(r.Type) == "" || !strings.Contains(r.Type, "IAM") && !strings.HasSuffix(r.Type, "IAMMember") {
				continue
			}
			m := agentMember.FindStringSubmatch(r.Str("member"))
			if m == nil {
				continue
			}
			domain := m[1]
			if agentsMadeByLookup[domain] {
				continue
			}
			email := strings.TrimPrefix(r.Str("member"), "serviceAccount:")
			var creators []*mock.Resource
			if lazy, ok := lazyAgents[domain]; ok {
				for _, c := range s.OfType(lazy.typ) {
					if lazy.kind == "" || c.Str("type") == lazy.kind {
						creators = append(creators, c)
					}
				}
			}
			for _, id := range s.OfType("gcp:projects/serviceIdentity:ServiceIdentity") {
				if id.Out("email") == email {
					creators = append(creators, id)
				}
			}
			if len(creators) == 0 || !g.DependsOnAny(r, creators) {
				vs = append(vs, violation(r, "grants to %s, which Google has not necessarily created yet: wait for %s", email, creatorOf(domain)))
			}
		}
		return vs
	},
}

func creatorOf(domain string) string {
	if lazy, ok := lazyAgents[domain]; ok {
		return "a " + lazy.typ + strings.TrimSuffix(" of type "+lazy.kind, " of type ") + " or a projects.ServiceIdentity"
	}
	return "a projects.ServiceIdentity of its service"
}

// keyVaultCryptoRoles are the built-in roles that let an identity wrap and
// unwrap with a Key Vault key.
var keyVaultCryptoRoles = []string{
	"e147488a-f6f5-4113-8e2d-b22465e65bf6", // Key Vault Crypto Service Encryption User
	"14b46e9e-c2b7-41b4-b07b-48a6ebf60603", // Key Vault Crypto Officer
}

// KeyGrantedBeforeUse: a service refuses a customer-managed key its identity
// may not use yet, so the data resource waits for the grant.
var KeyGrantedBeforeUse = Policy{
	Name:        "key-granted-before-use",
	Description: "A bucket, database or storage account encrypted with a customer-managed key waits for the grant that lets its service use the key.",
	Severity:    Mandatory,
	Source: "https://cloud.google.com/kms/docs/cmek (\"grant the service agent the Encrypter/Decrypter role before\"), " +
		"https://learn.microsoft.com/azure/storage/common/customer-managed-keys-configure-new-account",
	Check: func(s Stack) []Violation {
		g := NewGraph(s.Resources)
		var vs []Violation
		kmsGrants := map[string][]*mock.Resource{}
		for _, m := range s.OfType("gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember") {
			if m.Str("role") == "roles/cloudkms.cryptoKeyEncrypterDecrypter" {
				kmsGrants[m.Str("cryptoKeyId")] = append(kmsGrants[m.Str("cryptoKeyId")], m)
			}
		}
		var allGrants []*mock.Resource
		for _, k := range sortedKeys(toAny(kmsGrants)) {
			allGrants = append(allGrants, kmsGrants[k]...)
		}
		check := func(r *mock.Resource, key string) {
			if key == "" {
				return
			}
			grants := kmsGrants[key]
			if mock.Unresolved(key) {
				grants = allGrants // a preview does not know the key yet: any grant of one
			}
			if !g.DependsOnAny(r, grants) {
				vs = append(vs, violation(r, "uses Cloud KMS key %s before any grant of it to the service's agent", key))
			}
		}
		for _, b := range s.OfType("gcp:storage/bucket:Bucket") {
			check(b, b.Str("encryption.defaultKmsKeyName"))
		}
		for _, d := range s.OfType("gcp:spanner/database:Database") {
			check(d, d.Str("encryptionConfig.kmsKeyName"))
		}
		for _, i := range s.OfType("gcp:sql/databaseInstance:DatabaseInstance") {
			check(i, i.Str("encryptionKeyName"))
		}

		var cryptoGrants []*mock.Resource
		for _, ra := range s.OfType("azure-native:authorization:RoleAssignment") {
			if hasSuffix(ra.Str("roleDefinitionId"), keyVaultCryptoRoles) {
				cryptoGrants = append(cryptoGrants, ra)
			}
		}
		for _, a := range s.OfType("azure-native:storage:StorageAccount") {
			if a.Str("encryption.keySource") == "Microsoft.Keyvault" && !g.DependsOnAny(a, cryptoGrants) {
				vs = append(vs, violation(a, "uses a Key Vault key before its identity holds a Key Vault crypto role"))
			}
		}
		for _, srv := range s.OfType("azure-native:sql:Server") {
			if srv.Str("keyId") != "" && !g.DependsOnAny(srv, cryptoGrants) {
				vs = append(vs, violation(srv, "uses a Key Vault key for TDE before its identity holds a Key Vault crypto role"))
			}
		}
		return vs
	},
}

func toAny[V any](m map[string]V) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func hasSuffix(s string, suffixes []string) bool {
	for _, x := range suffixes {
		if strings.HasSuffix(s, x) {
			return true
		}
	}
	return false
}

// alarmRuleMember finds the alarms a composite alarm's rule names.
var alarmRuleMember = regexp.MustCompile(`(?:ALARM|OK|INSUFFICIENT_DATA)\(\s*"?([^")]+?)"?\s*\)`)

// CompositeAlarmMembers: CloudWatch refuses a composite alarm whose rule
// names an alarm that does not exist yet, and the provider does not retry.
var CompositeAlarmMembers = Policy{
	Name:        "composite-alarm-members-exist",
	Description: "A CloudWatch composite alarm's rule names only alarms of its region that it waits for.",
	Severity:    Mandatory,
	Source:      "https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutCompositeAlarm.html (AlarmRule)",
	Check: func(s Stack) []Violation {
		g := NewGraph(s.Resources)
		alarms := map[string]*mock.Resource{}
		for _, typ := range []string{"aws:cloudwatch/metricAlarm:MetricAlarm", "aws:cloudwatch/compositeAlarm:CompositeAlarm"} {
			for _, a := range s.OfType(typ) {
				for _, k := range []string{"name", "alarmName", "arn"} {
					if v, _ := a.Out(k).(string); v != "" {
						alarms[a.Region+"|"+v] = a
					}
				}
			}
		}
		var vs []Violation
		for _, c := range s.OfType("aws:cloudwatch/compositeAlarm:CompositeAlarm") {
			rule := c.Str("alarmRule")
			if mock.Unresolved(rule) {
				continue
			}
			for _, m := range alarmRuleMember.FindAllStringSubmatch(rule, -1) {
				member := alarms[c.Region+"|"+m[1]]
				switch {
				case member == nil:
					vs = append(vs, violation(c, "alarm rule names %q, which is no alarm of this stack in %s", m[1], c.Region))
				case !g.DependsOn(c, member):
					vs = append(vs, violation(c, "alarm rule names %q without waiting for it: PutCompositeAlarm refuses a rule naming an alarm that does not exist yet", m[1]))
				}
			}
		}
		return vs
	},
}

// ReplicationAfterVersioning: S3 refuses a replication configuration unless
// versioning is enabled on the source and every destination bucket.
var ReplicationAfterVersioning = Policy{
	Name:        "replication-after-versioning",
	Description: "An S3 replication configuration waits for versioning to be enabled on its source and destination buckets.",
	Severity:    Mandatory,
	Source:      "https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-requirements.html (\"Both source and destination buckets must have versioning enabled\")",
	Check: func(s Stack) []Violation {
		g := NewGraph(s.Resources)
		versioning := map[string][]*mock.Resource{} // bucket name -> its versioning
		for _, v := range s.OfType("aws:s3/bucketVersioningV2:BucketVersioningV2") {
			if v.Str("versioningConfiguration.status") == "Enabled" {
				versioning[v.Str("bucket")] = append(versioning[v.Str("bucket")], v)
			}
		}
		var vs []Violation
		for _, rc := range s.OfType("aws:s3/bucketReplicationConfig:BucketReplicationConfig") {
			buckets := []string{rc.Str("bucket")}
			for _, arn := range rc.Strs("rules", "destination.bucket") {
				buckets = append(buckets, strings.TrimPrefix(arn, "arn:aws:s3:::"))
			}
			for _, b := range buckets {
				if mock.Unresolved(b) {
					continue
				}
				if !g.DependsOnAny(rc, versioning[b]) {
					vs = append(vs, violation(rc, "replicates %s without waiting for versioning to be enabled on it", b))
				}
			}
		}
		return vs
	},
}

// AuroraGlobalEngineVersion: members of a global cluster ignore engine
// version changes, or AWS's minor upgrades make the next update fail.
var AuroraGlobalEngineVersion = Policy{
	Name:        "aurora-global-engine-version-ignored",
	Description: "Clusters of an Aurora global database ignore changes to engineVersion.",
	Severity:    Mandatory,
	Source:      "pulumi-aws v6 rds.GlobalCluster doc comment (\"use ignoreChanges for engineVersion on the associated aws.rds.Cluster\")",
	Check: func(s Stack) []Violation {
		var vs []Violation
		for _, c := range s.OfType("aws:rds/cluster:Cluster") {
			if c.Str("globalClusterIdentifier") == "" {
				continue
			}
			ignored := false
			for _, p := range c.IgnoreChanges {
				ignored = ignored || p == "engineVersion"
			}
			if !ignored {
				vs = append(vs, violation(c, "member of a global cluster does not ignore engineVersion: the next minor upgrade makes `pulumi up` fail"))
			}
		}
		return vs
	},
}

// ManagedCertificateReplaceable: a managed certificate's domains force a
// replacement; with a fixed name Pulumi must delete the old certificate
// first, which Google refuses while a proxy uses it.
var ManagedCertificateReplaceable = Policy{
	Name:        "managed-certificate-replaceable",
	Description: "A Google-managed SSL certificate is auto-named or named after its domains, so a change of domains creates the new one before deleting the old.",
	Severity:    Mandatory,
	Source:      "https://cloud.google.com/load-balancing/docs/ssl-certificates/google-managed-certs (\"replace\"); https://www.pulumi.com/docs/iac/concepts/options/deletebeforereplace/",
	Check: func(s Stack) []Violation {
		var vs []Violation
		for _, c := range s.OfType("gcp:compute/managedSslCertificate:ManagedSslCertificate") {
			name := c.Str("name")
			if name == "" {
				continue // auto-named: replaced create-before-delete
			}
			if !strings.HasSuffix(name, "-"+names.SetSuffix(c.Strs("managed.domains", ""))) {
				vs = append(vs, violation(c, "fixed name %q does not change with its domains: replacing it would delete a certificate in use", name))
			}
		}
		return vs
	},
}

// CertificatePerHostname: a Google-managed certificate is not served until
// it is ACTIVE (Google documents up to an hour to provision, and more to
// propagate), so a certificate of several hostnames, reissued because one
// was added, takes every one of them down meanwhile.
var CertificatePerHostname = Policy{
	Name:        "certificate-per-hostname",
	Description: "Every Google-managed SSL certificate holds one hostname, so adding a hostname never takes another's TLS down while the new certificate provisions.",
	Severity:    Mandatory,
	Source:      "https://cloud.google.com/load-balancing/docs/ssl-certificates/google-managed-certs (\"replace\", provisioning status)",
	Check: func(s Stack) []Violation {
		var vs []Violation
		for _, c := range s.OfType("gcp:compute/managedSslCertificate:ManagedSslCertificate") {
			if d := c.Strs("managed.domains", ""); len(d) > 1 {
				vs = append(vs, violation(c, "holds %d hostnames (%s): a change of hostnames reissues it, and none of them is served until the new one is ACTIVE", len(d), strings.Join(d, ", ")))
			}
		}
		return vs
	},
}

// BudgetQuotaProject: the Billing Budget API needs a quota project, which
// user credentials do not carry.
var BudgetQuotaProject = Policy{
	Name:        "budget-quota-project",
	Description: "A Cloud Billing budget's provider sets billingProject and userProjectOverride, so the budget API has a quota project under any credentials.",
	Severity:    Mandatory,
	Source:      "https://github.com/hashicorp/terraform-provider-google/issues/7948; https://cloud.google.com/billing/docs/how-to/budget-api-overview",
	Check: func(s Stack) []Violation {
		providers := map[string]*mock.Resource{}
		for _, r := range s.Resources {
			if isProvider(r) {
				providers[r.URN] = r
			}
		}
		var vs []Violation
		for _, b := range s.OfType("gcp:billing/budget:Budget") {
			ref := b.Provider // "URN::ID"
			if i := strings.LastIndex(ref, "::"); i > 0 {
				ref = ref[:i]
			}
			p := providers[ref]
			if p == nil || p.Str("billingProject") == "" || fmt.Sprint(p.Get("userProjectOverride")) != "true" {
				vs = append(vs, violation(b, "provider has no billingProject with userProjectOverride: the Budget API refuses user credentials without a quota project"))
			}
		}
		return vs
	},
}

// LogsDecompressedByFirehose: CloudWatch Logs hands a subscription's records
// to Firehose gzip-compressed; a stream that does not decompress them writes
// gzip inside gzip that no query engine reads.
var LogsDecompressedByFirehose = Policy{
	Name:        "logs-decompressed-by-firehose",
	Description: "A Firehose stream fed by a CloudWatch Logs subscription decompresses the records (Decompression processor, GZIP) and extracts the log messages.",
	Severity:    Mandatory,
	Source:      "https://docs.aws.amazon.com/firehose/latest/dev/writing-with-cloudwatch-logs.html; https://docs.aws.amazon.com/firehose/latest/dev/Message_extraction.html",
	Check: func(s Stack) []Violation {
		streams := byArn(s.OfType("aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream"))
		var vs []Violation
		for _, f := range s.OfType("aws:cloudwatch/logSubscriptionFilter:LogSubscriptionFilter") {
			st := streams[f.Str("destinationArn")]
			if st == nil {
				continue // not a Firehose destination of this stack
			}
			processors := map[string]string{} // type -> its first parameter's value
			for i, typ := range st.Strs("extendedS3Configuration.processingConfiguration.processors", "type") {
				processors[typ] = st.Str(fmt.Sprintf("extendedS3Configuration.processingConfiguration.processors.%d.parameters.0.parameterValue", i))
			}
			switch {
			case !st.Bool("extendedS3Configuration.processingConfiguration.enabled") || processors["Decompression"] != "GZIP":
				vs = append(vs, violation(st, "receives CloudWatch Logs records (gzip-compressed) without decompressing them: the bucket would hold gzip inside gzip"))
			case processors["CloudWatchLogProcessing"] != "true":
				vs = append(vs, violation(st, "decompresses CloudWatch Logs records but keeps their JSON envelopes: turn on message extraction"))
			}
		}
		return vs
	},
}

// FirehoseDeliversWithinRegion: the Firehose guide documents delivery across
// regions for HTTP endpoint destinations only; a bucket in another region is
// reached by S3 replication from a bucket of the stream's region.
var FirehoseDeliversWithinRegion = Policy{
	Name:        "firehose-delivers-within-region",
	Description: "A Firehose stream's S3 destination is a bucket of the stream's own region.",
	Severity:    Mandatory,
	Source:      "https://docs.aws.amazon.com/firehose/latest/dev/across.html (across regions: HTTP endpoint destinations only)",
	Check: func(s Stack) []Violation {
		buckets := byArn(s.OfType("aws:s3/bucketV2:BucketV2"))
		var vs []Violation
		for _, st := range s.OfType("aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream") {
			b := buckets[st.Str("extendedS3Configuration.bucketArn")]
			if b != nil && b.Region != st.Region {
				vs = append(vs, violation(st, "delivers to a bucket in %s from %s: deliver within the region and replicate", b.Region, st.Region))
			}
		}
		return vs
	},
}

// byArn indexes resources by their ARN, and by the reference an input holds
// while the ARN is not known yet.
func byArn(rs []*mock.Resource) map[string]*mock.Resource {
	out := map[string]*mock.Resource{}
	for _, r := range rs {
		if arn, ok := r.Out("arn").(string); ok {
			out[arn] = r
		}
		out[mock.RefPrefix+r.URN] = r
	}
	return out
}

// ArmorRulesReachable: Cloud Armor applies the first matching rule, so a
// rule that lets every request through ends evaluation for all of them.
var ArmorRulesReachable = Policy{
	Name:        "armor-rules-reachable",
	Description: "No Cloud Armor rule that lets every request through (an allow, or a rate-based rule, whose conform action is allow) comes before a rule that denies: the denying rule would never be evaluated.",
	Severity:    Mandatory,
	Source:      "https://cloud.google.com/armor/docs/security-policy-overview (rule evaluation order); https://cloud.google.com/armor/docs/rate-limiting-overview",
	Check: func(s Stack) []Violation {
		var vs []Violation
		for _, p := range s.OfType("gcp:compute/securityPolicy:SecurityPolicy") {
			passAll, passer := -1, ""
			for i := 0; i < p.Len("rules"); i++ {
				k := fmt.Sprintf("rules.%d.", i)
				all := slices.Equal(p.Strs(k+"match.config.srcIpRanges", ""), []string{"*"})
				if a := p.Str(k + "action"); all && (a == "allow" || a == "throttle" || a == "rate_based_ban") {
					if prio := p.Int(k + "priority"); passAll < 0 || prio < passAll {
						passAll, passer = prio, p.Str(k+"description")
					}
				}
			}
			for i := 0; i < p.Len("rules"); i++ {
				k := fmt.Sprintf("rules.%d.", i)
				if prio := p.Int(k + "priority"); passAll >= 0 && prio > passAll && strings.HasPrefix(p.Str(k+"action"), "deny") {
					vs = append(vs, violation(p, "rule %q (priority %d) is never evaluated: rule %q (priority %d) lets every request through first", p.Str(k+"description"), prio, passer, passAll))
				}
			}
		}
		return vs
	},
}

// Front Door (Standard and Premium) WAF custom rule limits.
const (
	FrontDoorMaxCustomRules     = 100
	FrontDoorMaxConditions      = 10
	FrontDoorMaxMatchValues     = 10
	FrontDoorMaxRegexCustomRule = 5
)

// FrontDoorCustomRuleLimits: Front Door refuses a WAF policy past its custom
// rule limits, and a priority must be unique among the custom rules.
var FrontDoorCustomRuleLimits = Policy{
	Name:        "front-door-custom-rule-limits",
	Description: "A Front Door WAF policy has at most 100 custom rules with unique priorities, at most 5 of them using RegEx, each with at most 10 match conditions of at most 10 values.",
	Severity:    Mandatory,
	Source:      "https://learn.microsoft.com/azure/azure-resource-manager/management/azure-subscription-service-limits (\"Azure Front Door Standard and Premium\": WAF custom rules); https://learn.microsoft.com/azure/web-application-firewall/afds/waf-front-door-custom-rules (\"Priority numbers must be unique\")",
	Check: func(s Stack) []Violation {
		var vs []Violation
		for _, p := range s.OfType("azure-native:network:Policy") {
			n, regex, seen := p.Len("customRules.rules"), 0, map[int]string{}
			if n > FrontDoorMaxCustomRules {
				vs = append(vs, violation(p, "%d custom rules: Front Door takes %d", n, FrontDoorMaxCustomRules))
			}
			for i := 0; i < n; i++ {
				k := fmt.Sprintf("customRules.rules.%d.", i)
				name := p.Str(k + "name")
				if other, dup := seen[p.Int(k+"priority")]; dup {
					vs = append(vs, violation(p, "custom rules %q and %q share priority %d", other, name, p.Int(k+"priority")))
				}
				seen[p.Int(k+"priority")] = name
				conds := p.Len(k + "matchConditions")
				if conds > FrontDoorMaxConditions {
					vs = append(vs, violation(p, "custom rule %q has %d match conditions: Front Door takes %d", name, conds, FrontDoorMaxConditions))
				}
				usesRegex := false
				for j := 0; j < conds; j++ {
					c := fmt.Sprintf("%smatchConditions.%d.", k, j)
					usesRegex = usesRegex || p.Str(c+"operator") == "RegEx"
					if v := p.Len(c + "matchValue"); v > FrontDoorMaxMatchValues {
						vs = append(vs, violation(p, "custom rule %q has a condition of %d match values: Front Door takes %d", name, v, FrontDoorMaxMatchValues))
					}
				}
				if usesRegex {
					regex++
				}
			}
			if regex > FrontDoorMaxRegexCustomRule {
				vs = append(vs, violation(p, "%d custom rules use RegEx: Front Door takes %d per policy", regex, FrontDoorMaxRegexCustomRule))
			}
		}
		return vs
	},
}
