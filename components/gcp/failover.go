package gcp

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/cloudrunv2"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/cloudscheduler"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/dns"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/monitoring"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/projects"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/serviceaccount"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/storage"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mobile-backend/mobile-backend/components"
	"github.com/mobile-backend/mobile-backend/internal/failover"
)

// FailoverImage runs the job's Python: Google's Cloud CLI image, slim and
// pinned (Debian with Python 3 and CA certificates, from gcr.io, which
// Cloud Run deploys from). The job does not run gcloud: it takes its token
// from the metadata server.
const FailoverImage = "gcr.io/google.com/cloudsdktool/google-cloud-cli:528.0.0-slim"

// ReleaseWindowObject is the object, in the uploads bucket, a deploy writes
// the end of a release to ({"until": RFC 3339}; .ci/release-window).
const ReleaseWindowObject = DeployPrefix + "release-window.json"

// FailoverArgs configures a Failover: a traffic switch (URLMapSelfLink and
// StandbyBackendSelfLink), a database promotion (Promote), or both.
type FailoverArgs struct {
	Project string // required
	// StandbyRegion runs the automation, away from the primary it replaces.
	StandbyRegion string
	// Network and Subnet are the standby region's: the job reaches the
	// databases' private addresses through them (Direct VPC egress).
	Network, Subnet pulumi.StringInput
	// WriterProbeURL and ProbeURL are the primary's and the standby's own
	// health URLs; PrimaryCheckID and StandbyCheckID their uptime checks.
	WriterProbeURL, ProbeURL       string
	PrimaryCheckID, StandbyCheckID pulumi.StringInput
	URLMapSelfLink                 pulumi.StringInput
	StandbyBackendSelfLink         pulumi.StringInput // the standby region's backend service
	// URLMapID is the URL map's id (projects/<p>/global/urlMaps/<name>, the
	// resource name IAM conditions see); required with URLMapSelfLink.
	URLMapID pulumi.StringInput
	Promote  *Promotion
	// ReleaseBucket holds ReleaseWindowObject, and the region directory
	// (components.DirectoryObject under the static prefix).
	ReleaseBucket pulumi.StringInput
	// Directory, when set, is the region directory as it reads once the
	// standby serves (the writer's region left out): the job writes it over
	// the deployed one (DirectoryObject, its name in ReleaseBucket), so apps
	// hear of the change within its cache lifetime.
	Directory       string
	DirectoryObject pulumi.StringInput
	// Notify are notification channels (e-mail) that hear what the job says.
	Notify pulumi.StringArrayInput
	// NextStep tells the operator what to do after a failover.
	NextStep string
}

// Promotion is the Cloud SQL part of a failover: the standby region's
// replica is promoted and the writer's record moved to it.
type Promotion struct {
	Instance      pulumi.StringInput // the replica to promote
	Address       pulumi.StringInput // its private address
	WriterAddress pulumi.StringInput // the primary's private address (its data path)
	// Writer is the primary instance's name: stopped once the replica is
	// promoted (the fence: no pooled connection writes to it again).
	Writer pulumi.StringInput
	// Readers are the reader records of every region but the promoted
	// one's: the job points them at the new writer.
	Readers pulumi.StringArrayInput
	Zone    pulumi.StringInput // the private zone holding the writer record
	Record  pulumi.StringInput // the writer record's name, with its dot (GlobalDatabase.WriterRecord)
	// LogDays and RetainedBackups are the backups the promoted replica gets
	// (GlobalDatabase's): a replica has none.
	LogDays, RetainedBackups int
}

// DefaultNextStep is what the failover notification asks of the operator
// when the program gives no runbook step of its own.
const DefaultNextStep = "Make the standby region the stack's writer region and run pulumi up."

// Failover is the automated loss-of-primary response. At the pinned SDK
// version neither Cloud DNS health checks (internal load balancers only) nor
// backend preferences reach a serverless backend, and Cloud SQL does not
// promote a cross-region replica by itself, so both are automated: a Cloud
// Run job in the standby region, started every minute by Cloud Scheduler,
// runs internal/failover's job (which the scenario table runs in Python).
// Only on evidence that the primary region is lost (its probes and the
// uptime checkers over a window, the standby serving, no release window,
// and for a promotion the primary instance silent on its data path) it
// points the URL map's default service at the standby's backend service
// (active-passive) and promotes the standby's Cloud SQL replica and moves
// the writer's record to it; every step checks first, so a run that stops
// half way is finished by the next. What it says reaches Notify through a
// log-match alert. Failback is a deliberate operator step (docs/gcp.md).
type Failover struct {
	pulumi.ResourceState

	JobName pulumi.StringOutput `pulumi:"jobName"`
}

