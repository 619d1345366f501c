package gcp

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp"
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

// DualRegion is where the upload bucket lives.
type DualRegion struct {
	Location string    // the multi-region code: US, EU or ASIA
	Regions  [2]string // the two data locations
	// InStack is false when the stack's regions offer no pair and the
	// nearest supported pair was chosen instead (said in the README).
	InStack bool
}

// ChooseDualRegion pairs the stack's regions for the bucket: the primary and
// the next region in its continent; else the first two stack regions that
// share a continent; else the stack region (primary first) nearest to a
// supported continent with its nearest neighbour there.
func ChooseDualRegion(regions []string) DualRegion {
	for i, a := range regions {
		for _, b := range regions[i+1:] {
			if c := spec.GCSArea(a); c != "" && c == spec.GCSArea(b) {
				return DualRegion{Location: c, Regions: [2]string{a, b}, InStack: true}
			}
		}
	}
	// No pair: anchor on the first stack region that can be in a
	// dual-region, or on the supported region nearest the primary.
	anchor := ""
	for _, r := range regions {
		if spec.GCSArea(r) != "" {
			anchor = r
			break
		}
	}
	if anchor == "" {
		anchor = nearest(regions[0], nil)
	}
	return DualRegion{Location: spec.GCSArea(anchor), Regions: [2]string{anchor, nearest(anchor, spec.GCSAreas[spec.GCSArea(anchor)])}}
}

