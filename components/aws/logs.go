package aws

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kinesis"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mobile-backend/mobile-backend/internal/names"
)

// LogRegion is a region whose task logs are shipped to the central bucket.
type LogRegion struct {
	Name         string
	Provider     *aws.Provider
	KeyArn       pulumi.StringInput  // the region's key: encrypts the delivery stream
	LogGroupName pulumi.StringOutput // the tasks' log group
}

// CentralLogsArgs configures CentralLogs.
type CentralLogsArgs struct {
	Stack   string      // required
	Account string      // required
	Regions []LogRegion // required; the first is where the logs are kept
	// BucketKeyArn is the first region's key: encrypts the bucket.
	BucketKeyArn  pulumi.StringInput
	RetentionDays int // required
	Protect       bool
}

// CentralLogs ships every region's task logs to one bucket in the primary
// region: a subscription filter on each region's log group feeds a Firehose
// delivery stream in that region, which writes gzip batches of log lines
// under regions/<region>/ in a bucket of its own region (the central bucket
// in the first region; elsewhere a staging bucket that S3 replicates into
// the central bucket under the same prefix, since Firehose's guide does not
// document delivery to a bucket in another region). Every bucket is
// KMS-encrypted with its region's key, private and TLS-only, and keeps
// RetentionDays. Logs Insights keeps working on each region's log group; the
// central bucket is where a cross-region search (Athena, or a download)
// starts, and it survives the loss of any other region.
type CentralLogs struct {
	pulumi.ResourceState

	BucketName pulumi.StringOutput `pulumi:"bucketName"`
}

