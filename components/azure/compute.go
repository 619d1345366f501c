package azure

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-azure-native-sdk/app/v2"
	containerapp "github.com/pulumi/pulumi-azure-native-sdk/app/v2/v20240301"
	"github.com/pulumi/pulumi-azure-native-sdk/authorization/v2"
	"github.com/pulumi/pulumi-azure-native-sdk/insights/v2"
	"github.com/pulumi/pulumi-azure-native-sdk/operationalinsights/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mobile-backend/mobile-backend/components"
	"github.com/mobile-backend/mobile-backend/components/azure/internal/job"
	"github.com/mobile-backend/mobile-backend/internal/spec"
)

// AcrPull is the built-in role that pulls images from a container registry
// (learn.microsoft.com, "Azure built-in roles": AcrPull).
const AcrPull = "7f951dda-4ed3-4680-a7ca-43fe172d538d"

// RegionalCompute is one region's serving stamp on Azure: a Log Analytics
// workspace, a zone-redundant Container Apps environment in the region's
// Network, and the API's container app with a user-assigned identity of its
// own (whose client id names its SQL user),
// HTTPS-only external ingress, probes on the health path and an HTTP scale
// rule.
type RegionalCompute struct {
	pulumi.ResourceState

	AppFQDN       pulumi.StringOutput `pulumi:"appFqdn"`
	AppID         pulumi.StringOutput `pulumi:"appId"`
	EnvironmentID pulumi.StringOutput `pulumi:"environmentId"`
	WorkspaceID   pulumi.StringOutput `pulumi:"workspaceId"`
	WorkspaceName pulumi.StringOutput `pulumi:"workspaceName"`
	// InsightsID is the region's Application Insights, which the app's
	// traces go to (APPLICATIONINSIGHTS_CONNECTION_STRING).
	InsightsID          pulumi.StringOutput `pulumi:"insightsId"`
	IdentityPrincipalID pulumi.StringOutput `pulumi:"identityPrincipalId"`
	// IdentityClientID is the app's identity's client (application) id: the
	// SID of its contained database user, and AZURE_CLIENT_ID in the app.
	IdentityClientID pulumi.StringOutput `pulumi:"identityClientId"`
	// IdentityName is the identity's name: the app's database user name.
	IdentityName string
	// TemplateDigest changes with every new revision (what a ReleaseGate
	// runs again on); App is what runs the app.
	TemplateDigest pulumi.StringOutput `pulumi:"templateDigest"`
	App            *containerapp.ContainerApp
	// Workers are the workers' apps, in the order of Workers: the app too.
	Workers []*containerapp.ContainerApp

	// job is the API's container as a job's: what a Schedules runs.
	job jobContainer
}

// RegionalComputeArgs configures a RegionalCompute. Zero values take the
// defaults of package components (DefaultWorkload, DefaultHealthCheck,
// DefaultLogRetentionDays, ...), which the mobile-backend config keys share.
type RegionalComputeArgs struct {
	Region string // required
	// Lookups, when set, is the provider the workspace-key lookup goes
	// through (Azure Resource Manager is global), so that a stack in a
	// region's outage calls nothing through that region's provider.
	Lookups       pulumi.ProviderResource
	ResourceGroup pulumi.StringInput // required: the region's resource group
	// AppsSubnetID is the Network's subnet delegated to Container Apps. Required.
	AppsSubnetID pulumi.StringInput
	Tags         pulumi.StringMap
	// FrontDoorID is the Front Door profile's id: the app receives it as
	// FRONT_DOOR_ID and must refuse requests whose X-Azure-FDID header differs.
	FrontDoorID pulumi.StringInput

	components.Workload // CPU in steps of 256 units; Memory twice the CPU in GiB
	HealthPath          string
	LogRetentionDays    int
	Environment         pulumi.StringMap
	StackName           string
	EnvironmentName     string
	// Secrets reach the container by Key Vault reference through the app's
	// identity, which gets Key Vault Secrets User on SecretsVaultID (its
	// region's AppSecrets vault) before the app is made. Subscription names
	// the role's definition.
	Secrets        []ContainerSecret
	SecretsVaultID pulumi.StringInput
	SecretsReady   []pulumi.Resource // the vault's private endpoint and DNS
	Subscription   pulumi.StringInput
	// RegistryID is the Azure Container Registry of a private image: the
	// app's identity gets AcrPull on it and pulls through it (registries).
	RegistryID string
	// After are resources the app waits for before it takes a new
	// revision: the previous release wave's gates (ReleaseArgs.After).
	After []pulumi.Resource
	// Workers run beside the API as container apps of their own: the same
	// environment, identity, settings and secrets, no ingress.
	Workers []components.Worker
}

