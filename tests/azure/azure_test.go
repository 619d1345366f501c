package azure

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	. "github.com/mobile-backend/mobile-backend/tests/suite"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	azc "github.com/mobile-backend/mobile-backend/components/azure"
	"github.com/mobile-backend/mobile-backend/internal/azpublish"
	"github.com/mobile-backend/mobile-backend/internal/dbusers"
	"github.com/mobile-backend/mobile-backend/internal/failover"
	"github.com/mobile-backend/mobile-backend/internal/mock"
	"github.com/mobile-backend/mobile-backend/internal/plan"
	"github.com/mobile-backend/mobile-backend/internal/spec"
	"github.com/mobile-backend/mobile-backend/policies"
)

// appHosts maps each region to its container app's ingress FQDN.
func appHosts(res *plan.Result) map[string]string {
	return ByRegion(res, TypeContainerApp, "configuration.ingress.fqdn")
}

func apiOriginPriorities(t *testing.T, res *plan.Result) map[string]int {
	hosts := appHosts(res)
	region := map[string]string{}
	for r, h := range hosts {
		region[h] = r
	}
	out := map[string]int{}
	for _, o := range res.Recorder.OfType(TypeAFDOrigin) {
		if o.Str("originGroupName") == "api" {
			assert.Equal(t, o.Str("hostName"), o.Str("originHostHeader"))
			assert.True(t, o.Bool("enforceCertificateNameCheck"))
			out[region[o.Str("hostName")]] = o.Int("priority")
		}
	}
	return out
}

func TestAzureActiveActiveSendsClientsToTheLowestLatencyHealthyRegion(t *testing.T) {
	t.Parallel()
	res := MustPlan(t, "az", With(Contract("azure", "active-active", "eastus2", "westeurope", "southeastasia"), "healthCheckPath", "/healthz", "healthCheckInterval", 30))
	assert.Equal(t, map[string]int{"eastus2": 1, "westeurope": 1, "southeastasia": 1}, apiOriginPriorities(t, res), "equal priority: latency decides")
	api := res.Recorder.Named(TypeAFDOriginGroup, "az-edge-api")
	require.NotNil(t, api)
	assert.Equal(t, "/healthz", api.Str("healthProbeSettings.probePath"))
	assert.Equal(t, "Https", api.Str("healthProbeSettings.probeProtocol"))
	assert.Equal(t, 30, api.Int("healthProbeSettings.probeIntervalInSeconds"))
	assert.Equal(t, azc.SampleSize, api.Int("loadBalancingSettings.sampleSize"))
	assert.Equal(t, azc.SuccessfulSamples, api.Int("loadBalancingSettings.successfulSamplesRequired"))
	assert.Equal(t, azc.AdditionalLatencyMs, api.Int("loadBalancingSettings.additionalLatencyInMilliseconds"))
}

func TestAzureActivePassiveServesFromThePrimaryUntilItsProbesFail(t *testing.T) {
	t.Parallel()
	res := MustPlan(t, "az", Contract("azure", "active-passive", "northeurope", "westeurope", "uksouth"))
	assert.Equal(t, map[string]int{"northeurope": 1, "westeurope": 2, "uksouth": 2}, apiOriginPriorities(t, res))
	mins := map[string]int{}
	for _, a := range res.Recorder.OfType(TypeContainerApp) {
		mins[a.Region] = a.Int("template.scale.minReplicas")
	}
	assert.Equal(t, map[string]int{"northeurope": 2, "westeurope": 1, "uksouth": 1}, mins, "standbys stay warm")
}

func TestFrontDoorIsHTTPSOnlyWithManagedCertificatesDNSAndTheWAFOnEveryDomain(t *testing.T) {
	t.Parallel()
	res := MustPlan(t, "fd", Contract("azure", "active-active", "eastus2", "westus3"))
	endpoint := One(t, res.Recorder.OfType(TypeAFDEndpoint), "endpoint")
	domains := map[string]*mock.Resource{}
	for _, d := range res.Recorder.OfType(TypeAFDDomain) {
		domains[d.Str("hostName")] = d
		assert.Equal(t, "ManagedCertificate", d.Str("tlsSettings.certificateType"))
		assert.Equal(t, "TLS12", d.Str("tlsSettings.minimumTlsVersion"))
	}
	hosts := []string{"api.example.com", "eastus2.api.example.com", "westus3.api.example.com", "static.api.example.com"}
	for _, h := range hosts {
		require.NotNil(t, domains[h], h)
	}
	cnames, txts := map[string]any{}, map[string]any{}
	for _, r := range res.Recorder.OfType(TypeAzRecord) {
		switch r.Str("recordType") {
		case "CNAME":
			cnames[r.Str("relativeRecordSetName")] = r.Get("cnameRecord.cname")
		case "TXT":
			txts[r.Str("relativeRecordSetName")] = r.Get("txtRecords.0.value.0")
		}
		assert.Equal(t, "example.com", r.Str("zoneName"))
		assert.Equal(t, "fd-dns", r.Str("resourceGroupName"), "the records go to the group the zone is looked up in")
	}
	for _, h := range hosts {
		rel := strings.TrimSuffix(h, ".example.com")
		assert.Equal(t, endpoint.Outputs["hostName"], cnames[rel], h)
		assert.Equal(t, domains[h].Out("validationProperties.validationToken"), txts["_dnsauth."+rel], "%s validates its certificate", h)
	}
	for _, r := range res.Recorder.OfType(TypeAFDRoute) {
		assert.Equal(t, "HttpsOnly", r.Str("forwardingProtocol"), r.Name)
		assert.Equal(t, "Enabled", r.Str("httpsRedirect"), r.Name)
	}
	static := res.Recorder.Named(TypeAFDRoute, "fd-edge-static")
	require.NotNil(t, static)
	assert.Equal(t, []any{"/static/*"}, static.Get("patternsToMatch"))
	assert.Equal(t, "", static.Str("originPath"), "/static/<name> is blob <name> of the static container")
	assert.Equal(t, "IgnoreQueryString", static.Str("cacheConfiguration.queryStringCachingBehavior"))
	// Static content is served from every region, and a lost region's
	// account leaves the group on its failed probes.
	accounts := map[string]string{}
	for _, a := range res.Recorder.OfType(TypeStorageAcct) {
		accounts[a.Region] = a.ID
	}
	staticGroup := res.Recorder.Named(TypeAFDOriginGroup, "fd-edge-static")
	require.NotNil(t, staticGroup)
	assert.Equal(t, "/static/"+azc.StaticHealthBlob, staticGroup.Str("healthProbeSettings.probePath"))
	for _, region := range []string{"eastus2", "westus3"} {
		o := res.Recorder.Named(TypeAFDOrigin, "fd-edge-static-"+region)
		require.NotNil(t, o, region)
		assert.Equal(t, "blob", o.Str("sharedPrivateLinkResource.groupId"), "storage is reached over Private Link")
		assert.Equal(t, accounts[region], o.Str("sharedPrivateLinkResource.privateLink.id"))
		assert.Equal(t, region, o.Str("sharedPrivateLinkResource.privateLinkLocation"))
		assert.Equal(t, 1, o.Int("priority"))
	}

	policy := One(t, res.Recorder.OfType(TypeAFDSecurity), "security policy")
	waf := One(t, res.Recorder.OfType(TypeAzWAF), "WAF policy")
	assert.Equal(t, waf.ID, policy.Str("parameters.wafPolicy.id"))
	var attached []any
	for i := 0; i < policy.Len("parameters.associations.0.domains"); i++ {
		attached = append(attached, policy.Get(fmt.Sprintf("parameters.associations.0.domains.%d.id", i)))
	}
	want := []any{endpoint.ID}
	for _, h := range hosts {
		want = append(want, domains[h].ID)
	}
	assert.ElementsMatch(t, want, attached, "the WAF covers every domain")
}

func TestAzureWAFPolicyRunsTheManagedRuleSetsARateLimitAndTheGeoBlock(t *testing.T) {
	t.Parallel()
	for mode, want := range map[string]string{"block": "Prevention", "count": "Detection"} {
		res := MustPlan(t, "waf", With(Contract("azure", "active-active", "eastus2", "westus3"), "wafMode", mode, "rateLimit", 600, "geoBlock", []string{"KP"}))
		p := One(t, res.Recorder.OfType(TypeAzWAF), "policy")
		assert.Equal(t, want, p.Str("policySettings.mode"))
		assert.Equal(t, "Enabled", p.Str("policySettings.requestBodyCheck"))
		assert.Equal(t, "Premium_AzureFrontDoor", p.Str("sku.name"))
		assert.Equal(t, "", p.Region, "a Front Door WAF policy is global")
		assert.Equal(t, "Microsoft_DefaultRuleSet", p.Str("managedRules.managedRuleSets.0.ruleSetType"))
		assert.Equal(t, "2.1", p.Str("managedRules.managedRuleSets.0.ruleSetVersion"))
		assert.Equal(t, "Microsoft_BotManagerRuleSet", p.Str("managedRules.managedRuleSets.1.ruleSetType"))
		rules := map[string]string{}
		for i := 0; i < p.Len("customRules.rules"); i++ {
			rules[p.Str(fmt.Sprintf("customRules.rules.%d.name", i))] = fmt.Sprintf("customRules.rules.%d.", i)
		}
		rate := rules["RateLimitPerClientIP"]
		assert.Equal(t, "RateLimitRule", p.Str(rate+"ruleType"))
		assert.Equal(t, 600, p.Int(rate+"rateLimitThreshold"))
		assert.Equal(t, azc.RateLimitMinutes, p.Int(rate+"rateLimitDurationInMinutes"))
		geo := rules["GeoBlock"]
		assert.Equal(t, "GeoMatch", p.Str(geo+"matchConditions.0.operator"))
		assert.Equal(t, []any{"KP"}, p.Get(geo+"matchConditions.0.matchValue"))
	}
}

