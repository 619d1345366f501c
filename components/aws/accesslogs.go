package aws

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mobile-backend/mobile-backend/components"
	"github.com/mobile-backend/mobile-backend/internal/names"
)

// ELBLogDeliveryPrincipal is the service that writes load-balancer access
// logs in the regions AWS opened since August 2022 (Elastic Load Balancing
// docs, "Enable access logs", step 2).
const ELBLogDeliveryPrincipal = "logdelivery.elasticloadbalancing.amazonaws.com"

// elbAccounts are the regional Elastic Load Balancing accounts that write
// access logs in the regions older than August 2022 (Elastic Load Balancing
// User Guide, "Enable access logs for your Application Load Balancer": the
// bucket policy's table; the provider's elb.GetServiceAccount is the same
// static table). A table, not an invoke: a stack recovering during a
// region's outage calls nothing through that region's provider.
var elbAccounts = map[string]string{
	"us-east-1": "127311923021", "us-east-2": "033677994240", "us-west-1": "027434742980", "us-west-2": "797873946194",
	"af-south-1": "098369216593", "ap-east-1": "754344448648", "ap-southeast-3": "589379963580", "ap-south-1": "718504428378",
	"ap-northeast-3": "383597477331", "ap-northeast-2": "600734575887", "ap-southeast-1": "114774131450",
	"ap-southeast-2": "783225319266", "ap-northeast-1": "582318560864", "ca-central-1": "985666609251",
	"eu-central-1": "054676820928", "eu-west-1": "156460612806", "eu-west-2": "652711504416", "eu-south-1": "635631232127",
	"eu-west-3": "009996457667", "eu-north-1": "897822967062", "me-south-1": "076674570225", "sa-east-1": "507241528517",
}

// AccessLogPrefix is where in its bucket a load balancer writes.
const AccessLogPrefix = "alb"

// accessLogBucket makes the bucket a region's load balancer writes its access
// logs to: private, TLS-only, expiring logs after retentionDays.
// Its encryption is SSE-S3, the only one ELB log delivery supports (so it is
// the one bucket of the stack without the region's KMS key). The returned
// resource is the bucket policy, which must exist before the load balancer
// turns logging on (ELB checks that it may write).
func accessLogBucket(ctx *pulumi.Context, name, region, account string, retentionDays int, protect bool, child pulumi.ResourceOrInvokeOption) (*s3.BucketV2, pulumi.Resource, error) {
	id := name + "-alb-logs"
	bucketName := names.Fit(strings.ToLower(fmt.Sprintf("%s-alb-logs-%s", name, account)), 63)
	bucket, _, err := logBucket(ctx, id, bucketName, nil, retentionDays, false, protect, child)
	if err != nil {
		return nil, nil, err
	}

	writers := map[string]any{"ELBLogDeliveryWrites": map[string]any{"Service": ELBLogDeliveryPrincipal}}
	if elb, ok := elbAccounts[region]; ok {
		writers["ELBAccountWrites"] = map[string]any{"AWS": "arn:aws:iam::" + elb + ":root"}
	}
	policy := bucket.Arn.ApplyT(func(arn string) string {
		var statements []Statement
		for _, sid := range components.SortedKeys(writers) {
			statements = append(statements, Statement{
				Sid: sid, Effect: "Allow", Principal: writers[sid], Action: []string{"s3:PutObject"},
				Resource: []string{fmt.Sprintf("%s/%s/AWSLogs/%s/*", arn, AccessLogPrefix, account)},
			})
		}
		return Policy(append(statements, denyInsecureTransport(arn))...)
	}).(pulumi.StringOutput)
	p, err := s3.NewBucketPolicy(ctx, id, &s3.BucketPolicyArgs{Bucket: bucket.ID(), Policy: policy}, child)
	if err != nil {
		return nil, nil, err
	}
	return bucket, p, nil
}

