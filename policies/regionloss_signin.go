package policies

// The region-loss analysis of sign-in-material: the keys and secrets sign-in needs.

import (
	"strings"

	"github.com/mobile-backend/mobile-backend/internal/spec"
)

// signIn: every region that serves after the loss has its key (and, on
// AWS, its copy of the database secret) outside the lost region.
func (v lossView) signIn() FunctionLoss {
	keys := map[string]bool{}
	var keyType string
	switch v.Spec.Cloud {
	case spec.AWS:
		keyType = "aws:kms/key:Key"
	case spec.GCP:
		keyType = "gcp:kms/keyRing:KeyRing"
	default:
		keyType = "azure-native:keyvault:Vault"
	}
	for _, k := range v.OfType(keyType) {
		if v.alive(k) {
			keys[v.where(k)] = true
		}
	}
	var via []string
	for _, r := range v.Spec.RegionNames {
		if r == v.lost || !v.servesAfter(r) {
			continue
		}
		if v.Spec.Cloud == spec.GCP && len(keys) > 0 || keys[r] {
			via = append(via, r)
			continue
		}
		return broken("%s serves after the loss of %s but has no key of its own (%s)", r, v.lost, keyType)
	}
	return survived("own keys in "+strings.Join(via, ", "), 0, 0)
}
