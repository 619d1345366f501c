package mock

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// Account is the AWS account id the mock answers with.
const Account = "123456789012"

// MockPassword is what every generated password is under the mock: tests
// search the plan for it to prove that no secret leaks in plain text.
const MockPassword = "mock-generated-password-9f8e7d6c5b4a"

// MockSharedKey is what every Log Analytics shared key is under the mock
// (a secret the Container Apps environment takes as an input).
const MockSharedKey = "mock-primary-shared-key"

// hash is a short deterministic suffix, standing in for the random parts of
// real identifiers.
func hash(parts ...string) string {
	sum := sha256.Sum256([]byte(strings.Join(parts, "/")))
	return hex.EncodeToString(sum[:])
}

// awsIDPrefix is the id prefix EC2 and friends use for each type.
var awsIDPrefix = map[string]string{
	"aws:ec2/vpc:Vpc":                                           "vpc",
	"aws:ec2/subnet:Subnet":                                     "subnet",
	"aws:ec2/securityGroup:SecurityGroup":                       "sg",
	"aws:ec2/internetGateway:InternetGateway":                   "igw",
	"aws:ec2/natGateway:NatGateway":                             "nat",
	"aws:ec2/eip:Eip":                                           "eipalloc",
	"aws:ec2/routeTable:RouteTable":                             "rtb",
	"aws:ec2/flowLog:FlowLog":                                   "fl",
	"aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": "sgr",
	"aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule":   "sgr",
	"aws:route53/healthCheck:HealthCheck":                       "hc",
}

// props reads a resource's inputs and fills in the outputs they lack.
type props struct{ in, out resource.PropertyMap }

// str is a string input, or "".
func (p props) str(k string) string {
	if v, ok := p.in[resource.PropertyKey(k)]; ok && v.IsString() {
		return v.StringValue()
	}
	return ""
}

// set adds a string output unless the inputs already hold it.
func (p props) set(k, v string) {
	if _, ok := p.out[resource.PropertyKey(k)]; !ok {
		p.out[resource.PropertyKey(k)] = resource.NewProperty(v)
	}
}

