// Package azure holds the reusable Azure components of the mobile backend,
// one file per capability: regional compute (Container Apps), Front Door
// routing, the Front Door WAF, the SQL database with its failover group,
// replicated storage and monitoring. Regional resources take their region
// from the explicit provider passed to them; global ones (Front Door, DNS,
// the WAF policy, alerts) use a global provider.
package azure

import (
	"fmt"

	azurenative "github.com/pulumi/pulumi-azure-native-sdk/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mobile-backend/mobile-backend/internal/names"
)

// NewProvider returns an explicit azure-native provider; an empty location
// makes the global provider.
func NewProvider(ctx *pulumi.Context, name, location string) (*azurenative.Provider, error) {
	args := &azurenative.ProviderArgs{}
	if location != "" {
		args.Location = pulumi.String(location)
	}
	p, err := azurenative.NewProvider(ctx, name, args)
	if err != nil {
		return nil, fmt.Errorf("azure provider %s: %w", name, err)
	}
	return p, nil
}

// Tags turns the stack's standard tags into resource tags (azure-native has
// no provider-level default tags, so every component passes them on).
func Tags(tags map[string]string) pulumi.StringMap {
	t := pulumi.StringMap{}
	for k, v := range tags {
		t[k] = pulumi.String(v)
	}
	return t
}

// resourceName makes an Azure resource name: lowercase letters, digits and
// hyphens, starting with a letter, at most max characters.
func resourceName(name string, max int) string { return names.DNSLabel(name, max) }

// compactName is a name of lowercase letters and digits only (storage
// accounts, WAF policies), at most max characters, unique through a hash.
func compactName(name string, max int) string { return names.Compact(name, max) }

func shortHash(s string) string { return names.Hash(s) }

// ResourceProviders are the resource provider namespaces a subscription
// must have registered before each azure-native module's resources can be
// created ("" for the namespaces every subscription has). azure-native does
// not register them all itself (pulumi/pulumi-azure-native#3479): register
// them once per subscription (docs/azure.md).
var ResourceProviders = map[string]string{
	"app": "Microsoft.App", "cdn": "Microsoft.Cdn", "consumption": "Microsoft.Consumption",
	"insights": "Microsoft.Insights", "keyvault": "Microsoft.KeyVault", "managedidentity": "Microsoft.ManagedIdentity",
	"network": "Microsoft.Network", "operationalinsights": "Microsoft.OperationalInsights", "portal": "Microsoft.Portal",
	"sql": "Microsoft.Sql", "storage": "Microsoft.Storage",
	"authorization": "", "resources": "",
	// The release gates' deployment scripts run in a container instance,
	// with a storage account the service makes beside them.
	"resources/v20230801": "Microsoft.ContainerInstance",
}
