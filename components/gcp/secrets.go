package gcp

import (
	"fmt"
	"regexp"
	"strings"

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
	// Existing are secrets the stack did not make (ExistingSecrets), read
	// and granted like the others.
	Existing []ContainerSecret
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
	if args.Project == "" || len(args.Regions) == 0 || len(args.Values)+len(args.Existing) == 0 {
		return nil, fmt.Errorf("app secrets %s: Project, Regions and Values or Existing are required", name)
	}
	var replicas secretmanager.SecretReplicationUserManagedReplicaArray
	for _, r := range args.Regions {
		if len(args.Values) == 0 {
			break
		}
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
	a.Secrets = append(a.Secrets, args.Existing...)
	return a, ctx.RegisterResourceOutputs(a, pulumi.Map{})
}

// ExistingSecretsArgs configures ExistingSecrets.
type ExistingSecretsArgs struct {
	Project string   // required
	Regions []string // required: every one needs a replica
	// IDs are the secrets' ids by environment variable name.
	IDs map[string]string
}

// ExistingSecrets are secrets the stack did not make, checked at every
// deploy: each must be replicated automatically or to every region of the
// stack (or a region's loss could take it), and its current version is
// pinned, so a new version rolls every region at the next deploy. Pass the
// home region's provider in opts.
func ExistingSecrets(ctx *pulumi.Context, name string, args ExistingSecretsArgs, opts ...pulumi.InvokeOption) ([]ContainerSecret, error) {
	var out []ContainerSecret
	for _, k := range components.SortedKeys(args.IDs) {
		id := args.IDs[k]
		secret, err := secretmanager.LookupSecret(ctx, &secretmanager.LookupSecretArgs{SecretId: id, Project: &args.Project}, opts...)
		if err != nil {
			return nil, fmt.Errorf("secret %s (%s): %w", id, k, err)
		}
		if missing := missingReplicas(secret.Replications, args.Regions); len(missing) > 0 {
			return nil, fmt.Errorf("secret %s (%s) has no replica in %s: replicate it automatically or to every region of the stack", id, k, strings.Join(missing, ", "))
		}
		version, err := secretmanager.LookupSecretVersion(ctx, &secretmanager.LookupSecretVersionArgs{Secret: id, Project: &args.Project}, opts...)
		if err != nil {
			return nil, fmt.Errorf("secret %s (%s): its current version: %w", id, k, err)
		}
		out = append(out, ContainerSecret{Name: k, SecretID: pulumi.String(id).ToStringOutput(), Version: pulumi.String(version.Version).ToStringOutput()})
	}
	return out, nil
}

// missingReplicas are the regions a secret's replication leaves out (none
// with automatic replication).
func missingReplicas(replications []secretmanager.GetSecretReplication, regions []string) []string {
	have := map[string]bool{}
	for _, r := range replications {
		if len(r.Autos) > 0 {
			return nil
		}
		for _, u := range r.UserManageds {
			for _, rep := range u.Replicas {
				have[rep.Location] = true
			}
		}
	}
	var missing []string
	for _, r := range regions {
		if !have[r] {
			missing = append(missing, r)
		}
	}
	return missing
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
