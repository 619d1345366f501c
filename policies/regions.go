package policies

import (
	"slices"
	"strings"

	"github.com/mobile-backend/mobile-backend/internal/mock"
	"github.com/mobile-backend/mobile-backend/internal/spec"
)

// RegionsAllowedAndApart: data stays in the allowed regions, and no two
// regions are close enough to fall to one disaster.
var RegionsAllowedAndApart = Policy{
	Name:        "regions-allowed-and-apart",
	Description: "Two or more regions, all in `allowedRegions` (when set), each two at least `minRegionDistanceKm` apart.",
	Severity:    Mandatory,
	Check: func(s Stack) []Violation {
		var vs []Violation
		if len(s.Spec.Regions) < 2 {
			vs = append(vs, violation(nil, "the stack has %d region(s); at least two are needed", len(s.Spec.Regions)))
		}
		for _, r := range s.Spec.RegionNames {
			if len(s.Spec.AllowedRegions) > 0 && !slices.Contains(s.Spec.AllowedRegions, r) {
				vs = append(vs, violation(nil, "region %s is not in allowedRegions (%s)", r, strings.Join(s.Spec.AllowedRegions, ", ")))
			}
		}
		for i, a := range s.Spec.RegionNames {
			for _, b := range s.Spec.RegionNames[i+1:] {
				ra, okA := spec.LookupRegion(s.Spec.Cloud, a)
				rb, okB := spec.LookupRegion(s.Spec.Cloud, b)
				if !okA || !okB {
					continue
				}
				if d := distanceKm(ra, rb); d < float64(s.Spec.MinRegionDistanceKm) {
					vs = append(vs, violation(nil, "%s and %s are %.0f km apart, closer than minRegionDistanceKm (%d)", a, b, d, s.Spec.MinRegionDistanceKm))
				}
			}
		}
		return vs
	},
}

// DataStaysInAllowedRegions: allowedRegions is where the stack's data may
// rest, not only where it runs. Every resource that keeps data at rest (the
// users' data, their requests in logs, backups) is checked where the cloud
// keeps it: a multi-region location by every region it may use, an Azure
// geo-redundant account or backup by its paired region too.
var DataStaysInAllowedRegions = Policy{
	Name:        "data-stays-in-allowed-regions",
	Description: "With `allowedRegions` set, every resource that keeps data at rest (databases, tables, buckets and storage accounts, log groups, log buckets and workspaces, backups, secrets) keeps it in those regions: every region of a multi-region location, and an Azure region's pair where its storage or backups are geo-redundant.",
	Severity:    Mandatory,
	Check: func(s Stack) []Violation {
		allowed := s.Spec.AllowedRegions
		if len(allowed) == 0 {
			return nil
		}
		var vs []Violation
		for _, r := range s.Resources {
			locations, ok := dataLocations(r)
			if !ok {
				continue
			}
			var outside []string
			for _, l := range locations {
				if !slices.Contains(allowed, l) && !slices.Contains(outside, l) {
					outside = append(outside, l)
				}
			}
			if len(outside) > 0 {
				vs = append(vs, violation(r, "keeps data in %s, outside allowedRegions (%s)", strings.Join(outside, ", "), strings.Join(allowed, ", ")))
			}
		}
		return vs
	},
}

// dataLocations are the regions where a resource keeps data at rest, and
// false for a resource that keeps none (compute, routing, keys, alarms,
// notifications: their operators' addresses are no user data).
func dataLocations(r *mock.Resource) ([]string, bool) {
	own := func() []string {
		if r.Region == "" {
			return []string{"global"}
		}
		return []string{r.Region}
	}
	switch r.Type {
	case "aws:s3/bucketV2:BucketV2", "aws:cloudwatch/logGroup:LogGroup", "aws:rds/cluster:Cluster",
		"aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream", "aws:backup/vault:Vault":
		return own(), true
	case "aws:dynamodb/table:Table":
		return append(own(), r.Strs("replicas", "regionName")...), true
	case "aws:secretsmanager/secret:Secret":
		return append(own(), r.Strs("replicas", "region")...), true
	case "gcp:storage/bucket:Bucket":
		if dl := r.Strs("customPlacementConfig.dataLocations", ""); len(dl) > 0 {
			return lower(dl), true
		}
		return gcpLocation(r.Str("location")), true
	case "gcp:logging/projectBucketConfig:ProjectBucketConfig":
		return gcpLocation(r.Str("location")), true
	case "gcp:sql/databaseInstance:DatabaseInstance":
		return []string{r.Str("region")}, true
	case "gcp:spanner/instance:Instance":
		config := strings.TrimPrefix(r.Str("config"), "regional-")
		for _, c := range spec.SpannerConfigs {
			if c.Name == config {
				return c.Regions, true
			}
		}
		return []string{config}, true
	case "gcp:secretmanager/secret:Secret":
		if replicas := r.Strs("replication.userManaged.replicas", "location"); len(replicas) > 0 {
			return replicas, true
		}
		return []string{"global"}, true
	case "azure-native:storage:StorageAccount":
		return azureWithPair(own(), strings.Contains(r.Str("sku.name"), "GRS") || strings.Contains(r.Str("sku.name"), "GZRS")), true
	case "azure-native:sql:Database":
		return azureWithPair(own(), r.Str("requestedBackupStorageRedundancy") == "Geo" || r.Str("requestedBackupStorageRedundancy") == "GeoZone"), true
	case "azure-native:sql:Server", "azure-native:operationalinsights:Workspace", "azure-native:insights:Component":
		return own(), true
	}
	return nil, false
}

// gcpLocation is the regions of a Google Cloud location: a region, or every
// region of a Cloud Storage multi-region (US, EU, ASIA).
func gcpLocation(loc string) []string {
	if area, ok := spec.GCSAreas[strings.ToUpper(loc)]; ok {
		return area
	}
	return []string{strings.ToLower(loc)}
}

func azureWithPair(locations []string, geo bool) []string {
	if !geo {
		return locations
	}
	if p, ok := spec.AzurePairedRegion(locations[0]); ok {
		return append(locations, p)
	}
	return locations
}

func lower(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strings.ToLower(s)
	}
	return out
}
