package aws

import (
	"fmt"
	"slices"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-random/sdk/v4/go/random"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	awsc "github.com/mobile-backend/mobile-backend/components/aws"
	"github.com/mobile-backend/mobile-backend/internal/spec"
	"github.com/mobile-backend/mobile-backend/stacks"
)

// global is what the stamps share: the account, the us-east-1 provider
// and key, every region built once, and the global pieces.
type global struct {
	outage   *stacks.Outage
	account  string
	provider *aws.Provider      // us-east-1: Route 53, CloudFront, ACM for the edge, the budget
	key      pulumi.StringInput // us-east-1's key (see awsRegions)
	regions  []awsc.Region      // in the order of the regions key; the first is home
	zoneID   pulumi.StringOutput
	certs    *awsc.Certificates
	db       *awsc.GlobalDatabase
	table    *awsc.GlobalTable // nil unless sessionTable
	storage  *awsc.ReplicatedStorage
	// releaseWindow says where a deploy marks a release for the failover
	// automation (the cloud output releaseWindow; nil without automation).
	releaseWindow pulumi.Map
}

// home is the region that holds the once-per-stack resources (the first of
// regions); the writer region (writerRegion) may move after a failover
// without moving any of them.
func (g *global) home() awsc.Region { return g.regions[0] }

// newGlobal builds the providers and the regions, then the global pieces:
// DNS zone and certificates, the data tier, the edge cache.
func newGlobal(ctx *pulumi.Context, s spec.Spec) (*global, error) {
	outage, err := stacks.NewOutage(ctx)
	if err != nil {
		return nil, err
	}
	// Route 53's, CloudFront's and ACM-for-the-edge's control planes are in
	// us-east-1 (AWS Fault Isolation Boundaries, "Global services"): with it
	// down, the global pieces stay as deployed too.
	provider, err := regionProvider(ctx, s, outage, "aws-global", awsc.GlobalRegion)
	if err != nil {
		return nil, err
	}
	randomProvider, err := random.NewProvider(ctx, "random", nil)
	if err != nil {
		return nil, err
	}
	account := s.AWSAccountID
	if account == "" {
		caller, err := aws.GetCallerIdentity(ctx, nil, pulumi.Provider(provider))
		if err != nil {
			return nil, fmt.Errorf("aws account (or set %s:awsAccountId): %w", spec.Namespace, err)
		}
		account = caller.AccountId
	}
	g := &global{outage: outage, account: account, provider: provider}
	if g.regions, g.key, err = awsRegions(ctx, s, g, provider); err != nil {
		return nil, err
	}
	inGlobal := pulumi.Provider(provider)

	if g.zoneID, err = awsc.HostedZone(ctx, s.Stack+"-zone", awsc.HostedZoneArgs{
		Name: s.DNSZone, Create: s.CreateZone, Protect: s.Protect, ID: s.AWSHostedZoneID,
	}, provider); err != nil {
		return nil, fmt.Errorf("%s:dnsZone (or %s:createDnsZone): %w", spec.Namespace, spec.Namespace, err)
	}
	if g.certs, err = awsc.NewCertificates(ctx, s.Stack+"-tls", awsc.CertificatesArgs{
		Domain: s.Domain, ZoneID: g.zoneID, TTL: s.DNSTTL, Regions: g.regions,
	}, inGlobal); err != nil {
		return nil, err
	}
	if g.db, err = awsc.NewGlobalDatabase(ctx, s.Stack+"-db", awsc.GlobalDatabaseArgs{
		Regions: g.regions, Topology: s.Topology, Account: g.account, RandomProvider: randomProvider,
		EngineVersion: s.Database.EngineVersion, InstanceClass: s.Database.InstanceClass,
		Instances: s.Database.Instances, BackupRetentionDays: s.Database.BackupRetentionDays,
		DatabaseName: s.Database.Name, Protect: s.Protect,
	}, inGlobal); err != nil {
		return nil, err
	}
	if s.SessionTable {
		if g.table, err = awsc.NewGlobalTable(ctx, s.Stack+"-sessions", awsc.GlobalTableArgs{Regions: g.regions, Protect: s.Protect}, g.home().In()); err != nil {
			return nil, err
		}
	}
	// The edge ACL's logs can rest in us-east-1 only: where allowedRegions
	// excludes it, the ACL keeps counts, not requests (docs/aws.md).
	edgeWAF, err := awsc.NewWebFirewall(ctx, s.Stack+"-edge", awsc.WebFirewallArgs{
		Scope: "CLOUDFRONT", Mode: s.WAF.Mode, RateLimit: s.WAF.RateLimit, GeoBlock: s.WAF.GeoBlock,
		LogRetentionDays: s.LogRetentionDays, LogKeyArn: g.key,
		KeepNoRequests: !s.MayRestIn(awsc.GlobalRegion),
	}, inGlobal)
	if err != nil {
		return nil, err
	}
	if g.storage, err = awsc.NewReplicatedStorage(ctx, s.Stack+"-uploads", awsc.ReplicatedStorageArgs{
		Regions: g.regions, Topology: s.Topology, Account: g.account, Stack: s.Stack,
		NoncurrentVersionDays: s.Storage.NoncurrentVersionDays, Protect: s.Protect,
		Edge: &awsc.EdgeCacheArgs{
			Hostname: s.Storage.StaticHostname, ZoneID: g.zoneID, Provider: provider,
			WebACLArn: edgeWAF.ACLArn, GeoBlock: s.WAF.GeoBlock, TTL: s.DNSTTL,
		},
	}, g.home().In()); err != nil {
		return nil, err
	}
	return g, nil
}