// answer returns the id and state a provider would return on create: the
// inputs plus the computed properties a component reads.
func answer(typ, name, region string, in resource.PropertyMap) (string, resource.PropertyMap) {
	out := in.Copy()
	h := hash(typ, name, region)
	p := props{in, out}
	set, str := p.set, p.str
	if strings.HasPrefix(typ, "pulumi:providers:") {
		return name + "-" + h[:8], out
	}

	// Auto-naming: like the engine, a resource without an explicit name gets
	// its logical name plus a random suffix (here a stable one); a name
	// prefix gets a suffix of its own.
	physical := str("name")
	if physical == "" {
		if p := str("namePrefix"); p != "" {
			physical = p + h[:20]
		} else {
			physical = name + "-" + h[:7]
		}
		set("name", physical)
	}

	id := physical
	if parts := strings.Split(typ, ":"); parts[0] == "gcp" {
		return gcpAnswer(typ, physical, region, h, p)
	} else if parts[0] == "azure-native" {
		return azureAnswer(typ, name, region, h, p)
	}
	if p, ok := awsIDPrefix[typ]; ok {
		id = p + "-" + h[:17]
	}
	parts := strings.Split(typ, ":")
	if parts[0] == "aws" {
		service := strings.SplitN(parts[1], "/", 2)[0]
		arnRegion := region
		if service == "iam" || service == "route53" || service == "cloudfront" {
			arnRegion = "" // global services' ARNs name no region
		}
		set("arn", fmt.Sprintf("arn:aws:%s:%s:%s:%s/%s", service, arnRegion, Account, strings.ToLower(parts[2]), physical))
	}

	switch typ {
	case "aws:lb/loadBalancer:LoadBalancer":
		suffix := "app/" + physical + "/" + h[:16]
		set("arn", fmt.Sprintf("arn:aws:elasticloadbalancing:%s:%s:loadbalancer/%s", region, Account, suffix))
		set("arnSuffix", suffix)
		set("dnsName", fmt.Sprintf("%s-%d.%s.elb.amazonaws.com", physical, 1000000000+int(h[0])*1000, region))
		set("zoneId", albZoneID(region))
	case "aws:lb/targetGroup:TargetGroup":
		suffix := "targetgroup/" + physical + "/" + h[:16]
		set("arn", fmt.Sprintf("arn:aws:elasticloadbalancing:%s:%s:%s", region, Account, suffix))
		set("arnSuffix", suffix)
	case "aws:lb/listener:Listener":
		set("arn", fmt.Sprintf("arn:aws:elasticloadbalancing:%s:%s:listener/app/%s", region, Account, h[:16]))
	case "aws:acm/certificate:Certificate":
		names := []string{str("domainName")}
		if sans, ok := in["subjectAlternativeNames"]; ok && sans.IsArray() {
			for _, s := range sans.ArrayValue() {
				if s.IsString() {
					names = append(names, s.StringValue())
				}
			}
		}
		var opts []resource.PropertyValue
		for _, n := range names {
			// ACM's validation record depends on the domain and the account
			// only, so every region's certificate asks for the same record.
			t := hash("acm", n)
			opts = append(opts, resource.NewProperty(resource.PropertyMap{
				"domainName":          resource.NewProperty(n),
				"resourceRecordName":  resource.NewProperty("_" + t[:32] + "." + n + "."),
				"resourceRecordType":  resource.NewProperty("CNAME"),
				"resourceRecordValue": resource.NewProperty("_" + t[32:64] + ".acm-validations.aws."),
			}))
		}
		out["domainValidationOptions"] = resource.NewProperty(opts)
		set("arn", fmt.Sprintf("arn:aws:acm:%s:%s:certificate/%s", region, Account, uuid(h)))
	case "aws:acm/certificateValidation:CertificateValidation":
		id = str("certificateArn")
	case "aws:route53/zone:Zone":
		zone := "Z" + strings.ToUpper(h[:20])
		set("zoneId", zone)
		out["nameServers"] = resource.NewProperty([]resource.PropertyValue{
			resource.NewProperty("ns-1.awsdns-01.org"), resource.NewProperty("ns-2.awsdns-02.net"),
		})
		id = zone
	case "aws:route53/record:Record":
		set("fqdn", str("name"))
		id = fmt.Sprintf("%s_%s_%s", str("zoneId"), str("name"), str("type"))
	case "aws:ecs/cluster:Cluster":
		set("arn", fmt.Sprintf("arn:aws:ecs:%s:%s:cluster/%s", region, Account, physical))
	case "aws:ecs/taskDefinition:TaskDefinition":
		set("arn", fmt.Sprintf("arn:aws:ecs:%s:%s:task-definition/%s:1", region, Account, str("family")))
		set("revision", "1")
	case "aws:cloudwatch/logGroup:LogGroup":
		out["arn"] = resource.NewProperty(fmt.Sprintf("arn:aws:logs:%s:%s:log-group:%s", region, Account, physical))
	case "aws:cloudwatch/metricAlarm:MetricAlarm", "aws:cloudwatch/compositeAlarm:CompositeAlarm":
		name := orDefault(str("alarmName"), physical)
		out["arn"] = resource.NewProperty(fmt.Sprintf("arn:aws:cloudwatch:%s:%s:alarm:%s", region, Account, name))
		id = name
	case "aws:iam/policy:Policy":
		out["arn"] = resource.NewProperty(fmt.Sprintf("arn:aws:iam::%s:policy/%s", Account, physical))
		id = fmt.Sprintf("arn:aws:iam::%s:policy/%s", Account, physical)
	case "aws:iam/role:Role":
		out["arn"] = resource.NewProperty(fmt.Sprintf("arn:aws:iam::%s:role/%s", Account, physical))
	case "aws:wafv2/webAcl:WebAcl":
		out["arn"] = resource.NewProperty(fmt.Sprintf("arn:aws:wafv2:%s:%s:regional/webacl/%s/%s", region, Account, physical, uuid(h)))
		set("capacity", "700")
	case "random:index/randomPassword:RandomPassword":
		// Providers return generated secrets as secrets; so does the mock.
		out["result"] = resource.MakeSecret(resource.NewProperty(MockPassword))
		id = "none"
	case "random:index/randomId:RandomId":
		// 16 bytes, base64url without padding, like the provider's b64Url.
		out["b64Url"] = resource.NewProperty(strings.TrimRight(base64.URLEncoding.EncodeToString([]byte(h[:16])), "="))
		out["hex"] = resource.NewProperty(h[:32])
		id = strings.TrimRight(base64.URLEncoding.EncodeToString([]byte(h[:16])), "=")
	case "aws:kms/key:Key":
		keyID := uuid(h)
		out["keyId"] = resource.NewProperty(keyID)
		out["arn"] = resource.NewProperty(fmt.Sprintf("arn:aws:kms:%s:%s:key/%s", region, Account, keyID))
		id = keyID
	case "aws:kms/alias:Alias":
		out["arn"] = resource.NewProperty(fmt.Sprintf("arn:aws:kms:%s:%s:%s", region, Account, physical))
	case "aws:rds/globalCluster:GlobalCluster":
		id = str("globalClusterIdentifier")
		set("endpoint", id+".global-"+h[:12]+".global.rds.amazonaws.com")
		set("arn", fmt.Sprintf("arn:aws:rds::%s:global-cluster:%s", Account, id))
	case "aws:rds/cluster:Cluster":
		id = str("clusterIdentifier")
		set("endpoint", fmt.Sprintf("%s.cluster-%s.%s.rds.amazonaws.com", id, h[:12], region))
		set("readerEndpoint", fmt.Sprintf("%s.cluster-ro-%s.%s.rds.amazonaws.com", id, h[:12], region))
		set("clusterResourceId", "cluster-"+strings.ToUpper(h[:26]))
		set("arn", fmt.Sprintf("arn:aws:rds:%s:%s:cluster:%s", region, Account, id))
	case "aws:rds/clusterInstance:ClusterInstance":
		id = str("identifier")
		set("arn", fmt.Sprintf("arn:aws:rds:%s:%s:db:%s", region, Account, id))
	case "aws:secretsmanager/secret:Secret":
		set("arn", fmt.Sprintf("arn:aws:secretsmanager:%s:%s:secret:%s-%s", region, Account, physical, h[:6]))
		id = fmt.Sprintf("arn:aws:secretsmanager:%s:%s:secret:%s-%s", region, Account, physical, h[:6])
	case "aws:dynamodb/table:Table":
		out["arn"] = resource.NewProperty(fmt.Sprintf("arn:aws:dynamodb:%s:%s:table/%s", region, Account, physical))
		set("streamArn", fmt.Sprintf("arn:aws:dynamodb:%s:%s:table/%s/stream/2026-11-25T00:00:00.000", region, Account, physical))
	case "aws:s3/bucketV2:BucketV2":
		name := str("bucket")
		if name == "" {
			name = physical
		}
		id = name
		set("bucket", name)
		out["arn"] = resource.NewProperty("arn:aws:s3:::" + name)
		set("bucketRegionalDomainName", fmt.Sprintf("%s.s3.%s.amazonaws.com", name, region))
	case "aws:cloudfront/distribution:Distribution":
		id = "E" + strings.ToUpper(h[:13])
		out["arn"] = resource.NewProperty(fmt.Sprintf("arn:aws:cloudfront::%s:distribution/%s", Account, id))
		set("domainName", "d"+h[:13]+".cloudfront.net")
		set("hostedZoneId", "Z2FDTNDATAQYW2") // CloudFront's fixed alias zone
	case "aws:cloudfront/originAccessControl:OriginAccessControl":
		id = "E" + strings.ToUpper(h[:13])
	case "aws:sns/topic:Topic":
		out["arn"] = resource.NewProperty(fmt.Sprintf("arn:aws:sns:%s:%s:%s", region, Account, physical))
		id = fmt.Sprintf("arn:aws:sns:%s:%s:%s", region, Account, physical)
	case "aws:cloudwatch/dashboard:Dashboard":
		id = str("dashboardName")
	case "aws:ec2/eip:Eip":
		set("allocationId", id)
		set("publicIp", fmt.Sprintf("203.0.113.%d", 1+int(h[1])%250))
	}
	return id, out
}