// NewFailover builds the automation. Pass the standby region's provider in opts.
func NewFailover(ctx *pulumi.Context, name string, args FailoverArgs, opts ...pulumi.ResourceOption) (*Failover, error) {
	if args.Project == "" || args.StandbyRegion == "" || args.Network == nil || args.Subnet == nil || args.WriterProbeURL == "" || args.ProbeURL == "" ||
		args.PrimaryCheckID == nil || args.StandbyCheckID == nil || args.ReleaseBucket == nil {
		return nil, fmt.Errorf("failover %s: Project, StandbyRegion, Network, Subnet, both probe URLs, both uptime checks and ReleaseBucket are required", name)
	}
	if (args.URLMapSelfLink == nil) != (args.StandbyBackendSelfLink == nil) || (args.URLMapSelfLink == nil) != (args.URLMapID == nil) || args.URLMapSelfLink == nil && args.Promote == nil {
		return nil, fmt.Errorf("failover %s: a traffic switch (URLMapSelfLink, URLMapID and StandbyBackendSelfLink), a Promote, or both are required", name)
	}
	if p := args.Promote; p != nil && (p.Instance == nil || p.Address == nil || p.WriterAddress == nil || p.Writer == nil || p.Zone == nil || p.Record == nil) {
		return nil, fmt.Errorf("failover %s: Promote needs Instance, Address, WriterAddress, Writer, Zone and Record", name)
	}
	components.Default(&args.NextStep, DefaultNextStep)
	f := &Failover{}
	if err := ctx.RegisterComponentResource("mobile-backend:gcp:Failover", name, f, opts...); err != nil {
		return nil, err
	}
	child := pulumi.Parent(f)

	runner, err := serviceaccount.NewAccount(ctx, name+"-job", &serviceaccount.AccountArgs{
		AccountId: pulumi.String(resourceName(name+"-job", 30)), DisplayName: pulumi.String("mobile-backend failover job"),
	}, child)
	if err != nil {
		return nil, err
	}
	member := pulumi.Sprintf("serviceAccount:%s", runner.Email)
	// Reading the uptime checks' time series (projects.timeSeries.list).
	var grants []pulumi.Resource
	viewer, err := projects.NewIAMMember(ctx, name+"-job-monitoring.viewer", &projects.IAMMemberArgs{
		Project: pulumi.String(args.Project), Role: pulumi.String("roles/monitoring.viewer"), Member: member,
	}, child)
	if err != nil {
		return nil, err
	}
	grants = append(grants, viewer)
	// No predefined role holds only these (cloudsql.admin, dns.admin and
	// compute.loadBalancerAdmin hold far more): a custom role, its id of
	// letters, digits and _, carrying the standby's region so a moved
	// writer gets a role of its own.
	if perms := failoverPermissions(args); len(perms) > 0 {
		role, err := projects.NewIAMCustomRole(ctx, name+"-act", &projects.IAMCustomRoleArgs{
			RoleId:      pulumi.String(strings.ReplaceAll(resourceName(name+"-"+args.StandbyRegion+"-act", 64), "-", "_")),
			Title:       pulumi.String("mobile-backend failover: switch the URL map, promote the replica, move the writer record"),
			Permissions: pulumi.ToStringArray(perms),
			Stage:       pulumi.String("GA"),
		}, child)
		if err != nil {
			return nil, err
		}
		act, err := projects.NewIAMMember(ctx, name+"-job-act", &projects.IAMMemberArgs{
			Project: pulumi.String(args.Project), Role: role.Name, Member: member,
			Condition: &projects.IAMMemberConditionArgs{
				Title:       pulumi.String("this-stacks-url-map-and-replica"),
				Description: pulumi.String("the failover job acts on its own stack's URL map and Cloud SQL replica only"),
				Expression:  failoverCondition(args),
			},
		}, child)
		if err != nil {
			return nil, err
		}
		grants = append(grants, act)
	}
	// The writer record's zone, and no other: Cloud DNS takes IAM on a
	// managed zone (DnsManagedZoneIamMember), so the job cannot touch the
	// public zone's records (api.<domain>) though it is in the project.
	if p := args.Promote; p != nil {
		role, err := projects.NewIAMCustomRole(ctx, name+"-move", &projects.IAMCustomRoleArgs{
			RoleId:      pulumi.String(strings.ReplaceAll(resourceName(name+"-"+args.StandbyRegion+"-move", 64), "-", "_")),
			Title:       pulumi.String("mobile-backend failover: move the writer record"),
			Permissions: pulumi.ToStringArray(MoveRecordPermissions),
			Stage:       pulumi.String("GA"),
		}, child)
		if err != nil {
			return nil, err
		}
		move, err := dns.NewDnsManagedZoneIamMember(ctx, name+"-job-move", &dns.DnsManagedZoneIamMemberArgs{
			Project: pulumi.String(args.Project), ManagedZone: p.Zone, Role: role.Name, Member: member,
		}, child)
		if err != nil {
			return nil, err
		}
		grants = append(grants, move)
	}
	// The release window, and nothing else of the bucket: an IAM condition
	// on the object's name (the bucket has uniform bucket-level access,
	// which conditions need).
	release, err := storage.NewBucketIAMMember(ctx, name+"-job-reads-release-window", &storage.BucketIAMMemberArgs{
		Bucket: args.ReleaseBucket, Role: pulumi.String("roles/storage.objectViewer"), Member: member,
		Condition: &storage.BucketIAMMemberConditionArgs{
			Title:      pulumi.String("release-window-only"),
			Expression: pulumi.Sprintf(`resource.name == "projects/_/buckets/%s/objects/%s"`, args.ReleaseBucket, ReleaseWindowObject),
		},
	}, child)
	if err != nil {
		return nil, err
	}
	grants = append(grants, release)
	if args.Directory != "" && args.DirectoryObject == nil {
		return nil, fmt.Errorf("failover %s: Directory needs DirectoryObject, the published object's name", name)
	}
	if args.Directory != "" {
		// Overwriting an object needs create and delete (Cloud Storage IAM
		// permissions): objectUser, on the directory's name alone.
		publish, err := storage.NewBucketIAMMember(ctx, name+"-job-writes-directory", &storage.BucketIAMMemberArgs{
			Bucket: args.ReleaseBucket, Role: pulumi.String("roles/storage.objectUser"), Member: member,
			Condition: &storage.BucketIAMMemberConditionArgs{
				Title:      pulumi.String("region-directory-only"),
				Expression: pulumi.Sprintf(`resource.name == "projects/_/buckets/%s/objects/%s"`, args.ReleaseBucket, args.DirectoryObject),
			},
		}, child)
		if err != nil {
			return nil, err
		}
		grants = append(grants, publish)
	}

	none := pulumi.String("")
	urlMap, standby := pulumi.StringInput(none), pulumi.StringInput(none)
	if args.URLMapSelfLink != nil {
		urlMap, standby = args.URLMapSelfLink, args.StandbyBackendSelfLink
	}
	env := map[string]pulumi.StringInput{
		"CLOUD": pulumi.String("gcp"), "PROJECT": pulumi.String(args.Project),
		"WRITER_PROBE_URL": pulumi.String(args.WriterProbeURL), "SUCCESSOR_PROBE_URL": pulumi.String(args.ProbeURL),
		"WRITER_CHECK_ID": args.PrimaryCheckID, "SUCCESSOR_CHECK_ID": args.StandbyCheckID,
		"RELEASE_BUCKET": args.ReleaseBucket, "RELEASE_OBJECT": pulumi.String(ReleaseWindowObject),
		"URL_MAP": urlMap, "STANDBY_BACKEND": standby, "NEXT_STEP": pulumi.String(args.NextStep),
	}
	if args.Directory != "" {
		env["DIRECTORY"], env["DIRECTORY_OBJECT"] = pulumi.String(args.Directory), args.DirectoryObject
		env["DIRECTORY_CACHE_CONTROL"] = pulumi.String(components.DirectoryCacheControl)
	}
	if p := args.Promote; p != nil {
		env["REPLICA"], env["REPLICA_ADDRESS"], env["WRITER_ZONE"], env["WRITER_RECORD"] = p.Instance, p.Address, p.Zone, p.Record
		env["OLD_PRIMARY"] = p.Writer
		if p.Readers != nil {
			env["READER_RECORDS"] = p.Readers.ToStringArrayOutput().ApplyT(func(v []string) string { return strings.Join(v, ",") }).(pulumi.StringOutput)
		}
		env["WRITER_TTL"] = pulumi.String(fmt.Sprint(WriterTTL))
		env["BACKUP_LOG_DAYS"], env["BACKUP_RETAINED"] = pulumi.String(fmt.Sprint(p.LogDays)), pulumi.String(fmt.Sprint(p.RetainedBackups))
		env["WRITER_DB_ADDRESS"], env["LOCAL_DB_ADDRESS"] = pulumi.Sprintf("%s:5432", p.WriterAddress), pulumi.Sprintf("%s:5432", p.Address)
	}
	var envs cloudrunv2.JobTemplateTemplateContainerEnvArray
	for _, k := range slices.Sorted(maps.Keys(env)) {
		envs = append(envs, &cloudrunv2.JobTemplateTemplateContainerEnvArgs{Name: pulumi.String(k), Value: env[k]})
	}
	job, err := cloudrunv2.NewJob(ctx, name, &cloudrunv2.JobArgs{
		Name:        pulumi.String(resourceName(name, 63)),
		Location:    pulumi.String(args.StandbyRegion),
		LaunchStage: pulumi.String("GA"),
		Template: &cloudrunv2.JobTemplateArgs{
			TaskCount: pulumi.Int(1), Parallelism: pulumi.Int(1),
			Template: &cloudrunv2.JobTemplateTemplateArgs{
				ServiceAccount: runner.Email,
				// A run ends before the next starts; the next minute's run is the retry.
				Timeout:    pulumi.String(fmt.Sprintf("%ds", failover.JobRunTimeoutSeconds)),
				MaxRetries: pulumi.Int(0),
				Containers: cloudrunv2.JobTemplateTemplateContainerArray{&cloudrunv2.JobTemplateTemplateContainerArgs{
					Name: pulumi.String("failover"), Image: pulumi.String(FailoverImage),
					Commands: pulumi.StringArray{pulumi.String("python3")}, Args: pulumi.StringArray{pulumi.String("-c"), pulumi.String(failover.Job)},
					Envs: envs,
					Resources: &cloudrunv2.JobTemplateTemplateContainerResourcesArgs{
						Limits: pulumi.StringMap{"cpu": pulumi.String("1"), "memory": pulumi.String("512Mi")},
					},
				}},
				// Direct VPC egress: private ranges (the databases) through the
				// standby's subnet, Google's APIs and the probes directly.
				VpcAccess: jobEgress(args.Network, args.Subnet),
			},
		},
	}, child, pulumi.DependsOn(grants))
	if err != nil {
		return nil, err
	}

	// Cloud Scheduler starts an execution every minute (the Cloud Run
	// Admin API's jobs.run), as an account that may only run this job.
	starter, err := serviceaccount.NewAccount(ctx, name+"-start", &serviceaccount.AccountArgs{
		AccountId: pulumi.String(resourceName(name+"-start", 30)), DisplayName: pulumi.String("mobile-backend failover job starter"),
	}, child)
	if err != nil {
		return nil, err
	}
	// roles/run.invoker "can invoke Cloud Run services and execute Cloud
	// Run jobs" (Cloud Run IAM roles), here on the one job.
	invoker, err := cloudrunv2.NewJobIamMember(ctx, name+"-start-runs-job", &cloudrunv2.JobIamMemberArgs{
		Project: pulumi.String(args.Project), Location: job.Location, Name: job.Name,
		Role: pulumi.String("roles/run.invoker"), Member: pulumi.Sprintf("serviceAccount:%s", starter.Email),
	}, child)
	if err != nil {
		return nil, err
	}
	if _, err := cloudscheduler.NewJob(ctx, name, &cloudscheduler.JobArgs{
		Name:        pulumi.String(resourceName(name, 500)),
		Region:      pulumi.String(args.StandbyRegion),
		Description: pulumi.String("Run the failover job every minute"),
		Schedule:    pulumi.String("* * * * *"),
		TimeZone:    pulumi.String("Etc/UTC"),
		// jobs.run answers as soon as the execution is accepted.
		AttemptDeadline: pulumi.String("30s"),
		RetryConfig:     &cloudscheduler.JobRetryConfigArgs{RetryCount: pulumi.Int(0)},
		HttpTarget: &cloudscheduler.JobHttpTargetArgs{
			HttpMethod: pulumi.String("POST"),
			Uri:        pulumi.Sprintf("https://run.googleapis.com/v2/projects/%s/locations/%s/jobs/%s:run", args.Project, job.Location, job.Name),
			OauthToken: &cloudscheduler.JobHttpTargetOauthTokenArgs{ServiceAccountEmail: starter.Email, Scope: pulumi.String("https://www.googleapis.com/auth/cloud-platform")},
		},
	}, child, pulumi.DependsOn([]pulumi.Resource{invoker})); err != nil {
		return nil, err
	}

	// What the job says reaches people: its alerts and its notifications
	// before and after a failover (JSON lines on its console, which Cloud
	// Logging keeps as jsonPayload; a log-match condition needs a
	// notification rate limit). Each reason is its own rule ("each
	// combination of extracted values is treated as a separate rule",
	// AlertPolicy.Condition.LogMatch), so the notice after a promotion is
	// not swallowed by the rate limit of the one before it.
	if _, err := monitoring.NewAlertPolicy(ctx, name+"-said", &monitoring.AlertPolicyArgs{
		DisplayName: pulumi.String(name + ": the failover job speaks"),
		Combiner:    pulumi.String("OR"),
		Conditions: monitoring.AlertPolicyConditionArray{&monitoring.AlertPolicyConditionArgs{
			DisplayName: pulumi.String("the failover job alerted or announced a failover"),
			ConditionMatchedLog: &monitoring.AlertPolicyConditionConditionMatchedLogArgs{
				Filter:          pulumi.Sprintf(`resource.type="cloud_run_job" AND resource.labels.job_name="%s" AND jsonPayload.event=("alert" OR "notify")`, job.Name),
				LabelExtractors: pulumi.StringMap{"reason": pulumi.String("EXTRACT(jsonPayload.reason)")},
			},
		}},
		AlertStrategy: &monitoring.AlertPolicyAlertStrategyArgs{
			NotificationRateLimit: &monitoring.AlertPolicyAlertStrategyNotificationRateLimitArgs{Period: pulumi.String("300s")},
			AutoClose:             pulumi.String("1800s"),
		},
		NotificationChannels: args.Notify,
		Documentation: &monitoring.AlertPolicyDocumentationArgs{MimeType: pulumi.String("text/markdown"),
			Content: pulumi.String("The failover job in " + args.StandbyRegion + " raised an alert or announced a failover; its log entry says what it saw. After a failover: " + args.NextStep)},
	}, child); err != nil {
		return nil, err
	}
	// A job that no longer finishes a run (its schedule, its image, its
	// account, a crash) is heard too: Cloud Run counts the job's finished
	// executions by result (run.googleapis.com/job/completed_execution_count).
	// A metric-absence condition watches a series that has existed: it
	// covers a job that stops, not one that never once succeeded.
	if _, err := monitoring.NewAlertPolicy(ctx, name+"-silent", &monitoring.AlertPolicyArgs{
		DisplayName: pulumi.String(name + ": the failover job is silent"),
		Combiner:    pulumi.String("OR"),
		Conditions: monitoring.AlertPolicyConditionArray{&monitoring.AlertPolicyConditionArgs{
			DisplayName: pulumi.String(fmt.Sprintf("no run of the failover job succeeded for %d minutes", failover.SilentAfterSeconds/60)),
			ConditionAbsent: &monitoring.AlertPolicyConditionConditionAbsentArgs{
				Filter:   pulumi.Sprintf(`resource.type="cloud_run_job" AND resource.labels.job_name="%s" AND metric.type="run.googleapis.com/job/completed_execution_count" AND metric.labels.result="succeeded"`, job.Name),
				Duration: pulumi.Sprintf("%ds", failover.SilentAfterSeconds),
			},
		}},
		AlertStrategy:        &monitoring.AlertPolicyAlertStrategyArgs{AutoClose: pulumi.String("1800s")},
		NotificationChannels: args.Notify,
		Documentation: &monitoring.AlertPolicyDocumentationArgs{MimeType: pulumi.String("text/markdown"),
			Content: pulumi.String("The failover job in " + args.StandbyRegion + " has finished no run for a while: the loss of the writer region would go unanswered. Its executions and their logs say why (the schedule, the image, the account).")},
	}, child); err != nil {
		return nil, err
	}
	f.JobName = job.Name
	return f, ctx.RegisterResourceOutputs(f, pulumi.Map{"jobName": f.JobName})
}

