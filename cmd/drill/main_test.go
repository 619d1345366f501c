package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mobile-backend/mobile-backend/internal/drill"
)

// The drill runs its trigger, measures until the new region answers, and
// runs the failback whatever the verdict; the exit status is the verdict.
func TestTheDrillTriggersMeasuresJudgesAndFailsBack(t *testing.T) {
	dir := t.TempDir()
	triggered, failedBack := filepath.Join(dir, "triggered"), filepath.Join(dir, "failed-back")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		region := "us-west-2"
		if _, err := os.Stat(triggered); err == nil {
			region = "us-east-1"
		}
		w.Header().Set(drill.RegionHeader, region)
	}))
	defer srv.Close()
	for _, tc := range []struct {
		objective, want int
		slow            string // what the trigger does first
		verdict         string
	}{{600, 0, "", "within the 600 s objective"}, {1, 1, "sleep 1.2; ", "**exceeds** the 1 s objective"}} {
		require.NoError(t, os.RemoveAll(triggered))
		require.NoError(t, os.RemoveAll(failedBack))
		plan := filepath.Join(dir, "plan.json")
		require.NoError(t, os.WriteFile(plan, []byte(`{"resilience":{"rtoSeconds":{"computed":375,"objective":`+itoa(tc.objective)+`}}}`), 0o600))
		t.Setenv("GITHUB_STEP_SUMMARY", filepath.Join(dir, "summary.md"))
		code := run([]string{"--plan", plan, "--stack", "staging", "--region", "us-east-1", "--read-url", srv.URL, "--write-url", srv.URL,
			"--interval", "10ms", "--timeout", "5s", "--trigger", tc.slow + "touch " + triggered, "--failback", "touch " + failedBack})
		assert.Equal(t, tc.want, code)
		assert.FileExists(t, failedBack, "the failback always runs")
		summary, err := os.ReadFile(filepath.Join(dir, "summary.md"))
		require.NoError(t, err)
		assert.Contains(t, string(summary), "| staging | us-east-1 |")
		assert.Contains(t, string(summary), "375 s computed | "+tc.verdict)
	}
	assert.Equal(t, 2, run([]string{"--region", "x"}), "no plan: usage error")
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

func TestTheDrillPassesRequestHeadersAndRefusesAMalformedOne(t *testing.T) {
	dir := t.TempDir()
	var seen http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = r.Header.Clone()
		w.Header().Set(drill.RegionHeader, "us-east-1")
	}))
	defer srv.Close()
	plan := filepath.Join(dir, "plan.json")
	require.NoError(t, os.WriteFile(plan, []byte(`{"resilience":{"rtoSeconds":{"computed":375,"objective":600}}}`), 0o600))
	t.Setenv("GITHUB_STEP_SUMMARY", filepath.Join(dir, "summary.md"))
	code := run([]string{"--plan", plan, "--region", "us-east-1", "--read-url", srv.URL, "--interval", "10ms", "--timeout", "2s",
		"--request-header", "X-App-Platform: drill", "--request-header", "X-App-Version:0.0.1", "--trigger", "true"})
	assert.Equal(t, 0, code)
	assert.Equal(t, "drill", seen.Get("X-App-Platform"))
	assert.Equal(t, "0.0.1", seen.Get("X-App-Version"))
	assert.Equal(t, 2, run([]string{"--plan", plan, "--region", "us-east-1", "--read-url", srv.URL, "--request-header", "no-colon", "--trigger", "true"}))
}
