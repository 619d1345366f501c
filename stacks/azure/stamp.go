package azure

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	azc "github.com/mobile-backend/mobile-backend/components/azure"
	"github.com/mobile-backend/mobile-backend/internal/spec"
	"github.com/mobile-backend/mobile-backend/stacks"
)

// newStamp is one region's stamp: the app, built from the data tier's
// outputs, with its blob role, its new revisions after the previous
// release wave's gates (after).
func newStamp(ctx *pulumi.Context, s spec.Spec, g *global, r azc.Region, after []pulumi.Resource) (*azc.Stamp, error) {
	r.Role = s.Region(r.Name).Role
	env := stacks.AppEnv(s)
	env["ROLE"] = pulumi.String(r.Role)
	// Front Door cannot verify an app token: the app does (README).
	for k, v := range s.AppAttestation().OriginEnvironment() {
		env[k] = pulumi.String(v)
	}
	var secrets *azc.AppSecretsArgs
	if len(s.Runtime.Secrets) > 0 {
		secrets = &azc.AppSecretsArgs{
			Stack: s.Stack, Subscription: g.subscription, TenantID: g.tenant, Generation: s.Azure.KeyVaultGeneration,
			Values: stacks.AppSecretValues(s), Tags: g.tags, Protect: s.Protect,
		}
	}
	return azc.NewStamp(ctx, s.Stack+"-"+r.Name, azc.StampArgs{
		Region: r, Subscription: pulumi.String(g.subscription), Database: g.db, Storage: g.storage, Secrets: secrets,
		Compute: azc.RegionalComputeArgs{
			Tags: g.tags, FrontDoorID: g.profile.FrontDoorId, Workload: s.WorkloadFor(r.Role), HealthPath: s.HealthCheck.Path,
			LogRetentionDays: s.LogRetentionDays, Environment: env,
			StackName: s.Stack, EnvironmentName: s.Environment,
			RegistryID: s.Runtime.AzureRegistryID, Subscription: pulumi.String(g.subscription), Lookups: g.provider,
		},
		Release: azc.ReleaseArgs{After: after, BakeSeconds: s.Release.BakeSeconds, Alarms: s.Alarms, Stack: s.Stack, Subscription: g.subscription},
	})
}

// databaseUsers makes the apps' database users, from a job in the writer's
// network; with a configured admin, that admin runs the same script
// (the databaseUsersScript output), which it returns.
func databaseUsers(ctx *pulumi.Context, s spec.Spec, g *global, stamps []*azc.Stamp) (pulumi.StringOutput, error) {
	var users []azc.DatabaseUser
	for _, st := range stamps {
		users = append(users, azc.DatabaseUser{Name: st.Compute.IdentityName, ClientID: st.Compute.IdentityClientID})
	}
	if g.sqlAdmin == nil {
		return azc.UsersScriptOutput(users), nil
	}
	// In the writer's network (or, while that is down, where it was).
	writer := azc.StampIn(stamps, s.WithTheWriter())
	job, err := azc.NewDatabaseUsers(ctx, s.Stack+"-db-users", azc.DatabaseUsersArgs{
		Region: writer.Name, ResourceGroup: writer.ResourceGroup, EnvironmentID: writer.Compute.EnvironmentID,
		Admin: g.sqlAdmin, Server: g.db.ReadWriteEndpoint, Database: s.Database.Name, Users: users, Tags: g.tags,
		Stack: s.Stack, Subscription: g.subscription,
	}, writer.In())
	if err != nil {
		return pulumi.StringOutput{}, err
	}
	return job.Script, nil
}
