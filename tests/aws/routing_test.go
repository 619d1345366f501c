package aws

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	. "github.com/mobile-backend/mobile-backend/tests/suite"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	awsc "github.com/mobile-backend/mobile-backend/components/aws"
	"github.com/mobile-backend/mobile-backend/internal/mock"
	"github.com/mobile-backend/mobile-backend/internal/plan"
	"github.com/mobile-backend/mobile-backend/internal/spec"
)

// albDNSNames maps each region to its load balancer's DNS name.
func albDNSNames(res *plan.Result) map[string]string { return ByRegion(res, TypeALB, "dnsName") }

func TestActiveActiveRoutesEachClientToTheLowestLatencyHealthyRegion(t *testing.T) {
	t.Parallel()
	regions := []string{"us-east-1", "eu-west-1", "ap-southeast-1"}
	res := MustPlan(t, "aa", With(Contract("aws", "active-active", regions...), "healthCheckInterval", 30, "healthCheckFailureThreshold", 2, "healthCheckPath", "/healthz"))
	albs := albDNSNames(res)

	checks := map[string]*mock.Resource{}
	for _, hc := range EndpointChecks(res) {
		checks[hc.Str("fqdn")] = hc
		assert.Equal(t, "", hc.Region, "health checks are global")
		assert.Equal(t, "HTTPS", hc.Str("type"))
		assert.Equal(t, 443, hc.Int("port"))
		assert.Equal(t, "/healthz", hc.Str("resourcePath"))
		assert.Equal(t, 30, hc.Int("requestInterval"))
		assert.Equal(t, 2, hc.Int("failureThreshold"))
		assert.True(t, hc.Bool("measureLatency"))
		assert.True(t, hc.Bool("enableSni"))
	}
	require.Len(t, checks, 3, "one health check per region")

	records := APIRecords(res)
	require.Len(t, records, 3, "one latency record per region")
	for _, region := range regions {
		rec := records[region]
		require.NotNil(t, rec, region)
		assert.Equal(t, "A", rec.Str("type"))
		assert.Equal(t, region, rec.Str("latencyRoutingPolicies.0.region"))
		assert.Nil(t, rec.Get("failoverRoutingPolicies"))
		assert.Equal(t, albs[region], rec.Str("aliases.0.name"), "the record points at the region's own load balancer")
		assert.Equal(t, true, rec.Get("aliases.0.evaluateTargetHealth"))
		hc := checks[albs[region]]
		require.NotNil(t, hc, "the region's health check probes its load balancer")
		assert.Equal(t, hc.ID, RoutingCheckOf(t, res, rec).Str("childHealthchecks.0"), "the record's routing check follows the region's health check")
	}
}

func TestActivePassiveRoutesOnlyToPrimaryUntilHealthCheckFails(t *testing.T) {
	t.Parallel()
	regions := []string{"us-west-2", "us-east-1", "us-east-2"}
	res := ContractPlan(t, "aws", "active-passive", regions...)
	albs := albDNSNames(res)
	checks := map[string]string{}
	for _, hc := range EndpointChecks(res) {
		checks[hc.Str("fqdn")] = hc.ID
	}
	assert.Len(t, checks, 3, "every region is health-checked, standbys too")

	records := APIRecords(res)
	require.Len(t, records, 2, "failover routing has one primary and one secondary")
	primary, secondary := records["us-west-2"], records["us-east-1"]
	require.NotNil(t, primary)
	require.NotNil(t, secondary)
	assert.Equal(t, "PRIMARY", primary.Str("failoverRoutingPolicies.0.type"))
	assert.Equal(t, "SECONDARY", secondary.Str("failoverRoutingPolicies.0.type"))
	assert.Equal(t, checks[albs["us-west-2"]], RoutingCheckOf(t, res, primary).Str("childHealthchecks.0"), "the primary leaves DNS when its check fails")
	assert.Equal(t, checks[albs["us-east-1"]], RoutingCheckOf(t, res, secondary).Str("childHealthchecks.0"))
	assert.Nil(t, primary.Get("latencyRoutingPolicies"))

	// Standbys run at the standby minimum; the primary at the normal minimum.
	mins := map[string]int{}
	for _, s := range res.Recorder.OfType(TypeScaling) {
		mins[s.Region] = s.Int("minCapacity")
	}
	assert.Equal(t, map[string]int{"us-west-2": 2, "us-east-1": 1, "us-east-2": 1}, mins)
}

