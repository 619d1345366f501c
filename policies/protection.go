package policies

var statefulTypes = []string{
	"aws:rds/globalCluster:GlobalCluster", "aws:rds/cluster:Cluster", "aws:dynamodb/table:Table",
	"aws:dynamodb/tableReplica:TableReplica", "aws:kms/key:Key", "aws:s3/bucketV2:BucketV2", "aws:secretsmanager/secret:Secret", "aws:backup/vault:Vault",
	"gcp:spanner/instance:Instance", "gcp:spanner/database:Database", "gcp:sql/databaseInstance:DatabaseInstance",
	"gcp:storage/bucket:Bucket", "gcp:secretmanager/secret:Secret", "gcp:kms/keyRing:KeyRing", "gcp:kms/cryptoKey:CryptoKey",
	"azure-native:sql:Server", "azure-native:sql:Database", "azure-native:storage:StorageAccount",
	"azure-native:keyvault:Vault", "azure-native:keyvault:Key",
}

// BackupsAndProtection: stateful resources keep backups, refuse deletion
// and carry Pulumi protect.
var BackupsAndProtection = Policy{
	Name:        "backups-and-protection",
	Description: "Aurora ≥7 days of backups, deletion protection and a final snapshot; DynamoDB PITR; Spanner/Cloud SQL deletion protection and PITR; Azure SQL short-term retention; Pulumi `protect` on every stateful resource (when `protect` is on).",
	Severity:    Mandatory,
	Check: func(s Stack) []Violation {
		var vs []Violation
		if s.Spec.Protect {
			for _, typ := range statefulTypes {
				for _, r := range s.OfType(typ) {
					if !r.Protect {
						vs = append(vs, violation(r, "stateful resource is not protected"))
					}
				}
			}
		}
		for _, c := range s.OfType("aws:rds/cluster:Cluster") {
			if c.Int("backupRetentionPeriod") < 7 || !c.Bool("deletionProtection") || c.Bool("skipFinalSnapshot") {
				vs = append(vs, violation(c, "cluster keeps under 7 days of backups, lacks deletion protection or skips its final snapshot"))
			}
		}
		for _, t := range s.OfType("aws:dynamodb/table:Table") {
			if t.Get("pointInTimeRecovery.enabled") != true || !t.Bool("deletionProtectionEnabled") {
				vs = append(vs, violation(t, "table lacks point-in-time recovery or deletion protection"))
			}
		}
		for _, r := range s.OfType("aws:dynamodb/tableReplica:TableReplica") {
			if !r.Bool("pointInTimeRecovery") || !r.Bool("deletionProtectionEnabled") {
				vs = append(vs, violation(r, "table replica in %s lacks point-in-time recovery or deletion protection", r.Region))
			}
		}
		for _, d := range s.OfType("gcp:spanner/database:Database") {
			if !d.Bool("deletionProtection") || d.Str("versionRetentionPeriod") == "" {
				vs = append(vs, violation(d, "Spanner database lacks deletion protection or a version retention period"))
			}
		}
		for _, i := range s.OfType("gcp:sql/databaseInstance:DatabaseInstance") {
			if !i.Bool("deletionProtection") {
				vs = append(vs, violation(i, "Cloud SQL instance lacks deletion protection"))
			}
			if i.Get("masterInstanceName") == nil && i.Get("settings.backupConfiguration.pointInTimeRecoveryEnabled") != true {
				vs = append(vs, violation(i, "Cloud SQL primary lacks point-in-time recovery"))
			}
		}
		if len(s.OfType("azure-native:sql:Database")) > 0 && len(s.OfType("azure-native:sql:BackupShortTermRetentionPolicy")) == 0 {
			vs = append(vs, violation(nil, "Azure SQL has no short-term (point-in-time) retention policy"))
		}
		return vs
	},
}
