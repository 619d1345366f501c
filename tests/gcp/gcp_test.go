package gcp

import (
	"encoding/json"
	"fmt"
	"github.com/mobile-backend/mobile-backend/components"
	"os"
	"regexp"
	"strings"
	"testing"

	. "github.com/mobile-backend/mobile-backend/tests/suite"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	gcpc "github.com/mobile-backend/mobile-backend/components/gcp"
	"github.com/mobile-backend/mobile-backend/internal/dbusers"
	"github.com/mobile-backend/mobile-backend/internal/failover"
	"github.com/mobile-backend/mobile-backend/internal/mock"
	"github.com/mobile-backend/mobile-backend/internal/plan"
	"github.com/mobile-backend/mobile-backend/internal/spec"
	"github.com/mobile-backend/mobile-backend/policies"
)

// failoverJob is the stack's one Cloud Run job running the failover job.
func failoverJob(t *testing.T, res *plan.Result) *mock.Resource {
	return One(t, Filter(res.Recorder.OfType(TypeRunJob), func(r *mock.Resource) bool {
		return failover.IsTestedJob(r.Str("template.template.containers.0.args.1"))
	}), "failover job")
}

// negIDs maps each region to its serverless endpoint group's id.
func negIDs(res *plan.Result) map[string]string { return ByRegion(res, TypeNEG, "id") }

// backends maps each backend service's logical name to the endpoint groups it holds.
func backends(res *plan.Result) map[string][]any {
	out := map[string][]any{}
	for _, b := range res.Recorder.OfType(TypeBackend) {
		var groups []any
		for i := 0; i < b.Len("backends"); i++ {
			groups = append(groups, b.Get(fmt.Sprintf("backends.%d.group", i)))
		}
		out[b.Name] = groups
	}
	return out
}

func TestGCPActiveActiveSendsEachClientToTheNearestHealthyRegion(t *testing.T) {
	t.Parallel()
	regions := []string{"us-central1", "us-east1", "us-west1"}
	res := MustPlan(t, "g", With(Contract("gcp", "active-active", regions...), "healthCheckFailureThreshold", 5, "healthCheckInterval", 30))
	negs := negIDs(res)
	bs := backends(res)
	assert.Equal(t, []any{negs["us-central1"], negs["us-east1"], negs["us-west1"]}, bs["g-lb-api"], "one backend service over every region")
	for _, r := range regions {
		assert.Equal(t, []any{negs[r]}, bs["g-lb-"+r], "each region's hostname reaches that region only")
	}
	armor := One(t, res.Recorder.OfType(TypeArmor), "security policy")
	for _, b := range res.Recorder.OfType(TypeBackend) {
		assert.Equal(t, "EXTERNAL_MANAGED", b.Str("loadBalancingScheme"))
		assert.Equal(t, armor.ID, b.Str("securityPolicy"), "Cloud Armor on %s", b.Name)
		assert.Equal(t, true, b.Get("logConfig.enable"))
		assert.Equal(t, 5, b.Int("outlierDetection.consecutiveErrors"))
		assert.Equal(t, 30, b.Int("outlierDetection.interval.seconds"))
		assert.Equal(t, 100, b.Int("outlierDetection.maxEjectionPercent"))
	}

	urlMap := res.Recorder.Named(TypeURLMap, "g-lb")
	require.NotNil(t, urlMap)
	apiBackend := res.Recorder.Named(TypeBackend, "g-lb-api")
	assert.Equal(t, apiBackend.ID, urlMap.Str("defaultService"))
	assert.Empty(t, urlMap.IgnoreChanges, "active-active never rewrites the URL map")
	hosts := map[string]string{}
	matchers := map[string]string{}
	for i := 0; i < urlMap.Len("hostRules"); i++ {
		hosts[urlMap.Str(fmt.Sprintf("hostRules.%d.hosts.0", i))] = urlMap.Str(fmt.Sprintf("hostRules.%d.pathMatcher", i))
	}
	for i := 0; i < urlMap.Len("pathMatchers"); i++ {
		matchers[urlMap.Str(fmt.Sprintf("pathMatchers.%d.name", i))] = urlMap.Str(fmt.Sprintf("pathMatchers.%d.defaultService", i))
	}
	for _, r := range regions {
		assert.Equal(t, res.Recorder.Named(TypeBackend, "g-lb-"+r).ID, matchers[hosts[r+".api.example.com"]])
	}
	assert.Equal(t, One(t, res.Recorder.OfType(TypeBackendBkt), "backend bucket").ID, matchers[hosts["static.api.example.com"]])

	// A certificate per hostname, the API's first (the default without SNI).
	certs := map[string]string{}
	for _, c := range res.Recorder.OfType(TypeGCPCert) {
		require.Equal(t, 1, c.Len("managed.domains"), c.Name)
		certs[c.ID] = c.Str("managed.domains.0")
	}
	var served []string
	proxy := One(t, res.Recorder.OfType(TypeHTTPSProxy), "https proxy")
	for _, id := range proxy.Strs("sslCertificates", "") {
		served = append(served, certs[id])
	}
	assert.Equal(t, []string{"api.example.com", "us-central1.api.example.com", "us-east1.api.example.com", "us-west1.api.example.com", "static.api.example.com"}, served)
	more := MustPlan(t, "g", Contract("gcp", "active-active", append(regions, "europe-west1")...))
	for _, c := range res.Recorder.OfType(TypeGCPCert) {
		after := more.Recorder.Named(TypeGCPCert, c.Name)
		require.NotNil(t, after, "a new region leaves %s in place", c.Name)
		assert.Equal(t, c.Inputs, after.Inputs, "a new region changes no other hostname's certificate")
	}
	ssl := One(t, res.Recorder.OfType(TypeSSLPolicy), "SSL policy")
	assert.Equal(t, "TLS_1_2", ssl.Str("minTlsVersion"))
	assert.Equal(t, "MODERN", ssl.Str("profile"))
	assert.Equal(t, ssl.ID, proxy.Str("sslPolicy"))
	ports := map[string]string{}
	for _, f := range res.Recorder.OfType(TypeFwdRule) {
		ports[f.Str("portRange")] = f.Str("target")
		assert.Equal(t, "EXTERNAL_MANAGED", f.Str("loadBalancingScheme"))
	}
	assert.Equal(t, proxy.ID, ports["443"])
	redirect := res.Recorder.Named(TypeURLMap, "g-lb-redirect")
	require.NotNil(t, redirect)
	assert.Equal(t, true, redirect.Get("defaultUrlRedirect.httpsRedirect"))
	assert.NotEmpty(t, ports["80"])

	ip := One(t, res.Recorder.OfType("gcp:compute/globalAddress:GlobalAddress"), "address").Outputs["address"]
	names := map[string]bool{}
	for _, rec := range res.Recorder.OfType(TypeRecordSet) {
		names[rec.Str("name")] = true
		assert.Equal(t, []any{ip}, rec.Get("rrdatas"))
		assert.Equal(t, "example-com", rec.Str("managedZone"))
	}
	assert.Len(t, names, 5, "api, three regional hostnames, static")
}

