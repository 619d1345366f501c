package gcp

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/logging"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// CentralLogsArgs configures CentralLogs.
type CentralLogsArgs struct {
	Stack         string   // required: the services' name prefix
	Regions       []string // required: the services are <stack>-<region>-…
	Project       string   // required
	Location      string   // required: where the log bucket keeps the logs (the primary region)
	RetentionDays int      // required
	Protect       bool
}

// CentralLogs collects every region's logs of the stack in one log bucket:
// the Cloud Run services' request and application logs and the load
// balancer's request logs (with Cloud Armor's decisions), kept
// RetentionDays. Cloud Run's traces go to Cloud Trace through each service
// account's cloudtrace.agent role (RuntimeRoles).
type CentralLogs struct {
	pulumi.ResourceState

	BucketName pulumi.StringOutput `pulumi:"bucketName"`
}

// NewCentralLogs builds the bucket and the sink. Pass the primary region's provider in opts.
func NewCentralLogs(ctx *pulumi.Context, name string, args CentralLogsArgs, opts ...pulumi.ResourceOption) (*CentralLogs, error) {
	if args.Stack == "" || len(args.Regions) == 0 || args.Project == "" || args.Location == "" || args.RetentionDays <= 0 {
		return nil, fmt.Errorf("logs %s: Stack, Regions, Project, Location and RetentionDays are required", name)
	}
	c := &CentralLogs{}
	if err := ctx.RegisterComponentResource("mobile-backend:gcp:CentralLogs", name, c, opts...); err != nil {
		return nil, err
	}
	child := pulumi.Parent(c)
	bucketID := resourceName(args.Stack+"-logs", 100)
	bucket, err := logging.NewProjectBucketConfig(ctx, name, &logging.ProjectBucketConfigArgs{
		Project: pulumi.String(args.Project), Location: pulumi.String(args.Location), BucketId: pulumi.String(bucketID),
		RetentionDays: pulumi.Int(args.RetentionDays),
		Description:   pulumi.String("Logs of every region of " + args.Stack),
	}, child, pulumi.Protect(args.Protect))
	if err != nil {
		return nil, err
	}
	// Anchored on the stack's regions and load balancer, so that the logs
	// of a stack whose name extends this one's (prod, prod-eu) stay out.
	filter := fmt.Sprintf(`(resource.type="cloud_run_revision" AND resource.labels.service_name=~"^%s-(%s)-") OR `+
		`(resource.type="http_load_balancer" AND resource.labels.forwarding_rule_name=~"^%s-lb-")`, args.Stack, strings.Join(args.Regions, "|"), args.Stack)
	sink, err := logging.NewProjectSink(ctx, name, &logging.ProjectSinkArgs{
		Name:                 pulumi.String(resourceName(args.Stack+"-central-logs", 100)),
		Project:              pulumi.String(args.Project),
		Destination:          pulumi.String(fmt.Sprintf("logging.googleapis.com/projects/%s/locations/%s/buckets/%s", args.Project, args.Location, bucketID)),
		Filter:               pulumi.String(filter),
		UniqueWriterIdentity: pulumi.Bool(true),
	}, child, pulumi.DependsOn([]pulumi.Resource{bucket}))
	if err != nil {
		return nil, err
	}
	// The same logs stay out of the _Default sink, whose bucket is the
	// project's _Default, in the "global" location unless the organization
	// set another: the requests rest in Location only (a project exclusion
	// is the _Default sink's, at most 10 a project; Cloud Logging API,
	// projects.exclusions). After the sink, so no entry goes unkept.
	if _, err := logging.NewProjectExclusion(ctx, name, &logging.ProjectExclusionArgs{
		Name:        pulumi.String(resourceName(args.Stack+"-central-logs", 100)),
		Project:     pulumi.String(args.Project),
		Description: pulumi.String("Kept in the " + bucketID + " bucket in " + args.Location + " instead"),
		Filter:      pulumi.String(filter),
	}, child, pulumi.DependsOn([]pulumi.Resource{sink})); err != nil {
		return nil, err
	}
	c.BucketName = pulumi.String(bucketID).ToStringOutput()
	return c, ctx.RegisterResourceOutputs(c, pulumi.Map{"bucketName": c.BucketName})
}
