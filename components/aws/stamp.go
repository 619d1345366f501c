package aws

import (
	"fmt"

	"github.com/mobile-backend/mobile-backend/components"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// StampArgs configures a Stamp: the compute and firewall settings every
// region shares. The region's own values (provider, key, network,
// certificate) come from the Region and CertificateArn.
type StampArgs struct {
	Region         Region             // required, with its Network
	CertificateArn pulumi.StringInput // required: the region's validated certificate
	// Compute configures the region's compute; Region, Network,
	// CertificateArn and LogKeyArn are filled from the stamp.
	Compute RegionalComputeArgs
	// Firewall configures the web firewall in front of the load balancer;
	// LoadBalancerArn and LogKeyArn are filled from the stamp.
	Firewall WebFirewallArgs
	// Release places the stamp in a release wave: its service waits for
	// the previous wave's gates, and its own gate passes the next wave.
	// Account is required with it.
	Release ReleaseArgs
}

// Stamp is one region's serving path, the same in every region: compute
// (load balancer, Fargate service) behind a web firewall. It groups the
// region's components for the global ones that span regions (routing,
// monitoring, central logs); it is not a resource of its own, so the
// components keep their names.
type Stamp struct {
	Region
	Compute  *RegionalCompute
	Firewall *WebFirewall
	// Gate passes the next release wave once this region's new version is
	// healthy.
	Gate *ReleaseGate

	workers []components.Worker
}

// NewStamp builds a region's compute and firewall, both named name, in the
// region's provider.
func NewStamp(ctx *pulumi.Context, name string, args StampArgs) (*Stamp, error) {
	if args.Region.Name == "" || args.Region.Provider == nil || args.Region.Network == nil || args.CertificateArn == nil {
		return nil, fmt.Errorf("stamp %s: Region (with Provider and Network) and CertificateArn are required", name)
	}
	c := args.Compute
	c.Region, c.Network, c.CertificateArn, c.LogKeyArn = args.Region.Name, args.Region.Network, args.CertificateArn, args.Region.KeyArn
	c.After = args.Release.After
	compute, err := NewRegionalCompute(ctx, name, c, args.Region.In())
	if err != nil {
		return nil, fmt.Errorf("region %s: %w", args.Region.Name, err)
	}
	w := args.Firewall
	w.LoadBalancerArn, w.LogKeyArn = compute.LoadBalancerArn, args.Region.KeyArn
	firewall, err := NewWebFirewall(ctx, name, w, args.Region.In())
	if err != nil {
		return nil, fmt.Errorf("region %s: %w", args.Region.Name, err)
	}
	gate, err := NewReleaseGate(ctx, name+"-release", ReleaseGateArgs{
		Region: args.Region.Name, Account: c.Account, Compute: compute, BakeSeconds: args.Release.BakeSeconds,
		LogRetentionDays: c.LogRetentionDays, KeyArn: args.Region.KeyArn,
	}, args.Region.In())
	if err != nil {
		return nil, fmt.Errorf("region %s: %w", args.Region.Name, err)
	}
	return &Stamp{Region: args.Region, Compute: compute, Firewall: firewall, Gate: gate, workers: c.Workers}, nil
}

// Endpoints are the stamps' load balancers as LatencyDNS routes to them.
func Endpoints(stamps []*Stamp) []Endpoint {
	out := make([]Endpoint, 0, len(stamps))
	for _, s := range stamps {
		out = append(out, Endpoint{Region: s.Name, Role: s.Role, DNSName: s.Compute.LoadBalancerDNSName, ZoneID: s.Compute.LoadBalancerZoneID})
	}
	return out
}

// LogSources are the stamps' task log groups as CentralLogs collects them.
func LogSources(stamps []*Stamp) []LogRegion {
	out := make([]LogRegion, 0, len(stamps))
	for _, s := range stamps {
		out = append(out, LogRegion{Name: s.Name, Provider: s.Provider, KeyArn: s.KeyArn, LogGroupName: s.Compute.LogGroupName})
	}
	return out
}

// Watched are the stamps as Monitoring watches them: each region's load
// balancer, service and firewall, its Route 53 health check (by region) and,
// when db is set, its Aurora cluster.
func Watched(stamps []*Stamp, healthChecks pulumi.StringMapOutput, db *GlobalDatabase) []MonitoredRegion {
	out := make([]MonitoredRegion, 0, len(stamps))
	for _, s := range stamps {
		m := MonitoredRegion{
			Name: s.Name, Role: s.Role, Provider: s.Provider, KeyArn: s.KeyArn,
			LoadBalancerArnSuffix: s.Compute.LoadBalancerArnSuffix, TargetGroupArnSuffix: s.Compute.TargetGroupArnSuffix,
			ClusterName: s.Compute.ClusterName, ServiceName: s.Compute.ServiceName,
			WebACLName: s.Firewall.ACLName, HealthCheckID: healthChecks.MapIndex(pulumi.String(s.Name)),
		}
		if s.Gate != nil {
			m.ReleaseGate = s.Gate.FunctionName
		}
		for _, w := range s.workers {
			m.Workers = append(m.Workers, MonitoredWorker{Name: w.Name, ServiceName: s.Compute.WorkerServices[w.Name], Instances: w.Instances})
		}
		if db != nil {
			m.DatabaseClusterID = db.ClusterID(s.Name)
		}
		out = append(out, m)
	}
	return out
}
