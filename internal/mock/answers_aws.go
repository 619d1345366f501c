package mock

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

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

// awsAnswer answers for an AWS resource: ARNs and ids in the shapes AWS
// returns, and the computed properties components read.
func awsAnswer(typ, physical, region, h string, p props) (string, resource.PropertyMap) {
	set, str, in, out := p.set, p.str, p.in, p.out
	id := physical
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
		set("arnWithoutRevision", fmt.Sprintf("arn:aws:ecs:%s:%s:task-definition/%s", region, Account, str("family")))
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
		// The SDK's token endpoint, per ACL (AWS WAF console, "Application integration").
		set("applicationIntegrationUrl", fmt.Sprintf("https://%s.%s.sdk.awswaf.com/%s/%s/", h[:12], region, h[12:24], h[24:36]))
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
		// secret:NAME-XXXXXX: Secrets Manager appends six random characters.
		out["arn"] = resource.NewProperty(fmt.Sprintf("arn:aws:secretsmanager:%s:%s:secret:%s-%s", region, Account, physical, h[:6]))
		id = fmt.Sprintf("arn:aws:secretsmanager:%s:%s:secret:%s-%s", region, Account, physical, h[:6])
	case "aws:secretsmanager/secretVersion:SecretVersion":
		set("versionId", fmt.Sprintf("%s-%s-%s-%s-%s", h[:8], h[8:12], h[12:16], h[16:20], h[20:32]))
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
	case "aws:sfn/stateMachine:StateMachine":
		// Step Functions: arn:aws:states:<region>:<account>:stateMachine:<name>.
		out["arn"] = resource.NewProperty(fmt.Sprintf("arn:aws:states:%s:%s:stateMachine:%s", region, Account, physical))
		id = fmt.Sprintf("arn:aws:states:%s:%s:stateMachine:%s", region, Account, physical)
	case "aws:cloudwatch/eventConnection:EventConnection":
		// EventBridge: arn:aws:events:<region>:<account>:connection/<name>/<uuid>.
		out["arn"] = resource.NewProperty(fmt.Sprintf("arn:aws:events:%s:%s:connection/%s/%s", region, Account, physical, uuid(h)))
	case "aws:ssm/parameter:Parameter":
		// SSM: arn:aws:ssm:<region>:<account>:parameter/<name without its leading slash>.
		out["arn"] = resource.NewProperty(fmt.Sprintf("arn:aws:ssm:%s:%s:parameter/%s", region, Account, strings.TrimPrefix(physical, "/")))
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
