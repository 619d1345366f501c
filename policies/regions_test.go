package policies

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/mobile-backend/mobile-backend/internal/mock"
	"github.com/mobile-backend/mobile-backend/internal/spec"
)

// Data at rest is checked where the cloud keeps it, not where the stack
// runs: replicas, multi-region locations and Azure's paired regions count.
func TestDataIsCheckedWhereTheCloudKeepsIt(t *testing.T) {
	in := func(allowed []string, rs ...*mock.Resource) []string {
		return messages(Evaluate(Stack{Spec: spec.Spec{AllowedRegions: allowed}, Resources: rs}, []Policy{DataStaysInAllowedRegions}))
	}
	eu := []string{"eu-west-1", "eu-central-1"}
	logs := res("aws:cloudwatch/logGroup:LogGroup", "edge-logs", "us-east-1", map[string]any{})
	assert.Equal(t, []string{"keeps data in us-east-1, outside allowedRegions (eu-west-1, eu-central-1)"}, in(eu, logs))
	assert.Empty(t, in(nil, logs), "no allowedRegions: anywhere")
	table := res("aws:dynamodb/table:Table", "t", "eu-west-1", map[string]any{"replicas": []any{
		map[string]any{"regionName": "eu-central-1"}, map[string]any{"regionName": "us-east-1"}}})
	assert.Equal(t, []string{"keeps data in us-east-1, outside allowedRegions (eu-west-1, eu-central-1)"}, in(eu, table), "a replica's region counts")
	assert.Empty(t, in(eu, res("aws:route53/healthCheck:HealthCheck", "h", "", map[string]any{})), "keeps no data")

	gcpEU := []string{"europe-west1", "europe-north1"}
	dual := res("gcp:storage/bucket:Bucket", "b", "", map[string]any{"location": "EU",
		"customPlacementConfig": map[string]any{"dataLocations": []any{"EUROPE-WEST1", "EUROPE-NORTH1"}}})
	assert.Empty(t, in(gcpEU, dual), "a dual-region keeps data in its two regions")
	multi := res("gcp:storage/bucket:Bucket", "b", "", map[string]any{"location": "EU"})
	assert.Len(t, in(gcpEU, multi), 1, "a multi-region may use any EU region")
	secret := res("gcp:secretmanager/secret:Secret", "s", "", map[string]any{"replication": map[string]any{"auto": map[string]any{}}})
	assert.Equal(t, []string{"keeps data in global, outside allowedRegions (europe-west1, europe-north1)"}, in(gcpEU, secret))

	account := func(sku string) *mock.Resource {
		return res("azure-native:storage:StorageAccount", "a", "francecentral", map[string]any{"sku": map[string]any{"name": sku}})
	}
	fr := []string{"francecentral", "westeurope"}
	assert.Equal(t, []string{"keeps data in francesouth, outside allowedRegions (francecentral, westeurope)"}, in(fr, account("Standard_RAGZRS")),
		"geo-redundant storage keeps a copy in the pair")
	assert.Empty(t, in(fr, account("Standard_ZRS")))
	db := res("azure-native:sql:Database", "d", "westeurope", map[string]any{"requestedBackupStorageRedundancy": "Geo"})
	assert.Equal(t, []string{"keeps data in northeurope, outside allowedRegions (francecentral, westeurope)"}, in(fr, db), "and so do geo-redundant backups")
}