func TestAzureGeoBlocksOfMoreThanTenCountriesTakeMoreRules(t *testing.T) {
	t.Parallel()
	countries := []string{"AF", "BY", "CU", "ER", "IR", "KP", "LY", "MM", "RU", "SD", "SY", "VE"}
	res := MustPlan(t, "geo", With(Contract("azure", "active-active", "eastus2", "westus3"), "geoBlock", countries))
	p := One(t, res.Recorder.OfType(TypeAzWAF), "policy")
	byName := map[string]string{}
	for i := 0; i < p.Len("customRules.rules"); i++ {
		byName[p.Str(fmt.Sprintf("customRules.rules.%d.name", i))] = fmt.Sprintf("customRules.rules.%d.", i)
	}
	assert.Len(t, p.Get(byName["GeoBlock"]+"matchConditions.0.matchValue"), 10, "a condition takes ten values")
	assert.Equal(t, []any{"SY", "VE"}, p.Get(byName["GeoBlock2"]+"matchConditions.0.matchValue"))
	assert.Equal(t, 11, p.Int(byName["GeoBlock2"]+"priority"))
	assert.Empty(t, Violations(Graph(res), policies.FrontDoorCustomRuleLimits))
}

func TestContainerAppsScaleOnHTTPAndProbeTheHealthPath(t *testing.T) {
	t.Parallel()
	res := MustPlan(t, "ca", With(Contract("azure", "active-active", "eastus2", "westus"), "healthCheckPath", "/healthz", "concurrency", 50, "containerPort", 8080))
	envs := map[string]*mock.Resource{}
	for _, e := range res.Recorder.OfType(TypeAppEnv) {
		envs[e.Region] = e
		assert.Equal(t, "log-analytics", e.Str("appLogsConfiguration.destination"))
		assert.Equal(t, "[secret]", e.Get("appLogsConfiguration.logAnalyticsConfiguration.sharedKey"))
	}
	assert.True(t, envs["eastus2"].Bool("zoneRedundant"))
	assert.False(t, envs["westus"].Bool("zoneRedundant"), "westus has no availability zones")
	profile := One(t, res.Recorder.OfType("azure-native:cdn:Profile"), "profile")
	for _, a := range res.Recorder.OfType(TypeContainerApp) {
		assert.Equal(t, true, a.Get("configuration.ingress.external"))
		assert.Equal(t, false, a.Get("configuration.ingress.allowInsecure"), "HTTPS only")
		assert.Equal(t, 8080, a.Int("configuration.ingress.targetPort"))
		assert.Equal(t, "UserAssigned", a.Str("identity.type"), "its own identity, whose client id names its database user")
		assert.Equal(t, 0.5, a.Get("template.containers.0.resources.cpu"))
		assert.Equal(t, "1Gi", a.Str("template.containers.0.resources.memory"))
		assert.Equal(t, "50", a.Str("template.scale.rules.0.http.metadata.concurrentRequests"))
		assert.Equal(t, 10, a.Int("template.scale.maxReplicas"))
		kinds := map[string]string{}
		for i := 0; i < a.Len("template.containers.0.probes"); i++ {
			kinds[a.Str(fmt.Sprintf("template.containers.0.probes.%d.type", i))] = a.Str(fmt.Sprintf("template.containers.0.probes.%d.httpGet.path", i))
		}
		assert.Equal(t, map[string]string{"Startup": "/healthz", "Liveness": "/healthz", "Readiness": "/healthz"}, kinds)
		env := ContainerEnv(a, "template.containers.0.env")
		assert.Equal(t, profile.Outputs["frontDoorId"], env["FRONT_DOOR_ID"], "the app checks X-Azure-FDID against it")
		assert.Equal(t, a.Region, env["REGION"])
		assert.True(t, strings.HasSuffix(env["DB_WRITER_HOST"].(string), ".database.windows.net"))
	}
	for _, v := range res.Recorder.OfType(TypeVNet) {
		assert.Equal(t, "apps", v.Str("subnets.0.name"))
		assert.Regexp(t, `/23$`, v.Str("subnets.0.addressPrefix"), "a consumption environment needs a /23")
	}
}

func TestAzureSQLFailsOverAutomaticallyToTheSecondRegion(t *testing.T) {
	t.Parallel()
	res := MustPlan(t, "sql", With(Contract("azure", "active-active", "eastus2", "westeurope", "southeastasia"), "azureFailoverGraceMinutes", 120, "dbBackupRetentionDays", 14))
	servers := map[string]*mock.Resource{}
	for _, s := range res.Recorder.OfType(TypeSQLServer) {
		servers[s.Region] = s
		assert.Equal(t, "1.2", s.Str("minimalTlsVersion"))
		assert.Equal(t, "Disabled", s.Str("publicNetworkAccess"))
		assert.Equal(t, true, s.Get("administrators.azureADOnlyAuthentication"), "Microsoft Entra-only")
		assert.True(t, s.Protect)
	}
	require.Len(t, servers, 3)
	dbs := map[string]*mock.Resource{}
	for _, d := range res.Recorder.OfType(TypeSQLDatabase) {
		dbs[d.Region] = d
		assert.True(t, d.Protect)
		assert.Equal(t, "GP_Gen5_2", d.Str("sku.name"))
	}
	primary := dbs["eastus2"]
	assert.True(t, primary.Bool("zoneRedundant"))
	assert.Equal(t, "Geo", primary.Str("requestedBackupStorageRedundancy"))
	for _, r := range []string{"westeurope", "southeastasia"} {
		assert.Equal(t, "Secondary", dbs[r].Str("createMode"))
		assert.Equal(t, "Geo", dbs[r].Str("secondaryType"))
		assert.Equal(t, primary.ID, dbs[r].Str("sourceDatabaseId"))
	}
	assert.Equal(t, 14, One(t, res.Recorder.OfType(TypeSQLRetention), "retention").Int("retentionDays"))
	fog := One(t, res.Recorder.OfType(TypeFailoverGroup), "failover group")
	assert.Equal(t, "Automatic", fog.Str("readWriteEndpoint.failoverPolicy"))
	assert.Equal(t, 120, fog.Int("readWriteEndpoint.failoverWithDataLossGracePeriodMinutes"))
	assert.Equal(t, servers["westeurope"].ID, fog.Str("partnerServers.0.id"))
	assert.Equal(t, []any{primary.ID}, fog.Get("databases"))
	db := res.Outputs["database"].(map[string]any)
	assert.Equal(t, "azure-sql", db["engine"])
	assert.Equal(t, fog.Str("failoverGroupName")+".database.windows.net", db["writerEndpoint"])
	readers := db["readerEndpoints"].(map[string]any)
	for _, region := range []string{"eastus2", "westeurope"} {
		assert.Equal(t, fog.Str("failoverGroupName")+".secondary.database.windows.net", readers[region], "the group's read-only listener")
	}
	assert.Equal(t, servers["southeastasia"].Out("fullyQualifiedDomainName"), readers["southeastasia"], "outside the group: the region's own geo-secondary")
	// Every region reaches its own server and the group's two over private endpoints.
	perRegion := map[string]int{}
	for _, pe := range res.Recorder.OfType(TypePrivateEP) {
		perRegion[pe.Region]++
		assert.Equal(t, []any{"sqlServer"}, pe.Get("privateLinkServiceConnections.0.groupIds"))
	}
	assert.Equal(t, map[string]int{"eastus2": 2, "westeurope": 2, "southeastasia": 3}, perRegion)
}

