// Command plan shows what a stack would deploy, offline: no cloud
// credentials, no Pulumi CLI. It reads Pulumi.yaml and the stack's config file
// (applying the declared defaults as the engine would), runs the very same
// program under Pulumi's mocks, and prints the resources grouped by region,
// or one JSON document with --format json.
//
//	go run ./cmd/plan --stack prod
//	go run ./cmd/plan --config-file Pulumi.staging.yaml --format json
//
// Exit status: 0 on success, 2 for a configuration error (the message names
// the config key), 1 for anything else.
package main

import (
	"os"

	"github.com/mobile-backend/mobile-backend/internal/plan"
	_ "github.com/mobile-backend/mobile-backend/stacks/aws" // the clouds the plan can run
	_ "github.com/mobile-backend/mobile-backend/stacks/azure"
	_ "github.com/mobile-backend/mobile-backend/stacks/gcp"
)

func main() {
	os.Exit(plan.Main(os.Args[1:], os.Stdout, os.Stderr))
}
