// Command pack is the policy pack that runs the project's policies on a real
// `pulumi preview` or `pulumi up`:
//
//	pulumi preview --stack prod --policy-pack policies/pack
//
// It adapts the same rule functions the offline plan runs (policies.All);
// there is no second copy of the logic here.
package main

import (
	"fmt"
	"os"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/policyx"

	"github.com/mobile-backend/mobile-backend/policies"
)

func main() {
	if err := policyx.Main(policies.PackFromContext); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