func TestGCPActivePassiveRoutesOnlyToThePrimaryUntilTheFailoverJobSwitches(t *testing.T) {
	t.Parallel()
	res := MustPlan(t, "p", Contract("gcp", "active-passive", "europe-west1", "europe-west4", "us-east1"))
	urlMap := res.Recorder.Named(TypeURLMap, "p-lb")
	require.NotNil(t, urlMap)
	primaryBackend := res.Recorder.Named(TypeBackend, "p-lb-europe-west1")
	standbyBackend := res.Recorder.Named(TypeBackend, "p-lb-europe-west4")
	assert.Equal(t, primaryBackend.ID, urlMap.Str("defaultService"), "only the primary serves the API hostname")
	assert.Nil(t, res.Recorder.Named(TypeBackend, "p-lb-api"), "no backend service spans regions")
	assert.Equal(t, []string{"defaultService"}, urlMap.IgnoreChanges, "a deployment never silently fails back")
	// The documented way back names these very resources.
	doc, err := os.ReadFile("../../docs/gcp.md")
	require.NoError(t, err)
	failback := "gcloud compute url-maps set-default-service\n  <stack>-lb --default-service <stack>-lb-<primary> --global"
	require.Contains(t, string(doc), failback)
	assert.Equal(t, "p-lb", urlMap.Str("name"))
	assert.Equal(t, "p-lb-europe-west1", primaryBackend.Str("name"), "failback: --default-service <stack>-lb-<primary>")

	checks := map[string]any{}
	for _, u := range res.Recorder.OfType(TypeUptime) {
		checks[u.Str("monitoredResource.labels.host")] = u.Outputs["uptimeCheckId"]
	}
	job := failoverJob(t, res)
	assert.Equal(t, "europe-west4", job.Region, "the automation runs in the standby region")
	assert.Equal(t, "europe-west4", job.Str("location"))
	assert.Equal(t, gcpc.FailoverImage, job.Str("template.template.containers.0.image"))
	assert.Equal(t, []any{"python3"}, job.Get("template.template.containers.0.commands"))
	assert.Equal(t, "-c", job.Str("template.template.containers.0.args.0"))
	assert.True(t, failover.IsTestedJob(job.Str("template.template.containers.0.args.1")), "the job the scenario table ran")
	assert.Equal(t, fmt.Sprintf("%ds", failover.JobRunTimeoutSeconds), job.Str("template.template.timeout"), "a run ends before the next starts")
	assert.Equal(t, 0, job.Int("template.template.maxRetries"))
	replica := res.Recorder.Named(TypeSQL, "p-db-europe-west4")
	primary := res.Recorder.Named(TypeSQL, "p-db-europe-west1")
	require.NotNil(t, replica)
	require.NotNil(t, primary)
	bucket := One(t, Filter(res.Recorder.OfType("gcp:storage/bucket:Bucket"), func(r *mock.Resource) bool { return r.Name == "p-uploads" }), "uploads bucket")
	env := ContainerEnv(job, "template.template.containers.0.envs")
	assert.Equal(t, map[string]any{
		"CLOUD": "gcp", "PROJECT": mock.GCPProject,
		"WRITER_PROBE_URL": "https://europe-west1.api.example.com/", "SUCCESSOR_PROBE_URL": "https://europe-west4.api.example.com/",
		"WRITER_CHECK_ID": checks["europe-west1.api.example.com"], "SUCCESSOR_CHECK_ID": checks["europe-west4.api.example.com"],
		"RELEASE_BUCKET": bucket.Outputs["name"], "RELEASE_OBJECT": gcpc.ReleaseWindowObject,
		"URL_MAP": urlMap.Outputs["selfLink"], "STANDBY_BACKEND": standbyBackend.Outputs["selfLink"],
		"REPLICA": replica.Outputs["name"], "REPLICA_ADDRESS": replica.Outputs["privateIpAddress"],
		"WRITER_DB_ADDRESS": primary.Outputs["privateIpAddress"].(string) + ":5432", "LOCAL_DB_ADDRESS": replica.Outputs["privateIpAddress"].(string) + ":5432",
		"WRITER_ZONE": env["WRITER_ZONE"], "WRITER_RECORD": env["WRITER_RECORD"], "WRITER_TTL": fmt.Sprint(gcpc.WriterTTL),
		"NEXT_STEP":   "Set mobile-backend:writerRegion to europe-west4, with mobile-backend:regionsDown (and regionsDownWriter) while europe-west1 does not answer, and run pulumi up: routing, roles and the region directory follow. Then re-create the replicas of the other regions from the new writer (their reads go to it meanwhile) (README: losing a region, Google Cloud).",
		"OLD_PRIMARY": primary.Outputs["name"],
		// Every region's reads but the promoted one's: their replicas
		// follow the old primary, so their names move to the new writer.
		"READER_RECORDS": "reader-europe-west1.p-db.internal.,reader-us-east1.p-db.internal.",
		// The region directory once the standby writes, over the deployed one.
		"DIRECTORY": env["DIRECTORY"], "DIRECTORY_OBJECT": "static/" + components.DirectoryObject, "DIRECTORY_CACHE_CONTROL": components.DirectoryCacheControl,
		// The promoted replica gets the writer's backups (a replica has none).
		"BACKUP_LOG_DAYS": fmt.Sprint(primary.Int("settings.backupConfiguration.transactionLogRetentionDays")),
		"BACKUP_RETAINED": fmt.Sprint(primary.Int("settings.backupConfiguration.backupRetentionSettings.retainedBackups")),
	}, env)
	subnets := ByRegion(res, "gcp:compute/subnetwork:Subnetwork", "id")
	assert.Equal(t, subnets["europe-west4"], job.Str("template.template.vpcAccess.networkInterfaces.0.subnetwork"), "the databases' private addresses, through the standby's subnet")
	assert.Equal(t, "PRIVATE_RANGES_ONLY", job.Str("template.template.vpcAccess.egress"))

	runnerRoles := map[string]bool{}
	for _, m := range res.Recorder.OfType("gcp:projects/iAMMember:IAMMember") {
		if strings.Contains(m.Str("member"), "p-failover-job") {
			runnerRoles[m.Str("role")] = true
		}
	}
	act := res.Recorder.Named("gcp:projects/iAMCustomRole:IAMCustomRole", "p-failover-act")
	require.NotNil(t, act)
	assert.Regexp(t, `^[a-zA-Z0-9_.]{3,64}$`, act.Str("roleId"))
	assert.Contains(t, act.Str("roleId"), "europe_west4", "a moved writer gets a role of its own")
	assert.ElementsMatch(t, append([]string{"compute.backendServices.use", "compute.globalOperations.get", "compute.urlMaps.get", "compute.urlMaps.update"}, gcpc.PromotePermissions...), act.Get("permissions"))
	assert.Equal(t, map[string]bool{"roles/monitoring.viewer": true, act.Outputs["name"].(string): true}, runnerRoles,
		"read the uptime checks, patch the URL map, promote the replica: nothing else project-wide")
	actGrant := One(t, Filter(res.Recorder.OfType("gcp:projects/iAMMember:IAMMember"), func(m *mock.Resource) bool { return m.Str("role") == act.Outputs["name"] }), "the custom role's grant")
	replica = res.Recorder.Named(TypeSQL, "p-db-europe-west4")
	require.NotNil(t, replica)
	primary = res.Recorder.Named(TypeSQL, "p-db-europe-west1")
	require.NotNil(t, primary)
	assert.Equal(t, fmt.Sprintf(`(resource.type != "compute.googleapis.com/UrlMap" || resource.name == "projects/%s/global/urlMaps/%s") && (resource.type != "sqladmin.googleapis.com/Instance" || resource.name == "projects/%[1]s/instances/%[3]s" || resource.name == "projects/%[1]s/instances/%[4]s")`,
		mock.GCPProject, urlMap.Outputs["name"], replica.Outputs["name"], primary.Outputs["name"]), actGrant.Str("condition.expression"),
		"the stack's own URL map, replica and primary (which the job stops): in a shared project no other stack's")
	var after components.Directory
	require.NoError(t, json.Unmarshal([]byte(env["DIRECTORY"].(string)), &after))
	var listed []string
	for _, r := range after.Regions {
		listed = append(listed, r.Name)
		assert.Equal(t, r.Name == "europe-west4", r.Writer, "%s: the standby writes once the job promotes it", r.Name)
	}
	assert.Equal(t, []string{"europe-west4", "us-east1"}, listed, "the lost writer's region is left out")
	writes := res.Recorder.Named("gcp:storage/bucketIAMMember:BucketIAMMember", "p-failover-job-writes-directory")
	require.NotNil(t, writes)
	assert.Equal(t, "roles/storage.objectUser", writes.Str("role"))
	assert.Equal(t, fmt.Sprintf(`resource.name == "projects/_/buckets/%s/objects/static/%s"`, bucket.Outputs["name"], components.DirectoryObject), writes.Str("condition.expression"), "the directory alone")
	// Each region reads through its own name, at its own instance to begin with.
	for _, run := range res.Recorder.OfType("gcp:cloudrunv2/service:Service") {
		region := run.Str("location")
		host := ContainerEnv(run, "template.containers.0.envs")["DB_READER_HOST"]
		assert.Equal(t, "reader-"+region+".p-db.internal", host, region)
		rec := One(t, Filter(res.Recorder.OfType("gcp:dns/recordSet:RecordSet"), func(r *mock.Resource) bool { return r.Str("name") == host.(string)+"." }), "reader record")
		instance := One(t, Filter(res.Recorder.OfType(TypeSQL), func(r *mock.Resource) bool { return r.Str("region") == region }), "instance")
		assert.Equal(t, []any{instance.Outputs["privateIpAddress"]}, rec.Get("rrdatas"))
		assert.Equal(t, []string{"rrdatas"}, rec.IgnoreChanges, "the job owns it after a promotion")
	}
	// The fence: the job stops the primary it replaces, and no pulumi up restarts it.
	assert.Equal(t, primary.Outputs["name"], env["OLD_PRIMARY"])
	assert.Contains(t, primary.IgnoreChanges, "settings.activationPolicy")
	assert.Equal(t, urlMap.ID, "projects/"+mock.GCPProject+"/global/urlMaps/"+urlMap.Outputs["name"].(string), "the id is the resource name IAM conditions see")
	// The record moves in its own zone only: the public zone's records
	// (api.<domain>) are out of the job's reach.
	move := res.Recorder.Named("gcp:projects/iAMCustomRole:IAMCustomRole", "p-failover-move")
	require.NotNil(t, move)
	assert.ElementsMatch(t, gcpc.MoveRecordPermissions, move.Get("permissions"))
	assert.Regexp(t, `^[a-zA-Z0-9_.]{3,64}$`, move.Str("roleId"))
	zoneGrant := One(t, res.Recorder.OfType("gcp:dns/dnsManagedZoneIamMember:DnsManagedZoneIamMember"), "zone grant")
	assert.Equal(t, env["WRITER_ZONE"], zoneGrant.Str("managedZone"))
	assert.Equal(t, move.Outputs["name"], zoneGrant.Str("role"))
	assert.Contains(t, zoneGrant.Str("member"), "p-failover-job")
	assert.Contains(t, job.DependsOn, zoneGrant.URN, "the job runs once it may move the record")
	for _, c := range res.Recorder.OfType("gcp:projects/iAMCustomRole:IAMCustomRole") {
		for _, perm := range c.Strs("permissions", "") {
			if strings.HasPrefix(perm, "dns.") {
				assert.Equal(t, move.URN, c.URN, "no DNS permission project-wide (%s)", perm)
			}
		}
	}
	reads := res.Recorder.Named("gcp:storage/bucketIAMMember:BucketIAMMember", "p-failover-job-reads-release-window")
	require.NotNil(t, reads)
	assert.Equal(t, "roles/storage.objectViewer", reads.Str("role"))
	assert.Equal(t, fmt.Sprintf(`resource.name == "projects/_/buckets/%s/objects/%s"`, bucket.Outputs["name"], gcpc.ReleaseWindowObject), reads.Str("condition.expression"), "the one object")

	schedule := One(t, res.Recorder.OfType(TypeScheduler), "scheduler job")
	assert.Equal(t, "europe-west4", schedule.Str("region"))
	assert.Equal(t, "* * * * *", schedule.Str("schedule"))
	assert.Equal(t, fmt.Sprintf("https://run.googleapis.com/v2/projects/%s/locations/europe-west4/jobs/%s:run", mock.GCPProject, job.Outputs["name"]), schedule.Str("httpTarget.uri"))
	assert.Equal(t, "POST", schedule.Str("httpTarget.httpMethod"))
	invoker := One(t, res.Recorder.OfType("gcp:cloudrunv2/jobIamMember:JobIamMember"), "invoker")
	assert.Equal(t, "roles/run.invoker", invoker.Str("role"))
	assert.Equal(t, "serviceAccount:"+schedule.Str("httpTarget.oauthToken.serviceAccountEmail"), invoker.Str("member"), "the scheduler's account may run this job only")
	assert.Equal(t, job.Outputs["name"], invoker.Str("name"))

	mins := map[string]int{}
	for _, run := range res.Recorder.OfType(TypeRun) {
		mins[run.Region] = run.Int("template.scaling.minInstanceCount")
	}
	assert.Equal(t, map[string]int{"europe-west1": 2, "europe-west4": 1, "us-east1": 1}, mins, "standbys stay warm at the standby minimum")
}

