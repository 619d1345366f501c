package aws

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/appautoscaling"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ecs"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// newService builds the cluster, the Fargate service behind the load
// balancer's target group, and its CPU target-tracking autoscaling.
func newService(ctx *pulumi.Context, name string, args RegionalComputeArgs, task *ecs.TaskDefinition, lbs *loadBalancer, alarms []*cloudwatch.MetricAlarm, exec *ecs.ClusterConfigurationArgs, child pulumi.ResourceOrInvokeOption) (*ecs.Cluster, *ecs.Service, error) {
	net := args.Network
	taskSG := net.TaskSecurityGroupID
	tg, https := lbs.tg, lbs.https
	clusterArgs := &ecs.ClusterArgs{
		Settings: ecs.ClusterSettingArray{&ecs.ClusterSettingArgs{
			Name:  pulumi.String("containerInsights"),
			Value: pulumi.String("enabled"),
		}},
	}
	if exec != nil {
		clusterArgs.Configuration = exec
	}
	cluster, err := ecs.NewCluster(ctx, name+"-cluster", clusterArgs, child)
	if err != nil {
		return nil, nil, err
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
		// The release alarms roll a deployment back too: ECS keeps it
		// IN_PROGRESS for a bake it derives from the alarms and fails it if
		// one fires ("How CloudWatch alarms detect Amazon ECS deployment
		// failures").
		Alarms: &ecs.ServiceAlarmsArgs{
			AlarmNames: pulumi.StringArray{alarms[0].Name, alarms[1].Name},
			Enable:     pulumi.Bool(true), Rollback: pulumi.Bool(true),
		},
		// pulumi up waits for the deployment to settle (one deployment,
		// all tasks running), rollbacks included; the region's
		// ReleaseGate tells a rollback from a release.
		WaitForSteadyState:            pulumi.Bool(true),
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
		// ECS Exec, while breakGlass is open (breakglass.go). Only new tasks
		// get it ("Using Amazon ECS Exec"): a change starts a deployment.
		EnableExecuteCommand: pulumi.Bool(exec != nil),
		ForceNewDeployment:   pulumi.Bool(true),
		Triggers:             pulumi.StringMap{"execute-command": pulumi.String(fmt.Sprint(exec != nil))},
	}, child,
		// The target group must be attached to the load balancer first; a
		// new version waits for the previous release wave's gates.
		pulumi.DependsOn(append([]pulumi.Resource{https}, args.After...)),
		// The deployment settles within the circuit breaker's tries and
		// the alarms' bake (the provider's default: 20 minutes).
		pulumi.Timeouts(&pulumi.CustomTimeouts{Create: "40m", Update: "40m"}),
		// Autoscaling owns the running count after creation.
		pulumi.IgnoreChanges([]string{"desiredCount"}))
	if err != nil {
		return nil, nil, err
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
		return nil, nil, err
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
		return nil, nil, err
	}

	return cluster, svc, nil
}

// workerContainer is a worker task's app container.
const workerContainer = "worker"

// newWorkers builds each worker: a task definition of the API's containers
// running the worker's command (the same roles, settings and secrets) and
// a Fargate service of it in the cluster, with no load balancer, released
// like the API (circuit breaker with rollback, steady state awaited, after
// the previous wave's gates).
func newWorkers(ctx *pulumi.Context, name string, args RegionalComputeArgs, td *taskDefinition, cluster *ecs.Cluster, child pulumi.ResourceOrInvokeOption) ([]*ecs.Service, []*ecs.TaskDefinition, error) {
	var out []*ecs.Service
	var tasks []*ecs.TaskDefinition
	for _, w := range args.Workers {
		containers := td.containers.ApplyT(func(api string) (string, error) { return workerDefinitions(api, w.Command) }).(pulumi.StringOutput)
		task, err := ecs.NewTaskDefinition(ctx, name+"-"+w.Name+"-task", &ecs.TaskDefinitionArgs{
			Family:                  pulumi.String(name + "-" + w.Name),
			RequiresCompatibilities: pulumi.StringArray{pulumi.String("FARGATE")},
			NetworkMode:             pulumi.String("awsvpc"),
			Cpu:                     pulumi.String(fmt.Sprint(args.CPU)),
			Memory:                  pulumi.String(fmt.Sprint(args.Memory)),
			ExecutionRoleArn:        td.execRole.Arn,
			TaskRoleArn:             td.taskRole.Arn,
			ContainerDefinitions:    containers,
			RuntimePlatform: &ecs.TaskDefinitionRuntimePlatformArgs{
				OperatingSystemFamily: pulumi.String("LINUX"), CpuArchitecture: pulumi.String("X86_64"),
			},
		}, child, pulumi.DependsOn([]pulumi.Resource{td.task})) // after the execution role's policy, as the API's (the agent reads the secrets)
		if err != nil {
			return nil, nil, err
		}
		svc, err := ecs.NewService(ctx, name+"-"+w.Name, &ecs.ServiceArgs{
			Cluster:                         cluster.Arn,
			TaskDefinition:                  task.Arn,
			LaunchType:                      pulumi.String("FARGATE"),
			DesiredCount:                    pulumi.Int(w.Instances),
			DeploymentMinimumHealthyPercent: pulumi.Int(100),
			DeploymentMaximumPercent:        pulumi.Int(200),
			DeploymentCircuitBreaker:        &ecs.ServiceDeploymentCircuitBreakerArgs{Enable: pulumi.Bool(true), Rollback: pulumi.Bool(true)},
			WaitForSteadyState:              pulumi.Bool(true),
			NetworkConfiguration: &ecs.ServiceNetworkConfigurationArgs{
				Subnets:        args.Network.PrivateSubnetIDs,
				SecurityGroups: pulumi.StringArray{args.Network.TaskSecurityGroupID},
				AssignPublicIp: pulumi.Bool(false),
			},
			PropagateTags:        pulumi.String("SERVICE"),
			EnableEcsManagedTags: pulumi.Bool(true),
		}, child, pulumi.DependsOn(args.After), pulumi.Timeouts(&pulumi.CustomTimeouts{Create: "40m", Update: "40m"}))
		if err != nil {
			return nil, nil, err
		}
		out, tasks = append(out, svc), append(tasks, task)
	}
	return out, tasks, nil
}
