package azure

import (
	"encoding/json"
	"fmt"

	"github.com/pulumi/pulumi-azure-native-sdk/authorization/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mobile-backend/mobile-backend/components"
)

// StorageBlobDataContributor is the built-in role that lets an app read and
// write blobs (and nothing else on the account).
const StorageBlobDataContributor = "ba92f5b4-2d11-453d-a403-e96b0029c9fe"

// StorageBlobDataReader is the built-in role that lets an app read blobs
// (learn.microsoft.com, "Azure built-in roles for Storage").
const StorageBlobDataReader = "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1"

// StampArgs configures a Stamp.
type StampArgs struct {
	Region       Region             // required, with its Network
	Subscription pulumi.StringInput // required: for the role definition's id
	// Database and Storage give the app its settings (the failover group's
	// listeners, the region's storage account) and Storage its blob role.
	// Required.
	Database *GlobalDatabase
	Storage  *ReplicatedStorage
	// Compute configures the app; Region, ResourceGroup and AppsSubnetID
	// are filled from the stamp, and the data tier's settings are added to
	// its Environment.
	Compute RegionalComputeArgs
	// Secrets are the app's secrets, by Key Vault reference: the stamp
	// stores them in a vault of the region's own (AppSecrets). Nil for none.
	Secrets *AppSecretsArgs
	// Release places the stamp in a release wave: its app waits for the
	// previous wave's gates, and its own gate passes the next wave.
	Release ReleaseArgs
}

// Stamp is one region's serving path, the same in every region: the
// container app in the region's network, built from the data tier's
// outputs, with the blob role on the region's storage account. It groups
// the region's components for the global ones that span regions; it is not
// a resource of its own, so they keep their names.
type Stamp struct {
	Region
	Compute *RegionalCompute
	// Gate passes the next release wave once this region's new revision
	// is healthy.
	Gate *ReleaseGate

	workers []components.Worker
}

// NewStamp builds a region's app and its storage role, named name, in the
// region's provider.
func NewStamp(ctx *pulumi.Context, name string, args StampArgs) (*Stamp, error) {
	p, err := BeginStamp(ctx, name, args)
	if err != nil {
		return nil, err
	}
	return p.Finish(args.Release)
}

// PendingStamp is a stamp whose environment and app identity exist and
// whose app does not yet (BeginRegionalCompute): Finish builds the app.
type PendingStamp struct {
	Region
	Compute *PendingCompute

	ctx  *pulumi.Context
	name string
	args StampArgs
}

// BeginStamp builds a region's app secrets, logs, environment and app
// identity.
func BeginStamp(ctx *pulumi.Context, name string, args StampArgs) (*PendingStamp, error) {
	r := args.Region
	if r.Name == "" || r.Provider == nil || r.ResourceGroup == nil || r.Network == nil || args.Subscription == nil || args.Database == nil || args.Storage == nil {
		return nil, fmt.Errorf("stamp %s: Region (with Provider, ResourceGroup and Network), Subscription, Database and Storage are required", name)
	}
	env := args.Database.Environment(r.Name)
	// The app writes its uploads to its own region's account, and reads any
	// region's (an upload's region is part of its key; while a region is
	// lost, its account's <name>-secondary endpoint serves reads).
	env["UPLOADS_ACCOUNT"] = args.Storage.Account(r.Name).Name
	env["UPLOADS_CONTAINER"] = pulumi.String(UploadsContainer)
	env["UPLOADS_ACCOUNTS"] = args.Storage.AccountNames.ApplyT(func(m map[string]string) (string, error) {
		b, err := json.Marshal(m)
		return string(b), err
	}).(pulumi.StringOutput)
	for k, v := range args.Compute.Environment {
		env[k] = v
	}
	c := args.Compute
	c.Region, c.ResourceGroup, c.AppsSubnetID, c.Environment = r.Name, r.ResourceGroup, r.Network.AppsSubnetID, env
	if args.Secrets != nil {
		sa := *args.Secrets
		sa.Region, sa.ResourceGroup, sa.VirtualNetworkID, sa.EndpointsSubnetID = r.Name, r.ResourceGroup, r.Network.VirtualNetworkID, r.Network.EndpointsSubnetID
		stored, err := NewAppSecrets(ctx, name+"-app-secrets", sa, r.In())
		if err != nil {
			return nil, fmt.Errorf("region %s: %w", r.Name, err)
		}
		c.Secrets, c.SecretsVaultID, c.Subscription, c.SecretsReady = stored.Secrets, stored.VaultID, args.Subscription, stored.Ready
	}
	pending, err := BeginRegionalCompute(ctx, name, c, r.In())
	if err != nil {
		return nil, fmt.Errorf("region %s: %w", r.Name, err)
	}
	args.Compute = c
	return &PendingStamp{Region: r, Compute: pending, ctx: ctx, name: name, args: args}, nil
}

