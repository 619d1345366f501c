package aws

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ecs"
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

	TaskRoleName          pulumi.StringOutput `pulumi:"taskRoleName"`
	ClusterName           pulumi.StringOutput `pulumi:"clusterName"`
	ServiceName           pulumi.StringOutput `pulumi:"serviceName"`
	LogGroupName          pulumi.StringOutput `pulumi:"logGroupName"`
	LoadBalancerArn       pulumi.StringOutput `pulumi:"loadBalancerArn"`
	LoadBalancerArnSuffix pulumi.StringOutput `pulumi:"loadBalancerArnSuffix"`
	LoadBalancerDNSName   pulumi.StringOutput `pulumi:"loadBalancerDnsName"`
	LoadBalancerZoneID    pulumi.StringOutput `pulumi:"loadBalancerZoneId"`
	TargetGroupArnSuffix  pulumi.StringOutput `pulumi:"targetGroupArnSuffix"`
	// ServiceArn, TaskDefinitionArn and TaskFamily are what a ReleaseGate
	// reads and rolls back; ReleaseAlarmNames and ReleaseAlarmArns are the
	// service's deployment alarms.
	ServiceArn        pulumi.StringOutput      `pulumi:"serviceArn"`
	TaskDefinitionArn pulumi.StringOutput      `pulumi:"taskDefinitionArn"`
	TaskFamily        pulumi.StringOutput      `pulumi:"taskFamily"`
	ReleaseAlarmNames pulumi.StringArrayOutput `pulumi:"releaseAlarmNames"`
	ReleaseAlarmArns  pulumi.StringArrayOutput `pulumi:"releaseAlarmArns"`
	// TaskRoleArns are the task definition's task and execution roles,
	// which whoever points the service at a task definition passes.
	TaskRoleArns pulumi.StringArrayOutput `pulumi:"taskRoleArns"`
	// Service is the ECS service: what runs the app.
	Service *ecs.Service
	// WorkerServices are the workers' ECS services, by worker name.
	WorkerServices map[string]pulumi.StringOutput
	// Workers are the workers' services: the app too.
	Workers []*ecs.Service
	// WorkerReleases is what a ReleaseGate holds the workers to (JSON);
	// WorkerServiceArns their services (their ids are their ARNs).
	WorkerReleases    pulumi.StringOutput
	WorkerServiceArns pulumi.StringArrayOutput
	// ClusterArn and Containers (the API's container definitions, JSON)
	// are what a Schedules runs its tasks with.
	ClusterArn pulumi.StringOutput
	Containers pulumi.StringOutput
	// network is the region's network, for a Schedules' tasks.
	network *RegionalNetwork
}

// RegionalComputeArgs configures a RegionalCompute. Zero values take the
// defaults of package components (DefaultWorkload, DefaultHealthCheck,
// DefaultLogRetentionDays, ...), which the mobile-backend config keys share.
type RegionalComputeArgs struct {
	Region         string             // required: the region of the provider passed to the component
	Network        *RegionalNetwork   // required: the region's network
	CertificateArn pulumi.StringInput // required: a validated ACM certificate in this region
	// Account is the AWS account id; "" asks STS through the region's provider.
	Account string

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
	// Secrets reach the container by reference (ECS secrets/valueFrom),
	// read by the execution role; SecretsKeyArn is the key that encrypts
	// them (AppSecrets), which the role may decrypt with.
	Secrets       []ContainerSecret
	SecretsKeyArn pulumi.StringInput
	// Alarms holds the release alarms' thresholds (ErrorRatePercent,
	// LatencyP99Ms); zero fields take components.DefaultAlarms.
	Alarms components.Alarms
	// After are resources the service waits for before it takes a new
	// version: the previous release wave's gates (ReleaseArgs.After).
	After []pulumi.Resource
	// Workers run beside the API, with its roles, settings and secrets and
	// no load balancer.
	Workers []components.Worker
	// BreakGlass opens ECS Exec into the API's tasks (breakGlass), until
	// BreakGlassUntil when set. LogKeyArn is required with it.
	BreakGlass      bool
	BreakGlassUntil time.Time
}

