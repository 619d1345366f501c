package azure

import (
	"fmt"
	"net/netip"

	"github.com/pulumi/pulumi-azure-native-sdk/app/v2"
	"github.com/pulumi/pulumi-azure-native-sdk/network/v2"
	"github.com/pulumi/pulumi-azure-native-sdk/operationalinsights/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mobile-backend/mobile-backend/internal/spec"
)

// RegionalCompute is one region's serving stamp on Azure: a Log Analytics
// workspace, a virtual network (a /23 for the Container Apps environment, a
// /24 for private endpoints), a zone-redundant Container Apps environment in
// it, and the API's container app with a system-assigned identity, HTTPS-only
// external ingress, probes on the health path and an HTTP scale rule.
type RegionalCompute struct {
	pulumi.ResourceState

	AppFQDN             pulumi.StringOutput `pulumi:"appFqdn"`
	AppID               pulumi.StringOutput `pulumi:"appId"`
	EnvironmentID       pulumi.StringOutput `pulumi:"environmentId"`
	WorkspaceID         pulumi.StringOutput `pulumi:"workspaceId"`
	VirtualNetworkID    pulumi.StringOutput `pulumi:"virtualNetworkId"`
	AppsSubnetID        pulumi.StringOutput `pulumi:"appsSubnetId"`
	EndpointsSubnetID   pulumi.StringOutput `pulumi:"endpointsSubnetId"`
	IdentityPrincipalID pulumi.StringOutput `pulumi:"identityPrincipalId"`
}

// RegionalComputeArgs configures a RegionalCompute. Zero values mean the
// documented default of the matching mobile-backend config key.
type RegionalComputeArgs struct {
	Region        string             // required
	ResourceGroup pulumi.StringInput // required: the region's resource group
	CIDR          string             // required: the virtual network's range, /16 to /22
	Tags          pulumi.StringMap
	// FrontDoorID is the Front Door profile's id: the app receives it as
	// FRONT_DOOR_ID and must refuse requests whose X-Azure-FDID header differs.
	FrontDoorID pulumi.StringInput
	// DDoSPlanID, when set, puts the virtual network under that Azure DDoS
	// Protection plan.
	DDoSPlanID pulumi.StringInput

	spec.Workload    // CPU in steps of 256 units; Memory twice the CPU in GiB
	HealthPath       string
	LogRetentionDays int
	Environment      pulumi.StringMap
	StackName        string
	EnvironmentName  string
}