// Finish builds the app, after release.After (the previous wave's gates),
// its storage roles and its release gate.
func (p *PendingStamp) Finish(release ReleaseArgs) (*Stamp, error) {
	ctx, name, args, r, c := p.ctx, p.name, p.args, p.Region, p.args.Compute
	compute, err := p.Compute.Finish(append(append([]pulumi.Resource{}, c.After...), release.After...))
	if err != nil {
		return nil, fmt.Errorf("region %s: %w", r.Name, err)
	}
	// The app writes its own region's uploads and reads the other regions':
	// on the uploads containers alone, so no app may rewrite the static
	// container's directory or health blob (the publisher's).
	for _, other := range args.Storage.Regions() {
		role, suffix := StorageBlobDataReader, "-blob-read-"+other
		if other == r.Name {
			role, suffix = StorageBlobDataContributor, "-blob-access"
		}
		if _, err := authorization.NewRoleAssignment(ctx, name+suffix, &authorization.RoleAssignmentArgs{
			PrincipalId:      compute.IdentityPrincipalID,
			PrincipalType:    pulumi.String("ServicePrincipal"),
			RoleDefinitionId: roleDefinitionID(args.Subscription, role),
			Scope:            args.Storage.Uploads(other).ID(),
		}, r.In()); err != nil {
			return nil, err
		}
	}
	gate, err := NewReleaseGate(ctx, name+"-release", ReleaseGateArgs{Region: r, Compute: compute, Release: release, Tags: c.Tags}, r.In())
	if err != nil {
		return nil, fmt.Errorf("region %s: %w", r.Name, err)
	}
	return &Stamp{Region: r, Compute: compute, Gate: gate, workers: c.Workers}, nil
}

// Origins are the stamps' apps as Front Door routes to them.
func Origins(stamps []*Stamp) []FrontDoorOrigin {
	out := make([]FrontDoorOrigin, 0, len(stamps))
	for _, s := range stamps {
		out = append(out, FrontDoorOrigin{Region: s.Name, Role: s.Role, HostName: s.Compute.AppFQDN})
	}
	return out
}

// Watched are the stamps as Monitoring watches them; each region's row also
// watches its own database (the primary or a geo-secondary), so the writer
// is watched wherever a failover moves it.
func Watched(stamps []*Stamp, db *GlobalDatabase) []MonitoredRegion {
	out := make([]MonitoredRegion, 0, len(stamps))
	for i, s := range stamps {
		m := MonitoredRegion{Name: s.Name, Role: s.Role, ResourceGroup: s.ResourceGroup,
			WorkspaceID: s.Compute.WorkspaceID, WorkspaceName: s.Compute.WorkspaceName, AppID: s.Compute.AppID, InsightsID: s.Compute.InsightsID}
		for j, w := range s.workers {
			m.Workers = append(m.Workers, MonitoredWorker{Name: w.Name, AppID: s.Compute.Workers[j].ID().ToStringOutput(), Instances: w.Instances})
		}
		if db != nil && i < len(db.DatabaseIDs) {
			m.DatabaseID = db.DatabaseIDs[i] // in stack order, the primary first
		}
		out = append(out, m)
	}
	return out
}
