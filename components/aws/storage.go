package aws

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mobile-backend/mobile-backend/components"
)

// ReplicationMinutes is S3 Replication Time Control's objective: 99.99% of
// objects replicated within 15 minutes (the only value RTC accepts).
const ReplicationMinutes = 15

// StaticPrefix is the key prefix the edge cache serves from the buckets.
const StaticPrefix = components.StaticPrefix

// ReplicatedStorageArgs configures a ReplicatedStorage. Zero values take the
// defaults of package components (DefaultWorkload, DefaultHealthCheck,
// DefaultLogRetentionDays, ...), which the mobile-backend config keys share.
type ReplicatedStorageArgs struct {
	Regions  []Region            // required: the first (the home region) is the edge cache's primary origin
	Topology components.Topology // active-passive replicates from the writer's region (Role Primary); active-active every bucket to every other
	Account  string              // required: makes the bucket names globally unique
	Stack    string              // required: the stack name, for bucket names

	NoncurrentVersionDays int
	Protect               bool // Pulumi protect on the buckets

	// Edge is the CloudFront cache for static content; nil builds none.
	Edge *EdgeCacheArgs
}

// ReplicatedStorage is one upload bucket per region (versioned, SSE-KMS with
// the region's key, never public, TLS only), replicated across regions with
// Replication Time Control, and an edge cache for static content in front of
// the primary bucket with failover to the second region's.
type ReplicatedStorage struct {
	pulumi.ResourceState

	// BucketNames maps each region to its bucket.
	BucketNames pulumi.StringMapOutput `pulumi:"bucketNames"`
	// StaticHostname is the edge cache's hostname ("" without an edge cache).
	StaticHostname pulumi.StringOutput `pulumi:"staticHostname"`
	// DistributionID is the edge cache's CloudFront distribution.
	DistributionID pulumi.StringOutput `pulumi:"distributionId"`

	// Replications lists every replication path (for alarms and dashboards).
	Replications []Replication
	buckets      map[string]*s3.BucketV2
	encryption   map[string]pulumi.Resource // each bucket's default encryption: objects written after it take the key
	regions      []Region
}

// Replication is one replication rule: objects written in From reach To.
type Replication struct {
	From, To     string
	RuleID       string
	SourceBucket pulumi.StringOutput
	TargetBucket pulumi.StringOutput
}

// BucketName is a region's upload bucket name: lowercase, unique across AWS
// through the account id, at most 63 characters.
func BucketName(stack, region, account string) string {
	n := strings.ToLower(fmt.Sprintf("%s-%s-uploads-%s", stack, region, account))
	n = regexp.MustCompile(`[^a-z0-9-]+`).ReplaceAllString(n, "-")
	return fit(strings.Trim(n, "-"), 63)
}

