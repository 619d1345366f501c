package aws

import (
	"encoding/json"
	"fmt"
	"regexp"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/appautoscaling"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ecs"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lb"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/vpc"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mobile-backend/mobile-backend/components"
)

// TLSPolicy is the listener policy of every load balancer: TLS 1.3 and 1.2
// only, forward-secret ciphers (ELB's recommended policy).
const TLSPolicy = "ELBSecurityPolicy-TLS13-1-2-2021-06"

// containerName is the name of the API container in the task definition.
const containerName = "api"

// collectorName is the tracing sidecar's container.
const collectorName = "otel-collector"

// CollectorImage is the AWS Distro for OpenTelemetry collector the tasks
// run next to the API (pinned: raise it deliberately).
const CollectorImage = "public.ecr.aws/aws-observability/aws-otel-collector:v0.40.0"

// collectorConfig receives OTLP on localhost and exports traces to X-Ray in
// the task's region, and nothing else (so the task role needs X-Ray only).
const collectorConfig = `receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:4317
      http:
        endpoint: 127.0.0.1:4318
processors:
  batch:
exporters:
  awsxray:
    region: %s
service:
  pipelines:
    traces:
      receivers: [otlp]
      processors: [batch]
      exporters: [awsxray]
`

// tracingStatements let the collector send traces to X-Ray. X-Ray has no
// resource-level permissions: these actions only take "*".
var tracingStatements = []Statement{{
	Sid: "SendTracesToXRay", Effect: "Allow",
	Action:   []string{"xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets", "xray:GetSamplingStatisticSummaries"},
	Resource: []string{"*"},
}}

// RegionalCompute is one region's serving stamp: an ECS Fargate service in
// the private subnets of the region's network, and an internet-facing
// Application Load Balancer in front, autoscaled between a minimum and a
// maximum.
type RegionalCompute struct {
	pulumi.ResourceState

	VpcID                 pulumi.StringOutput      `pulumi:"vpcId"`
	PrivateSubnetIDs      pulumi.StringArrayOutput `pulumi:"privateSubnetIds"`
	TaskSecurityGroupID   pulumi.StringOutput      `pulumi:"taskSecurityGroupId"`
	TaskRoleName          pulumi.StringOutput      `pulumi:"taskRoleName"`
	ClusterName           pulumi.StringOutput      `pulumi:"clusterName"`
	ServiceName           pulumi.StringOutput      `pulumi:"serviceName"`
	LogGroupName          pulumi.StringOutput      `pulumi:"logGroupName"`
	LoadBalancerArn       pulumi.StringOutput      `pulumi:"loadBalancerArn"`
	LoadBalancerArnSuffix pulumi.StringOutput      `pulumi:"loadBalancerArnSuffix"`
	LoadBalancerDNSName   pulumi.StringOutput      `pulumi:"loadBalancerDnsName"`
	LoadBalancerZoneID    pulumi.StringOutput      `pulumi:"loadBalancerZoneId"`
	TargetGroupArnSuffix  pulumi.StringOutput      `pulumi:"targetGroupArnSuffix"`
}

// RegionalComputeArgs configures a RegionalCompute. Zero values mean the
// documented default of the matching mobile-backend config key.
type RegionalComputeArgs struct {
	Region         string             // required: the region of the provider passed to the component
	Network        *RegionalNetwork   // required: the region's network
	CertificateArn pulumi.StringInput // required: a validated ACM certificate in this region

	components.Workload // CPU and Memory must be a Fargate size; Concurrency is unused
	CPUTargetPercent    int
	HealthCheck         components.HealthCheck
	LogRetentionDays    int
	LogKeyArn           pulumi.StringInput // KMS key of the task log group; CloudWatch's default encryption if nil
	DeletionProtection  bool               // load-balancer deletion protection (on in production)
	// AccessLogDays is how long the load balancer's access logs are kept
	// (default: logRetentionDays); Protect puts Pulumi protect on their bucket.
	AccessLogDays int
	Protect       bool
	// TaskPolicy is an IAM policy document (JSON) for the task role: what the
	// application may do (read its database secret, use its table...). None
	// by default: the role starts with no permissions.
	TaskPolicy pulumi.StringInput
	// Environment is added to the container's environment, next to REGION,
	// STACK, ENVIRONMENT and PORT.
	Environment pulumi.StringMapInput
	// StackName and EnvironmentName are passed to the container.
	StackName, EnvironmentName string
}

