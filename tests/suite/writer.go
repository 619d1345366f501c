package suite

import (
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mobile-backend/mobile-backend/internal/mock"
	"github.com/mobile-backend/mobile-backend/internal/plan"
	"github.com/mobile-backend/mobile-backend/policies"
)

// replacedBy are, per stateful type, the inputs whose change makes the
// provider replace the resource (delete and re-create: the data with it).
// The writer may move only if none of them changes.
var replacedBy = map[string][]string{
	// terraform-provider-aws: ForceNew in the resource schemas under
	// internal/service/ (each file named beside its type).
	"aws:rds/globalCluster:GlobalCluster":    {"engine", "databaseName", "storageEncrypted", "sourceDbClusterIdentifier"},                                            // rds/global_cluster.go
	"aws:rds/cluster:Cluster":                {"clusterIdentifier", "engine", "databaseName", "masterUsername", "storageEncrypted", "kmsKeyId", "dbSubnetGroupName"}, // rds/cluster.go
	"aws:s3/bucketV2:BucketV2":               {"bucket", "objectLockEnabled"},                                                                                        // s3/bucket.go
	"aws:backup/vault:Vault":                 {"name", "kmsKeyArn"},                                                                                                  // backup/vault.go
	"aws:kms/key:Key":                        {"keyUsage", "customerMasterKeySpec", "multiRegion"},                                                                   // kms/key.go
	"aws:secretsmanager/secret:Secret":       {"name"},                                                                                                               // secretsmanager/secret.go
	"aws:dynamodb/table:Table":               {"name", "hashKey", "rangeKey"},                                                                                        // dynamodb/table.go
	"aws:dynamodb/tableReplica:TableReplica": {"globalTableArn", "kmsKeyArn"},                                                                                        // dynamodb/table_replica.go
	// terraform-provider-google (v5.42.0): ForceNew in google/services/;
	// masterInstanceName replaces when set or changed to a non-empty value
	// (CustomizeDiff), customPlacementConfig through its data_locations.
	"gcp:sql/databaseInstance:DatabaseInstance":           {"name", "region", "masterInstanceName", "encryptionKeyName", "replicaConfiguration"}, // sql/resource_sql_database_instance.go
	"gcp:spanner/instance:Instance":                       {"name", "config"},                                                                    // spanner/resource_spanner_instance.go
	"gcp:spanner/database:Database":                       {"name", "instance", "encryptionConfig"},                                              // spanner/resource_spanner_database.go
	"gcp:storage/bucket:Bucket":                           {"name", "location", "customPlacementConfig"},                                         // storage/resource_storage_bucket.go
	"gcp:kms/keyRing:KeyRing":                             {"name", "location"},                                                                  // kms/resource_kms_key_ring.go
	"gcp:kms/cryptoKey:CryptoKey":                         {"name", "keyRing"},                                                                   // kms/resource_kms_crypto_key.go
	"gcp:logging/projectBucketConfig:ProjectBucketConfig": {"bucketId", "location"},                                                              // logging/resource_logging_project_bucket_config.go
	"gcp:secretmanager/secret:Secret":                     {"secretId", "replication"},                                                           // secretmanager/resource_secret_manager_secret.go
	"gcp:compute/subnetwork:Subnetwork":                   {"name", "region", "ipCidrRange"},                                                     // compute: a smaller range is a replacement
	// azure-native: a change to a path parameter (name, group, parent name)
	// replaces (provider/pkg/provider/diff.go); location replaces a resource
	// group and a storage account (provider/pkg/gen/replacement.go), is
	// create-only for SQL (azure-rest-api-specs sql common types.json), and a
	// vault's is refused by Azure.
	"azure-native:resources:ResourceGroup": {"resourceGroupName", "location"},
	"azure-native:keyvault:Vault":          {"vaultName", "resourceGroupName", "location"},
	"azure-native:keyvault:Key":            {"keyName", "vaultName", "resourceGroupName"},
	"azure-native:sql:Server":              {"serverName", "resourceGroupName", "location"},
	"azure-native:sql:Database":            {"databaseName", "serverName", "resourceGroupName", "location"},
	"azure-native:storage:StorageAccount":  {"accountName", "resourceGroupName", "location"},
	"azure-native:network:VirtualNetwork":  {"virtualNetworkName", "resourceGroupName", "location"},
}

