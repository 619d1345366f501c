package gcp

import (
	"fmt"

	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/compute"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mobile-backend/mobile-backend/components"
	"github.com/mobile-backend/mobile-backend/internal/names"
)

// LoadBalancerRegion is one region's backend.
type LoadBalancerRegion struct {
	Name            string
	Role            components.Role
	EndpointGroupID pulumi.StringInput // the region's serverless NEG
}

// LoadBalancerArgs configures a LoadBalancer.
type LoadBalancerArgs struct {
	Domain           string               // required: the API hostname
	Topology         components.Topology  // required
	Regions          []LoadBalancerRegion // required, in stack order
	SecurityPolicyID pulumi.StringInput   // required: the Cloud Armor policy on every backend service
	// StaticHostname and StaticBucketID route the edge cache's hostname to a
	// CDN-enabled backend bucket; empty for none.
	StaticHostname string
	StaticBucketID pulumi.StringInput
	// HealthCheck tunes outlier detection: serverless endpoint groups take no
	// active health checks, so a region is ejected after FailureThreshold
	// consecutive 5xx answers, evaluated every IntervalSeconds.
	HealthCheck components.HealthCheck
}

// LoadBalancer is the global external Application Load Balancer
// (EXTERNAL_MANAGED): one anycast IP, a Google-managed certificate for the
// API hostname, each regional hostname and the static hostname, TLS 1.2+, an
// HTTP-to-HTTPS redirect, request logging, and Cloud Armor on every backend
// service.
//
// Active-active: the API hostname's backend service holds every region's
// endpoint group, so each request goes to the nearest healthy region and
// outlier detection ejects a failing one. Active-passive: the API hostname is
// served by the primary's backend service only; Failover switches the URL
// map to the standby's when the primary fails. Each region's hostname always
// reaches that region.
type LoadBalancer struct {
	pulumi.ResourceState

	IPAddress pulumi.StringOutput `pulumi:"ipAddress"`
	URLMapID  pulumi.StringOutput `pulumi:"urlMapId"`
	// URLMapName is the URL map's name: monitoring watches every backend
	// service behind it, so a failover does not blind the alerts.
	URLMapName pulumi.StringOutput `pulumi:"urlMapName"`
	// URLMapSelfLink and BackendSelfLinks (per region) are what a failover
	// rewrites.
	URLMapSelfLink   pulumi.StringOutput    `pulumi:"urlMapSelfLink"`
	BackendSelfLinks pulumi.StringMapOutput `pulumi:"backendSelfLinks"`
	// BackendServiceNames maps each backend service to its name, "api" for
	// the API hostname's, for monitoring.
	BackendServiceNames pulumi.StringMapOutput `pulumi:"backendServiceNames"`
}