func (a *RegionalComputeArgs) defaults() error {
	if a.Region == "" || a.Network == nil || a.CertificateArn == nil {
		return fmt.Errorf("Region, Network and CertificateArn are required")
	}
	a.Workload = a.Workload.WithDefaults()
	components.Default(&a.CPUTargetPercent, components.DefaultCPUTargetPercent)
	a.HealthCheck = a.HealthCheck.WithDefaults()
	components.Default(&a.LogRetentionDays, components.DefaultLogRetentionDays)
	components.Default(&a.AccessLogDays, a.LogRetentionDays)
	return nil
}

// NewRegionalCompute builds one region's stamp. Pass the region's provider in
// opts; every child inherits it.
func NewRegionalCompute(ctx *pulumi.Context, name string, args RegionalComputeArgs, opts ...pulumi.ResourceOption) (*RegionalCompute, error) {
	c := &RegionalCompute{}
	if err := ctx.RegisterComponentResource("mobile-backend:aws:RegionalCompute", name, c, opts...); err != nil {
		return nil, err
	}
	if err := args.defaults(); err != nil {
		return nil, fmt.Errorf("compute %s: %w", name, err)
	}
	child := pulumi.Parent(c)

	net := args.Network
	account, err := aws.GetCallerIdentity(ctx, nil, child)
	if err != nil {
		return nil, fmt.Errorf("compute %s: caller identity: %w", name, err)
	}

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
	accessLogs, logPolicy, err := accessLogBucket(ctx, name, args.Region, account.AccountId, args.AccessLogDays, args.Protect, child)
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

	// Logs, roles, cluster, task and service.
	logs, err := cloudwatch.NewLogGroup(ctx, name+"-logs", &cloudwatch.LogGroupArgs{
		Name:            pulumi.Sprintf("/mobile-backend/%s/%s/api", args.StackName, args.Region),
		RetentionInDays: pulumi.Int(args.LogRetentionDays),
		KmsKeyId:        args.LogKeyArn,
	}, child)
	if err != nil {
		return nil, err
	}
	execRole, err := iam.NewRole(ctx, name+"-exec-role", &iam.RoleArgs{
		Description:      pulumi.String("ECS agent: pull the API image and write its logs"),
		AssumeRolePolicy: pulumi.String(assumeRoleFor("ecs-tasks.amazonaws.com", account.AccountId)),
	}, child)
	if err != nil {
		return nil, err
	}
	if _, err := iam.NewRolePolicy(ctx, name+"-exec-policy", &iam.RolePolicyArgs{
		Role: execRole.ID(),
		Policy: logs.Arn.ApplyT(func(arn string) string {
			return Policy(executionStatements(arn, args.Image)...)
		}).(pulumi.StringOutput),
	}, child); err != nil {
		return nil, err
	}
	taskRole, err := iam.NewRole(ctx, name+"-task-role", &iam.RoleArgs{
		Description:      pulumi.String("API tasks: only the permissions the application is granted"),
		AssumeRolePolicy: pulumi.String(assumeRoleFor("ecs-tasks.amazonaws.com", account.AccountId)),
	}, child)
	if err != nil {
		return nil, err
	}
	if _, err := iam.NewRolePolicy(ctx, name+"-tracing-policy", &iam.RolePolicyArgs{
		Role:   taskRole.ID(),
		Policy: pulumi.String(Policy(tracingStatements...)),
	}, child); err != nil {
		return nil, err
	}
	if args.TaskPolicy != nil {
		if _, err := iam.NewRolePolicy(ctx, name+"-task-policy", &iam.RolePolicyArgs{
			Role:   taskRole.ID(),
			Policy: args.TaskPolicy,
		}, child); err != nil {
			return nil, err
		}
	}
	cluster, err := ecs.NewCluster(ctx, name+"-cluster", &ecs.ClusterArgs{
		Settings: ecs.ClusterSettingArray{&ecs.ClusterSettingArgs{
			Name:  pulumi.String("containerInsights"),
			Value: pulumi.String("enabled"),
		}},
	}, child)
	if err != nil {
		return nil, err
	}
	env := args.Environment
	if env == nil {
		env = pulumi.StringMap{}
	}
	containers := pulumi.All(logs.Name, env).ApplyT(func(v []any) (string, error) {
		return containerDefinitions(args, v[0].(string), v[1].(map[string]string))
	}).(pulumi.StringOutput)
	task, err := ecs.NewTaskDefinition(ctx, name+"-task", &ecs.TaskDefinitionArgs{
		Family:                  pulumi.String(name + "-api"),
		RequiresCompatibilities: pulumi.StringArray{pulumi.String("FARGATE")},
		NetworkMode:             pulumi.String("awsvpc"),
		Cpu:                     pulumi.String(fmt.Sprint(args.CPU)),
		Memory:                  pulumi.String(fmt.Sprint(args.Memory)),
		ExecutionRoleArn:        execRole.Arn,
		TaskRoleArn:             taskRole.Arn,
		ContainerDefinitions:    containers,
		RuntimePlatform: &ecs.TaskDefinitionRuntimePlatformArgs{
			OperatingSystemFamily: pulumi.String("LINUX"),
			CpuArchitecture:       pulumi.String("X86_64"),
		},
	}, child)
	if err != nil {
		return nil, err
	}
	svc, err := ecs.NewService(ctx, name+"-api", &ecs.ServiceArgs{
		Cluster:                         cluster.Arn,
		TaskDefinition:                  task.Arn,
		LaunchType:                      pulumi.String("FARGATE"),
		DesiredCount:                    pulumi.Int(args.MinInstances),
		DeploymentMinimumHealthyPercent: pulumi.Int(100),
		DeploymentMaximumPercent:        pulumi.Int(200),
		DeploymentCircuitBreaker: &ecs.ServiceDeploymentCircuitBreakerArgs{
			Enable:   pulumi.Bool(true),
			Rollback: pulumi.Bool(true),
		},
		HealthCheckGracePeriodSeconds: pulumi.Int(60),
		NetworkConfiguration: &ecs.ServiceNetworkConfigurationArgs{
			Subnets:        net.PrivateSubnetIDs,
			SecurityGroups: pulumi.StringArray{taskSG},
			AssignPublicIp: pulumi.Bool(false),
		},
		LoadBalancers: ecs.ServiceLoadBalancerArray{&ecs.ServiceLoadBalancerArgs{
			TargetGroupArn: tg.Arn,
			ContainerName:  pulumi.String(containerName),
			ContainerPort:  pulumi.Int(args.ContainerPort),
		}},
		PropagateTags:        pulumi.String("SERVICE"),
		EnableEcsManagedTags: pulumi.Bool(true),
	}, child,
		// The target group must be attached to the load balancer first.
		pulumi.DependsOn([]pulumi.Resource{https}),
		// Autoscaling owns the running count after creation.
		pulumi.IgnoreChanges([]string{"desiredCount"}))
	if err != nil {
		return nil, err
	}

	resourceID := pulumi.Sprintf("service/%s/%s", cluster.Name, svc.Name)
	target, err := appautoscaling.NewTarget(ctx, name+"-scaling", &appautoscaling.TargetArgs{
		ServiceNamespace:  pulumi.String("ecs"),
		ScalableDimension: pulumi.String("ecs:service:DesiredCount"),
		ResourceId:        resourceID,
		MinCapacity:       pulumi.Int(args.MinInstances),
		MaxCapacity:       pulumi.Int(args.MaxInstances),
	}, child)
	if err != nil {
		return nil, err
	}
	if _, err := appautoscaling.NewPolicy(ctx, name+"-cpu-tracking", &appautoscaling.PolicyArgs{
		PolicyType:        pulumi.String("TargetTrackingScaling"),
		ServiceNamespace:  target.ServiceNamespace,
		ScalableDimension: target.ScalableDimension,
		ResourceId:        target.ResourceId,
		TargetTrackingScalingPolicyConfiguration: &appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationArgs{
			PredefinedMetricSpecification: &appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationPredefinedMetricSpecificationArgs{
				PredefinedMetricType: pulumi.String("ECSServiceAverageCPUUtilization"),
			},
			TargetValue: pulumi.Float64(float64(args.CPUTargetPercent)),
			// Scale out fast, scale in slowly: a region that takes over a
			// failed region's traffic must not shed capacity between waves.
			ScaleOutCooldown: pulumi.Int(60),
			ScaleInCooldown:  pulumi.Int(300),
		},
	}, child); err != nil {
		return nil, err
	}

	c.TaskRoleName = taskRole.Name
	c.ClusterName = cluster.Name
	c.ServiceName = svc.Name
	c.LogGroupName = logs.Name
	c.LoadBalancerArn = alb.Arn
	c.LoadBalancerArnSuffix = alb.ArnSuffix
	c.LoadBalancerDNSName = alb.DnsName
	c.LoadBalancerZoneID = alb.ZoneId
	c.TargetGroupArnSuffix = tg.ArnSuffix
	return c, ctx.RegisterResourceOutputs(c, pulumi.Map{
		"taskRoleName":          c.TaskRoleName,
		"clusterName":           c.ClusterName,
		"serviceName":           c.ServiceName,
		"loadBalancerArn":       c.LoadBalancerArn,
		"loadBalancerArnSuffix": c.LoadBalancerArnSuffix,
		"loadBalancerDnsName":   c.LoadBalancerDNSName,
		"loadBalancerZoneId":    c.LoadBalancerZoneID,
		"targetGroupArnSuffix":  c.TargetGroupArnSuffix,
	})
}

