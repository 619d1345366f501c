package spec_test

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mobile-backend/mobile-backend/internal/spec"
	"github.com/mobile-backend/mobile-backend/internal/stackfile"
)

// The config cases: every bad input is refused with its key named, before
// anything is registered. They run spec.Load (and, for what the CLI's own
// loader checks, stackfile.Load) without linking any cloud SDK.

const projectFile = "../../Pulumi.yaml"

type cfg map[string]any

func contract(cloud, topology string, regions ...string) cfg {
	return cfg{"cloud": cloud, "topology": topology, "regions": regions, "domain": "api.example.com"}
}

func (c cfg) with(kv ...any) cfg {
	out := cfg{}
	for k, v := range c {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i].(string)] = kv[i+1]
	}
	return out
}

// lookup hands values to the spec the way the engine hands config to a
// program: strings as they are, everything else as JSON.
func (c cfg) lookup(key string) (string, bool) {
	v, ok := c[key]
	if !ok {
		return "", false
	}
	if s, isString := v.(string); isString {
		return s, true
	}
	b, _ := json.Marshal(v)
	return string(b), true
}

// problems loads a config and returns its problems (nil when it is valid).
func problems(t *testing.T, c cfg) []string {
	t.Helper()
	_, err := spec.Load("bad", c.lookup)
	if err == nil {
		return nil
	}
	var e *spec.Error
	require.True(t, errors.As(err, &e), "a config problem is a *spec.Error, not %T", err)
	return e.Problems
}