// failoverPermissions are the job's project-wide rights on Compute Engine
// and Cloud SQL: read and patch the URL map (and use the standby's backend
// service in it), promote the replica (and read it and its operation) (the
// APIs' permissions per method). The record's are on its zone alone.
func failoverPermissions(args FailoverArgs) []string {
	var perms []string
	if args.URLMapSelfLink != nil {
		perms = append(perms, "compute.backendServices.use", "compute.globalOperations.get", "compute.urlMaps.get", "compute.urlMaps.update")
	}
	if args.Promote != nil {
		perms = append(perms, PromotePermissions...)
	}
	return perms
}

// failoverCondition narrows the project-wide custom role to the stack's
// own URL map and replica, so in a project several stacks share one
// stack's job cannot switch another's traffic or promote its replica. Each
// clause reads "not this type, or this resource" (IAM Conditions, "Resource
// attributes": the resource.name formats projects/P/global/urlMaps/NAME and
// projects/P/instances/NAME, and the != form for types a condition must not
// cut off): the operations the job polls and the backend service it uses
// carry other types and stay granted. A type string the service did not
// recognise would leave the grant wider; a wrong resource name would deny
// the failover, so the names come from the resources (the URL map's id,
// the replica's name).
func failoverCondition(args FailoverArgs) pulumi.StringOutput {
	var clauses pulumi.StringArray
	if args.URLMapID != nil {
		clauses = append(clauses, pulumi.Sprintf(`(resource.type != "compute.googleapis.com/UrlMap" || resource.name == "%s")`, args.URLMapID))
	}
	if p := args.Promote; p != nil {
		// The replica it promotes and the primary it stops (the fence).
		clauses = append(clauses, pulumi.Sprintf(`(resource.type != "sqladmin.googleapis.com/Instance" || resource.name == "projects/%s/instances/%s" || resource.name == "projects/%s/instances/%s")`,
			args.Project, p.Instance, args.Project, p.Writer))
	}
	return clauses.ToStringArrayOutput().ApplyT(func(v []string) string { return strings.Join(v, " && ") }).(pulumi.StringOutput)
}

