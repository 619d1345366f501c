package dbusers

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeSqlcmd is the release asset the test serves: a tar.bz2 whose
// sqlcmd writes its arguments, one a line, to $ARGS_OUT and exits
// $FAKE_EXIT. Go writes no bzip2, so python3 packs it.
func fakeSqlcmd(t *testing.T) []byte {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "sqlcmd")
	require.NoError(t, os.WriteFile(bin, []byte("#!/bin/sh\nprintf '%s\\n' \"$@\" > \"$ARGS_OUT\"\nexit \"${FAKE_EXIT:-0}\"\n"), 0o755))
	out := filepath.Join(dir, "sqlcmd-linux-amd64.tar.bz2")
	pack := exec.Command("python3", "-c", "import sys, tarfile\nwith tarfile.open(sys.argv[1], 'w:bz2') as t: t.add(sys.argv[2], arcname='sqlcmd')", out, bin)
	b, err := pack.CombinedOutput()
	require.NoError(t, err, string(b))
	data, err := os.ReadFile(out)
	require.NoError(t, err)
	return data
}

type run struct {
	code            int
	stderr, args    string
	argsWereWritten bool
}

// runJob runs the script as the job does (python3 -c Script) against a
// release server answering asset.
func runJob(t *testing.T, asset []byte, env map[string]string) run {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1.10.0/sqlcmd-linux-amd64.tar.bz2" {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write(asset)
	}))
	defer srv.Close()
	dir := t.TempDir()
	argsOut := filepath.Join(dir, "args")
	sum := sha256.Sum256(asset)
	base := map[string]string{
		"PATH": os.Getenv("PATH"), "SQLCMD_URL": srv.URL + "/v1.10.0/sqlcmd-linux-amd64.tar.bz2", "SQLCMD_SHA256": hex.EncodeToString(sum[:]),
		"SQLCMD_PATH": filepath.Join(dir, "sqlcmd"), "ARGS_OUT": argsOut,
		"DB_SERVER": "fg.database.windows.net", "DB_NAME": "app", "AZURE_CLIENT_ID": "0f8fad5b-d9cb-469f-a165-70867728950e",
		"DB_USERS_SQL": "DECLARE @sid nvarchar(64); SELECT 1",
	}
	for k, v := range env {
		if v == "" {
			delete(base, k)
		} else {
			base[k] = v
		}
	}
	cmd := exec.Command("python3", "-c", Script)
	for k, v := range base {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	err := cmd.Run()
	r := run{stderr: stderr.String()}
	if exit, ok := err.(*exec.ExitError); ok {
		r.code = exit.ExitCode()
	} else {
		require.NoError(t, err)
	}
	if b, err := os.ReadFile(argsOut); err == nil {
		r.args, r.argsWereWritten = string(b), true
	}
	return r
}

func TestTheUsersJobRunsThePinnedSqlcmdAsTheAdminIdentity(t *testing.T) {
	t.Parallel()
	r := runJob(t, fakeSqlcmd(t), nil)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, strings.Join([]string{
		"-S", "tcp:fg.database.windows.net,1433", "-d", "app",
		"--authentication-method=ActiveDirectoryManagedIdentity", "-U", "0f8fad5b-d9cb-469f-a165-70867728950e",
		"-b", "-l", "30", "-Q", "DECLARE @sid nvarchar(64); SELECT 1",
	}, "\n")+"\n", r.args, "one argument each: the T-SQL is not split by a shell")
}

func TestTheUsersJobRefusesAnAssetOfAnotherDigest(t *testing.T) {
	t.Parallel()
	r := runJob(t, fakeSqlcmd(t), map[string]string{"SQLCMD_SHA256": SqlcmdSHA256})
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "not the pinned "+SqlcmdSHA256+": not run")
	assert.False(t, r.argsWereWritten, "nothing unverified runs")
}

func TestTheUsersJobFailsWithSqlcmd(t *testing.T) {
	t.Parallel()
	r := runJob(t, fakeSqlcmd(t), map[string]string{"FAKE_EXIT": "1"})
	assert.Equal(t, 1, r.code, "a T-SQL error (-b) fails the run, so the job retries and its failure shows")
	assert.True(t, r.argsWereWritten)
}

func TestTheUsersJobNamesWhatItLacks(t *testing.T) {
	t.Parallel()
	r := runJob(t, fakeSqlcmd(t), map[string]string{"AZURE_CLIENT_ID": "", "DB_NAME": ""})
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "not set: DB_NAME, AZURE_CLIENT_ID")
	r = runJob(t, []byte("not a tarball"), map[string]string{})
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "sqlcmd not fetched")
}

func TestThePinsAreDigests(t *testing.T) {
	assert.Regexp(t, `^[0-9a-f]{64}$`, SqlcmdSHA256)
	assert.Regexp(t, `@sha256:[0-9a-f]{64}$`, Image)
	assert.Contains(t, SqlcmdURL, "/releases/download/v")
}