func TestBadConfigsAreRefusedWithTheKeyNamed(t *testing.T) {
	t.Parallel()
	aws := contract("aws", "active-active", "us-east-1", "eu-west-1")
	gcp := contract("gcp", "active-active", "us-central1", "us-east1")
	azure := contract("azure", "active-active", "eastus2", "westeurope")
	cases := []struct {
		name string
		cfg  cfg
		want string // the key and the gist of the message
	}{
		{"unknown cloud", aws.with("cloud", "ibm"), `mobile-backend:cloud: "ibm" is not a supported cloud; one of aws, gcp, azure`},
		{"missing cloud", aws.with("cloud", ""), "mobile-backend:cloud: required"},
		{"unknown topology", aws.with("topology", "active-sideways"), `mobile-backend:topology: "active-sideways" is not a topology; one of active-active, active-passive`},
		{"one region", aws.with("regions", []string{"us-east-1"}), "mobile-backend:regions: at least two regions"},
		{"duplicate region", aws.with("regions", []string{"us-east-1", "eu-west-1", "us-east-1"}), `mobile-backend:regions[2]: "us-east-1" is listed twice`},
		{"not an AWS region", aws.with("regions", []string{"us-east-1", "us-east-9"}), `mobile-backend:regions[1]: "us-east-9" is not an AWS region`},
		{"a GCP region on AWS", aws.with("regions", []string{"us-east-1", "europe-west1"}), `mobile-backend:regions[1]: "europe-west1" is not an AWS region`},
		{"no Aurora global database", aws.with("regions", []string{"us-east-1", "ca-west-1"}), `mobile-backend:regions[1]: "ca-west-1" has no Aurora PostgreSQL global database`},
		{"too many Aurora secondaries", aws.with("regions", []string{"us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "sa-east-1", "eu-west-1", "eu-west-2", "eu-west-3", "eu-central-1", "eu-north-1", "ap-south-1"}), "mobile-backend:regions: 11 secondary regions: an Aurora global database has at most 10"},
		{"writer outside the regions", aws.with("writerRegion", "eu-central-1"), `mobile-backend:writerRegion: "eu-central-1" is not one of regions [us-east-1 eu-west-1]`},
		{"the writer down", aws.with("regionsDown", []string{"us-east-1"}, "awsAccountId", "123456789012", "awsHostedZoneId", "Z0123"), `mobile-backend:regionsDown: "us-east-1" is the writer region: set writerRegion to the region that took over`},
		{"a down region outside the regions", aws.with("regionsDown", []string{"eu-central-1"}, "awsAccountId", "123456789012"), `mobile-backend:regionsDown: "eu-central-1" is not one of regions [us-east-1 eu-west-1]`},
		{"an outage on AWS without the account", aws.with("writerRegion", "eu-west-1", "regionsDown", []string{"us-east-1"}, "awsHostedZoneId", "Z0123"), `mobile-backend:awsAccountId: required with regionsDown`},
		{"us-east-1 down without the zone", aws.with("writerRegion", "eu-west-1", "regionsDown", []string{"us-east-1"}, "awsAccountId", "123456789012"), `mobile-backend:awsHostedZoneId: required with us-east-1 in regionsDown`},
		{"an account id", aws.with("awsAccountId", "12345"), `mobile-backend:awsAccountId: "12345": an AWS account id is 12 digits`},
		{"the deployed writer without an outage", gcp.with("regionsDownWriter", "us-east1"), `mobile-backend:regionsDownWriter: "us-east1" is set without regionsDown`},
		{"Azure writer outside the failover group", azure.with("regions", []string{"eastus2", "westeurope", "southeastasia"}, "writerRegion", "southeastasia"), `mobile-backend:writerRegion: "southeastasia": on Azure the writer is one of the failover group's two regions`},
		{"a wave outside the regions", aws.with("releaseWaves", []string{"eu-west-1", "us-west-2"}), `mobile-backend:releaseWaves: "us-west-2" (wave 2) is not one of regions [us-east-1 eu-west-1]`},
		{"a region left out of the waves", aws.with("releaseWaves", []string{"eu-west-1"}), `mobile-backend:releaseWaves: "us-east-1" is in no wave`},
		{"a first wave of two", aws.with("releaseWaves", []string{"eu-west-1,us-east-1"}), `mobile-backend:releaseWaves: the first wave "eu-west-1,us-east-1" must be one region`},
		{"the writer first", aws.with("releaseWaves", []string{"us-east-1", "eu-west-1"}), `mobile-backend:releaseWaves: the first wave "us-east-1" is the writer region`},
		{"a region in two waves", aws.with("releaseWaves", []string{"eu-west-1", "eu-west-1", "us-east-1"}), `mobile-backend:releaseWaves: "eu-west-1" is in more than one wave`},
		{"a bake beyond the gate", aws.with("releaseBakeSeconds", 900), `mobile-backend:releaseBakeSeconds: 900 must be between 0 and 600 seconds`},
		{"a short bake in production", aws.with("environment", "prod", "releaseBakeSeconds", 30), `mobile-backend:releaseBakeSeconds: 30 is below 120`},
		{"a migrations image Cloud Run cannot pull", gcp.with("migrations", []string{"/app/migrate"}, "migrationsImage", "ghcr.io/acme/api:1"), `mobile-backend:migrationsImage: "ghcr.io/acme/api:1": Cloud Run deploys only from`},
		{"a migrations image without migrations", aws.with("migrationsImage", "public.ecr.aws/acme/api:1"), `mobile-backend:migrationsImage: is set without migrations`},
		{"an empty migrations command", aws.with("migrations", []string{""}), `mobile-backend:migrations: the command's first word`},
		{"a worker name no cloud takes", aws.with("workers", map[string]string{"Push_Sender": "2 /app/worker"}), `mobile-backend:workers.Push_Sender: "Push_Sender": a worker's name is 2 to 12`},
		{"a worker without a count", aws.with("workers", map[string]string{"push": "/app/worker push"}), `mobile-backend:workers.push: "/app/worker": the first word is the instances per region`},
		{"a worker without a command", gcp.with("workers", map[string]string{"push": "2"}), `mobile-backend:workers.push: no command after the instances`},
		{"a worker named like the API", azure.with("workers", map[string]string{"api": "1 /app/x"}), `mobile-backend:workers.api: "api" is the API's name`},
		{"break glass in production without an expiry", aws.with("environment", "prod", "breakGlass", map[string]string{"approval": "CHG-1"}), `mobile-backend:breakGlass: in production it needs an expiry`},
		{"break glass with a bad expiry", aws.with("breakGlass", map[string]string{"until": "tomorrow"}), `mobile-backend:breakGlass.until: "tomorrow" is not an RFC 3339 time`},
		{"break glass with an unknown key", aws.with("breakGlass", map[string]string{"forever": "yes"}), `mobile-backend:breakGlass.forever: not a key of breakGlass`},
		{"break glass on Google Cloud for nobody", gcp.with("breakGlass", map[string]string{"until": "2030-01-01T00:00:00Z"}), `mobile-backend:breakGlass.member: "": on Google Cloud, the IAM member`},
		{"break glass on Azure for a name", azure.with("breakGlass", map[string]string{"until": "2030-01-01T00:00:00Z", "member": "oncall"}), `mobile-backend:breakGlass.member: "oncall": on Azure, the object id`},
		{"a cron field out of range", aws.with("schedules", map[string]string{"cleanup": "0 25 * * * /app/cleanup"}), `mobile-backend:schedules.cleanup: "0 25 * * *": hour 25 is outside 0-23`},
		{"a cron with names", aws.with("schedules", map[string]string{"cleanup": "0 3 * * MON /app/cleanup"}), `mobile-backend:schedules.cleanup: "0 3 * * MON": day of week "MON": use *, N, N-M, */S or N-M/S`},
		{"a cron AWS refuses", aws.with("schedules", map[string]string{"cleanup": "0 3 1 * 1 /app/cleanup"}), `mobile-backend:schedules.cleanup: "0 3 1 * 1": AWS schedules take a day of month or a day of week, not both`},
		{"a weekday step on AWS", aws.with("schedules", map[string]string{"cleanup": "0 3 * * */2 /app/cleanup"}), `mobile-backend:schedules.cleanup: "0 3 * * */2": on AWS the day of week takes no step and Sunday as 0`},
		{"a schedule without a command", aws.with("schedules", map[string]string{"cleanup": "0 3 * * *"}), `mobile-backend:schedules.cleanup: give a cron of five fields (UTC) and the command`},
		{"a schedule name a runner takes", aws.with("schedules", map[string]string{"cleanup-run": "0 3 * * * /app/x"}), `mobile-backend:schedules.cleanup-run: "cleanup-run": a schedule's name may not end in -run`},
		{"a schedule name no cloud takes", aws.with("schedules", map[string]string{"Nightly_Cleanup": "0 3 * * * /app/x"}), `mobile-backend:schedules.Nightly_Cleanup: "Nightly_Cleanup": a schedule's name is 2 to 12`},
		{"failover automation mode", gcp.with("failoverAutomation", "pray"), `mobile-backend:failoverAutomation: "pray" is not a mode; one of promote, notify`},
		{"gated platform", aws.with("minAppVersions", map[string]string{"windows": "1.0"}), `mobile-backend:minAppVersions.windows: "windows" is not a platform; ios or android`},
		{"app version", gcp.with("minAppVersions", map[string]string{"ios": "2.x"}), `mobile-backend:minAppVersions.ios: "2.x" is not a version`},
		{"matcher too long", aws.with("minAppVersions", map[string]string{"ios": "999999.999999.999999"}), `mobile-backend:minAppVersions.ios: "999999.999999.999999" makes a 558-character matcher; the WAFs take 256 at most`},
		{"nothing older", azure.with("minAppVersions", map[string]string{"android": "0.0.0"}), `mobile-backend:minAppVersions.android: nothing is older than "0.0.0"`},
		{"store URL", aws.with("minAppVersions", map[string]string{"ios": "2.3"}, "appStoreUrls", map[string]string{"ios": "http://apps.apple.com/x"}), `mobile-backend:appStoreUrls.ios: "http://apps.apple.com/x" is not an https URL`},
		{"store without gate", aws.with("appStoreUrls", map[string]string{"android": "https://play.google.com/store/apps/details?id=x"}), `mobile-backend:appStoreUrls.android: has no minAppVersions.android`},
		{"too many Azure SQL geo-secondaries", azure.with("regions", []string{"eastus2", "westeurope", "southeastasia", "westus", "centralindia", "japaneast"}), "mobile-backend:regions: 5 secondary regions: an Azure SQL database has at most 4 geo-secondaries, one per region but the writer's"},
		{"uptime checkers geo-blocked", gcp.with("geoBlock", []string{"KP", "SG"}), `mobile-backend:geoBlock[1]: "SG" is where Cloud Monitoring's uptime checks probe from (the USA, Belgium, Singapore): blocking it fails every region's checks and the failover job's evidence`},
		{"too many Google Cloud hostnames", gcp.with("regions", []string{"us-central1", "us-east1", "us-east4", "us-west1", "us-west2", "us-west3", "us-west4", "us-south1", "northamerica-northeast1", "northamerica-northeast2", "europe-west1", "europe-west2", "europe-west3", "europe-west4"}),
			"mobile-backend:regions: 14 regions: on Google Cloud at most 13 (the load balancer takes 15 certificates, one per hostname: the API's, the static one and each region's)"},
		{"Azure geo-block", azure.with("geoBlock", manyCountries(101)), "mobile-backend:geoBlock: 101 countries: on Azure at most 100"},
		{"attestation mode", aws.with("appAttestation", "strict"), `mobile-backend:appAttestation: "strict" is not an attestation mode; one of off, monitor, enforce`},
		{"attestation without app ids", gcp.with("appAttestation", "monitor"), "mobile-backend:appIds: required with appAttestation monitor"},
		{"attested platform", azure.with("appAttestation", "enforce", "appIds", map[string]string{"web": "com.example.app"}), `mobile-backend:appIds.web: "web" is not a platform; ios or android`},
		{"app id", gcp.with("appAttestation", "enforce", "appIds", map[string]string{"android": "example app"}), `mobile-backend:appIds.android: "example app" is not a bundle id or package name`},
		{"version header", aws.with("appVersionHeader", "X App Version"), `mobile-backend:appVersionHeader: "X App Version" is not a header name`},
		{"large-body path", aws.with("wafLargeBodyPaths", []string{"/v1/media", "media"}), `mobile-backend:wafLargeBodyPaths[1]: "media" must be a URL path prefix below /`},
		{"large-body paths off AWS", gcp.with("wafLargeBodyPaths", []string{"/v1/media"}), "mobile-backend:wafLargeBodyPaths: applies to AWS stacks only"},
		{"an AWS region on Azure", azure.with("regions", []string{"eastus2", "eu-west-1"}), `mobile-backend:regions[1]: "eu-west-1" is not an Azure region`},
		{"overlapping CIDRs", aws.with("vpcCidrs", []string{"10.0.0.0/16", "10.0.128.0/17"}), `mobile-backend:vpcCidrs[1]: "10.0.128.0/17" overlaps vpcCidrs[0]`},
		{"public CIDR", aws.with("vpcCidrs", []string{"10.0.0.0/16", "8.8.0.0/16"}), `mobile-backend:vpcCidrs[1]: "8.8.0.0/16" is not a private`},
		{"CIDR per region", aws.with("vpcCidrs", []string{"10.0.0.0/16"}), "mobile-backend:vpcCidrs: has 1 entries for 2 regions"},
		{"Route 53 interval", aws.with("healthCheckInterval", 15), "mobile-backend:healthCheckInterval: 15 is not allowed by Route 53; one of 10, 30"},
		{"Route 53 threshold", aws.with("healthCheckFailureThreshold", 11), "mobile-backend:healthCheckFailureThreshold: 11 is not allowed by Route 53; 1 to 10"},
		{"zero threshold", aws.with("healthCheckFailureThreshold", 0), "mobile-backend:healthCheckFailureThreshold: 0 must be positive"},
		{"Front Door interval", azure.with("healthCheckInterval", 300), "mobile-backend:healthCheckInterval: 300 is not allowed by Front Door; 5 to 255 seconds"},
		{"malformed domain", aws.with("domain", "api..example.com"), `mobile-backend:domain: "api..example.com" is not a valid hostname`},
		{"bare domain", aws.with("domain", "localhost"), `mobile-backend:domain: "localhost" is not a fully qualified hostname`},
		{"zone outside domain", aws.with("dnsZone", "example.org"), `mobile-backend:dnsZone: "example.org" does not contain the domain "api.example.com"`},
		{"malformed e-mail", aws.with("alertEmails", []string{"oncall@example.com", "oncall"}), `mobile-backend:alertEmails[1]: "oncall" is not an e-mail address`},
		{"negative minimum", aws.with("minInstances", -1), "mobile-backend:minInstances: -1 must be at least 1"},
		{"negative cpu", aws.with("cpu", -512), "mobile-backend:cpu: -512 must be positive"},
		{"max below min", aws.with("minInstances", 5, "maxInstances", 2), "mobile-backend:maxInstances: 2 is below minInstances (5)"},
		{"standby of zero", aws.with("standbyMinInstances", 0), "mobile-backend:standbyMinInstances: 0 must be at least 1"},
		{"fargate memory", aws.with("cpu", 256, "memory", 4096), "mobile-backend:memory: 4096 MiB is not a Fargate memory size for cpu 256"},
		{"fargate cpu", aws.with("cpu", 300), "mobile-backend:cpu: 300 is not a Fargate CPU size"},
		{"Cloud Run cpu", gcp.with("cpu", 16384, "memory", 32768), "mobile-backend:cpu: 16384 is more than Cloud Run's 8 vCPU (8192)"},
		{"Cloud Run memory", gcp.with("cpu", 1024, "memory", 8192), "mobile-backend:memory: 8192 MiB is outside what Cloud Run allows with 1 vCPU: 512 to 4096"},
		{"Cloud Run memory floor", gcp.with("cpu", 4096, "memory", 1024), "mobile-backend:memory: 1024 MiB is outside what Cloud Run allows with 4 vCPU: 2048 to 16384"},
		{"Cloud Armor ban count", gcp.with("rateLimit", 20000), "mobile-backend:rateLimit: 20000 is more than a Cloud Armor rate-based ban counts; 1 to 10000"},
		{"log bucket retention", gcp.with("logRetentionDays", 3653), "mobile-backend:logRetentionDays: 3653 is not a log bucket retention; 1 to 3650 days"},
		{"Spanner database id", gcp.with("dbName", "a"), `mobile-backend:dbName: "a" is not a Spanner database id`},
		{"Spanner database id ending", gcp.with("dbName", "app_"), `mobile-backend:dbName: "app_" is not a Spanner database id`},
		{"Enterprise Plus tier", gcp.with("gcpDatabase", "cloudsql", "cloudSqlTier", "db-perf-optimized-N-4"), `mobile-backend:cloudSqlTier: "db-perf-optimized-N-4" is not a custom machine type`},
		{"N1 tier", gcp.with("gcpDatabase", "cloudsql", "cloudSqlTier", "db-n1-standard-2"), `mobile-backend:cloudSqlTier: "db-n1-standard-2" is not a custom machine type`},
		{"apex domain on Azure", azure.with("domain", "example.com", "dnsZone", "example.com"), `mobile-backend:domain: "example.com" is the zone's apex: Azure DNS cannot hold a CNAME there`},
		{"Log Analytics retention", azure.with("logRetentionDays", 3653), "mobile-backend:logRetentionDays: 3653 is not a Log Analytics retention; 30 to 730 days"},
		{"Azure SQL backup retention", azure.with("dbBackupRetentionDays", 60), "mobile-backend:dbBackupRetentionDays: 60 must be between 7 (the project's floor) and 35 (Azure SQL's maximum)"},
		{"Cloud Run image", gcp.with("image", "public.ecr.aws/nginx/nginx:stable"), `mobile-backend:image: "public.ecr.aws/nginx/nginx:stable": Cloud Run deploys only from Artifact Registry`},
		{"Container Apps cpu", azure.with("cpu", 300), "mobile-backend:cpu: 300 is not a Container Apps size"},
		{"Container Apps consumption-only cap", azure.with("cpu", 3072, "memory", 6144), "mobile-backend:cpu: 3072 is not a Container Apps size in a consumption-only environment: a multiple of 256 (0.25 vCPU) up to 2048 (2 vCPU)"},
		{"Container Apps memory", azure.with("cpu", 512, "memory", 512), "mobile-backend:memory: 512 MiB does not match cpu 512"},
		{"WAF mode", aws.with("wafMode", "log"), `mobile-backend:wafMode: "log" is not a WAF mode; one of block, count`},
		{"WAF rate limit", aws.with("rateLimit", 5), "mobile-backend:rateLimit: 5 is not allowed by AWS WAF; 10 to 2000000000"},
		{"geo code", aws.with("geoBlock", []string{"KP", "Russia"}), `mobile-backend:geoBlock[1]: "Russia" is not an ISO 3166-1 alpha-2 country code`},
		{"log retention", aws.with("logRetentionDays", 10), "mobile-backend:logRetentionDays: 10 is not a CloudWatch Logs retention"},
		{"health path", aws.with("healthCheckPath", "healthz"), `mobile-backend:healthCheckPath: "healthz" must be a URL path`},
		{"port", aws.with("containerPort", 70000), "mobile-backend:containerPort: 70000 is not a TCP port"},
		{"reserved tag", aws.with("tags", map[string]string{"aws:owner": "me"}), `mobile-backend:tags: key "aws:owner" uses the reserved aws: prefix`},
		{"label key", gcp.with("tags", map[string]string{"Team": "a"}), `mobile-backend:tags: key "Team" is not a Google Cloud label key`},
		{"one database instance in prod", aws.with("environment", "prod", "dbInstances", 1), `mobile-backend:dbInstances: 1 is too few for production (environment "prod")`},
		{"burstable database class", aws.with("dbInstanceClass", "db.t4g.medium"), `mobile-backend:dbInstanceClass: "db.t4g.medium" is not a memory-optimized instance class`},
		{"short backup retention", aws.with("dbBackupRetentionDays", 3), "mobile-backend:dbBackupRetentionDays: 3 must be between 7"},
		{"engine version", aws.with("dbEngineVersion", "sixteen"), `mobile-backend:dbEngineVersion: "sixteen" is not an Aurora PostgreSQL version`},
		{"database name", aws.with("dbName", "App-DB"), `mobile-backend:dbName: "App-DB" must start with a letter`},
		{"static host outside the zone", aws.with("staticHostname", "cdn.example.org"), `mobile-backend:staticHostname: "cdn.example.org" is not in the zone "example.com"`},
		{"alarm percentage", aws.with("alarmCpuPercent", 150), "mobile-backend:alarmCpuPercent: 150 is a percentage: at most 100"},
		{"alarm threshold", aws.with("alarmDbReplicationLagMs", 0), "mobile-backend:alarmDbReplicationLagMs: 0 must be positive"},
		{"billing account", gcp.with("monthlyBudget", 100), "mobile-backend:gcpBillingAccount: a monthlyBudget on Google Cloud is set on the billing account: name it"},
		{"database choice", gcp.with("gcpDatabase", "mysql"), `mobile-backend:gcpDatabase: "mysql" is not a database choice; one of auto, spanner, cloudsql`},
		{"Spanner units", gcp.with("spannerMinProcessingUnits", 1500), "mobile-backend:spannerMinProcessingUnits: 1500 must be a multiple of 1000"},
		{"SQL SKU", azure.with("azureSqlSku", "Basic"), `mobile-backend:azureSqlSku: "Basic" is not a zone-redundant vCore SKU`},
		{"SQL SKU without zone redundancy", azure.with("azureSqlSku", "GP_DC_2"), `mobile-backend:azureSqlSku: "GP_DC_2" is not a zone-redundant vCore SKU: General Purpose or Business Critical on standard-series hardware`},
		{"grace period", azure.with("azureFailoverGraceMinutes", 30), "mobile-backend:azureFailoverGraceMinutes: 30 is below Azure's minimum of 60 minutes"},
		{"vault generation", azure.with("azureKeyVaultGeneration", -1), "mobile-backend:azureKeyVaultGeneration: -1 must be between 0 and 99"},
		{"zone in a group the stack owns", azure.with("azureDnsResourceGroup", "bad-eastus2"), `mobile-backend:azureDnsResourceGroup: "bad-eastus2" is a resource group this stack creates`},
		{"admin pair", azure.with("azureSqlAdminLogin", "dba"), "mobile-backend:azureSqlAdminLogin: set azureSqlAdminLogin and azureSqlAdminObjectId together, or neither"},
		{"Azure region without a pair", azure.with("regions", []string{"eastus2", "italynorth"}), `mobile-backend:regions: "italynorth" has no paired region: Azure refuses the geo-redundant storage (RA-GZRS/RA-GRS) and geo-redundant SQL backups the stack gives every region there (GRS works only between paired regions); choose a paired region`},
		{"a VPC too small for the load balancer's subnets", contract("aws", "active-active", "us-east-1", "eu-west-1").with("vpcCidrs", []string{"10.1.0.0/24", "10.2.0.0/24"}),
			`mobile-backend:vpcCidrs[0]: "10.1.0.0/24" must be a /16 to /23 (AWS VPC limits; the load balancer's subnets, a sixteenth of it, need a /27 at least)`},
		{"admin type", azure.with("azureSqlAdminType", "ServicePrincipal"), `mobile-backend:azureSqlAdminType: "ServicePrincipal" is not a principal type; one of Group, User, Application`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := strings.Join(problems(t, tc.cfg), "\n")
			assert.Contains(t, got, tc.want)
		})
	}
}

func TestTheLargeBodyExpressionMatchesThePrefixesAndNothingElse(t *testing.T) {
	t.Parallel()
	re := regexp.MustCompile(spec.LargeBodyRegex([]string{"/v1/media", "/v2/up.load/"}))
	for path, want := range map[string]bool{
		"/v1/media": true, "/v1/media/": true, "/v1/media/abc": true, "/v2/up.load/x": true,
		"/v1/mediaX": false, "/v1": false, "/x/v1/media": false, "/v2/upXload/x": false, "/": false,
	} {
		assert.Equal(t, want, re.MatchString(path), path)
	}
}

func TestAStackNameThatCannotNameResourcesIsRefused(t *testing.T) {
	t.Parallel()
	c := contract("aws", "active-active", "us-east-1", "eu-west-1").with("environment", "prod")
	for _, bad := range []string{"Prod", "prod.eu", "prod_eu", "prod--eu", "prod-", "9prod", "a-stack-name-of-21-ch"} {
		_, err := spec.Load(bad, c.lookup)
		require.Error(t, err, bad)
		assert.Contains(t, err.Error(), fmt.Sprintf("the stack's name %q must be", bad))
	}
	for _, good := range []string{"prod", "eu-prod-2", "a"} {
		_, err := spec.Load(good, c.lookup)
		assert.NoError(t, err, good)
	}
}

func TestEveryConfigProblemIsReportedAtOnce(t *testing.T) {
	t.Parallel()
	c := contract("aws", "active-passive", "us-east-1", "mars-north-1").
		with("healthCheckInterval", 20, "alertEmails", []string{"not-an-address"}, "minInstances", 0)
	assert.Equal(t, []string{
		`mobile-backend:regions[1]: "mars-north-1" is not an AWS region; see internal/spec/regions.go for the list`,
		"mobile-backend:minInstances: 0 must be at least 1",
		`mobile-backend:alertEmails[0]: "not-an-address" is not an e-mail address`,
		"mobile-backend:healthCheckInterval: 20 is not allowed by Route 53; one of 10, 30",
	}, problems(t, c))
}

func TestTheFourContractKeysAreEnoughOnEveryCloud(t *testing.T) {
	t.Parallel()
	for _, c := range []cfg{
		contract("aws", "active-passive", "eu-west-1", "eu-central-1"),
		contract("gcp", "active-active", "us-central1", "us-east1"),
		contract("azure", "active-passive", "northeurope", "westeurope"),
	} {
		assert.Empty(t, problems(t, c), c["cloud"])
	}
}

// writeStack writes a stack file (JSON is YAML) with the given project keys.
func writeStack(t *testing.T, c cfg) string {
	t.Helper()
	qualified := map[string]any{}
	for k, v := range c {
		qualified[spec.Namespace+":"+k] = v
	}
	b, err := json.Marshal(map[string]any{"config": qualified})
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "Pulumi.bad.yaml")
	require.NoError(t, os.WriteFile(path, b, 0o600))
	return path
}

func TestTheCLIsLoaderRefusesWrongTypesAndUnknownKeys(t *testing.T) {
	t.Parallel()
	base := contract("aws", "active-active", "us-east-1", "eu-west-1")
	for _, tc := range []struct {
		name string
		cfg  cfg
		want string
	}{
		{"wrong type", base.with("cpu", "lots"), "mobile-backend:cpu: must be of type integer"},
		{"typo in a key", base.with("region", []string{"us-east-1"}), "mobile-backend:region: not a config key of mobile-backend"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := stackfile.Load(projectFile, writeStack(t, tc.cfg), "bad")
			var e *spec.Error
			require.ErrorAs(t, err, &e)
			assert.Contains(t, strings.Join(e.Problems, "\n"), tc.want)
		})
	}
}