// PromotePermissions are the job's rights on Cloud SQL: promote a replica
// (and read it while its operation runs), then give it a writer's backups
// and stop the old primary (instances.patch: cloudsql.instances.update) (Cloud SQL Admin API
// reference: permissions per method). On the project, as Cloud SQL takes IAM on the
// project only, narrowed to the replica by failoverCondition.
var PromotePermissions = []string{"cloudsql.instances.get", "cloudsql.instances.promoteReplica", "cloudsql.instances.update"}

// MoveRecordPermissions are the job's rights on the writer record's zone:
// patch the record and follow its change (Cloud DNS API reference:
// permissions per method), granted on that zone alone.
var MoveRecordPermissions = []string{
	"dns.changes.create", "dns.changes.get", "dns.managedZones.get", "dns.resourceRecordSets.get", "dns.resourceRecordSets.update",
}

// jobEgress is a Cloud Run job's Direct VPC egress: private ranges (the
// databases, the writer's private name) through the subnet, Google's APIs
// and public hosts directly.
func jobEgress(network, subnet pulumi.StringInput) *cloudrunv2.JobTemplateTemplateVpcAccessArgs {
	return &cloudrunv2.JobTemplateTemplateVpcAccessArgs{
		Egress: pulumi.String("PRIVATE_RANGES_ONLY"),
		NetworkInterfaces: cloudrunv2.JobTemplateTemplateVpcAccessNetworkInterfaceArray{
			&cloudrunv2.JobTemplateTemplateVpcAccessNetworkInterfaceArgs{Network: network, Subnetwork: subnet},
		},
	}
}