func (a *RegionalComputeArgs) defaults() error {
	if a.Region == "" || a.Network == nil || a.CertificateArn == nil {
		return fmt.Errorf("Region, Network and CertificateArn are required")
	}
	if a.BreakGlass && a.LogKeyArn == nil {
		return fmt.Errorf("LogKeyArn is required with BreakGlass: it encrypts the sessions")
	}
	if len(a.Secrets) > 0 && a.SecretsKeyArn == nil {
		return fmt.Errorf("SecretsKeyArn is required with Secrets")
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
	if err := args.defaults(); err != nil {
		return nil, fmt.Errorf("compute %s: %w", name, err)
	}
	c := &RegionalCompute{}
	if err := ctx.RegisterComponentResource("mobile-backend:aws:RegionalCompute", name, c, opts...); err != nil {
		return nil, err
	}
	child := pulumi.Parent(c)

	account := args.Account
	if account == "" {
		caller, err := aws.GetCallerIdentity(ctx, nil, child)
		if err != nil {
			return nil, fmt.Errorf("compute %s: caller identity: %w", name, err)
		}
		account = caller.AccountId
	}

	lbs, err := newLoadBalancer(ctx, name, args, account, child)
	if err != nil {
		return nil, err
	}
	td, err := newTaskDefinition(ctx, name, args, account, child)
	if err != nil {
		return nil, err
	}
	alarms, err := releaseAlarms(ctx, name, args, lbs, child)
	if err != nil {
		return nil, err
	}
	cluster, svc, err := newService(ctx, name, args, td.task, lbs, alarms, breakGlassCluster(args, td.logs.Name), child)
	if err != nil {
		return nil, err
	}
	workers, workerTasks, err := newWorkers(ctx, name, args, td, cluster, child)
	if err != nil {
		return nil, err
	}
	c.Workers, c.WorkerServices = workers, map[string]pulumi.StringOutput{}
	var releases, arns []any
	for i, w := range args.Workers {
		c.WorkerServices[w.Name] = workers[i].Name
		releases = append(releases, workers[i].Name, workerTasks[i].Arn, workerTasks[i].Family)
		arns = append(arns, workers[i].ID())
	}
	// What a ReleaseGate holds each worker to: its service, the task
	// definition it must run, its family (JSON, in the gate's input).
	c.WorkerReleases = pulumi.All(releases...).ApplyT(func(v []any) (string, error) {
		list := []map[string]string{}
		for i := 0; i+2 < len(v); i += 3 {
			list = append(list, map[string]string{"service": v[i].(string), "taskDefinition": v[i+1].(string), "family": v[i+2].(string)})
		}
		b, err := json.Marshal(list)
		return string(b), err
	}).(pulumi.StringOutput)
	c.WorkerServiceArns = pulumi.All(arns...).ApplyT(func(v []any) []string {
		out := []string{}
		for _, a := range v {
			out = append(out, fmt.Sprint(a))
		}
		return out
	}).(pulumi.StringArrayOutput)

	c.TaskRoleName = td.taskRole.Name
	c.ClusterName = cluster.Name
	c.ServiceName = svc.Name
	c.LogGroupName = td.logs.Name
	c.LoadBalancerArn = lbs.alb.Arn
	c.LoadBalancerArnSuffix = lbs.alb.ArnSuffix
	c.LoadBalancerDNSName = lbs.alb.DnsName
	c.LoadBalancerZoneID = lbs.alb.ZoneId
	c.TargetGroupArnSuffix = lbs.tg.ArnSuffix
	// aws_ecs_service's id is the service's ARN (its Terraform docs).
	c.ServiceArn = svc.ID().ToStringOutput()
	c.TaskDefinitionArn, c.TaskFamily = td.task.Arn, td.task.Family
	c.ReleaseAlarmNames = pulumi.StringArray{alarms[0].Name, alarms[1].Name}.ToStringArrayOutput()
	c.ReleaseAlarmArns = pulumi.StringArray{alarms[0].Arn, alarms[1].Arn}.ToStringArrayOutput()
	c.Service = svc
	c.ClusterArn, c.Containers, c.network = cluster.Arn, td.containers, args.Network
	c.TaskRoleArns = pulumi.StringArray{td.taskRole.Arn, td.execRole.Arn}.ToStringArrayOutput()
	return c, ctx.RegisterResourceOutputs(c, pulumi.Map{
		"taskRoleName":          c.TaskRoleName,
		"clusterName":           c.ClusterName,
		"serviceName":           c.ServiceName,
		"logGroupName":          c.LogGroupName,
		"loadBalancerArn":       c.LoadBalancerArn,
		"loadBalancerArnSuffix": c.LoadBalancerArnSuffix,
		"loadBalancerDnsName":   c.LoadBalancerDNSName,
		"loadBalancerZoneId":    c.LoadBalancerZoneID,
		"targetGroupArnSuffix":  c.TargetGroupArnSuffix,
		"serviceArn":            c.ServiceArn,
		"taskDefinitionArn":     c.TaskDefinitionArn,
		"taskFamily":            c.TaskFamily,
		"releaseAlarmNames":     c.ReleaseAlarmNames,
		"releaseAlarmArns":      c.ReleaseAlarmArns,
		"taskRoleArns":          c.TaskRoleArns,
	})
}