// NewLoadBalancer builds the load balancer. Pass the primary region's provider in opts.
func NewLoadBalancer(ctx *pulumi.Context, name string, args LoadBalancerArgs, opts ...pulumi.ResourceOption) (*LoadBalancer, error) {
	if args.Domain == "" || len(args.Regions) < 2 || args.SecurityPolicyID == nil {
		return nil, fmt.Errorf("load balancer %s: Domain, two Regions and SecurityPolicyID are required", name)
	}
	lb := &LoadBalancer{}
	if err := ctx.RegisterComponentResource("mobile-backend:gcp:LoadBalancer", name, lb, opts...); err != nil {
		return nil, err
	}
	args.HealthCheck = args.HealthCheck.WithDefaults()
	child := pulumi.Parent(lb)

	backend := func(bname string, negs ...pulumi.StringInput) (*compute.BackendService, error) {
		var backends compute.BackendServiceBackendArray
		for _, n := range negs {
			backends = append(backends, &compute.BackendServiceBackendArgs{Group: n})
		}
		return compute.NewBackendService(ctx, bname, &compute.BackendServiceArgs{
			Name:                pulumi.String(resourceName(bname, 63)),
			LoadBalancingScheme: pulumi.String("EXTERNAL_MANAGED"),
			Backends:            backends,
			SecurityPolicy:      args.SecurityPolicyID,
			LogConfig:           &compute.BackendServiceLogConfigArgs{Enable: pulumi.Bool(true), SampleRate: pulumi.Float64(1)},
			OutlierDetection: &compute.BackendServiceOutlierDetectionArgs{
				ConsecutiveErrors:          pulumi.Int(args.HealthCheck.FailureThreshold),
				EnforcingConsecutiveErrors: pulumi.Int(100),
				Interval:                   &compute.BackendServiceOutlierDetectionIntervalArgs{Seconds: pulumi.Int(args.HealthCheck.IntervalSeconds)},
				BaseEjectionTime:           &compute.BackendServiceOutlierDetectionBaseEjectionTimeArgs{Seconds: pulumi.Int(30)},
				MaxEjectionPercent:         pulumi.Int(100),
			},
		}, child)
	}

	regional := map[string]*compute.BackendService{}
	selfLinks, serviceNames := pulumi.StringMap{}, pulumi.StringMap{}
	var all []pulumi.StringInput
	for _, r := range args.Regions {
		bs, err := backend(fmt.Sprintf("%s-%s", name, r.Name), r.EndpointGroupID)
		if err != nil {
			return nil, fmt.Errorf("load balancer %s: backend %s: %w", name, r.Name, err)
		}
		regional[r.Name] = bs
		selfLinks[r.Name] = bs.SelfLink
		serviceNames[r.Name] = bs.Name
		all = append(all, r.EndpointGroupID)
	}
	// Active-passive serves from the writer's region (Role Primary).
	serving := args.Regions[0].Name
	for _, r := range args.Regions {
		if r.Role == components.Primary {
			serving = r.Name
		}
	}
	apiService := regional[serving].ID()
	if args.Topology == components.ActiveActive {
		bs, err := backend(name+"-api", all...)
		if err != nil {
			return nil, err
		}
		apiService = bs.ID()
		serviceNames["api"] = bs.Name
	} else {
		serviceNames["api"] = regional[serving].Name
	}

	hosts := []string{args.Domain}
	var rules compute.URLMapHostRuleArray
	var matchers compute.URLMapPathMatcherArray
	for _, r := range args.Regions {
		host := RegionalHostname(r.Name, args.Domain)
		hosts = append(hosts, host)
		rules = append(rules, &compute.URLMapHostRuleArgs{Hosts: pulumi.StringArray{pulumi.String(host)}, PathMatcher: pulumi.String(r.Name)})
		matchers = append(matchers, &compute.URLMapPathMatcherArgs{Name: pulumi.String(r.Name), DefaultService: regional[r.Name].ID()})
	}
	if args.StaticHostname != "" && args.StaticBucketID != nil {
		hosts = append(hosts, args.StaticHostname)
		rules = append(rules, &compute.URLMapHostRuleArgs{Hosts: pulumi.StringArray{pulumi.String(args.StaticHostname)}, PathMatcher: pulumi.String("static")})
		matchers = append(matchers, &compute.URLMapPathMatcherArgs{Name: pulumi.String("static"), DefaultService: args.StaticBucketID})
	}
	mapOpts := []pulumi.ResourceOption{child}
	if args.Topology == components.ActivePassive {
		// Failover rewrites the default service; the next deployment must
		// not silently fail back to a region that may still be down.
		mapOpts = append(mapOpts, pulumi.IgnoreChanges([]string{"defaultService"}))
	}
	urlMap, err := compute.NewURLMap(ctx, name, &compute.URLMapArgs{
		Name:           pulumi.String(resourceName(name, 63)),
		DefaultService: apiService,
		HostRules:      rules,
		PathMatchers:   matchers,
	}, mapOpts...)
	if err != nil {
		return nil, err
	}

	ip, err := compute.NewGlobalAddress(ctx, name+"-ip", &compute.GlobalAddressArgs{
		Name:        pulumi.String(resourceName(name+"-ip", 63)),
		AddressType: pulumi.String("EXTERNAL"),
		IpVersion:   pulumi.String("IPV4"),
	}, child)
	if err != nil {
		return nil, err
	}
	// A certificate per hostname: a new hostname (a region added) gets a
	// certificate of its own, attached beside the others, which keep
	// serving while it provisions; a Google-managed certificate is not
	// served until ACTIVE (up to about an hour), so one certificate for
	// every hostname, reissued for a new set, would take all of them down
	// meanwhile. Each is named after its domain; the proxy takes 15 at most
	// (spec.GCPMaxRegions). The API's comes first: the proxy's default for
	// clients that send no SNI (Compute Engine, "SSL certificates").
	var certs pulumi.StringArray
	for _, host := range hosts {
		cert, err := compute.NewManagedSslCertificate(ctx, name+"-cert-"+host, &compute.ManagedSslCertificateArgs{
			Name:    pulumi.String(names.ForSet(name+"-cert", []string{host}, 63)),
			Managed: &compute.ManagedSslCertificateManagedArgs{Domains: pulumi.StringArray{pulumi.String(host)}},
		}, child)
		if err != nil {
			return nil, err
		}
		certs = append(certs, cert.ID())
	}
	tls, err := compute.NewSSLPolicy(ctx, name+"-tls", &compute.SSLPolicyArgs{
		Name:          pulumi.String(resourceName(name+"-tls", 63)),
		Profile:       pulumi.String("MODERN"),
		MinTlsVersion: pulumi.String("TLS_1_2"),
	}, child)
	if err != nil {
		return nil, err
	}
	https, err := compute.NewTargetHttpsProxy(ctx, name+"-https", &compute.TargetHttpsProxyArgs{
		Name:            pulumi.String(resourceName(name+"-https", 63)),
		UrlMap:          urlMap.ID(),
		SslCertificates: certs,
		SslPolicy:       tls.ID(),
	}, child)
	if err != nil {
		return nil, err
	}
	if _, err := compute.NewGlobalForwardingRule(ctx, name+"-https", &compute.GlobalForwardingRuleArgs{
		Name:                pulumi.String(resourceName(name+"-https", 63)),
		IpAddress:           ip.Address,
		IpProtocol:          pulumi.String("TCP"),
		PortRange:           pulumi.String("443"),
		LoadBalancingScheme: pulumi.String("EXTERNAL_MANAGED"),
		Target:              https.ID(),
	}, child); err != nil {
		return nil, err
	}
	redirect, err := compute.NewURLMap(ctx, name+"-redirect", &compute.URLMapArgs{
		Name: pulumi.String(resourceName(name+"-redirect", 63)),
		DefaultUrlRedirect: &compute.URLMapDefaultUrlRedirectArgs{
			HttpsRedirect:        pulumi.Bool(true),
			RedirectResponseCode: pulumi.String("MOVED_PERMANENTLY_DEFAULT"),
			StripQuery:           pulumi.Bool(false),
		},
	}, child)
	if err != nil {
		return nil, err
	}
	httpProxy, err := compute.NewTargetHttpProxy(ctx, name+"-http", &compute.TargetHttpProxyArgs{
		Name:   pulumi.String(resourceName(name+"-http", 63)),
		UrlMap: redirect.ID(),
	}, child)
	if err != nil {
		return nil, err
	}
	if _, err := compute.NewGlobalForwardingRule(ctx, name+"-http", &compute.GlobalForwardingRuleArgs{
		Name:                pulumi.String(resourceName(name+"-http", 63)),
		IpAddress:           ip.Address,
		IpProtocol:          pulumi.String("TCP"),
		PortRange:           pulumi.String("80"),
		LoadBalancingScheme: pulumi.String("EXTERNAL_MANAGED"),
		Target:              httpProxy.ID(),
	}, child); err != nil {
		return nil, err
	}

	lb.IPAddress = ip.Address
	lb.URLMapID = urlMap.ID().ToStringOutput()
	lb.URLMapName = urlMap.Name
	lb.URLMapSelfLink = urlMap.SelfLink
	lb.BackendSelfLinks = selfLinks.ToStringMapOutput()
	lb.BackendServiceNames = serviceNames.ToStringMapOutput()
	return lb, ctx.RegisterResourceOutputs(lb, pulumi.Map{
		"ipAddress": lb.IPAddress, "urlMapId": lb.URLMapID, "urlMapName": lb.URLMapName, "urlMapSelfLink": lb.URLMapSelfLink,
		"backendSelfLinks": lb.BackendSelfLinks, "backendServiceNames": lb.BackendServiceNames,
	})
}

// RegionalHostname is the per-region hostname used by canaries and debugging.
func RegionalHostname(region, domain string) string {
	return components.RegionalHostname(region, domain)
}
