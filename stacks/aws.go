package stacks

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	awsc "github.com/mobile-backend/mobile-backend/components/aws"
	"github.com/mobile-backend/mobile-backend/internal/spec"
)

// AWS deploys the mobile backend on AWS:
//
//	clients ─▶ Route 53 (latency or failover records, a health check per region)
//	        ─▶ per region: WAF ─▶ ALB (TLS 1.2+) ─▶ ECS Fargate service (autoscaled, private subnets)
//
// Global pieces (hosted zone, certificates' shared record, routing) are built
// once with the global provider; every region gets the same stamp with its
// own provider, differing only by role (the standby minimum in
// active-passive).
func AWS(ctx *pulumi.Context, s spec.Spec) (pulumi.Map, error) {
	tags := s.StandardTags()
	global, err := awsc.NewProvider(ctx, "aws-global", awsc.GlobalRegion, tags)
	if err != nil {
		return nil, err
	}
	providers := map[string]*aws.Provider{}
	for _, r := range s.Regions {
		regional := s.StandardTags()
		regional["region"] = r.Name
		if providers[r.Name], err = awsc.NewProvider(ctx, "aws-"+r.Name, r.Name, regional); err != nil {
			return nil, err
		}
	}

	zoneID, err := awsc.HostedZone(ctx, s.Stack+"-zone", awsc.HostedZoneArgs{
		Name: s.DNSZone, Create: s.CreateZone, Protect: s.Protect,
	}, global)
	if err != nil {
		return nil, err
	}
	certs, err := awsc.NewCertificates(ctx, s.Stack+"-tls", awsc.CertificatesArgs{
		Domain:    s.Domain,
		ZoneID:    zoneID,
		TTL:       s.DNSTTL,
		Regions:   s.RegionNames,
		Providers: providers,
	}, pulumi.Provider(global))
	if err != nil {
		return nil, err
	}

	var endpoints []awsc.Endpoint
	regions := pulumi.Map{}
	for _, r := range s.Regions {
		name := s.Stack + "-" + r.Name
		inRegion := pulumi.Provider(providers[r.Name])
		compute, err := awsc.NewRegionalCompute(ctx, name, awsc.RegionalComputeArgs{
			Region:             r.Name,
			CIDR:               r.CIDR,
			CertificateArn:     certs.Arn(r.Name),
			Image:              s.Image,
			ContainerPort:      s.ContainerPort,
			CPU:                s.CPU,
			Memory:             s.Memory,
			MinInstances:       s.MinInstancesFor(r),
			MaxInstances:       s.MaxInstances,
			CPUTargetPercent:   s.CPUTargetPercent,
			HealthCheck:        s.HealthCheck,
			LogRetentionDays:   s.LogRetentionDays,
			SingleNATGateway:   s.SingleNATGateway,
			DeletionProtection: s.Production(),
			StackName:          s.Stack,
			EnvironmentName:    s.Environment,
			Environment:        pulumi.StringMap{"ROLE": pulumi.String(r.Role)},
		}, inRegion)
		if err != nil {
			return nil, fmt.Errorf("region %s: %w", r.Name, err)
		}
		if _, err := awsc.NewWebFirewall(ctx, name, awsc.WebFirewallArgs{
			LoadBalancerArn:  compute.LoadBalancerArn,
			Mode:             s.WAF.Mode,
			RateLimit:        s.WAF.RateLimit,
			GeoBlock:         s.WAF.GeoBlock,
			LogRetentionDays: s.LogRetentionDays,
		}, inRegion); err != nil {
			return nil, fmt.Errorf("region %s: %w", r.Name, err)
		}
		endpoints = append(endpoints, awsc.Endpoint{
			Region: r.Name, Role: r.Role,
			DNSName: compute.LoadBalancerDNSName, ZoneID: compute.LoadBalancerZoneID,
		})
		regions[r.Name] = pulumi.Map{
			"role":         pulumi.String(r.Role),
			"endpoint":     pulumi.String("https://" + awsc.RegionalHostname(r.Name, s.Domain)),
			"loadBalancer": compute.LoadBalancerDNSName,
		}
	}

	if _, err := awsc.NewLatencyDNS(ctx, s.Stack+"-dns", awsc.LatencyDNSArgs{
		Domain:      s.Domain,
		ZoneID:      zoneID,
		Topology:    s.Topology,
		Endpoints:   endpoints,
		HealthCheck: s.HealthCheck,
	}, pulumi.Provider(global)); err != nil {
		return nil, err
	}

	return pulumi.Map{
		"globalEndpoint": pulumi.String("https://" + s.Domain),
		"regions":        regions,
		"topology":       pulumi.String(s.Topology),
	}, nil
}
