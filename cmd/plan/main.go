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
	"errors"
	"flag"
	"fmt"
	"os"

	"github.com/mobile-backend/mobile-backend/internal/plan"
	"github.com/mobile-backend/mobile-backend/internal/spec"
)

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	fs := flag.NewFlagSet("plan", flag.ContinueOnError)
	stack := fs.String("stack", "", "stack name; reads Pulumi.<stack>.yaml")
	configFile := fs.String("config-file", "", "stack config file to use instead of Pulumi.<stack>.yaml")
	project := fs.String("project-file", "Pulumi.yaml", "project file")
	format := fs.String("format", "tree", "output format: tree or json")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *stack == "" && *configFile == "" {
		fmt.Fprintln(os.Stderr, "plan: give --stack NAME or --config-file PATH")
		return 2
	}
	if *format != "tree" && *format != "json" {
		fmt.Fprintf(os.Stderr, "plan: --format %q: one of tree, json\n", *format)
		return 2
	}
	file := *configFile
	if file == "" {
		file = "Pulumi." + *stack + ".yaml"
	}
	if *stack == "" {
		*stack = plan.StackName(file)
	}
	if _, err := os.Stat(file); err != nil {
		fmt.Fprintf(os.Stderr, "plan: %v\n", err)
		return 2
	}

	cfg, err := plan.LoadConfig(*project, file, *stack)
	if err == nil {
		var res *plan.Result
		if res, err = plan.Run(cfg); err == nil {
			if *format == "json" {
				err = res.WriteJSON(os.Stdout)
			} else {
				err = res.WriteTree(os.Stdout)
			}
		}
	}
	var cfgErr *spec.Error
	switch {
	case errors.As(err, &cfgErr):
		fmt.Fprintf(os.Stderr, "error: %s: %v\n", file, err)
		return 2
	case err != nil:
		fmt.Fprintf(os.Stderr, "error: %v\n", err)
		return 1
	}
	return 0
}