func TestCloudRunIsReachableOnlyThroughTheLoadBalancer(t *testing.T) {
	t.Parallel()
	res := MustPlan(t, "run", With(Contract("gcp", "active-active", "us-central1", "us-east1"),
		"cpu", 1536, "memory", 3072, "concurrency", 40, "healthCheckPath", "/healthz", "containerPort", 8080))
	emails := map[string]bool{}
	for _, run := range res.Recorder.OfType(TypeRun) {
		assert.Equal(t, run.Region, run.Str("location"))
		assert.Equal(t, "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER", run.Str("ingress"))
		assert.Equal(t, "2", run.Str("template.containers.0.resources.limits.cpu"), "1.5 vCPU rounds up to Cloud Run's 2")
		assert.Equal(t, "3072Mi", run.Str("template.containers.0.resources.limits.memory"))
		assert.Equal(t, 40, run.Int("template.maxInstanceRequestConcurrency"))
		assert.Equal(t, "/healthz", run.Str("template.containers.0.startupProbe.httpGet.path"))
		assert.Equal(t, "/healthz", run.Str("template.containers.0.livenessProbe.httpGet.path"))
		assert.Equal(t, 8080, run.Int("template.containers.0.ports.0.containerPort"))
		env := ContainerEnv(run, "template.containers.0.envs")
		assert.Equal(t, run.Region, env["REGION"])
		assert.Equal(t, "run-db", env["SPANNER_INSTANCE"])
		sa := run.Str("template.serviceAccount")
		assert.False(t, emails[sa], "every region has its own service account")
		emails[sa] = true
	}
	require.Len(t, emails, 2)
	for _, inv := range OfComponent(res.Recorder.OfType(TypeRunInvoker), "mobile-backend:gcp:RegionalCompute") {
		assert.Equal(t, "roles/run.invoker", inv.Str("role"))
	}
	// The release gates read metrics (gcp's release_test.go).
	for _, m := range Filter(res.Recorder.OfType("gcp:projects/iAMMember:IAMMember"), func(r *mock.Resource) bool { return !strings.HasSuffix(r.Name, "-release-monitoring-viewer") }) {
		assert.Contains(t, []string{"roles/logging.logWriter", "roles/monitoring.metricWriter", "roles/cloudtrace.agent"}, m.Str("role"), "no broad project role")
	}
	for _, n := range res.Recorder.OfType(TypeNEG) {
		assert.Equal(t, "SERVERLESS", n.Str("networkEndpointType"))
		assert.Equal(t, n.Region, n.Str("region"))
	}
}

func TestCloudArmorRunsThePreconfiguredRulesARateBanAndAdaptiveProtection(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{"block", "count"} {
		t.Run(mode, func(t *testing.T) {
			res := MustPlan(t, "armor", With(Contract("gcp", "active-active", "europe-west1", "europe-west4"),
				"wafMode", mode, "rateLimit", 900, "geoBlock", []string{"KP", "IR"}))
			p := One(t, res.Recorder.OfType(TypeArmor), "policy")
			assert.Equal(t, "CLOUD_ARMOR", p.Str("type"))
			assert.Equal(t, true, p.Get("adaptiveProtectionConfig.layer7DdosDefenseConfig.enable"))
			assert.Equal(t, "VERBOSE", p.Str("advancedOptionsConfig.logLevel"))
			byDesc := map[string]*struct {
				priority int
				action   string
				expr     string
				preview  bool
			}{}
			for i := 0; i < p.Len("rules"); i++ {
				k := fmt.Sprintf("rules.%d.", i)
				byDesc[p.Str(k+"description")] = &struct {
					priority int
					action   string
					expr     string
					preview  bool
				}{p.Int(k + "priority"), p.Str(k + "action"), p.Str(k + "match.expr.expression"), p.Bool(k + "preview")}
			}
			for i, set := range gcpc.PreconfiguredRules {
				r := byDesc[set]
				require.NotNil(t, r, set)
				assert.Equal(t, 1000+i, r.priority)
				assert.Equal(t, "deny(403)", r.action)
				assert.Equal(t, fmt.Sprintf("evaluatePreconfiguredWaf('%s', {'sensitivity': 1})", set), r.expr)
				assert.Equal(t, mode == "count", r.preview)
			}
			assert.Equal(t, "origin.region_code == 'KP' || origin.region_code == 'IR'", byDesc["geo-block"].expr)
			assert.Equal(t, "rate_based_ban", byDesc["rate-limit"].action)
			assert.Greater(t, byDesc["rate-limit"].priority, 1000+len(gcpc.PreconfiguredRules)-1, "a conforming request is allowed at once: the WAF rules come first")
			for i := 0; i < p.Len("rules"); i++ {
				if p.Str(fmt.Sprintf("rules.%d.description", i)) == "rate-limit" {
					assert.Equal(t, 900, p.Int(fmt.Sprintf("rules.%d.rateLimitOptions.rateLimitThreshold.count", i)))
					assert.Equal(t, 300, p.Int(fmt.Sprintf("rules.%d.rateLimitOptions.rateLimitThreshold.intervalSec", i)))
					assert.Equal(t, "IP", p.Str(fmt.Sprintf("rules.%d.rateLimitOptions.enforceOnKey", i)))
				}
			}
			assert.Equal(t, gcpc.DefaultRulePriority, byDesc["default: allow"].priority)
		})
	}
}

func TestGeoBlockOfManyCountriesSplitsIntoRulesOfFive(t *testing.T) {
	t.Parallel()
	countries := []string{"KP", "IR", "SY", "CU", "RU", "BY", "VE"}
	res := MustPlan(t, "armor", With(Contract("gcp", "active-active", "europe-west1", "europe-west4"), "geoBlock", countries))
	p := One(t, res.Recorder.OfType(TypeArmor), "policy")
	exprs := map[string]string{}
	for i := 0; i < p.Len("rules"); i++ {
		k := fmt.Sprintf("rules.%d.", i)
		if strings.HasPrefix(p.Str(k+"description"), "geo-block") {
			exprs[p.Str(k+"description")] = p.Str(k + "match.expr.expression")
		}
	}
	assert.Equal(t, map[string]string{
		"geo-block 1": "origin.region_code == 'KP' || origin.region_code == 'IR' || origin.region_code == 'SY' || origin.region_code == 'CU' || origin.region_code == 'RU'",
		"geo-block 2": "origin.region_code == 'BY' || origin.region_code == 'VE'",
	}, exprs)
}

