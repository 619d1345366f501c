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
// delivery stream in that region, which writes gzip batches under
// regions/<region>/ in the bucket (KMS-encrypted, private, kept
// RetentionDays). Logs Insights keeps working on each region's log group;
// the bucket is where a cross-region search (Athena, or a download) starts,
// and it survives the loss of any other region.
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
	bucket, err := logBucket(ctx, name, bucketName, args.BucketKeyArn, args.RetentionDays, args.Protect, child)
	if err != nil {
		return nil, err
	}
	if _, err := s3.NewBucketPolicy(ctx, name, &s3.BucketPolicyArgs{
		Bucket: bucket.ID(),
		Policy: bucket.Arn.ApplyT(func(arn string) string { return Policy(denyInsecureTransport(arn)) }).(pulumi.StringOutput),
	}, child); err != nil {
		return nil, err
	}

	for _, r := range args.Regions {
		in := pulumi.Provider(r.Provider)
		rn := name + "-" + r.Name
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
			Policy: pulumi.All(bucket.Arn, args.BucketKeyArn).ApplyT(func(v []any) string {
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
				BucketArn:         bucket.Arn,
				Prefix:            pulumi.String(prefix),
				ErrorOutputPrefix: pulumi.String(errorPrefix),
				KmsKeyArn:         args.BucketKeyArn,
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
	c.BucketName = bucket.Bucket
	return c, ctx.RegisterResourceOutputs(c, pulumi.Map{"bucketName": c.BucketName})
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
