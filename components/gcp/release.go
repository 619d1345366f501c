package gcp

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/cloudrunv2"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/projects"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/serviceaccount"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mobile-backend/mobile-backend/components"
	"github.com/mobile-backend/mobile-backend/internal/deps"
	"github.com/mobile-backend/mobile-backend/internal/release"
)

// ReleaseGateImage runs the gate's Python (standard library only): the
// failover job's image.
const ReleaseGateImage = FailoverImage

// ReleaseSettleSeconds is how long a gate waits for the new revision to
// serve all traffic before it fails (the service's update already waited
// for the revision to be ready).
const ReleaseSettleSeconds = 300

// ReleaseArgs is how a stamp takes part in a release in waves.
type ReleaseArgs struct {
	// After are the previous wave's gates: the region's service takes a new
	// revision only once they passed. None for the first wave.
	After []pulumi.Resource
	// BakeSeconds is how long the new revision must stay healthy.
	BakeSeconds int
	// Alarms holds the thresholds the gate measures the revision against
	// (ErrorRatePercent, LatencyP99Ms); zero fields take the defaults.
	Alarms components.Alarms
}

// ReleaseGateArgs configures a ReleaseGate.
type ReleaseGateArgs struct {
	Project string           // required
	Region  string           // required: the service's region (the provider in opts)
	Compute *RegionalCompute // required: the service it gates
	Release ReleaseArgs
}

// ReleaseGate is one region's release health gate: a Cloud Run job
// (internal/release's gate.py) that the deployment runs once the region's
// service has a new revision, and waits for (runExecutionToken: "The Job
// will become ready when the execution is successfully completed"; the
// token is a digest of the service's template, so every new revision runs
// it again). Cloud Run moves traffic to a revision only once it is ready,
// and a revision that never is fails the service's update (the provider
// returns the operation's error), before the gate. The gate then measures
// the new revision in Cloud Monitoring (its 5xx share and p99 latency)
// for the bake, moves traffic back to the previous ready revision if
// either crosses its threshold, and fails. The next wave's services wait
// for Job.
type ReleaseGate struct {
	pulumi.ResourceState

	JobName pulumi.StringOutput `pulumi:"jobName"`
	// Job is what the next wave waits for.
	Job *cloudrunv2.Job
}