// Every region writes its own account, so uploads work in every serving
// region before and after any region's loss; a lost region's uploads are
// read from its account's geo-secondary; any app reads any region's.
func TestAzureUploadsAreWritableInEveryRegionAndReadableFromAll(t *testing.T) {
	t.Parallel()
	regions := []string{"eastus2", "westus", "westeurope", "northeurope"}
	res := MustPlan(t, "st", Contract("azure", "active-passive", regions...))
	ids, names := map[string]string{}, map[string]any{}
	subnets := map[string]string{} // region -> apps subnet
	for _, e := range res.Recorder.OfType("azure-native:app:ManagedEnvironment") {
		subnets[e.Region] = e.Str("vnetConfiguration.infrastructureSubnetId")
	}
	require.Len(t, subnets, 4)
	for _, v := range res.Recorder.OfType("azure-native:network:VirtualNetwork") {
		assert.Equal(t, azc.StorageServiceEndpoint, v.Str("subnets.0.serviceEndpoints.0.service"), "cross-region service endpoint on %s", v.Region)
	}
	for _, a := range res.Recorder.OfType(TypeStorageAcct) {
		ids[a.Region], names[a.Region] = a.ID, a.Str("accountName")
		assert.Regexp(t, `^[a-z0-9]{3,24}$`, a.Str("accountName"))
		assert.Equal(t, "StorageV2", a.Str("kind"))
		assert.Equal(t, "TLS1_2", a.Str("minimumTlsVersion"))
		assert.True(t, a.Bool("enableHttpsTrafficOnly"))
		assert.False(t, a.Bool("allowSharedKeyAccess"))
		assert.Equal(t, "Deny", a.Str("networkRuleSet.defaultAction"), "anonymous reads only behind the firewall")
		var admitted []string
		for i := 0; i < a.Len("networkRuleSet.virtualNetworkRules"); i++ {
			admitted = append(admitted, a.Str(fmt.Sprintf("networkRuleSet.virtualNetworkRules.%d.virtualNetworkResourceId", i)))
		}
		assert.ElementsMatch(t, []string{subnets["eastus2"], subnets["westus"], subnets["westeurope"], subnets["northeurope"]}, admitted, "every app reaches %s's account", a.Region)
		assert.True(t, a.Protect)
		want := "Standard_RAGZRS"
		if a.Region == "westus" {
			want = "Standard_RAGRS" // no availability zones there
		}
		assert.Equal(t, want, a.Str("sku.name"), "%s's uploads stay readable from its geo-secondary", a.Region)
	}
	for _, p := range res.Recorder.OfType(TypeBlobProps) {
		assert.True(t, p.Bool("isVersioningEnabled"))
		assert.Equal(t, true, p.Get("changeFeed.enabled"))
		assert.Equal(t, azc.SoftDeleteDays, p.Int("deleteRetentionPolicy.days"))
	}
	access := map[string]string{}
	for _, c := range res.Recorder.OfType(TypeBlobContainer) {
		access[c.Region+"/"+c.Str("containerName")] = c.Str("publicAccess")
	}
	for _, r := range regions {
		assert.Equal(t, "None", access[r+"/uploads"], "uploads are private")
		assert.Equal(t, "Blob", access[r+"/static"], "static content is read blob by blob, never listed")
	}
	assert.Len(t, access, 8)
	assert.Empty(t, res.Recorder.OfType(TypeObjReplication), "no read-only replica containers: every region writes")

	// Each app: Contributor on its own uploads container, Reader on every
	// other's; never the account, whose static container is the
	// publisher's alone.
	uploads := map[string]string{}
	for _, c := range res.Recorder.OfType("azure-native:storage:BlobContainer") {
		if c.Str("containerName") == azc.UploadsContainer {
			uploads[c.Region] = c.ID
		}
	}
	roles := map[string]map[string]string{} // app region -> account region -> role
	for _, ra := range res.Recorder.OfType(TypeRoleAssignment) {
		if !strings.Contains(ra.Name, "-blob-") {
			continue // the keys' grants are tested with the keys
		}
		if roles[ra.Region] == nil {
			roles[ra.Region] = map[string]string{}
		}
		for _, account := range ids {
			assert.NotEqual(t, account, ra.Str("scope"), "%s: not at the account's scope", ra.Name)
		}
		for region, id := range uploads {
			if ra.Str("scope") == id {
				roles[ra.Region][region] = ra.Str("roleDefinitionId")[strings.LastIndex(ra.Str("roleDefinitionId"), "/")+1:]
			}
		}
	}
	for _, app := range regions {
		for _, acct := range regions {
			want := azc.StorageBlobDataReader
			if app == acct {
				want = azc.StorageBlobDataContributor
			}
			assert.Equal(t, want, roles[app][acct], "%s app on %s's account", app, acct)
		}
	}
	for _, app := range res.Recorder.OfType(TypeContainerApp) {
		env := ContainerEnv(app, "template.containers.0.env")
		assert.Equal(t, names[app.Region], env["UPLOADS_ACCOUNT"], "%s writes its own account", app.Region)
		var all map[string]any
		require.NoError(t, json.Unmarshal([]byte(env["UPLOADS_ACCOUNTS"].(string)), &all))
		assert.Equal(t, names, all)
	}
	for _, v := range res.Policies() {
		assert.NotEqual(t, "data-reaches-every-region", v.Policy, v.Message)
	}
}

func TestAzureMonitoringAlertsAndTestsEveryHostname(t *testing.T) {
	t.Parallel()
	res := MustPlan(t, "mon", With(Contract("azure", "active-active", "eastus2", "westeurope"), "alertEmails", []string{"a@example.com"}, "alarmErrorRatePercent", 3))
	group := One(t, res.Recorder.OfType(TypeActionGroup), "action group")
	assert.Equal(t, "a@example.com", group.Str("emailReceivers.0.emailAddress"))
	assert.LessOrEqual(t, len(group.Str("groupShortName")), 12)
	metrics := map[string]float64{}
	for _, a := range res.Recorder.OfType(TypeMetricAlert) {
		assert.Equal(t, []any{group.ID}, []any{a.Get("actions.0.actionGroupId")})
		if m := a.Str("criteria.allOf.0.metricName"); m != "" {
			metrics[m] = a.Get("criteria.allOf.0.threshold").(float64)
		}
	}
	assert.Equal(t, 80.0, metrics["OriginHealthPercentage"])
	assert.Equal(t, 3.0, metrics["Percentage5XX"])
	assert.Equal(t, 1000.0, metrics["TotalLatency"])
	assert.Equal(t, 85.0, metrics["cpu_percent"])
	// Every region's database is watched, so the writer is wherever a
	// failover moves it.
	var cpuScopes, dbs, logged []any
	for _, a := range res.Recorder.OfType(TypeMetricAlert) {
		if a.Str("criteria.allOf.0.metricName") == "cpu_percent" {
			cpuScopes = append(cpuScopes, a.Get("scopes.0"))
		}
	}
	for _, d := range res.Recorder.OfType("azure-native:sql:Database") {
		dbs = append(dbs, d.ID)
	}
	for _, d := range res.Recorder.OfType("azure-native:insights:DiagnosticSetting") {
		if strings.Contains(d.Str("resourceUri"), "/databases/") {
			logged = append(logged, d.Get("resourceUri"))
		}
	}
	assert.Len(t, dbs, 2)
	assert.ElementsMatch(t, dbs, cpuScopes)
	assert.ElementsMatch(t, dbs, logged)
	assert.Contains(t, metrics, "RestartCount")
	urls := map[string]bool{}
	for _, w := range res.Recorder.OfType(TypeWebTest) {
		urls[w.Str("request.requestUrl")] = true
		assert.Equal(t, 3, w.Len("locations"))
		assert.True(t, w.Bool("validationRules.sSLCheck") || w.Get("validationRules.sslCheck") == true)
		hidden := false
		for k := range w.Get("tags").(map[string]any) {
			hidden = hidden || strings.HasPrefix(k, "hidden-link:")
		}
		assert.True(t, hidden, "tied to its Application Insights")
	}
	assert.Equal(t, map[string]bool{"https://api.example.com/": true, "https://eastus2.api.example.com/": true, "https://westeurope.api.example.com/": true}, urls)
	fdLogs := res.Recorder.Named(TypeDiagnostic, "mon-monitoring-frontdoor-logs")
	require.NotNil(t, fdLogs)
	var categories []any
	for i := 0; i < fdLogs.Len("logs"); i++ {
		categories = append(categories, fdLogs.Get(fmt.Sprintf("logs.%d.category", i)))
	}
	assert.Contains(t, categories, "FrontDoorWebApplicationFirewallLog")
	health := res.Recorder.Named("azure-native:insights:ActivityLogAlert", "mon-monitoring-data-health")
	require.NotNil(t, health, "resource health alert")
	assert.Equal(t, "ResourceHealth", health.Str("condition.allOf.0.equals"))
	assert.Equal(t, 4, health.Len("scopes"), "both databases and both storage accounts")
	assert.Equal(t, group.ID, health.Str("actions.actionGroups.0.actionGroupId"))
	dash := One(t, res.Recorder.OfType(TypePortalDash), "dashboard")
	assert.Equal(t, 2*len(azc.DashboardRowTitles), dash.Len("properties.lenses.0.parts"), "a row per region")
	tiles := map[string]string{}
	for i := 0; i < dash.Len("properties.lenses.0.parts"); i++ {
		settings := fmt.Sprintf("properties.lenses.0.parts.%d.metadata.settings.content.settings.", i)
		tiles[dash.Str(settings+"title")] = dash.Str(settings + "content")
	}
	for _, r := range res.Spec.Regions {
		wave := res.Spec.WaveOf(r.Name) + 1
		assert.Contains(t, tiles[fmt.Sprintf("%s (%s): releases", r.Name, r.Role)], fmt.Sprintf("Release wave %d of %d", wave, len(res.Spec.ReleaseWaves())), "the dashboard marks %s's wave", r.Name)
	}
	insightsIDs := ByRegion(res, "azure-native:insights:Component", "id")
	links := 0
	for i := 0; i < dash.Len("properties.lenses.0.parts"); i++ {
		settings := fmt.Sprintf("properties.lenses.0.parts.%d.metadata.settings.content.settings.", i)
		title := dash.Str(settings + "title")
		if !strings.HasSuffix(title, ": traces and logs") {
			continue
		}
		links++
		region := strings.SplitN(title, " ", 2)[0]
		assert.Contains(t, dash.Str(settings+"content"), "https://portal.azure.com/#@/resource"+insightsIDs[region]+"/applicationMap", region)
		assert.Contains(t, dash.Str(settings+"content"), azc.AllLogsFunction)
	}
	assert.Equal(t, 2, links, "a traces-and-logs link per region")
}

