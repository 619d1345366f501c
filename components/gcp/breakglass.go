package gcp

import (
	"fmt"
	"strings"
	"time"

	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/cloudrunv2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mobile-backend/mobile-backend/components"
)

// BreakGlassArgs configures BreakGlass.
type BreakGlassArgs struct {
	Project string // required
	Region  string // required: the writer's region (the provider in opts)
	// ServiceAccountEmail is the region's app identity: the job reaches the
	// database with the app's rights, no more. Required.
	ServiceAccountEmail pulumi.StringInput
	Image               string // required: the release's image
	// Environment is what the app's container gets to reach the database.
	Environment pulumi.StringMap
	// Network and Subnet give the job the app's private egress (Cloud SQL);
	// nil with Spanner.
	Network, Subnet pulumi.StringInput
	// Member may run the job with a command of its own
	// (group:oncall@example.com). Required.
	Member string
	// Until is the key's expiry, which the policy enforces.
	Until time.Time
}

// BreakGlass is the operators' way in to the private database on Google
// Cloud: a Cloud Run job in the writer's region, the release's image
// running as the region's app identity in its network, that Member may
// execute with a command of its own (gcloud run jobs execute NAME
// --region REGION --command … --args …: roles/run.jobsExecutorWithOverrides
// and roles/run.viewer on this job alone).
// Every execution and its overrides are in Cloud Audit Logs; its output in
// Cloud Logging. Cloud Run has no interactive shell: the way in is one
// command per execution.
type BreakGlass struct {
	pulumi.ResourceState

	JobName pulumi.StringOutput `pulumi:"jobName"`
}

// NewBreakGlass builds it. Pass the region's provider in opts.
func NewBreakGlass(ctx *pulumi.Context, name string, args BreakGlassArgs, opts ...pulumi.ResourceOption) (*BreakGlass, error) {
	if args.Project == "" || args.Region == "" || args.ServiceAccountEmail == nil || args.Image == "" || args.Member == "" {
		return nil, fmt.Errorf("break glass %s: Project, Region, ServiceAccountEmail, Image and Member are required", name)
	}
	b := &BreakGlass{}
	if err := ctx.RegisterComponentResource("mobile-backend:gcp:BreakGlass", name, b, opts...); err != nil {
		return nil, err
	}
	child := pulumi.Parent(b)
	var envs cloudrunv2.JobTemplateTemplateContainerEnvArray
	for _, k := range components.SortedKeys(map[string]pulumi.StringInput(args.Environment)) {
		envs = append(envs, &cloudrunv2.JobTemplateTemplateContainerEnvArgs{Name: pulumi.String(k), Value: args.Environment[k]})
	}
	var egress *cloudrunv2.JobTemplateTemplateVpcAccessArgs
	if args.Network != nil && args.Subnet != nil {
		egress = jobEgress(args.Network, args.Subnet)
	}
	job, err := cloudrunv2.NewJob(ctx, name, &cloudrunv2.JobArgs{
		Name:        pulumi.String(resourceName(name, 40)),
		Location:    pulumi.String(args.Region),
		LaunchStage: pulumi.String("GA"),
		Template: &cloudrunv2.JobTemplateArgs{
			TaskCount: pulumi.Int(1), Parallelism: pulumi.Int(1),
			Template: &cloudrunv2.JobTemplateTemplateArgs{
				ServiceAccount: args.ServiceAccountEmail,
				Timeout:        pulumi.String("3600s"),
				MaxRetries:     pulumi.Int(0),
				Containers: cloudrunv2.JobTemplateTemplateContainerArray{&cloudrunv2.JobTemplateTemplateContainerArgs{
					Name: pulumi.String("break-glass"), Image: pulumi.String(args.Image),
					// Without a command of the operator's, it says how.
					Commands: pulumi.StringArray{pulumi.String("sh")},
					Args:     pulumi.StringArray{pulumi.String("-c"), pulumi.String("echo 'break glass: run it with a command of your own: gcloud run jobs execute <name> --region <region> --command … --args …' >&2; exit 2")},
					Envs:     envs,
					Resources: &cloudrunv2.JobTemplateTemplateContainerResourcesArgs{
						Limits: pulumi.StringMap{"cpu": pulumi.String("1"), "memory": pulumi.String("512Mi")},
					},
				}},
				VpcAccess: egress,
			},
		},
	}, child)
	if err != nil {
		return nil, err
	}
	// Execute with overrides, and follow the execution (the role alone
	// cannot read it). No IAM condition: conditional bindings on Cloud Run
	// jobs are not in Google's list of resources that take them; the key's
	// Until closes the way in at the policy (break-glass-bounded).
	for _, role := range []string{"roles/run.jobsExecutorWithOverrides", "roles/run.viewer"} {
		if _, err := cloudrunv2.NewJobIamMember(ctx, name+"-"+strings.TrimPrefix(role, "roles/run."), &cloudrunv2.JobIamMemberArgs{
			Project: pulumi.String(args.Project), Location: pulumi.String(args.Region), Name: job.Name,
			Role: pulumi.String(role), Member: pulumi.String(args.Member),
		}, child); err != nil {
			return nil, err
		}
	}
	b.JobName = job.Name
	return b, ctx.RegisterResourceOutputs(b, pulumi.Map{"jobName": b.JobName})
}
