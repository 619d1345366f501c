package tests

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mobile-backend/mobile-backend/internal/plan"
	"github.com/mobile-backend/mobile-backend/internal/spec"
)

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

// Under the engine Pulumi.yaml's defaults apply; under Go they are the
// spec's. A stack with only the contract keys must come out the same both ways.
func TestDefaultsFromPulumiYamlEqualTheSpecDefaults(t *testing.T) {
	cfg := contract("aws", "active-passive", "eu-west-1", "eu-central-1")
	c, err := plan.LoadConfig(projectFile, writeStack(t, "dev", cfg), "dev")
	require.NoError(t, err)
	viaYaml, err := spec.Load("dev", c.Lookup)
	require.NoError(t, err)

	only := map[string]string{"cloud": "aws", "topology": "active-passive", "regions": `["eu-west-1","eu-central-1"]`, "domain": "api.example.com"}
	viaGo, err := spec.Load("dev", func(k string) (string, bool) { v, ok := only[k]; return v, ok })
	require.NoError(t, err)
	assert.Equal(t, viaGo, viaYaml)
	assert.Equal(t, "public.ecr.aws/nginx/nginx:stable", viaYaml.Image)
	assert.Equal(t, 10, viaYaml.HealthCheck.IntervalSeconds)
	assert.Equal(t, "dev", viaYaml.Environment, "the environment defaults to the stack name")
	assert.Equal(t, "example.com", viaYaml.DNSZone)
}

func TestBadConfigsExitTwoWithTheKeyNamed(t *testing.T) {
	base := contract("aws", "active-active", "us-east-1", "eu-west-1")
	cases := []struct {
		name string
		cfg  map[string]any
		want string // the key and the gist of the message
	}{
		{"unknown cloud", with(base, "cloud", "ibm"), `mobile-backend:cloud: "ibm" is not a supported cloud; one of aws, gcp, azure`},
		{"missing cloud", with(base, "cloud", ""), "mobile-backend:cloud: required"},
		{"unknown topology", with(base, "topology", "active-sideways"), `mobile-backend:topology: "active-sideways" is not a topology; one of active-active, active-passive`},
		{"one region", with(base, "regions", []string{"us-east-1"}), "mobile-backend:regions: at least two regions"},
		{"duplicate region", with(base, "regions", []string{"us-east-1", "eu-west-1", "us-east-1"}), `mobile-backend:regions[2]: "us-east-1" is listed twice`},
		{"not an AWS region", with(base, "regions", []string{"us-east-1", "us-east-9"}), `mobile-backend:regions[1]: "us-east-9" is not an AWS region`},
		{"a GCP region on AWS", with(base, "regions", []string{"us-east-1", "europe-west1"}), `mobile-backend:regions[1]: "europe-west1" is not an AWS region`},
		{"overlapping CIDRs", with(base, "vpcCidrs", []string{"10.0.0.0/16", "10.0.128.0/17"}), `mobile-backend:vpcCidrs[1]: "10.0.128.0/17" overlaps vpcCidrs[0]`},
		{"public CIDR", with(base, "vpcCidrs", []string{"10.0.0.0/16", "8.8.0.0/16"}), `mobile-backend:vpcCidrs[1]: "8.8.0.0/16" is not a private`},
		{"CIDR per region", with(base, "vpcCidrs", []string{"10.0.0.0/16"}), "mobile-backend:vpcCidrs: has 1 entries for 2 regions"},
		{"Route 53 interval", with(base, "healthCheckInterval", 15), "mobile-backend:healthCheckInterval: 15 is not allowed by Route 53; one of 10, 30"},
		{"Route 53 threshold", with(base, "healthCheckFailureThreshold", 11), "mobile-backend:healthCheckFailureThreshold: 11 is not allowed by Route 53; 1 to 10"},
		{"zero threshold", with(base, "healthCheckFailureThreshold", 0), "mobile-backend:healthCheckFailureThreshold: 0 must be positive"},
		{"malformed domain", with(base, "domain", "api..example.com"), `mobile-backend:domain: "api..example.com" is not a valid hostname`},
		{"bare domain", with(base, "domain", "localhost"), `mobile-backend:domain: "localhost" is not a fully qualified hostname`},
		{"zone outside domain", with(base, "dnsZone", "example.org"), `mobile-backend:dnsZone: "example.org" does not contain the domain "api.example.com"`},
		{"malformed e-mail", with(base, "alertEmails", []string{"oncall@example.com", "oncall"}), `mobile-backend:alertEmails[1]: "oncall" is not an e-mail address`},
		{"negative minimum", with(base, "minInstances", -1), "mobile-backend:minInstances: -1 must be at least 1"},
		{"negative cpu", with(base, "cpu", -512), "mobile-backend:cpu: -512 must be positive"},
		{"max below min", with(base, "minInstances", 5, "maxInstances", 2), "mobile-backend:maxInstances: 2 is below minInstances (5)"},
		{"standby of zero", with(base, "standbyMinInstances", 0), "mobile-backend:standbyMinInstances: 0 must be at least 1"},
		{"fargate memory", with(base, "cpu", 256, "memory", 4096), "mobile-backend:memory: 4096 MiB is not a Fargate memory size for cpu 256"},
		{"fargate cpu", with(base, "cpu", 300), "mobile-backend:cpu: 300 is not a Fargate CPU size"},
		{"WAF mode", with(base, "wafMode", "log"), `mobile-backend:wafMode: "log" is not a WAF mode; one of block, count`},
		{"WAF rate limit", with(base, "rateLimit", 5), "mobile-backend:rateLimit: 5 is not allowed by AWS WAF; 10 to 2000000000"},
		{"geo code", with(base, "geoBlock", []string{"KP", "Russia"}), `mobile-backend:geoBlock[1]: "Russia" is not an ISO 3166-1 alpha-2 country code`},
		{"log retention", with(base, "logRetentionDays", 10), "mobile-backend:logRetentionDays: 10 is not a CloudWatch Logs retention"},
		{"health path", with(base, "healthCheckPath", "healthz"), `mobile-backend:healthCheckPath: "healthz" must be a URL path`},
		{"port", with(base, "containerPort", 70000), "mobile-backend:containerPort: 70000 is not a TCP port"},
		{"wrong type", with(base, "cpu", "lots"), "mobile-backend:cpu: must be of type integer"},
		{"typo in a key", with(base, "region", []string{"us-east-1"}), "mobile-backend:region: not a config key of mobile-backend"},
		{"reserved tag", with(base, "tags", map[string]string{"aws:owner": "me"}), `mobile-backend:tags: key "aws:owner" uses the reserved aws: prefix`},
		{"one database instance in prod", with(base, "environment", "prod", "dbInstances", 1), `mobile-backend:dbInstances: 1 is too few for production (environment "prod")`},
		{"burstable database class", with(base, "dbInstanceClass", "db.t4g.medium"), `mobile-backend:dbInstanceClass: "db.t4g.medium" is not a memory-optimized instance class`},
		{"short backup retention", with(base, "dbBackupRetentionDays", 3), "mobile-backend:dbBackupRetentionDays: 3 must be between 7"},
		{"engine version", with(base, "dbEngineVersion", "sixteen"), `mobile-backend:dbEngineVersion: "sixteen" is not an Aurora PostgreSQL version`},
		{"database name", with(base, "dbName", "App-DB"), `mobile-backend:dbName: "App-DB" must start with a letter`},
		{"static host outside the zone", with(base, "staticHostname", "cdn.example.org"), `mobile-backend:staticHostname: "cdn.example.org" is not in the zone "example.com"`},
		{"alarm percentage", with(base, "alarmCpuPercent", 150), "mobile-backend:alarmCpuPercent: 150 is a percentage: at most 100"},
		{"alarm threshold", with(base, "alarmDbReplicationLagMs", 0), "mobile-backend:alarmDbReplicationLagMs: 0 must be positive"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runMain("--config-file", writeStack(t, "bad", tc.cfg))
			assert.Equal(t, plan.ExitConfigError, code)
			assert.True(t, strings.Contains(stderr, tc.want), "stderr %q does not name %q", stderr, tc.want)
			assert.Empty(t, stdout, "nothing is planned for a bad config")
			assert.NotContains(t, stderr, "goroutine", "a config mistake never shows a Go stack trace")
		})
	}
}