func TestAzureContractKeysAlonePlanForTwoThreeAndTheMostRegions(t *testing.T) {
	t.Parallel()
	// The most: the writer's region and one per geo-secondary Azure SQL
	// allows, at least minRegionDistanceKm apart.
	regions := []string{"eastus2", "westeurope", "southeastasia", "westus", "centralindia"}
	require.Len(t, regions, 1+spec.AzureSQLMaxGeoSecondaries)
	for _, topology := range []string{"active-active", "active-passive"} {
		for _, n := range []int{2, 3, len(regions)} { // the boundaries: the fewest, the first beyond a pair, the most
			t.Run(fmt.Sprintf("%s/%d", topology, n), func(t *testing.T) {
				res := MustPlan(t, "az", Contract("azure", topology, regions[:n]...))
				assert.Len(t, res.Recorder.OfType(TypeContainerApp), n)
				assert.Len(t, res.Recorder.OfType(TypeSQLServer), n)
				assert.Len(t, res.Recorder.OfType(TypeFailoverGroup), 1)
				assert.Len(t, apiOriginPriorities(t, res), n)
				// Front Door's Private Link is offered in some regions only:
				// an account in West US is reached through West US 3.
				for _, r := range regions[:n] {
					o := res.Recorder.Named(TypeAFDOrigin, "az-edge-static-"+r)
					require.NotNil(t, o, r)
					want := map[string]string{"westus": "westus3"}[r]
					if want == "" {
						want = r
					}
					assert.Equal(t, want, o.Str("sharedPrivateLinkResource.privateLinkLocation"), r)
				}
				// The default objectives hold (the failover job forces the
				// group over in minutes); nothing is refused but the unrouted
				// alerts of a stack without alertEmails (advisory, and so is
				// the region-loss alerting that has nobody to reach).
				assert.LessOrEqual(t, res.Resilience.RTO.Computed, 600)
				for _, v := range res.Policies() {
					if v.Policy == policies.RegionLossSurvived.Name {
						assert.Contains(t, v.Message, "breaks alerting: no alert outside", "nobody to alert without alertEmails")
					} else {
						assert.Equal(t, policies.AlertsRouted.Name, v.Policy, v.Message)
					}
					assert.Equal(t, policies.Advisory, v.Severity)
				}
			})
		}
	}
}

func TestAzureProvidersAreExplicitAndResourcesTagged(t *testing.T) {
	t.Parallel()
	res := PlanFile(t, "../../Pulumi.azure-prod.yaml")
	providers := map[string]bool{}
	for _, p := range res.Recorder.OfType(TypeAzProvider) {
		providers[p.URN] = true
	}
	assert.Len(t, providers, 4, "one per region and a global one")
	for _, r := range res.Recorder.Resources() {
		if !r.Custom || !strings.HasPrefix(r.Type, "azure-native:") {
			continue
		}
		assert.True(t, providers[r.Provider[:strings.LastIndex(r.Provider, "::")]], "%s %s uses an explicit provider", r.Type, r.Name)
		if tags, ok := r.Get("tags").(map[string]any); ok {
			assert.Equal(t, "prod", tags["environment"], "%s %s", r.Type, r.Name)
			assert.Equal(t, "mobile-platform", tags["team"], "%s %s", r.Type, r.Name)
		}
	}
	for _, typ := range []string{TypeContainerApp, TypeSQLServer, TypeStorageAcct, TypeAzWAF, "azure-native:cdn:Profile"} {
		for _, r := range res.Recorder.OfType(typ) {
			assert.NotNil(t, r.Get("tags"), "%s %s carries the standard tags", typ, r.Name)
		}
	}
}

func TestBadAzureConfigsNameTheKey(t *testing.T) {
	t.Parallel()
	base := Contract("azure", "active-active", "eastus2", "westeurope")
	for _, tc := range []struct {
		name string
		cfg  map[string]any
		want string
	}{
		{"unknown region", With(base, "regions", []string{"eastus2", "east-us"}), `mobile-backend:regions[1]: "east-us" is not an Azure region`},
		{"CPU step", With(base, "cpu", 300, "memory", 600), "mobile-backend:cpu: 300 is not a Container Apps size"},
		{"memory ratio", With(base, "cpu", 1024, "memory", 4096), "mobile-backend:memory: 4096 MiB does not match cpu 1024"},
		{"probe interval", With(base, "healthCheckInterval", 2), "mobile-backend:healthCheckInterval: 2 is not allowed by Front Door; 5 to 255 seconds"},
		{"SQL SKU", With(base, "azureSqlSku", "S0"), `mobile-backend:azureSqlSku: "S0" is not a zone-redundant vCore SKU`},
		{"grace period", With(base, "azureFailoverGraceMinutes", 30), "mobile-backend:azureFailoverGraceMinutes: 30 is below Azure's minimum of 60"},
		{"admin half set", With(base, "azureSqlAdminLogin", "dba"), "mobile-backend:azureSqlAdminLogin: set azureSqlAdminLogin and azureSqlAdminObjectId together"},
		{"admin object id", With(base, "azureSqlAdminLogin", "dba", "azureSqlAdminObjectId", "not-a-guid"), `mobile-backend:azureSqlAdminObjectId: "not-a-guid" is not an object id`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := RunMain(t, "--config-file", WriteStack(t, "bad", tc.cfg))
			assert.Equal(t, plan.ExitConfigError, code)
			assert.True(t, strings.Contains(stderr, tc.want), "stderr %q does not name %q", stderr, tc.want)
			assert.Empty(t, stdout)
		})
	}
}

func TestAzureDataIsEncryptedWithEachRegionsRotatingKeyVaultKey(t *testing.T) {
	t.Parallel()
	res := PlanFile(t, "../../Pulumi.azure-prod.yaml")
	vaults := map[string]*mock.Resource{}
	for _, v := range res.Recorder.OfType("azure-native:keyvault:Vault") {
		vaults[v.Region] = v
		assert.True(t, v.Bool("properties.enablePurgeProtection"), "customer-managed keys require purge protection")
		assert.True(t, v.Bool("properties.enableSoftDelete"))
		assert.True(t, v.Bool("properties.enableRbacAuthorization"))
		assert.Equal(t, "Deny", v.Str("properties.networkAcls.defaultAction"))
		assert.Equal(t, "AzureServices", v.Str("properties.networkAcls.bypass"))
		assert.LessOrEqual(t, len(v.Str("vaultName")), 24)
		assert.True(t, v.Protect)
	}
	require.Len(t, vaults, 3)
	keys := map[string]*mock.Resource{}
	for _, k := range res.Recorder.OfType("azure-native:keyvault:Key") {
		keys[k.Region] = k
		assert.Equal(t, "RSA", k.Str("properties.kty"))
		assert.Equal(t, 3072, k.Int("properties.keySize"))
		assert.Equal(t, "P90D", k.Str("properties.rotationPolicy.lifetimeActions.0.trigger.timeAfterCreate"))
		assert.Equal(t, "Rotate", k.Str("properties.rotationPolicy.lifetimeActions.0.action.type"))
	}
	identities := map[string]string{} // region -> the encryption identity
	for _, id := range res.Recorder.OfType(TypeIdentity) {
		if strings.HasSuffix(id.Str("resourceName"), "-encryption") {
			identities[id.Region] = id.ID
		}
	}

	for _, srv := range res.Recorder.OfType(TypeSQLServer) {
		assert.Equal(t, keys[srv.Region].Outputs["keyUriWithVersion"], srv.Str("keyId"), "TDE protector: the region's key")
		assert.Equal(t, identities[srv.Region], srv.Str("primaryUserAssignedIdentityId"))
		assert.Equal(t, "SystemAssigned,UserAssigned", srv.Str("identity.type"))
	}
	serverKeys := map[string]int{}
	for _, sk := range res.Recorder.OfType("azure-native:sql:ServerKey") {
		serverKeys[sk.Region]++
		assert.Equal(t, "AzureKeyVault", sk.Str("serverKeyType"))
		assert.Equal(t, azc.ServerKeyName(sk.Str("uri")), sk.Str("keyName"))
	}
	assert.Equal(t, map[string]int{"eastus2": 2, "westeurope": 2, "southeastasia": 2}, serverKeys, "every server holds the other regions' keys, so geo-secondaries can seed and fail over")
	assert.Equal(t, "kv1_data_abc", azc.ServerKeyName("https://kv1.vault.azure.net/keys/data/abc"))

	for _, a := range res.Recorder.OfType(TypeStorageAcct) {
		assert.Equal(t, "Microsoft.Keyvault", a.Str("encryption.keySource"))
		assert.Equal(t, "data", a.Str("encryption.keyVaultProperties.keyName"))
		assert.Equal(t, vaults[a.Region].Out("properties.vaultUri"), a.Str("encryption.keyVaultProperties.keyVaultUri"))
		assert.Nil(t, a.Get("encryption.keyVaultProperties.keyVersion"), "versionless: the account follows rotation")
		assert.Equal(t, identities[a.Region], a.Str("encryption.encryptionIdentity.encryptionUserAssignedIdentity"))
	}

	grants, officers := 0, 0
	for _, ra := range res.Recorder.OfType(TypeRoleAssignment) {
		if !strings.Contains(ra.Str("scope"), "/vaults/") {
			continue
		}
		if strings.HasSuffix(ra.Name, "-deployer-makes-keys") {
			// The deployer may make the key: the vaults use Azure RBAC, and
			// azure-native's key create needs a data role.
			officers++
			assert.True(t, strings.HasSuffix(ra.Str("roleDefinitionId"), "/"+azc.KeyVaultCryptoOfficer))
			key := One(t, Filter(res.Recorder.OfType("azure-native:keyvault:Key"), func(k *mock.Resource) bool { return k.Region == ra.Region }), "key")
			assert.Contains(t, key.DependsOn, ra.URN, "%s: the key after the grant", ra.Region)
			continue
		}
		grants++
		assert.True(t, strings.HasSuffix(ra.Str("roleDefinitionId"), azc.KeyVaultCryptoServiceEncryptionUser), "wrap and unwrap only")
	}
	assert.Equal(t, 9, grants, "each region's identity on each region's vault")
	assert.Equal(t, 3, officers, "the deployer on each vault")
}

