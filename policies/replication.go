package policies

import (
	"fmt"
	"slices"
	"strings"

	"github.com/mobile-backend/mobile-backend/internal/mock"
	"github.com/mobile-backend/mobile-backend/internal/spec"
)

// DataReachesEveryRegion: losing the primary region loses no data the
// surviving regions need. Every region beyond the primary holds a database
// replica, and object storage is replicated to every region the topology
// fails over to.
var DataReachesEveryRegion = Policy{
	Name:        "data-reaches-every-region",
	Description: "Every non-primary region holds an Aurora member, a DynamoDB replica and S3 replication from the writer's region; a Spanner configuration with a readable replica in every region or a Cloud SQL replica in each, and every region a bucket in its area (the uploads bucket, or a Storage Transfer copy of it); an Azure SQL geo-secondary in every non-primary region, and in every region a read-access geo-redundant storage account that admits every region's apps subnet.",
	Severity:    Mandatory,
	Check: func(s Stack) []Violation {
		var vs []Violation
		lacks := func(region, what string) {
			vs = append(vs, violation(nil, "region %s has no %s", region, what))
		}
		// Database replicas hang off the home region, where the data tier
		// was created; S3 replicates from wherever the writer is.
		primary := s.Spec.Primary().Name
		others := s.Spec.RegionNames[1:]
		notWriter := slices.DeleteFunc(slices.Clone(s.Spec.RegionNames), func(r string) bool { return r == primary })
		switch s.Spec.Cloud {
		case spec.AWS:
			members := map[string]bool{}
			for _, c := range s.OfType("aws:rds/cluster:Cluster") {
				if c.Str("globalClusterIdentifier") != "" {
					members[c.Region] = true
				}
			}
			replicas := map[string]bool{}
			for _, t := range s.OfType("aws:dynamodb/table:Table") {
				for _, r := range t.Strs("replicas", "regionName") {
					replicas[r] = true
				}
			}
			for _, r := range s.OfType("aws:dynamodb/tableReplica:TableReplica") {
				replicas[r.Region] = true
			}
			replicated := s.replicationTargets("aws:s3/bucketV2:BucketV2", "arn", "aws:s3/bucketReplicationConfig:BucketReplicationConfig",
				func(c *mock.Resource) []string { return targets(c, "bucket") },
				func(c *mock.Resource) []string { return pathsOf(c, "rules", "destination.bucket") }, primary)
			for _, r := range s.Spec.RegionNames {
				if !members[r] {
					lacks(r, "Aurora global database member")
				}
			}
			for _, r := range others {
				if len(s.OfType("aws:dynamodb/table:Table")) > 0 && !replicas[r] {
					lacks(r, "DynamoDB global table replica")
				}
			}
			for _, r := range notWriter {
				if !replicated[r] {
					lacks(r, "S3 replication from the writer's region")
				}
			}
		case spec.GCP:
			for _, i := range s.OfType("gcp:spanner/instance:Instance") {
				cfg, err := spec.ChooseSpannerConfig(i.Str("config"), nil)
				for _, r := range s.Spec.RegionNames {
					if err != nil || !slices.Contains(cfg.Regions, r) {
						vs = append(vs, violation(i, "Spanner configuration %q has no readable replica in %s", i.Str("config"), r))
					}
				}
			}
			if len(s.OfType("gcp:spanner/instance:Instance")) == 0 {
				replicas := map[string]bool{}
				for _, i := range s.OfType("gcp:sql/databaseInstance:DatabaseInstance") {
					if i.Get("masterInstanceName") != nil {
						replicas[i.Str("region")] = true
					}
				}
				for _, r := range others {
					if !replicas[r] {
						lacks(r, "Cloud SQL cross-region replica")
					}
				}
			}
			copies := s.gcsCopies()
			for _, r := range s.Spec.RegionNames {
				reached := false
				for _, b := range s.OfType("gcp:storage/bucket:Bucket") {
					from, isCopy := copies[b]
					fed := isCopy && from != nil || !isCopy && gcsMultiRegion(b)
					reached = reached || fed && gcsCovers(b, r)
				}
				if !reached {
					lacks(r, fmt.Sprintf("bucket in its area (%s): neither the uploads bucket nor a Storage Transfer copy of it", orRegion(spec.GCSArea(r), r)))
				}
			}
		case spec.Azure:
			secondaries := map[string]bool{}
			for _, d := range s.OfType("azure-native:sql:Database") {
				if d.Str("createMode") == "Secondary" {
					secondaries[d.Region] = true
				}
			}
			for _, r := range others {
				if !secondaries[r] {
					lacks(r, "SQL geo-secondary")
				}
			}
			// Every region writes its own account; a lost region's uploads
			// stay readable from its geo-secondary, by every app.
			var appSubnets []string
			for _, e := range s.OfType("azure-native:app:ManagedEnvironment") {
				appSubnets = append(appSubnets, targets(e, "vnetConfiguration.infrastructureSubnetId")...)
			}
			accounts := map[string]bool{}
			for _, a := range s.OfType("azure-native:storage:StorageAccount") {
				accounts[a.Region] = true
				if sku := a.Str("sku.name"); sku != "Standard_RAGZRS" && sku != "Standard_RAGRS" {
					vs = append(vs, violation(a, "account %s is not read-access geo-redundant (%s): its uploads would be unreadable while %s is lost", a.Str("accountName"), sku, a.Region))
				}
				var admitted []string
				for i := 0; i < a.Len("networkRuleSet.virtualNetworkRules"); i++ {
					admitted = append(admitted, targets(a, fmt.Sprintf("networkRuleSet.virtualNetworkRules.%d.virtualNetworkResourceId", i))...)
				}
				for _, sub := range appSubnets {
					if !mock.Unresolved(sub) && !slices.Contains(admitted, sub) {
						vs = append(vs, violation(a, "account %s does not admit apps subnet %s: that region's app cannot read its uploads", a.Str("accountName"), sub))
					}
				}
			}
			for _, r := range s.Spec.RegionNames {
				if !accounts[r] {
					lacks(r, "storage account for its uploads")
				}
			}
		}
		return vs
	},
}

