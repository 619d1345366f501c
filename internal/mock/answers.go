package mock

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
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

	if parts := strings.Split(typ, ":"); parts[0] == "gcp" {
		return gcpAnswer(typ, physical, region, h, p)
	} else if parts[0] == "azure-native" {
		return azureAnswer(typ, name, region, h, p)
	}
	if parts := strings.Split(typ, ":"); parts[0] == "random" {
		return randomAnswer(typ, physical, h, p)
	}
	return awsAnswer(typ, physical, region, h, p)
}

// randomAnswer answers for the random provider's resources.
func randomAnswer(typ, physical, h string, p props) (string, resource.PropertyMap) {
	switch typ {
	case "random:index/randomPassword:RandomPassword":
		// Providers return generated secrets as secrets; so does the mock.
		p.out["result"] = resource.MakeSecret(resource.NewProperty(MockPassword))
		return "none", p.out
	case "random:index/randomId:RandomId":
		// 16 bytes, base64url without padding, like the provider's b64Url.
		b64 := strings.TrimRight(base64.URLEncoding.EncodeToString([]byte(h[:16])), "=")
		p.out["b64Url"] = resource.NewProperty(b64)
		p.out["hex"] = resource.NewProperty(h[:32])
		return b64, p.out
	}
	return physical, p.out
}

// uuid formats a hash like the UUIDs in ACM and WAF ARNs.
func uuid(h string) string {
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
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
	case "gcp:storage/getTransferProjectServiceAccount:getTransferProjectServiceAccount":
		email := fmt.Sprintf("project-%s@storage-transfer-service.iam.gserviceaccount.com", GCPProjectNumber)
		return resource.PropertyMap{"email": resource.NewProperty(email), "member": resource.NewProperty("serviceAccount:" + email), "id": resource.NewProperty(email)}, nil
	case "gcp:secretmanager/getSecret:getSecret":
		// An existing secret as Secret Manager describes it: automatic
		// replication, or, for an id ending in "-in-<region>" (a test's
		// fixture), a user-managed replica in that region only.
		id := str("secretId")
		replication := resource.PropertyMap{"autos": resource.NewProperty([]resource.PropertyValue{resource.NewProperty(resource.PropertyMap{})}), "userManageds": resource.NewProperty([]resource.PropertyValue{})}
		if _, region, ok := strings.Cut(id, "-in-"); ok {
			replica := resource.NewProperty(resource.PropertyMap{"location": resource.NewProperty(region), "customerManagedEncryptions": resource.NewProperty([]resource.PropertyValue{})})
			replication = resource.PropertyMap{
				"autos":        resource.NewProperty([]resource.PropertyValue{}),
				"userManageds": resource.NewProperty([]resource.PropertyValue{resource.NewProperty(resource.PropertyMap{"replicas": resource.NewProperty([]resource.PropertyValue{replica})})}),
			}
		}
		return resource.PropertyMap{
			"secretId": resource.NewProperty(id), "project": resource.NewProperty(GCPProject),
			"name":         resource.NewProperty(fmt.Sprintf("projects/%s/secrets/%s", GCPProjectNumber, id)),
			"id":           resource.NewProperty(fmt.Sprintf("projects/%s/secrets/%s", GCPProject, id)),
			"replications": resource.NewProperty([]resource.PropertyValue{resource.NewProperty(replication)}),
		}, nil
	case "gcp:secretmanager/getSecretVersion:getSecretVersion":
		// The latest enabled version; 3 stands for "some version after the first".
		return resource.PropertyMap{
			"secret": resource.NewProperty(str("secret")), "version": resource.NewProperty("3"), "enabled": resource.NewProperty(true),
			"name": resource.NewProperty(fmt.Sprintf("projects/%s/secrets/%s/versions/3", GCPProjectNumber, str("secret"))),
			"id":   resource.NewProperty(fmt.Sprintf("projects/%s/secrets/%s/versions/3", GCPProjectNumber, str("secret"))),
		}, nil
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
		zone := HostedZoneID(name)
		return resource.PropertyMap{
			"zoneId": resource.NewProperty(zone), "id": resource.NewProperty(zone),
			"name": resource.NewProperty(name), "arn": resource.NewProperty("arn:aws:route53:::hostedzone/" + zone),
		}, nil
	case "aws:index/getCallerIdentity:getCallerIdentity":
		return resource.PropertyMap{"accountId": resource.NewProperty(Account), "id": resource.NewProperty(Account)}, nil
	}
	return nil, fmt.Errorf("mock: no answer for invoke %s", token)
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// HostedZoneID is the id the mock answers for a Route 53 zone's lookup.
func HostedZoneID(name string) string { return "Z" + strings.ToUpper(hash("zone", name)[:20]) }