func TestAzureKeepsWeeklyLongTermBackupsAndPointInTimeRestoreOfBlobs(t *testing.T) {
	t.Parallel()
	res := MustPlan(t, "ltr", With(Contract("azure", "active-active", "northeurope", "westeurope"), "rtoSeconds", 3900, "backupCopyRetentionDays", 90))
	ltrs := res.Recorder.OfType("azure-native:sql:LongTermRetentionPolicy")
	require.Len(t, ltrs, 2, "on every member: a promoted secondary keeps taking them")
	databases := ByRegion(res, "azure-native:sql:Database", "databaseName")
	for _, ltr := range ltrs {
		assert.Equal(t, "P13W", ltr.Str("weeklyRetention"), "90 days rounded up to whole weeks, in geo-redundant storage")
		assert.Equal(t, databases[ltr.Region], ltr.Str("databaseName"), "the policy of %s's own database", ltr.Region)
	}
	assert.ElementsMatch(t, []string{"northeurope", "westeurope"}, []string{ltrs[0].Region, ltrs[1].Region})
	for _, p := range res.Recorder.OfType("azure-native:storage:BlobServiceProperties") {
		assert.True(t, p.Bool("restorePolicy.enabled"))
		assert.Equal(t, 6, p.Int("restorePolicy.days"), "a day short of the 7 days of soft delete")
	}
}

func TestAzureReadsEveryRegionsLogsFromOneFunctionAndSamplesTraces(t *testing.T) {
	t.Parallel()
	res := PlanFile(t, "../../Pulumi.azure-prod.yaml")
	search := One(t, res.Recorder.OfType("azure-native:operationalinsights:SavedSearch"), "saved function")
	assert.Equal(t, azc.AllLogsFunction, search.Str("functionAlias"))
	workspaces := ByRegion(res, "azure-native:operationalinsights:Workspace", "id")
	require.Len(t, workspaces, 3)
	for region, id := range workspaces {
		assert.Contains(t, search.Str("query"), fmt.Sprintf("workspace(%q).ContainerAppConsoleLogs_CL", id), region)
	}
	// Saved in the primary's workspace, named as given: Azure returns Log
	// Analytics ids in lower case, and so does the mock, so parsing one fails.
	primary := One(t, res.Recorder.InRegion("azure-native:operationalinsights:Workspace", "eastus2"), "primary workspace")
	assert.Contains(t, primary.ID, "/resourcegroups/", "the mock answers in Azure's lower-case shape")
	assert.Equal(t, primary.Str("resourceGroupName"), search.Str("resourceGroupName"), "saved in the primary's workspace")
	assert.Equal(t, primary.Str("workspaceName"), search.Str("workspaceName"))
	for _, c := range res.Recorder.OfType("azure-native:insights:Component") {
		if !strings.HasSuffix(c.Name, "-availability") {
			assert.Equal(t, 25, c.Int("samplingPercentage"), c.Name)
		}
	}
}

// An existing zone is looked up outside the groups the stack creates (a
// destroy deletes those, and azure-native refuses to create one that exists).
func TestAzureLooksUpAnExistingZoneOutsideTheStacksGroups(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		cfg   map[string]any
		group string
	}{
		{Contract("azure", "active-passive", "eastus2", "westeurope"), "dz-dns"},
		{With(Contract("azure", "active-passive", "eastus2", "westeurope"), "azureDnsResourceGroup", "shared-dns"), "shared-dns"},
	} {
		res := MustPlan(t, "dz", tc.cfg)
		var groups []any
		for _, c := range res.Recorder.Calls() {
			if c.Token == "azure-native:network:getZone" {
				groups = append(groups, c.Args["resourceGroupName"])
			}
		}
		assert.Equal(t, []any{tc.group}, groups)
		for _, rg := range res.Recorder.OfType("azure-native:resources:ResourceGroup") {
			assert.NotEqual(t, tc.group, rg.Str("resourceGroupName"), "the zone's group is not the stack's")
		}
	}
}

// A destroyed stack's vault names stay reserved for 90 days: a generation
// gives the same stack new ones, and leaves the first ones alone otherwise.
func TestAzureKeyVaultGenerationRenamesTheVaults(t *testing.T) {
	t.Parallel()
	base := Contract("azure", "active-passive", "eastus2", "westeurope")
	names := func(cfg map[string]any) map[string]string {
		out := map[string]string{}
		for _, v := range MustPlan(t, "kvg", cfg).Recorder.OfType("azure-native:keyvault:Vault") {
			out[v.Region] = v.Str("vaultName")
			assert.Regexp(t, `^[a-z][a-z0-9]{2,23}$`, v.Str("vaultName"), "Key Vault names: 3 to 24 letters and digits")
		}
		return out
	}
	first, again, second := names(base), names(With(base, "azureKeyVaultGeneration", 0)), names(With(base, "azureKeyVaultGeneration", 1))
	require.Len(t, first, 2)
	assert.Equal(t, first, again, "generation 0 keeps the first names")
	for region, name := range first {
		assert.NotEqual(t, name, second[region], "generation 1 renames %s's vault", region)
	}
}

// Every app sends its traces to its own region's Application Insights, the
// one the dashboard's trace links open.
func TestAzureAppsTraceToTheirRegionsApplicationInsights(t *testing.T) {
	t.Parallel()
	res := MustPlan(t, "tr", Contract("azure", "active-active", "eastus2", "westeurope"))
	insights := map[string]*mock.Resource{}
	for _, c := range res.Recorder.OfType("azure-native:insights:Component") {
		if strings.HasSuffix(c.Name, "-insights") {
			insights[c.Region] = c
			assert.Equal(t, "LogAnalytics", c.Str("ingestionMode"))
		}
	}
	require.Len(t, insights, 2, "one per region")
	for _, a := range res.Recorder.OfType(TypeContainerApp) {
		env := ContainerEnv(a, "template.containers.0.env")
		own := insights[a.Region]
		require.NotNil(t, own, a.Region)
		assert.Equal(t, own.Outputs["connectionString"], env["APPLICATIONINSIGHTS_CONNECTION_STRING"], "%s traces to its own region", a.Region)
		assert.Equal(t, "tr-api", env["OTEL_SERVICE_NAME"])
	}
	dash := One(t, res.Recorder.OfType("azure-native:portal:Dashboard"), "dashboard")
	for _, c := range insights {
		assert.Contains(t, fmt.Sprint(dash.Inputs), c.ID, "the dashboard links the insights the apps use")
	}
}

