package policies

import (
	"fmt"
)

// CustomerManagedKeys: data at rest is encrypted with keys the stack owns,
// rotated automatically, wherever the service offers that.
var CustomerManagedKeys = Policy{
	Name:        "customer-managed-keys",
	Description: "Aurora, DynamoDB (and every replica), S3 (except the ALB access-log buckets, which ELB can only write with SSE-S3), secrets, topics and log groups use KMS keys that rotate; Spanner, Cloud SQL and the bucket use Cloud KMS keys that rotate; SQL TDE and storage accounts use Key Vault keys that rotate.",
	Severity:    Mandatory,
	Check: func(s Stack) []Violation {
		var vs []Violation
		needs := func(typ, path, what string) {
			for _, r := range s.OfType(typ) {
				if r.Str(path) == "" {
					vs = append(vs, violation(r, "%s is not encrypted with a customer-managed key", what))
				}
			}
		}
		// AWS
		for _, c := range s.OfType("aws:rds/cluster:Cluster") {
			if !c.Bool("storageEncrypted") || c.Str("kmsKeyId") == "" {
				vs = append(vs, violation(c, "Aurora cluster is not encrypted with a customer-managed key"))
			}
		}
		for _, t := range s.OfType("aws:dynamodb/table:Table") {
			if t.Get("serverSideEncryption.enabled") != true || t.Str("serverSideEncryption.kmsKeyArn") == "" {
				vs = append(vs, violation(t, "DynamoDB table is not encrypted with a customer-managed key"))
			}
			for i := 0; i < t.Len("replicas"); i++ {
				if t.Str(fmt.Sprintf("replicas.%d.kmsKeyArn", i)) == "" {
					vs = append(vs, violation(t, "replica in %s is not encrypted with a customer-managed key", t.Str(fmt.Sprintf("replicas.%d.regionName", i))))
				}
			}
		}
		for _, r := range s.OfType("aws:dynamodb/tableReplica:TableReplica") {
			if r.Str("kmsKeyArn") == "" {
				vs = append(vs, violation(r, "replica in %s is not encrypted with a customer-managed key", r.Region))
			}
		}
		needs("aws:sns/topic:Topic", "kmsMasterKeyId", "SNS topic")
		needs("aws:secretsmanager/secret:Secret", "kmsKeyId", "secret")
		needs("aws:cloudwatch/logGroup:LogGroup", "kmsKeyId", "log group")
		needs("aws:backup/vault:Vault", "kmsKeyArn", "backup vault")
		accessLogBuckets := map[string]bool{}
		for _, lb := range s.OfType("aws:lb/loadBalancer:LoadBalancer") {
			for _, t := range targets(lb, "accessLogs.bucket") {
				accessLogBuckets[t] = true
			}
		}
		kms := map[string]bool{}
		for _, c := range s.OfType("aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2") {
			ok := c.Str("rules.0.applyServerSideEncryptionByDefault.sseAlgorithm") == "aws:kms" && c.Str("rules.0.applyServerSideEncryptionByDefault.kmsMasterKeyId") != ""
			for _, t := range targets(c, "bucket") {
				kms[t] = ok
			}
		}
		for _, b := range s.OfType("aws:s3/bucketV2:BucketV2") {
			if accessLogBuckets[b.Str("bucket")] || accessLogBuckets[b.URN] {
				continue
			}
			if !kms[b.ID] && !kms[b.URN] {
				vs = append(vs, violation(b, "bucket is not encrypted with a customer-managed key"))
			}
		}
		for _, k := range s.OfType("aws:kms/key:Key") {
			if !k.Bool("enableKeyRotation") {
				vs = append(vs, violation(k, "KMS key does not rotate"))
			}
		}
		// Google Cloud
		needs("gcp:spanner/database:Database", "encryptionConfig.kmsKeyName", "Spanner database")
		needs("gcp:sql/databaseInstance:DatabaseInstance", "encryptionKeyName", "Cloud SQL instance")
		needs("gcp:storage/bucket:Bucket", "encryption.defaultKmsKeyName", "bucket")
		for _, k := range s.OfType("gcp:kms/cryptoKey:CryptoKey") {
			if k.Str("rotationPeriod") == "" {
				vs = append(vs, violation(k, "Cloud KMS key does not rotate"))
			}
		}
		// Azure
		needs("azure-native:sql:Server", "keyId", "SQL server (TDE)")
		for _, a := range s.OfType("azure-native:storage:StorageAccount") {
			if a.Str("encryption.keySource") != "Microsoft.Keyvault" || a.Str("encryption.keyVaultProperties.keyName") == "" {
				vs = append(vs, violation(a, "storage account is not encrypted with a customer-managed key"))
			}
		}
		for _, k := range s.OfType("azure-native:keyvault:Key") {
			if k.Len("properties.rotationPolicy.lifetimeActions") == 0 {
				vs = append(vs, violation(k, "Key Vault key does not rotate"))
			}
		}
		return vs
	},
}
