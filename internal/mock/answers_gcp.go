package mock

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

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
	case "gcp:recaptcha/enterpriseKey:EnterpriseKey":
		// The key's name is its site key, 40 characters (reCAPTCHA API, projects.keys).
		key := "6L" + h[:38]
		out["name"] = resource.NewProperty(key) // output-only: never the auto-name
		id = fmt.Sprintf("projects/%s/keys/%s", GCPProject, key)
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
		// server_ca_cert: computed, a list of one (the instance's own CA).
		out["serverCaCerts"] = resource.NewProperty([]resource.PropertyValue{resource.NewProperty(resource.PropertyMap{
			"cert":       resource.NewProperty("-----BEGIN CERTIFICATE-----\nCA of " + physical + "\n-----END CERTIFICATE-----\n"),
			"commonName": resource.NewProperty("C=US,O=Google\\, Inc,CN=Google Cloud SQL Server CA,dnQualifier=" + h[:12]),
		})})
	case "gcp:secretmanager/secretVersion:SecretVersion":
		// A secret's first version is 1 (versions count up from it).
		set("version", "1")
		set("name", str("secret")+"/versions/1")
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
	case "gcp:cloudrunv2/job:Job":
		id = fmt.Sprintf("projects/%s/locations/%s/jobs/%s", GCPProject, str("location"), physical)
	case "gcp:cloudscheduler/job:Job":
		id = fmt.Sprintf("projects/%s/locations/%s/jobs/%s", GCPProject, str("region"), physical)
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
