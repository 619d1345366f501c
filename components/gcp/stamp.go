package gcp

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mobile-backend/mobile-backend/components"
)

// StampArgs configures a Stamp.
type StampArgs struct {
	Region  Region // required
	Project string // required
	// Database and Storage grant the region's identity access before its
	// service starts (and Database makes its Cloud SQL user). Required.
	Database *GlobalDatabase
	Storage  *ReplicatedStorage
	// Network gives the service private egress to Cloud SQL; nil with Spanner.
	Network *Network
	// Secrets are the app's secrets, granted to the region's identity and
	// passed by reference; nil for none.
	Secrets *AppSecrets
	// Compute configures the service; Region, Project, ServiceAccountEmail,
	// Network and Subnet are filled from the stamp, and the data tier's
	// settings are added to its Environment.
	Compute RegionalComputeArgs
	// Release places the stamp in a release wave: its service waits for
	// the previous wave's gates, and its own gate passes the next wave.
	Release ReleaseArgs
}

// Stamp is one region's serving path, the same in every region: the
// region's identity, granted the data tier, and the Cloud Run service that
// runs as it. It groups the region's components for the global ones that
// span regions; it is not a resource of its own, so they keep their names.
type Stamp struct {
	Region
	Identity *WorkloadIdentity
	Compute  *RegionalCompute
	// SQLInstance is the Cloud SQL instance serving the region (nil with Spanner).
	SQLInstance pulumi.StringInput
	// DBUser is the region's Cloud SQL IAM database user, and DBGrants what
	// makes it (GlobalDatabase.GrantTo), for DatabaseUsers. Unset with Spanner.
	DBUser   pulumi.StringOutput
	DBGrants []pulumi.Resource
	// Gate passes the next release wave once this region's new revision
	// is healthy.
	Gate *ReleaseGate

	workers []components.Worker
}

// NewStamp builds a region's identity, its grants on the data tier and its
// service, named name, in the region's provider.
func NewStamp(ctx *pulumi.Context, name string, args StampArgs) (*Stamp, error) {
	r := args.Region
	if r.Name == "" || r.Provider == nil || args.Project == "" || args.Database == nil || args.Storage == nil {
		return nil, fmt.Errorf("stamp %s: Region, Project, Database and Storage are required", name)
	}
	// The identity first: the data tier grants it access (and makes its
	// database user) before the service that runs as it starts.
	identity, err := NewWorkloadIdentity(ctx, name, WorkloadIdentityArgs{Region: r.Name, Project: args.Project}, r.In())
	if err != nil {
		return nil, fmt.Errorf("region %s: %w", r.Name, err)
	}
	dbUser, dbGrants, err := args.Database.GrantTo(ctx, name+"-db-access", args.Project, identity.Email)
	if err != nil {
		return nil, err
	}
	bucketGrants, err := args.Storage.GrantTo(ctx, name+"-uploads-access", r.Name, identity.Email)
	if err != nil {
		return nil, err
	}
	c := args.Compute
	c.Region, c.Project, c.ServiceAccountEmail = r.Name, args.Project, identity.Email
	c.After = append(append(append(c.After, dbGrants...), bucketGrants...), args.Release.After...)
	if args.Secrets != nil {
		secretGrants, err := args.Secrets.GrantTo(ctx, name+"-reads-secret", args.Project, identity.Email)
		if err != nil {
			return nil, err
		}
		c.After = append(c.After, secretGrants...)
		c.Secrets = args.Secrets.Secrets
	}
	env := pulumi.StringMap{}
	for k, v := range args.Database.Environment(r.Name, args.Project) {
		env[k] = v
	}
	env["UPLOADS_BUCKET"] = args.Storage.BucketName // where the app writes
	// Where the app reads: its area's copy, which lags by up to an hour; an
	// object not there yet (or the copy's region lost) is read from
	// UPLOADS_BUCKET.
	env["UPLOADS_READ_BUCKET"] = args.Storage.ReadBucket(r.Name)
	for k, v := range c.Environment {
		env[k] = v
	}
	st := &Stamp{Region: r, Identity: identity, workers: c.Workers}
	if args.Database.Engine == components.EngineCloudSQL {
		if args.Network == nil {
			return nil, fmt.Errorf("stamp %s: Network is required with Cloud SQL", name)
		}
		c.Network, c.Subnet = args.Network.NetworkID, args.Network.Subnet(r.Name)
		env["DB_USER"] = dbUser // the Cloud SQL IAM user, once it exists
		st.SQLInstance = args.Database.ReplicaInstance(r.Name)
		st.DBUser, st.DBGrants = dbUser, dbGrants
	}
	c.Environment = env
	if st.Compute, err = NewRegionalCompute(ctx, name, c, r.In()); err != nil {
		return nil, fmt.Errorf("region %s: %w", r.Name, err)
	}
	if st.Gate, err = NewReleaseGate(ctx, name+"-release", ReleaseGateArgs{Project: args.Project, Region: r.Name, Compute: st.Compute, Release: args.Release}, r.In()); err != nil {
		return nil, fmt.Errorf("region %s: %w", r.Name, err)
	}
	return st, nil
}

// Backends are the stamps as the load balancer routes to them.
func Backends(stamps []*Stamp) []LoadBalancerRegion {
	out := make([]LoadBalancerRegion, 0, len(stamps))
	for _, s := range stamps {
		out = append(out, LoadBalancerRegion{Name: s.Name, Role: s.Role, EndpointGroupID: s.Compute.EndpointGroupID})
	}
	return out
}

// Watched are the stamps as Monitoring watches them.
func Watched(stamps []*Stamp, maxInstances int) []MonitoredRegion {
	out := make([]MonitoredRegion, 0, len(stamps))
	for _, s := range stamps {
		m := MonitoredRegion{Name: s.Name, Role: s.Role, ServiceName: s.Compute.ServiceName, MaxInstances: maxInstances, SQLInstance: s.SQLInstance}
		if s.Gate != nil {
			m.ReleaseGate = s.Gate.JobName
		}
		for i, w := range s.workers {
			m.Workers = append(m.Workers, MonitoredWorker{Name: w.Name, ServiceName: s.Compute.Workers[i].Name, Instances: w.Instances})
		}
		out = append(out, m)
	}
	return out
}
