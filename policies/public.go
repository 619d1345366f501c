package policies

import "github.com/mobile-backend/mobile-backend/components"

// NoPublicObjectStorage: no bucket or container is readable by the public.
var NoPublicObjectStorage = Policy{
	Name:        "no-public-object-storage",
	Description: "S3 public access blocks, GCS public access prevention with uniform access; Azure anonymous blob reads only behind the account firewall and only from the static container, blob by blob.",
	Severity:    Mandatory,
	Check: func(s Stack) []Violation {
		var vs []Violation
		blocked := map[string]bool{}
		for _, b := range s.OfType("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock") {
			blocked[b.Str("bucket")] = b.Bool("blockPublicAcls") && b.Bool("blockPublicPolicy") && b.Bool("ignorePublicAcls") && b.Bool("restrictPublicBuckets")
		}
		for _, b := range s.OfType("aws:s3/bucketV2:BucketV2") {
			if !blocked[b.ID] {
				vs = append(vs, violation(b, "bucket has no full public access block"))
			}
		}
		for _, b := range s.OfType("gcp:storage/bucket:Bucket") {
			if b.Str("publicAccessPrevention") != "enforced" || !b.Bool("uniformBucketLevelAccess") {
				vs = append(vs, violation(b, "bucket does not enforce public access prevention with uniform access"))
			}
		}
		// An account may answer anonymous requests only behind its firewall
		// (Front Door's Private Link and the apps' subnets), and only from the
		// static container, blob by blob (no listing).
		for _, a := range s.OfType("azure-native:storage:StorageAccount") {
			if a.Get("allowBlobPublicAccess") != false && a.Str("networkRuleSet.defaultAction") != "Deny" {
				vs = append(vs, violation(a, "storage account allows public blob access from every network"))
			}
		}
		for _, c := range s.OfType("azure-native:storage:BlobContainer") {
			p := c.Str("publicAccess")
			if p == "" || p == "None" {
				continue
			}
			if c.Str("containerName") != components.StaticPrefix || p != "Blob" {
				vs = append(vs, violation(c, "container %q allows %s public access: only the %s container may, blob by blob", c.Str("containerName"), p, components.StaticPrefix))
			}
		}
		return vs
	},
}

// DatabaseNotPublic: databases have no public endpoint.
var DatabaseNotPublic = Policy{
	Name:        "database-not-public",
	Description: "Aurora instances private, Cloud SQL without public IP, Azure SQL public network access disabled.",
	Severity:    Mandatory,
	Check: func(s Stack) []Violation {
		var vs []Violation
		for _, i := range s.OfType("aws:rds/clusterInstance:ClusterInstance") {
			if i.Get("publiclyAccessible") != false {
				vs = append(vs, violation(i, "database instance is not explicitly private"))
			}
		}
		for _, i := range s.OfType("gcp:sql/databaseInstance:DatabaseInstance") {
			if i.Get("settings.ipConfiguration.ipv4Enabled") != false {
				vs = append(vs, violation(i, "Cloud SQL instance has a public IP"))
			}
		}
		for _, srv := range s.OfType("azure-native:sql:Server") {
			if srv.Str("publicNetworkAccess") != "Disabled" {
				vs = append(vs, violation(srv, "SQL server allows public network access"))
			}
		}
		return vs
	},
}