// The apps sign in to SQL with their own identities after `pulumi up` alone:
// a job in the writer's network, signed in as the servers' Entra admin (the
// stack's own identity), makes each app's contained user from its client id.
func TestAzureAppsGetDatabaseUsersFromAJobInTheWritersNetwork(t *testing.T) {
	t.Parallel()
	regions := []string{"eastus2", "westeurope", "southeastasia"}
	res := MustPlan(t, "dbu", Contract("azure", "active-active", regions...))
	ids := map[string]*mock.Resource{}
	for _, id := range res.Recorder.OfType(TypeIdentity) {
		ids[id.Str("resourceName")] = id
	}
	admin := ids["dbu-sql-admin"]
	require.NotNil(t, admin)
	for _, srv := range res.Recorder.OfType(TypeSQLServer) {
		assert.Equal(t, admin.Outputs["clientId"], srv.Str("administrators.sid"), "%s: an application's SID is its client id", srv.Region)
		assert.NotEqual(t, admin.Outputs["principalId"], admin.Outputs["clientId"], "the mock tells the two apart")
		assert.Equal(t, "dbu-sql-admin", srv.Str("administrators.login"))
		assert.Equal(t, "Application", srv.Str("administrators.principalType"))
		assert.Equal(t, true, srv.Get("administrators.azureADOnlyAuthentication"))
	}
	envs := map[string]string{}
	for _, e := range res.Recorder.OfType("azure-native:app:ManagedEnvironment") {
		envs[e.Region] = e.ID
	}
	job := One(t, Filter(res.Recorder.OfType("azure-native:app/v20240301:Job"), func(r *mock.Resource) bool { return strings.HasSuffix(r.Name, "db-users") }), "job")
	assert.Equal(t, "eastus2", job.Str("location"), "in the writer's region")
	assert.Equal(t, envs["eastus2"], job.Str("environmentId"), "in its network, which reaches the servers' private endpoints")
	assert.Equal(t, []any{admin.ID}, job.Get("identity.userAssignedIdentities"))
	assert.Equal(t, "Schedule", job.Str("configuration.triggerType"))
	assert.Equal(t, azc.DatabaseUsersSchedule, job.Str("configuration.scheduleTriggerConfig.cronExpression"))
	env := ContainerEnv(job, "template.containers.0.env")
	fog := One(t, res.Recorder.OfType(TypeFailoverGroup), "failover group")
	assert.Equal(t, fog.Str("failoverGroupName")+".database.windows.net", env["DB_SERVER"], "the writer, wherever it is")
	assert.Equal(t, "app", env["DB_NAME"])
	assert.Equal(t, admin.Outputs["clientId"], env["AZURE_CLIENT_ID"])
	// The script internal/dbusers runs in its tests, with the pinned
	// go-sqlcmd and its digest, in an image pinned by digest.
	assert.Equal(t, []any{"python3", "-c", dbusers.Script}, job.Get("template.containers.0.command"))
	assert.Equal(t, dbusers.SqlcmdURL, env["SQLCMD_URL"])
	assert.Equal(t, dbusers.SqlcmdSHA256, env["SQLCMD_SHA256"])
	assert.Regexp(t, `@sha256:[0-9a-f]{64}$`, job.Str("template.containers.0.image"))
	script := env["DB_USERS_SQL"].(string)
	for _, a := range res.Recorder.OfType(TypeContainerApp) {
		id := ids["dbu-"+a.Region+"-api"]
		require.NotNil(t, id, a.Region)
		assert.Equal(t, []any{id.ID}, a.Get("identity.userAssignedIdentities"), a.Region)
		appEnv := ContainerEnv(a, "template.containers.0.env")
		assert.Equal(t, id.Outputs["clientId"], appEnv["AZURE_CLIENT_ID"], a.Region)
		name := id.Str("resourceName")
		assert.Contains(t, script, fmt.Sprintf("CAST(CAST(N'%s' AS uniqueidentifier) AS varbinary(16)), 1); IF EXISTS (SELECT 1 FROM sys.database_principals WHERE name = N'%s' AND sid <> CAST(CAST(N'%s' AS uniqueidentifier) AS varbinary(16))) EXEC(N'DROP USER [%s]'); IF DATABASE_PRINCIPAL_ID(N'%s') IS NULL EXEC(N'CREATE USER [%s] WITH SID = ' + @sid + N', TYPE = E');",
			id.Outputs["clientId"], name, id.Outputs["clientId"], name, name, name), "a user of the name under a replaced identity is made again")
		assert.Contains(t, script, fmt.Sprintf("ALTER ROLE db_datareader ADD MEMBER [%s]; ALTER ROLE db_datawriter ADD MEMBER [%s];", name, name))
	}
	assert.NotContains(t, script, "db_owner", "least privilege: read and write, no DDL")
	assert.NotContains(t, script, "db_ddladmin")
	assert.Equal(t, 3, strings.Count(script, "CREATE USER"))

	// The deployment runs it too, and waits: a deployment script in the
	// same region that starts an execution of this job and nothing else,
	// again whenever the statements change.
	run := One(t, OfComponent(res.Recorder.OfType("azure-native:resources/v20230801:AzureCliScript"), "mobile-backend:azure:JobRun"), "the run at deploy")
	assert.Equal(t, "eastus2", run.Str("location"))
	runEnv := map[string]any{}
	for i := 0; i < run.Len("environmentVariables"); i++ {
		runEnv[run.Str(fmt.Sprintf("environmentVariables.%d.name", i))] = run.Get(fmt.Sprintf("environmentVariables.%d.value", i))
	}
	assert.Equal(t, map[string]any{"CLOUD": "azure-job", "JOB_ID": job.ID, "TIMEOUT_SECONDS": "2700"}, runEnv)
	assert.NotEmpty(t, run.Str("forceUpdateTag"))
	may := res.Recorder.Named(TypeRoleAssignment, "dbu-db-users-run-may")
	require.NotNil(t, may)
	assert.Equal(t, job.ID, may.Str("scope"), "its role is on the job alone")
	role := res.Recorder.Named("azure-native:authorization:RoleDefinition", "dbu-db-users-run-role")
	require.NotNil(t, role)
	assert.Equal(t, []any{"Microsoft.App/jobs/read", "Microsoft.App/jobs/start/action", "Microsoft.App/jobs/execution/read", "Microsoft.App/jobs/executions/read"}, role.Get("permissions.0.actions"))
	two := MustPlan(t, "dbu", Contract("azure", "active-active", regions[:2]...))
	runTwo := One(t, OfComponent(two.Recorder.OfType("azure-native:resources/v20230801:AzureCliScript"), "mobile-backend:azure:JobRun"), "the run at deploy")
	assert.NotEqual(t, run.Str("forceUpdateTag"), runTwo.Str("forceUpdateTag"), "other users: it runs again")

	// A configured admin keeps the servers; the same script is an output
	// for that admin to run.
	own := MustPlan(t, "dbu", With(Contract("azure", "active-active", regions...), "azureSqlAdminLogin", "dba", "azureSqlAdminObjectId", "0f8fad5b-d9cb-469f-a165-70867728950e"))
	assert.Nil(t, own.Recorder.Named("azure-native:app/v20240301:Job", "dbu-db-users"), "no users job with an admin of your own")
	for _, srv := range own.Recorder.OfType(TypeSQLServer) {
		assert.Equal(t, "0f8fad5b-d9cb-469f-a165-70867728950e", srv.Str("administrators.sid"))
		assert.Equal(t, "Group", srv.Str("administrators.principalType"), "a group unless said otherwise")
	}
	app := MustPlan(t, "dbu", With(Contract("azure", "active-active", regions...), "azureSqlAdminLogin", "deployer", "azureSqlAdminObjectId", "0f8fad5b-d9cb-469f-a165-70867728950e", "azureSqlAdminType", "Application"))
	for _, srv := range app.Recorder.OfType(TypeSQLServer) {
		assert.Equal(t, "Application", srv.Str("administrators.principalType"), "the type the config says")
	}
	cloud, _ := own.Outputs["cloud"].(map[string]any)
	assert.Contains(t, cloud["databaseUsersScript"], "CREATE USER [dbu-eastus2-api]")
}

// Every DNS record lands in the zone's own resource group: the one it is
// looked up in (azureDnsResourceGroup, default <stack>-dns), or the global
// group the stack creates it in.
func TestDNSRecordsGoToTheZonesResourceGroup(t *testing.T) {
	t.Parallel()
	groups := func(res *plan.Result) map[string]bool {
		out := map[string]bool{}
		for _, r := range res.Recorder.OfType(TypeAzRecord) {
			out[r.Str("resourceGroupName")] = true
		}
		return out
	}
	assert.Equal(t, map[string]bool{"azure-prod-dns": true}, groups(PlanFile(t, "../../Pulumi.azure-prod.yaml")), "azure-prod: an existing zone, no azureDnsResourceGroup")
	assert.Equal(t, map[string]bool{"dns": true}, groups(PlanFile(t, "../../Pulumi.azure-staging.yaml")), "azure-staging: azureDnsResourceGroup dns")
	created := MustPlan(t, "own", With(Contract("azure", "active-active", "northeurope", "westeurope"), "createDnsZone", true))
	global := created.Recorder.Named("azure-native:resources:ResourceGroup", "own-global")
	require.NotNil(t, global)
	assert.Equal(t, map[string]bool{global.Str("resourceGroupName"): true}, groups(created), "a zone the stack creates is in its global group")
}