// Under the engine Pulumi.yaml's defaults apply; under Go they are the
// spec's. A stack with only the contract keys must come out the same both ways.
func TestDefaultsFromPulumiYamlEqualTheSpecDefaults(t *testing.T) {
	t.Parallel()
	c := contract("aws", "active-passive", "eu-west-1", "eu-central-1")
	loaded, err := stackfile.Load(projectFile, writeStack(t, c), "dev")
	require.NoError(t, err)
	viaYaml, err := spec.Load("dev", loaded.Lookup)
	require.NoError(t, err)
	viaGo, err := spec.Load("dev", c.lookup)
	require.NoError(t, err)
	assert.Equal(t, viaGo, viaYaml)
	assert.Equal(t, "public.ecr.aws/nginx/nginx:stable", viaYaml.Image)
	assert.Equal(t, 10, viaYaml.HealthCheck.IntervalSeconds)
	assert.Equal(t, "dev", viaYaml.Environment, "the environment defaults to the stack name")
	assert.Equal(t, "example.com", viaYaml.DNSZone)
}

// The Go table in internal/spec is the source of every key's type, default
// and description; Pulumi.yaml must declare exactly the same.
func TestPulumiYamlDeclaresEveryKeyWithTheSpecTypeAndDefault(t *testing.T) {
	proj, err := workspace.LoadProject(projectFile)
	require.NoError(t, err, "Pulumi.yaml must pass the CLI's own schema")
	assert.Equal(t, spec.Namespace, string(proj.Name))
	require.NotNil(t, proj.Runtime.Options()["buildTarget"], "runtime.options.buildTarget lets pulumi up reuse the binary")

	known := map[string]bool{}
	for _, f := range spec.Fields {
		known[f.Key] = true
		decl, ok := proj.Config[f.Key]
		if !assert.True(t, ok, "Pulumi.yaml does not declare %s", f.Key) {
			continue
		}
		require.NotNil(t, decl.Type, f.Key)
		assert.Equal(t, f.Type, *decl.Type, "type of %s", f.Key)
		assert.Equal(t, f.Doc, decl.Description, "description of %s", f.Key)
		if f.Type == "array" {
			require.NotNil(t, decl.Items, f.Key)
			assert.Equal(t, "string", decl.Items.Type, "item type of %s", f.Key)
		}
		want, _ := json.Marshal(f.Default)
		got, _ := json.Marshal(decl.Default)
		assert.JSONEq(t, string(want), string(got), "default of %s", f.Key)
		// The engine refuses a stack that lacks a declared key with no
		// default (the real CLI caught this once): only the contract keys
		// may go without one.
		assert.Equal(t, f.Required, decl.Default == nil, "%s: only required keys lack a default", f.Key)
	}
	for k := range proj.Config {
		if !strings.Contains(k, ":") {
			assert.True(t, known[k], "Pulumi.yaml declares %s, which the program never reads", k)
		}
	}
	assert.Equal(t, []any{"*"}, proj.Config["pulumi:disable-default-providers"].Value,
		"every stack must refuse the ambient default providers")
}

