package gcp

import (
	"fmt"

	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/cloudrunv2"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/cloudscheduler"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/monitoring"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/projects"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/serviceaccount"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mobile-backend/mobile-backend/components"
	"github.com/mobile-backend/mobile-backend/internal/release"
)

// SchedulesArgs configures Schedules.
type SchedulesArgs struct {
	Project string           // required
	Region  string           // required: the region of the provider in opts
	Compute *RegionalCompute // required: the region's API (its container, identity, network)
	// SQLInstance is the region's Cloud SQL instance: a schedule runs where
	// it is the primary. Nil with Spanner: the stack then places the
	// schedules in the writer's region only, and they run there.
	SQLInstance pulumi.StringInput
	Schedules   []components.Schedule // required
	// Channels are where a failed run alerts (Monitoring.Channels).
	Channels pulumi.StringArrayInput
}

// Schedules are the app's scheduled jobs in one region: for each, a Cloud
// Run job of the API's container running its command, and a Cloud
// Scheduler job that, at its time, runs a runner (internal/release's
// gate.py, run_if_writer) that runs the job only if the region's Cloud SQL
// instance is the primary: every region fires, one runs it, the writer's,
// wherever a promotion moved it, with no person and no pulumi up. With
// Spanner (no regional writer) the scheduler runs the job itself.
type Schedules struct {
	pulumi.ResourceState
}