// mayChange are the inputs of kept resources that a moved writer changes on
// purpose: none. (Routing, the apps' writer settings, the replication
// source and the backup plan follow the writer; none of them holds data.)
var mayChange = map[string][]string{}

// assertWriterMoves plans a stack again with the writer in its second region
// (before is its plan with the writer in its first), and holds every
// stateful resource to its URN, its provider's region and its replacing
// inputs.
func assertWriterMoves(t *testing.T, before *plan.Result) {
	t.Helper()
	c := before.Config
	after, err := plan.Run(withValue(c, "writerRegion", regionsOf(t, c)[1]))
	require.NoError(t, err)
	for _, v := range after.Policies() {
		// Recovery may differ (a promoted Cloud SQL replica has no replica
		// of its own until the README's failback rebuilds them); every
		// other mandatory rule holds with the writer moved.
		recovery := strings.HasPrefix(v.Policy, "resilience") || v.Policy == policies.RegionLossSurvived.Name
		assert.False(t, v.Severity == policies.Mandatory && !recovery, "%s with the writer moved: %s: %s", c.Stack, v.Policy, v.Message)
	}

	byURN := map[string]*mock.Resource{}
	for _, r := range after.Recorder.Resources() {
		byURN[r.URN] = r
	}
	kept := 0
	for _, r := range before.Recorder.Resources() {
		forcing, stateful := replacedBy[r.Type]
		if r.Protect {
			require.True(t, stateful, "%s is protected: list the inputs that replace it in replacedBy, with their source", r.Type)
		}
		if !stateful {
			continue
		}
		kept++
		a, ok := byURN[r.URN]
		if !assert.True(t, ok, "%s: %s is gone once the writer moves", c.Stack, r.URN) {
			continue
		}
		assert.Equal(t, r.Region, a.Region, "%s: %s changes provider region (pulumi-aws replaces it, pulumi/pulumi-aws#4000)", c.Stack, r.Name)
		assert.Equal(t, r.Protect, a.Protect, "%s: %s protect", c.Stack, r.Name)
		for _, path := range forcing {
			assert.Equal(t, r.Get(path), a.Get(path), "%s: %s.%s would replace it", c.Stack, r.Name, path)
		}
		for _, path := range changedInputs(r.Inputs, a.Inputs, "") {
			assert.True(t, slices.ContainsFunc(mayChange[r.Type], func(p string) bool { return strings.HasPrefix(path, p) }),
				"%s: %s.%s changes when the writer moves: %v -> %v", c.Stack, r.Name, path, r.Get(path), a.Get(path))
		}
	}
	require.NotZero(t, kept, "%s has stateful resources to keep", c.Stack)
}

// changedInputs are the dotted paths at which two input trees differ.
func changedInputs(a, b any, prefix string) []string {
	am, aok := a.(map[string]any)
	bm, bok := b.(map[string]any)
	if !aok || !bok {
		if reflect.DeepEqual(a, b) {
			return nil
		}
		return []string{strings.TrimSuffix(prefix, ".")}
	}
	var out []string
	for k := range am {
		out = append(out, changedInputs(am[k], bm[k], prefix+k+".")...)
	}
	for k := range bm {
		if _, ok := am[k]; !ok {
			out = append(out, prefix+k)
		}
	}
	slices.Sort(out)
	return out
}

func TestMovingTheWriterReplacesNothingStatefulInACommittedStack(t *testing.T) {
	t.Parallel()
	eachCommittedStack(t, assertWriterMoves)
}

func TestMovingTheWriterReplacesNothingStatefulInAContractStack(t *testing.T) {
	t.Parallel()
	eachContractStack(t, assertWriterMoves)
}

// eachCommittedStack runs check on the plan of every committed stack of
// the linked cloud.
func eachCommittedStack(t *testing.T, check func(*testing.T, *plan.Result)) {
	for _, file := range LinkedStacks(t) {
		t.Run(filepath.Base(file), func(t *testing.T) { check(t, PlanFile(t, file)) })
	}
}

// eachContractStack runs check on the three-region contract stack of each
// cloud and topology.
func eachContractStack(t *testing.T, check func(*testing.T, *plan.Result)) {
	for cloud, rs := range contractRegions {
		for _, topology := range []string{"active-active", "active-passive"} {
			t.Run(cloud+"-"+topology, func(t *testing.T) { check(t, ContractPlan(t, cloud, topology, rs...)) })
		}
	}
}