func TestEveryRegionHasItsOwnHostname(t *testing.T) {
	t.Parallel()
	res := ContractPlan(t, "aws", "active-passive", "eu-west-1", "eu-central-1")
	albs := albDNSNames(res)
	hosts := map[string]string{}
	for _, r := range res.Recorder.OfType(TypeRecord) {
		if r.Str("setIdentifier") == "" && r.Str("type") == "A" && strings.HasSuffix(r.Str("name"), "-1.api.example.com") {
			hosts[r.Str("name")] = r.Str("aliases.0.name")
		}
	}
	assert.Equal(t, map[string]string{
		"eu-west-1.api.example.com":    albs["eu-west-1"],
		"eu-central-1.api.example.com": albs["eu-central-1"],
	}, hosts)
	regions := res.Outputs["regions"].(map[string]any)
	for region, role := range map[string]string{"eu-west-1": "primary", "eu-central-1": "standby"} {
		out := regions[region].(map[string]any)
		assert.Equal(t, role, out["role"])
		assert.Equal(t, "https://"+region+".api.example.com", out["endpoint"])
		assert.Equal(t, albs[region], out["origin"], "the region's own load balancer")
	}
	assert.Equal(t, "https://api.example.com", res.Outputs["globalEndpoint"])
	assert.Equal(t, "active-passive", res.Outputs["topology"])
}

func TestHostedZoneIsLookedUpUnlessConfigSaysCreate(t *testing.T) {
	t.Parallel()
	looked := ContractPlan(t, "aws", "active-active", "us-east-1", "us-west-2")
	assert.Empty(t, looked.Recorder.OfType(TypeZone))
	var lookups []string
	for _, c := range looked.Recorder.Calls() {
		if c.Token == "aws:route53/getZone:getZone" {
			lookups = append(lookups, c.Region)
		}
	}
	assert.Equal(t, []string{awsc.GlobalRegion}, lookups, "one lookup, through the global provider")

	created := MustPlan(t, "zone", With(Contract("aws", "active-active", "us-east-1", "us-west-2"), "createDnsZone", true, "dnsZone", "api.example.com"))
	zone := One(t, created.Recorder.OfType(TypeZone), "zone")
	assert.Equal(t, "api.example.com", zone.Str("name"))
	assert.True(t, zone.Protect, "a created zone is protected")
	for _, r := range created.Recorder.OfType(TypeRecord) {
		assert.Equal(t, zone.Outputs["zoneId"], r.Str("zoneId"))
	}
}

func TestCertificatesAreRegionalAndShareOneApexValidationRecord(t *testing.T) {
	t.Parallel()
	regions := []string{"us-east-1", "eu-west-1", "ap-northeast-1"}
	res := ContractPlan(t, "aws", "active-active", regions...)
	var certs []*mock.Resource
	for _, c := range res.Recorder.OfType(TypeCert) {
		if c.Str("domainName") == "api.example.com" {
			certs = append(certs, c)
		}
	}
	require.Len(t, certs, 3)
	for _, c := range certs {
		assert.Equal(t, []any{c.Region + ".api.example.com"}, c.Get("subjectAlternativeNames"))
		assert.Equal(t, "DNS", c.Str("validationMethod"))
	}
	validations := map[string]int{}
	for _, r := range res.Recorder.OfType(TypeRecord) {
		if r.Str("type") == "CNAME" {
			validations[r.Str("name")]++
			assert.True(t, r.Bool("allowOverwrite"))
		}
	}
	assert.Len(t, validations, 5, "the API hostname's record once, one per regional hostname, one for static.<domain>")
	for name, n := range validations {
		assert.Equal(t, 1, n, "%s is owned by exactly one resource", name)
	}
	for _, v := range res.Recorder.OfType(TypeCertValid) {
		if v.Name != "contract-uploads-static" {
			assert.Equal(t, 2, v.Len("validationRecordFqdns"), v.Name)
		}
	}
	// Each region's HTTPS listener serves its own region's certificate.
	for _, l := range res.Recorder.OfType(TypeListener) {
		if l.Int("port") == 443 {
			assert.Regexp(t, "^arn:aws:acm:"+l.Region+":", l.Str("certificateArn"))
		}
	}
}

