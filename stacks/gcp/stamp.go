package gcp

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	gcpc "github.com/mobile-backend/mobile-backend/components/gcp"
	"github.com/mobile-backend/mobile-backend/internal/spec"
	"github.com/mobile-backend/mobile-backend/stacks"
)

// newStamp is one region's stamp: its identity, granted the data tier, and
// the Cloud Run service that runs as it (with private egress to Cloud SQL),
// its new revisions after the previous release wave's gates (after).
func newStamp(ctx *pulumi.Context, s spec.Spec, g *global, r gcpc.Region, after []pulumi.Resource) (*gcpc.Stamp, error) {
	r.Role = s.Region(r.Name).Role
	var sqlNetwork *gcpc.Network
	if g.engine == spec.EngineCloudSQL {
		sqlNetwork = g.network
	}
	env := stacks.AppEnv(s)
	env["ROLE"] = pulumi.String(r.Role)
	return gcpc.NewStamp(ctx, s.Stack+"-"+r.Name, gcpc.StampArgs{
		Region: r, Project: g.project, Database: g.db, Storage: g.storage, Network: sqlNetwork, Secrets: g.secrets,
		Compute: gcpc.RegionalComputeArgs{
			Workload: s.WorkloadFor(r.Role), HealthPath: s.HealthCheck.Path, Workers: s.Workers(),
			Environment: env,
			StackName:   s.Stack, EnvironmentName: s.Environment,
		},
		Release: gcpc.ReleaseArgs{After: after, BakeSeconds: s.Release.BakeSeconds, Alarms: s.Alarms},
	})
}