// uuid formats a hash like the UUIDs in ACM and WAF ARNs.
func uuid(h string) string {
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// albZoneID is the canonical hosted zone of load balancers in a region (what
// Route 53 alias records point at); the mock uses one plausible value.
func albZoneID(region string) string {
	return "Z" + strings.ToUpper(hash("elb", region)[:13])
}

// availabilityZones are the zones the mock reports per region; most regions
// have three or more, us-west-1 only two for new accounts.
func availabilityZones(region string) []string {
	if region == "us-west-1" {
		return []string{"us-west-1a", "us-west-1c"}
	}
	return []string{region + "a", region + "b", region + "c", region + "d"}
}

func invoke(token, region string, args resource.PropertyMap) (resource.PropertyMap, error) {
	str := props{in: args}.str
	switch token {
	case "aws:index/getAvailabilityZones:getAvailabilityZones":
		var names, ids []resource.PropertyValue
		for i, z := range availabilityZones(region) {
			names = append(names, resource.NewProperty(z))
			ids = append(ids, resource.NewProperty(fmt.Sprintf("%s-az%d", strings.ReplaceAll(region, "-", "")[:4], i+1)))
		}
		return resource.PropertyMap{"names": resource.NewProperty(names), "zoneIds": resource.NewProperty(ids), "id": resource.NewProperty(region)}, nil
	case "aws:elb/getServiceAccount:getServiceAccount":
		// A stand-in for the region's Elastic Load Balancing account.
		var account string
		for _, c := range hash("elb", region)[:12] {
			account += fmt.Sprint(int(c) % 10)
		}
		return resource.PropertyMap{"arn": resource.NewProperty("arn:aws:iam::" + account + ":root"), "id": resource.NewProperty(account)}, nil
	case "gcp:storage/getProjectServiceAccount:getProjectServiceAccount":
		email := fmt.Sprintf("service-%s@gs-project-accounts.iam.gserviceaccount.com", GCPProjectNumber)
		return resource.PropertyMap{"emailAddress": resource.NewProperty(email), "member": resource.NewProperty("serviceAccount:" + email), "id": resource.NewProperty(email)}, nil
	case "gcp:organizations/getProject:getProject":
		return resource.PropertyMap{
			"number": resource.NewProperty(GCPProjectNumber), "projectId": resource.NewProperty(orDefault(str("projectId"), GCPProject)),
			"name": resource.NewProperty(GCPProject), "id": resource.NewProperty("projects/" + GCPProject),
		}, nil
	case "gcp:dns/getManagedZone:getManagedZone":
		name := str("name")
		return resource.PropertyMap{
			"name": resource.NewProperty(name), "id": resource.NewProperty("projects/" + GCPProject + "/managedZones/" + name),
			"dnsName":     resource.NewProperty(strings.ReplaceAll(name, "-", ".") + "."),
			"nameServers": resource.NewProperty([]resource.PropertyValue{resource.NewProperty("ns-cloud-a1.googledomains.com.")}),
			"visibility":  resource.NewProperty("public"),
		}, nil
	case "azure-native:authorization:getClientConfig":
		return resource.PropertyMap{
			"clientId": resource.NewProperty(uuid(hash("client"))), "objectId": resource.NewProperty(uuid(hash("object"))),
			"subscriptionId": resource.NewProperty(AzureSubscription), "tenantId": resource.NewProperty(uuid(hash("tenant"))),
		}, nil
	case "azure-native:operationalinsights:getSharedKeys":
		return resource.PropertyMap{
			"primarySharedKey":   resource.MakeSecret(resource.NewProperty(MockSharedKey)),
			"secondarySharedKey": resource.MakeSecret(resource.NewProperty("mock-secondary-shared-key")),
		}, nil
	case "azure-native:network:getZone":
		name := str("zoneName")
		return resource.PropertyMap{
			"id":   resource.NewProperty(fmt.Sprintf("/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Network/dnszones/%s", AzureSubscription, str("resourceGroupName"), name)),
			"name": resource.NewProperty(name), "location": resource.NewProperty("global"),
			"nameServers": resource.NewProperty([]resource.PropertyValue{resource.NewProperty("ns1-01.azure-dns.com.")}),
		}, nil
	case "aws:route53/getZone:getZone":
		name := strings.TrimSuffix(str("name"), ".")
		zone := "Z" + strings.ToUpper(hash("zone", name)[:20])
		return resource.PropertyMap{
			"zoneId": resource.NewProperty(zone), "id": resource.NewProperty(zone),
			"name": resource.NewProperty(name), "arn": resource.NewProperty("arn:aws:route53:::hostedzone/" + zone),
		}, nil
	case "aws:index/getCallerIdentity:getCallerIdentity":
		return resource.PropertyMap{"accountId": resource.NewProperty(Account), "id": resource.NewProperty(Account)}, nil
	}
	return nil, fmt.Errorf("mock: no answer for invoke %s", token)
}

// GCPProject and GCPProjectNumber are the project the mock answers with.
const (
	GCPProject       = "mock-project"
	GCPProjectNumber = "123456789012"
)

// gcpCollections are the Compute Engine collections in resource ids.
var gcpCollections = map[string]string{
	"gcp:compute/backendService:BackendService":                         "backendServices",
	"gcp:compute/backendBucket:BackendBucket":                           "backendBuckets",
	"gcp:compute/uRLMap:URLMap":                                         "urlMaps",
	"gcp:compute/globalAddress:GlobalAddress":                           "addresses",
	"gcp:compute/managedSslCertificate:ManagedSslCertificate":           "sslCertificates",
	"gcp:compute/sSLPolicy:SSLPolicy":                                   "sslPolicies",
	"gcp:compute/targetHttpsProxy:TargetHttpsProxy":                     "targetHttpsProxies",
	"gcp:compute/targetHttpProxy:TargetHttpProxy":                       "targetHttpProxies",
	"gcp:compute/globalForwardingRule:GlobalForwardingRule":             "forwardingRules",
	"gcp:compute/securityPolicy:SecurityPolicy":                         "securityPolicies",
	"gcp:compute/regionSecurityPolicy:RegionSecurityPolicy":             "securityPolicies",
	"gcp:compute/networkEdgeSecurityService:NetworkEdgeSecurityService": "networkEdgeSecurityServices",
	"gcp:compute/network:Network":                                       "networks",
	"gcp:compute/subnetwork:Subnetwork":                                 "subnetworks",
	"gcp:compute/regionNetworkEndpointGroup:RegionNetworkEndpointGroup": "networkEndpointGroups",
}

// gcpAnswer answers for a Google Cloud resource: ids in the API's
// projects/... form, self links, and the computed properties components read.
func gcpAnswer(typ, physical, region, h string, p props) (string, resource.PropertyMap) {
	set, str, out := p.set, p.str, p.out
	id := physical
	if c, ok := gcpCollections[typ]; ok {
		scope := "global"
		if region != "" {
			scope = "regions/" + region
		}
		id = fmt.Sprintf("projects/%s/%s/%s/%s", GCPProject, scope, c, physical)
		set("selfLink", "https://www.googleapis.com/compute/v1/"+id)
	}
	switch typ {
	case "gcp:serviceaccount/account:Account":
		email := fmt.Sprintf("%s@%s.iam.gserviceaccount.com", str("accountId"), GCPProject)
		set("email", email)
		set("member", "serviceAccount:"+email)
		id = fmt.Sprintf("projects/%s/serviceAccounts/%s", GCPProject, email)
	case "gcp:compute/globalAddress:GlobalAddress":
		if str("purpose") == "VPC_PEERING" {
			set("address", "10.250.0.0")
		} else {
			set("address", fmt.Sprintf("203.0.113.%d", 1+int(h[2])%250))
		}
	case "gcp:cloudrunv2/service:Service":
		set("uri", fmt.Sprintf("https://%s-%s.a.run.app", physical, h[:10]))
	case "gcp:sql/databaseInstance:DatabaseInstance":
		set("privateIpAddress", fmt.Sprintf("10.250.%d.%d", int(h[0])%200, 2+int(h[1])%200))
		set("connectionName", fmt.Sprintf("%s:%s:%s", GCPProject, region, physical))
	case "gcp:monitoring/uptimeCheckConfig:UptimeCheckConfig":
		check := physical
		set("uptimeCheckId", check)
		id = fmt.Sprintf("projects/%s/uptimeCheckConfigs/%s", GCPProject, check)
		out["name"] = resource.NewProperty(id)
	case "gcp:monitoring/notificationChannel:NotificationChannel", "gcp:monitoring/alertPolicy:AlertPolicy":
		kind := "notificationChannels"
		if strings.HasSuffix(typ, "AlertPolicy") {
			kind = "alertPolicies"
		}
		id = fmt.Sprintf("projects/%s/%s/%d", GCPProject, kind, 1000000+int(h[3])*997)
		out["name"] = resource.NewProperty(id)
	case "gcp:pubsub/topic:Topic":
		id = fmt.Sprintf("projects/%s/topics/%s", GCPProject, physical)
	case "gcp:workflows/workflow:Workflow":
		id = fmt.Sprintf("projects/%s/locations/%s/workflows/%s", GCPProject, region, physical)
	case "gcp:monitoring/dashboard:Dashboard":
		id = fmt.Sprintf("projects/%s/dashboards/%s", GCPProjectNumber, h[:12])
	case "gcp:storage/bucket:Bucket":
		set("url", "gs://"+physical)
	case "gcp:dns/recordSet:RecordSet":
		id = fmt.Sprintf("projects/%s/managedZones/%s/rrsets/%s/%s", GCPProject, str("managedZone"), physical, str("type"))
	case "gcp:kms/keyRing:KeyRing":
		id = fmt.Sprintf("projects/%s/locations/%s/keyRings/%s", GCPProject, str("location"), physical)
	case "gcp:kms/cryptoKey:CryptoKey":
		id = str("keyRing") + "/cryptoKeys/" + physical
	case "gcp:projects/serviceIdentity:ServiceIdentity":
		agent := map[string]string{"sqladmin.googleapis.com": "gcp-sa-cloud-sql", "spanner.googleapis.com": "gcp-sa-spanner"}[str("service")]
		set("email", fmt.Sprintf("service-%s@%s.iam.gserviceaccount.com", GCPProjectNumber, orDefault(agent, "gcp-sa-"+strings.SplitN(str("service"), ".", 2)[0])))
	case "gcp:spanner/instance:Instance", "gcp:spanner/database:Database", "gcp:sql/database:Database":
		// Their name is the id the other resources reference.
	}
	return id, out
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// AzureSubscription is the subscription the mock answers with.
const AzureSubscription = "00000000-0000-4000-8000-000000000001"

// azureNameKeys maps a type to the input that holds its name, where it is
// not <type>Name.
var azureNameKeys = map[string]string{
	"azure-native:cdn:AFDEndpoint":                      "endpointName",
	"azure-native:cdn:AFDOriginGroup":                   "originGroupName",
	"azure-native:cdn:AFDOrigin":                        "originName",
	"azure-native:cdn:AFDCustomDomain":                  "customDomainName",
	"azure-native:insights:Component":                   "resourceName",
	"azure-native:storage:StorageAccount":               "accountName",
	"azure-native:app:ManagedEnvironment":               "environmentName",
	"azure-native:network:Policy":                       "policyName",
	"azure-native:network:Zone":                         "zoneName",
	"azure-native:network:PrivateZone":                  "privateZoneName",
	"azure-native:network:RecordSet":                    "relativeRecordSetName",
	"azure-native:insights:DiagnosticSetting":           "name",
	"azure-native:insights:MetricAlert":                 "ruleName",
	"azure-native:managedidentity:UserAssignedIdentity": "resourceName",
}

// azureIDs are the ARM id shapes Azure returns, per type: the provider
// namespace and the path below it, where {input} is an input's value. Where
// Azure is inconsistent the mock is too: Log Analytics and Application
// Insights ids come back with a lower-case "resourcegroups" segment and
// namespace (Azure/azure-rest-api-specs#9633,
// hashicorp/terraform-provider-azurerm#28084), so code that parses ids
// breaks here as it would in the cloud.
var azureIDs = map[string]struct{ group, namespace, path string }{
	"azure-native:operationalinsights:Workspace":        {"resourcegroups", "microsoft.operationalinsights", "workspaces/{name}"},
	"azure-native:operationalinsights:SavedSearch":      {"resourcegroups", "microsoft.operationalinsights", "workspaces/{workspaceName}/savedSearches/{name}"},
	"azure-native:insights:Component":                   {"resourceGroups", "microsoft.insights", "components/{name}"},
	"azure-native:insights:WebTest":                     {"resourceGroups", "microsoft.insights", "webtests/{name}"},
	"azure-native:insights:MetricAlert":                 {"resourceGroups", "microsoft.insights", "metricalerts/{name}"},
	"azure-native:insights:ActionGroup":                 {"resourceGroups", "microsoft.insights", "actionGroups/{name}"},
	"azure-native:insights:ActivityLogAlert":            {"resourceGroups", "microsoft.insights", "activityLogAlerts/{name}"},
	"azure-native:network:Zone":                         {"resourceGroups", "Microsoft.Network", "dnszones/{name}"},
	"azure-native:network:RecordSet":                    {"resourceGroups", "Microsoft.Network", "dnszones/{zoneName}/{recordType}/{name}"},
	"azure-native:network:PrivateZone":                  {"resourceGroups", "Microsoft.Network", "privateDnsZones/{name}"},
	"azure-native:network:VirtualNetworkLink":           {"resourceGroups", "Microsoft.Network", "privateDnsZones/{privateZoneName}/virtualNetworkLinks/{name}"},
	"azure-native:network:PrivateDnsZoneGroup":          {"resourceGroups", "Microsoft.Network", "privateEndpoints/{privateEndpointName}/privateDnsZoneGroups/{name}"},
	"azure-native:network:Policy":                       {"resourceGroups", "Microsoft.Network", "frontdoorWebApplicationFirewallPolicies/{name}"},
	"azure-native:cdn:AFDEndpoint":                      {"resourceGroups", "Microsoft.Cdn", "profiles/{profileName}/afdEndpoints/{name}"},
	"azure-native:cdn:AFDOriginGroup":                   {"resourceGroups", "Microsoft.Cdn", "profiles/{profileName}/originGroups/{name}"},
	"azure-native:cdn:AFDOrigin":                        {"resourceGroups", "Microsoft.Cdn", "profiles/{profileName}/originGroups/{originGroupName}/origins/{name}"},
	"azure-native:cdn:AFDCustomDomain":                  {"resourceGroups", "Microsoft.Cdn", "profiles/{profileName}/customDomains/{name}"},
	"azure-native:cdn:Route":                            {"resourceGroups", "Microsoft.Cdn", "profiles/{profileName}/afdEndpoints/{endpointName}/routes/{name}"},
	"azure-native:cdn:SecurityPolicy":                   {"resourceGroups", "Microsoft.Cdn", "profiles/{profileName}/securityPolicies/{name}"},
	"azure-native:sql:Database":                         {"resourceGroups", "Microsoft.Sql", "servers/{serverName}/databases/{name}"},
	"azure-native:sql:FailoverGroup":                    {"resourceGroups", "Microsoft.Sql", "servers/{serverName}/failoverGroups/{name}"},
	"azure-native:sql:ServerKey":                        {"resourceGroups", "Microsoft.Sql", "servers/{serverName}/keys/{name}"},
	"azure-native:sql:BackupShortTermRetentionPolicy":   {"resourceGroups", "Microsoft.Sql", "servers/{serverName}/databases/{databaseName}/backupShortTermRetentionPolicies/default"},
	"azure-native:sql:LongTermRetentionPolicy":          {"resourceGroups", "Microsoft.Sql", "servers/{serverName}/databases/{databaseName}/backupLongTermRetentionPolicies/default"},
	"azure-native:storage:BlobContainer":                {"resourceGroups", "Microsoft.Storage", "storageAccounts/{accountName}/blobServices/default/containers/{name}"},
	"azure-native:storage:BlobServiceProperties":        {"resourceGroups", "Microsoft.Storage", "storageAccounts/{accountName}/blobServices/default"},
	"azure-native:storage:ObjectReplicationPolicy":      {"resourceGroups", "Microsoft.Storage", "storageAccounts/{accountName}/objectReplicationPolicies/{name}"},
	"azure-native:keyvault:Key":                         {"resourceGroups", "Microsoft.KeyVault", "vaults/{vaultName}/keys/{name}"},
	"azure-native:managedidentity:UserAssignedIdentity": {"resourceGroups", "Microsoft.ManagedIdentity", "userAssignedIdentities/{name}"},
}

var azurePlaceholder = regexp.MustCompile(`\{([A-Za-z]+)\}`)

// azureID is the ARM id Azure returns for a resource.
func azureID(typ, name string, p props) string {
	sub := "/subscriptions/" + AzureSubscription
	switch typ {
	case "azure-native:resources:ResourceGroup":
		return sub + "/resourceGroups/" + name
	case "azure-native:authorization:RoleAssignment":
		// An extension resource: its id hangs below its scope.
		return p.str("scope") + "/providers/Microsoft.Authorization/roleAssignments/" + uuid(hash("role-assignment", name))
	case "azure-native:insights:DiagnosticSetting":
		return strings.ToLower(p.str("resourceUri")) + "/providers/microsoft.insights/diagnosticSettings/" + name
	}
	parts := strings.Split(typ, ":")
	shape, ok := azureIDs[typ]
	if !ok {
		kind := parts[2]
		shape.group = "resourceGroups"
		shape.namespace = "Microsoft." + strings.ToUpper(parts[1][:1]) + parts[1][1:]
		shape.path = strings.ToLower(kind[:1]) + kind[1:] + "s/{name}"
	}
	path := azurePlaceholder.ReplaceAllStringFunc(shape.path, func(m string) string {
		key := m[1 : len(m)-1]
		if key == "name" {
			return name
		}
		return p.str(key)
	})
	return fmt.Sprintf("%s/%s/%s/providers/%s/%s", sub, shape.group, p.str("resourceGroupName"), shape.namespace, path)
}

// azureAnswer answers for an Azure resource: an ARM id from its resource
// group and name, and the computed properties components read.
func azureAnswer(typ, logical, region, h string, p props) (string, resource.PropertyMap) {
	parts := strings.Split(typ, ":")
	kind := parts[2]
	key, ok := azureNameKeys[typ]
	if !ok {
		key = strings.ToLower(kind[:1]) + kind[1:] + "Name"
	}
	name := p.str(key)
	if name == "" {
		name = logical + "-" + h[:7]
	}
	p.out["name"] = resource.NewProperty(name) // Azure names come from the <type>Name input, not auto-naming
	id := azureID(typ, name, p)
	nested := func(path []string, v resource.PropertyValue) {
		m := p.out
		for _, k := range path[:len(path)-1] {
			next, ok := m[resource.PropertyKey(k)]
			if !ok || !next.IsObject() {
				next = resource.NewProperty(resource.PropertyMap{})
				m[resource.PropertyKey(k)] = next
			}
			m = next.ObjectValue()
		}
		m[resource.PropertyKey(path[len(path)-1])] = v
	}
	switch typ {
	case "azure-native:app:ContainerApp":
		nested([]string{"configuration", "ingress", "fqdn"}, resource.NewProperty(fmt.Sprintf("%s.%s.%s.azurecontainerapps.io", name, h[:10], region)))
		nested([]string{"identity", "principalId"}, resource.NewProperty(uuid(hash("principal", name))))
		p.set("latestRevisionFqdn", fmt.Sprintf("%s--%s.%s.%s.azurecontainerapps.io", name, h[:7], h[:10], region))
	case "azure-native:operationalinsights:Workspace":
		p.set("customerId", uuid(hash("workspace", name)))
	case "azure-native:cdn:Profile":
		p.set("frontDoorId", uuid(hash("frontdoor", name)))
	case "azure-native:cdn:AFDEndpoint":
		p.set("hostName", fmt.Sprintf("%s-%s.z01.azurefd.net", name, h[:16]))
	case "azure-native:cdn:AFDCustomDomain":
		nested([]string{"validationProperties", "validationToken"}, resource.NewProperty(h[:32]))
	case "azure-native:sql:Server":
		p.set("fullyQualifiedDomainName", name+".database.windows.net")
	case "azure-native:storage:ObjectReplicationPolicy":
		policy := p.str("objectReplicationPolicyId")
		if policy == "default" || policy == "" {
			policy = uuid(hash("orp", name, logical))
		}
		p.out["policyId"] = resource.NewProperty(policy)
		if rules, ok := p.out["rules"]; ok && rules.IsArray() {
			for i, r := range rules.ArrayValue() {
				if r.IsObject() {
					if _, ok := r.ObjectValue()["ruleId"]; !ok {
						r.ObjectValue()["ruleId"] = resource.NewProperty(uuid(hash("rule", policy, fmt.Sprint(i))))
					}
				}
			}
		}
	case "azure-native:managedidentity:UserAssignedIdentity":
		p.set("principalId", uuid(hash("principal", name)))
		p.set("clientId", uuid(hash("client", name)))
	case "azure-native:keyvault:Vault":
		nested([]string{"properties", "vaultUri"}, resource.NewProperty(fmt.Sprintf("https://%s.vault.azure.net/", name)))
	case "azure-native:keyvault:Key":
		uri := fmt.Sprintf("https://%s.vault.azure.net/keys/%s", p.str("vaultName"), name)
		p.set("keyUri", uri)
		p.set("keyUriWithVersion", uri+"/"+h[:32])
	case "azure-native:insights:Component":
		p.set("instrumentationKey", uuid(hash("ikey", name)))
		p.set("connectionString", "InstrumentationKey="+uuid(hash("ikey", name)))
	}
	return id, p.out
}
