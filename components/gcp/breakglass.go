package gcp

import (
	"fmt"
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
	// Until closes the way in (an IAM condition on the member's grant);
	// zero: no expiry.
	Until time.Time
}

// BreakGlass is the operators' way in to the private database on Google
// Cloud: a Cloud Run job in the writer's region, the release's image
// running as the region's app identity in its network, that Member may
// execute with a command of its own (gcloud run jobs execute NAME
// --region REGION --command … --args …: roles/run.jobsExecutorWithOverrides
// on this job alone, until Until by an IAM condition on request.time).
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
	var condition *cloudrunv2.JobIamMemberConditionArgs
	if !args.Until.IsZero() {
		// IAM Conditions: "request.time < timestamp(...)" ends the grant.
		condition = &cloudrunv2.JobIamMemberConditionArgs{
			Title:       pulumi.String("break-glass-until-" + args.Until.UTC().Format("2006-01-02T15-04")),
			Description: pulumi.String("mobile-backend breakGlass.until"),
			Expression:  pulumi.String(fmt.Sprintf(`request.time < timestamp("%s")`, args.Until.UTC().Format(time.RFC3339))),
		}
	}
	if _, err := cloudrunv2.NewJobIamMember(ctx, name+"-member", &cloudrunv2.JobIamMemberArgs{
		Project: pulumi.String(args.Project), Location: pulumi.String(args.Region), Name: job.Name,
		Role: pulumi.String("roles/run.jobsExecutorWithOverrides"), Member: pulumi.String(args.Member), Condition: condition,
	}, child); err != nil {
		return nil, err
	}
	b.JobName = job.Name
	return b, ctx.RegisterResourceOutputs(b, pulumi.Map{"jobName": b.JobName})
}