// privateECR matches a private ECR image reference: account, region, repository.
var privateECR = regexp.MustCompile(`^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com/([^:@]+)`)

// executionStatements are the ECS agent's permissions: write to the task's
// log group and, for a private ECR image, pull from that one repository.
func executionStatements(logGroupArn, image string) []Statement {
	st := []Statement{{
		Sid:      "WriteTaskLogs",
		Effect:   "Allow",
		Action:   []string{"logs:CreateLogStream", "logs:PutLogEvents"},
		Resource: []string{logGroupArn + ":*"},
	}}
	if m := privateECR.FindStringSubmatch(image); m != nil {
		st = append(st,
			Statement{Sid: "EcrAuth", Effect: "Allow", Action: []string{"ecr:GetAuthorizationToken"}, Resource: []string{"*"}}, // the API has no resource-level permission
			Statement{Sid: "PullApiImage", Effect: "Allow",
				Action:   []string{"ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"},
				Resource: []string{fmt.Sprintf("arn:aws:ecr:%s:%s:repository/%s", m[2], m[1], m[3])}},
		)
	}
	return st
}

type containerDefinition struct {
	Name             string           `json:"name"`
	Image            string           `json:"image"`
	Essential        bool             `json:"essential"`
	Command          []string         `json:"command,omitempty"`
	PortMappings     []portMapping    `json:"portMappings"`
	Environment      []keyValue       `json:"environment"`
	LogConfiguration logConfiguration `json:"logConfiguration"`
	StopTimeout      int              `json:"stopTimeout"`
	Ulimits          []ulimit         `json:"ulimits,omitempty"`
}