// NewReplicatedStorage builds the buckets, their replication and the edge
// cache. Pass the primary region's provider in opts.
func NewReplicatedStorage(ctx *pulumi.Context, name string, args ReplicatedStorageArgs, opts ...pulumi.ResourceOption) (*ReplicatedStorage, error) {
	if len(args.Regions) < 2 || args.Account == "" || args.Stack == "" {
		return nil, fmt.Errorf("storage %s: at least two Regions, Account and Stack are required", name)
	}
	st := &ReplicatedStorage{buckets: map[string]*s3.BucketV2{}, encryption: map[string]pulumi.Resource{}, regions: args.Regions}
	if err := ctx.RegisterComponentResource("mobile-backend:aws:ReplicatedStorage", name, st, opts...); err != nil {
		return nil, err
	}
	components.Default(&args.NoncurrentVersionDays, components.DefaultNoncurrentVersionDays)
	child := pulumi.Parent(st)

	names := pulumi.StringMap{}
	versioned := map[string]pulumi.Resource{}
	for _, r := range args.Regions {
		in := pulumi.Provider(r.Provider)
		id := fmt.Sprintf("%s-%s", name, r.Name)
		bucket, err := s3.NewBucketV2(ctx, id, &s3.BucketV2Args{
			Bucket:       pulumi.String(BucketName(args.Stack, r.Name, args.Account)),
			ForceDestroy: pulumi.Bool(false),
		}, child, in, pulumi.Protect(args.Protect))
		if err != nil {
			return nil, fmt.Errorf("storage %s: bucket %s: %w", name, r.Name, err)
		}
		st.buckets[r.Name] = bucket
		names[r.Name] = bucket.Bucket
		if _, err := s3.NewBucketPublicAccessBlock(ctx, id, &s3.BucketPublicAccessBlockArgs{
			Bucket:                bucket.ID(),
			BlockPublicAcls:       pulumi.Bool(true),
			BlockPublicPolicy:     pulumi.Bool(true),
			IgnorePublicAcls:      pulumi.Bool(true),
			RestrictPublicBuckets: pulumi.Bool(true),
		}, child, in); err != nil {
			return nil, err
		}
		if _, err := s3.NewBucketOwnershipControls(ctx, id, &s3.BucketOwnershipControlsArgs{
			Bucket: bucket.ID(),
			Rule:   &s3.BucketOwnershipControlsRuleArgs{ObjectOwnership: pulumi.String("BucketOwnerEnforced")},
		}, child, in); err != nil {
			return nil, err
		}
		v, err := s3.NewBucketVersioningV2(ctx, id, &s3.BucketVersioningV2Args{
			Bucket:                  bucket.ID(),
			VersioningConfiguration: &s3.BucketVersioningV2VersioningConfigurationArgs{Status: pulumi.String("Enabled")},
		}, child, in)
		if err != nil {
			return nil, err
		}
		versioned[r.Name] = v
		sse, err := s3.NewBucketServerSideEncryptionConfigurationV2(ctx, id, &s3.BucketServerSideEncryptionConfigurationV2Args{
			Bucket: bucket.ID(),
			Rules: s3.BucketServerSideEncryptionConfigurationV2RuleArray{&s3.BucketServerSideEncryptionConfigurationV2RuleArgs{
				ApplyServerSideEncryptionByDefault: &s3.BucketServerSideEncryptionConfigurationV2RuleApplyServerSideEncryptionByDefaultArgs{
					SseAlgorithm:   pulumi.String("aws:kms"),
					KmsMasterKeyId: r.KeyArn,
				},
				// Bucket keys cut KMS requests (and their cost) by orders of magnitude.
				BucketKeyEnabled: pulumi.Bool(true),
			}},
		}, child, in)
		if err != nil {
			return nil, err
		}
		st.encryption[r.Name] = sse
		if _, err := s3.NewBucketLifecycleConfigurationV2(ctx, id, &s3.BucketLifecycleConfigurationV2Args{
			Bucket: bucket.ID(),
			Rules: s3.BucketLifecycleConfigurationV2RuleArray{
				&s3.BucketLifecycleConfigurationV2RuleArgs{
					Id:     pulumi.String("expire-noncurrent-versions"),
					Status: pulumi.String("Enabled"),
					Filter: &s3.BucketLifecycleConfigurationV2RuleFilterArgs{},
					NoncurrentVersionExpiration: &s3.BucketLifecycleConfigurationV2RuleNoncurrentVersionExpirationArgs{
						NoncurrentDays: pulumi.Int(args.NoncurrentVersionDays),
					},
				},
				&s3.BucketLifecycleConfigurationV2RuleArgs{
					// A delete leaves a marker; once its versions have expired
					// the marker is alone and is removed too.
					Id:         pulumi.String("remove-expired-delete-markers"),
					Status:     pulumi.String("Enabled"),
					Filter:     &s3.BucketLifecycleConfigurationV2RuleFilterArgs{},
					Expiration: &s3.BucketLifecycleConfigurationV2RuleExpirationArgs{ExpiredObjectDeleteMarker: pulumi.Bool(true)},
				},
				&s3.BucketLifecycleConfigurationV2RuleArgs{
					Id:     pulumi.String("abort-incomplete-uploads"),
					Status: pulumi.String("Enabled"),
					Filter: &s3.BucketLifecycleConfigurationV2RuleFilterArgs{},
					AbortIncompleteMultipartUpload: &s3.BucketLifecycleConfigurationV2RuleAbortIncompleteMultipartUploadArgs{
						DaysAfterInitiation: pulumi.Int(7),
					},
				},
			},
		}, child, in, pulumi.DependsOn([]pulumi.Resource{v})); err != nil {
			return nil, err
		}
	}

	if err := st.replicate(ctx, name, args, versioned, child); err != nil {
		return nil, fmt.Errorf("storage %s: replication: %w", name, err)
	}

	// The edge cache needs the buckets; the buckets' policies need the
	// distribution (only it may read them).
	distributionArn := pulumi.String("").ToStringOutput()
	st.StaticHostname = pulumi.String("").ToStringOutput()
	st.DistributionID = pulumi.String("").ToStringOutput()
	if args.Edge != nil {
		edge, err := newEdgeCache(ctx, name, *args.Edge, st.buckets[args.Regions[0].Name], st.buckets[args.Regions[1].Name], child)
		if err != nil {
			return nil, fmt.Errorf("storage %s: edge cache: %w", name, err)
		}
		distributionArn = edge.Arn
		st.StaticHostname = pulumi.String(args.Edge.Hostname).ToStringOutput()
		st.DistributionID = edge.ID().ToStringOutput()
	}
	for i, r := range args.Regions {
		bucket := st.buckets[r.Name]
		origin := args.Edge != nil && i < 2
		policy := pulumi.All(bucket.Arn, distributionArn).ApplyT(func(v []any) string {
			return bucketPolicy(v[0].(string), v[1].(string), origin)
		}).(pulumi.StringOutput)
		if _, err := s3.NewBucketPolicy(ctx, fmt.Sprintf("%s-%s", name, r.Name), &s3.BucketPolicyArgs{
			Bucket: bucket.ID(),
			Policy: policy,
		}, child, pulumi.Provider(r.Provider)); err != nil {
			return nil, err
		}
	}

	st.BucketNames = names.ToStringMapOutput()
	return st, ctx.RegisterResourceOutputs(st, pulumi.Map{
		"bucketNames": st.BucketNames, "staticHostname": st.StaticHostname, "distributionId": st.DistributionID,
	})
}