func TestGCPDatabaseEnginePerTopology(t *testing.T) {
	t.Parallel()
	aa := MustPlan(t, "db", Contract("gcp", "active-active", "us-central1", "us-east1", "us-west1"))
	inst := One(t, aa.Recorder.OfType(TypeSpanner), "spanner instance")
	assert.Equal(t, "nam6", inst.Str("config"), "the smallest configuration serving all three regions")
	assert.Equal(t, 1000, inst.Int("autoscalingConfig.autoscalingLimits.minProcessingUnits"))
	assert.Equal(t, 5000, inst.Int("autoscalingConfig.autoscalingLimits.maxProcessingUnits"))
	assert.True(t, inst.Protect)
	db := One(t, aa.Recorder.OfType(TypeSpannerDB), "spanner database")
	assert.Equal(t, "7d", db.Str("versionRetentionPeriod"))
	assert.True(t, db.Bool("deletionProtection"))
	assert.True(t, db.Bool("enableDropProtection"))
	assert.True(t, db.Protect)
	assert.Empty(t, aa.Recorder.OfType(TypeSQL))
	path := "projects/" + mock.GCPProject + "/instances/db-db/databases/app"
	assert.Equal(t, map[string]any{"engine": "spanner", "writerEndpoint": path,
		"readerEndpoints": map[string]any{"us-central1": path, "us-east1": path, "us-west1": path}}, aa.Outputs["database"])
	assert.Equal(t, "nam6", aa.Outputs["cloud"].(map[string]any)["spannerConfig"])

	ap := MustPlan(t, "db", With(Contract("gcp", "active-passive", "us-east1", "us-west1", "europe-west1"), "dbBackupRetentionDays", 14))
	assert.Empty(t, ap.Recorder.OfType(TypeSpanner))
	instances := map[string]*mock.Resource{}
	for _, i := range ap.Recorder.OfType(TypeSQL) {
		instances[i.Region] = i
		assert.Equal(t, "POSTGRES_16", i.Str("databaseVersion"))
		assert.True(t, i.Bool("deletionProtection"))
		assert.True(t, i.Bool("settings.deletionProtectionEnabled"))
		assert.Equal(t, false, i.Get("settings.ipConfiguration.ipv4Enabled"), "private IP only")
		assert.Equal(t, "ENCRYPTED_ONLY", i.Str("settings.ipConfiguration.sslMode"))
		assert.Equal(t, "REGIONAL", i.Str("settings.availabilityType"))
		assert.Equal(t, "db", i.Str("settings.userLabels.stack"), "the provider's default labels do not reach Cloud SQL: the budget's filter needs it")
		assert.True(t, i.Protect)
	}
	require.Len(t, instances, 3)
	primary := instances["us-east1"]
	assert.Nil(t, primary.Get("masterInstanceName"))
	assert.True(t, primary.Bool("settings.backupConfiguration.pointInTimeRecoveryEnabled"))
	assert.Equal(t, 35, primary.Int("settings.backupConfiguration.backupRetentionSettings.retainedBackups"), "backupCopyRetentionDays daily backups")
	assert.Equal(t, "us-west1", primary.Str("settings.backupConfiguration.location"), "backups kept outside the primary region")
	assert.Equal(t, 7, primary.Int("settings.backupConfiguration.transactionLogRetentionDays"))
	for _, r := range []string{"us-west1", "europe-west1"} {
		assert.Equal(t, primary.Str("name"), instances[r].Str("masterInstanceName"), "a cross-region replica in %s", r)
	}
	assert.NotEmpty(t, primary.DependsOn, "waits for the private services connection")

	// Either engine for either topology.
	spannerAP := MustPlan(t, "db", With(Contract("gcp", "active-passive", "europe-west1", "europe-west4"), "gcpDatabase", "spanner"))
	assert.Equal(t, "eur3", One(t, spannerAP.Recorder.OfType(TypeSpanner), "spanner").Str("config"))
	sqlAA := MustPlan(t, "db", With(Contract("gcp", "active-active", "southamerica-east1", "us-east1"), "gcpDatabase", "cloudsql"))
	assert.Len(t, sqlAA.Recorder.OfType(TypeSQL), 2)
}

func TestBucketIsDualRegionWithTurboReplication(t *testing.T) {
	t.Parallel()
	res := MustPlan(t, "b", With(Contract("gcp", "active-passive", "europe-west1", "us-east1", "europe-west3"), "noncurrentVersionDays", 60))
	b := res.Recorder.Named(TypeGCSBucket, "b-uploads")
	assert.Equal(t, "EU", b.Str("location"))
	assert.Equal(t, []any{"EUROPE-WEST1", "EUROPE-WEST3"}, b.Get("customPlacementConfig.dataLocations"), "the primary and the next stack region on its continent")
	assert.Equal(t, "ASYNC_TURBO", b.Str("rpo"))
	assert.Equal(t, true, b.Get("versioning.enabled"))
	assert.True(t, b.Bool("uniformBucketLevelAccess"))
	assert.Equal(t, "enforced", b.Str("publicAccessPrevention"))
	assert.Equal(t, gcpc.SoftDeleteSeconds, b.Int("softDeletePolicy.retentionDurationSeconds"))
	assert.Equal(t, 60, b.Int("lifecycleRules.0.condition.daysSinceNoncurrentTime"))
	assert.True(t, b.Protect)
	assert.Equal(t, "", b.Region, "a dual-region bucket is not in one region")
	bb := One(t, res.Recorder.OfType(TypeBackendBkt), "backend bucket")
	assert.True(t, bb.Bool("enableCdn"))
	assert.Equal(t, b.Outputs["name"], bb.Str("bucketName"))
}

// Every region reads from a bucket in its own area: the dual-region bucket
// every app writes to, or a regional copy that Storage Transfer Service
// fills from it hourly, deletions included.
func TestUploadsReachEveryAreaOfAStackOnThreeContinents(t *testing.T) {
	t.Parallel()
	const TypeJob, TypeGrant = "gcp:storage/transferJob:TransferJob", "gcp:storage/bucketIAMMember:BucketIAMMember"
	for _, topology := range []string{"active-passive", "active-active"} {
		t.Run(topology, func(t *testing.T) {
			res := MustPlan(t, "c3", Contract("gcp", topology, "europe-west4", "us-central1", "asia-southeast1"))
			uploads := res.Recorder.Named(TypeGCSBucket, "c3-uploads")
			require.NotNil(t, uploads)
			assert.Equal(t, "EU", uploads.Str("location"))
			name := func(b *mock.Resource) string { return b.Out("name").(string) }
			keys := map[string]string{} // KMS location -> key
			for _, ring := range res.Recorder.OfType("gcp:kms/keyRing:KeyRing") {
				keys[ring.Str("location")] = ring.ID + "/cryptoKeys/data"
			}
			copies := map[string]*mock.Resource{}
			for _, region := range []string{"us-central1", "asia-southeast1"} {
				b := res.Recorder.Named(TypeGCSBucket, "c3-uploads-"+region)
				require.NotNil(t, b, region)
				copies[region] = b
				assert.Equal(t, strings.ToUpper(region), b.Str("location"))
				assert.Nil(t, b.Get("customPlacementConfig"))
				assert.Equal(t, keys[region], b.Str("encryption.defaultKmsKeyName"), "the copy's key lives in its region")
				assert.Equal(t, true, b.Get("versioning.enabled"))
				assert.Equal(t, "enforced", b.Str("publicAccessPrevention"))
				assert.True(t, b.Protect)
			}
			assert.Len(t, res.Recorder.OfType(TypeGCSBucket), 3, "europe-west4 reads the EU uploads bucket itself")

			agent := "serviceAccount:project-" + mock.GCPProjectNumber + "@storage-transfer-service.iam.gserviceaccount.com"
			roles := map[string][]string{} // bucket -> the transfer agent's roles
			grants := map[string][]string{}
			for _, g := range res.Recorder.OfType(TypeGrant) {
				if g.Str("member") == agent {
					roles[g.Str("bucket")] = append(roles[g.Str("bucket")], g.Str("role"))
					grants[g.Str("bucket")] = append(grants[g.Str("bucket")], g.URN)
				}
			}
			assert.ElementsMatch(t, []string{"roles/storage.objectViewer", "roles/storage.legacyBucketReader"}, roles[name(uploads)])
			jobs := res.Recorder.OfType(TypeJob)
			require.Len(t, jobs, 2)
			api := res.Recorder.Named("gcp:projects/service:Service", "c3-apis-storagetransfer")
			require.NotNil(t, api, "the Storage Transfer API is enabled")
			for region, b := range copies {
				assert.Equal(t, []string{"roles/storage.legacyBucketWriter"}, roles[name(b)], region)
				job := res.Recorder.Named(TypeJob, "c3-uploads-"+region+"-copy")
				require.NotNil(t, job, region)
				assert.Equal(t, name(uploads), job.Str("transferSpec.gcsDataSource.bucketName"))
				assert.Equal(t, name(b), job.Str("transferSpec.gcsDataSink.bucketName"))
				assert.Equal(t, "3600s", job.Str("schedule.repeatInterval"))
				assert.Equal(t, true, job.Get("transferSpec.transferOptions.deleteObjectsUniqueInSink"), "a deleted upload leaves the copies")
				assert.Subset(t, job.DependsOn, append(grants[name(uploads)], grants[name(b)]...), "the agent may read and write before the job runs")
				assert.Contains(t, job.DependsOn, api.URN)
			}

			reads := map[string]string{"europe-west4": name(uploads), "us-central1": name(copies["us-central1"]), "asia-southeast1": name(copies["asia-southeast1"])}
			for _, run := range res.Recorder.OfType(TypeRun) {
				env := ContainerEnv(run, "template.containers.0.envs")
				assert.Equal(t, name(uploads), env["UPLOADS_BUCKET"], "%s writes to the dual-region bucket", run.Region)
				assert.Equal(t, reads[run.Region], env["UPLOADS_READ_BUCKET"], "%s reads its area's bucket", run.Region)
				sa := "serviceAccount:" + run.Str("template.serviceAccount")
				var readable []string
				for _, g := range res.Recorder.OfType(TypeGrant) {
					if g.Str("member") == sa {
						readable = append(readable, g.Str("bucket")+" "+g.Str("role"))
						if g.Str("role") == "roles/storage.objectUser" {
							// Never the deploy's objects: the release window
							// (an app could hold failover off) or the edge's.
							cond := g.Str("condition.expression")
							assert.Contains(t, cond, fmt.Sprintf(`!resource.name.startsWith("projects/_/buckets/%s/objects/_mobile-backend/")`, name(uploads)))
							assert.Contains(t, cond, fmt.Sprintf(`!resource.name.startsWith("projects/_/buckets/%s/objects/static/")`, name(uploads)))
							assert.True(t, strings.HasPrefix(gcpc.ReleaseWindowObject, gcpc.DeployPrefix))
						}
					}
				}
				want := []string{name(uploads) + " roles/storage.objectUser"}
				if reads[run.Region] != name(uploads) {
					want = append(want, reads[run.Region]+" roles/storage.objectViewer")
				}
				assert.ElementsMatch(t, want, readable, run.Region)
			}
			for _, v := range res.Policies() {
				assert.NotEqual(t, "data-reaches-every-region", v.Policy, v.Message)
			}
			assert.Equal(t, policies.GCSTurboRPOSeconds, res.Resilience.RPO.Computed, "the copies lag, but lose nothing a region's loss could take")
			assert.Len(t, res.Resilience.RPO.NotCounted, 2)
		})
	}
}

