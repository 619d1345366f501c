package gcp

import (
	"fmt"

	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/projects"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/serviceaccount"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// RuntimeRoles are the project roles every API service account gets: write
// its logs, metrics and traces. Access to data is granted on the data
// resources themselves.
var RuntimeRoles = []string{"roles/logging.logWriter", "roles/monitoring.metricWriter", "roles/cloudtrace.agent"}

// WorkloadIdentityArgs configures a WorkloadIdentity.
type WorkloadIdentityArgs struct {
	Region  string // required: names the account's purpose
	Project string // required: for the project IAM bindings
}

// WorkloadIdentity is the service account a region's API runs as, with
// RuntimeRoles. It exists before the service, so that the data tier can
// grant it access (and create its database user) before the service starts.
type WorkloadIdentity struct {
	pulumi.ResourceState

	Email pulumi.StringOutput `pulumi:"email"`
}

// NewWorkloadIdentity builds the account. Pass the region's provider in opts.
func NewWorkloadIdentity(ctx *pulumi.Context, name string, args WorkloadIdentityArgs, opts ...pulumi.ResourceOption) (*WorkloadIdentity, error) {
	if args.Region == "" || args.Project == "" {
		return nil, fmt.Errorf("identity %s: Region and Project are required", name)
	}
	w := &WorkloadIdentity{}
	if err := ctx.RegisterComponentResource("mobile-backend:gcp:WorkloadIdentity", name, w, opts...); err != nil {
		return nil, err
	}
	child := pulumi.Parent(w)
	sa, err := serviceaccount.NewAccount(ctx, name+"-api", &serviceaccount.AccountArgs{
		AccountId:   pulumi.String(resourceName(name+"-api", 30)),
		DisplayName: pulumi.Sprintf("mobile-backend API in %s", args.Region),
	}, child)
	if err != nil {
		return nil, fmt.Errorf("identity %s: %w", name, err)
	}
	member := pulumi.Sprintf("serviceAccount:%s", sa.Email)
	for _, role := range RuntimeRoles {
		if _, err := projects.NewIAMMember(ctx, fmt.Sprintf("%s-%s", name, role[len("roles/"):]), &projects.IAMMemberArgs{
			Project: pulumi.String(args.Project), Role: pulumi.String(role), Member: member,
		}, child); err != nil {
			return nil, err
		}
	}
	w.Email = sa.Email
	return w, ctx.RegisterResourceOutputs(w, pulumi.Map{"email": w.Email})
}
