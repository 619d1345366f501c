package aws

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/dynamodb"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// GlobalTableArgs configures a GlobalTable.
type GlobalTableArgs struct {
	Regions []Region // required: the table is created in the first (the stack's home region), replicas in the others
	Protect bool     // Pulumi protect on the table
}

// GlobalTable is the DynamoDB global table for session and device data:
// on-demand, a replica in every region (every replica takes writes, last
// writer wins), point-in-time recovery and KMS encryption with each region's
// key, a stream of new and old images, deletion protection on the table and
// on every replica (dynamodb.TableReplica resources: the inline replica type
// of pulumi-aws v6.83.4 has no deletion protection). Items carry a
// partition key pk, a sort key sk and an optional expiresAt (epoch seconds)
// after which DynamoDB deletes them.
type GlobalTable struct {
	pulumi.ResourceState

	Name pulumi.StringOutput `pulumi:"name"`
	Arn  pulumi.StringOutput `pulumi:"arn"`
	// Arns maps every region to its replica's ARN (the first region's is Arn).
	Arns pulumi.StringMapOutput `pulumi:"arns"`
}

// NewGlobalTable builds the table. Pass the first region's provider in opts.
func NewGlobalTable(ctx *pulumi.Context, name string, args GlobalTableArgs, opts ...pulumi.ResourceOption) (*GlobalTable, error) {
	if len(args.Regions) < 2 {
		return nil, fmt.Errorf("table %s: at least two Regions are required", name)
	}
	t := &GlobalTable{}
	if err := ctx.RegisterComponentResource("mobile-backend:aws:GlobalTable", name, t, opts...); err != nil {
		return nil, err
	}
	table, err := dynamodb.NewTable(ctx, name, &dynamodb.TableArgs{
		BillingMode: pulumi.String("PAY_PER_REQUEST"),
		HashKey:     pulumi.String("pk"),
		RangeKey:    pulumi.String("sk"),
		Attributes: dynamodb.TableAttributeArray{
			&dynamodb.TableAttributeArgs{Name: pulumi.String("pk"), Type: pulumi.String("S")},
			&dynamodb.TableAttributeArgs{Name: pulumi.String("sk"), Type: pulumi.String("S")},
		},
		Ttl:                       &dynamodb.TableTtlArgs{AttributeName: pulumi.String("expiresAt"), Enabled: pulumi.Bool(true)},
		PointInTimeRecovery:       &dynamodb.TablePointInTimeRecoveryArgs{Enabled: pulumi.Bool(true)},
		ServerSideEncryption:      &dynamodb.TableServerSideEncryptionArgs{Enabled: pulumi.Bool(true), KmsKeyArn: args.Regions[0].KeyArn},
		StreamEnabled:             pulumi.Bool(true), // global tables replicate through the stream
		StreamViewType:            pulumi.String("NEW_AND_OLD_IMAGES"),
		DeletionProtectionEnabled: pulumi.Bool(true),
	}, pulumi.Parent(t), pulumi.Protect(args.Protect),
		// The replicas are resources of their own (the TableReplica SDK doc:
		// "use ignoreChanges for replica in the associated Table").
		pulumi.IgnoreChanges([]string{"replicas"}))
	if err != nil {
		return nil, fmt.Errorf("table %s: %w", name, err)
	}
	arns := pulumi.StringMap{args.Regions[0].Name: table.Arn}
	for _, r := range args.Regions[1:] {
		// A replica is created in its own region's provider, from the table's ARN.
		replica, err := dynamodb.NewTableReplica(ctx, name+"-"+r.Name, &dynamodb.TableReplicaArgs{
			GlobalTableArn:            table.Arn,
			KmsKeyArn:                 r.KeyArn,
			PointInTimeRecovery:       pulumi.Bool(true),
			DeletionProtectionEnabled: pulumi.Bool(true),
		}, pulumi.Parent(t), pulumi.Provider(r.Provider), pulumi.Protect(args.Protect))
		if err != nil {
			return nil, fmt.Errorf("table %s: replica %s: %w", name, r.Name, err)
		}
		arns[r.Name] = replica.Arn
	}
	t.Name = table.Name
	t.Arn = table.Arn
	t.Arns = arns.ToStringMapOutput()
	return t, ctx.RegisterResourceOutputs(t, pulumi.Map{"name": t.Name, "arn": t.Arn, "arns": t.Arns})
}

// TaskStatements let a region's tasks read and write the table through that
// region's replica.
func (t *GlobalTable) TaskStatements(region string) pulumi.Output {
	return t.Arn.ApplyT(func(arn string) []Statement {
		local := replaceRegion(arn, region)
		return []Statement{{Sid: "SessionTable", Effect: "Allow",
			Action: []string{"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem",
				"dynamodb:Query", "dynamodb:BatchGetItem", "dynamodb:BatchWriteItem", "dynamodb:ConditionCheckItem"},
			Resource: []string{local, local + "/index/*"}}}
	})
}

// Environment tells a region's tasks where the table is.
func (t *GlobalTable) Environment() pulumi.StringMap {
	return pulumi.StringMap{"SESSION_TABLE": t.Name}
}
