// Command mobile-backend is the Pulumi program of the multi-region mobile
// backend: it loads the stack's spec from config and deploys the stack that
// stacks/ composes for the configured cloud and topology.
package main

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mobile-backend/mobile-backend/stacks"
	_ "github.com/mobile-backend/mobile-backend/stacks/aws" // the clouds this program deploys
	_ "github.com/mobile-backend/mobile-backend/stacks/azure"
	_ "github.com/mobile-backend/mobile-backend/stacks/gcp"
)

func main() {
	pulumi.Run(func(ctx *pulumi.Context) error {
		_, err := stacks.Program(ctx)
		return err
	})
}
