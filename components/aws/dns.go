package aws

import (
	"fmt"
	"slices"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/route53"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mobile-backend/mobile-backend/internal/failover"

	"github.com/mobile-backend/mobile-backend/components"
)

// HostedZoneArgs says which Route 53 zone holds the stack's names.
type HostedZoneArgs struct {
	Name    string // required: the zone name, e.g. example.com
	Create  bool   // create the zone instead of looking it up
	Protect bool   // protect a created zone (its records are other teams' too)
	ID      string // the zone's id when known: no lookup (a Route 53 control-plane call)
}

// HostedZone looks up the public hosted zone by name, or creates it when
// asked, and returns its id. Route 53 is global: pass the global provider.
func HostedZone(ctx *pulumi.Context, name string, args HostedZoneArgs, provider *aws.Provider) (pulumi.StringOutput, error) {
	if args.Create {
		z, err := route53.NewZone(ctx, name, &route53.ZoneArgs{
			Name:    pulumi.String(args.Name),
			Comment: pulumi.String("Managed by Pulumi: mobile-backend"),
		}, pulumi.Provider(provider), pulumi.Protect(args.Protect))
		if err != nil {
			return pulumi.StringOutput{}, fmt.Errorf("hosted zone %s: %w", args.Name, err)
		}
		return z.ZoneId, nil
	}
	if args.ID != "" {
		return pulumi.String(args.ID).ToStringOutput(), nil
	}
	z, err := route53.LookupZone(ctx, &route53.LookupZoneArgs{
		Name:        pulumi.StringRef(args.Name),
		PrivateZone: pulumi.BoolRef(false),
	}, pulumi.Provider(provider))
	if err != nil {
		return pulumi.StringOutput{}, fmt.Errorf("hosted zone %s (set Create to create it): %w", args.Name, err)
	}
	return pulumi.String(z.ZoneId).ToStringOutput(), nil
}

// Endpoint is one region's public entry point as DNS sees it.
type Endpoint struct {
	Region  string
	Role    components.Role
	DNSName pulumi.StringInput // the load balancer's DNS name
	ZoneID  pulumi.StringInput // the load balancer's canonical hosted zone
	// Unrouted: the region keeps its health check and hostname but gets no
	// API record (a region whose control plane is down, regionsDown).
	Unrouted bool
}

// LatencyDNS is the stack's global routing on Route 53: a health check per
// region, a routing check over it (the fence), and the API hostname's
// records. Active-active answers with the
// lowest-latency healthy region; active-passive answers with the primary
// while it is healthy and with the first standby when it is not. Every
// region also gets its own hostname (<region>.<domain>) for canaries.
type LatencyDNS struct {
	pulumi.ResourceState

	// HealthCheckIDs maps each region to its Route 53 health check.
	HealthCheckIDs pulumi.StringMapOutput `pulumi:"healthCheckIds"`
	// RoutingCheckIDs maps each region to the calculated check its API
	// record uses: healthy while its health check is, and never once the
	// failover watch fences the region (failover.FenceThreshold).
	RoutingCheckIDs pulumi.StringMapOutput `pulumi:"routingCheckIds"`
	// Hostnames maps each region to its own hostname.
	Hostnames pulumi.StringMapOutput `pulumi:"hostnames"`
}

// LatencyDNSArgs configures LatencyDNS.
type LatencyDNSArgs struct {
	Domain    string              // required: the API hostname
	ZoneID    pulumi.StringInput  // required
	Topology  components.Topology // required
	Endpoints []Endpoint          // required, in stack order: the first is the primary
	// HealthCheck is probed over HTTPS on each load balancer; zero values mean
	// the mobile-backend defaults.
	HealthCheck components.HealthCheck
}