// NewRegionalCompute builds the stamp. Pass the region's provider in opts.
func NewRegionalCompute(ctx *pulumi.Context, name string, args RegionalComputeArgs, opts ...pulumi.ResourceOption) (*RegionalCompute, error) {
	c := &RegionalCompute{}
	if err := ctx.RegisterComponentResource("mobile-backend:azure:RegionalCompute", name, c, opts...); err != nil {
		return nil, err
	}
	if args.Region == "" || args.ResourceGroup == nil || args.CIDR == "" {
		return nil, fmt.Errorf("compute %s: Region, ResourceGroup and CIDR are required", name)
	}
	d := spec.Defaults()
	args.Workload = args.Workload.WithDefaults()
	spec.Default(&args.HealthPath, d.HealthCheck.Path)
	spec.Default(&args.LogRetentionDays, d.LogRetentionDays)
	appsRange, endpointsRange, err := subnetPlan(args.CIDR)
	if err != nil {
		return nil, fmt.Errorf("compute %s: %w", name, err)
	}
	child := pulumi.Parent(c)
	rg := args.ResourceGroup

	ws, err := operationalinsights.NewWorkspace(ctx, name+"-logs", &operationalinsights.WorkspaceArgs{
		WorkspaceName:     pulumi.String(resourceName(name+"-logs", 63)),
		ResourceGroupName: rg,
		Location:          pulumi.String(args.Region),
		Sku:               &operationalinsights.WorkspaceSkuArgs{Name: pulumi.String("PerGB2018")},
		// Log Analytics keeps at least 30 days.
		RetentionInDays: pulumi.Int(max(30, args.LogRetentionDays)),
		Tags:            args.Tags,
	}, child)
	if err != nil {
		return nil, fmt.Errorf("compute %s: %w", name, err)
	}
	keys := operationalinsights.GetSharedKeysOutput(ctx, operationalinsights.GetSharedKeysOutputArgs{
		ResourceGroupName: rg, WorkspaceName: ws.Name,
	}, child)

	var ddosPlan *network.SubResourceArgs
	if args.DDoSPlanID != nil {
		ddosPlan = &network.SubResourceArgs{Id: args.DDoSPlanID}
	}
	vnet, err := network.NewVirtualNetwork(ctx, name+"-vnet", &network.VirtualNetworkArgs{
		VirtualNetworkName:   pulumi.String(resourceName(name+"-vnet", 64)),
		DdosProtectionPlan:   ddosPlan,
		EnableDdosProtection: pulumi.Bool(args.DDoSPlanID != nil),
		ResourceGroupName:    rg,
		Location:             pulumi.String(args.Region),
		AddressSpace:         &network.AddressSpaceArgs{AddressPrefixes: pulumi.StringArray{pulumi.String(args.CIDR)}},
		Subnets: network.SubnetTypeArray{
			// A consumption-only Container Apps environment needs an empty,
			// undelegated /23.
			&network.SubnetTypeArgs{Name: pulumi.String("apps"), AddressPrefix: pulumi.String(appsRange),
				// The storage account admits this subnet through a service endpoint.
				ServiceEndpoints: network.ServiceEndpointPropertiesFormatArray{&network.ServiceEndpointPropertiesFormatArgs{Service: pulumi.String("Microsoft.Storage")}}},
			&network.SubnetTypeArgs{Name: pulumi.String("endpoints"), AddressPrefix: pulumi.String(endpointsRange),
				PrivateEndpointNetworkPolicies: pulumi.String("Disabled")},
		},
		Tags: args.Tags,
	}, child)
	if err != nil {
		return nil, err
	}
	appsSubnet := pulumi.Sprintf("%s/subnets/apps", vnet.ID())

	env, err := app.NewManagedEnvironment(ctx, name+"-env", &app.ManagedEnvironmentArgs{
		EnvironmentName:   pulumi.String(resourceName(name+"-env", 60)),
		ResourceGroupName: rg,
		Location:          pulumi.String(args.Region),
		ZoneRedundant:     pulumi.Bool(spec.AzureHasZones(args.Region)), // zone-redundant wherever the region has zones
		VnetConfiguration: &app.VnetConfigurationArgs{InfrastructureSubnetId: appsSubnet, Internal: pulumi.Bool(false)},
		AppLogsConfiguration: &app.AppLogsConfigurationArgs{
			Destination: pulumi.String("log-analytics"),
			LogAnalyticsConfiguration: &app.LogAnalyticsConfigurationArgs{
				CustomerId: ws.CustomerId,
				SharedKey:  keys.PrimarySharedKey(),
			},
		},
		Tags: args.Tags,
	}, child)
	if err != nil {
		return nil, err
	}

	envVars := app.EnvironmentVarArray{}
	base := pulumi.StringMap{
		"REGION": pulumi.String(args.Region), "STACK": pulumi.String(args.StackName),
		"ENVIRONMENT": pulumi.String(args.EnvironmentName), "PORT": pulumi.String(fmt.Sprint(args.ContainerPort)),
	}
	if args.FrontDoorID != nil {
		base["FRONT_DOOR_ID"] = args.FrontDoorID
	}
	for k, v := range args.Environment {
		base[k] = v
	}
	for _, k := range spec.SortedKeys(map[string]pulumi.StringInput(base)) {
		envVars = append(envVars, &app.EnvironmentVarArgs{Name: pulumi.String(k), Value: base[k]})
	}
	probe := func(kind string, period, failures int) *app.ContainerAppProbeArgs {
		return &app.ContainerAppProbeArgs{
			Type:             pulumi.String(kind),
			HttpGet:          &app.ContainerAppProbeHttpGetArgs{Path: pulumi.String(args.HealthPath), Port: pulumi.Int(args.ContainerPort)},
			PeriodSeconds:    pulumi.Int(period),
			FailureThreshold: pulumi.Int(failures),
			TimeoutSeconds:   pulumi.Int(3),
		}
	}
	ca, err := app.NewContainerApp(ctx, name+"-api", &app.ContainerAppArgs{
		ContainerAppName:     pulumi.String(resourceName(name+"-api", 32)),
		ResourceGroupName:    rg,
		Location:             pulumi.String(args.Region),
		ManagedEnvironmentId: env.ID(),
		Identity:             &app.ManagedServiceIdentityArgs{Type: pulumi.String("SystemAssigned")},
		Configuration: &app.ConfigurationArgs{
			ActiveRevisionsMode: pulumi.String("Single"),
			Ingress: &app.IngressArgs{
				External:      pulumi.Bool(true),
				TargetPort:    pulumi.Int(args.ContainerPort),
				Transport:     pulumi.String("auto"),
				AllowInsecure: pulumi.Bool(false), // HTTPS only
			},
		},
		Template: &app.TemplateArgs{
			Containers: app.ContainerArray{&app.ContainerArgs{
				Name:  pulumi.String("api"),
				Image: pulumi.String(args.Image),
				Resources: &app.ContainerResourcesArgs{
					Cpu:    pulumi.Float64(float64(args.CPU) / 1024),
					Memory: pulumi.String(fmt.Sprintf("%.2gGi", float64(args.Memory)/1024)),
				},
				Env: envVars,
				Probes: app.ContainerAppProbeArray{
					probe("Startup", 5, 12), probe("Liveness", 10, 3), probe("Readiness", 5, 3),
				},
			}},
			Scale: &app.ScaleArgs{
				MinReplicas: pulumi.Int(args.MinInstances),
				MaxReplicas: pulumi.Int(args.MaxInstances),
				Rules: app.ScaleRuleArray{&app.ScaleRuleArgs{
					Name: pulumi.String("http"),
					Http: &app.HttpScaleRuleArgs{Metadata: pulumi.StringMap{"concurrentRequests": pulumi.String(fmt.Sprint(args.Concurrency))}},
				}},
			},
		},
		Tags: args.Tags,
	}, child)
	if err != nil {
		return nil, err
	}
	c.AppFQDN = ca.Configuration.ApplyT(func(cfg *app.ConfigurationResponse) string {
		if cfg == nil || cfg.Ingress == nil {
			return ""
		}
		return cfg.Ingress.Fqdn
	}).(pulumi.StringOutput)
	c.AppID = ca.ID().ToStringOutput()
	c.EnvironmentID = env.ID().ToStringOutput()
	c.WorkspaceID = ws.ID().ToStringOutput()
	c.VirtualNetworkID = vnet.ID().ToStringOutput()
	c.EndpointsSubnetID = pulumi.Sprintf("%s/subnets/endpoints", vnet.ID())
	c.AppsSubnetID = appsSubnet
	c.IdentityPrincipalID = ca.Identity.ApplyT(func(id *app.ManagedServiceIdentityResponse) string {
		if id == nil || id.PrincipalId == "" {
			return ""
		}
		return id.PrincipalId
	}).(pulumi.StringOutput)
	return c, ctx.RegisterResourceOutputs(c, pulumi.Map{
		"appFqdn": c.AppFQDN, "appId": c.AppID, "environmentId": c.EnvironmentID, "workspaceId": c.WorkspaceID,
		"virtualNetworkId": c.VirtualNetworkID, "appsSubnetId": c.AppsSubnetID, "endpointsSubnetId": c.EndpointsSubnetID, "identityPrincipalId": c.IdentityPrincipalID,
	})
}

// subnetPlan carves a region's range: the first /23 for the Container Apps
// environment, the next /24 for private endpoints.
func subnetPlan(cidr string) (apps, endpoints string, err error) {
	p, err := netip.ParsePrefix(cidr)
	if err != nil || !p.Addr().Is4() || p.Bits() > 22 {
		return "", "", fmt.Errorf("virtual network range %q must be an IPv4 /16 to /22", cidr)
	}
	base := p.Masked().Addr().As4()
	apps = netip.PrefixFrom(netip.AddrFrom4(base), 23).String()
	base[2] += 2
	endpoints = netip.PrefixFrom(netip.AddrFrom4(base), 24).String()
	return apps, endpoints, nil
}
