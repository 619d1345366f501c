// Package drill measures a failover: from the moment a planned failover is
// triggered until the global endpoint answers from the region that took
// over and a write succeeds there. cmd/drill runs it from the failover-drill
// workflow; the tests run it against local HTTP servers that go down and
// come back. It links no cloud SDK.
package drill

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// RegionHeader is the response header through which the API says which
// region answered (every stack gives its app REGION; the drill needs the
// app to echo it).
const RegionHeader = "X-Region"

// Config is one measurement.
type Config struct {
	// ReadURL is fetched with GET until it answers 2xx from Region.
	ReadURL string
	// WriteURL is sent a POST (WriteBody) until it answers 2xx from Region;
	// empty skips the write check.
	WriteURL  string
	WriteBody string
	// Region is the region that must answer after the failover.
	Region string
	// Header carries the answering region (default RegionHeader).
	Header string
	// RequestHeaders are sent with every request: the app's platform and
	// version headers when the stack refuses requests without them
	// (appHeadersRequired), or an attestation token.
	RequestHeaders http.Header
	// Interval between attempts (default 2 s); Timeout gives up (default 30 min).
	Interval, Timeout time.Duration
	// Client is the HTTP client (default: 10 s timeout per request).
	Client *http.Client
}

// Result is what the drill measured.
type Result struct {
	// Seconds from the start to the first moment both the read and the
	// write were answered from Region.
	MeasuredSeconds float64 `json:"measuredRtoSeconds"`
	ReadSeconds     float64 `json:"readSeconds"`
	WriteSeconds    float64 `json:"writeSeconds"`
	Attempts        int     `json:"attempts"`
	// Last is the last failed attempt's answer (for a timeout).
	Last string `json:"last,omitempty"`
}

// ErrTimeout is returned when Region never answered within Timeout.
var ErrTimeout = errors.New("the endpoint did not answer from the expected region in time")

func (c *Config) defaults() error {
	if c.ReadURL == "" || c.Region == "" {
		return errors.New("drill: ReadURL and Region are required")
	}
	if c.Header == "" {
		c.Header = RegionHeader
	}
	if c.Interval <= 0 {
		c.Interval = 2 * time.Second
	}
	if c.Timeout <= 0 {
		c.Timeout = 30 * time.Minute
	}
	if c.Client == nil {
		c.Client = &http.Client{Timeout: 10 * time.Second}
	}
	return nil
}

// Measure polls from start (the moment the failover was triggered) until
// the read, then the write, are answered 2xx from Region. The read must
// succeed before writes are tried, and both are timed from start.
func Measure(ctx context.Context, start time.Time, c Config) (Result, error) {
	if err := c.defaults(); err != nil {
		return Result{}, err
	}
	ctx, cancel := context.WithDeadline(ctx, start.Add(c.Timeout))
	defer cancel()
	var r Result
	readDone, writeDone := false, c.WriteURL == ""
	for {
		r.Attempts++
		if !readDone {
			if ok, why := c.answeredFrom(ctx, http.MethodGet, c.ReadURL, ""); ok {
				readDone, r.ReadSeconds = true, time.Since(start).Seconds()
			} else {
				r.note(ctx, "read: "+why)
			}
		}
		if readDone && !writeDone {
			if ok, why := c.answeredFrom(ctx, http.MethodPost, c.WriteURL, c.WriteBody); ok {
				writeDone, r.WriteSeconds = true, time.Since(start).Seconds()
			} else {
				r.note(ctx, "write: "+why)
			}
		}
		if readDone && writeDone {
			r.MeasuredSeconds = max(r.ReadSeconds, r.WriteSeconds)
			r.Last = ""
			return r, nil
		}
		select {
		case <-ctx.Done():
			return r, fmt.Errorf("%w (%s, last: %s)", ErrTimeout, c.Timeout, r.Last)
		case <-time.After(c.Interval):
		}
	}
}

// note keeps why an attempt failed, unless the attempt was only cut off by
// the drill's own deadline: the answer before it says more ("answered by
// us-west-2") than "context deadline exceeded".
func (r *Result) note(ctx context.Context, why string) {
	if ctx.Err() == nil || r.Last == "" {
		r.Last = why
	}
}

// answeredFrom sends one request and reports whether it was answered 2xx
// from Region, or why not.
func (c Config) answeredFrom(ctx context.Context, method, url, body string) (bool, string) {
	var rd io.Reader
	if body != "" {
		rd = bytes.NewBufferString(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return false, err.Error()
	}
	for name, values := range c.RequestHeaders {
		for _, v := range values {
			req.Header.Add(name, v)
		}
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.Client.Do(req)
	if err != nil {
		return false, err.Error()
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	region := resp.Header.Get(c.Header)
	switch {
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		return false, fmt.Sprintf("%s %d from %q", method, resp.StatusCode, region)
	case !strings.EqualFold(region, c.Region):
		return false, fmt.Sprintf("%s answered by %q, not %s", method, region, c.Region)
	}
	return true, ""
}

// Verdict compares a measurement with the plan's computed figure and the
// objective: it fails when the measured RTO exceeds the objective.
type Verdict struct {
	Result
	ComputedSeconds  int  `json:"computedRtoSeconds"`
	ObjectiveSeconds int  `json:"objectiveSeconds"`
	WithinObjective  bool `json:"withinObjective"`
}

// Judge builds the verdict.
func Judge(r Result, computed, objective int) Verdict {
	return Verdict{Result: r, ComputedSeconds: computed, ObjectiveSeconds: objective, WithinObjective: r.MeasuredSeconds <= float64(objective)}
}

// Markdown is the verdict as a line of a job summary.
func (v Verdict) Markdown(stack, region string) string {
	mark := "within"
	if !v.WithinObjective {
		mark = "**exceeds**"
	}
	return fmt.Sprintf("| %s | %s | %.0f s measured | %d s computed | %s the %d s objective |\n", stack, region, v.MeasuredSeconds, v.ComputedSeconds, mark, v.ObjectiveSeconds)
}
