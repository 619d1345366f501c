package aws

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lb"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/vpc"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// loadBalancer is a stamp's entry: the Application Load Balancer, its
// target group and its HTTPS listener.
type loadBalancer struct {
	alb   *lb.LoadBalancer
	tg    *lb.TargetGroup
	https *lb.Listener
}

// newLoadBalancer builds the security group rules between the load balancer
// and the tasks, the load balancer with its access logs, the target group
// and the listeners (HTTPS, and HTTP that only redirects).
func newLoadBalancer(ctx *pulumi.Context, name string, args RegionalComputeArgs, accountID string, child pulumi.ResourceOrInvokeOption) (*loadBalancer, error) {
	net := args.Network
	// Security group rules: the load balancer takes 443 and 80 from the
	// internet and talks only to the tasks' port; the tasks take only that
	// port, from the load balancer, and reach out only over HTTPS (image
	// pulls, AWS APIs). Stateful components add their own rules.
	albSG, taskSG := net.LoadBalancerSecurityGroupID, net.TaskSecurityGroupID
	for _, port := range []int{443, 80} {
		if _, err := vpc.NewSecurityGroupIngressRule(ctx, fmt.Sprintf("%s-alb-in-%d", name, port), &vpc.SecurityGroupIngressRuleArgs{
			SecurityGroupId: albSG,
			Description:     pulumi.Sprintf("port %d from the internet", port),
			IpProtocol:      pulumi.String("tcp"),
			FromPort:        pulumi.Int(port),
			ToPort:          pulumi.Int(port),
			CidrIpv4:        pulumi.String("0.0.0.0/0"),
		}, child); err != nil {
			return nil, err
		}
	}
	if _, err := vpc.NewSecurityGroupEgressRule(ctx, name+"-alb-out-tasks", &vpc.SecurityGroupEgressRuleArgs{
		SecurityGroupId:           albSG,
		Description:               pulumi.String("to the API tasks"),
		IpProtocol:                pulumi.String("tcp"),
		FromPort:                  pulumi.Int(args.ContainerPort),
		ToPort:                    pulumi.Int(args.ContainerPort),
		ReferencedSecurityGroupId: taskSG,
	}, child); err != nil {
		return nil, err
	}
	if _, err := vpc.NewSecurityGroupIngressRule(ctx, name+"-task-in-alb", &vpc.SecurityGroupIngressRuleArgs{
		SecurityGroupId:           taskSG,
		Description:               pulumi.String("from the load balancer"),
		IpProtocol:                pulumi.String("tcp"),
		FromPort:                  pulumi.Int(args.ContainerPort),
		ToPort:                    pulumi.Int(args.ContainerPort),
		ReferencedSecurityGroupId: albSG,
	}, child); err != nil {
		return nil, err
	}
	if _, err := vpc.NewSecurityGroupEgressRule(ctx, name+"-task-out-https", &vpc.SecurityGroupEgressRuleArgs{
		SecurityGroupId: taskSG,
		Description:     pulumi.String("HTTPS to AWS APIs and the image registry"),
		IpProtocol:      pulumi.String("tcp"),
		FromPort:        pulumi.Int(443),
		ToPort:          pulumi.Int(443),
		CidrIpv4:        pulumi.String("0.0.0.0/0"),
	}, child); err != nil {
		return nil, err
	}

	// Load balancer (with its access logs), target group and listeners.
	accessLogs, logPolicy, err := accessLogBucket(ctx, name, args.Region, accountID, args.AccessLogDays, args.Protect, child)
	if err != nil {
		return nil, fmt.Errorf("compute %s: access logs: %w", name, err)
	}
	alb, err := lb.NewLoadBalancer(ctx, name+"-alb", &lb.LoadBalancerArgs{
		Name:                     pulumi.String(fit(name, 32)),
		Internal:                 pulumi.Bool(false),
		LoadBalancerType:         pulumi.String("application"),
		SecurityGroups:           pulumi.StringArray{albSG},
		Subnets:                  net.PublicSubnetIDs,
		DropInvalidHeaderFields:  pulumi.Bool(true),
		EnableDeletionProtection: pulumi.Bool(args.DeletionProtection),
		EnableHttp2:              pulumi.Bool(true),
		IdleTimeout:              pulumi.Int(60),
		AccessLogs: &lb.LoadBalancerAccessLogsArgs{
			Bucket: accessLogs.Bucket, Prefix: pulumi.String(AccessLogPrefix), Enabled: pulumi.Bool(true),
		},
	}, child, pulumi.DependsOn([]pulumi.Resource{logPolicy}))
	if err != nil {
		return nil, err
	}
	tg, err := lb.NewTargetGroup(ctx, name+"-tg", &lb.TargetGroupArgs{
		// A name prefix, not a name: a target group is replaced (create, then
		// delete) when its port changes, and a fixed name would collide.
		NamePrefix:          pulumi.String("api-"),
		Port:                pulumi.Int(args.ContainerPort),
		Protocol:            pulumi.String("HTTP"),
		TargetType:          pulumi.String("ip"),
		VpcId:               net.VpcID,
		DeregistrationDelay: pulumi.Int(30),
		HealthCheck: &lb.TargetGroupHealthCheckArgs{
			Enabled:            pulumi.Bool(true),
			Path:               pulumi.String(args.HealthCheck.Path),
			Protocol:           pulumi.String("HTTP"),
			Port:               pulumi.String("traffic-port"),
			Matcher:            pulumi.String("200-399"),
			Interval:           pulumi.Int(args.HealthCheck.IntervalSeconds),
			Timeout:            pulumi.Int(5),
			HealthyThreshold:   pulumi.Int(2),
			UnhealthyThreshold: pulumi.Int(max(2, args.HealthCheck.FailureThreshold)), // ELB allows 2-10
		},
	}, child)
	if err != nil {
		return nil, err
	}
	https, err := lb.NewListener(ctx, name+"-https", &lb.ListenerArgs{
		LoadBalancerArn: alb.Arn,
		Port:            pulumi.Int(443),
		Protocol:        pulumi.String("HTTPS"),
		SslPolicy:       pulumi.String(TLSPolicy),
		CertificateArn:  args.CertificateArn,
		DefaultActions: lb.ListenerDefaultActionArray{&lb.ListenerDefaultActionArgs{
			Type:           pulumi.String("forward"),
			TargetGroupArn: tg.Arn,
		}},
	}, child)
	if err != nil {
		return nil, err
	}
	if _, err := lb.NewListener(ctx, name+"-http", &lb.ListenerArgs{
		LoadBalancerArn: alb.Arn,
		Port:            pulumi.Int(80),
		Protocol:        pulumi.String("HTTP"),
		DefaultActions: lb.ListenerDefaultActionArray{&lb.ListenerDefaultActionArgs{
			Type: pulumi.String("redirect"),
			Redirect: &lb.ListenerDefaultActionRedirectArgs{
				Protocol:   pulumi.String("HTTPS"),
				Port:       pulumi.String("443"),
				StatusCode: pulumi.String("HTTP_301"),
			},
		}},
	}, child); err != nil {
		return nil, err
	}

	return &loadBalancer{alb: alb, tg: tg, https: https}, nil
}