func TestTheFailoverGroupsOtherMemberRunsTheTestedJobOnTheEvidence(t *testing.T) {
	t.Parallel()
	res := PlanFile(t, "../../Pulumi.azure-staging.yaml") // northeurope writes, westeurope pairs
	job := res.Recorder.Named("azure-native:app/v20240301:Job", "azure-staging-sql-failover")
	require.NotNil(t, job)
	assert.Equal(t, "westeurope", job.Str("location"), "in the other member's region, never the writer's")
	assert.Equal(t, "* * * * *", job.Str("configuration.scheduleTriggerConfig.cronExpression"))
	assert.Equal(t, failover.JobRunTimeoutSeconds, job.Int("configuration.replicaTimeout"), "a run ends before the next starts")
	assert.Equal(t, azc.SQLFailoverImage, job.Str("template.containers.0.image"))
	assert.Regexp(t, `^mcr\.microsoft\.com/azure-cli:[0-9.]+@sha256:[0-9a-f]{64}$`, job.Str("template.containers.0.image"), "by digest: its identity may force a failover")
	assert.Equal(t, []string{"python3", "-c"}, job.Strs("template.containers.0.command", "")[:2])
	assert.True(t, failover.IsTestedJob(job.Str("template.containers.0.command.2")), "the job the scenario table ran")

	env := ContainerEnv(job, "template.containers.0.env")
	servers := ByRegion(res, TypeSQLServer, "name")
	fqdns := ByRegion(res, TypeSQLServer, "fullyQualifiedDomainName")
	apps := ByRegion(res, TypeContainerApp, "configuration.ingress.fqdn")
	writerOrigin := res.Recorder.Named("azure-native:cdn:AFDOrigin", "azure-staging-edge-api-northeurope")
	require.NotNil(t, writerOrigin)
	assert.Equal(t, []string{"enabledState"}, writerOrigin.IgnoreChanges, "the fence holds through every pulumi up until a person lifts it")
	assert.Equal(t, map[string]any{
		"CLOUD": "azure", "WRITER_PROBE_URL": "https://northeurope.api.staging.example.com/", "SUCCESSOR_PROBE_URL": "https://westeurope.api.staging.example.com/",
		"FAILOVER_GROUP": One(t, res.Recorder.OfType(TypeFailoverGroup), "failover group").Str("failoverGroupName"), "SERVER": servers["westeurope"],
		"SERVER_GROUP": "azure-staging-westeurope", "SUBSCRIPTION": env["SUBSCRIPTION"], "AZURE_CLIENT_ID": env["AZURE_CLIENT_ID"],
		"FRONT_DOOR_ID": One(t, res.Recorder.OfType("azure-native:cdn:Profile"), "profile").ID,
		"WRITER_ORIGIN": apps["northeurope"], "SUCCESSOR_ORIGIN": apps["westeurope"], "ORIGIN_GROUP": "api",
		"WRITER_ORIGIN_ID": writerOrigin.ID,
		// The promoted database's point-in-time recovery window (dbBackupRetentionDays).
		"DATABASE": "app", "BACKUP_RETENTION_DAYS": fmt.Sprint(res.Spec.Database.BackupRetentionDays),
		"WRITER_DB_ADDRESS": fqdns["northeurope"] + ":1433", "LOCAL_DB_ADDRESS": fqdns["westeurope"] + ":1433",
		"NEXT_STEP": "set mobile-backend:writerRegion to westeurope, with mobile-backend:regionsDown (and regionsDownWriter) while northeurope does not answer, and run pulumi up: Front Door priorities, the database-users job and the .well-known/mobile-backend.json document follow; the old writer's origin stays disabled until you enable it (README: losing a region, Azure)",
	}, env)
	identity := res.Recorder.Named("azure-native:managedidentity:UserAssignedIdentity", "azure-staging-sql-failover-identity")
	if identity != nil {
		assert.Equal(t, identity.Outputs["clientId"], env["AZURE_CLIENT_ID"])
	}

	var westServer *mock.Resource
	for _, s := range res.Recorder.OfType(TypeSQLServer) {
		if s.Region == "westeurope" {
			westServer = s
		}
	}
	require.NotNil(t, westServer)
	for suffix, want := range map[string]struct {
		actions []string
		scope   string
	}{
		"fail-over": {[]string{"Microsoft.Sql/servers/read", "Microsoft.Sql/servers/failoverGroups/read", azc.ForceFailoverAction,
			"Microsoft.Sql/servers/databases/backupShortTermRetentionPolicies/read", "Microsoft.Sql/servers/databases/backupShortTermRetentionPolicies/write"}, westServer.ID},
		"read-tags": {[]string{"Microsoft.Resources/subscriptions/resourceGroups/read", "Microsoft.Resources/tags/read", "Microsoft.Resources/tags/write"}, "/subscriptions/" + env["SUBSCRIPTION"].(string) + "/resourceGroups/azure-staging-westeurope"},
	} {
		role := res.Recorder.Named("azure-native:authorization:RoleDefinition", "azure-staging-sql-failover-"+suffix+"-role")
		require.NotNil(t, role, suffix)
		assert.ElementsMatch(t, want.actions, role.Strs("permissions.0.actions", ""))
		assert.Contains(t, role.Str("roleName"), "westeurope", "the role of another region is another role")
		grant := res.Recorder.Named("azure-native:authorization:RoleAssignment", "azure-staging-sql-failover-may-"+suffix)
		require.NotNil(t, grant, suffix)
		assert.Equal(t, want.scope, grant.Str("scope"))
		assert.Regexp(t, `^/subscriptions/[0-9a-f-]+/providers/Microsoft.Authorization/roleDefinitions/`+role.Str("roleDefinitionId")+`$`, grant.Str("roleDefinitionId"))
		assert.Contains(t, grant.DependsOn, role.URN)
		assert.Contains(t, job.DependsOn, grant.URN, "the job runs once it may act")
	}
	reads := res.Recorder.Named("azure-native:authorization:RoleAssignment", "azure-staging-sql-failover-reads-front-door")
	require.NotNil(t, reads)
	assert.True(t, strings.HasSuffix(reads.Str("roleDefinitionId"), "/roleDefinitions/"+azc.MonitoringReader))
	assert.Equal(t, One(t, res.Recorder.OfType("azure-native:cdn:Profile"), "profile").ID, reads.Str("scope"), "metrics of the Front Door profile only")

	// The fence: the job may change the writer's API origin, nothing else of Front Door.
	fences := res.Recorder.Named("azure-native:authorization:RoleAssignment", "azure-staging-sql-failover-fences-writer-origin")
	require.NotNil(t, fences)
	assert.True(t, strings.HasSuffix(fences.Str("roleDefinitionId"), "/roleDefinitions/"+azc.CDNProfileContributor))
	assert.Equal(t, writerOrigin.ID, fences.Str("scope"))
	assert.Contains(t, job.DependsOn, fences.URN)

	said := res.Recorder.Named("azure-native:insights:ScheduledQueryRule", "azure-staging-sql-failover-said")
	require.NotNil(t, said)
	query := said.Str("criteria.allOf.0.query")
	assert.Contains(t, query, "ContainerJobName_s == '"+job.Str("jobName")+"'")
	assert.Contains(t, query, `Log_s has '"event": "alert"'`, "json.dumps' own separators, as the job writes them")
	assert.Contains(t, failover.Job, `print(json.dumps(fields, sort_keys=True), flush=True)`)
	assert.Contains(t, query, "extend reason = tostring(parse_json(Log_s).reason)")
	assert.Equal(t, "reason", said.Str("criteria.allOf.0.dimensions.0.name"), "each reason is its own alert")
	assert.Equal(t, []string{"*"}, said.Strs("criteria.allOf.0.dimensions.0.values", ""))
	silent := res.Recorder.Named("azure-native:insights:ScheduledQueryRule", "azure-staging-sql-failover-silent")
	require.NotNil(t, silent, "a job that stops running is heard")
	assert.Contains(t, silent.Str("criteria.allOf.0.query"), "ContainerJobName_s == '"+job.Str("jobName")+"'")
	assert.Contains(t, silent.Str("criteria.allOf.0.query"), "where tostring(line.event) == 'ran' and toint(line.status) == 0", "the last line of every finished run")
	assert.Contains(t, failover.Job, `emit("ran", severity="INFO" if status == 0 else "ERROR", status=status)`)
	assert.Equal(t, "LessThan", silent.Str("criteria.allOf.0.operator"))
	assert.Equal(t, 1, silent.Int("criteria.allOf.0.threshold"))
	assert.Equal(t, fmt.Sprintf("PT%dM", failover.SilentAfterSeconds/60), silent.Str("windowSize"))
	assert.Equal(t, said.Get("actions"), silent.Get("actions"))
	// The job's state and the release window are tags of its group, which
	// an update would replace: the stack never updates them.
	group := res.Recorder.Named("azure-native:resources:ResourceGroup", "azure-staging-westeurope")
	require.NotNil(t, group)
	assert.Contains(t, group.IgnoreChanges, "tags")
	for _, rule := range []*mock.Resource{said, silent} {
		assert.Equal(t, true, rule.Get("skipQueryValidation"), "%s: the console table exists only once a job has written", rule.Name)
	}
	assert.Equal(t, ByRegion(res, "azure-native:operationalinsights:Workspace", "id")["westeurope"], said.Strs("scopes", "")[0], "the job's own region's workspace")
	alert := res.Recorder.Named("azure-native:insights:ActivityLogAlert", "azure-staging-sql-failover-forced")
	require.NotNil(t, alert)
	assert.Equal(t, azc.ForceFailoverAction, alert.Str("condition.allOf.1.equals"), "a forced failover e-mails the alert recipients")
}

// Every module the committed stacks use has its resource provider
// namespace in the table, and docs/azure.md says to register each one.
func TestEveryAzureResourceProviderTheStacksNeedIsDocumented(t *testing.T) {
	t.Parallel()
	doc, err := os.ReadFile("../../docs/azure.md")
	require.NoError(t, err)
	for _, file := range []string{"../../Pulumi.azure-prod.yaml", "../../Pulumi.azure-staging.yaml"} {
		res := PlanFile(t, file)
		for _, r := range res.Recorder.Resources() {
			parts := strings.SplitN(r.Type, ":", 3)
			if parts[0] != "azure-native" {
				continue
			}
			module, _, _ := strings.Cut(parts[1], "/") // app/v20240301: an explicit API version of module app
			ns, ok := azc.ResourceProviders[parts[1]]
			if !ok {
				ns, ok = azc.ResourceProviders[module]
			}
			require.True(t, ok, "%s: no resource provider namespace for module %q", r.Type, parts[1])
			if ns != "" {
				assert.Contains(t, string(doc), ns, "%s: docs/azure.md names %s", r.Type, ns)
			}
		}
	}
}

