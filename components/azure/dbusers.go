package azure

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/mobile-backend/mobile-backend/components/azure/internal/job"
	"github.com/mobile-backend/mobile-backend/internal/dbusers"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// DatabaseUsersSchedule is when the job runs: hourly, so that a new region's
// app gets its user within the hour after `pulumi up` (start it at once with
// `az containerapp job start`). Every run is idempotent.
const DatabaseUsersSchedule = "0 * * * *"

// DatabaseUsersImage is the image the job runs, by digest: it holds the
// servers' Entra admin identity, so nothing in it comes from a mutable
// name. The job fetches go-sqlcmd at a pinned release and refuses it
// unless its digest is the pinned one (internal/dbusers, whose tests run
// the script). Ubuntu 24.04's Microsoft repository has no sqlcmd package
// (microsoft/go-sqlcmd#532).
const DatabaseUsersImage = PythonJobImage

// PythonJobImage is the image of the stack's Python jobs that hold an
// identity (the database users, the publishers): Microsoft's Azure CLI
// image, by digest (internal/dbusers.Image).
const PythonJobImage = dbusers.Image

// DatabaseUser is an app's contained database user: its identity's name
// and client (application) id.
type DatabaseUser struct {
	Name     string
	ClientID pulumi.StringInput
	// Schema: the user may change the schema too (db_ddladmin): the
	// migrations' identity, and no app.
	Schema bool
}

// DatabaseUsersArgs configures DatabaseUsers.
type DatabaseUsersArgs struct {
	Region        string             // required: the writer's region, whose network reaches the writer
	ResourceGroup pulumi.StringInput // required: the region's resource group
	EnvironmentID pulumi.StringInput // required: the region's Container Apps environment
	// Admin is the servers' Microsoft Entra admin, as which the job signs in.
	// Required.
	Admin *Identity
	// Server is the writer's host (the failover group's read-write
	// listener); Database the database. Required.
	Server   pulumi.StringInput
	Database string
	Users    []DatabaseUser // required
	Tags     pulumi.StringMap
	// Stack and Subscription name the custom role of the script that runs
	// the job at deploy; without them the job runs on its schedule only.
	Stack, Subscription string
}

// DatabaseUsers is a scheduled Container Apps job, in the writer region's
// network (the servers admit no public network), that signs in to the
// database as the servers' Entra admin and creates each app's contained
// user with read and write roles (db_datareader, db_datawriter; no DDL).
// Users are created from their client ids (WITH SID … TYPE = E), which needs
// no Microsoft Graph lookup: a managed identity running CREATE USER … FROM
// EXTERNAL PROVIDER would need the server's identity to hold Graph read
// permissions (learn.microsoft.com, "Microsoft Entra service principals with
// Azure SQL"). Contained users live in the database, so geo-secondaries
// and a failed-over writer have them too.
type DatabaseUsers struct {
	pulumi.ResourceState

	JobName pulumi.StringOutput `pulumi:"jobName"`
	// Job is the job to watch (Monitoring alerts on its failed runs).
	Job MonitoredJob
	// Script is the T-SQL the job runs.
	Script pulumi.StringOutput `pulumi:"script"`
	// Run is the run at deploy (nil without Stack and Subscription).
	Run *JobRun
}

