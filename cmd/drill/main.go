// Command drill measures a planned failover for the failover-drill
// workflow: it runs the trigger command, measures until the global endpoint
// answers from the region that took over and a write succeeds there,
// writes the measured RTO beside the plan's computed one (to
// $GITHUB_STEP_SUMMARY when set), runs the failback command whatever
// happened, and exits 1 when the measurement exceeds the objective.
//
//	go run ./cmd/plan --stack staging --format json > plan.json
//	go run ./cmd/drill --plan plan.json --region us-east-1 \
//	  --read-url https://api.staging.example.com/ --write-url https://api.staging.example.com/v1/drill \
//	  --trigger '…' --failback '…'
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/mobile-backend/mobile-backend/internal/drill"
)

func main() { os.Exit(run(os.Args[1:])) }

func run(args []string) int {
	fs := flag.NewFlagSet("drill", flag.ContinueOnError)
	planFile := fs.String("plan", "", "the plan's JSON (go run ./cmd/plan --format json): the computed RTO and the objective")
	stack := fs.String("stack", "", "stack name, for the summary")
	var c drill.Config
	fs.StringVar(&c.ReadURL, "read-url", "", "URL read with GET through the global endpoint")
	fs.StringVar(&c.WriteURL, "write-url", "", "URL written with POST through the global endpoint (empty: no write check)")
	fs.StringVar(&c.WriteBody, "write-body", `{"drill":true}`, "body of the write")
	fs.StringVar(&c.Region, "region", "", "the region that must answer after the failover")
	fs.StringVar(&c.Header, "header", drill.RegionHeader, "response header naming the answering region")
	fs.DurationVar(&c.Interval, "interval", 2*time.Second, "time between attempts")
	fs.DurationVar(&c.Timeout, "timeout", 30*time.Minute, "give up after")
	c.RequestHeaders = http.Header{}
	fs.Func("request-header", `header sent with every request, "Name: value" (repeatable): the app's platform and version headers when the stack sets appHeadersRequired`, func(v string) error {
		name, value, ok := strings.Cut(v, ":")
		if !ok || strings.TrimSpace(name) == "" {
			return fmt.Errorf("%q is not \"Name: value\"", v)
		}
		c.RequestHeaders.Add(strings.TrimSpace(name), strings.TrimSpace(value))
		return nil
	})
	trigger := fs.String("trigger", "", "shell command that starts the planned failover")
	failback := fs.String("failback", "", "shell command that fails back, run at the end whatever happened")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	computed, objective, err := figures(*planFile)
	if err != nil || c.ReadURL == "" || c.Region == "" || *trigger == "" {
		fmt.Fprintf(os.Stderr, "drill: --plan, --read-url, --region and --trigger are required (%v)\n", err)
		return 2
	}
	defer func() {
		if *failback != "" {
			if err := shell(*failback); err != nil {
				fmt.Fprintf(os.Stderr, "drill: failback: %v\n", err)
			}
		}
	}()
	start := time.Now()
	if err := shell(*trigger); err != nil {
		fmt.Fprintf(os.Stderr, "drill: trigger: %v\n", err)
		return 1
	}
	res, err := drill.Measure(context.Background(), start, c)
	if err != nil {
		fmt.Fprintf(os.Stderr, "drill: %v\n", err)
		res.MeasuredSeconds = time.Since(start).Seconds()
	}
	v := drill.Judge(res, computed, objective)
	out, _ := json.Marshal(v)
	fmt.Println(string(out))
	if path := os.Getenv("GITHUB_STEP_SUMMARY"); path != "" {
		if f, ferr := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644); ferr == nil {
			fmt.Fprint(f, "| stack | new region | measured | computed | objective |\n|---|---|---|---|---|\n"+v.Markdown(*stack, c.Region))
			f.Close()
		}
	}
	if err != nil || !v.WithinObjective {
		return 1
	}
	return 0
}

// figures reads the computed RTO and its objective from a plan's JSON.
func figures(path string) (computed, objective int, err error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, 0, err
	}
	var doc struct {
		Resilience struct {
			RTO struct{ Computed, Objective int } `json:"rtoSeconds"`
		} `json:"resilience"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return 0, 0, fmt.Errorf("%s: %w", path, err)
	}
	if doc.Resilience.RTO.Objective == 0 {
		return 0, 0, fmt.Errorf("%s has no resilience.rtoSeconds", path)
	}
	return doc.Resilience.RTO.Computed, doc.Resilience.RTO.Objective, nil
}

func shell(command string) error {
	cmd := exec.Command("/bin/sh", "-c", command)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	return cmd.Run()
}