func TestDualRegionPairing(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		regions  []string
		location string
		pair     [2]string
		inStack  bool
	}{
		{[]string{"us-central1", "us-east1"}, "US", [2]string{"us-central1", "us-east1"}, true},
		{[]string{"asia-northeast1", "europe-west1", "asia-northeast2"}, "ASIA", [2]string{"asia-northeast1", "asia-northeast2"}, true},
		{[]string{"europe-west2", "us-east4", "us-west1"}, "US", [2]string{"us-east4", "us-west1"}, true},
		{[]string{"southamerica-east1", "us-east1"}, "US", [2]string{"us-east1", "us-east4"}, false},
		{[]string{"me-west1", "africa-south1"}, "EU", [2]string{"europe-central2", "europe-west10"}, false},
	} {
		got := gcpc.ChooseDualRegion(tc.regions)
		assert.Equal(t, gcpc.DualRegion{Location: tc.location, Regions: tc.pair, InStack: tc.inStack}, got, "%v", tc.regions)
	}
}

func TestGCPMonitoringChecksEveryHostnameAndAlerts(t *testing.T) {
	t.Parallel()
	regions := []string{"us-central1", "us-east1"}
	res := MustPlan(t, "m", With(Contract("gcp", "active-passive", regions...), "alertEmails", []string{"a@example.com", "b@example.com"}, "healthCheckPath", "/healthz"))
	channels := res.Recorder.OfType(TypeChannel)
	var emails []any
	for _, c := range channels {
		if c.Str("type") == "email" {
			emails = append(emails, c.Get("labels.email_address"))
		}
	}
	assert.ElementsMatch(t, []any{"a@example.com", "b@example.com"}, emails)
	hosts := map[string]bool{}
	for _, u := range res.Recorder.OfType(TypeUptime) {
		hosts[u.Str("monitoredResource.labels.host")] = true
		assert.Equal(t, "/healthz", u.Str("httpCheck.path"))
		assert.True(t, u.Bool("httpCheck.useSsl"))
		assert.True(t, u.Bool("httpCheck.validateSsl"))
		assert.Equal(t, "60s", u.Str("period"))
		assert.Equal(t, []any{"USA", "EUROPE", "ASIA_PACIFIC"}, u.Get("selectedRegions"), "several checker regions")
	}
	assert.Equal(t, map[string]bool{"api.example.com": true, "us-central1.api.example.com": true, "us-east1.api.example.com": true}, hosts)

	metrics := map[string]string{}
	for _, a := range res.Recorder.OfType(TypeAlertPolicy) {
		metrics[a.Name] = a.Str("conditions.0.conditionThreshold.filter")
	}
	for name, metric := range map[string]string{
		"m-monitoring-api-uptime":           "monitoring.googleapis.com/uptime_check/check_passed",
		"m-monitoring-5xx-ratio":            "loadbalancing.googleapis.com/https/request_count",
		"m-monitoring-p99-latency":          "loadbalancing.googleapis.com/https/total_latencies",
		"m-monitoring-us-east1-saturation":  "run.googleapis.com/container/instance_count",
		"m-monitoring-us-central1-sql-cpu":  "cloudsql.googleapis.com/database/cpu/utilization",
		"m-monitoring-us-east1-replica-lag": "cloudsql.googleapis.com/database/replication/replica_lag",
		"m-monitoring-storage-replication":  "storage.googleapis.com/replication/turbo_max_delay",
		"m-monitoring-us-central1-uptime":   "monitoring.googleapis.com/uptime_check/check_passed",
	} {
		assert.Contains(t, metrics[name], `metric.type="`+metric+`"`, name)
	}
	assert.NotContains(t, metrics, "m-monitoring-us-central1-replica-lag", "the primary has no lag")
	var emailChannels []any
	for _, c := range channels {
		if c.Str("type") == "email" {
			emailChannels = append(emailChannels, c.Outputs["name"])
		}
	}
	said := res.Recorder.Named(TypeAlertPolicy, "m-failover-said")
	require.NotNil(t, said)
	job := failoverJob(t, res)
	assert.Equal(t, fmt.Sprintf(`resource.type="cloud_run_job" AND resource.labels.job_name="%s" AND jsonPayload.event=("alert" OR "notify")`, job.Outputs["name"]),
		said.Str("conditions.0.conditionMatchedLog.filter"), "what the failover job says reaches the operators")
	assert.Equal(t, emailChannels, said.Get("notificationChannels"))
	assert.Equal(t, "300s", said.Str("alertStrategy.notificationRateLimit.period"), "a log-match condition needs a rate limit")
	assert.Equal(t, "EXTRACT(jsonPayload.reason)", said.Str("conditions.0.conditionMatchedLog.labelExtractors.reason"),
		"each reason is its own rule: the notice after a promotion is not rate-limited away by the one before")
	assert.Contains(t, failover.Job, `emit("notify", reason="promoted"`, "the job writes the field the extractor reads")
	silent := res.Recorder.Named(TypeAlertPolicy, "m-failover-silent")
	require.NotNil(t, silent, "a job that stops running is heard")
	assert.Equal(t, fmt.Sprintf(`resource.type="cloud_run_job" AND resource.labels.job_name="%s" AND metric.type="run.googleapis.com/job/completed_execution_count" AND metric.labels.result="succeeded"`, job.Outputs["name"]),
		silent.Str("conditions.0.conditionAbsent.filter"))
	assert.Equal(t, fmt.Sprintf("%ds", failover.SilentAfterSeconds), silent.Str("conditions.0.conditionAbsent.duration"))
	assert.Equal(t, emailChannels, silent.Get("notificationChannels"))
	// The load balancer's alerts watch every backend service behind the URL
	// map, so they still see the traffic after a switch to the standby's.
	urlMap := res.Recorder.Named(TypeURLMap, "m-lb")
	require.NotNil(t, urlMap)
	for _, name := range []string{"m-monitoring-5xx-ratio", "m-monitoring-p99-latency"} {
		assert.Contains(t, metrics[name], `resource.label.url_map_name="`+urlMap.Str("name")+`"`, name)
		assert.Contains(t, metrics[name], `resource.label.backend_target_type="BACKEND_SERVICE"`, name)
		assert.NotContains(t, metrics[name], "backend_target_name", "%s watches one backend service only", name)
	}

	dash := One(t, res.Recorder.OfType(TypeGCPDashboard), "dashboard")
	var body gcpc.GCPDashboard
	require.NoError(t, json.Unmarshal([]byte(dash.Str("dashboardJson")), &body))
	require.Len(t, body.MosaicLayout.Tiles, len(regions)*len(gcpc.DashboardRowTitles))
	marked := 0
	for i, tile := range body.MosaicLayout.Tiles {
		region := regions[i/len(gcpc.DashboardRowTitles)]
		assert.True(t, strings.HasPrefix(tile.Widget.Title, region+" "), tile.Widget.Title)
		assert.Equal(t, 4*(i/len(gcpc.DashboardRowTitles)), tile.YPos)
		assert.LessOrEqual(t, tile.XPos+tile.Width, 48, "inside the 48-column grid")
		if c := tile.Widget.XyChart; c != nil && strings.Contains(c.DataSets[0].TimeSeriesQuery.TimeSeriesFilter.Filter, "https_lb_rule") {
			f := c.DataSets[0].TimeSeriesQuery.TimeSeriesFilter.Filter
			assert.Contains(t, f, `resource.label.backend_scope="`+region+`"`, "split by the region that answered")
			assert.NotContains(t, f, "resource.label.region=", "a global load balancer's region label is global")
			assert.Contains(t, f, `resource.label.url_map_name="`+urlMap.Str("name")+`"`)
		}
		if strings.HasSuffix(tile.Widget.Title, ": requests and releases") {
			// Releases marked by the region's gate's executions.
			job := One(t, Filter(OfComponent(res.Recorder.OfType(TypeRunJob), "mobile-backend:gcp:ReleaseGate"), func(r *mock.Resource) bool { return r.Region == region }), "gate of "+region)
			require.Len(t, tile.Widget.XyChart.DataSets, 2, region)
			gate := tile.Widget.XyChart.DataSets[1]
			assert.Equal(t, "Y2", gate.TargetAxis)
			assert.Equal(t, `metric.type="run.googleapis.com/job/completed_execution_count" AND resource.type="cloud_run_job" AND resource.label.job_name="`+job.Outputs["name"].(string)+`"`, gate.TimeSeriesQuery.TimeSeriesFilter.Filter)
			marked++
		}
		if tile.Widget.Text != nil {
			assert.Contains(t, tile.Widget.Text.Content, "https://console.cloud.google.com/traces/list?project="+mock.GCPProject)
			assert.Contains(t, tile.Widget.Text.Content, "service_name=%22"+"m-"+region, "the region's own service's logs")
		}
	}
	assert.Equal(t, len(regions), marked, "every region's releases are marked")
}