func TestWebFirewallRunsManagedRulesRateLimitAndGeoBlockInCountMode(t *testing.T) {
	t.Parallel()
	rec := runComponent(t, "eu-west-1", func(ctx *pulumi.Context, inRegion pulumi.ResourceOption) error {
		_, err := awsc.NewWebFirewall(ctx, "test-eu-west-1", awsc.WebFirewallArgs{
			LoadBalancerArn: pulumi.String("arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/test/1"),
			Mode:            spec.WAFCount,
			RateLimit:       500,
			GeoBlock:        []string{"KP", "IR"},
		}, inRegion)
		return err
	})
	acl := One(t, rec.OfType(TypeACL), "web ACL")
	assert.Equal(t, "REGIONAL", acl.Str("scope"))
	assert.Equal(t, "eu-west-1", acl.Region)
	assert.NotNil(t, acl.Get("defaultAction.allow"))

	type rule struct {
		Name     string
		Priority int
		Action   string
	}
	var rules []rule
	for i := 0; i < acl.Len("rules"); i++ {
		p := "rules." + strconv.Itoa(i) + "."
		action := ""
		for _, a := range []string{"action.block", "action.count", "overrideAction.none", "overrideAction.count"} {
			if acl.Get(p+a) != nil {
				action = a
			}
		}
		rules = append(rules, rule{acl.Str(p + "name"), acl.Int(p + "priority"), action})
		assert.Equal(t, true, acl.Get(p+"visibilityConfig.cloudwatchMetricsEnabled"), "metrics on %s", acl.Str(p+"name"))
	}
	assert.Equal(t, []rule{
		{"geo-block", 0, "action.count"},
		{"rate-limit", 1, "action.count"},
		{"AWSManagedRulesAmazonIpReputationList", 10, "overrideAction.count"},
		{"AWSManagedRulesCommonRuleSet", 11, "overrideAction.count"},
		{"AWSManagedRulesKnownBadInputsRuleSet", 12, "overrideAction.count"},
		{"AWSManagedRulesSQLiRuleSet", 13, "overrideAction.count"},
	}, rules)
	assert.Equal(t, []any{"KP", "IR"}, acl.Get("rules.0.statement.geoMatchStatement.countryCodes"))
	assert.Equal(t, 500, acl.Int("rules.1.statement.rateBasedStatement.limit"))
	assert.Equal(t, "IP", acl.Str("rules.1.statement.rateBasedStatement.aggregateKeyType"))
	assert.Equal(t, "AWS", acl.Str("rules.2.statement.managedRuleGroupStatement.vendorName"))

	logging := One(t, rec.OfType(TypeACLLogging), "logging")
	assert.Equal(t, "authorization", logging.Str("redactedFields.0.singleHeader.name"))
	logs := One(t, rec.OfType(TypeLogGroup), "WAF log group")
	assert.Equal(t, "aws-waf-logs-test-eu-west-1", logs.Str("name"), "WAF only logs to groups named aws-waf-logs-*")
	assert.Equal(t, []any{logs.Outputs["arn"]}, logging.Get("logDestinationConfigs"))
	assert.Equal(t, acl.Outputs["arn"], logging.Str("resourceArn"))
}

func TestWebFirewallBlocksByDefaultAndSkipsAnEmptyGeoBlock(t *testing.T) {
	t.Parallel()
	rec := runComponent(t, "eu-west-1", func(ctx *pulumi.Context, inRegion pulumi.ResourceOption) error {
		_, err := awsc.NewWebFirewall(ctx, "test", awsc.WebFirewallArgs{LoadBalancerArn: pulumi.String("arn:alb")}, inRegion)
		return err
	})
	acl := One(t, rec.OfType(TypeACL), "web ACL")
	assert.Equal(t, acl.Str("visibilityConfig.metricName"), acl.Str("name"),
		"named like its metric: the WAF alarm and dashboard address the WebACL dimension by the ACL's name")
	assert.Equal(t, 5, acl.Len("rules"))
	assert.Equal(t, "rate-limit", acl.Str("rules.0.name"))
	assert.NotNil(t, acl.Get("rules.0.action.block"))
	assert.Equal(t, 2000, acl.Int("rules.0.statement.rateBasedStatement.limit"))
	assert.NotNil(t, acl.Get("rules.1.overrideAction.none"))
}

