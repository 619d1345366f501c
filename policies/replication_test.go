package policies

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/mobile-backend/mobile-backend/internal/mock"
	"github.com/mobile-backend/mobile-backend/internal/spec"
)

// A Google Cloud stack over three continents: the uploads bucket is an EU
// dual-region; us-central1 and asia-southeast1 need a copy in their area.
func threeContinents(rs ...*mock.Resource) Stack {
	return Stack{Spec: gcpSpec("europe-west4", "us-central1", "asia-southeast1"), Resources: rs}
}

func gcpSpec(regions ...string) spec.Spec {
	s := spec.Spec{Cloud: spec.GCP, RegionNames: regions}
	for _, r := range regions {
		s.Regions = append(s.Regions, spec.RegionSpec{Name: r})
	}
	return s
}

// storageGaps are the policy's findings about buckets (these graphs hold no
// database).
func storageGaps(s Stack) []string {
	var out []string
	for _, m := range messages(Evaluate(s, []Policy{DataReachesEveryRegion})) {
		if strings.Contains(m, "bucket") {
			out = append(out, m)
		}
	}
	return out
}

func gcsBucket(name, location string, dataLocations ...any) *mock.Resource {
	in := map[string]any{"location": location}
	if len(dataLocations) > 0 {
		in["customPlacementConfig"] = map[string]any{"dataLocations": dataLocations}
	}
	return res("gcp:storage/bucket:Bucket", name, "europe-west4", in, out("name", name+"-a1b2"))
}

func transferJob(name string, from, to *mock.Resource, interval string) *mock.Resource {
	return res("gcp:storage/transferJob:TransferJob", name, "europe-west4", map[string]any{
		"schedule": map[string]any{"repeatInterval": interval},
		"transferSpec": map[string]any{
			"gcsDataSource": map[string]any{"bucketName": from.Outputs["name"]},
			"gcsDataSink":   map[string]any{"bucketName": to.Outputs["name"]},
		},
	})
}

func TestEveryRegionNeedsABucketInItsAreaFedFromTheUploads(t *testing.T) {
	uploads := gcsBucket("uploads", "EU", "EUROPE-WEST4", "EUROPE-WEST3")
	us := gcsBucket("uploads-us-central1", "US-CENTRAL1")
	asia := gcsBucket("uploads-asia-southeast1", "ASIA-SOUTHEAST1")
	toUS, toAsia := transferJob("to-us", uploads, us, "3600s"), transferJob("to-asia", uploads, asia, "3600s")

	assert.Equal(t, []string{
		"region us-central1 has no bucket in its area (US): neither the uploads bucket nor a Storage Transfer copy of it",
		"region asia-southeast1 has no bucket in its area (ASIA): neither the uploads bucket nor a Storage Transfer copy of it",
	}, storageGaps(threeContinents(uploads)), "one dual-region bucket covers one area")
	assert.Equal(t, []string{
		"region asia-southeast1 has no bucket in its area (ASIA): neither the uploads bucket nor a Storage Transfer copy of it",
	}, storageGaps(threeContinents(uploads, us, asia, toUS)), "a bucket nothing fills is no copy")
	// A copy filled from another copy is not fed from the uploads.
	chained := transferJob("to-asia", us, asia, "3600s")
	assert.Len(t, storageGaps(threeContinents(uploads, us, asia, toUS, chained)), 1)
	assert.Empty(t, storageGaps(threeContinents(uploads, us, asia, toUS, toAsia)))

	// Outside US, EU and ASIA a region is its own area.
	sydney := Stack{Spec: gcpSpec("us-central1", "australia-southeast1"),
		Resources: []*mock.Resource{gcsBucket("uploads", "US", "US-CENTRAL1", "US-EAST1"), gcsBucket("near", "ASIA-SOUTHEAST1")}}
	assert.Equal(t, []string{"region australia-southeast1 has no bucket in its area (australia-southeast1): neither the uploads bucket nor a Storage Transfer copy of it"},
		storageGaps(sydney))
}

func TestAReadCopyIsShownInTheBudgetButDoesNotBoundTheLossOfARegion(t *testing.T) {
	uploads := gcsBucket("uploads", "EU", "EUROPE-WEST4", "EUROPE-WEST3")
	uploads.Inputs["rpo"] = "ASYNC_TURBO"
	us, asia := gcsBucket("uploads-us-central1", "US-CENTRAL1"), gcsBucket("uploads-asia-southeast1", "ASIA-SOUTHEAST1")
	b := ComputeBudget(threeContinents(uploads, us, asia, transferJob("to-us", uploads, us, "3600s"), transferJob("to-asia", uploads, asia, "7200s")))
	assert.Equal(t, 900, b.RPO.Computed, "every upload is written to the turbo dual-region bucket")
	assert.Equal(t, []Term{{Name: "Cloud Storage turbo replication", Seconds: GCSTurboRPOSeconds, Basis: "published: Cloud Storage SLA, 15 minutes"}}, b.RPO.Terms)
	copied := "configured: the transfer job's schedule"
	assert.Equal(t, []Term{
		{Name: "Storage Transfer copy to US-CENTRAL1 (a read copy: every upload is written to the dual-region bucket first)", Seconds: 3600, Basis: copied},
		{Name: "Storage Transfer copy to ASIA-SOUTHEAST1 (a read copy: every upload is written to the dual-region bucket first)", Seconds: 7200, Basis: copied},
	}, b.RPO.NotCounted)
}

func TestInAPreviewTheTransferSourceIsTheMultiRegionBucket(t *testing.T) {
	uploads := gcsBucket("uploads", "EU", "EUROPE-WEST4", "EUROPE-WEST3")
	us, asia := gcsBucket("uploads-us-central1", "US-CENTRAL1"), gcsBucket("uploads-asia-southeast1", "ASIA-SOUTHEAST1")
	unknown := func(name string, sink *mock.Resource) *mock.Resource {
		return res("gcp:storage/transferJob:TransferJob", name, "europe-west4", map[string]any{
			"transferSpec": map[string]any{"gcsDataSource": map[string]any{"bucketName": "[unknown]"}, "gcsDataSink": map[string]any{"bucketName": "[unknown]"}},
		}, consumes("transferSpec", uploads), consumes("transferSpec", sink))
	}
	assert.Empty(t, storageGaps(threeContinents(uploads, us, asia, unknown("to-us", us), unknown("to-asia", asia))))
}