// logBucket is a private bucket that keeps logs retentionDays: public access
// blocked, owner-enforced, encrypted with keyArn (SSE-S3 when nil), expiring
// objects. Its policy is the caller's (it must deny insecure transport).
// When versioned (S3 replication needs versioning on both sides) it also
// expires noncurrent versions and returns the versioning resource that
// replication must wait for.
func logBucket(ctx *pulumi.Context, id, bucketName string, keyArn pulumi.StringInput, retentionDays int, versioned, protect bool, opts ...pulumi.ResourceOption) (*s3.BucketV2, pulumi.Resource, error) {
	bucket, err := s3.NewBucketV2(ctx, id, &s3.BucketV2Args{
		Bucket:       pulumi.String(bucketName),
		ForceDestroy: pulumi.Bool(false),
	}, append(opts, pulumi.Protect(protect))...)
	if err != nil {
		return nil, nil, err
	}
	if _, err := s3.NewBucketPublicAccessBlock(ctx, id, &s3.BucketPublicAccessBlockArgs{
		Bucket: bucket.ID(), BlockPublicAcls: pulumi.Bool(true), BlockPublicPolicy: pulumi.Bool(true),
		IgnorePublicAcls: pulumi.Bool(true), RestrictPublicBuckets: pulumi.Bool(true),
	}, opts...); err != nil {
		return nil, nil, err
	}
	if _, err := s3.NewBucketOwnershipControls(ctx, id, &s3.BucketOwnershipControlsArgs{
		Bucket: bucket.ID(),
		Rule:   &s3.BucketOwnershipControlsRuleArgs{ObjectOwnership: pulumi.String("BucketOwnerEnforced")},
	}, opts...); err != nil {
		return nil, nil, err
	}
	sse := &s3.BucketServerSideEncryptionConfigurationV2RuleApplyServerSideEncryptionByDefaultArgs{SseAlgorithm: pulumi.String("AES256")}
	if keyArn != nil {
		sse = &s3.BucketServerSideEncryptionConfigurationV2RuleApplyServerSideEncryptionByDefaultArgs{SseAlgorithm: pulumi.String("aws:kms"), KmsMasterKeyId: keyArn}
	}
	if _, err := s3.NewBucketServerSideEncryptionConfigurationV2(ctx, id, &s3.BucketServerSideEncryptionConfigurationV2Args{
		Bucket: bucket.ID(),
		Rules: s3.BucketServerSideEncryptionConfigurationV2RuleArray{&s3.BucketServerSideEncryptionConfigurationV2RuleArgs{
			ApplyServerSideEncryptionByDefault: sse, BucketKeyEnabled: pulumi.Bool(keyArn != nil),
		}},
	}, opts...); err != nil {
		return nil, nil, err
	}
	rules := s3.BucketLifecycleConfigurationV2RuleArray{&s3.BucketLifecycleConfigurationV2RuleArgs{
		Id:         pulumi.String("expire-logs"),
		Status:     pulumi.String("Enabled"),
		Filter:     &s3.BucketLifecycleConfigurationV2RuleFilterArgs{},
		Expiration: &s3.BucketLifecycleConfigurationV2RuleExpirationArgs{Days: pulumi.Int(retentionDays)},
	}}
	lifecycleOpts := opts
	var versioning pulumi.Resource
	if versioned {
		v, err := s3.NewBucketVersioningV2(ctx, id, &s3.BucketVersioningV2Args{
			Bucket:                  bucket.ID(),
			VersioningConfiguration: &s3.BucketVersioningV2VersioningConfigurationArgs{Status: pulumi.String("Enabled")},
		}, opts...)
		if err != nil {
			return nil, nil, err
		}
		versioning = v
		rules = append(rules, &s3.BucketLifecycleConfigurationV2RuleArgs{
			Id:     pulumi.String("expire-noncurrent-logs"),
			Status: pulumi.String("Enabled"),
			Filter: &s3.BucketLifecycleConfigurationV2RuleFilterArgs{},
			NoncurrentVersionExpiration: &s3.BucketLifecycleConfigurationV2RuleNoncurrentVersionExpirationArgs{
				NoncurrentDays: pulumi.Int(1),
			},
		})
		lifecycleOpts = append(append([]pulumi.ResourceOption{}, opts...), pulumi.DependsOn([]pulumi.Resource{v}))
	}
	if _, err := s3.NewBucketLifecycleConfigurationV2(ctx, id, &s3.BucketLifecycleConfigurationV2Args{
		Bucket: bucket.ID(), Rules: rules,
	}, lifecycleOpts...); err != nil {
		return nil, nil, err
	}
	return bucket, versioning, nil
}