// nearest is the supported region closest to a region (among candidates, or
// among all supported regions), other than itself.
func nearest(region string, candidates []string) string {
	from, _ := spec.LookupRegion(spec.GCP, region)
	if candidates == nil {
		for _, rs := range spec.GCSAreas {
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

// ReadCopy is a bucket in one region that holds a copy of the uploads for
// the stack regions of its area (a multi-region area the uploads bucket is
// not in, or a region outside US, EU and ASIA).
type ReadCopy struct {
	Region string   // where the copy lives: the first stack region of the area
	Serves []string // the stack regions that read from it
}

// PlaceReadCopies gives every stack region a bucket in its own area: the
// uploads bucket serves the regions of its multi-region area, and each other
// area the stack spans gets one regional copy.
func PlaceReadCopies(regions []string, home DualRegion) []ReadCopy {
	var copies []ReadCopy
	at := map[string]int{} // area -> index in copies
	for _, r := range regions {
		area := spec.GCSArea(r)
		if area == home.Location || slices.Contains(home.Regions[:], r) {
			continue
		}
		if area == "" {
			area = r // outside the multi-region areas, a region is its own area
		}
		if i, ok := at[area]; ok {
			copies[i].Serves = append(copies[i].Serves, r)
			continue
		}
		at[area] = len(copies)
		copies = append(copies, ReadCopy{Region: r, Serves: []string{r}})
	}
	return copies
}

// CopyIntervalSeconds is how often Storage Transfer Service copies new and
// deleted uploads to the read copies: its shortest repeat interval, one hour
// (TransferJob schedule.repeatInterval: "may not be less than 1 hour").
const CopyIntervalSeconds = 3600

// ReplicatedStorageArgs configures ReplicatedStorage.
type ReplicatedStorageArgs struct {
	Regions []string // required, in stack order
	// Lookups, when set, is the provider service-agent lookups go through
	// (a live region's: stacks.Outage).
	Lookups               *gcp.Provider
	NoncurrentVersionDays int
	Protect               bool
	// ProjectNumber lets Cloud CDN's cache-fill service account read the
	// private bucket; empty builds no edge cache.
	ProjectNumber string
	// RandomProvider makes the edge cache's signed URL key (required with
	// ProjectNumber).
	RandomProvider pulumi.ProviderResource
	// KeyIDs are the customer-managed Cloud KMS keys by location: the
	// uploads bucket's (KMSLocation of the placement) and each read copy's
	// region; nil leaves Google-managed encryption.
	KeyIDs map[string]pulumi.StringOutput
	// Project is where Storage Transfer Service runs the copy jobs ("" for
	// the provider's); TransferAPI is the enabled Storage Transfer API the
	// lookup of its service agent waits for (needed when the stack's
	// regions span more than one area).
	Project     string
	TransferAPI pulumi.Resource
}

// KMSLocation is the Cloud KMS location of a bucket location: the
// multi-region a dual-region belongs to.
func KMSLocation(bucketLocation string) string {
	return map[string]string{"US": "us", "EU": "europe", "ASIA": "asia"}[bucketLocation]
}

// ReplicatedStorage is the upload bucket: a configurable dual-region over
// two of the stack's regions with turbo replication (RPO 15 minutes),
// versioning, uniform bucket-level access, public access prevention
// enforced, soft delete and lifecycle rules; a read copy in every other area
// the stack spans, filled hourly by Storage Transfer Service; and a
// CDN-enabled backend bucket for static content on the load balancer. Every
// region writes to the upload bucket, which a single region's loss leaves
// writable; a region reads from the bucket of its own area.
type ReplicatedStorage struct {
	pulumi.ResourceState

	BucketName      pulumi.StringOutput `pulumi:"bucketName"`
	BackendBucketID pulumi.StringOutput `pulumi:"backendBucketId"`
	// ReadBuckets are, by stack region, the bucket the region reads from.
	ReadBuckets pulumi.StringMapOutput `pulumi:"readBuckets"`
	Placement   DualRegion
	Copies      []ReadCopy

	readBuckets map[string]pulumi.StringOutput
	copyNames   map[string]pulumi.StringOutput // copy region -> bucket
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
	bucket, err := storage.NewBucket(ctx, Label(name), uploadsBucketArgs(args, pulumi.String(st.Placement.Location),
		&storage.BucketCustomPlacementConfigArgs{DataLocations: pulumi.StringArray{
			pulumi.String(strings.ToUpper(st.Placement.Regions[0])), pulumi.String(strings.ToUpper(st.Placement.Regions[1])),
		}}, pulumi.String("ASYNC_TURBO"), KMSLocation(st.Placement.Location)), child, pulumi.Protect(args.Protect))
	if err != nil {
		return nil, fmt.Errorf("storage %s: %w", name, err)
	}
	st.BucketName = bucket.Name
	st.BackendBucketID = pulumi.String("").ToStringOutput()
	st.Copies = PlaceReadCopies(args.Regions, st.Placement)
	if err := st.copyTo(ctx, name, args, bucket, child); err != nil {
		return nil, err
	}
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
	return st, ctx.RegisterResourceOutputs(st, pulumi.Map{"bucketName": st.BucketName, "backendBucketId": st.BackendBucketID, "readBuckets": st.ReadBuckets})
}

// uploadsBucketArgs are the settings the upload bucket and its read copies
// share. keyLocation picks the customer-managed key.
func uploadsBucketArgs(args ReplicatedStorageArgs, location pulumi.StringInput, placement storage.BucketCustomPlacementConfigPtrInput, rpo pulumi.StringPtrInput, keyLocation string) *storage.BucketArgs {
	var encryption storage.BucketEncryptionPtrInput
	if key, ok := args.KeyIDs[keyLocation]; ok {
		encryption = &storage.BucketEncryptionArgs{DefaultKmsKeyName: key}
	}
	return &storage.BucketArgs{
		Location:                 location,
		CustomPlacementConfig:    placement,
		Rpo:                      rpo,
		Versioning:               &storage.BucketVersioningArgs{Enabled: pulumi.Bool(true)},
		UniformBucketLevelAccess: pulumi.Bool(true),
		PublicAccessPrevention:   pulumi.String("enforced"),
		SoftDeletePolicy:         &storage.BucketSoftDeletePolicyArgs{RetentionDurationSeconds: pulumi.Int(SoftDeleteSeconds)},
		ForceDestroy:             pulumi.Bool(false),
		Encryption:               encryption,
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
	}
}

// copyTo builds a regional read copy per other area and the hourly Storage
// Transfer job that fills it from the upload bucket, deletions included.
func (st *ReplicatedStorage) copyTo(ctx *pulumi.Context, name string, args ReplicatedStorageArgs, uploads *storage.Bucket, child pulumi.ResourceOrInvokeOption) error {
	st.readBuckets = map[string]pulumi.StringOutput{}
	st.copyNames = map[string]pulumi.StringOutput{}
	for _, r := range args.Regions {
		st.readBuckets[r] = uploads.Name
	}
	if len(st.Copies) > 0 {
		if args.TransferAPI == nil {
			return fmt.Errorf("storage %s: TransferAPI is required when the regions span more than one area (%s)", name, st.Copies[0].Region)
		}
		var project pulumi.StringPtrInput
		if args.Project != "" {
			project = pulumi.String(args.Project)
		}
		// The service agent is created by its first lookup
		// (googleServiceAccounts.get), which needs the API on.
		agent := storage.GetTransferProjectServiceAccountOutput(ctx, storage.GetTransferProjectServiceAccountOutputArgs{Project: project},
			lookupsOr(args.Lookups, child), pulumi.DependsOn([]pulumi.Resource{args.TransferAPI}))
		member := pulumi.Sprintf("serviceAccount:%s", agent.Email())
		// Source: storage.objects.get/list and storage.buckets.get; sink:
		// storage.buckets.get and storage.objects.create/delete/list (Storage
		// Transfer docs, "Configure access to a source/sink: Cloud Storage").
		var grants []pulumi.Resource
		for _, role := range []string{"roles/storage.objectViewer", "roles/storage.legacyBucketReader"} {
			g, err := storage.NewBucketIAMMember(ctx, name+"-transfer-"+strings.TrimPrefix(role, "roles/storage."), &storage.BucketIAMMemberArgs{
				Bucket: uploads.Name, Role: pulumi.String(role), Member: member,
			}, child)
			if err != nil {
				return err
			}
			grants = append(grants, g)
		}
		for _, c := range st.Copies {
			id := name + "-" + c.Region
			copyBucket, err := storage.NewBucket(ctx, Label(id), uploadsBucketArgs(args, pulumi.String(strings.ToUpper(c.Region)), nil, nil, c.Region),
				child, pulumi.Protect(args.Protect))
			if err != nil {
				return fmt.Errorf("storage %s: %w", id, err)
			}
			writer, err := storage.NewBucketIAMMember(ctx, id+"-transfer", &storage.BucketIAMMemberArgs{
				Bucket: copyBucket.Name, Role: pulumi.String("roles/storage.legacyBucketWriter"), Member: member,
			}, child)
			if err != nil {
				return err
			}
			// A start date in the past runs the job from the next day on
			// (schedule.scheduleStartDate); then every CopyIntervalSeconds.
			if _, err := storage.NewTransferJob(ctx, id+"-copy", &storage.TransferJobArgs{
				Description: pulumi.Sprintf("%s: copy uploads to the read copy in %s", name, c.Region),
				Project:     project,
				Schedule: &storage.TransferJobScheduleArgs{
					ScheduleStartDate: &storage.TransferJobScheduleScheduleStartDateArgs{Year: pulumi.Int(2026), Month: pulumi.Int(1), Day: pulumi.Int(1)},
					RepeatInterval:    pulumi.String(fmt.Sprintf("%ds", CopyIntervalSeconds)),
				},
				TransferSpec: &storage.TransferJobTransferSpecArgs{
					GcsDataSource: &storage.TransferJobTransferSpecGcsDataSourceArgs{BucketName: uploads.Name},
					GcsDataSink:   &storage.TransferJobTransferSpecGcsDataSinkArgs{BucketName: copyBucket.Name},
					// A deleted upload leaves the copies too (a user's
					// deletion must reach every copy); versioning keeps it
					// restorable for NoncurrentVersionDays.
					TransferOptions: &storage.TransferJobTransferSpecTransferOptionsArgs{
						DeleteObjectsUniqueInSink: pulumi.Bool(true), OverwriteWhen: pulumi.String("DIFFERENT"),
					},
				},
			}, child, pulumi.DependsOn(append(grants, writer))); err != nil {
				return err
			}
			st.copyNames[c.Region] = copyBucket.Name
			for _, r := range c.Serves {
				st.readBuckets[r] = copyBucket.Name
			}
		}
	}
	rb := pulumi.StringMap{}
	for r, b := range st.readBuckets {
		rb[r] = b
	}
	st.ReadBuckets = rb.ToStringMapOutput()
	return nil
}

// Publish writes a document under the static prefix of the uploads bucket
// (Cloud CDN serves it at /static/<key>; the read copies receive it by
// their transfer jobs), with its Cache-Control, as a child of the storage,
// and returns the object's name (for whoever writes it later to wait for).
func (st *ReplicatedStorage) Publish(ctx *pulumi.Context, name, key, content, contentType, cacheControl string) (pulumi.StringOutput, error) {
	o, err := storage.NewBucketObject(ctx, name, &storage.BucketObjectArgs{
		Bucket: st.BucketName, Name: pulumi.String(components.StaticPrefix + "/" + key),
		// A source asset, not content: the SDK marks content secret, and the
		// document is public.
		Source: pulumi.NewStringAsset(content), ContentType: pulumi.String(contentType), CacheControl: pulumi.String(cacheControl),
	}, pulumi.Parent(st)) // the storage's provider, inherited
	if err != nil {
		return pulumi.StringOutput{}, err
	}
	return o.Name, nil
}

// ReadBucket is the bucket a stack region reads uploads from.
func (st *ReplicatedStorage) ReadBucket(region string) pulumi.StringOutput {
	return st.readBuckets[region]
}

// AppObjectsCondition is the IAM condition of an app's grant on the uploads
// bucket: any object outside the deploy's prefixes (_mobile-backend/, the
// release window's; static/, the edge's).
func AppObjectsCondition(bucket pulumi.StringInput) pulumi.StringOutput {
	return pulumi.Sprintf(`!resource.name.startsWith("projects/_/buckets/%s/objects/%s") && !resource.name.startsWith("projects/_/buckets/%s/objects/%s/")`,
		bucket, DeployPrefix, bucket, components.StaticPrefix)
}

// DeployPrefix holds the deploy's own objects in the uploads bucket (the
// release window).
const DeployPrefix = "_mobile-backend/"

// GrantTo lets a region's service account read and write the upload
// bucket's objects, and read its area's copy; it returns the grants.
func (st *ReplicatedStorage) GrantTo(ctx *pulumi.Context, name, region string, email pulumi.StringInput) ([]pulumi.Resource, error) {
	member := pulumi.Sprintf("serviceAccount:%s", email)
	// Every object but the deploy's: the release window the failover job
	// reads (an app could hold failover off for ever) and the static
	// content the edge serves (the region directory). A condition on the
	// object's name; bucket-level calls (list) name the bucket and pass.
	write, err := storage.NewBucketIAMMember(ctx, name, &storage.BucketIAMMemberArgs{
		Bucket: st.BucketName, Role: pulumi.String("roles/storage.objectUser"), Member: member,
		Condition: &storage.BucketIAMMemberConditionArgs{
			Title:      pulumi.String("not-the-deploys-objects"),
			Expression: AppObjectsCondition(st.BucketName),
		},
	}, pulumi.Parent(st))
	if err != nil {
		return nil, err
	}
	grants := []pulumi.Resource{write}
	for _, c := range st.Copies {
		if slices.Contains(c.Serves, region) {
			read, err := storage.NewBucketIAMMember(ctx, name+"-copy", &storage.BucketIAMMemberArgs{
				Bucket: st.copyNames[c.Region], Role: pulumi.String("roles/storage.objectViewer"), Member: member,
			}, pulumi.Parent(st))
			if err != nil {
				return nil, err
			}
			grants = append(grants, read)
		}
	}
	return grants, nil
}

// StaticObjects is the resource-name prefix of a bucket's static objects, as
// IAM conditions see an object (projects/_/buckets/<bucket>/objects/<name>).
func StaticObjects(bucket string) string {
	return "projects/_/buckets/" + bucket + "/objects/" + components.StaticPrefix + "/"
}