var update = flag.Bool("update", false, "rewrite the generated blocks of the docs")

func TestReadmeGivesTheTwoCommandsAndTheConfigurationPageEveryKey(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	readme := string(b)
	assert.Contains(t, readme, "go run ./cmd/plan --stack prod")
	assert.Contains(t, readme, "go test ./...")
	ci, err := os.ReadFile("../../.ci/run")
	require.NoError(t, err)
	assert.Contains(t, string(ci), "go test ./...", "CI runs the README's test command")

	const page = "../../docs/configuration.md"
	b, err = os.ReadFile(page)
	require.NoError(t, err)
	want, ok := spec.ReplaceGenerated(string(b), "config", spec.ConfigTable())
	require.True(t, ok, "%s has a generated block", page)
	if *update {
		require.NoError(t, os.WriteFile(page, []byte(want), 0o644))
		return
	}
	if want != string(b) {
		t.Errorf("%s is stale: go test ./internal/spec -update", page)
	}
	for _, f := range spec.Fields {
		assert.Contains(t, string(b), "| `"+f.Key+"` |", "%s documents %s", page, f.Key)
	}
}

// manyCountries are n distinct two-letter codes.
func manyCountries(n int) []string {
	var out []string
	for i := 0; len(out) < n; i++ {
		out = append(out, string(rune('A'+i/26))+string(rune('A'+i%26)))
	}
	return out
}