// NewCentralLogs builds it. Pass the primary region's provider in opts.
func NewCentralLogs(ctx *pulumi.Context, name string, args CentralLogsArgs, opts ...pulumi.ResourceOption) (*CentralLogs, error) {
	if args.Stack == "" || args.Account == "" || len(args.Regions) == 0 || args.BucketKeyArn == nil || args.RetentionDays <= 0 {
		return nil, fmt.Errorf("logs %s: Stack, Account, Regions, BucketKeyArn and RetentionDays are required", name)
	}
	c := &CentralLogs{}
	if err := ctx.RegisterComponentResource("mobile-backend:aws:CentralLogs", name, c, opts...); err != nil {
		return nil, err
	}
	child := pulumi.Parent(c)
	bucketName := names.Fit(strings.ToLower(fmt.Sprintf("%s-logs-%s", args.Stack, args.Account)), 63)
	bucket, centralVersioning, err := tlsOnlyLogBucket(ctx, name, bucketName, args.BucketKeyArn, args.RetentionDays, len(args.Regions) > 1, args.Protect, child)
	if err != nil {
		return nil, err
	}
	home := args.Regions[0].Name

	var staging []stagingBucket
	for _, r := range args.Regions {
		in := pulumi.Provider(r.Provider)
		rn := name + "-" + r.Name
		// The stream writes a bucket of its own region: Firehose documents delivery
		// across regions for HTTP endpoints only (Firehose guide, "Understand
		// delivery across AWS accounts and regions").
		dest, destKey := bucket, args.BucketKeyArn
		if r.Name != home {
			b, v, err := tlsOnlyLogBucket(ctx, rn+"-staging", names.Fit(strings.ToLower(fmt.Sprintf("%s-logs-%s-%s", args.Stack, r.Name, args.Account)), 63),
				r.KeyArn, args.RetentionDays, true, args.Protect, child, in)
			if err != nil {
				return nil, err
			}
			dest, destKey = b, r.KeyArn
			staging = append(staging, stagingBucket{region: r, bucket: b, versioning: v})
		}
		prefix, errorPrefix := "regions/"+r.Name+"/", "errors/"+r.Name+"/"
		// Firehose writes the region's prefix, with the bucket's key.
		delivery, err := iam.NewRole(ctx, rn+"-delivery", &iam.RoleArgs{
			Name: pulumi.String(fit(args.Stack+"-"+r.Name+"-log-delivery", 64)),
			// Firehose's documented guard: the account as external id.
			AssumeRolePolicy: pulumi.String(Policy(Statement{
				Effect: "Allow", Principal: map[string]any{"Service": "firehose.amazonaws.com"}, Action: []string{"sts:AssumeRole"},
				Condition: map[string]map[string]string{"StringEquals": {"sts:ExternalId": args.Account}},
			})),
		}, child)
		if err != nil {
			return nil, err
		}
		deliveryPolicy, err := iam.NewRolePolicy(ctx, rn+"-delivery", &iam.RolePolicyArgs{
			Role: delivery.ID(),
			Policy: pulumi.All(dest.Arn, destKey).ApplyT(func(v []any) string {
				return Policy(
					// Its region's prefix, and its error prefix: records that fail
					// processing go there, and a refused write would lose them.
					Statement{Sid: "WriteRegionPrefix", Effect: "Allow", Action: []string{"s3:PutObject", "s3:AbortMultipartUpload"},
						Resource: []string{v[0].(string) + "/" + prefix + "*", v[0].(string) + "/" + errorPrefix + "*"}},
					Statement{Sid: "LocateBucket", Effect: "Allow", Action: []string{"s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads"}, Resource: []string{v[0].(string)}},
					Statement{Sid: "EncryptWithBucketKey", Effect: "Allow", Action: []string{"kms:GenerateDataKey", "kms:Decrypt"}, Resource: []string{v[1].(string)}},
				)
			}).(pulumi.StringOutput),
		}, child)
		if err != nil {
			return nil, err
		}
		stream, err := kinesis.NewFirehoseDeliveryStream(ctx, rn, &kinesis.FirehoseDeliveryStreamArgs{
			Name:        pulumi.String(fit(args.Stack+"-"+r.Name+"-logs", 64)),
			Destination: pulumi.String("extended_s3"),
			ServerSideEncryption: &kinesis.FirehoseDeliveryStreamServerSideEncryptionArgs{
				Enabled: pulumi.Bool(true), KeyType: pulumi.String("CUSTOMER_MANAGED_CMK"), KeyArn: r.KeyArn,
			},
			ExtendedS3Configuration: &kinesis.FirehoseDeliveryStreamExtendedS3ConfigurationArgs{
				RoleArn:           delivery.Arn,
				BucketArn:         dest.Arn,
				Prefix:            pulumi.String(prefix),
				ErrorOutputPrefix: pulumi.String(errorPrefix),
				KmsKeyArn:         destKey,
				CompressionFormat: pulumi.String("GZIP"),
				BufferingInterval: pulumi.Int(300),
				BufferingSize:     pulumi.Int(5),
				// Subscription records arrive gzip-compressed, as JSON envelopes of
				// log events: decompress them, keep each event's message, one per
				// line, so the bucket holds gzip files of log lines, not gzip in
				// gzip ("Send CloudWatch Logs to Firehose", Amazon Data Firehose
				// developer guide; API_Processor: AppendDelimiterToRecord).
				ProcessingConfiguration: &kinesis.FirehoseDeliveryStreamExtendedS3ConfigurationProcessingConfigurationArgs{
					Enabled: pulumi.Bool(true),
					Processors: kinesis.FirehoseDeliveryStreamExtendedS3ConfigurationProcessingConfigurationProcessorArray{
						firehoseProcessor("Decompression", "CompressionFormat", "GZIP"),
						firehoseProcessor("CloudWatchLogProcessing", "DataMessageExtraction", "true"),
						firehoseProcessor("AppendDelimiterToRecord", "", ""),
					},
				},
			},
		}, child, in, pulumi.DependsOn([]pulumi.Resource{deliveryPolicy}))
		if err != nil {
			return nil, err
		}
		// CloudWatch Logs puts the log group's events into the stream.
		shipping, err := iam.NewRole(ctx, rn+"-shipping", &iam.RoleArgs{
			Name: pulumi.String(fit(args.Stack+"-"+r.Name+"-log-shipping", 64)),
			// CloudWatch Logs' documented guard: only this account's log groups in this region.
			AssumeRolePolicy: pulumi.String(Policy(Statement{
				Effect: "Allow", Principal: map[string]any{"Service": "logs." + r.Name + ".amazonaws.com"}, Action: []string{"sts:AssumeRole"},
				Condition: map[string]map[string]string{"StringLike": {"aws:SourceArn": fmt.Sprintf("arn:aws:logs:%s:%s:*", r.Name, args.Account)}},
			})),
		}, child)
		if err != nil {
			return nil, err
		}
		shippingPolicy, err := iam.NewRolePolicy(ctx, rn+"-shipping", &iam.RolePolicyArgs{
			Role: shipping.ID(),
			Policy: stream.Arn.ApplyT(func(arn string) string {
				return Policy(Statement{Sid: "PutIntoStream", Effect: "Allow", Action: []string{"firehose:PutRecord", "firehose:PutRecordBatch"}, Resource: []string{arn}})
			}).(pulumi.StringOutput),
		}, child)
		if err != nil {
			return nil, err
		}
		if _, err := cloudwatch.NewLogSubscriptionFilter(ctx, rn, &cloudwatch.LogSubscriptionFilterArgs{
			Name:           pulumi.String("to-central-logs"),
			LogGroup:       r.LogGroupName,
			FilterPattern:  pulumi.String(""), // every event
			DestinationArn: stream.Arn,
			RoleArn:        shipping.Arn,
		}, child, in, pulumi.DependsOn([]pulumi.Resource{shippingPolicy})); err != nil {
			return nil, err
		}
	}
	if err := replicateStaging(ctx, name, args, bucket, centralVersioning, staging, child); err != nil {
		return nil, err
	}
	c.BucketName = bucket.Bucket
	return c, ctx.RegisterResourceOutputs(c, pulumi.Map{"bucketName": c.BucketName})
}

