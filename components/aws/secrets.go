package aws

import (
	"fmt"
	"regexp"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/secretsmanager"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mobile-backend/mobile-backend/components"
)

// AppSecretsArgs configures one region's AppSecrets.
type AppSecretsArgs struct {
	Region string             // required: the region of the provider passed in opts
	KeyArn pulumi.StringInput // required: the region's customer-managed key
	// Prefix starts every secret's name, e.g. "mobile-backend/prod/".
	Prefix string
	// Values are the secrets by environment variable name; pass secret
	// outputs (pulumi.ToSecret).
	Values map[string]pulumi.StringInput
	// Protect puts Pulumi protect on the secrets.
	Protect bool
}

// AppSecrets are the app's secrets in one region's Secrets Manager,
// encrypted with the region's own key: each region's tasks read their own
// region's copies, so no region's loss takes another's secrets with it.
type AppSecrets struct {
	pulumi.ResourceState

	// Secrets are what the task definition references, by name.
	Secrets []ContainerSecret
}

// ContainerSecret is one secret of the app's container: its environment
// variable name, the secret's ARN (what the execution role may read) and
// the valueFrom that pins its current version, so that a new value makes
// a new task definition and rolls the service ("If the secret is
// subsequently updated or rotated, the container will not receive the
// updated value automatically", ECS developer guide, "Pass Secrets Manager
// secrets through Amazon ECS environment variables").
type ContainerSecret struct {
	Name      string
	Arn       pulumi.StringOutput
	ValueFrom pulumi.StringOutput
}

// secretName: Secrets Manager's names are 1-512 of letters, digits and
// /_+=.@- (CreateSecret API reference).
var secretName = regexp.MustCompile(`^[A-Za-z0-9/_+=.@-]{1,512}$`)

// NewAppSecrets stores the secrets. Pass the region's provider in opts.
func NewAppSecrets(ctx *pulumi.Context, name string, args AppSecretsArgs, opts ...pulumi.ResourceOption) (*AppSecrets, error) {
	if args.Region == "" || args.KeyArn == nil || len(args.Values) == 0 {
		return nil, fmt.Errorf("app secrets %s: Region, KeyArn and Values are required", name)
	}
	a := &AppSecrets{}
	if err := ctx.RegisterComponentResource("mobile-backend:aws:AppSecrets", name, a, opts...); err != nil {
		return nil, err
	}
	child := pulumi.Parent(a)
	for _, k := range components.SortedKeys(args.Values) {
		if !secretName.MatchString(args.Prefix + k) {
			return nil, fmt.Errorf("app secrets %s: %q is not a Secrets Manager name", name, args.Prefix+k)
		}
		secret, err := secretsmanager.NewSecret(ctx, name+"-"+k, &secretsmanager.SecretArgs{
			Name:        pulumi.String(args.Prefix + k),
			Description: pulumi.String("mobile-backend: the app's " + k + " in " + args.Region),
			KmsKeyId:    args.KeyArn,
			// A deleted secret can be restored for 30 days (the maximum).
			RecoveryWindowInDays: pulumi.Int(30),
		}, child, pulumi.Protect(args.Protect))
		if err != nil {
			return nil, err
		}
		version, err := secretsmanager.NewSecretVersion(ctx, name+"-"+k, &secretsmanager.SecretVersionArgs{
			SecretId: secret.ID(), SecretString: pulumi.ToSecret(args.Values[k]).(pulumi.StringOutput),
		}, child)
		if err != nil {
			return nil, err
		}
		// arn:…:secret:NAME-XXXXXX:json-key:version-stage:version-id, the
		// two middle fields empty ("you must include the colons").
		a.Secrets = append(a.Secrets, ContainerSecret{
			Name: k, Arn: secret.Arn,
			ValueFrom: pulumi.Sprintf("%s:::%s", secret.Arn, version.VersionId),
		})
	}
	return a, ctx.RegisterResourceOutputs(a, pulumi.Map{})
}

// ExistingSecret is a secret the stack did not make, read in the task's
// own region through its partial ARN (the ARN without the six characters
// Secrets Manager appends; ECS takes "the full ARN of the Secrets Manager
// secret", a name only for Parameter Store, and Secrets Manager resolves a
// partial ARN), so every region reads its own region's copy, and a region
// without one fails its tasks' start rather than reading another region's.
// The execution role may read the secret of that name in the region. A
// name that itself ends in a hyphen and six characters would be taken for
// a full ARN (validated in internal/spec).
func ExistingSecret(envName, secretName, region, account string) ContainerSecret {
	partial := fmt.Sprintf("arn:aws:secretsmanager:%s:%s:secret:%s", region, account, secretName)
	return ContainerSecret{
		Name:      envName,
		Arn:       pulumi.String(partial + "-??????").ToStringOutput(),
		ValueFrom: pulumi.String(partial).ToStringOutput(),
	}
}