// Publish writes a document under the static prefix of every region's
// bucket (CloudFront serves /<key> from static/<key>), with its
// Cache-Control, in that region's provider, as a child of the storage;
// content gives each region's copy.
func (st *ReplicatedStorage) Publish(ctx *pulumi.Context, name, key string, content func(region string) string, contentType, cacheControl string) error {
	for _, r := range st.regions {
		if _, err := s3.NewBucketObjectv2(ctx, fmt.Sprintf("%s-%s", name, r.Name), &s3.BucketObjectv2Args{
			Bucket: st.buckets[r.Name].Bucket, Key: pulumi.String(StaticPrefix + "/" + key),
			Content: pulumi.String(content(r.Name)), ContentType: pulumi.String(contentType), CacheControl: pulumi.String(cacheControl),
		}, pulumi.Parent(st), pulumi.Provider(r.Provider), pulumi.DependsOn([]pulumi.Resource{st.encryption[r.Name]})); err != nil {
			return err
		}
	}
	return nil
}

// Bucket returns a region's bucket name.
func (st *ReplicatedStorage) Bucket(region string) pulumi.StringOutput {
	return st.buckets[region].Bucket
}

// replicate writes one replication configuration per bucket: from every
// bucket to every other, replica modifications synced back. Active-passive
// too: each region's app writes its own bucket, so after a promotion the
// promoted region's uploads reach the others (and the lost region's bucket
// when it returns) without a `pulumi up`; a bucket nobody writes costs
// nothing to replicate from, and its latency alarms treat no data as OK.
func (st *ReplicatedStorage) replicate(ctx *pulumi.Context, name string, args ReplicatedStorageArgs, versioned map[string]pulumi.Resource, child pulumi.ResourceOrInvokeOption) error {
	sources := args.Regions
	var bucketArns, keyArns []any
	for _, r := range args.Regions {
		bucketArns = append(bucketArns, st.buckets[r.Name].Arn)
		keyArns = append(keyArns, r.KeyArn)
	}
	role, rolePolicy, err := replicationRole(ctx, name, "S3 replication of the upload buckets", args.Account, bucketArns, keyArns, child)
	if err != nil {
		return err
	}
	for _, src := range sources {
		var rules s3.BucketReplicationConfigRuleArray
		// Replication starts once the role may replicate and both sides keep versions.
		deps := []pulumi.Resource{rolePolicy}
		for _, r := range args.Regions {
			deps = append(deps, versioned[r.Name])
		}
		for _, dst := range args.Regions {
			if dst.Name == src.Name {
				continue
			}
			ruleID := "to-" + dst.Name
			criteria := &s3.BucketReplicationConfigRuleSourceSelectionCriteriaArgs{
				SseKmsEncryptedObjects: &s3.BucketReplicationConfigRuleSourceSelectionCriteriaSseKmsEncryptedObjectsArgs{Status: pulumi.String("Enabled")},
			}
			criteria.ReplicaModifications = &s3.BucketReplicationConfigRuleSourceSelectionCriteriaReplicaModificationsArgs{Status: pulumi.String("Enabled")}
			rules = append(rules, &s3.BucketReplicationConfigRuleArgs{
				Id:                      pulumi.String(ruleID),
				Status:                  pulumi.String("Enabled"),
				Priority:                pulumi.Int(len(rules)),
				Filter:                  &s3.BucketReplicationConfigRuleFilterArgs{},
				DeleteMarkerReplication: &s3.BucketReplicationConfigRuleDeleteMarkerReplicationArgs{Status: pulumi.String("Enabled")},
				SourceSelectionCriteria: criteria,
				Destination: &s3.BucketReplicationConfigRuleDestinationArgs{
					Bucket:                  st.buckets[dst.Name].Arn,
					EncryptionConfiguration: &s3.BucketReplicationConfigRuleDestinationEncryptionConfigurationArgs{ReplicaKmsKeyId: dst.KeyArn},
					ReplicationTime: &s3.BucketReplicationConfigRuleDestinationReplicationTimeArgs{
						Status: pulumi.String("Enabled"),
						Time:   &s3.BucketReplicationConfigRuleDestinationReplicationTimeTimeArgs{Minutes: pulumi.Int(ReplicationMinutes)},
					},
					Metrics: &s3.BucketReplicationConfigRuleDestinationMetricsArgs{
						Status:         pulumi.String("Enabled"),
						EventThreshold: &s3.BucketReplicationConfigRuleDestinationMetricsEventThresholdArgs{Minutes: pulumi.Int(ReplicationMinutes)},
					},
				},
			})
			st.Replications = append(st.Replications, Replication{
				From: src.Name, To: dst.Name, RuleID: ruleID,
				SourceBucket: st.buckets[src.Name].Bucket, TargetBucket: st.buckets[dst.Name].Bucket,
			})
		}
		if _, err := s3.NewBucketReplicationConfig(ctx, fmt.Sprintf("%s-%s", name, src.Name), &s3.BucketReplicationConfigArgs{
			Bucket: st.buckets[src.Name].ID(),
			Role:   role.Arn,
			Rules:  rules,
		}, child, pulumi.Provider(src.Provider), pulumi.DependsOn(deps)); err != nil {
			return err
		}
	}
	return nil
}

