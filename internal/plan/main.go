package plan

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/mobile-backend/mobile-backend/internal/spec"
	"github.com/mobile-backend/mobile-backend/internal/stackfile"
	"github.com/mobile-backend/mobile-backend/policies"
)

// Exit statuses of the plan command.
const (
	ExitOK          = 0
	ExitFailure     = 1 // a mandatory policy violation, or anything but a configuration error
	ExitConfigError = 2 // the message names the config key
)

// Main is the plan command: it parses args, plans the stack and writes the
// tree or JSON to stdout and errors to stderr, returning the exit status.
func Main(args []string, stdout, stderr io.Writer) int {
	return MainWith(Run, args, stdout, stderr)
}

// MainWith is Main with the plan computed by run instead of Run: the tests
// hand it the plans of the committed stacks they have already computed.
func MainWith(run func(*stackfile.Config) (*Result, error), args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("plan", flag.ContinueOnError)
	fs.SetOutput(stderr)
	stack := fs.String("stack", "", "stack name; reads Pulumi.<stack>.yaml")
	configFile := fs.String("config-file", "", "stack config file to use instead of Pulumi.<stack>.yaml")
	project := fs.String("project-file", "Pulumi.yaml", "project file")
	format := fs.String("format", "tree", "output format: tree, json, summary (Markdown), mermaid or dot")
	base := fs.String("base", "", "with --format summary: a plan of the base (--format json) to say what the change rolls")
	if err := fs.Parse(args); err != nil {
		return ExitConfigError
	}
	if *stack == "" && *configFile == "" {
		fmt.Fprintln(stderr, "plan: give --stack NAME or --config-file PATH")
		return ExitConfigError
	}
	switch *format {
	case "tree", "json", "summary", "mermaid", "dot":
	default:
		fmt.Fprintf(stderr, "plan: --format %q: one of tree, json, summary, mermaid, dot\n", *format)
		return ExitConfigError
	}
	file := *configFile
	if file == "" {
		file = "Pulumi." + *stack + ".yaml"
	}
	if *stack == "" {
		*stack = stackfile.StackName(file)
	}
	if _, err := os.Stat(file); err != nil {
		fmt.Fprintf(stderr, "plan: %v\n", err)
		return ExitConfigError
	}

	failed := false
	cfg, err := stackfile.Load(*project, file, *stack)
	if err == nil {
		var res *Result
		if res, err = run(cfg); err == nil && *base != "" {
			res.Base, err = ReadDocument(*base)
		}
		if err == nil {
			switch *format {
			case "json":
				err = res.WriteJSON(stdout)
			case "summary":
				res.WriteSummary(stdout)
			case "mermaid":
				res.Diagram().WriteMermaid(stdout)
			case "dot":
				res.Diagram().WriteDot(stdout)
			default:
				err = res.WriteTree(stdout)
			}
			failed = policies.Failed(res.Policies())
		}
	}
	var cfgErr *spec.Error
	switch {
	case errors.As(err, &cfgErr):
		fmt.Fprintf(stderr, "error: %s: %v\n", file, err)
		return ExitConfigError
	case err != nil:
		fmt.Fprintf(stderr, "error: %v\n", err)
		return ExitFailure
	case failed:
		fmt.Fprintf(stderr, "error: %s: a mandatory policy failed; see the policies in the plan\n", file)
		return ExitFailure
	}
	return ExitOK
}
