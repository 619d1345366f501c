package aws

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kms"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// EncryptionKey is a region's customer-managed KMS key for data at rest: the
// database, the table replica, the buckets, the secret replica, the alarm
// topic and the log groups of that region are encrypted with it, so no
// region's data depends on another region's key.
type EncryptionKey struct {
	pulumi.ResourceState

	KeyArn    pulumi.StringOutput `pulumi:"keyArn"`
	AliasName pulumi.StringOutput `pulumi:"aliasName"`
}

// EncryptionKeyArgs configures an EncryptionKey.
type EncryptionKeyArgs struct {
	Region  string // required: the region of the provider passed in opts
	Account string // required: the account id the key policy names
	Protect bool   // protect the key: deleting it makes every byte it encrypted unreadable
}

// KeyDeletionWindowDays is how long a deleted key can still be recovered (the maximum KMS allows).
const KeyDeletionWindowDays = 30

// NewEncryptionKey creates the key and its alias. Pass the region's provider in opts.
func NewEncryptionKey(ctx *pulumi.Context, name string, args EncryptionKeyArgs, opts ...pulumi.ResourceOption) (*EncryptionKey, error) {
	if args.Region == "" || args.Account == "" {
		return nil, fmt.Errorf("key %s: Region and Account are required", name)
	}
	k := &EncryptionKey{}
	if err := ctx.RegisterComponentResource("mobile-backend:aws:EncryptionKey", name, k, opts...); err != nil {
		return nil, err
	}
	child := pulumi.Parent(k)
	key, err := kms.NewKey(ctx, name+"-key", &kms.KeyArgs{
		Description:          pulumi.Sprintf("mobile-backend %s: data at rest", name),
		EnableKeyRotation:    pulumi.Bool(true),
		DeletionWindowInDays: pulumi.Int(KeyDeletionWindowDays),
		Policy:               pulumi.String(keyPolicy(args.Region, args.Account)),
	}, child, pulumi.Protect(args.Protect))
	if err != nil {
		return nil, fmt.Errorf("key %s: %w", name, err)
	}
	alias, err := kms.NewAlias(ctx, name+"-alias", &kms.AliasArgs{
		Name:        pulumi.String("alias/mobile-backend/" + name),
		TargetKeyId: key.KeyId,
	}, child)
	if err != nil {
		return nil, err
	}
	k.KeyArn = key.Arn
	k.AliasName = alias.Name
	return k, ctx.RegisterResourceOutputs(k, pulumi.Map{"keyArn": k.KeyArn, "aliasName": k.AliasName})
}

// keyPolicy lets the account's IAM policies grant use of the key (the KMS
// default), and lets three services use it on this account's behalf only:
// CloudWatch (alarms publishing to the encrypted topic), CloudWatch Logs (the
// region's log groups) and CloudFront (reading encrypted static assets
// through origin access control).
func keyPolicy(region, account string) string {
	return Policy(
		Statement{Sid: "AccountAdministersKeyThroughIAM", Effect: "Allow",
			Principal: map[string]any{"AWS": "arn:aws:iam::" + account + ":root"},
			Action:    []string{"kms:*"}, Resource: []string{"*"}},
		// As CloudWatch's documented key policy for alarms publishing to an
		// encrypted SNS topic has it: no condition, since it is not documented
		// that CloudWatch sends aws:SourceAccount to KMS, and a refused key
		// would silently drop every alarm notification.
		Statement{Sid: "CloudWatchAlarmsPublishToEncryptedTopics", Effect: "Allow",
			Principal: map[string]any{"Service": "cloudwatch.amazonaws.com"},
			Action:    []string{"kms:Decrypt", "kms:GenerateDataKey*"}, Resource: []string{"*"}},
		Statement{Sid: "CloudWatchLogsEncryptLogGroups", Effect: "Allow",
			Principal: map[string]any{"Service": "logs." + region + ".amazonaws.com"},
			Action:    []string{"kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"},
			Resource:  []string{"*"},
			Condition: map[string]map[string]string{"ArnLike": {"kms:EncryptionContext:aws:logs:arn": fmt.Sprintf("arn:aws:logs:%s:%s:log-group:*", region, account)}}},
		Statement{Sid: "CloudFrontReadsEncryptedAssets", Effect: "Allow",
			Principal: map[string]any{"Service": "cloudfront.amazonaws.com"},
			Action:    []string{"kms:Decrypt"}, Resource: []string{"*"},
			Condition: map[string]map[string]string{"ArnLike": {"AWS:SourceArn": "arn:aws:cloudfront::" + account + ":distribution/*"}}},
	)
}

// EncryptionKeys holds the stack's keys: an EncryptionKey in each region, as
// one component holds them on the other clouds. Each region's data stays
// under its own region's key.
type EncryptionKeys struct {
	pulumi.ResourceState

	// KeyArns are the keys' ARNs by region.
	KeyArns pulumi.StringMapOutput `pulumi:"keyArns"`
	arns    map[string]pulumi.StringOutput
}

// EncryptionKeysArgs configures EncryptionKeys.
type EncryptionKeysArgs struct {
	Stack   string      // required: each region's key is named <Stack>-<region>
	Account string      // required: the account id the key policies name
	Regions []KeyRegion // required: the regions that get a key, each with its provider
	Protect bool        // protect the keys: deleting one makes every byte it encrypted unreadable
}

// KeyRegion is a region that gets a key, and the explicit provider of that
// region.
type KeyRegion struct {
	Name     string
	Provider *aws.Provider
}

// NewEncryptionKeys creates a key and its alias in every region.
func NewEncryptionKeys(ctx *pulumi.Context, name string, args EncryptionKeysArgs, opts ...pulumi.ResourceOption) (*EncryptionKeys, error) {
	if args.Stack == "" || args.Account == "" || len(args.Regions) == 0 {
		return nil, fmt.Errorf("keys %s: Stack, Account and Regions are required", name)
	}
	seen := map[string]bool{}
	for _, r := range args.Regions {
		if r.Name == "" || r.Provider == nil || seen[r.Name] {
			return nil, fmt.Errorf("keys %s: each region needs a name and a provider, once (%q)", name, r.Name)
		}
		seen[r.Name] = true
	}
	k := &EncryptionKeys{arns: map[string]pulumi.StringOutput{}}
	if err := ctx.RegisterComponentResource("mobile-backend:aws:EncryptionKeys", name, k, opts...); err != nil {
		return nil, err
	}
	arns := pulumi.StringMap{}
	for _, r := range args.Regions {
		key, err := NewEncryptionKey(ctx, args.Stack+"-"+r.Name, EncryptionKeyArgs{Region: r.Name, Account: args.Account, Protect: args.Protect},
			pulumi.Parent(k), pulumi.Provider(r.Provider))
		if err != nil {
			return nil, err
		}
		k.arns[r.Name], arns[r.Name] = key.KeyArn, key.KeyArn
	}
	k.KeyArns = arns.ToStringMapOutput()
	return k, ctx.RegisterResourceOutputs(k, pulumi.Map{"keyArns": k.KeyArns})
}

// Arn is a region's key ARN.
func (k *EncryptionKeys) Arn(region string) pulumi.StringOutput { return k.arns[region] }