// NewReleaseGate builds the gate. Pass the region's provider in opts.
func NewReleaseGate(ctx *pulumi.Context, name string, args ReleaseGateArgs, opts ...pulumi.ResourceOption) (*ReleaseGate, error) {
	if args.Project == "" || args.Region == "" || args.Compute == nil {
		return nil, fmt.Errorf("release gate %s: Project, Region and Compute are required", name)
	}
	g := &ReleaseGate{}
	if err := ctx.RegisterComponentResource("mobile-backend:gcp:ReleaseGate", name, g, opts...); err != nil {
		return nil, err
	}
	child := pulumi.Parent(g)
	c := args.Compute
	t := args.Release.Alarms.WithDefaults()

	runner, err := serviceaccount.NewAccount(ctx, name, &serviceaccount.AccountArgs{
		AccountId: pulumi.String(resourceName(name, 30)), DisplayName: pulumi.String("mobile-backend release gate " + args.Region),
	}, child)
	if err != nil {
		return nil, err
	}
	member := pulumi.Sprintf("serviceAccount:%s", runner.Email)
	// Read the service and its revisions, move its traffic: on this one
	// service (roles/run.developer would also delete it).
	role, err := projects.NewIAMCustomRole(ctx, name, &projects.IAMCustomRoleArgs{
		RoleId:      pulumi.String(strings.ReplaceAll(resourceName(name, 64), "-", "_")),
		Title:       pulumi.String("mobile-backend release gate: read a service's revisions, move its traffic back"),
		Permissions: pulumi.ToStringArray([]string{"run.services.get", "run.services.update", "run.revisions.get", "run.revisions.list", "run.operations.get"}),
		Stage:       pulumi.String("GA"),
	}, child)
	if err != nil {
		return nil, err
	}
	onService, err := cloudrunv2.NewServiceIamMember(ctx, name+"-on-service", &cloudrunv2.ServiceIamMemberArgs{
		Project: pulumi.String(args.Project), Location: pulumi.String(args.Region), Name: c.ServiceName, Role: role.Name, Member: member,
	}, child)
	if err != nil {
		return nil, err
	}
	// Updating a service acts as its service account ("Cloud Run IAM
	// roles": iam.serviceAccounts.actAs on the runtime identity).
	actAs, err := serviceaccount.NewIAMMember(ctx, name+"-acts-as-app", &serviceaccount.IAMMemberArgs{
		ServiceAccountId: pulumi.Sprintf("projects/%s/serviceAccounts/%s", args.Project, c.ServiceAccountEmail),
		Role:             pulumi.String("roles/iam.serviceAccountUser"), Member: member,
	}, child)
	if err != nil {
		return nil, err
	}
	// The revision's request metrics (projects.timeSeries.list: no finer
	// scope than the project).
	viewer, err := projects.NewIAMMember(ctx, name+"-monitoring-viewer", &projects.IAMMemberArgs{
		Project: pulumi.String(args.Project), Role: pulumi.String("roles/monitoring.viewer"), Member: member,
	}, child)
	if err != nil {
		return nil, err
	}
	env := func(k string, v pulumi.StringInput) cloudrunv2.JobTemplateTemplateContainerEnvInput {
		return &cloudrunv2.JobTemplateTemplateContainerEnvArgs{Name: pulumi.String(k), Value: v}
	}
	bake := args.Release.BakeSeconds
	job, err := cloudrunv2.NewJob(ctx, name, &cloudrunv2.JobArgs{
		Name:        pulumi.String(resourceName(name, 40)),
		Location:    pulumi.String(args.Region),
		LaunchStage: pulumi.String("GA"),
		// Job name and token together under 63 characters (the
		// provider's runExecutionToken).
		RunExecutionToken: c.TemplateDigest.ApplyT(func(d string) string { return release.Tag(d, bake) }).(pulumi.StringOutput),
		Template: &cloudrunv2.JobTemplateArgs{
			TaskCount: pulumi.Int(1), Parallelism: pulumi.Int(1),
			Template: &cloudrunv2.JobTemplateTemplateArgs{
				ServiceAccount: runner.Email,
				// The settle, the bake, and the wait for its grants to
				// propagate (gate.py's RETRY_SECONDS).
				Timeout: pulumi.Sprintf("%ds", bake+ReleaseSettleSeconds+600+120),
				// A failed gate fails the release: no retry bakes again.
				MaxRetries: pulumi.Int(0),
				Containers: cloudrunv2.JobTemplateTemplateContainerArray{&cloudrunv2.JobTemplateTemplateContainerArgs{
					Name: pulumi.String("release-gate"), Image: pulumi.String(ReleaseGateImage),
					Commands: pulumi.StringArray{pulumi.String("python3")}, Args: pulumi.StringArray{pulumi.String("-c"), pulumi.String(release.Gate)},
					Envs: cloudrunv2.JobTemplateTemplateContainerEnvArray{
						env("CLOUD", pulumi.String("gcp")),
						env("REGION", pulumi.String(args.Region)),
						env("PROJECT", pulumi.String(args.Project)),
						env("SERVICE", c.ServiceName),
						env("MAX_5XX_PERCENT", pulumi.String(fmt.Sprint(t.ErrorRatePercent))),
						env("MAX_P99_MS", pulumi.String(fmt.Sprint(t.LatencyP99Ms))),
						env("BAKE_SECONDS", pulumi.String(fmt.Sprint(bake))),
						env("SETTLE_SECONDS", pulumi.String(fmt.Sprint(ReleaseSettleSeconds))),
					},
					Resources: &cloudrunv2.JobTemplateTemplateContainerResourcesArgs{
						Limits: pulumi.StringMap{"cpu": pulumi.String("1"), "memory": pulumi.String("512Mi")},
					},
				}},
			},
		},
	}, child, pulumi.DependsOn(append([]pulumi.Resource{onService, actAs, viewer, c.Service}, deps.Of(c.Workers)...)),
		// The provider waits 20 minutes by default; the execution may take
		// up to its task timeout (27 minutes with the longest bake).
		pulumi.Timeouts(&pulumi.CustomTimeouts{Create: "40m", Update: "40m"}))
	if err != nil {
		return nil, err
	}
	g.JobName, g.Job = job.Name, job
	return g, ctx.RegisterResourceOutputs(g, pulumi.Map{"jobName": g.JobName})
}

// templateDigest is a digest of what a revision runs (release.Digest).
func templateDigest(t cloudrunv2.ServiceTemplate) (string, error) { return release.Digest(t) }
