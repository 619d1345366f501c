package azure

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-azure-native-sdk/cdn/v2"
	"github.com/pulumi/pulumi-azure-native-sdk/network/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mobile-backend/mobile-backend/components"
	"github.com/mobile-backend/mobile-backend/internal/spec"
)

// Front Door's latency-based load balancing (Azure Front Door documentation,
// "Traffic routing methods to origin"): a region's health and latency are
// judged over the last SampleSize probes, of which SuccessfulSamples must
// pass; origins within AdditionalLatencyMs of the fastest share traffic.
const (
	SampleSize          = 4
	SuccessfulSamples   = 3
	AdditionalLatencyMs = 50
)

// NewFrontDoorProfile creates the stack's Front Door Premium profile (global).
func NewFrontDoorProfile(ctx *pulumi.Context, name string, resourceGroup pulumi.StringInput, tags pulumi.StringMap, opts ...pulumi.ResourceOption) (*cdn.Profile, error) {
	p, err := cdn.NewProfile(ctx, name, &cdn.ProfileArgs{
		ProfileName:                  pulumi.String(resourceName(name, 260)),
		ResourceGroupName:            resourceGroup,
		Location:                     pulumi.String("Global"),
		Sku:                          &cdn.SkuArgs{Name: pulumi.String(string(cdn.SkuName_Premium_AzureFrontDoor))},
		OriginResponseTimeoutSeconds: pulumi.Int(60),
		Tags:                         tags,
	}, opts...)
	if err != nil {
		return nil, fmt.Errorf("front door %s: %w", name, err)
	}
	return p, nil
}

// FrontDoorOrigin is one region's container app.
type FrontDoorOrigin struct {
	Region   string
	Role     components.Role // in active-passive, only Primary (the writer's region) takes traffic while healthy
	HostName pulumi.StringInput
}

// StaticOrigin is a region's storage account, serving /static/* from its
// static container.
type StaticOrigin struct {
	Region    string
	HostName  pulumi.StringInput // the blob endpoint's host
	AccountID pulumi.StringInput // reached over Private Link
}

// FrontDoorArgs configures FrontDoor.
type FrontDoorArgs struct {
	Profile       *cdn.Profile        // required
	ResourceGroup pulumi.StringInput  // required: the global resource group
	Domain        string              // required: the API hostname
	Topology      components.Topology // required
	Origins       []FrontDoorOrigin   // required, in stack order
	HealthCheck   components.HealthCheck
	// The Azure DNS zone that holds the hostnames.
	ZoneName          string
	ZoneID            pulumi.StringInput
	ZoneResourceGroup pulumi.StringInput
	TTL               int
	StaticHostname    string
	Static            []StaticOrigin     // one per region: static content fails over too
	WAFPolicyID       pulumi.StringInput // required: attached to every domain
}

// APIOriginGroup is the origin group of the API hostname: every region's
// app, by priority.
const APIOriginGroup = "api"

// FrontDoor is the stack's global entry on Azure Front Door Premium: an
// endpoint, the API hostname's origin group over every region (equal
// priority in active-active, so the lowest-latency healthy region serves;
// the primary at priority 1 and the others at 2 in active-passive), an
// HTTPS-probed origin group per region for its own hostname, a cached route
// for /static/* to every region's static container over Private Link
// (probed, so a lost region's account leaves the group), managed
// certificates (TLS 1.2+) with their DNS validation, HTTPS-only routes with
// HTTP redirect, and the WAF attached to every domain.
type FrontDoor struct {
	pulumi.ResourceState

	EndpointHostName pulumi.StringOutput `pulumi:"endpointHostName"`
	// APIOriginIDs are the API origin group's origins by region (the
	// failover job's fence disables the old writer's).
	APIOriginIDs pulumi.StringMapOutput `pulumi:"apiOriginIds"`
	// OriginGroupID is the API hostname's origin group (for alerts).
	OriginGroupID pulumi.StringOutput `pulumi:"originGroupId"`
}