type portMapping struct {
	ContainerPort int    `json:"containerPort"`
	Protocol      string `json:"protocol"`
}

type keyValue struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type logConfiguration struct {
	LogDriver string            `json:"logDriver"`
	Options   map[string]string `json:"options"`
}

type ulimit struct {
	Name      string `json:"name"`
	SoftLimit int    `json:"softLimit"`
	HardLimit int    `json:"hardLimit"`
}

// containerDefinitions is the task's container list as ECS expects it.
func containerDefinitions(args RegionalComputeArgs, logGroup string, extra map[string]string) (string, error) {
	env := map[string]string{
		"REGION":      args.Region,
		"STACK":       args.StackName,
		"ENVIRONMENT": args.EnvironmentName,
		"PORT":        fmt.Sprint(args.ContainerPort),
		// OpenTelemetry SDKs read these: traces go to the sidecar.
		"OTEL_EXPORTER_OTLP_ENDPOINT": "http://localhost:4317",
		"OTEL_SERVICE_NAME":           args.StackName + "-api",
		"OTEL_RESOURCE_ATTRIBUTES":    "cloud.region=" + args.Region + ",deployment.environment=" + args.EnvironmentName,
		"OTEL_PROPAGATORS":            "tracecontext,xray",
	}
	for k, v := range extra {
		env[k] = v
	}
	var kv []keyValue
	for _, k := range components.SortedKeys(env) {
		kv = append(kv, keyValue{Name: k, Value: env[k]})
	}
	collectorEnv := []keyValue{{Name: "AOT_CONFIG_CONTENT", Value: fmt.Sprintf(collectorConfig, args.Region)}}
	b, err := json.Marshal([]containerDefinition{{
		Name:         containerName,
		Image:        args.Image,
		Essential:    true,
		PortMappings: []portMapping{{ContainerPort: args.ContainerPort, Protocol: "tcp"}},
		Environment:  kv,
		LogConfiguration: logConfiguration{LogDriver: "awslogs", Options: map[string]string{
			"awslogs-group":         logGroup,
			"awslogs-region":        args.Region,
			"awslogs-stream-prefix": containerName,
		}},
		// Deregistration takes 30 s; give in-flight requests that long to finish.
		StopTimeout: 30,
		Ulimits:     []ulimit{{Name: "nofile", SoftLimit: 65536, HardLimit: 65536}},
	}, {
		// The tracing sidecar: the API sends OpenTelemetry traces to it on
		// localhost; it forwards them to X-Ray. Not essential: the API keeps
		// serving if it stops.
		Name:         collectorName,
		Image:        CollectorImage,
		Essential:    false,
		PortMappings: []portMapping{},
		Environment:  collectorEnv,
		LogConfiguration: logConfiguration{LogDriver: "awslogs", Options: map[string]string{
			"awslogs-group":         logGroup,
			"awslogs-region":        args.Region,
			"awslogs-stream-prefix": collectorName,
		}},
		StopTimeout: 10,
	}})
	return string(b), err
}