// NewSchedules builds them. Pass the region's provider in opts.
func NewSchedules(ctx *pulumi.Context, name string, args SchedulesArgs, opts ...pulumi.ResourceOption) (*Schedules, error) {
	if args.Project == "" || args.Region == "" || args.Compute == nil || len(args.Schedules) == 0 {
		return nil, fmt.Errorf("schedules %s: Project, Region, Compute and Schedules are required", name)
	}
	s := &Schedules{}
	if err := ctx.RegisterComponentResource("mobile-backend:gcp:Schedules", name, s, opts...); err != nil {
		return nil, err
	}
	child := pulumi.Parent(s)
	account := func(suffix, display string) (*serviceaccount.Account, pulumi.StringOutput, error) {
		a, err := serviceaccount.NewAccount(ctx, name+suffix, &serviceaccount.AccountArgs{
			AccountId: pulumi.String(resourceName(name+suffix, 30)), DisplayName: pulumi.String(display),
		}, child)
		if err != nil {
			return nil, pulumi.StringOutput{}, err
		}
		return a, pulumi.Sprintf("serviceAccount:%s", a.Email), nil
	}
	starter, starterMember, err := account("-start", "mobile-backend schedules: start the runners")
	if err != nil {
		return nil, err
	}
	var runner *serviceaccount.Account
	var runnerMember pulumi.StringOutput
	var grants []pulumi.Resource
	if args.SQLInstance != nil {
		if runner, runnerMember, err = account("-run", "mobile-backend schedules: run a job beside the writer"); err != nil {
			return nil, err
		}
		// instances.get on this region's instance alone.
		viewer, err := projects.NewIAMMember(ctx, name+"-reads-instance", &projects.IAMMemberArgs{
			Project: pulumi.String(args.Project), Role: pulumi.String("roles/cloudsql.viewer"), Member: runnerMember,
			Condition: &projects.IAMMemberConditionArgs{
				Title:      pulumi.String("this-regions-instance"),
				Expression: pulumi.Sprintf(`resource.type == "sqladmin.googleapis.com/Instance" && resource.name == "projects/%s/instances/%s"`, args.Project, args.SQLInstance),
			},
		}, child)
		if err != nil {
			return nil, err
		}
		grants = append(grants, viewer)
	}
	for _, sc := range args.Schedules {
		base := name + "-" + sc.Name
		tpl := *args.Compute.job
		container := *(tpl.Containers.(cloudrunv2.JobTemplateTemplateContainerArray)[0].(*cloudrunv2.JobTemplateTemplateContainerArgs))
		container.Commands, container.Args = pulumi.StringArray{pulumi.String(sc.Command[0])}, pulumi.ToStringArray(sc.Command[1:])
		tpl.Containers = cloudrunv2.JobTemplateTemplateContainerArray{&container}
		tpl.MaxRetries, tpl.Timeout = pulumi.Int(1), pulumi.String("3600s")
		job, err := cloudrunv2.NewJob(ctx, base, &cloudrunv2.JobArgs{
			Name: pulumi.String(resourceName(base, 63)), Location: pulumi.String(args.Region), LaunchStage: pulumi.String("GA"),
			Template: &cloudrunv2.JobTemplateArgs{TaskCount: pulumi.Int(1), Parallelism: pulumi.Int(1), Template: &tpl},
		}, child, pulumi.DependsOn([]pulumi.Resource{args.Compute.Service}))
		if err != nil {
			return nil, err
		}
		target := job // what the scheduler runs: the runner, or with Spanner the job
		if runner != nil {
			runs, err := cloudrunv2.NewJobIamMember(ctx, base+"-runner-runs", &cloudrunv2.JobIamMemberArgs{
				Project: pulumi.String(args.Project), Location: pulumi.String(args.Region), Name: job.Name,
				Role: pulumi.String("roles/run.invoker"), Member: runnerMember,
			}, child)
			if err != nil {
				return nil, err
			}
			env := func(k string, v pulumi.StringInput) cloudrunv2.JobTemplateTemplateContainerEnvInput {
				return &cloudrunv2.JobTemplateTemplateContainerEnvArgs{Name: pulumi.String(k), Value: v}
			}
			if target, err = cloudrunv2.NewJob(ctx, base+"-run", &cloudrunv2.JobArgs{
				Name: pulumi.String(resourceName(base+"-run", 63)), Location: pulumi.String(args.Region), LaunchStage: pulumi.String("GA"),
				Template: &cloudrunv2.JobTemplateArgs{TaskCount: pulumi.Int(1), Parallelism: pulumi.Int(1), Template: &cloudrunv2.JobTemplateTemplateArgs{
					ServiceAccount: runner.Email, Timeout: pulumi.String("300s"), MaxRetries: pulumi.Int(1),
					Containers: cloudrunv2.JobTemplateTemplateContainerArray{&cloudrunv2.JobTemplateTemplateContainerArgs{
						Name: pulumi.String("runner"), Image: pulumi.String(ReleaseGateImage),
						Commands: pulumi.StringArray{pulumi.String("python3")}, Args: pulumi.StringArray{pulumi.String("-c"), pulumi.String(release.Gate)},
						Envs: cloudrunv2.JobTemplateTemplateContainerEnvArray{
							env("CLOUD", pulumi.String("gcp-schedule")), env("PROJECT", pulumi.String(args.Project)),
							env("REGION", pulumi.String(args.Region)), env("INSTANCE", args.SQLInstance),
							env("JOB", job.Name), env("SCHEDULE", pulumi.String(sc.Name)),
						},
					}},
				}},
			}, child, pulumi.DependsOn(append([]pulumi.Resource{runs}, grants...))); err != nil {
				return nil, err
			}
		}
		// A failed run of the job (or of its runner) alerts the on-call
		// channels: Cloud Run counts finished executions by result.
		names := pulumi.StringArray{job.Name}
		if target != job {
			names = append(names, target.Name)
		}
		for i, jobName := range names {
			suffix := []string{"-failed", "-run-failed"}[i]
			if _, err := monitoring.NewAlertPolicy(ctx, base+suffix, &monitoring.AlertPolicyArgs{
				DisplayName: pulumi.String(base + suffix),
				Combiner:    pulumi.String("OR"),
				Conditions: monitoring.AlertPolicyConditionArray{&monitoring.AlertPolicyConditionArgs{
					DisplayName: pulumi.Sprintf("schedule %s: a run of %s failed", sc.Name, jobName),
					ConditionThreshold: &monitoring.AlertPolicyConditionConditionThresholdArgs{
						Filter: pulumi.Sprintf(`metric.type="run.googleapis.com/job/completed_execution_count" AND resource.type="cloud_run_job" AND resource.label.job_name="%s" AND metric.label.result="failed"`, jobName),
						Aggregations: monitoring.AlertPolicyConditionConditionThresholdAggregationArray{&monitoring.AlertPolicyConditionConditionThresholdAggregationArgs{
							AlignmentPeriod: pulumi.String("300s"), PerSeriesAligner: pulumi.String("ALIGN_DELTA"), CrossSeriesReducer: pulumi.String("REDUCE_SUM"),
						}},
						Comparison: pulumi.String("COMPARISON_GT"), ThresholdValue: pulumi.Float64(0), Duration: pulumi.String("0s"),
					},
				}},
				NotificationChannels: args.Channels,
				Documentation:        &monitoring.AlertPolicyDocumentationArgs{Content: pulumi.String("A scheduled job failed: its executions' logs are in Cloud Logging."), MimeType: pulumi.String("text/markdown")},
			}, child); err != nil {
				return nil, err
			}
		}
		invoker, err := cloudrunv2.NewJobIamMember(ctx, base+"-starter-runs", &cloudrunv2.JobIamMemberArgs{
			Project: pulumi.String(args.Project), Location: pulumi.String(args.Region), Name: target.Name,
			Role: pulumi.String("roles/run.invoker"), Member: starterMember,
		}, child)
		if err != nil {
			return nil, err
		}
		if _, err := cloudscheduler.NewJob(ctx, base, &cloudscheduler.JobArgs{
			Name:            pulumi.String(resourceName(base, 500)),
			Region:          pulumi.String(args.Region),
			Description:     pulumi.String("mobile-backend schedule " + sc.Name + ": " + sc.Cron + " UTC"),
			Schedule:        pulumi.String(sc.Cron),
			TimeZone:        pulumi.String("Etc/UTC"),
			AttemptDeadline: pulumi.String("30s"), // jobs.run answers once the execution is accepted
			RetryConfig:     &cloudscheduler.JobRetryConfigArgs{RetryCount: pulumi.Int(2)},
			HttpTarget: &cloudscheduler.JobHttpTargetArgs{
				HttpMethod: pulumi.String("POST"),
				Uri:        pulumi.Sprintf("https://run.googleapis.com/v2/projects/%s/locations/%s/jobs/%s:run", args.Project, args.Region, target.Name),
				OauthToken: &cloudscheduler.JobHttpTargetOauthTokenArgs{ServiceAccountEmail: starter.Email, Scope: pulumi.String("https://www.googleapis.com/auth/cloud-platform")},
			},
		}, child, pulumi.DependsOn([]pulumi.Resource{invoker})); err != nil {
			return nil, err
		}
	}
	return s, ctx.RegisterResourceOutputs(s, pulumi.Map{})
}