// replicationPolicy grants S3 exactly what replication needs: read the
// buckets' replication settings and object versions, write replicas, and use
// the keys to decrypt sources and encrypt replicas.
func replicationPolicy(buckets, keys []string) string {
	objects := make([]string, len(buckets))
	for i, b := range buckets {
		objects[i] = b + "/*"
	}
	return Policy(
		Statement{Sid: "ReadReplicationConfiguration", Effect: "Allow",
			Action: []string{"s3:GetReplicationConfiguration", "s3:ListBucket"}, Resource: buckets},
		Statement{Sid: "ReadSourceVersions", Effect: "Allow",
			Action:   []string{"s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl", "s3:GetObjectVersionTagging"},
			Resource: objects},
		Statement{Sid: "WriteReplicas", Effect: "Allow",
			Action: []string{"s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"}, Resource: objects},
		Statement{Sid: "UseRegionalKeys", Effect: "Allow",
			Action: []string{"kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"}, Resource: keys},
	)
}

// denyInsecureTransport refuses every request to a bucket that does not use TLS.
func denyInsecureTransport(bucketArn string) Statement {
	return Statement{Sid: "DenyInsecureTransport", Effect: "Deny", Principal: "*",
		Action: []string{"s3:*"}, Resource: []string{bucketArn, bucketArn + "/*"},
		Condition: map[string]map[string]string{"Bool": {"aws:SecureTransport": "false"}}}
}