// NewFrontDoor builds the routing. Pass the global provider in opts.
func NewFrontDoor(ctx *pulumi.Context, name string, args FrontDoorArgs, opts ...pulumi.ResourceOption) (*FrontDoor, error) {
	if args.Profile == nil || args.ResourceGroup == nil || args.Domain == "" || len(args.Origins) < 2 || args.WAFPolicyID == nil || args.ZoneID == nil {
		return nil, fmt.Errorf("front door %s: Profile, ResourceGroup, Domain, two Origins, ZoneID and WAFPolicyID are required", name)
	}
	fd := &FrontDoor{}
	if err := ctx.RegisterComponentResource("mobile-backend:azure:FrontDoor", name, fd, opts...); err != nil {
		return nil, err
	}
	args.HealthCheck = args.HealthCheck.WithDefaults()
	components.Default(&args.TTL, components.DefaultDNSTTL)
	child := pulumi.Parent(fd)
	rg, profile := args.ResourceGroup, args.Profile.Name

	endpoint, err := cdn.NewAFDEndpoint(ctx, name, &cdn.AFDEndpointArgs{
		EndpointName:      pulumi.String(resourceName(name, 46)),
		ProfileName:       profile,
		ResourceGroupName: rg,
		Location:          pulumi.String("Global"),
		EnabledState:      pulumi.String("Enabled"),
	}, child)
	if err != nil {
		return nil, err
	}
	originGroup := func(gname string, probe string) (*cdn.AFDOriginGroup, error) {
		a := &cdn.AFDOriginGroupArgs{
			OriginGroupName:   pulumi.String(gname),
			ProfileName:       profile,
			ResourceGroupName: rg,
			LoadBalancingSettings: &cdn.LoadBalancingSettingsParametersArgs{
				SampleSize: pulumi.Int(SampleSize), SuccessfulSamplesRequired: pulumi.Int(SuccessfulSamples),
				AdditionalLatencyInMilliseconds: pulumi.Int(AdditionalLatencyMs),
			},
			SessionAffinityState: pulumi.String("Disabled"),
		}
		if probe != "" {
			a.HealthProbeSettings = &cdn.HealthProbeParametersArgs{
				ProbePath: pulumi.String(probe), ProbeProtocol: cdn.ProbeProtocolHttps,
				ProbeRequestType: cdn.HealthProbeRequestTypeGET, ProbeIntervalInSeconds: pulumi.Int(args.HealthCheck.IntervalSeconds),
			}
		}
		return cdn.NewAFDOriginGroup(ctx, name+"-"+gname, a, child)
	}
	origin := func(oname string, group *cdn.AFDOriginGroup, host pulumi.StringInput, priority int, opts ...pulumi.ResourceOption) (*cdn.AFDOrigin, error) {
		return cdn.NewAFDOrigin(ctx, name+"-"+oname, &cdn.AFDOriginArgs{
			OriginName:                  pulumi.String(oname),
			OriginGroupName:             group.Name,
			ProfileName:                 profile,
			ResourceGroupName:           rg,
			HostName:                    host,
			OriginHostHeader:            host,
			HttpPort:                    pulumi.Int(80),
			HttpsPort:                   pulumi.Int(443),
			Priority:                    pulumi.Int(priority),
			Weight:                      pulumi.Int(1000),
			EnforceCertificateNameCheck: pulumi.Bool(true),
			EnabledState:                pulumi.String("Enabled"),
		}, append([]pulumi.ResourceOption{child}, opts...)...)
	}
	api, err := originGroup(APIOriginGroup, args.HealthCheck.Path)
	if err != nil {
		return nil, err
	}
	var apiOrigins []pulumi.Resource
	apiOriginIDs := pulumi.StringMap{}
	for _, o := range args.Origins {
		priority := 1
		if args.Topology == components.ActivePassive && o.Role != components.Primary {
			priority = 2 // standbys take traffic only when the primary is unhealthy
		}
		// The failover job disables the old writer's origin (its fence);
		// a pulumi up never enables it again behind a person's back.
		org, err := origin("api-"+o.Region, api, o.HostName, priority, pulumi.IgnoreChanges([]string{"enabledState"}))
		if err != nil {
			return nil, err
		}
		apiOrigins = append(apiOrigins, org)
		apiOriginIDs[o.Region] = org.ID()
	}
	fd.APIOriginIDs = apiOriginIDs.ToStringMapOutput()

	domain := func(host string) (*cdn.AFDCustomDomain, error) {
		d, err := cdn.NewAFDCustomDomain(ctx, name+"-"+host, &cdn.AFDCustomDomainArgs{
			CustomDomainName:  pulumi.String(resourceName(host, 260)),
			ProfileName:       profile,
			ResourceGroupName: rg,
			HostName:          pulumi.String(host),
			TlsSettings:       &cdn.AFDDomainHttpsParametersArgs{CertificateType: pulumi.String("ManagedCertificate"), MinimumTlsVersion: cdn.AfdMinimumTlsVersionTLS12},
			AzureDnsZone:      &cdn.ResourceReferenceArgs{Id: args.ZoneID},
		}, child)
		if err != nil {
			return nil, err
		}
		relative := strings.TrimSuffix(strings.TrimSuffix(host, args.ZoneName), ".")
		if _, err := network.NewRecordSet(ctx, name+"-"+host+"-cname", &network.RecordSetArgs{
			ZoneName: pulumi.String(args.ZoneName), ResourceGroupName: args.ZoneResourceGroup,
			RelativeRecordSetName: pulumi.String(relative), RecordType: pulumi.String("CNAME"),
			Ttl:         pulumi.Float64(float64(args.TTL)),
			CnameRecord: &network.CnameRecordArgs{Cname: endpoint.HostName},
		}, child); err != nil {
			return nil, err
		}
		if _, err := network.NewRecordSet(ctx, name+"-"+host+"-validation", &network.RecordSetArgs{
			ZoneName: pulumi.String(args.ZoneName), ResourceGroupName: args.ZoneResourceGroup,
			RelativeRecordSetName: pulumi.String("_dnsauth." + relative), RecordType: pulumi.String("TXT"),
			Ttl: pulumi.Float64(3600),
			TxtRecords: network.TxtRecordArray{&network.TxtRecordArgs{Value: pulumi.StringArray{
				d.ValidationProperties.ValidationToken(),
			}}},
		}, child); err != nil {
			return nil, err
		}
		return d, nil
	}
	route := func(rname string, domains []*cdn.AFDCustomDomain, group *cdn.AFDOriginGroup, patterns []string, deps []pulumi.Resource, tune func(*cdn.RouteArgs)) error {
		var refs cdn.ActivatedResourceReferenceArray
		for _, d := range domains {
			refs = append(refs, &cdn.ActivatedResourceReferenceArgs{Id: d.ID()})
		}
		a := &cdn.RouteArgs{
			RouteName: pulumi.String(rname), EndpointName: endpoint.Name, ProfileName: profile, ResourceGroupName: rg,
			CustomDomains: refs, OriginGroup: &cdn.ResourceReferenceArgs{Id: group.ID()},
			SupportedProtocols:  pulumi.StringArray{pulumi.String("Http"), pulumi.String("Https")},
			HttpsRedirect:       cdn.HttpsRedirectEnabled,
			ForwardingProtocol:  cdn.ForwardingProtocolHttpsOnly,
			LinkToDefaultDomain: cdn.LinkToDefaultDomainDisabled,
			PatternsToMatch:     pulumi.ToStringArray(patterns),
			EnabledState:        pulumi.String("Enabled"),
		}
		if tune != nil {
			tune(a)
		}
		_, err := cdn.NewRoute(ctx, name+"-"+rname, a, child, pulumi.DependsOn(deps))
		return err
	}

	apiDomain, err := domain(args.Domain)
	if err != nil {
		return nil, err
	}
	all := []*cdn.AFDCustomDomain{apiDomain}
	if err := route("api", []*cdn.AFDCustomDomain{apiDomain}, api, []string{"/*"}, apiOrigins, func(a *cdn.RouteArgs) {
		a.LinkToDefaultDomain = cdn.LinkToDefaultDomainEnabled
	}); err != nil {
		return nil, err
	}
	for _, o := range args.Origins {
		group, err := originGroup(o.Region, args.HealthCheck.Path)
		if err != nil {
			return nil, err
		}
		org, err := origin(o.Region, group, o.HostName, 1)
		if err != nil {
			return nil, err
		}
		d, err := domain(RegionalHostname(o.Region, args.Domain))
		if err != nil {
			return nil, err
		}
		all = append(all, d)
		if err := route(o.Region, []*cdn.AFDCustomDomain{d}, group, []string{"/*"}, []pulumi.Resource{org}, nil); err != nil {
			return nil, err
		}
	}
	if len(args.Static) > 0 && args.StaticHostname != "" {
		group, err := originGroup("static", "/"+StaticContainer+"/"+StaticHealthBlob)
		if err != nil {
			return nil, err
		}
		var origins []pulumi.Resource
		for _, st := range args.Static {
			org, err := cdn.NewAFDOrigin(ctx, name+"-static-"+st.Region, &cdn.AFDOriginArgs{
				OriginName: pulumi.String("static-" + st.Region), OriginGroupName: group.Name, ProfileName: profile, ResourceGroupName: rg,
				HostName: st.HostName, OriginHostHeader: st.HostName,
				HttpsPort: pulumi.Int(443), HttpPort: pulumi.Int(80), Priority: pulumi.Int(1), Weight: pulumi.Int(1000),
				EnforceCertificateNameCheck: pulumi.Bool(true), EnabledState: pulumi.String("Enabled"),
				// The account admits no public network: Front Door reaches it
				// over Private Link (approve each account's pending private
				// endpoint connection once), with anonymous requests, which
				// only the static container answers.
				SharedPrivateLinkResource: &cdn.SharedPrivateLinkResourcePropertiesArgs{
					PrivateLink: &cdn.ResourceReferenceArgs{Id: st.AccountID},
					GroupId:     pulumi.String("blob"),
					// Offered in a subset of regions: the nearest one elsewhere.
					PrivateLinkLocation: pulumi.String(spec.AzureFrontDoorPrivateLinkLocation(st.Region)),
					RequestMessage:      pulumi.String("mobile-backend Front Door: static content"),
				},
			}, child)
			if err != nil {
				return nil, err
			}
			origins = append(origins, org)
		}
		staticDomain, err := domain(args.StaticHostname)
		if err != nil {
			return nil, err
		}
		all = append(all, staticDomain)
		// The region directory is cached a minute at the edge whatever the
		// blob says (azure-native's Blob has no Cache-Control): a rule of the
		// static route overrides the caching for that one path.
		ruleSet, err := cdn.NewRuleSet(ctx, name+"-directory", &cdn.RuleSetArgs{
			ProfileName: profile, ResourceGroupName: rg, RuleSetName: pulumi.String("directory"),
		}, child)
		if err != nil {
			return nil, err
		}
		directoryRule, err := cdn.NewRule(ctx, name+"-directory-max-age", &cdn.RuleArgs{
			ProfileName: profile, ResourceGroupName: rg, RuleSetName: ruleSet.Name, RuleName: pulumi.String("maxAge"), Order: pulumi.Int(1),
			Conditions: pulumi.Array{&cdn.DeliveryRuleUrlPathConditionArgs{
				Name: pulumi.String("UrlPath"),
				Parameters: &cdn.UrlPathMatchConditionParametersArgs{
					TypeName: pulumi.String("DeliveryRuleUrlPathMatchConditionParameters"),
					Operator: pulumi.String("EndsWith"), MatchValues: pulumi.ToStringArray([]string{components.DirectoryObject}),
				},
			}},
			Actions: pulumi.Array{&cdn.DeliveryRuleRouteConfigurationOverrideActionArgs{
				Name: pulumi.String("RouteConfigurationOverride"),
				Parameters: &cdn.RouteConfigurationOverrideActionParametersArgs{
					TypeName: pulumi.String("DeliveryRuleRouteConfigurationOverrideActionParameters"),
					CacheConfiguration: &cdn.CacheConfigurationArgs{
						CacheBehavior: pulumi.String("OverrideAlways"), CacheDuration: pulumi.String(fmt.Sprintf("00:%02d:%02d", components.DirectoryMaxAgeSeconds/60, components.DirectoryMaxAgeSeconds%60)),
						QueryStringCachingBehavior: pulumi.String("IgnoreQueryString"), IsCompressionEnabled: pulumi.String("Enabled"),
					},
				},
			}},
		}, child)
		if err != nil {
			return nil, err
		}
		// No origin path: /static/<name> is blob <name> of the static
		// container, so the edge can address nothing else.
		if err := route("static", []*cdn.AFDCustomDomain{apiDomain, staticDomain}, group, []string{"/" + StaticContainer + "/*"}, append(origins, directoryRule), func(a *cdn.RouteArgs) {
			a.RuleSets = cdn.ResourceReferenceArray{&cdn.ResourceReferenceArgs{Id: ruleSet.ID()}}
			a.CacheConfiguration = &cdn.AfdRouteCacheConfigurationArgs{
				QueryStringCachingBehavior: cdn.AfdQueryStringCachingBehaviorIgnoreQueryString,
				CompressionSettings: &cdn.CompressionSettingsArgs{
					IsCompressionEnabled:   pulumi.Bool(true),
					ContentTypesToCompress: pulumi.ToStringArray([]string{"text/css", "text/javascript", "application/javascript", "application/json", "image/svg+xml"}),
				},
			}
		}); err != nil {
			return nil, err
		}
	}

	assoc := cdn.ActivatedResourceReferenceArray{&cdn.ActivatedResourceReferenceArgs{Id: endpoint.ID()}}
	for _, d := range all {
		assoc = append(assoc, &cdn.ActivatedResourceReferenceArgs{Id: d.ID()})
	}
	if _, err := cdn.NewSecurityPolicy(ctx, name+"-waf", &cdn.SecurityPolicyArgs{
		SecurityPolicyName: pulumi.String("waf"), ProfileName: profile, ResourceGroupName: rg,
		Parameters: &cdn.SecurityPolicyWebApplicationFirewallParametersArgs{
			Type:      pulumi.String(string(cdn.SecurityPolicyTypeWebApplicationFirewall)),
			WafPolicy: &cdn.ResourceReferenceArgs{Id: args.WAFPolicyID},
			Associations: cdn.SecurityPolicyWebApplicationFirewallAssociationArray{&cdn.SecurityPolicyWebApplicationFirewallAssociationArgs{
				Domains: assoc, PatternsToMatch: pulumi.StringArray{pulumi.String("/*")},
			}},
		},
	}, child); err != nil {
		return nil, err
	}
	fd.EndpointHostName = endpoint.HostName
	fd.OriginGroupID = api.ID().ToStringOutput()
	return fd, ctx.RegisterResourceOutputs(fd, pulumi.Map{"endpointHostName": fd.EndpointHostName, "originGroupId": fd.OriginGroupID, "apiOriginIds": fd.APIOriginIDs})
}

// RegionalHostname is the per-region hostname used by canaries and debugging.
func RegionalHostname(region, domain string) string {
	return components.RegionalHostname(region, domain)
}
