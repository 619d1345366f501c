package aws

import (
	"fmt"
	"net/netip"
	"sort"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// maxZones is how many availability zones a region's network spans.
const maxZones = 3

// network holds the resources of a RegionalNetwork while it is built.
type network struct {
	vpc            *ec2.Vpc
	publicSubnets  []*ec2.Subnet
	privateSubnets []*ec2.Subnet
}

func subnetIDs(subnets []*ec2.Subnet) pulumi.StringArray {
	ids := pulumi.StringArray{}
	for _, s := range subnets {
		ids = append(ids, s.ID())
	}
	return ids
}

// RegionalNetwork is one region's VPC across up to three availability zones:
// public subnets for the load balancer and the NAT gateways, private subnets
// for the tasks and the database, and the security groups of the two tiers
// that face traffic (the components that own the traffic add the rules).
type RegionalNetwork struct {
	pulumi.ResourceState

	VpcID                       pulumi.StringOutput      `pulumi:"vpcId"`
	PublicSubnetIDs             pulumi.StringArrayOutput `pulumi:"publicSubnetIds"`
	PrivateSubnetIDs            pulumi.StringArrayOutput `pulumi:"privateSubnetIds"`
	LoadBalancerSecurityGroupID pulumi.StringOutput      `pulumi:"loadBalancerSecurityGroupId"`
	TaskSecurityGroupID         pulumi.StringOutput      `pulumi:"taskSecurityGroupId"`
}

// RegionalNetworkArgs configures a RegionalNetwork.
type RegionalNetworkArgs struct {
	Region           string // required: the region of the provider passed to the component
	CIDR             string // required: the VPC range, /16 to /24
	SingleNATGateway bool   // one NAT gateway instead of one per zone
	// Unreachable: the region's APIs do not answer (regionsDown); its zones
	// are not asked for (see knownZones).
	Unreachable bool
}

// NewRegionalNetwork builds a region's network. Pass the region's provider in
// opts; every child inherits it.
func NewRegionalNetwork(ctx *pulumi.Context, name string, args RegionalNetworkArgs, opts ...pulumi.ResourceOption) (*RegionalNetwork, error) {
	if args.Region == "" || args.CIDR == "" {
		return nil, fmt.Errorf("network %s: Region and CIDR are required", name)
	}
	n := &RegionalNetwork{}
	if err := ctx.RegisterComponentResource("mobile-backend:aws:RegionalNetwork", name, n, opts...); err != nil {
		return nil, err
	}
	child := pulumi.Parent(n)
	net, err := newNetwork(ctx, name, args, child)
	if err != nil {
		return nil, fmt.Errorf("network %s: %w", name, err)
	}
	albSG, err := ec2.NewSecurityGroup(ctx, name+"-alb-sg", &ec2.SecurityGroupArgs{
		VpcId:       net.vpc.ID(),
		Description: pulumi.String("Internet-facing load balancer: HTTPS and HTTP-to-HTTPS redirect"),
		Tags:        nameTag(name + "-alb"),
	}, child)
	if err != nil {
		return nil, err
	}
	taskSG, err := ec2.NewSecurityGroup(ctx, name+"-task-sg", &ec2.SecurityGroupArgs{
		VpcId:       net.vpc.ID(),
		Description: pulumi.String("API tasks: container port from the load balancer only"),
		Tags:        nameTag(name + "-task"),
	}, child)
	if err != nil {
		return nil, err
	}
	n.VpcID = net.vpc.ID().ToStringOutput()
	n.PublicSubnetIDs = subnetIDs(net.publicSubnets).ToStringArrayOutput()
	n.PrivateSubnetIDs = subnetIDs(net.privateSubnets).ToStringArrayOutput()
	n.LoadBalancerSecurityGroupID = albSG.ID().ToStringOutput()
	n.TaskSecurityGroupID = taskSG.ID().ToStringOutput()
	return n, ctx.RegisterResourceOutputs(n, pulumi.Map{
		"vpcId":                       n.VpcID,
		"publicSubnetIds":             n.PublicSubnetIDs,
		"privateSubnetIds":            n.PrivateSubnetIDs,
		"loadBalancerSecurityGroupId": n.LoadBalancerSecurityGroupID,
		"taskSecurityGroupId":         n.TaskSecurityGroupID,
	})
}

func newNetwork(ctx *pulumi.Context, name string, args RegionalNetworkArgs, child pulumi.ResourceOrInvokeOption) (*network, error) {
	var zones []string
	if args.Unreachable {
		zones = knownZones(args.Region)
	} else {
		azs, err := aws.GetAvailabilityZones(ctx, &aws.GetAvailabilityZonesArgs{
			State: pulumi.StringRef("available"),
			// Only the region's own zones: no Local Zones or Wavelength Zones.
			Filters: []aws.GetAvailabilityZonesFilter{{Name: "opt-in-status", Values: []string{"opt-in-not-required"}}},
		}, child)
		if err != nil {
			return nil, fmt.Errorf("availability zones: %w", err)
		}
		zones = append(zones, azs.Names...)
	}
	sort.Strings(zones)
	if len(zones) < 2 {
		return nil, fmt.Errorf("region %s reports %d availability zones; a load balancer needs two", args.Region, len(zones))
	}
	if len(zones) > maxZones {
		zones = zones[:maxZones]
	}
	plan, err := subnetPlan(args.CIDR, len(zones))
	if err != nil {
		return nil, err
	}

	v, err := ec2.NewVpc(ctx, name+"-vpc", &ec2.VpcArgs{
		CidrBlock:          pulumi.String(args.CIDR),
		EnableDnsHostnames: pulumi.Bool(true),
		EnableDnsSupport:   pulumi.Bool(true),
		Tags:               nameTag(name),
	}, child)
	if err != nil {
		return nil, err
	}
	n := &network{vpc: v}
	igw, err := ec2.NewInternetGateway(ctx, name+"-igw", &ec2.InternetGatewayArgs{VpcId: v.ID(), Tags: nameTag(name)}, child)
	if err != nil {
		return nil, err
	}
	publicRT, err := ec2.NewRouteTable(ctx, name+"-public-rt", &ec2.RouteTableArgs{
		VpcId:  v.ID(),
		Routes: ec2.RouteTableRouteArray{&ec2.RouteTableRouteArgs{CidrBlock: pulumi.String("0.0.0.0/0"), GatewayId: igw.ID()}},
		Tags:   nameTag(name + "-public"),
	}, child)
	if err != nil {
		return nil, err
	}
	var nats []*ec2.NatGateway
	for i, zone := range zones {
		pub, err := ec2.NewSubnet(ctx, fmt.Sprintf("%s-public-%s", name, zone), &ec2.SubnetArgs{
			VpcId:               v.ID(),
			AvailabilityZone:    pulumi.String(zone),
			CidrBlock:           pulumi.String(plan.public[i]),
			MapPublicIpOnLaunch: pulumi.Bool(false), // nothing here needs a public IP of its own
			Tags:                nameTag(fmt.Sprintf("%s-public-%s", name, zone)),
		}, child)
		if err != nil {
			return nil, err
		}
		priv, err := ec2.NewSubnet(ctx, fmt.Sprintf("%s-private-%s", name, zone), &ec2.SubnetArgs{
			VpcId:            v.ID(),
			AvailabilityZone: pulumi.String(zone),
			CidrBlock:        pulumi.String(plan.private[i]),
			Tags:             nameTag(fmt.Sprintf("%s-private-%s", name, zone)),
		}, child)
		if err != nil {
			return nil, err
		}
		n.publicSubnets = append(n.publicSubnets, pub)
		n.privateSubnets = append(n.privateSubnets, priv)
		if _, err := ec2.NewRouteTableAssociation(ctx, fmt.Sprintf("%s-public-%s", name, zone), &ec2.RouteTableAssociationArgs{
			SubnetId: pub.ID(), RouteTableId: publicRT.ID(),
		}, child); err != nil {
			return nil, err
		}
		if args.SingleNATGateway && i > 0 {
			continue
		}
		eip, err := ec2.NewEip(ctx, fmt.Sprintf("%s-nat-%s", name, zone), &ec2.EipArgs{
			Domain: pulumi.String("vpc"),
			Tags:   nameTag(fmt.Sprintf("%s-nat-%s", name, zone)),
		}, child)
		if err != nil {
			return nil, err
		}
		nat, err := ec2.NewNatGateway(ctx, fmt.Sprintf("%s-nat-%s", name, zone), &ec2.NatGatewayArgs{
			AllocationId: eip.AllocationId,
			SubnetId:     pub.ID(),
			Tags:         nameTag(fmt.Sprintf("%s-nat-%s", name, zone)),
		}, child, pulumi.DependsOn([]pulumi.Resource{igw}))
		if err != nil {
			return nil, err
		}
		nats = append(nats, nat)
	}
	for i, zone := range zones {
		nat := nats[0]
		if i < len(nats) {
			nat = nats[i] // each zone egresses through its own NAT gateway
		}
		rt, err := ec2.NewRouteTable(ctx, fmt.Sprintf("%s-private-%s", name, zone), &ec2.RouteTableArgs{
			VpcId:  v.ID(),
			Routes: ec2.RouteTableRouteArray{&ec2.RouteTableRouteArgs{CidrBlock: pulumi.String("0.0.0.0/0"), NatGatewayId: nat.ID()}},
			Tags:   nameTag(fmt.Sprintf("%s-private-%s", name, zone)),
		}, child)
		if err != nil {
			return nil, err
		}
		if _, err := ec2.NewRouteTableAssociation(ctx, fmt.Sprintf("%s-private-%s", name, zone), &ec2.RouteTableAssociationArgs{
			SubnetId: n.privateSubnets[i].ID(), RouteTableId: rt.ID(),
		}, child); err != nil {
			return nil, err
		}
	}
	return n, nil
}

// subnets is the address plan of one VPC.
type subnets struct{ public, private []string }

// subnetPlan splits a VPC range: its first quarter holds the small public
// subnets (a sixteenth each: load balancer nodes and NAT gateways need few
// addresses), the other three quarters one private subnet per zone, where the
// tasks take an address each. A /16 gives /20 public and /18 private subnets.
func subnetPlan(cidr string, zones int) (subnets, error) {
	p, err := netip.ParsePrefix(cidr)
	if err != nil || p.Bits() > 24 {
		return subnets{}, fmt.Errorf("VPC range %q must be an IPv4 /16 to /24", cidr)
	}
	var s subnets
	for i := 0; i < zones; i++ {
		s.public = append(s.public, subnet(p, 4, i))
		s.private = append(s.private, subnet(p, 2, i+1))
	}
	return s, nil
}

// subnet is the index-th block of prefix p lengthened by newBits (like
// Terraform's cidrsubnet).
func subnet(p netip.Prefix, newBits, index int) string {
	bits := p.Bits() + newBits
	base := p.Masked().Addr().As4()
	n := uint32(base[0])<<24 | uint32(base[1])<<16 | uint32(base[2])<<8 | uint32(base[3])
	n += uint32(index) << (32 - bits)
	addr := netip.AddrFrom4([4]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)})
	return netip.PrefixFrom(addr, bits).String()
}

// knownZones stand in for an unreachable region's zones: its first three
// by letter (us-west-1 offers new accounts a and c only). The subnets
// already exist; the stack keeps every input of a down region's resources
// as deployed (ignoreChanges ["*"], stacks.Outage), so these names change
// nothing.
func knownZones(region string) []string {
	if region == "us-west-1" {
		return []string{"us-west-1a", "us-west-1c"}
	}
	return []string{region + "a", region + "b", region + "c"}
}