// An Azure region's pair may be allowed (its geo-redundant copies rest
// there), though the stack never runs there; a name of no region may not.
func TestAnAzurePairMayBeAnAllowedRegion(t *testing.T) {
	t.Parallel()
	c := contract("azure", "active-passive", "francecentral", "westeurope")
	assert.Empty(t, problems(t, c.with("allowedRegions", []string{"francecentral", "francesouth", "westeurope", "northeurope"})))
	assert.Equal(t, []string{`mobile-backend:allowedRegions[1]: "francesud" is not an Azure region`},
		problems(t, c.with("allowedRegions", []string{"francecentral", "francesud", "westeurope"})))
}

func TestAppRuntimeInputIsRefusedWithTheKeyNamed(t *testing.T) {
	t.Parallel()
	base := contract("gcp", "active-active", "us-central1", "us-east1")
	azureBase := contract("azure", "active-active", "northeurope", "westeurope")
	for _, tc := range []struct {
		name string
		cfg  cfg
		want string
	}{
		{"reserved env", base.with("appEnv", map[string]string{"DB_HOST": "x"}), `mobile-backend:appEnv.DB_HOST: "DB_HOST" is set by the program or the platform`},
		{"reserved exact", base.with("appEnv", map[string]string{"PORT": "9"}), `mobile-backend:appEnv.PORT: "PORT" is set by the program`},
		{"invalid env", base.with("appEnv", map[string]string{"LOG-LEVEL": "x"}), `mobile-backend:appEnv.LOG-LEVEL: "LOG-LEVEL" is not an environment variable name`},
		{"reserved secret", base.with("appSecrets", map[string]string{"UPLOADS_KEY": "[secret]"}), `mobile-backend:appSecrets.UPLOADS_KEY: "UPLOADS_KEY" is set by the program or the platform`},
		{"secret and env", base.with("appEnv", map[string]string{"JWT_KEY": "x"}, "appSecrets", map[string]string{"JWT_KEY": "[secret]"}), "mobile-backend:appSecrets.JWT_KEY: also set in appEnv"},
		{"not a string", base.with("appSecrets", map[string]any{"JWT_KEY": 3}), "mobile-backend:appSecrets: JWT_KEY: must be a string"},
		{"not a path", base.with("publicPaths", []string{"webhooks"}), `mobile-backend:publicPaths[0]: "webhooks" is not a path prefix below /`},
		{"everything", base.with("publicPaths", []string{"/"}), `mobile-backend:publicPaths[0]: "/" is not a path prefix below /`},
		{"a path the WAFs cannot match", base.with("publicPaths", []string{"/hooks/*"}), `mobile-backend:publicPaths[0]: "/hooks/*": letters, digits and - _ . / only`},
		{"existing secret on Azure", azureBase.with("appSecretRefs", map[string]string{"PAYMENTS_KEY": "payments"}), "mobile-backend:appSecretRefs.PAYMENTS_KEY: not on Azure"},
		{"existing secret like a full ARN", contract("aws", "active-active", "us-east-1", "eu-west-1").with("appSecretRefs", map[string]string{"PAYMENTS_KEY": "payments-AbCdEf"}), `mobile-backend:appSecretRefs.PAYMENTS_KEY: "payments-AbCdEf" ends in a hyphen and six characters`},
		{"existing secret id", base.with("appSecretRefs", map[string]string{"PAYMENTS_KEY": "team/payments"}), `mobile-backend:appSecretRefs.PAYMENTS_KEY: "team/payments" is not a Secret Manager secret id`},
		{"existing and stored", base.with("appSecrets", map[string]string{"PAYMENTS_KEY": "[secret]"}, "appSecretRefs", map[string]string{"PAYMENTS_KEY": "payments"}), "mobile-backend:appSecretRefs.PAYMENTS_KEY: also set in appSecrets"},
		{"webhook not https", base.with("alertWebhooks", []string{"http://events.pagerduty.com/x"}), "mobile-backend:alertWebhooks[0]: not an https URL"},
		{"registry off Azure", base.with("azureRegistryId", "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/r/providers/Microsoft.ContainerRegistry/registries/apps"), "mobile-backend:azureRegistryId: Azure only"},
		{"ACR image without its registry", azureBase.with("image", "apps.azurecr.io/api@sha256:abc"), `mobile-backend:azureRegistryId: required: image "apps.azurecr.io/api@sha256:abc" is on an Azure Container Registry`},
		{"not a registry id", azureBase.with("image", "apps.azurecr.io/api:1", "azureRegistryId", "apps"), `mobile-backend:azureRegistryId: "apps" is not a container registry's resource id`},
		{"another registry", azureBase.with("image", "apps.azurecr.io/api:1", "azureRegistryId", "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/r/providers/Microsoft.ContainerRegistry/registries/other"), "mobile-backend:azureRegistryId: names registry other, but the image is on apps.azurecr.io"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			assert.Contains(t, strings.Join(problems(t, tc.cfg), "\n"), tc.want)
		})
	}
	good := base.with("appEnv", map[string]string{"LOG_LEVEL": "info"}, "appSecrets", map[string]string{"APNS_KEY": "[secret]"}, "publicPaths", []string{"/webhooks/"})
	assert.Empty(t, problems(t, good))
}