// NewLatencyDNS builds the routing. Pass the global provider in opts.
func NewLatencyDNS(ctx *pulumi.Context, name string, args LatencyDNSArgs, opts ...pulumi.ResourceOption) (*LatencyDNS, error) {
	if args.Domain == "" || args.ZoneID == nil || len(args.Endpoints) < 2 || !slices.ContainsFunc(args.Endpoints, func(e Endpoint) bool { return !e.Unrouted }) {
		return nil, fmt.Errorf("dns %s: Domain, ZoneID and at least two Endpoints (one routed) are required", name)
	}
	if args.Topology != components.ActiveActive && args.Topology != components.ActivePassive {
		return nil, fmt.Errorf("dns %s: unknown topology %q", name, args.Topology)
	}
	d := &LatencyDNS{}
	if err := ctx.RegisterComponentResource("mobile-backend:aws:LatencyDNS", name, d, opts...); err != nil {
		return nil, err
	}
	args.HealthCheck = args.HealthCheck.WithDefaults()
	child := pulumi.Parent(d)

	// Failover routing: the writer's region (Role Primary) is PRIMARY, its
	// successor SECONDARY; both follow a moved writer.
	var names []string
	var roles []components.Role
	for _, ep := range args.Endpoints {
		if !ep.Unrouted {
			names, roles = append(names, ep.Region), append(roles, ep.Role)
		}
	}
	secondary := components.Successor(names, roles)
	checks, routing := pulumi.StringMap{}, pulumi.StringMap{}
	hosts := pulumi.StringMap{}
	for _, ep := range args.Endpoints {
		hc, err := route53.NewHealthCheck(ctx, fmt.Sprintf("%s-%s", name, ep.Region), &route53.HealthCheckArgs{
			Type:             pulumi.String("HTTPS"),
			Fqdn:             ep.DNSName,
			Port:             pulumi.Int(443),
			ResourcePath:     pulumi.String(args.HealthCheck.Path),
			RequestInterval:  pulumi.Int(args.HealthCheck.IntervalSeconds),
			FailureThreshold: pulumi.Int(args.HealthCheck.FailureThreshold),
			MeasureLatency:   pulumi.Bool(true),
			EnableSni:        pulumi.Bool(true),
			ReferenceName:    pulumi.String(fit(ep.Region, 27)), // the provider's limit
			Tags:             nameTag(fmt.Sprintf("%s-%s", name, ep.Region)),
		}, child)
		if err != nil {
			return nil, fmt.Errorf("health check %s: %w", ep.Region, err)
		}
		checks[ep.Region] = hc.ID()
		// The fence: a calculated check over the region's own, healthy
		// while one child is; the failover watch raises its threshold above
		// its one child to fence the old writer, and no pulumi up lowers it
		// (a person does, at failback).
		route, err := route53.NewHealthCheck(ctx, fmt.Sprintf("%s-%s-route", name, ep.Region), &route53.HealthCheckArgs{
			Type:                 pulumi.String("CALCULATED"),
			ChildHealthchecks:    pulumi.StringArray{hc.ID()},
			ChildHealthThreshold: pulumi.Int(failover.RouteThreshold),
			ReferenceName:        pulumi.String(fit(ep.Region+"-route", 27)),
			Tags:                 nameTag(fmt.Sprintf("%s-%s-route", name, ep.Region)),
		}, child, pulumi.IgnoreChanges([]string{"childHealthThreshold"}))
		if err != nil {
			return nil, fmt.Errorf("routing check %s: %w", ep.Region, err)
		}
		routing[ep.Region] = route.ID()

		rec := &route53.RecordArgs{
			ZoneId:        args.ZoneID,
			Name:          pulumi.String(args.Domain),
			Type:          pulumi.String("A"),
			SetIdentifier: pulumi.String(ep.Region),
			HealthCheckId: route.ID(),
			Aliases: route53.RecordAliasArray{&route53.RecordAliasArgs{
				Name:                 ep.DNSName,
				ZoneId:               ep.ZoneID,
				EvaluateTargetHealth: pulumi.Bool(true),
			}},
		}
		switch {
		case args.Topology == components.ActiveActive:
			rec.LatencyRoutingPolicies = route53.RecordLatencyRoutingPolicyArray{
				&route53.RecordLatencyRoutingPolicyArgs{Region: pulumi.String(ep.Region)},
			}
		case ep.Role == components.Primary:
			rec.FailoverRoutingPolicies = route53.RecordFailoverRoutingPolicyArray{
				&route53.RecordFailoverRoutingPolicyArgs{Type: pulumi.String("PRIMARY")},
			}
		case ep.Region == secondary:
			rec.FailoverRoutingPolicies = route53.RecordFailoverRoutingPolicyArray{
				&route53.RecordFailoverRoutingPolicyArgs{Type: pulumi.String("SECONDARY")},
			}
		default:
			// Failover routing has one secondary: further standbys serve only
			// their own hostname until an operator promotes one.
			rec = nil
		}
		if rec != nil && !ep.Unrouted {
			if _, err := route53.NewRecord(ctx, fmt.Sprintf("%s-%s-api", name, ep.Region), rec, child); err != nil {
				return nil, fmt.Errorf("api record %s: %w", ep.Region, err)
			}
		}

		host := RegionalHostname(ep.Region, args.Domain)
		if _, err := route53.NewRecord(ctx, fmt.Sprintf("%s-%s-host", name, ep.Region), &route53.RecordArgs{
			ZoneId: args.ZoneID,
			Name:   pulumi.String(host),
			Type:   pulumi.String("A"),
			Aliases: route53.RecordAliasArray{&route53.RecordAliasArgs{
				Name:                 ep.DNSName,
				ZoneId:               ep.ZoneID,
				EvaluateTargetHealth: pulumi.Bool(false),
			}},
		}, child); err != nil {
			return nil, fmt.Errorf("regional record %s: %w", ep.Region, err)
		}
		hosts[ep.Region] = pulumi.String(host)
	}
	d.HealthCheckIDs, d.RoutingCheckIDs = checks.ToStringMapOutput(), routing.ToStringMapOutput()
	d.Hostnames = hosts.ToStringMapOutput()
	return d, ctx.RegisterResourceOutputs(d, pulumi.Map{"healthCheckIds": d.HealthCheckIDs, "routingCheckIds": d.RoutingCheckIDs, "hostnames": d.Hostnames})
}
