package gcp

import (
	"fmt"

	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/cloudrunv2"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/compute"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mobile-backend/mobile-backend/components"
	"github.com/mobile-backend/mobile-backend/internal/spec"
)

// RegionalCompute is one region's Cloud Run service: running as the
// region's WorkloadIdentity, ingress only from the load balancer, startup and liveness probes
// on the health path, and the serverless network endpoint group that puts it
// behind the global load balancer.
type RegionalCompute struct {
	pulumi.ResourceState

	ServiceName         pulumi.StringOutput `pulumi:"serviceName"`
	ServiceURI          pulumi.StringOutput `pulumi:"serviceUri"` // the service's own https://…run.app address
	ServiceAccountEmail pulumi.StringOutput `pulumi:"serviceAccountEmail"`
	EndpointGroupID     pulumi.StringOutput `pulumi:"endpointGroupId"`
	// TemplateDigest changes with every new revision (what a ReleaseGate
	// runs again on); Service is what runs the app.
	TemplateDigest pulumi.StringOutput `pulumi:"templateDigest"`
	Service        *cloudrunv2.Service
	// Workers are the workers' services: the app too.
	Workers []*cloudrunv2.Service

	// job is the API's container as a job's: what a Schedules runs.
	job *cloudrunv2.JobTemplateTemplateArgs
}

// RegionalComputeArgs configures a RegionalCompute. Zero values take the
// defaults of package components (DefaultWorkload, DefaultHealthCheck,
// DefaultLogRetentionDays, ...), which the mobile-backend config keys share.
type RegionalComputeArgs struct {
	Region  string // required: the region of the provider passed in opts
	Project string // required
	// ServiceAccountEmail is the WorkloadIdentity the service runs as. Required.
	ServiceAccountEmail pulumi.StringInput

	components.Workload // CPU is rounded up to Cloud Run's 1, 2, 4 or 8 vCPU
	HealthPath          string
	// Network and Subnet give the service direct VPC egress to private
	// ranges (the Cloud SQL private IPs); empty for none.
	Network, Subnet pulumi.StringInput
	// Environment is the service's settings; pass the data tier's outputs
	// (DB_USER from GlobalDatabase.GrantTo) so that the service waits for them.
	Environment pulumi.StringMap
	// Secrets reach the container by reference (secretKeyRef, a pinned
	// version); the service account must be granted them (AppSecrets.GrantTo,
	// in After).
	Secrets []ContainerSecret
	// After are resources the service starts after: the identity's grants
	// on the data tier (the first request must not be refused).
	After []pulumi.Resource
	// Workers run beside the API as services of their own: the same
	// identity, settings and secrets, internal ingress and no invoker,
	// their CPU always allocated.
	Workers         []components.Worker
	StackName       string
	EnvironmentName string
}

