// Package azure holds the reusable Azure components of the mobile backend,
// one file per capability: regional compute (Container Apps), Front Door
// routing, the Front Door WAF, the SQL database with its failover group,
// replicated storage and monitoring. Regional resources take their region
// from the explicit provider passed to them; global ones (Front Door, DNS,
// the WAF policy, alerts) use a global provider.
package azure

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"

	azurenative "github.com/pulumi/pulumi-azure-native-sdk/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
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

var notName = regexp.MustCompile(`[^a-z0-9-]+`)

// resourceName makes an Azure resource name: lowercase letters, digits and
// hyphens, starting with a letter, at most max characters; a name that is
// too long keeps its head and gets a short hash of the whole.
func resourceName(name string, max int) string {
	n := strings.Trim(notName.ReplaceAllString(strings.ToLower(name), "-"), "-")
	if n == "" || n[0] < 'a' || n[0] > 'z' {
		n = "mb-" + n
	}
	if len(n) <= max {
		return n
	}
	return strings.TrimRight(n[:max-7], "-") + "-" + shortHash(n)
}

// compactName is a name of lowercase letters and digits only (storage
// accounts, WAF policies), at most max characters, unique through a hash.
func compactName(name string, max int) string {
	n := regexp.MustCompile(`[^a-z0-9]+`).ReplaceAllString(strings.ToLower(name), "")
	if n == "" || n[0] < 'a' || n[0] > 'z' {
		n = "mb" + n
	}
	h := shortHash(name)
	if len(n)+len(h) <= max {
		return n + h
	}
	return n[:max-len(h)] + h
}

func shortHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])[:6]
}

func setDefault[T comparable](v *T, def T) {
	var zero T
	if *v == zero {
		*v = def
	}
}