// Nothing outside the regions' networks may write the accounts, so a job
// in each region keeps the directory and the static origins' health blob in
// its own account's static container, as an identity that may write that
// container alone.
func TestEachRegionPublishesItsStaticDocumentsFromInsideItsNetwork(t *testing.T) {
	t.Parallel()
	res := MustPlan(t, "pub", Contract("azure", "active-passive", "northeurope", "westeurope"))
	assert.Empty(t, res.Recorder.OfType("azure-native:storage:Blob"), "a deployer's blob write is refused by the accounts' firewall")
	containers := map[string]*mock.Resource{}
	for _, c := range res.Recorder.OfType("azure-native:storage:BlobContainer") {
		if c.Str("containerName") == azc.StaticContainer {
			containers[c.Region] = c
		}
	}
	accounts := map[string]*mock.Resource{}
	for _, a := range res.Recorder.OfType(TypeStorageAcct) {
		accounts[a.Region] = a
	}
	envs := ByRegion(res, "azure-native:app:ManagedEnvironment", "id")
	jobs := Filter(res.Recorder.OfType("azure-native:app/v20240301:Job"), IsPublisher)
	require.Len(t, jobs, 2, "one publisher a region")
	for _, j := range jobs {
		r := j.Region
		assert.Equal(t, envs[r], j.Str("environmentId"), "%s: in its region's network, which the account admits", r)
		assert.Equal(t, azc.PublishSchedule, j.Str("configuration.scheduleTriggerConfig.cronExpression"))
		assert.Regexp(t, `@sha256:[0-9a-f]{64}$`, j.Str("template.containers.0.image"))
		env := ContainerEnv(j, "template.containers.0.env")
		assert.Equal(t, "https://"+accounts[r].Str("accountName")+".blob.core.windows.net", env["BLOB_ENDPOINT"], "%s: its own account", r)
		docs, err := azpublish.Parse(env["DOCUMENTS"].(string))
		require.NoError(t, err)
		var blobs []string
		for _, d := range docs {
			blobs = append(blobs, d.Blob)
		}
		assert.ElementsMatch(t, []string{".well-known/mobile-backend.json", azc.StaticHealthBlob}, blobs, "the directory, and the blob the static origins' probes ask for")

		identity := One(t, Filter(res.Recorder.OfType(TypeIdentity), func(i *mock.Resource) bool {
			return slices.Contains(j.Get("identity.userAssignedIdentities").([]any), any(i.ID))
		}), "publisher identity")
		assert.Equal(t, identity.Outputs["clientId"], env["AZURE_CLIENT_ID"])
		grant := One(t, Filter(res.Recorder.OfType("azure-native:authorization:RoleAssignment"), func(g *mock.Resource) bool {
			return g.Get("principalId") == identity.Outputs["principalId"]
		}), "publisher grant")
		assert.Equal(t, containers[r].ID, grant.Str("scope"), "%s: the static container alone", r)
		assert.True(t, strings.HasSuffix(grant.Str("roleDefinitionId"), "/"+azc.StorageBlobDataContributor))
		assert.Contains(t, j.DependsOn, grant.URN, "%s: it runs once it may write", r)
	}
	// A lost region's static origins show in their own group's health.
	health := res.Recorder.Named("azure-native:insights:MetricAlert", "pub-monitoring-origin-health")
	require.NotNil(t, health)
	assert.Equal(t, "OriginGroup", health.Str("criteria.allOf.0.dimensions.0.name"), "one figure per origin group")
}

// With migrations, their identity's contained user alone may change the
// schema; the job is started at deploy after the users exist, in the
// writer's network, as that identity, with the release's image.
func TestAzureMigrationsRunAsTheOnlySchemaChangerAfterTheUsersExist(t *testing.T) {
	t.Parallel()
	res := MustPlan(t, "mig", With(Contract("azure", "active-passive", "northeurope", "westeurope"),
		"migrations", []string{"/app/migrate", "up"}, "image", "public.ecr.aws/acme/api:42"))
	var migrator *mock.Resource
	for _, id := range res.Recorder.OfType(TypeIdentity) {
		if id.Str("resourceName") == "mig-migrations" {
			migrator = id
		}
	}
	require.NotNil(t, migrator)
	users := One(t, Filter(res.Recorder.OfType("azure-native:app/v20240301:Job"), func(r *mock.Resource) bool { return strings.HasSuffix(r.Name, "db-users") }), "users job")
	script := ContainerEnv(users, "template.containers.0.env")["DB_USERS_SQL"].(string)
	assert.Equal(t, 1, strings.Count(script, "db_ddladmin"), "one user may change the schema")
	assert.Contains(t, script, "ALTER ROLE db_ddladmin ADD MEMBER [mig-migrations];")

	job := res.Recorder.Named("azure-native:app/v20240301:Job", "mig-migrations")
	require.NotNil(t, job)
	assert.Equal(t, "northeurope", job.Str("location"), "the writer's region")
	assert.Equal(t, users.Str("environmentId"), job.Str("environmentId"), "the writer's network")
	assert.Equal(t, "Manual", job.Str("configuration.triggerType"), "started by the deployment only")
	assert.Equal(t, 1, job.Int("configuration.replicaRetryLimit"), "one retry: grants may still propagate")
	assert.Equal(t, "public.ecr.aws/acme/api:42", job.Str("template.containers.0.image"))
	assert.Equal(t, []any{"/app/migrate"}, job.Get("template.containers.0.command"))
	assert.Equal(t, []any{"up"}, job.Get("template.containers.0.args"))
	assert.Equal(t, []any{migrator.ID}, job.Get("identity.userAssignedIdentities"))
	assert.Equal(t, migrator.Outputs["clientId"], ContainerEnv(job, "template.containers.0.env")["AZURE_CLIENT_ID"])

	g := policies.NewGraph(res.Recorder.Resources())
	runs := OfComponent(res.Recorder.OfType("azure-native:resources/v20230801:AzureCliScript"), "mobile-backend:azure:JobRun")
	var usersRun, migrationsRun *mock.Resource
	for _, r := range runs {
		switch r.Name {
		case "mig-db-users-run":
			usersRun = r
		case "mig-migrations-run":
			migrationsRun = r
		}
	}
	require.NotNil(t, usersRun)
	require.NotNil(t, migrationsRun)
	assert.True(t, g.DependsOn(migrationsRun, usersRun), "the migrations start once the users exist")
	for _, app := range res.Recorder.OfType(TypeContainerApp) {
		assert.True(t, g.DependsOn(app, migrationsRun), "%s waits for the migrations", app.Region)
	}
}

// On Azure a schedule's runner fires in every region on the schedule's
// cron and starts the job only beside the failover group's primary; the
// job runs the API's container, identity and settings.
func TestAzureSchedulesFireEverywhereAndRunBesideThePrimary(t *testing.T) {
	t.Parallel()
	res := MustPlan(t, "sch", With(Contract("azure", "active-passive", "northeurope", "westeurope"),
		"schedules", map[string]string{"cleanup": "0 3 * * * /app/cleanup --days 30"}))
	jobs := OfComponent(res.Recorder.OfType("azure-native:app/v20240301:Job"), "mobile-backend:azure:Schedules")
	require.Len(t, jobs, 4, "a job and its runner in each region")
	fog := One(t, res.Recorder.OfType(TypeFailoverGroup), "failover group")
	for _, region := range []string{"northeurope", "westeurope"} {
		run := res.Recorder.Named("azure-native:app/v20240301:Job", "sch-"+region+"-schedules-cleanup-run")
		job := res.Recorder.Named("azure-native:app/v20240301:Job", "sch-"+region+"-schedules-cleanup")
		require.NotNil(t, run, region)
		require.NotNil(t, job, region)
		assert.Equal(t, "0 3 * * *", run.Str("configuration.scheduleTriggerConfig.cronExpression"))
		assert.Equal(t, "Manual", job.Str("configuration.triggerType"), "started by the runner only")
		env := ContainerEnv(run, "template.containers.0.env")
		assert.Equal(t, "azure-schedule", env["CLOUD"])
		assert.Equal(t, job.ID, env["JOB_ID"])
		assert.Equal(t, fog.Str("failoverGroupName"), env["FAILOVER_GROUP"])
		assert.Contains(t, env["SERVER_ID"], "Microsoft.Sql/servers/", "its own region's server")
		assert.Equal(t, []any{"/app/cleanup"}, job.Get("template.containers.0.command"))
		api := res.Recorder.Named(TypeContainerApp, "sch-"+region+"-api")
		require.NotNil(t, api)
		assert.Equal(t, api.Get("identity.userAssignedIdentities"), job.Get("identity.userAssignedIdentities"), "the app's identity")
	}
}

// Every Container Apps job (each schedule's job and its runner and the
// publisher in every region, the database users' and the migrations' in
// the writer's) alerts the on-call action group on a failed execution: Azure
// Monitor's Executions metric of that job, its state Failed. The failover
// job has alerts of its own on what its log says.
func TestEveryAzureJobsFailedExecutionAlerts(t *testing.T) {
	t.Parallel()
	res := MustPlan(t, "jobs", With(Contract("azure", "active-passive", "northeurope", "westeurope"),
		"schedules", map[string]string{"cleanup": "0 3 * * * /app/cleanup"}, "migrations", []string{"/app/migrate", "up"}, "image", "public.ecr.aws/acme/api:42"))
	group := One(t, res.Recorder.OfType("azure-native:insights:ActionGroup"), "action group")
	alerted := map[string]*mock.Resource{}
	for _, a := range res.Recorder.OfType(TypeMetricAlert) {
		if a.Str("criteria.allOf.0.metricNamespace") == "Microsoft.App/jobs" {
			require.Equal(t, 1, a.Len("scopes"), a.Name)
			alerted[a.Str("scopes.0")] = a
		}
	}
	jobs := res.Recorder.OfType("azure-native:app/v20240301:Job")
	failover := OfComponent(jobs, "mobile-backend:azure:SQLFailover")
	require.Len(t, failover, 1)
	watched := 0
	for _, j := range jobs {
		if j == failover[0] {
			continue
		}
		watched++
		a := alerted[j.ID]
		require.NotNil(t, a, "job %s has no failed-execution alert", j.Name)
		assert.Equal(t, "Executions", a.Str("criteria.allOf.0.metricName"), j.Name)
		assert.Equal(t, "Total", a.Str("criteria.allOf.0.timeAggregation"), j.Name)
		assert.Equal(t, "GreaterThan", a.Str("criteria.allOf.0.operator"), j.Name)
		assert.Equal(t, 0.0, a.Get("criteria.allOf.0.threshold"), j.Name)
		assert.Equal(t, map[string]any{"name": "state", "operator": "Include", "values": []any{"Failed"}}, a.Get("criteria.allOf.0.dimensions.0"), j.Name)
		assert.Equal(t, group.ID, a.Str("actions.0.actionGroupId"), j.Name)
	}
	assert.Equal(t, 8, watched, "the schedule's job and runner and the publisher in each region, the users', the migrations'")
}