var sqlName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,128}$`)

// NewDatabaseUsers builds the job. Pass the region's provider in opts.
func NewDatabaseUsers(ctx *pulumi.Context, name string, args DatabaseUsersArgs, opts ...pulumi.ResourceOption) (*DatabaseUsers, error) {
	if args.Region == "" || args.ResourceGroup == nil || args.EnvironmentID == nil || args.Admin == nil || args.Server == nil || args.Database == "" || len(args.Users) == 0 {
		return nil, fmt.Errorf("database users %s: Region, ResourceGroup, EnvironmentID, Admin, Server, Database and Users are required", name)
	}
	for _, u := range args.Users {
		if !sqlName.MatchString(u.Name) {
			return nil, fmt.Errorf("database users %s: %q is not a user name this job quotes safely (letters, digits, _ and -)", name, u.Name)
		}
	}
	d := &DatabaseUsers{}
	if err := ctx.RegisterComponentResource("mobile-backend:azure:DatabaseUsers", name, d, opts...); err != nil {
		return nil, err
	}
	d.Script = UsersScriptOutput(args.Users)
	// go-sqlcmd signs in as the user-assigned identity named by -U (its
	// client id); -b fails the run on a T-SQL error.
	jobName, err := job.NewScheduled(ctx, name, job.Args{
		JobName: resourceName(name, 32), ResourceGroup: args.ResourceGroup, Location: args.Region,
		EnvironmentID: args.EnvironmentID, IdentityID: args.Admin.ID(),
		Cron: DatabaseUsersSchedule, Timeout: 900,
		RetryLimit: 2, // the admin's sign-in may need a few minutes after the server is made
		Container:  "db-users", Image: DatabaseUsersImage,
		Interpreter: []string{"python3", "-c"}, Script: pulumi.String(dbusers.Script),
		Env: []job.Env{
			{Name: "SQLCMD_URL", Value: pulumi.String(dbusers.SqlcmdURL)},
			{Name: "SQLCMD_SHA256", Value: pulumi.String(dbusers.SqlcmdSHA256)},
			{Name: "DB_SERVER", Value: args.Server},
			{Name: "DB_NAME", Value: pulumi.String(args.Database)},
			{Name: "AZURE_CLIENT_ID", Value: args.Admin.ClientID},
			{Name: "DB_USERS_SQL", Value: d.Script},
		},
		CPU: 0.5, Memory: "1Gi", Tags: args.Tags,
	}, pulumi.Parent(d))
	if err != nil {
		return nil, err
	}
	d.JobName, d.Job = jobName.Name, MonitoredJob{Name: "database-users", ID: jobName.ID}
	if args.Stack != "" && args.Subscription != "" {
		// At deploy, too: a deployment script starts an execution and waits
		// for it, whenever the statements change, so the apps' users exist
		// once pulumi up ends (the schedule stays: a lost run is made up
		// within the hour).
		region := Region{Name: args.Region, ResourceGroup: args.ResourceGroup}
		run, err := NewJobRun(ctx, name+"-run", JobRunArgs{
			Region: region, Stack: args.Stack, Subscription: args.Subscription, Job: jobName,
			Tag: d.Script.ApplyT(func(sql string) string { return shortHash(sql) }).(pulumi.StringOutput), TimeoutSeconds: 900 * 3, Tags: args.Tags,
		}, pulumi.Parent(d))
		if err != nil {
			return nil, err
		}
		d.Run = run
	}
	return d, ctx.RegisterResourceOutputs(d, pulumi.Map{"jobName": d.JobName, "script": d.Script})
}

// UsersScriptOutput is UsersScript once the client ids are known.
func UsersScriptOutput(users []DatabaseUser) pulumi.StringOutput {
	var ids []any
	for _, u := range users {
		ids = append(ids, u.ClientID)
	}
	return pulumi.All(ids...).ApplyT(func(v []any) string {
		clientIDs := make([]string, len(v))
		for i := range v {
			clientIDs[i], _ = v[i].(string)
		}
		return UsersScript(users, clientIDs)
	}).(pulumi.StringOutput)
}

// UsersScript is the idempotent T-SQL that makes each user (from its
// client id: SID = the id as a uniqueidentifier's bytes, TYPE = E for an
// application) and gives it read and write on the database. A user of the
// name whose SID is another's (its identity was replaced: a new client id
// under the same name) is dropped and made again, or the app could never
// sign in while the job kept succeeding.
func UsersScript(users []DatabaseUser, clientIDs []string) string {
	// EXEC concatenates literals and variables only, so the SID goes
	// through one.
	var b strings.Builder
	b.WriteString("DECLARE @sid nvarchar(64);")
	for i, u := range users {
		fmt.Fprintf(&b, " SET @sid = CONVERT(nvarchar(64), CAST(CAST(N'%s' AS uniqueidentifier) AS varbinary(16)), 1);", clientIDs[i])
		fmt.Fprintf(&b, " IF EXISTS (SELECT 1 FROM sys.database_principals WHERE name = N'%s' AND sid <> CAST(CAST(N'%s' AS uniqueidentifier) AS varbinary(16))) EXEC(N'DROP USER [%s]');", u.Name, clientIDs[i], u.Name)
		fmt.Fprintf(&b, " IF DATABASE_PRINCIPAL_ID(N'%s') IS NULL EXEC(N'CREATE USER [%s] WITH SID = ' + @sid + N', TYPE = E');", u.Name, u.Name)
		fmt.Fprintf(&b, " ALTER ROLE db_datareader ADD MEMBER [%s]; ALTER ROLE db_datawriter ADD MEMBER [%s];", u.Name, u.Name)
		if u.Schema {
			fmt.Fprintf(&b, " ALTER ROLE db_ddladmin ADD MEMBER [%s];", u.Name)
		}
	}
	return b.String()
}
