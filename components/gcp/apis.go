package gcp

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/projects"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mobile-backend/mobile-backend/internal/gcpapi"
)

// APIsArgs configures APIs.
type APIsArgs struct {
	// Project is the project to enable the APIs in ("" for the provider's).
	Project string
	// Services are the APIs to enable, e.g. "run.googleapis.com". Required.
	Services []string
}

// APIs enables the Google APIs a stack uses. A disabled API refuses every
// call (SERVICE_DISABLED), so resources registered after WaitFor is
// installed wait for the API of their module. Destroying the stack leaves
// the APIs on: other workloads of the project may use them.
type APIs struct {
	pulumi.ResourceState

	services map[string]*projects.Service
}

// NewAPIs enables the services. Pass the primary region's provider in opts.
func NewAPIs(ctx *pulumi.Context, name string, args APIsArgs, opts ...pulumi.ResourceOption) (*APIs, error) {
	if len(args.Services) == 0 {
		return nil, fmt.Errorf("apis %s: Services is required", name)
	}
	a := &APIs{services: map[string]*projects.Service{}}
	if err := ctx.RegisterComponentResource("mobile-backend:gcp:APIs", name, a, opts...); err != nil {
		return nil, err
	}
	var project pulumi.StringPtrInput
	if args.Project != "" {
		project = pulumi.String(args.Project)
	}
	for _, svc := range args.Services {
		s, err := projects.NewService(ctx, name+"-"+strings.SplitN(svc, ".", 2)[0], &projects.ServiceArgs{
			Project:                  project,
			Service:                  pulumi.String(svc),
			DisableOnDestroy:         pulumi.Bool(false),
			DisableDependentServices: pulumi.Bool(false),
		}, pulumi.Parent(a))
		if err != nil {
			return nil, fmt.Errorf("apis %s: %w", name, err)
		}
		a.services[svc] = s
	}
	return a, ctx.RegisterResourceOutputs(a, pulumi.Map{})
}

// Service is the resource that enables an API, or nil.
func (a *APIs) Service(api string) *projects.Service { return a.services[api] }

// WaitFor is a stack transformation: every Google Cloud resource registered
// after it waits for the service that enables its module's API.
func (a *APIs) WaitFor(args *pulumi.ResourceTransformationArgs) *pulumi.ResourceTransformationResult {
	api, ok := gcpapi.For(args.Type)
	if id, isIdentity := args.Props.(*projects.ServiceIdentityArgs); isIdentity {
		// A service's agent is made once the service itself is on.
		if svc, known := id.Service.(pulumi.String); known {
			api, ok = string(svc), true
		}
	}
	if !ok || a.services[api] == nil {
		return nil
	}
	return &pulumi.ResourceTransformationResult{
		Props: args.Props,
		Opts:  append(args.Opts, pulumi.DependsOn([]pulumi.Resource{a.services[api]})),
	}
}