// stagingBucket is a region's log bucket that replicates into the central one.
type stagingBucket struct {
	region     LogRegion
	bucket     *s3.BucketV2
	versioning pulumi.Resource
}

// replicateStaging replicates every staging bucket into the central bucket,
// each object under the same key (regions/<region>/...), re-encrypted with
// the central bucket's key.
func replicateStaging(ctx *pulumi.Context, name string, args CentralLogsArgs, central *s3.BucketV2, centralVersioning pulumi.Resource, staging []stagingBucket, child pulumi.ResourceOrInvokeOption) error {
	if len(staging) == 0 {
		return nil
	}
	buckets := []any{central.Arn}
	keys := []any{args.BucketKeyArn}
	for _, s := range staging {
		buckets = append(buckets, s.bucket.Arn)
		keys = append(keys, s.region.KeyArn)
	}
	role, rolePolicy, err := replicationRole(ctx, name, "S3 replication of the regions' logs into the central bucket", args.Account, buckets, keys, child)
	if err != nil {
		return err
	}
	for _, s := range staging {
		if _, err := s3.NewBucketReplicationConfig(ctx, name+"-"+s.region.Name+"-staging", &s3.BucketReplicationConfigArgs{
			Bucket: s.bucket.ID(),
			Role:   role.Arn,
			Rules: s3.BucketReplicationConfigRuleArray{&s3.BucketReplicationConfigRuleArgs{
				Id:                      pulumi.String("to-central-logs"),
				Status:                  pulumi.String("Enabled"),
				Filter:                  &s3.BucketReplicationConfigRuleFilterArgs{},
				DeleteMarkerReplication: &s3.BucketReplicationConfigRuleDeleteMarkerReplicationArgs{Status: pulumi.String("Disabled")},
				SourceSelectionCriteria: &s3.BucketReplicationConfigRuleSourceSelectionCriteriaArgs{
					SseKmsEncryptedObjects: &s3.BucketReplicationConfigRuleSourceSelectionCriteriaSseKmsEncryptedObjectsArgs{Status: pulumi.String("Enabled")},
				},
				Destination: &s3.BucketReplicationConfigRuleDestinationArgs{
					Bucket:                  central.Arn,
					EncryptionConfiguration: &s3.BucketReplicationConfigRuleDestinationEncryptionConfigurationArgs{ReplicaKmsKeyId: args.BucketKeyArn},
				},
			}},
		}, child, pulumi.Provider(s.region.Provider),
			// Versioning on both sides and the role's permissions come first
			// (S3 replication requirements).
			pulumi.DependsOn([]pulumi.Resource{s.versioning, centralVersioning, rolePolicy})); err != nil {
			return err
		}
	}
	return nil
}

// firehoseProcessor is one step of a delivery stream's processing, with at
// most one parameter.
func firehoseProcessor(typ, parameter, value string) *kinesis.FirehoseDeliveryStreamExtendedS3ConfigurationProcessingConfigurationProcessorArgs {
	p := &kinesis.FirehoseDeliveryStreamExtendedS3ConfigurationProcessingConfigurationProcessorArgs{Type: pulumi.String(typ)}
	if parameter != "" {
		p.Parameters = kinesis.FirehoseDeliveryStreamExtendedS3ConfigurationProcessingConfigurationProcessorParameterArray{
			&kinesis.FirehoseDeliveryStreamExtendedS3ConfigurationProcessingConfigurationProcessorParameterArgs{
				ParameterName: pulumi.String(parameter), ParameterValue: pulumi.String(value),
			},
		}
	}
	return p
}

// tlsOnlyLogBucket is a logBucket whose policy only denies insecure
// transport (no service writes to it through the policy).
func tlsOnlyLogBucket(ctx *pulumi.Context, id, bucketName string, keyArn pulumi.StringInput, retentionDays int, versioned, protect bool, opts ...pulumi.ResourceOption) (*s3.BucketV2, pulumi.Resource, error) {
	bucket, versioning, err := logBucket(ctx, id, bucketName, keyArn, retentionDays, versioned, protect, opts...)
	if err != nil {
		return nil, nil, err
	}
	if _, err := s3.NewBucketPolicy(ctx, id, &s3.BucketPolicyArgs{
		Bucket: bucket.ID(),
		Policy: bucket.Arn.ApplyT(func(arn string) string { return Policy(denyInsecureTransport(arn)) }).(pulumi.StringOutput),
	}, opts...); err != nil {
		return nil, nil, err
	}
	return bucket, versioning, nil
}