func TestEveryLoadBalancerIsBehindItsRegionsWAF(t *testing.T) {
	t.Parallel()
	res := MustPlan(t, "waf", With(Contract("aws", "active-active", "us-east-1", "eu-west-1", "sa-east-1"), "rateLimit", 1200))
	albs := res.Recorder.OfType(TypeALB)
	assocs := res.Recorder.OfType(TypeACLAssoc)
	require.Len(t, albs, 3)
	require.Len(t, assocs, 3)
	aclArn := map[string]string{}
	for _, acl := range res.Recorder.OfType(TypeACL) {
		aclArn[acl.Region] = acl.Outputs["arn"].(string)
		assert.Equal(t, 1200, acl.Int("rules.0.statement.rateBasedStatement.limit"))
	}
	for _, alb := range albs {
		found := false
		for _, a := range assocs {
			if a.Str("resourceArn") == alb.Outputs["arn"] {
				found = true
				assert.Equal(t, alb.Region, a.Region)
				assert.Equal(t, aclArn[alb.Region], a.Str("webAclArn"), "the ACL of the load balancer's own region")
			}
		}
		assert.True(t, found, "load balancer %s has a WAF", alb.Name)
	}
}

func TestBodiesOver8KBAreBlockedExceptOnTheConfiguredPaths(t *testing.T) {
	t.Parallel()
	rule := func(acl *mock.Resource, name string) string {
		for i := 0; i < acl.Len("rules"); i++ {
			if acl.Str(fmt.Sprintf("rules.%d.name", i)) == name {
				return fmt.Sprintf("rules.%d.", i)
			}
		}
		return ""
	}
	// By default the core rule set blocks every body over 8 KB: no override, no extra rule.
	plain := ContractPlan(t, "aws", "active-active", "us-east-1", "eu-west-1")
	for _, acl := range plain.Recorder.OfType(TypeACL) {
		crs := rule(acl, "AWSManagedRulesCommonRuleSet")
		require.NotEmpty(t, crs)
		assert.Nil(t, acl.Get(crs+"statement.managedRuleGroupStatement.ruleActionOverrides"), acl.Name)
		assert.Empty(t, rule(acl, "body-size-outside-large-body-paths"), acl.Name)
	}

	res := MustPlan(t, "body", With(Contract("aws", "active-active", "us-east-1", "eu-west-1"), "wafLargeBodyPaths", []string{"/v1/media", "/v1/backup"}))
	regional := 0
	for _, acl := range res.Recorder.OfType(TypeACL) {
		if acl.Str("scope") != "REGIONAL" {
			assert.Empty(t, rule(acl, "body-size-outside-large-body-paths"), "the edge cache serves static GETs: no exception")
			continue
		}
		regional++
		crs := rule(acl, "AWSManagedRulesCommonRuleSet")
		assert.Equal(t, "SizeRestrictions_BODY", acl.Str(crs+"statement.managedRuleGroupStatement.ruleActionOverrides.0.name"))
		assert.NotNil(t, acl.Get(crs+"statement.managedRuleGroupStatement.ruleActionOverrides.0.actionToUse.count"), "the managed rule only labels")
		body := rule(acl, "body-size-outside-large-body-paths")
		require.NotEmpty(t, body, acl.Name)
		assert.NotNil(t, acl.Get(body+"action.block"), "and the stack's rule blocks")
		assert.Equal(t, "awswaf:managed:aws:core-rule-set:SizeRestrictions_Body", acl.Str(body+"statement.andStatement.statements.0.labelMatchStatement.key"))
		assert.Equal(t, `^(/v1/media|/v1/backup)(/|$)`, acl.Str(body+"statement.andStatement.statements.1.notStatement.statements.0.regexMatchStatement.regexString"))
		assert.Greater(t, acl.Int(body+"priority"), acl.Int(crs+"priority"), "after the label is set")
	}
	assert.Equal(t, 2, regional)
}