// NewRegionalCompute builds the stamp. Pass the region's provider in opts.
func NewRegionalCompute(ctx *pulumi.Context, name string, args RegionalComputeArgs, opts ...pulumi.ResourceOption) (*RegionalCompute, error) {
	p, err := BeginRegionalCompute(ctx, name, args, opts...)
	if err != nil {
		return nil, err
	}
	return p.Finish(args.After)
}

// PendingCompute is a RegionalCompute whose environment and identity exist
// and whose app does not yet: what runs in the environment before the app
// (the database users, the migrations) is built between the two.
type PendingCompute struct {
	// EnvironmentID is the Container Apps environment; IdentityName and
	// IdentityClientID the app's identity (its database user).
	EnvironmentID    pulumi.StringOutput
	IdentityName     string
	IdentityClientID pulumi.StringOutput

	ctx      *pulumi.Context
	name     string
	args     RegionalComputeArgs
	c        *RegionalCompute
	child    pulumi.ResourceOrInvokeOption
	ws       *operationalinsights.Workspace
	traces   *insights.Component
	env      *app.ManagedEnvironment
	identity *Identity
	base     pulumi.StringMap
}

// BeginRegionalCompute builds the component, its logs, traces, Container
// Apps environment and the app's identity; Finish builds the app. Pass the
// region's provider in opts.
func BeginRegionalCompute(ctx *pulumi.Context, name string, args RegionalComputeArgs, opts ...pulumi.ResourceOption) (*PendingCompute, error) {
	if args.Region == "" || args.ResourceGroup == nil || args.AppsSubnetID == nil {
		return nil, fmt.Errorf("compute %s: Region, ResourceGroup and AppsSubnetID are required", name)
	}
	if len(args.Secrets) > 0 && (args.SecretsVaultID == nil || args.Subscription == nil) {
		return nil, fmt.Errorf("compute %s: SecretsVaultID and Subscription are required with Secrets", name)
	}
	if args.RegistryID != "" && args.Subscription == nil {
		return nil, fmt.Errorf("compute %s: Subscription is required with RegistryID", name)
	}
	c := &RegionalCompute{}
	if err := ctx.RegisterComponentResource("mobile-backend:azure:RegionalCompute", name, c, opts...); err != nil {
		return nil, err
	}
	args.Workload = args.Workload.WithDefaults()
	components.Default(&args.HealthPath, components.DefaultHealthCheck.Path)
	components.Default(&args.LogRetentionDays, components.DefaultLogRetentionDays)
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
	// Traces: workspace-based Application Insights in the region, sampled at
	// TraceSamplingPercent; the app gets its connection string.
	traces, err := insights.NewComponent(ctx, name+"-insights", &insights.ComponentArgs{
		ResourceName:        pulumi.String(resourceName(name+"-insights", 255)),
		ResourceGroupName:   rg,
		Location:            pulumi.String(args.Region),
		Kind:                pulumi.String("web"),
		ApplicationType:     pulumi.String("web"),
		WorkspaceResourceId: ws.ID(),
		IngestionMode:       pulumi.String("LogAnalytics"),
		SamplingPercentage:  pulumi.Float64(TraceSamplingPercent),
		Tags:                args.Tags,
	}, child)
	if err != nil {
		return nil, err
	}
	keys := operationalinsights.GetSharedKeysOutput(ctx, operationalinsights.GetSharedKeysOutputArgs{
		ResourceGroupName: rg, WorkspaceName: ws.Name,
	}, lookups(args.Lookups, child))

	env, err := app.NewManagedEnvironment(ctx, name+"-env", &app.ManagedEnvironmentArgs{
		EnvironmentName:   pulumi.String(resourceName(name+"-env", 60)),
		ResourceGroupName: rg,
		Location:          pulumi.String(args.Region),
		ZoneRedundant:     pulumi.Bool(spec.AzureHasZones(args.Region)), // zone-redundant wherever the region has zones
		VnetConfiguration: &app.VnetConfigurationArgs{InfrastructureSubnetId: args.AppsSubnetID, Internal: pulumi.Bool(false)},
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
	// OpenTelemetry's service name; the Azure Monitor OpenTelemetry
	// distro reads the connection string from this variable ("Enable Azure
	// Monitor OpenTelemetry", learn.microsoft.com).
	base["OTEL_SERVICE_NAME"] = pulumi.String(args.StackName + "-api")
	// The app's own identity, made before the app so that its grants can be
	// too: AZURE_CLIENT_ID picks it for the Azure SDKs' default credential
	// and for SQL ("Active Directory Managed Identity", User Id = client id).
	identity, err := NewIdentity(ctx, name+"-identity", name+"-api", "regional-compute", rg, args.Region, args.Tags, child)
	if err != nil {
		return nil, err
	}
	base["AZURE_CLIENT_ID"] = identity.ClientID
	return &PendingCompute{
		EnvironmentID: env.ID().ToStringOutput(), IdentityName: identity.Name, IdentityClientID: identity.ClientID,
		ctx: ctx, name: name, args: args, c: c, child: child, ws: ws, traces: traces, env: env, identity: identity, base: base,
	}, nil
}

// Finish builds the app, which takes a new revision only after after (the
// previous release wave's gates), and registers the component's outputs.
func (p *PendingCompute) Finish(after []pulumi.Resource) (*RegionalCompute, error) {
	return p.c.build(p, after)
}

// build is Finish: the app and the component's outputs.
func (c *RegionalCompute) build(p *PendingCompute, after []pulumi.Resource) (*RegionalCompute, error) {
	ctx, name, args, child, ws, traces, env, identity, base := p.ctx, p.name, p.args, p.child, p.ws, p.traces, p.env, p.identity, p.base
	rg := args.ResourceGroup
	envVars := containerapp.EnvironmentVarArray{}
	for _, k := range components.SortedKeys(map[string]pulumi.StringInput(base)) {
		envVars = append(envVars, &containerapp.EnvironmentVarArgs{Name: pulumi.String(k), Value: base[k]})
	}
	var secrets containerapp.SecretArray
	var appAfter []pulumi.Resource
	for _, sec := range args.Secrets {
		secrets = append(secrets, &containerapp.SecretArgs{Name: pulumi.String(sec.Ref), KeyVaultUrl: sec.URI, Identity: identity.ID()})
		envVars = append(envVars, &containerapp.EnvironmentVarArgs{Name: pulumi.String(sec.Name), SecretRef: pulumi.String(sec.Ref)})
	}
	if len(args.Secrets) > 0 {
		reads, err := authorization.NewRoleAssignment(ctx, name+"-reads-secrets", &authorization.RoleAssignmentArgs{
			PrincipalId: identity.PrincipalID, PrincipalType: pulumi.String("ServicePrincipal"),
			RoleDefinitionId: roleDefinitionID(args.Subscription, KeyVaultSecretsUser), Scope: args.SecretsVaultID,
		}, child)
		if err != nil {
			return nil, err
		}
		appAfter = append(append(appAfter, reads), args.SecretsReady...)
	}
	var registries containerapp.RegistryCredentialsArray
	if args.RegistryID != "" {
		pull, err := authorization.NewRoleAssignment(ctx, name+"-pulls-image", &authorization.RoleAssignmentArgs{
			PrincipalId: identity.PrincipalID, PrincipalType: pulumi.String("ServicePrincipal"),
			RoleDefinitionId: roleDefinitionID(args.Subscription, AcrPull), Scope: pulumi.String(args.RegistryID),
		}, child)
		if err != nil {
			return nil, err
		}
		appAfter = append(appAfter, pull)
		host, _, _ := strings.Cut(args.Image, "/")
		// The identity's full resource id ("Identity: … full user-assigned
		// identity Resource ID", RegistryCredentials).
		registries = append(registries, &containerapp.RegistryCredentialsArgs{Server: pulumi.String(host), Identity: identity.ID()})
	}
	// A plain value: the connection string's ingestion key only lets one send
	// telemetry, and Microsoft does not consider it a security token
	// ("Connection strings in Application Insights", learn.microsoft.com).
	envVars = append(envVars, &containerapp.EnvironmentVarArgs{Name: pulumi.String("APPLICATIONINSIGHTS_CONNECTION_STRING"), Value: traces.ConnectionString})
	probe := func(kind string, period, failures int) *containerapp.ContainerAppProbeArgs {
		return &containerapp.ContainerAppProbeArgs{
			Type:             pulumi.String(kind),
			HttpGet:          &containerapp.ContainerAppProbeHttpGetArgs{Path: pulumi.String(args.HealthPath), Port: pulumi.Int(args.ContainerPort)},
			PeriodSeconds:    pulumi.Int(period),
			FailureThreshold: pulumi.Int(failures),
			TimeoutSeconds:   pulumi.Int(3),
		}
	}
	ca, err := containerapp.NewContainerApp(ctx, name+"-api", &containerapp.ContainerAppArgs{
		ContainerAppName:     pulumi.String(resourceName(name+"-api", 32)),
		ResourceGroupName:    rg,
		Location:             pulumi.String(args.Region),
		ManagedEnvironmentId: env.ID(),
		Identity:             &containerapp.ManagedServiceIdentityArgs{Type: pulumi.String("UserAssigned"), UserAssignedIdentities: pulumi.StringArray{identity.ID()}},
		Configuration: &containerapp.ConfigurationArgs{
			ActiveRevisionsMode: pulumi.String("Single"),
			Secrets:             secrets,
			Registries:          registries,
			Ingress: &containerapp.IngressArgs{
				External:      pulumi.Bool(true),
				TargetPort:    pulumi.Int(args.ContainerPort),
				Transport:     pulumi.String("auto"),
				AllowInsecure: pulumi.Bool(false), // HTTPS only
			},
		},
		Template: &containerapp.TemplateArgs{
			Containers: containerapp.ContainerArray{&containerapp.ContainerArgs{
				Name:  pulumi.String("api"),
				Image: pulumi.String(args.Image),
				Resources: &containerapp.ContainerResourcesArgs{
					Cpu:    pulumi.Float64(float64(args.CPU) / 1024),
					Memory: pulumi.String(fmt.Sprintf("%.2gGi", float64(args.Memory)/1024)),
				},
				Env: envVars,
				Probes: containerapp.ContainerAppProbeArray{
					probe("Startup", 5, 12), probe("Liveness", 10, 3), probe("Readiness", 5, 3),
				},
			}},
			Scale: &containerapp.ScaleArgs{
				MinReplicas: pulumi.Int(args.MinInstances),
				MaxReplicas: pulumi.Int(args.MaxInstances),
				Rules: containerapp.ScaleRuleArray{&containerapp.ScaleRuleArgs{
					Name: pulumi.String("http"),
					Http: &containerapp.HttpScaleRuleArgs{Metadata: pulumi.StringMap{"concurrentRequests": pulumi.String(fmt.Sprint(args.Concurrency))}},
				}},
			},
		},
		Tags: args.Tags,
	}, child, pulumi.DependsOn(append(appAfter, after...)))
	if err != nil {
		return nil, err
	}
	for _, w := range args.Workers {
		// The API's container running the worker's command: no ingress, no
		// probe on a port it may not open, always Instances replicas.
		worker, err := containerapp.NewContainerApp(ctx, name+"-"+w.Name, &containerapp.ContainerAppArgs{
			ContainerAppName:     pulumi.String(resourceName(name+"-"+w.Name, 32)),
			ResourceGroupName:    rg,
			Location:             pulumi.String(args.Region),
			ManagedEnvironmentId: env.ID(),
			Identity:             &containerapp.ManagedServiceIdentityArgs{Type: pulumi.String("UserAssigned"), UserAssignedIdentities: pulumi.StringArray{identity.ID()}},
			Configuration: &containerapp.ConfigurationArgs{
				ActiveRevisionsMode: pulumi.String("Single"), Secrets: secrets, Registries: registries,
			},
			Template: &containerapp.TemplateArgs{
				Containers: containerapp.ContainerArray{&containerapp.ContainerArgs{
					Name: pulumi.String("worker"), Image: pulumi.String(args.Image),
					Command: pulumi.StringArray{pulumi.String(w.Command[0])}, Args: pulumi.ToStringArray(w.Command[1:]),
					Resources: &containerapp.ContainerResourcesArgs{
						Cpu:    pulumi.Float64(float64(args.CPU) / 1024),
						Memory: pulumi.String(fmt.Sprintf("%.2gGi", float64(args.Memory)/1024)),
					},
					Env: envVars,
				}},
				Scale: &containerapp.ScaleArgs{MinReplicas: pulumi.Int(w.Instances), MaxReplicas: pulumi.Int(w.Instances)},
			},
			Tags: args.Tags,
		}, child, pulumi.DependsOn(append(appAfter, after...)))
		if err != nil {
			return nil, err
		}
		c.Workers = append(c.Workers, worker)
	}
	c.job = jobContainer{Image: args.Image, EnvironmentID: env.ID().ToStringOutput(), IdentityID: identity.ID().ToStringOutput(),
		CPU: float64(args.CPU) / 1024, Memory: fmt.Sprintf("%.2gGi", float64(args.Memory)/1024), After: appAfter}
	for _, k := range components.SortedKeys(map[string]pulumi.StringInput(base)) {
		c.job.Env = append(c.job.Env, job.Env{Name: k, Value: base[k]})
	}
	c.job.Env = append(c.job.Env, job.Env{Name: "APPLICATIONINSIGHTS_CONNECTION_STRING", Value: traces.ConnectionString})
	for _, sec := range args.Secrets {
		c.job.Env = append(c.job.Env, job.Env{Name: sec.Name, SecretRef: sec.Ref})
		c.job.Secrets = append(c.job.Secrets, job.Secret{Name: sec.Ref, KeyVaultURL: sec.URI})
	}
	if args.RegistryID != "" {
		c.job.Registry, _, _ = strings.Cut(args.Image, "/")
	}
	c.AppFQDN = ca.Configuration.ApplyT(func(cfg *containerapp.ConfigurationResponse) string {
		if cfg == nil || cfg.Ingress == nil {
			return ""
		}
		return cfg.Ingress.Fqdn
	}).(pulumi.StringOutput)
	c.AppID = ca.ID().ToStringOutput()
	c.EnvironmentID = env.ID().ToStringOutput()
	c.WorkspaceID = ws.ID().ToStringOutput()
	c.WorkspaceName = ws.Name
	c.InsightsID = traces.ID().ToStringOutput()
	c.IdentityPrincipalID, c.IdentityClientID, c.IdentityName = identity.PrincipalID, identity.ClientID, identity.Name
	c.TemplateDigest, c.App = ca.Template.ApplyT(templateDigest).(pulumi.StringOutput), ca
	return c, ctx.RegisterResourceOutputs(c, pulumi.Map{
		"appFqdn": c.AppFQDN, "appId": c.AppID, "environmentId": c.EnvironmentID, "workspaceId": c.WorkspaceID,
		"workspaceName": c.WorkspaceName, "insightsId": c.InsightsID, "identityPrincipalId": c.IdentityPrincipalID,
		"identityClientId": c.IdentityClientID, "templateDigest": c.TemplateDigest,
	})
}

// lookups is a lookup's invoke option: through p when given, else as the
// component's children.
func lookups(p pulumi.ProviderResource, child pulumi.ResourceOrInvokeOption) pulumi.InvokeOption {
	if p != nil {
		return pulumi.Provider(p)
	}
	return child
}

// jobContainer is the API's container as a Container Apps job takes it.
type jobContainer struct {
	Image                     string
	EnvironmentID, IdentityID pulumi.StringOutput
	Env                       []job.Env
	Secrets                   []job.Secret
	Registry                  string
	CPU                       float64
	Memory                    string
	After                     []pulumi.Resource // the identity's grants (secrets, registry)
}