func TestGCPProvidersAreExplicitAndLabelled(t *testing.T) {
	t.Parallel()
	res := PlanFile(t, "../../Pulumi.gcp-prod.yaml")
	providers := map[string]string{}
	regional := 0
	for _, p := range res.Recorder.OfType(TypeGCPProvider) {
		providers[p.URN] = p.Str("region")
		assert.Equal(t, "prod", p.Get("defaultLabels.environment"))
		assert.Equal(t, "mobile-platform", p.Get("defaultLabels.team"))
		assert.Equal(t, false, p.Get("addTerraformAttributionLabel"))
		if p.Str("region") != "" {
			regional++
			continue
		}
		// The budget's own provider bills the Budget API to the project.
		assert.Equal(t, mock.GCPProject, p.Str("billingProject"), p.Name)
		assert.Equal(t, true, p.Get("userProjectOverride"), p.Name)
	}
	assert.Equal(t, 3, regional, "one provider per region")
	assert.Len(t, providers, 4, "and the budget's quota provider")
	for _, r := range res.Recorder.Resources() {
		if !r.Custom || strings.HasPrefix(r.Type, "pulumi:providers:") || !strings.HasPrefix(r.Type, "gcp:") {
			continue
		}
		_, ok := providers[r.Provider[:strings.LastIndex(r.Provider, "::")]]
		assert.True(t, ok, "%s %s uses an explicit provider", r.Type, r.Name)
	}
}

func TestGCPContractKeysAlonePlan(t *testing.T) {
	t.Parallel()
	anyRegions := []string{"europe-west1", "us-east1", "asia-southeast1", "southamerica-east1", "australia-southeast1", "me-west1", "africa-south1", "northamerica-northeast1"}
	// The fewest, the first beyond a pair, and eight over every continent
	// (the spec sets no maximum on Google Cloud; Cloud SQL's cap on a
	// primary's cross-region read replicas is not checked here).
	for _, n := range []int{2, 3, 8} {
		t.Run(fmt.Sprintf("active-passive/%d", n), func(t *testing.T) {
			res := MustPlan(t, "ap", Contract("gcp", "active-passive", anyRegions[:n]...))
			assert.Len(t, res.Recorder.OfType(TypeRun), n)
			assert.Len(t, res.Recorder.OfType(TypeSQL), n)
			assert.Len(t, res.Recorder.OfType(TypeRunJob), 2+n, "one failover job, one database users job, a release gate per region")
			assert.Len(t, OfComponent(res.Recorder.OfType(TypeRunJob), "mobile-backend:gcp:ReleaseGate"), n)
		})
	}
	for _, regions := range [][]string{
		{"us-central1", "us-east1"}, {"europe-west1", "europe-west4"}, {"asia-northeast1", "asia-northeast2"},
		{"us-central1", "europe-west1", "asia-east1"},
		{"us-central1", "us-east1", "europe-west1", "europe-west4", "asia-east1", "asia-southeast1"},
		{"europe-west4", "us-central1", "asia-southeast1"}, {"us-central1", "australia-southeast1"},
	} {
		t.Run("active-active/"+strings.Join(regions, "+"), func(t *testing.T) {
			res := MustPlan(t, "aa", Contract("gcp", "active-active", regions...))
			assert.Len(t, backends(res)["aa-lb-api"], len(regions))
			// Spanner only where its one key can be customer-managed at
			// the pinned SDK; Cloud SQL with a replica per region otherwise.
			c, err := spec.ChooseSpannerConfig("", regions)
			if err == nil && c.KMSLocation != "" {
				assert.Equal(t, c.Name, One(t, res.Recorder.OfType(TypeSpanner), "spanner").Str("config"))
				return
			}
			assert.Empty(t, res.Recorder.OfType(TypeSpanner))
			assert.Len(t, res.Recorder.OfType(TypeSQL), len(regions))
			for _, v := range res.Policies() {
				assert.NotEqual(t, "customer-managed-keys", v.Policy, v.Message)
			}
		})
	}
}

func TestBadGCPConfigsNameTheKey(t *testing.T) {
	t.Parallel()
	base := Contract("gcp", "active-active", "us-central1", "us-east1")
	for _, tc := range []struct {
		name string
		cfg  map[string]any
		want string
	}{
		{"unknown region", With(base, "regions", []string{"us-central1", "us-central9"}), `mobile-backend:regions[1]: "us-central9" is not a Google Cloud region`},
		{"AWS region", With(base, "regions", []string{"us-central1", "us-east-1"}), `mobile-backend:regions[1]: "us-east-1" is not a Google Cloud region`},
		{"one region", With(base, "regions", []string{"us-central1"}), "mobile-backend:regions: at least two regions"},
		{"no Spanner configuration covers", With(base, "gcpDatabase", "spanner", "regions", []string{"us-central1", "australia-southeast1"}), "mobile-backend:regions: no Spanner multi-region configuration serves all of us-central1, australia-southeast1; choose regions one of these covers, or set mobile-backend:gcpDatabase to cloudsql: nam3 (us-east4, us-east1);"},
		{"configuration does not cover", With(base, "spannerConfig", "eur3"), `mobile-backend:spannerConfig: "eur3" does not serve all of us-central1, us-east1`},
		{"unknown configuration", With(base, "spannerConfig", "nam99"), `mobile-backend:spannerConfig: "nam99" is not a known multi-region configuration`},
		{"database choice", With(base, "gcpDatabase", "bigtable"), `mobile-backend:gcpDatabase: "bigtable" is not a database choice`},
		{"processing units", With(base, "spannerMinProcessingUnits", 1500), "mobile-backend:spannerMinProcessingUnits: 1500 must be a multiple of 1000"},
		{"memory for CPU", With(base, "cpu", 1024, "memory", 8192), "mobile-backend:memory: 8192 MiB is outside what Cloud Run allows with 1 vCPU: 512 to 4096"},
		{"label", With(base, "tags", map[string]string{"Team": "x"}), `mobile-backend:tags: key "Team" is not a Google Cloud label key`},
		{"project id", With(base, "gcpProject", "My Project"), `mobile-backend:gcpProject: "My Project" is not a project id`},
		{"concurrency", With(base, "concurrency", 5000), "mobile-backend:concurrency: 5000 must be between 1 and 1000"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := RunMain(t, "--config-file", WriteStack(t, "bad", tc.cfg))
			assert.Equal(t, plan.ExitConfigError, code)
			assert.True(t, strings.Contains(stderr, tc.want), "stderr %q does not name %q", stderr, tc.want)
			assert.Empty(t, stdout)
		})
	}
}

func TestGCPDataIsEncryptedWithRotatingKeysOnlyItsServiceAgentsMayUse(t *testing.T) {
	t.Parallel()
	const keyType, grantType = "gcp:kms/cryptoKey:CryptoKey", "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember"
	keyOf := func(res *plan.Result) map[string]string { // location -> key id
		out := map[string]string{}
		for _, ring := range res.Recorder.OfType("gcp:kms/keyRing:KeyRing") {
			out[ring.Str("location")] = ring.ID + "/cryptoKeys/data"
			assert.True(t, ring.Protect, "a key ring cannot be deleted anyway")
		}
		for _, k := range res.Recorder.OfType(keyType) {
			assert.Equal(t, "7776000s", k.Str("rotationPeriod"), "rotates every 90 days")
			assert.Equal(t, "ENCRYPT_DECRYPT", k.Str("purpose"))
			assert.True(t, k.Protect, "destroying a key destroys the data")
		}
		return out
	}
	grants := func(res *plan.Result) map[string][]string { // key id -> members
		out := map[string][]string{}
		for _, g := range res.Recorder.OfType(grantType) {
			assert.Equal(t, "roles/cloudkms.cryptoKeyEncrypterDecrypter", g.Str("role"))
			out[g.Str("cryptoKeyId")] = append(out[g.Str("cryptoKeyId")], g.Str("member"))
		}
		return out
	}

	// Spanner: one key in the configuration's KMS location; the bucket's key
	// in the multi-region of its dual-region.
	aa := MustPlan(t, "k", Contract("gcp", "active-active", "us-central1", "us-east1", "us-west1"))
	keys := keyOf(aa)
	require.Len(t, keys, 2)
	assert.Equal(t, keys["nam6"], One(t, aa.Recorder.OfType(TypeSpannerDB), "database").Str("encryptionConfig.kmsKeyName"))
	assert.Equal(t, keys["us"], One(t, aa.Recorder.OfType(TypeGCSBucket), "bucket").Str("encryption.defaultKmsKeyName"))
	g := grants(aa)
	assert.Equal(t, []string{"serviceAccount:service-" + mock.GCPProjectNumber + "@gcp-sa-spanner.iam.gserviceaccount.com"}, g[keys["nam6"]], "only Spanner's agent uses Spanner's key")
	assert.Equal(t, []string{"serviceAccount:service-" + mock.GCPProjectNumber + "@gs-project-accounts.iam.gserviceaccount.com"}, g[keys["us"]], "only Cloud Storage's agent uses the bucket's key")

	// Cloud SQL: each instance with a key of its own region; a European bucket's key in "europe".
	ap := MustPlan(t, "k", Contract("gcp", "active-passive", "europe-west1", "europe-west4"))
	keys = keyOf(ap)
	require.Len(t, keys, 3)
	for _, i := range ap.Recorder.OfType(TypeSQL) {
		assert.Equal(t, keys[i.Str("region")], i.Str("encryptionKeyName"), i.Name)
		assert.Equal(t, []string{"serviceAccount:service-" + mock.GCPProjectNumber + "@gcp-sa-cloud-sql.iam.gserviceaccount.com"}, grants(ap)[keys[i.Str("region")]])
	}
	assert.Equal(t, keys["europe"], One(t, ap.Recorder.OfType(TypeGCSBucket), "bucket").Str("encryption.defaultKmsKeyName"))
	assert.Equal(t, "EU", One(t, ap.Recorder.OfType(TypeGCSBucket), "bucket").Str("location"))

	// A Spanner configuration with no Cloud KMS location of its name cannot
	// take a single key with this SDK: auto picks Cloud SQL there, and
	// Spanner asked for by name fails the plan instead of deploying
	// Google-managed encryption silently.
	euAuto := MustPlan(t, "k", Contract("gcp", "active-active", "europe-west1", "europe-west4"))
	assert.Empty(t, Violations(Graph(euAuto), policies.CustomerManagedKeys))
	eu := MustPlan(t, "k", With(Contract("gcp", "active-active", "europe-west1", "europe-west4"), "gcpDatabase", "spanner"))
	vs := Violations(Graph(eu), policies.CustomerManagedKeys)
	require.Len(t, vs, 1)
	assert.Equal(t, "Spanner database is not encrypted with a customer-managed key", vs[0].Message)
}

