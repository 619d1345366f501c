package gcp

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/compute"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/storage"
	"github.com/pulumi/pulumi-random/sdk/v4/go/random"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mobile-backend/mobile-backend/components"
	"github.com/mobile-backend/mobile-backend/internal/spec"
)

// SoftDeleteSeconds is how long deleted objects stay restorable (7 days,
// Cloud Storage's default soft-delete window).
const SoftDeleteSeconds = 7 * 24 * 3600

// dualRegionContinents lists, per multi-region location, the regions a
// configurable dual-region may pair there (Cloud Storage documentation,
// "Bucket locations": configurable dual-regions stay within one of US, EU or
// ASIA; London and Zurich are not in EU).
var dualRegionContinents = map[string][]string{
	"US":   {"us-central1", "us-east1", "us-east4", "us-east5", "us-south1", "us-west1", "us-west2", "us-west3", "us-west4"},
	"EU":   {"europe-central2", "europe-north1", "europe-southwest1", "europe-west1", "europe-west3", "europe-west4", "europe-west8", "europe-west9", "europe-west10", "europe-west12"},
	"ASIA": {"asia-east1", "asia-east2", "asia-northeast1", "asia-northeast2", "asia-northeast3", "asia-south1", "asia-south2", "asia-southeast1", "asia-southeast2"},
}

// DualRegion is where the upload bucket lives.
type DualRegion struct {
	Location string    // the multi-region code: US, EU or ASIA
	Regions  [2]string // the two data locations
	// InStack is false when the stack's regions offer no pair and the
	// nearest supported pair was chosen instead (said in the README).
	InStack bool
}

func continentOf(region string) string {
	for c, rs := range dualRegionContinents {
		if slices.Contains(rs, region) {
			return c
		}
	}
	return ""
}

// ChooseDualRegion pairs the stack's regions for the bucket: the primary and
// the next region in its continent; else the first two stack regions that
// share a continent; else the stack region (primary first) nearest to a
// supported continent with its nearest neighbour there.
func ChooseDualRegion(regions []string) DualRegion {
	for i, a := range regions {
		for _, b := range regions[i+1:] {
			if c := continentOf(a); c != "" && c == continentOf(b) {
				return DualRegion{Location: c, Regions: [2]string{a, b}, InStack: true}
			}
		}
	}
	// No pair: anchor on the first stack region that can be in a
	// dual-region, or on the supported region nearest the primary.
	anchor := ""
	for _, r := range regions {
		if continentOf(r) != "" {
			anchor = r
			break
		}
	}
	if anchor == "" {
		anchor = nearest(regions[0], nil)
	}
	return DualRegion{Location: continentOf(anchor), Regions: [2]string{anchor, nearest(anchor, dualRegionContinents[continentOf(anchor)])}}
}

