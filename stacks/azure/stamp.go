package azure

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	azc "github.com/mobile-backend/mobile-backend/components/azure"
	"github.com/mobile-backend/mobile-backend/internal/spec"
	"github.com/mobile-backend/mobile-backend/stacks"
)

// beginStamp is one region's stamp up to its app: the environment and the
// app's identity; Finish builds the app from the data tier's outputs, with
// its blob role, its new revisions after the previous release wave's gates.
func beginStamp(ctx *pulumi.Context, s spec.Spec, g *global, r azc.Region) (*azc.PendingStamp, error) {
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
	return azc.BeginStamp(ctx, s.Stack+"-"+r.Name, azc.StampArgs{
		Region: r, Subscription: pulumi.String(g.subscription), Database: g.db, Storage: g.storage, Secrets: secrets,
		Compute: azc.RegionalComputeArgs{
			Tags: g.tags, FrontDoorID: g.profile.FrontDoorId, Workload: s.WorkloadFor(r.Role), HealthPath: s.HealthCheck.Path,
			LogRetentionDays: s.LogRetentionDays, Environment: env,
			StackName: s.Stack, EnvironmentName: s.Environment,
			RegistryID: s.Runtime.AzureRegistryID, Subscription: pulumi.String(g.subscription), Lookups: g.provider, Workers: s.Workers(),
		},
	})
}

// databaseUsers makes the apps' database users (and, with migrations, the
// migrations' user, which alone may change the schema), from a job in the
// writer's network that the deployment runs; then the migrations, after
// it. With a configured admin, that admin runs the same script (the
// databaseUsersScript output). It returns the script and what the first
// release wave waits for.
func databaseUsers(ctx *pulumi.Context, s spec.Spec, g *global, stamps []*azc.PendingStamp) (pulumi.StringOutput, []pulumi.Resource, error) {
	var users []azc.DatabaseUser
	for _, st := range stamps {
		users = append(users, azc.DatabaseUser{Name: st.Compute.IdentityName, ClientID: st.Compute.IdentityClientID})
	}
	// In the writer's network (or, while that is down, where it was).
	writer := stamps[s.Region(s.WithTheWriter()).Index]
	var migrator *azc.Identity
	if len(s.Release.Migrations) > 0 {
		var err error
		name := s.Stack + "-migrations"
		if migrator, err = azc.NewIdentity(ctx, name+"-identity", name, "migrations", writer.ResourceGroup, writer.Name, g.tags, writer.In()); err != nil {
			return pulumi.StringOutput{}, nil, err
		}
		users = append(users, azc.DatabaseUser{Name: migrator.Name, ClientID: migrator.ClientID, Schema: true})
	}
	script := azc.UsersScriptOutput(users)
	var ran []pulumi.Resource
	if g.sqlAdmin != nil {
		job, err := azc.NewDatabaseUsers(ctx, s.Stack+"-db-users", azc.DatabaseUsersArgs{
			Region: writer.Name, ResourceGroup: writer.ResourceGroup, EnvironmentID: writer.Compute.EnvironmentID,
			Admin: g.sqlAdmin, Server: g.db.ReadWriteEndpoint, Database: s.Database.Name, Users: users, Tags: g.tags,
			Stack: s.Stack, Subscription: g.subscription,
		}, writer.In())
		if err != nil {
			return pulumi.StringOutput{}, nil, err
		}
		script, ran = job.Script, []pulumi.Resource{job.Run}
		g.watchJobs(writer.Name, job.Job)
	}
	if migrator == nil {
		return script, nil, nil
	}
	m, err := azc.NewMigrations(ctx, s.Stack+"-migrations", azc.MigrationsArgs{
		Region: writer.Region, EnvironmentID: writer.Compute.EnvironmentID, Identity: migrator,
		Server: g.db.ReadWriteEndpoint, Database: s.Database.Name, Image: s.MigrationsImage(), Command: s.Release.Migrations,
		RegistryID: s.Runtime.AzureRegistryID, Stack: s.Stack, Environment: s.Environment, Subscription: g.subscription, Tags: g.tags,
		After: ran,
	}, writer.In())
	if err != nil {
		return pulumi.StringOutput{}, nil, err
	}
	g.watchJobs(writer.Name, m.Job)
	return script, []pulumi.Resource{m.Run}, nil
}

// breakGlass opens the operators' way in, when configured: eligibility for
// a shell in the writer region's API containers (never down: opening it
// during an outage touches no down region), where the database is reached
// as the app.
func breakGlass(ctx *pulumi.Context, s spec.Spec, g *global, stamps []*azc.Stamp) error {
	if !s.BreakGlass.On() {
		return nil
	}
	st := stamps[s.Primary().Index]
	_, err := azc.NewBreakGlass(ctx, s.Stack+"-"+st.Name+"-break-glass", azc.BreakGlassArgs{
		Region: st.Region, AppID: st.Compute.AppID, Member: s.BreakGlass.Member, Until: s.BreakGlass.Until,
		Approval: s.BreakGlass.Approval, Stack: s.Stack, Subscription: g.subscription,
	}, st.In())
	return err
}

// schedules are the app's scheduled jobs in every region, each run only
// where the region's SQL server holds the failover group's primary (a down
// region's stay as deployed and fire nowhere).
func schedules(ctx *pulumi.Context, s spec.Spec, g *global, stamps []*azc.Stamp) error {
	jobs := s.Schedules()
	if len(jobs) == 0 {
		return nil
	}
	for _, st := range stamps {
		_, server := g.db.Server(st.Name)
		sch, err := azc.NewSchedules(ctx, s.Stack+"-"+st.Name+"-schedules", azc.SchedulesArgs{
			Region: st.Region, Compute: st.Compute, ServerID: server.ToStringOutput(), FailoverGroup: g.db.FailoverGroupName,
			Schedules: jobs, Stack: s.Stack, Subscription: g.subscription, Tags: g.tags,
		}, st.In())
		if err != nil {
			return err
		}
		g.watchJobs(st.Name, sch.Jobs...)
	}
	return nil
}
