package aws

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/shield"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// ShieldedResource is one public entry point Shield Advanced protects.
type ShieldedResource struct {
	Name string             // required: names the protection ("us-east-1-alb", "edge")
	Arn  pulumi.StringInput // required: a load balancer or CloudFront distribution
	// HealthCheckArn, when set, is the Route 53 health check Shield uses for
	// health-based detection (it reacts faster, with fewer false positives,
	// when the application is visibly suffering).
	HealthCheckArn pulumi.StringInput
}

// DDoSProtectionArgs configures DDoSProtection.
type DDoSProtectionArgs struct {
	Stack     string             // required
	Resources []ShieldedResource // required
}

// DDoSProtection is AWS Shield Advanced over every public entry point: a
// protection per load balancer and distribution, health-based detection
// where a Route 53 health check exists, and one protection group so that
// Shield sees the stack's entry points together. The account's Shield
// Advanced subscription is a prerequisite this component does not create: it
// is a one-year commitment that a `pulumi destroy` could not end.
type DDoSProtection struct {
	pulumi.ResourceState
}

// NewDDoSProtection builds the protections. Pass the us-east-1 provider in
// opts: Shield Advanced is managed from there for every region.
func NewDDoSProtection(ctx *pulumi.Context, name string, args DDoSProtectionArgs, opts ...pulumi.ResourceOption) (*DDoSProtection, error) {
	if args.Stack == "" || len(args.Resources) == 0 {
		return nil, fmt.Errorf("ddos %s: Stack and Resources are required", name)
	}
	d := &DDoSProtection{}
	if err := ctx.RegisterComponentResource("mobile-backend:aws:DDoSProtection", name, d, opts...); err != nil {
		return nil, err
	}
	child := pulumi.Parent(d)
	var members pulumi.StringArray
	var protections []pulumi.Resource
	for _, r := range args.Resources {
		p, err := shield.NewProtection(ctx, name+"-"+r.Name, &shield.ProtectionArgs{
			Name:        pulumi.String(fit(args.Stack+"-"+r.Name, 128)),
			ResourceArn: r.Arn,
		}, child)
		if err != nil {
			return nil, err
		}
		members = append(members, r.Arn)
		protections = append(protections, p)
		if r.HealthCheckArn != nil {
			if _, err := shield.NewProtectionHealthCheckAssociation(ctx, name+"-"+r.Name, &shield.ProtectionHealthCheckAssociationArgs{
				ShieldProtectionId: p.ID(),
				HealthCheckArn:     r.HealthCheckArn,
			}, child); err != nil {
				return nil, err
			}
		}
	}
	if _, err := shield.NewProtectionGroup(ctx, name, &shield.ProtectionGroupArgs{
		ProtectionGroupId: pulumi.String(fit(args.Stack+"-entry-points", 36)),
		Aggregation:       pulumi.String("MAX"), // an attack on any one entry point is an attack on the stack
		Pattern:           pulumi.String("ARBITRARY"),
		Members:           members,
	}, child, pulumi.DependsOn(protections)); err != nil {
		return nil, err
	}
	return d, ctx.RegisterResourceOutputs(d, pulumi.Map{})
}
