// Command aws-regional-api is an example of the mobile-backend components
// used as a library: `pulumi up` in this folder deploys one region's API (see
// api.Program and README.md).
package main

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mobile-backend/mobile-backend/examples/aws-regional-api/api"
)

func main() { pulumi.Run(api.Program) }