// nearest is the supported region closest to a region (among candidates, or
// among all supported regions), other than itself.
func nearest(region string, candidates []string) string {
	from, _ := spec.LookupRegion(spec.GCP, region)
	if candidates == nil {
		for _, rs := range dualRegionContinents {
			candidates = append(candidates, rs...)
		}
		slices.Sort(candidates)
	}
	best, bestDist := "", math.MaxFloat64
	for _, c := range candidates {
		to, ok := spec.LookupRegion(spec.GCP, c)
		if !ok || c == region {
			continue
		}
		if d := math.Hypot(from.Lat-to.Lat, from.Lon-to.Lon); d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}

// ReplicatedStorageArgs configures ReplicatedStorage.
type ReplicatedStorageArgs struct {
	Regions               []string // required, in stack order
	NoncurrentVersionDays int
	Protect               bool
	// ProjectNumber lets Cloud CDN's cache-fill service account read the
	// private bucket; empty builds no edge cache.
	ProjectNumber string
	// RandomProvider makes the edge cache's signed URL key (required with
	// ProjectNumber).
	RandomProvider pulumi.ProviderResource
	// KeyID is the customer-managed Cloud KMS key of the bucket's location
	// (KMSLocation of the placement); nil leaves Google-managed encryption.
	KeyID pulumi.StringInput
}

// KMSLocation is the Cloud KMS location of a bucket location: the
// multi-region a dual-region belongs to.
func KMSLocation(bucketLocation string) string {
	return map[string]string{"US": "us", "EU": "europe", "ASIA": "asia"}[bucketLocation]
}

// ReplicatedStorage is the upload bucket: a configurable dual-region over
// two of the stack's regions with turbo replication (RPO 15 minutes),
// versioning, uniform bucket-level access, public access prevention
// enforced, soft delete and lifecycle rules; and a CDN-enabled backend bucket
// for static content on the load balancer.
type ReplicatedStorage struct {
	pulumi.ResourceState

	BucketName      pulumi.StringOutput `pulumi:"bucketName"`
	BackendBucketID pulumi.StringOutput `pulumi:"backendBucketId"`
	Placement       DualRegion
}

// NewReplicatedStorage builds the bucket. Pass the primary region's provider in opts.
func NewReplicatedStorage(ctx *pulumi.Context, name string, args ReplicatedStorageArgs, opts ...pulumi.ResourceOption) (*ReplicatedStorage, error) {
	if len(args.Regions) < 2 {
		return nil, fmt.Errorf("storage %s: at least two Regions are required", name)
	}
	st := &ReplicatedStorage{}
	if err := ctx.RegisterComponentResource("mobile-backend:gcp:ReplicatedStorage", name, st, opts...); err != nil {
		return nil, err
	}
	components.Default(&args.NoncurrentVersionDays, components.DefaultNoncurrentVersionDays)
	child := pulumi.Parent(st)
	st.Placement = ChooseDualRegion(args.Regions)
	bucket, err := storage.NewBucket(ctx, Label(name), &storage.BucketArgs{
		Location: pulumi.String(st.Placement.Location),
		CustomPlacementConfig: &storage.BucketCustomPlacementConfigArgs{DataLocations: pulumi.StringArray{
			pulumi.String(strings.ToUpper(st.Placement.Regions[0])), pulumi.String(strings.ToUpper(st.Placement.Regions[1])),
		}},
		Rpo:                      pulumi.String("ASYNC_TURBO"),
		Versioning:               &storage.BucketVersioningArgs{Enabled: pulumi.Bool(true)},
		UniformBucketLevelAccess: pulumi.Bool(true),
		PublicAccessPrevention:   pulumi.String("enforced"),
		SoftDeletePolicy:         &storage.BucketSoftDeletePolicyArgs{RetentionDurationSeconds: pulumi.Int(SoftDeleteSeconds)},
		ForceDestroy:             pulumi.Bool(false),
		Encryption:               bucketEncryption(args.KeyID),
		LifecycleRules: storage.BucketLifecycleRuleArray{
			&storage.BucketLifecycleRuleArgs{
				Action:    &storage.BucketLifecycleRuleActionArgs{Type: pulumi.String("Delete")},
				Condition: &storage.BucketLifecycleRuleConditionArgs{DaysSinceNoncurrentTime: pulumi.Int(args.NoncurrentVersionDays), WithState: pulumi.String("ARCHIVED")},
			},
			&storage.BucketLifecycleRuleArgs{
				Action:    &storage.BucketLifecycleRuleActionArgs{Type: pulumi.String("AbortIncompleteMultipartUpload")},
				Condition: &storage.BucketLifecycleRuleConditionArgs{Age: pulumi.Int(7)},
			},
		},
	}, child, pulumi.Protect(args.Protect))
	if err != nil {
		return nil, fmt.Errorf("storage %s: %w", name, err)
	}
	st.BucketName = bucket.Name
	st.BackendBucketID = pulumi.String("").ToStringOutput()
	if args.ProjectNumber != "" {
		bb, err := compute.NewBackendBucket(ctx, name+"-static", &compute.BackendBucketArgs{
			Name:            pulumi.String(resourceName(name+"-static", 63)),
			BucketName:      bucket.Name,
			EnableCdn:       pulumi.Bool(true),
			CompressionMode: pulumi.String("AUTOMATIC"),
			CdnPolicy: &compute.BackendBucketCdnPolicyArgs{
				CacheMode:       pulumi.String("CACHE_ALL_STATIC"),
				DefaultTtl:      pulumi.Int(3600),
				ClientTtl:       pulumi.Int(3600),
				MaxTtl:          pulumi.Int(86400),
				NegativeCaching: pulumi.Bool(true),
				ServeWhileStale: pulumi.Int(86400),
			},
		}, child)
		if err != nil {
			return nil, err
		}
		// Google creates Cloud CDN's cache-fill agent with a backend bucket's
		// first signed URL key (cloud.google.com/cdn/docs/using-signed-urls
		// #configure_permissions): make one, so that the agent exists before
		// the grant to it. Unsigned requests are still served ("Cloud CDN
		// does not validate requests [that are] not signed").
		if args.RandomProvider == nil {
			return nil, fmt.Errorf("storage %s: RandomProvider is required with ProjectNumber", name)
		}
		keyValue, err := random.NewRandomId(ctx, name+"-cdn-key", &random.RandomIdArgs{ByteLength: pulumi.Int(16)},
			child, pulumi.Provider(args.RandomProvider))
		if err != nil {
			return nil, err
		}
		key, err := compute.NewBackendBucketSignedUrlKey(ctx, name+"-cdn-key", &compute.BackendBucketSignedUrlKeyArgs{
			Name: pulumi.String(resourceName(name+"-cdn-key", 63)), KeyValue: keyValue.B64Url, BackendBucket: bb.Name,
		}, child)
		if err != nil {
			return nil, err
		}
		// The bucket stays private; the CDN's cache-fill identity reads the
		// static/ objects only, never a user's upload (an IAM condition on the
		// object name: cloud.google.com/storage/docs/access-control/iam#conditions,
		// which needs uniform bucket-level access, on here).
		if _, err := storage.NewBucketIAMMember(ctx, name+"-cdn-fill", &storage.BucketIAMMemberArgs{
			Bucket: bucket.Name,
			Role:   pulumi.String("roles/storage.objectViewer"),
			Member: pulumi.String(fmt.Sprintf("serviceAccount:service-%s@cloud-cdn-fill.iam.gserviceaccount.com", args.ProjectNumber)),
			Condition: &storage.BucketIAMMemberConditionArgs{
				Title:       pulumi.String("static-objects-only"),
				Description: pulumi.String("Cloud CDN may read static content, not user uploads"),
				Expression: bucket.Name.ApplyT(func(b string) string {
					return fmt.Sprintf(`resource.name.startsWith("%s")`, StaticObjects(b))
				}).(pulumi.StringOutput),
			},
		}, child, pulumi.DependsOn([]pulumi.Resource{key})); err != nil {
			return nil, err
		}
		st.BackendBucketID = bb.ID().ToStringOutput()
	}
	return st, ctx.RegisterResourceOutputs(st, pulumi.Map{"bucketName": st.BucketName, "backendBucketId": st.BackendBucketID})
}

// GrantTo lets a service account read and write the bucket's objects.
func (st *ReplicatedStorage) GrantTo(ctx *pulumi.Context, name string, email pulumi.StringInput) error {
	_, err := storage.NewBucketIAMMember(ctx, name, &storage.BucketIAMMemberArgs{
		Bucket: st.BucketName,
		Role:   pulumi.String("roles/storage.objectUser"),
		Member: pulumi.Sprintf("serviceAccount:%s", email),
	}, pulumi.Parent(st))
	return err
}

func bucketEncryption(key pulumi.StringInput) storage.BucketEncryptionPtrInput {
	if key == nil {
		return nil
	}
	return &storage.BucketEncryptionArgs{DefaultKmsKeyName: key}
}

// StaticObjects is the resource-name prefix of a bucket's static objects, as
// IAM conditions see an object (projects/_/buckets/<bucket>/objects/<name>).
func StaticObjects(bucket string) string {
	return "projects/_/buckets/" + bucket + "/objects/" + components.StaticPrefix + "/"
}