func TestEveryRegionsLogsReachOneLogBucketAndTracesCloudTrace(t *testing.T) {
	t.Parallel()
	res := MustPlan(t, "lg", With(Contract("gcp", "active-active", "us-central1", "us-east1"), "logRetentionDays", 90))
	bucket := One(t, res.Recorder.OfType("gcp:logging/projectBucketConfig:ProjectBucketConfig"), "log bucket")
	assert.Equal(t, "us-central1", bucket.Str("location"), "kept in the primary region")
	assert.Equal(t, 90, bucket.Int("retentionDays"), "logRetentionDays")
	sink := One(t, res.Recorder.OfType("gcp:logging/projectSink:ProjectSink"), "sink")
	assert.Equal(t, "logging.googleapis.com/projects/"+mock.GCPProject+"/locations/us-central1/buckets/"+bucket.Str("bucketId"), sink.Str("destination"))
	m := regexp.MustCompile(`service_name=~"([^"]+)"`).FindStringSubmatch(sink.Str("filter"))
	require.Len(t, m, 2, sink.Str("filter"))
	services := regexp.MustCompile(m[1])
	for _, s := range res.Recorder.OfType(TypeRun) {
		assert.True(t, services.MatchString(s.Str("name")), "the filter matches every region's service, %s", s.Str("name"))
	}
	assert.False(t, services.MatchString("lg-eu-us-central1-api"), "not a stack whose name extends this one's")
	assert.Contains(t, sink.Str("filter"), `resource.type="http_load_balancer"`, "and the load balancer's requests")
	// The same entries stay out of the _Default sink (and its bucket in the
	// "global" location), after the sink that keeps them exists.
	exclusion := One(t, res.Recorder.OfType("gcp:logging/projectExclusion:ProjectExclusion"), "exclusion")
	assert.Equal(t, sink.Str("filter"), exclusion.Str("filter"))
	assert.Contains(t, exclusion.DependsOn, sink.URN)
	traced := 0
	for _, m := range res.Recorder.OfType("gcp:projects/iAMMember:IAMMember") {
		if m.Str("role") == "roles/cloudtrace.agent" {
			traced++
		}
	}
	assert.Equal(t, 2, traced, "each region's service account writes traces")
}

// A service's first request must not be refused: Cloud Run starts after its
// identity's grants on the database and the buckets.
func TestCloudRunStartsAfterItsDataGrants(t *testing.T) {
	t.Parallel()
	for _, cfg := range []map[string]any{
		Contract("gcp", "active-active", "us-central1", "us-east1"),
		Contract("gcp", "active-passive", "europe-west4", "us-central1"),
	} {
		res := MustPlan(t, "grants", cfg)
		for _, run := range res.Recorder.OfType(TypeRun) {
			sa := "serviceAccount:" + run.Str("template.serviceAccount")
			var grants []string
			for _, r := range res.Recorder.Resources() {
				if r.Custom && strings.Contains(r.Type, "IAMMember") && r.Str("member") == sa && !strings.Contains(r.Str("role"), "logging") &&
					!strings.Contains(r.Str("role"), "monitoring") && !strings.Contains(r.Str("role"), "cloudtrace") {
					grants = append(grants, r.URN)
				}
			}
			require.GreaterOrEqual(t, len(grants), 2, "%s: database and bucket grants", run.Region)
			assert.Subset(t, run.DependsOn, grants, "%s %s", cfg["topology"], run.Region)
		}
	}
}

func TestGCPDashboardAndLogSinkBelongToTheirStack(t *testing.T) {
	t.Parallel()
	res := MustPlan(t, "prod", Contract("gcp", "active-active", "us-central1", "us-east1"))
	d := One(t, res.Recorder.OfType("gcp:monitoring/dashboard:Dashboard"), "dashboard")
	assert.Contains(t, d.Str("dashboardJson"), `"displayName":"prod-monitoring"`)
	sink := One(t, res.Recorder.OfType("gcp:logging/projectSink:ProjectSink"), "sink")
	filter := sink.Str("filter")
	assert.Contains(t, filter, `service_name=~"^prod-(us-central1|us-east1)-"`, "a stack named prod-eu is not prod's")
	assert.Contains(t, filter, `forwarding_rule_name=~"^prod-lb-"`)
}

// Storage for any set of regions, and a primary's loss survived without a
// person: stacks on three continents, with the four contract keys only,
// pass every mandatory policy in both topologies.
func TestGCPStacksOnThreeContinentsPassEveryMandatoryPolicy(t *testing.T) {
	t.Parallel()
	// Active-passive: the job's 295 s, then the 300 s propagation (the
	// replica promoted meanwhile); active-active: the job's 295 s and the
	// 180 s promotion, serving meanwhile by outlier detection.
	for topology, rto := range map[string]int{"active-passive": 595, "active-active": 475} {
		t.Run(topology, func(t *testing.T) {
			res := MustPlan(t, "c3", Contract("gcp", topology, "europe-west4", "us-central1", "asia-southeast1"))
			for _, v := range res.Policies() {
				assert.NotEqual(t, policies.Mandatory, v.Severity, "%s: %s", v.Policy, v.Message)
			}
			assert.Equal(t, rto, res.Resilience.RTO.Computed, "%+v", res.Resilience.RTO.Terms)
			for _, term := range res.Resilience.RTO.Terms {
				assert.NotContains(t, term.Name, "operator", "no step waits for a person")
			}
		})
	}
}