// NewRegionalCompute builds the service. Pass the region's provider in opts.
func NewRegionalCompute(ctx *pulumi.Context, name string, args RegionalComputeArgs, opts ...pulumi.ResourceOption) (*RegionalCompute, error) {
	if args.Region == "" || args.Project == "" || args.ServiceAccountEmail == nil {
		return nil, fmt.Errorf("compute %s: Region, Project and ServiceAccountEmail are required", name)
	}
	c := &RegionalCompute{}
	if err := ctx.RegisterComponentResource("mobile-backend:gcp:RegionalCompute", name, c, opts...); err != nil {
		return nil, err
	}
	components.Default(&args.Image, components.CloudRunImage) // Cloud Run refuses the AWS placeholder's registry
	args.Workload = args.Workload.WithDefaults()
	components.Default(&args.HealthPath, components.DefaultHealthCheck.Path)
	child := pulumi.Parent(c)

	env := cloudrunv2.ServiceTemplateContainerEnvArray{}
	base := map[string]string{"REGION": args.Region, "STACK": args.StackName, "ENVIRONMENT": args.EnvironmentName}
	for _, k := range components.SortedKeys(base) {
		env = append(env, &cloudrunv2.ServiceTemplateContainerEnvArgs{Name: pulumi.String(k), Value: pulumi.String(base[k])})
	}
	for _, k := range components.SortedKeys(map[string]pulumi.StringInput(args.Environment)) {
		env = append(env, &cloudrunv2.ServiceTemplateContainerEnvArgs{Name: pulumi.String(k), Value: args.Environment[k]})
	}
	for _, sec := range args.Secrets {
		env = append(env, &cloudrunv2.ServiceTemplateContainerEnvArgs{Name: pulumi.String(sec.Name), ValueSource: &cloudrunv2.ServiceTemplateContainerEnvValueSourceArgs{
			SecretKeyRef: &cloudrunv2.ServiceTemplateContainerEnvValueSourceSecretKeyRefArgs{Secret: sec.SecretID, Version: sec.Version},
		}})
	}
	// The same container as a job's (Schedules): its settings, secrets,
	// identity and network.
	jobEnv := cloudrunv2.JobTemplateTemplateContainerEnvArray{}
	for _, k := range components.SortedKeys(base) {
		jobEnv = append(jobEnv, &cloudrunv2.JobTemplateTemplateContainerEnvArgs{Name: pulumi.String(k), Value: pulumi.String(base[k])})
	}
	for _, k := range components.SortedKeys(map[string]pulumi.StringInput(args.Environment)) {
		jobEnv = append(jobEnv, &cloudrunv2.JobTemplateTemplateContainerEnvArgs{Name: pulumi.String(k), Value: args.Environment[k]})
	}
	for _, sec := range args.Secrets {
		jobEnv = append(jobEnv, &cloudrunv2.JobTemplateTemplateContainerEnvArgs{Name: pulumi.String(sec.Name), ValueSource: &cloudrunv2.JobTemplateTemplateContainerEnvValueSourceArgs{
			SecretKeyRef: &cloudrunv2.JobTemplateTemplateContainerEnvValueSourceSecretKeyRefArgs{Secret: sec.SecretID, Version: sec.Version},
		}})
	}
	c.job = &cloudrunv2.JobTemplateTemplateArgs{
		ServiceAccount: args.ServiceAccountEmail,
		Containers: cloudrunv2.JobTemplateTemplateContainerArray{&cloudrunv2.JobTemplateTemplateContainerArgs{
			Image: pulumi.String(args.Image), Envs: jobEnv,
			Resources: &cloudrunv2.JobTemplateTemplateContainerResourcesArgs{Limits: pulumi.StringMap{
				"cpu": pulumi.String(fmt.Sprint(spec.CloudRunCPU(args.CPU))), "memory": pulumi.String(fmt.Sprintf("%dMi", args.Memory)),
			}},
		}},
	}
	if args.Network != nil && args.Subnet != nil {
		c.job.VpcAccess = jobEgress(args.Network, args.Subnet)
	}
	probe := &cloudrunv2.ServiceTemplateContainerStartupProbeHttpGetArgs{Path: pulumi.String(args.HealthPath), Port: pulumi.Int(args.ContainerPort)}
	template := &cloudrunv2.ServiceTemplateArgs{
		ServiceAccount:                args.ServiceAccountEmail,
		MaxInstanceRequestConcurrency: pulumi.Int(args.Concurrency),
		Timeout:                       pulumi.String("60s"),
		Scaling: &cloudrunv2.ServiceTemplateScalingArgs{
			MinInstanceCount: pulumi.Int(args.MinInstances),
			MaxInstanceCount: pulumi.Int(args.MaxInstances),
		},
		Containers: cloudrunv2.ServiceTemplateContainerArray{&cloudrunv2.ServiceTemplateContainerArgs{
			Image: pulumi.String(args.Image),
			Ports: cloudrunv2.ServiceTemplateContainerPortArray{&cloudrunv2.ServiceTemplateContainerPortArgs{ContainerPort: pulumi.Int(args.ContainerPort), Name: pulumi.String("http1")}},
			Resources: &cloudrunv2.ServiceTemplateContainerResourcesArgs{
				Limits: pulumi.StringMap{
					"cpu":    pulumi.String(fmt.Sprint(spec.CloudRunCPU(args.CPU))),
					"memory": pulumi.String(fmt.Sprintf("%dMi", args.Memory)),
				},
				StartupCpuBoost: pulumi.Bool(true),
			},
			Envs: env,
			StartupProbe: &cloudrunv2.ServiceTemplateContainerStartupProbeArgs{
				HttpGet: probe, PeriodSeconds: pulumi.Int(5), TimeoutSeconds: pulumi.Int(3), FailureThreshold: pulumi.Int(12),
			},
			LivenessProbe: &cloudrunv2.ServiceTemplateContainerLivenessProbeArgs{
				HttpGet:       &cloudrunv2.ServiceTemplateContainerLivenessProbeHttpGetArgs{Path: pulumi.String(args.HealthPath), Port: pulumi.Int(args.ContainerPort)},
				PeriodSeconds: pulumi.Int(10), TimeoutSeconds: pulumi.Int(3), FailureThreshold: pulumi.Int(3),
			},
		}},
	}
	if args.Network != nil && args.Subnet != nil {
		template.VpcAccess = &cloudrunv2.ServiceTemplateVpcAccessArgs{
			Egress: pulumi.String("PRIVATE_RANGES_ONLY"),
			NetworkInterfaces: cloudrunv2.ServiceTemplateVpcAccessNetworkInterfaceArray{
				&cloudrunv2.ServiceTemplateVpcAccessNetworkInterfaceArgs{Network: args.Network, Subnetwork: args.Subnet},
			},
		}
	}
	svc, err := cloudrunv2.NewService(ctx, name+"-api", &cloudrunv2.ServiceArgs{
		Name:     pulumi.String(resourceName(name+"-api", 49)),
		Location: pulumi.String(args.Region),
		// Only the load balancer (and so Cloud Armor) reaches the service.
		Ingress:  pulumi.String("INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER"),
		Template: template,
	}, child, pulumi.DependsOn(args.After))
	if err != nil {
		return nil, err
	}
	for _, w := range args.Workers {
		worker, err := newWorker(ctx, name, args, template, w, child)
		if err != nil {
			return nil, err
		}
		c.Workers = append(c.Workers, worker)
	}
	// The load balancer does not authenticate to Cloud Run, so invocations
	// are open to all callers; ingress keeps them to the load balancer's.
	if _, err := cloudrunv2.NewServiceIamMember(ctx, name+"-invoker", &cloudrunv2.ServiceIamMemberArgs{
		Name: svc.Name, Location: pulumi.String(args.Region),
		Role: pulumi.String("roles/run.invoker"), Member: pulumi.String("allUsers"),
	}, child); err != nil {
		return nil, err
	}
	neg, err := compute.NewRegionNetworkEndpointGroup(ctx, name+"-neg", &compute.RegionNetworkEndpointGroupArgs{
		Name:                pulumi.String(resourceName(name+"-neg", 63)),
		Region:              pulumi.String(args.Region),
		NetworkEndpointType: pulumi.String("SERVERLESS"),
		CloudRun:            &compute.RegionNetworkEndpointGroupCloudRunArgs{Service: svc.Name},
	}, child)
	if err != nil {
		return nil, err
	}
	c.ServiceName = svc.Name
	c.ServiceURI = svc.Uri
	c.ServiceAccountEmail = pulumi.ToOutput(args.ServiceAccountEmail).(pulumi.StringOutput)
	c.EndpointGroupID = neg.ID().ToStringOutput()
	c.TemplateDigest = svc.Template.ApplyT(templateDigest).(pulumi.StringOutput)
	c.Service = svc
	return c, ctx.RegisterResourceOutputs(c, pulumi.Map{
		"serviceName": c.ServiceName, "serviceUri": c.ServiceURI, "serviceAccountEmail": c.ServiceAccountEmail, "endpointGroupId": c.EndpointGroupID,
		"templateDigest": c.TemplateDigest,
	})
}