// awsRegions builds each region once: its provider, its customer-managed
// key (one EncryptionKeys for the stack) and its network. It also returns
// the key of us-east-1, which exists even when that region serves no
// traffic: it encrypts the health-check alarms' topic and the edge
// firewall's logs.
func awsRegions(ctx *pulumi.Context, s spec.Spec, g *global, global *aws.Provider) ([]awsc.Region, pulumi.StringInput, error) {
	account := g.account
	var keyed []awsc.KeyRegion
	for _, r := range s.Regions {
		provider, err := regionProvider(ctx, s, g.outage, "aws-"+r.Name, r.Name)
		if err != nil {
			return nil, nil, err
		}
		keyed = append(keyed, awsc.KeyRegion{Name: r.Name, Provider: provider})
	}
	if !slices.Contains(s.RegionNames, awsc.GlobalRegion) {
		keyed = append(keyed, awsc.KeyRegion{Name: awsc.GlobalRegion, Provider: global})
	}
	keys, err := awsc.NewEncryptionKeys(ctx, s.Stack+"-keys", awsc.EncryptionKeysArgs{
		Stack: s.Stack, Account: account, Regions: keyed, Protect: s.Protect,
	}, pulumi.Provider(global))
	if err != nil {
		return nil, nil, err
	}
	var regions []awsc.Region
	for i, r := range s.Regions {
		network, err := awsc.NewRegionalNetwork(ctx, s.Stack+"-"+r.Name, awsc.RegionalNetworkArgs{
			Region: r.Name, CIDR: r.CIDR, SingleNATGateway: s.SingleNATGateway, Unreachable: r.Down,
		}, pulumi.Provider(keyed[i].Provider))
		if err != nil {
			return nil, nil, fmt.Errorf("region %s: %w", r.Name, err)
		}
		regions = append(regions, awsc.Region{Name: r.Name, Role: r.Role, Provider: keyed[i].Provider, KeyArn: keys.Arn(r.Name), Network: network})
	}
	return regions, keys.Arn(awsc.GlobalRegion), nil
}

// regionProvider is a region's provider; a region in regionsDown gets one
// that calls nothing when it is configured, and the outage keeps every
// resource under it as deployed.
func regionProvider(ctx *pulumi.Context, s spec.Spec, outage *stacks.Outage, name, region string) (*aws.Provider, error) {
	if !s.Down(region) {
		return awsc.NewProvider(ctx, name, region, stacks.TagsIn(s, region))
	}
	p, err := awsc.NewUnreachableProvider(ctx, name, region, stacks.TagsIn(s, region))
	if err == nil {
		outage.Down(p)
	}
	return p, err
}
