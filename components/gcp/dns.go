package gcp

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/dns"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// ZoneResourceName is the Cloud DNS managed zone name of a DNS zone:
// example.com -> example-com.
func ZoneResourceName(zone string) string {
	return resourceName(strings.ReplaceAll(strings.TrimSuffix(zone, "."), ".", "-"), 63)
}

// ManagedZoneArgs says which Cloud DNS zone holds the stack's names.
type ManagedZoneArgs struct {
	DNSName string // required, e.g. example.com
	Create  bool   // create the zone (with DNSSEC) instead of looking it up
	Protect bool
	// Lookups, when set, is the provider the lookup goes through (any
	// region's: Cloud DNS is global), so that it calls nothing through a
	// down region's provider.
	Lookups *gcp.Provider
}

// ManagedZone looks up the public zone by its resource name (see
// ZoneResourceName), or creates it, and returns its name.
func ManagedZone(ctx *pulumi.Context, name string, args ManagedZoneArgs, provider *gcp.Provider) (pulumi.StringOutput, error) {
	zoneName := ZoneResourceName(args.DNSName)
	if args.Create {
		z, err := dns.NewManagedZone(ctx, name, &dns.ManagedZoneArgs{
			Name:         pulumi.String(zoneName),
			DnsName:      pulumi.String(args.DNSName + "."),
			Description:  pulumi.String("Managed by Pulumi: mobile-backend"),
			Visibility:   pulumi.String("public"),
			DnssecConfig: &dns.ManagedZoneDnssecConfigArgs{State: pulumi.String("on")},
		}, pulumi.Provider(provider), pulumi.Protect(args.Protect))
		if err != nil {
			return pulumi.StringOutput{}, fmt.Errorf("managed zone %s: %w", args.DNSName, err)
		}
		return z.Name, nil
	}
	if args.Lookups != nil {
		provider = args.Lookups
	}
	z, err := dns.LookupManagedZone(ctx, &dns.LookupManagedZoneArgs{Name: zoneName}, pulumi.Provider(provider))
	if err != nil {
		return pulumi.StringOutput{}, fmt.Errorf("managed zone %s (set Create to create it): %w", zoneName, err)
	}
	return pulumi.String(z.Name).ToStringOutput(), nil
}

// RecordsArgs configures Records.
type RecordsArgs struct {
	Zone      pulumi.StringInput // required: the managed zone's name
	Hostnames []string           // required: every name to point at the load balancer
	IPAddress pulumi.StringInput // required
	TTL       int
}

// Records points every hostname of the stack at the load balancer's anycast
// IP: the API hostname, each regional hostname and the static hostname (the
// load balancer's host rules tell them apart).
func Records(ctx *pulumi.Context, name string, args RecordsArgs, opts ...pulumi.ResourceOption) error {
	for _, h := range args.Hostnames {
		if _, err := dns.NewRecordSet(ctx, name+"-"+h, &dns.RecordSetArgs{
			ManagedZone: args.Zone,
			Name:        pulumi.String(h + "."),
			Type:        pulumi.String("A"),
			Ttl:         pulumi.Int(args.TTL),
			Rrdatas:     pulumi.StringArray{args.IPAddress},
		}, opts...); err != nil {
			return fmt.Errorf("record %s: %w", h, err)
		}
	}
	return nil
}