// The Cloud SQL writer has a stable private name that the failover job
// moves to the promoted replica; in active-active the workflow only promotes
// (the load balancer already routes around a lost region).
func TestCloudSQLWriterHasAStableNameTheJobMoves(t *testing.T) {
	t.Parallel()
	res := MustPlan(t, "w", Contract("gcp", "active-active", "europe-west4", "us-central1", "asia-southeast1"))
	network := One(t, res.Recorder.OfType("gcp:compute/network:Network"), "network")
	zone := One(t, res.Recorder.OfType("gcp:dns/managedZone:ManagedZone"), "writer zone")
	assert.Equal(t, "private", zone.Str("visibility"))
	assert.Equal(t, network.ID, zone.Str("privateVisibilityConfig.networks.0.networkUrl"), "resolvable from the stack's network only")
	var record *mock.Resource
	for _, r := range res.Recorder.OfType("gcp:dns/recordSet:RecordSet") {
		if r.Str("managedZone") == zone.Outputs["name"] {
			record = r
		}
	}
	require.NotNil(t, record)
	primary := res.Recorder.Named(TypeSQL, "w-db-europe-west4")
	standby := res.Recorder.Named(TypeSQL, "w-db-us-central1")
	require.NotNil(t, primary)
	require.NotNil(t, standby)
	assert.Equal(t, []any{primary.Outputs["privateIpAddress"]}, record.Get("rrdatas"), "the writer to begin with")
	assert.Equal(t, gcpc.WriterTTL, record.Int("ttl"))
	assert.Equal(t, []string{"rrdatas"}, record.IgnoreChanges, "after a failover the job owns the address")
	assert.Equal(t, []string{"masterInstanceName", "replicaConfiguration", "settings.backupConfiguration"}, standby.IgnoreChanges,
		"a promoted replica is not made a replica again by pulumi up, nor its backups taken away")
	host := strings.TrimSuffix(record.Str("name"), ".")
	for _, run := range res.Recorder.OfType(TypeRun) {
		env := ContainerEnv(run, "template.containers.0.envs")
		assert.Equal(t, host, env["DB_WRITER_HOST"], "%s writes through the stable name", run.Region)
	}

	job := failoverJob(t, res)
	assert.Equal(t, "us-central1", job.Region, "in the region it promotes, away from the one it replaces")
	env := ContainerEnv(job, "template.template.containers.0.envs")
	assert.Equal(t, standby.Outputs["name"], env["REPLICA"])
	assert.Equal(t, zone.Outputs["name"], env["WRITER_ZONE"])
	assert.Equal(t, record.Str("name"), env["WRITER_RECORD"])
	assert.Equal(t, "", env["URL_MAP"], "active-active: no traffic switch")
	var act *mock.Resource
	for _, c := range res.Recorder.OfType("gcp:projects/iAMCustomRole:IAMCustomRole") {
		if strings.HasSuffix(c.Name, "-act") {
			act = c
		}
	}
	require.NotNil(t, act)
	assert.ElementsMatch(t, gcpc.PromotePermissions, act.Get("permissions"), "the job cannot touch the load balancer here")
	actGrant := One(t, Filter(res.Recorder.OfType("gcp:projects/iAMMember:IAMMember"), func(m *mock.Resource) bool { return m.Str("role") == act.Outputs["name"] }), "the custom role's grant")
	assert.Equal(t, fmt.Sprintf(`(resource.type != "sqladmin.googleapis.com/Instance" || resource.name == "projects/%s/instances/%s" || resource.name == "projects/%[1]s/instances/%[3]s")`, mock.GCPProject, standby.Outputs["name"], primary.Outputs["name"]),
		actGrant.Str("condition.expression"), "the stack's own replica and primary (which it stops): in a shared project no other stack's")
	assert.Equal(t, primary.Outputs["name"], env["OLD_PRIMARY"], "the fence: the promotion stops the old primary")
	assert.Equal(t, zone.Outputs["name"], One(t, res.Recorder.OfType("gcp:dns/dnsManagedZoneIamMember:DnsManagedZoneIamMember"), "zone grant").Str("managedZone"))
	assert.True(t, policies.NewGraph(res.Recorder.Resources()).DependsOn(job, record), "the job names the record it moves")
}

// Each region's IAM database user gets read and write (no DDL) from a job
// the deployment runs in the writer's network, signed in as the built-in
// admin with the password by reference; internal/dbusers runs the script
// against PostgreSQL.
func TestCloudSQLIAMUsersGetTheirRightsFromAJobTheDeploymentRuns(t *testing.T) {
	t.Parallel()
	res := MustPlan(t, "g", Contract("gcp", "active-active", "europe-west4", "us-central1", "asia-southeast1"))
	job := res.Recorder.Named(TypeRunJob, "g-db-users")
	require.NotNil(t, job)
	assert.Equal(t, "europe-west4", job.Region, "in the writer's region")
	assert.Equal(t, []any{"python3"}, job.Get("template.template.containers.0.commands"))
	assert.Equal(t, []any{"-c", dbusers.PostgresScript}, job.Get("template.template.containers.0.args"), "the script internal/dbusers runs against PostgreSQL")
	net := One(t, res.Recorder.OfType("gcp:compute/network:Network"), "network")
	assert.Equal(t, net.ID, job.Str("template.template.vpcAccess.networkInterfaces.0.network"))
	var subnet *mock.Resource
	for _, sn := range res.Recorder.OfType("gcp:compute/subnetwork:Subnetwork") {
		if sn.Region == "europe-west4" {
			subnet = sn
		}
	}
	require.NotNil(t, subnet)
	assert.Equal(t, subnet.ID, job.Str("template.template.vpcAccess.networkInterfaces.0.subnetwork"), "the writer region's subnet")

	env := ContainerEnv(job, "template.template.containers.0.envs")
	record := One(t, Filter(res.Recorder.OfType("gcp:dns/recordSet:RecordSet"), func(r *mock.Resource) bool { return strings.HasPrefix(r.Str("name"), "writer.") }), "writer record")
	assert.Equal(t, strings.TrimSuffix(record.Str("name"), "."), env["DB_HOST"], "the writer, wherever it is")
	assert.Equal(t, "app", env["DB_NAME"])
	assert.Equal(t, gcpc.CloudSQLAdmin, env["DB_USER"])
	instances := res.Recorder.OfType(TypeSQL)
	require.Len(t, instances, 3)
	for _, i := range instances {
		ca := i.Outputs["serverCaCerts"].([]any)[0].(map[string]any)["cert"].(string)
		assert.Contains(t, env["DB_CA_CERTS"], ca, "%s's CA: a promoted replica's certificate verifies too", i.Name)
	}
	secret := res.Recorder.Named("gcp:secretmanager/secret:Secret", "g-db-admin")
	require.NotNil(t, secret)
	var password map[string]any
	for i := 0; i < 10; i++ {
		if job.Str(fmt.Sprintf("template.template.containers.0.envs.%d.name", i)) == "DB_PASSWORD" {
			password, _ = job.Get(fmt.Sprintf("template.template.containers.0.envs.%d", i)).(map[string]any)
		}
	}
	require.NotNil(t, password, "DB_PASSWORD is set")
	assert.Nil(t, password["value"], "never a literal")
	assert.Equal(t, map[string]any{"secretKeyRef": map[string]any{"secret": secret.Outputs["secretId"], "version": "latest"}}, password["valueSource"])
	reads := One(t, res.Recorder.OfType("gcp:secretmanager/secretIamMember:SecretIamMember"), "secret grant")
	runner := res.Recorder.Named("gcp:serviceaccount/account:Account", "g-db-users")
	require.NotNil(t, runner)
	assert.Equal(t, job.Str("template.template.serviceAccount"), runner.Outputs["email"])
	assert.Equal(t, "serviceAccount:"+runner.Outputs["email"].(string), reads.Str("member"))
	assert.Equal(t, "roles/secretmanager.secretAccessor", reads.Str("role"))
	assert.Equal(t, secret.Outputs["secretId"], reads.Str("secretId"), "the admin's password and no other secret")
	for _, m := range res.Recorder.OfType("gcp:projects/iAMMember:IAMMember") {
		assert.NotEqual(t, reads.Str("member"), m.Str("member"), "no project-wide role: %s", m.Str("role"))
	}

	sql := env["DB_GRANTS_SQL"].(string)
	g := policies.NewGraph(res.Recorder.Resources())
	iamUsers := Filter(res.Recorder.OfType("gcp:sql/user:User"), func(u *mock.Resource) bool { return u.Str("type") == "CLOUD_IAM_SERVICE_ACCOUNT" })
	require.Len(t, iamUsers, 3)
	for _, u := range iamUsers {
		assert.True(t, g.DependsOn(job, u), "%s exists before the job grants it", u.Name)
	}
	var users []string
	for _, region := range []string{"europe-west4", "us-central1", "asia-southeast1"} {
		run := One(t, Filter(res.Recorder.OfType(TypeRun), func(r *mock.Resource) bool { return r.Region == region }), region)
		users = append(users, ContainerEnv(run, "template.containers.0.envs")["DB_USER"].(string))
	}
	assert.Equal(t, dbusers.GrantsSQL("app", users), sql, "every region's DB_USER, read and write")
	// The apps' Cloud SQL roles reach this stack's instances alone (in a
	// shared project, no other stack's), every one of which may be the writer.
	var names []string
	for _, region := range []string{"asia-southeast1", "europe-west4", "us-central1"} {
		names = append(names, fmt.Sprintf(`resource.name == "projects/%s/instances/g-db-%s"`, mock.GCPProject, region))
	}
	appRoles := Filter(res.Recorder.OfType("gcp:projects/iAMMember:IAMMember"), func(m *mock.Resource) bool { return strings.HasPrefix(m.Str("role"), "roles/cloudsql.") })
	require.Len(t, appRoles, 6, "client and instance user for each region's account")
	for _, m := range appRoles {
		assert.Equal(t, `resource.type == "sqladmin.googleapis.com/Instance" && (`+strings.Join(names, " || ")+")", m.Str("condition.expression"), m.Name)
	}
	assert.True(t, g.DependsOn(job, reads), "the job can read the password before it runs")
	assert.True(t, g.DependsOn(job, res.Recorder.Named("gcp:sql/user:User", "g-db-admin")), "the admin exists before the job signs in as it")
	assert.Equal(t, gcpc.RunToken(sql), job.Str("runExecutionToken"), "the deployment runs it, and again when a user is added")
	assert.Less(t, len(job.Str("name"))+len(job.Str("runExecutionToken")), 63, "name and token under 63 characters")
	two := MustPlan(t, "g", Contract("gcp", "active-active", "europe-west4", "us-central1"))
	assert.NotEqual(t, job.Str("runExecutionToken"), two.Recorder.Named(TypeRunJob, "g-db-users").Str("runExecutionToken"), "another set of users runs it again")

	spanner := MustPlan(t, "s", Contract("gcp", "active-active", "us-central1", "us-east1", "us-west1"))
	require.NotEmpty(t, spanner.Recorder.OfType(TypeSpanner))
	assert.Nil(t, spanner.Recorder.Named(TypeRunJob, "s-db-users"), "Spanner takes IAM roles only")
}