// newWorker is a worker: the API's template running the worker's command
// as a service of its own, Instances of it always up, CPU always
// allocated (no request drives it), reachable by nothing outside the
// project's network and invoked by no one (no invoker binding). Cloud Run
// still probes it on its port (the default TCP startup probe): it must
// listen on PORT. At the pinned SDK there are no worker pools.
func newWorker(ctx *pulumi.Context, name string, args RegionalComputeArgs, api *cloudrunv2.ServiceTemplateArgs, w components.Worker, child pulumi.ResourceOrInvokeOption) (*cloudrunv2.Service, error) {
	container := *(api.Containers.(cloudrunv2.ServiceTemplateContainerArray)[0].(*cloudrunv2.ServiceTemplateContainerArgs))
	container.Commands, container.Args = pulumi.StringArray{pulumi.String(w.Command[0])}, pulumi.ToStringArray(w.Command[1:])
	container.StartupProbe, container.LivenessProbe = nil, nil
	resources := *(container.Resources.(*cloudrunv2.ServiceTemplateContainerResourcesArgs))
	resources.CpuIdle = pulumi.Bool(false)
	container.Resources = &resources
	template := *api
	template.Containers = cloudrunv2.ServiceTemplateContainerArray{&container}
	template.Scaling = &cloudrunv2.ServiceTemplateScalingArgs{MinInstanceCount: pulumi.Int(w.Instances), MaxInstanceCount: pulumi.Int(w.Instances)}
	return cloudrunv2.NewService(ctx, name+"-"+w.Name, &cloudrunv2.ServiceArgs{
		Name:     pulumi.String(resourceName(name+"-"+w.Name, 49)),
		Location: pulumi.String(args.Region),
		Ingress:  pulumi.String("INGRESS_TRAFFIC_INTERNAL_ONLY"),
		Template: &template,
	}, child, pulumi.DependsOn(args.After))
}
