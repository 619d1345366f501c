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
	Description: "Every non-primary region holds an Aurora member, a DynamoDB replica and S3 replication from the primary; a Spanner configuration with a readable replica in every region or a Cloud SQL replica in each, and a dual-region bucket over the first two regions; an Azure SQL geo-secondary and object replication from the primary.",
	Severity:    Mandatory,
	Check: func(s Stack) []Violation {
		var vs []Violation
		lacks := func(region, what string) {
			vs = append(vs, violation(nil, "region %s has no %s", region, what))
		}
		primary := s.Spec.Primary().Name
		others := s.Spec.RegionNames[1:]
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
				if !replicated[r] {
					lacks(r, "S3 replication from the primary")
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
			for _, b := range s.OfType("gcp:storage/bucket:Bucket") {
				locs, _ := b.Get("customPlacementConfig.dataLocations").([]any)
				for _, want := range s.Spec.RegionNames[:2] {
					if !slices.Contains(locs, any(strings.ToUpper(want))) {
						vs = append(vs, violation(b, "bucket's dual-region placement %v does not include %s", locs, want))
					}
				}
			}
		case spec.Azure:
			secondaries := map[string]bool{}
			for _, d := range s.OfType("azure-native:sql:Database") {
				if d.Str("createMode") == "Secondary" {
					secondaries[d.Region] = true
				}
			}
			replicated := s.replicationTargets("azure-native:storage:StorageAccount", "id", "azure-native:storage:ObjectReplicationPolicy",
				func(p *mock.Resource) []string { return targets(p, "sourceAccount") },
				func(p *mock.Resource) []string {
					if !strings.HasSuffix(p.Name, "-dst") {
						return nil
					}
					return targets(p, "destinationAccount")
				}, primary)
			for _, r := range others {
				if !secondaries[r] {
					lacks(r, "SQL geo-secondary")
				}
				if !replicated[r] {
					lacks(r, "object replication from the primary's storage account")
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
