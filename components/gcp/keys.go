package gcp

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/kms"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/projects"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/storage"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mobile-backend/mobile-backend/components"
	"github.com/mobile-backend/mobile-backend/internal/names"
)

// KeyRotationPeriod is how often Cloud KMS makes a new primary version of
// each key (90 days); older versions keep decrypting what they encrypted.
const KeyRotationPeriod = "7776000s"

// KeyDestroyDelay is how long a key version scheduled for destruction can
// still be restored (Cloud KMS allows up to 120 days).
const KeyDestroyDelay = "2592000s" // 30 days

// StorageService names Cloud Storage among a key's users: its service agent
// comes from storage.GetProjectServiceAccount, not from a service identity.
const StorageService = "storage.googleapis.com"

// EncryptionKeysArgs configures EncryptionKeys.
type EncryptionKeysArgs struct {
	Stack   string // required: names the key rings
	Project string // project of the keys and service agents ("" for the provider's)
	// Users are, by Cloud KMS location (a region, or a multi-region such as
	// "us" or "nam6"), the services whose agents may encrypt and decrypt with
	// that location's key (spanner.googleapis.com, sqladmin.googleapis.com,
	// StorageService). Required.
	Users   map[string][]string
	Protect bool
	// Lookups, when set, is the provider service-agent lookups go through
	// (a live region's: stacks.Outage).
	Lookups *gcp.Provider
}

// EncryptionKeys is a customer-managed Cloud KMS key per location, rotated
// every 90 days, that only the named services' agents may use to encrypt and
// decrypt. A key ring cannot be deleted in Cloud KMS; the keys are protected
// like the data they encrypt (destroying a key destroys that data).
type EncryptionKeys struct {
	pulumi.ResourceState

	KeyIDs pulumi.StringMapOutput `pulumi:"keyIds"`
	keys   map[string]pulumi.StringOutput
}

// NewEncryptionKeys builds the key rings, keys and grants. Pass the primary
// region's provider in opts.
func NewEncryptionKeys(ctx *pulumi.Context, name string, args EncryptionKeysArgs, opts ...pulumi.ResourceOption) (*EncryptionKeys, error) {
	if args.Stack == "" || len(args.Users) == 0 {
		return nil, fmt.Errorf("keys %s: Stack and Users are required", name)
	}
	k := &EncryptionKeys{keys: map[string]pulumi.StringOutput{}}
	if err := ctx.RegisterComponentResource("mobile-backend:gcp:EncryptionKeys", name, k, opts...); err != nil {
		return nil, err
	}
	child := pulumi.Parent(k)
	var project pulumi.StringPtrInput
	if args.Project != "" {
		project = pulumi.String(args.Project)
	}

	agents := map[string]pulumi.StringOutput{}
	agent := func(svc string) (pulumi.StringOutput, error) {
		if a, ok := agents[svc]; ok {
			return a, nil
		}
		if svc == StorageService {
			var p *string
			if args.Project != "" {
				p = &args.Project
			}
			gcs, err := storage.GetProjectServiceAccount(ctx, &storage.GetProjectServiceAccountArgs{Project: p}, lookupsOr(args.Lookups, child))
			if err != nil {
				return pulumi.StringOutput{}, fmt.Errorf("Cloud Storage service agent: %w", err)
			}
			agents[svc] = pulumi.String(gcs.EmailAddress).ToStringOutput()
			return agents[svc], nil
		}
		id, err := projects.NewServiceIdentity(ctx, name+"-"+strings.SplitN(svc, ".", 2)[0], &projects.ServiceIdentityArgs{
			Service: pulumi.String(svc), Project: project,
		}, child)
		if err != nil {
			return pulumi.StringOutput{}, err
		}
		agents[svc] = id.Email
		return id.Email, nil
	}

	ids := pulumi.StringMap{}
	for _, loc := range components.SortedKeys(args.Users) {
		id := name + "-" + loc
		ring, err := kms.NewKeyRing(ctx, id, &kms.KeyRingArgs{
			Name: pulumi.String(names.DNSLabel(args.Stack+"-"+loc, 63)), Location: pulumi.String(loc), Project: project,
		}, child, pulumi.Protect(args.Protect))
		if err != nil {
			return nil, err
		}
		key, err := kms.NewCryptoKey(ctx, id, &kms.CryptoKeyArgs{
			Name:                     pulumi.String("data"),
			KeyRing:                  ring.ID(),
			Purpose:                  pulumi.String("ENCRYPT_DECRYPT"),
			RotationPeriod:           pulumi.String(KeyRotationPeriod),
			DestroyScheduledDuration: pulumi.String(KeyDestroyDelay),
		}, child, pulumi.Protect(args.Protect))
		if err != nil {
			return nil, err
		}
		var grants []pulumi.Resource
		for _, svc := range args.Users[loc] {
			email, err := agent(svc)
			if err != nil {
				return nil, fmt.Errorf("keys %s: %w", name, err)
			}
			g, err := kms.NewCryptoKeyIAMMember(ctx, id+"-"+strings.SplitN(svc, ".", 2)[0], &kms.CryptoKeyIAMMemberArgs{
				CryptoKeyId: key.ID(),
				Role:        pulumi.String("roles/cloudkms.cryptoKeyEncrypterDecrypter"),
				Member:      pulumi.Sprintf("serviceAccount:%s", email),
			}, child)
			if err != nil {
				return nil, err
			}
			grants = append(grants, g)
		}
		// A service refuses a key its agent cannot use yet: hand out the key
		// id only once the grants exist.
		keyID := pulumi.All(key.ID(), pulumi.All(toOutputs(grants)...)).ApplyT(func(v []any) string { return string(v[0].(pulumi.ID)) }).(pulumi.StringOutput)
		k.keys[loc] = keyID
		ids[loc] = keyID
	}
	k.KeyIDs = ids.ToStringMapOutput()
	return k, ctx.RegisterResourceOutputs(k, pulumi.Map{"keyIds": k.KeyIDs})
}

// Key is the key id ("projects/…/locations/…/keyRings/…/cryptoKeys/data")
// of a location.
func (k *EncryptionKeys) Key(location string) pulumi.StringOutput { return k.keys[location] }

// All are the keys by location.
func (k *EncryptionKeys) All() map[string]pulumi.StringOutput {
	out := make(map[string]pulumi.StringOutput, len(k.keys))
	for loc, key := range k.keys {
		out[loc] = key
	}
	return out
}

func toOutputs(rs []pulumi.Resource) []any {
	out := make([]any, len(rs))
	for i, r := range rs {
		out[i] = r.URN()
	}
	return out
}