// A secret given in plain text is refused: by the engine's secret flag
// under pulumi up, and leaf by leaf in the stack file (the flag covers the
// whole key once one leaf is secure).
func TestAppSecretsAndWebhooksMustBeSecureValues(t *testing.T) {
	t.Parallel()
	base := contract("aws", "active-active", "us-east-1", "eu-west-1")
	plain := base.with("appSecrets", map[string]string{"APNS_KEY": "-----BEGIN PRIVATE KEY-----"}, "alertWebhooks", []string{"https://events.pagerduty.com/integration/abc/enqueue"})
	_, err := spec.LoadWithSecrets("dev", plain.lookup, func(string) bool { return false })
	require.Error(t, err)
	assert.Contains(t, err.Error(), "mobile-backend:appSecrets: plain text: set each value with pulumi config set --secret")
	assert.Contains(t, err.Error(), "mobile-backend:alertWebhooks: plain text")
	_, err = spec.LoadWithSecrets("dev", plain.lookup, func(string) bool { return true })
	assert.NoError(t, err, "secret keys pass")

	secure := map[string]any{"secure": "v1:c2VjcmV0"}
	mixed := base.with("appSecrets", map[string]any{"APNS_KEY": secure, "FCM_KEY": "plain"}, "alertWebhooks", []any{secure, "https://hooks.example.com/x"})
	_, err = stackfile.Load(projectFile, writeStack(t, mixed), "dev")
	var e *spec.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, []string{
		"mobile-backend:alertWebhooks[1]: plain text: set it with pulumi config set --secret --path 'alertWebhooks[1]' URL",
		"mobile-backend:appSecrets.FCM_KEY: plain text: set it with pulumi config set --secret --path 'appSecrets.FCM_KEY' VALUE",
	}, e.Problems)

	ok := base.with("appSecrets", map[string]any{"APNS_KEY": secure}, "alertWebhooks", []any{secure})
	loaded, err := stackfile.Load(projectFile, writeStack(t, ok), "dev")
	require.NoError(t, err)
	assert.Contains(t, loaded.Secrets, "mobile-backend:appSecrets", "one secure leaf makes the key secret")
	assert.Contains(t, loaded.Secrets, "mobile-backend:alertWebhooks")
	s, err := spec.LoadWithSecrets("dev", loaded.Lookup, func(k string) bool { return slices.Contains(loaded.Secrets, k) })
	require.NoError(t, err)
	assert.Equal(t, []string{"APNS_KEY"}, s.Runtime.Secrets)
	assert.Equal(t, "[secret]", s.Runtime.SecretValue("APNS_KEY"), "an offline plan never decrypts")
}