// replicationTargets are the regions a replication resource sends the
// primary's store to: src and dst return the references (ids, outputs, or
// in a preview the URNs) to its source and destination stores.
func (s Stack) replicationTargets(storeType, output, replType string, src, dst func(*mock.Resource) []string, primary string) map[string]bool {
	regionOf := map[string]string{}
	for _, b := range s.OfType(storeType) {
		if v, ok := b.Outputs[output].(string); ok {
			regionOf[v] = b.Region
		}
		regionOf[b.ID], regionOf[b.URN] = b.Region, b.Region
	}
	out := map[string]bool{}
	for _, c := range s.OfType(replType) {
		fromPrimary := false
		for _, ref := range src(c) {
			fromPrimary = fromPrimary || regionOf[ref] == primary
		}
		for _, ref := range dst(c) {
			if r := regionOf[ref]; fromPrimary && r != "" && r != primary {
				out[r] = true
			}
		}
	}
	return out
}

// pathsOf are the targets of a field in each element of a list input.
func pathsOf(r *mock.Resource, list, field string) []string {
	var out []string
	for i := 0; i < r.Len(list); i++ {
		out = append(out, targets(r, fmt.Sprintf("%s.%d.%s", list, i, field))...)
	}
	return out
}

// gcsCopies maps each bucket that a Storage Transfer job fills to the bucket
// it is filled from (nil when that source is itself a copy or unknown).
func (s Stack) gcsCopies() map[*mock.Resource]*mock.Resource {
	resolve := s.gcsBuckets()
	copies := map[*mock.Resource]*mock.Resource{}
	for _, j := range s.OfType("gcp:storage/transferJob:TransferJob") {
		src := resolve(targets(j, "transferSpec.gcsDataSource.bucketName"))
		dst := resolve(targets(j, "transferSpec.gcsDataSink.bucketName"))
		// In a preview both names are unknown and the job's dependencies
		// name both buckets: the source is the multi-region one (the uploads).
		if len(src) > 1 {
			src = slices.DeleteFunc(slices.Clone(src), func(b *mock.Resource) bool { return !gcsMultiRegion(b) })
			dst = slices.DeleteFunc(dst, func(b *mock.Resource) bool { return slices.Contains(src, b) })
		}
		for _, d := range dst {
			if _, seen := copies[d]; !seen {
				copies[d] = nil
			}
			if len(src) == 1 && src[0] != d {
				copies[d] = src[0]
			}
		}
	}
	// A copy of a copy is not fed from the uploads.
	for d, src := range copies {
		if _, srcIsCopy := copies[src]; srcIsCopy {
			copies[d] = nil
		}
	}
	return copies
}

// gcsBuckets resolves references (names, ids, or in a preview URNs) to the
// stack's buckets.
func (s Stack) gcsBuckets() func(refs []string) []*mock.Resource {
	byRef := map[string]*mock.Resource{}
	for _, b := range s.OfType("gcp:storage/bucket:Bucket") {
		byRef[b.ID], byRef[b.URN] = b, b
		if n, ok := b.Outputs["name"].(string); ok {
			byRef[n] = b
		}
	}
	return func(refs []string) []*mock.Resource {
		var out []*mock.Resource
		for _, ref := range refs {
			if b := byRef[ref]; b != nil && !slices.Contains(out, b) {
				out = append(out, b)
			}
		}
		return out
	}
}

// gcsMultiRegion reports whether a bucket outlives the loss of one region
// (a dual-region, or a multi-region such as EU): such a bucket can take the
// uploads, a single-region one only a copy of them.
func gcsMultiRegion(b *mock.Resource) bool {
	return b.Get("customPlacementConfig") != nil || spec.GCSAreas[strings.ToUpper(b.Str("location"))] != nil
}

// gcsCovers reports whether a bucket is in a region's area: the region
// itself, one of its dual-region's locations, or its multi-region area.
func gcsCovers(b *mock.Resource, region string) bool {
	loc, r := strings.ToUpper(b.Str("location")), strings.ToUpper(region)
	locs, _ := b.Get("customPlacementConfig.dataLocations").([]any)
	return loc == r || slices.Contains(locs, any(r)) || loc != "" && loc == spec.GCSArea(region)
}

func orRegion(area, region string) string {
	if area == "" {
		return region
	}
	return area
}
