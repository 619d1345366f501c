package gcp

import (
	"fmt"
	"regexp"

	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/secretmanager"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mobile-backend/mobile-backend/components"
)

// SecretManagerService names Secret Manager among a key's users
// (EncryptionKeysArgs.Users): its agent encrypts each replica.
const SecretManagerService = "secretmanager.googleapis.com"

// AppSecretsArgs configures AppSecrets.
type AppSecretsArgs struct {
	Project string   // required
	Regions []string // required: a replica in each
	// KeyIDs are the customer-managed keys by region: each replica is
	// encrypted with its own region's key, granted to Secret Manager's agent
	// (SecretManagerService). Required for every region.
	KeyIDs map[string]pulumi.StringOutput
	// Prefix starts every secret's id, e.g. "prod-app-".
	Prefix string
	// Values are the secrets by environment variable name; pass secret
	// outputs.
	Values map[string]pulumi.StringInput
	// Protect puts Pulumi protect on the secrets.
	Protect bool
}

// AppSecrets are the app's secrets in Secret Manager, each with a
// user-managed replica in every region of the stack, encrypted with that
// region's key, so every region's service reads a copy in its own region
// and no region's loss takes a secret with it.
type AppSecrets struct {
	pulumi.ResourceState

	Secrets []ContainerSecret
}

// ContainerSecret is one secret of the service: its environment variable
// name, the secret's id and the version to read, pinned so that a new
// value makes a new revision ("pin the secret to a specific version",
// Cloud Run, "Configure secrets").
type ContainerSecret struct {
	Name     string
	SecretID pulumi.StringOutput
	Version  pulumi.StringOutput
}

// secretID: Secret Manager's secret ids (projects.secrets.create).
var secretID = regexp.MustCompile(`^[A-Za-z0-9_-]{1,255}$`)

// NewAppSecrets stores the secrets. Pass the home region's provider in opts.
func NewAppSecrets(ctx *pulumi.Context, name string, args AppSecretsArgs, opts ...pulumi.ResourceOption) (*AppSecrets, error) {
	if args.Project == "" || len(args.Regions) == 0 || len(args.Values) == 0 {
		return nil, fmt.Errorf("app secrets %s: Project, Regions and Values are required", name)
	}
	var replicas secretmanager.SecretReplicationUserManagedReplicaArray
	for _, r := range args.Regions {
		key, ok := args.KeyIDs[r]
		if !ok {
			return nil, fmt.Errorf("app secrets %s: no key in %s (the replica there must be encrypted with it)", name, r)
		}
		// "The CMEK key must be in the same GCP location as the secret
		// version replica" (Secret Manager, "Enable CMEK").
		replicas = append(replicas, &secretmanager.SecretReplicationUserManagedReplicaArgs{
			Location:                  pulumi.String(r),
			CustomerManagedEncryption: &secretmanager.SecretReplicationUserManagedReplicaCustomerManagedEncryptionArgs{KmsKeyName: key},
		})
	}
	a := &AppSecrets{}
	if err := ctx.RegisterComponentResource("mobile-backend:gcp:AppSecrets", name, a, opts...); err != nil {
		return nil, err
	}
	child := pulumi.Parent(a)
	for _, k := range components.SortedKeys(args.Values) {
		if !secretID.MatchString(args.Prefix + k) {
			return nil, fmt.Errorf("app secrets %s: %q is not a Secret Manager id (letters, digits, _ and -, at most 255)", name, args.Prefix+k)
		}
		secret, err := secretmanager.NewSecret(ctx, name+"-"+k, &secretmanager.SecretArgs{
			SecretId:    pulumi.String(args.Prefix + k),
			Replication: &secretmanager.SecretReplicationArgs{UserManaged: &secretmanager.SecretReplicationUserManagedArgs{Replicas: replicas}},
		}, child, pulumi.Protect(args.Protect))
		if err != nil {
			return nil, err
		}
		version, err := secretmanager.NewSecretVersion(ctx, name+"-"+k, &secretmanager.SecretVersionArgs{
			Secret: secret.ID(), SecretData: pulumi.ToSecret(args.Values[k]).(pulumi.StringOutput),
		}, child)
		if err != nil {
			return nil, err
		}
		a.Secrets = append(a.Secrets, ContainerSecret{Name: k, SecretID: secret.SecretId, Version: version.Version})
	}
	return a, ctx.RegisterResourceOutputs(a, pulumi.Map{})
}

// GrantTo lets a service account read the secrets (secretAccessor on each,
// Cloud Run checks "that the service account that runs the container has
// permission to access these secrets"); the service starts after the grants.
func (a *AppSecrets) GrantTo(ctx *pulumi.Context, name, project string, email pulumi.StringInput) ([]pulumi.Resource, error) {
	var grants []pulumi.Resource
	for _, s := range a.Secrets {
		m, err := secretmanager.NewSecretIamMember(ctx, name+"-"+s.Name, &secretmanager.SecretIamMemberArgs{
			Project: pulumi.String(project), SecretId: s.SecretID,
			Role: pulumi.String("roles/secretmanager.secretAccessor"), Member: pulumi.Sprintf("serviceAccount:%s", email),
		}, pulumi.Parent(a))
		if err != nil {
			return nil, err
		}
		grants = append(grants, m)
	}
	return grants, nil
}
