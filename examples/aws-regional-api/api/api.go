// Package api is the example's program: one region's API on AWS built from
// two mobile-backend components, with none of the mobile-backend program's
// config. It lives in a package of its own so that a test can plan it.
package api

import (
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"

	"github.com/mobile-backend/mobile-backend/components"
	awsc "github.com/mobile-backend/mobile-backend/components/aws"
)

// Program deploys a network and the compute stamp (ECS Fargate behind an
// Application Load Balancer, TLS 1.2+) in one region. Config of its own:
// region (default eu-west-1), certificateArn (required: a validated ACM
// certificate of that region) and image (default: the components' placeholder).
func Program(ctx *pulumi.Context) error {
	cfg := config.New(ctx, "")
	region := cfg.Get("region")
	if region == "" {
		region = "eu-west-1"
	}
	certificate := cfg.Require("certificateArn")

	provider, err := aws.NewProvider(ctx, "aws-"+region, &aws.ProviderArgs{Region: pulumi.String(region)})
	if err != nil {
		return err
	}
	in := pulumi.Provider(provider)
	network, err := awsc.NewRegionalNetwork(ctx, "api", awsc.RegionalNetworkArgs{
		Region: region, CIDR: "10.20.0.0/16", SingleNATGateway: true,
	}, in)
	if err != nil {
		return err
	}
	compute, err := awsc.NewRegionalCompute(ctx, "api", awsc.RegionalComputeArgs{
		Region: region, Network: network, CertificateArn: pulumi.String(certificate),
		Workload:    components.Workload{Image: cfg.Get("image"), MinInstances: 2, MaxInstances: 4},
		HealthCheck: components.HealthCheck{Path: "/"},
	}, in)
	if err != nil {
		return err
	}
	ctx.Export("loadBalancer", compute.LoadBalancerDNSName)
	return nil
}