// bucketPolicy denies every request that does not use TLS and, for the edge
// cache's origin buckets, lets only that distribution read static content.
func bucketPolicy(bucketArn, distributionArn string, origin bool) string {
	st := []Statement{denyInsecureTransport(bucketArn)}
	if origin && distributionArn != "" {
		st = append(st, Statement{Sid: "EdgeCacheReadsStaticContent", Effect: "Allow",
			Principal: map[string]any{"Service": "cloudfront.amazonaws.com"},
			Action:    []string{"s3:GetObject"}, Resource: []string{bucketArn + "/" + StaticPrefix + "/*"},
			Condition: map[string]map[string]string{"StringEquals": {"AWS:SourceArn": distributionArn}}})
	}
	return Policy(st...)
}

func strs(v []any) []string {
	out := make([]string, len(v))
	for i, s := range v {
		out[i], _ = s.(string)
	}
	return out
}

// TaskStatements let a region's tasks read and write objects in that region's
// bucket (replication carries them everywhere else) with the region's key.
// The TaskStatements return a pulumi.Output of []Statement, not an AnyOutput:
// naming AnyOutput costs every package that does 2 to 3 s of compile
// (components/buildtime_test.go).
func (st *ReplicatedStorage) TaskStatements(region string, keyArn pulumi.StringInput) pulumi.Output {
	return pulumi.All(st.buckets[region].Arn, keyArn).ApplyT(func(v []any) []Statement {
		bucket, key := v[0].(string), v[1].(string)
		return []Statement{
			{Sid: "Uploads", Effect: "Allow", Action: []string{"s3:GetObject", "s3:PutObject", "s3:DeleteObject"}, Resource: []string{bucket + "/*"}},
			// The edge serves static/ to everyone (the region directory
			// among it): the deploy writes it, never an app.
			{Sid: "NotTheEdgesObjects", Effect: "Deny", Action: []string{"s3:PutObject", "s3:DeleteObject"}, Resource: []string{bucket + "/" + StaticPrefix + "/*"}},
			{Sid: "ListUploads", Effect: "Allow", Action: []string{"s3:ListBucket"}, Resource: []string{bucket}},
			{Sid: "UploadsKey", Effect: "Allow", Action: []string{"kms:Decrypt", "kms:GenerateDataKey"}, Resource: []string{key}},
		}
	})
}

// replicationRole is S3's role for replicating between the buckets, trusted
// only on this account's behalf, with replicationPolicy over the buckets and
// their keys (ARN outputs). Rules wait for the returned policy.
func replicationRole(ctx *pulumi.Context, name, description, account string, bucketArns, keyArns []any, opts ...pulumi.ResourceOption) (*iam.Role, *iam.RolePolicy, error) {
	role, err := iam.NewRole(ctx, name+"-replication", &iam.RoleArgs{
		Description:      pulumi.String(description),
		AssumeRolePolicy: pulumi.String(assumeRoleFor("s3.amazonaws.com", account)),
	}, opts...)
	if err != nil {
		return nil, nil, err
	}
	policy, err := iam.NewRolePolicy(ctx, name+"-replication", &iam.RolePolicyArgs{
		Role: role.ID(),
		Policy: pulumi.All(pulumi.All(bucketArns...), pulumi.All(keyArns...)).ApplyT(func(v []any) string {
			return replicationPolicy(strs(v[0].([]any)), strs(v[1].([]any)))
		}).(pulumi.StringOutput),
	}, opts...)
	if err != nil {
		return nil, nil, err
	}
	return role, policy, nil
}