func TestEveryConfigProblemIsReportedAtOnceAndNothingIsRegistered(t *testing.T) {
	cfg := with(contract("aws", "active-passive", "us-east-1", "mars-north-1"),
		"healthCheckInterval", 20, "alertEmails", []string{"not-an-address"}, "minInstances", 0)
	res, err := planConfig(t, "bad", cfg)
	assert.Nil(t, res, "no resource is registered for a bad config")
	var cfgErr *spec.Error
	require.ErrorAs(t, err, &cfgErr)
	assert.Equal(t, []string{
		`mobile-backend:regions[1]: "mars-north-1" is not an AWS region; see internal/spec/regions.go for the list`,
		"mobile-backend:minInstances: 0 must be at least 1",
		`mobile-backend:alertEmails[0]: "not-an-address" is not an e-mail address`,
		"mobile-backend:healthCheckInterval: 20 is not allowed by Route 53; one of 10, 30",
	}, cfgErr.Problems)
}

func TestPlanCommandUsage(t *testing.T) {
	code, _, stderr := runMain()
	assert.Equal(t, plan.ExitConfigError, code)
	assert.Contains(t, stderr, "give --stack NAME or --config-file PATH")

	code, _, stderr = runMain("--config-file", "../Pulumi.prod.yaml", "--format", "yaml")
	assert.Equal(t, plan.ExitConfigError, code)
	assert.Contains(t, stderr, `--format "yaml": one of tree, json, summary, mermaid, dot`)

	code, _, _ = runMain("--stack", "no-such-stack")
	assert.Equal(t, plan.ExitConfigError, code)
}

func TestReadmeGivesTheTwoCommandsAndEveryKey(t *testing.T) {
	b, err := os.ReadFile("../README.md")
	require.NoError(t, err)
	readme := string(b)
	assert.Contains(t, readme, "go run ./cmd/plan --stack prod")
	assert.Contains(t, readme, "go test ./...")
	for _, f := range spec.Fields {
		assert.True(t, strings.Contains(readme, "| `"+f.Key+"` |"), "README documents %s in its table of keys", f.Key)
	}
	ci, err := os.ReadFile("../.ci/run")
	require.NoError(t, err)
	assert.Contains(t, string(ci), "go test ./...", "CI runs the README's test command")
}
