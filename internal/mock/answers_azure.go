package mock

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

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
	"azure-native:keyvault:Secret":                      {"resourceGroups", "Microsoft.KeyVault", "vaults/{vaultName}/secrets/{name}"},
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
	case "azure-native:app/v20240301:ContainerApp":
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
	case "azure-native:keyvault:Secret":
		uri := fmt.Sprintf("https://%s.vault.azure.net/secrets/%s", p.str("vaultName"), name)
		nested([]string{"properties", "secretUri"}, resource.NewProperty(uri))
		nested([]string{"properties", "secretUriWithVersion"}, resource.NewProperty(uri+"/"+h[:32]))
	case "azure-native:insights:Component":
		p.set("instrumentationKey", uuid(hash("ikey", name)))
		p.set("connectionString", "InstrumentationKey="+uuid(hash("ikey", name)))
	}
	return id, p.out
}
