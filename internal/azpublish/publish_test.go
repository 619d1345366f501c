package azpublish

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeAzure answers the Container Apps identity endpoint and one
// container's Blob service as their REST references describe them: a
// token for https://storage.azure.com/, Get Blob (200 with the blob's
// Content-Type and Cache-Control, or 404) and Put Blob (201).
type fakeAzure struct {
	mu     sync.Mutex
	blobs  map[string]blob
	puts   []*http.Request
	deny   bool // the account's firewall or a missing role: 403
	tokens int
}

type blob struct{ body, contentType, cacheControl string }

const clientID = "0f8fad5b-d9cb-469f-a165-70867728950e"

func (f *fakeAzure) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if r.URL.Path == "/msi/token" {
		q := r.URL.Query()
		if r.Header.Get("X-IDENTITY-HEADER") != "secret" || q.Get("resource") != "https://storage.azure.com/" || q.Get("client_id") != clientID || q.Get("api-version") != "2019-08-01" {
			http.Error(w, `{"error":"invalid_request"}`, http.StatusBadRequest)
			return
		}
		f.tokens++
		_, _ = io.WriteString(w, `{"access_token":"tok","expires_on":"1700000000","resource":"https://storage.azure.com/","token_type":"Bearer"}`)
		return
	}
	if r.Header.Get("Authorization") != "Bearer tok" || r.Header.Get("x-ms-version") < "2017-11-09" {
		http.Error(w, "AuthenticationFailed", http.StatusForbidden)
		return
	}
	if f.deny {
		http.Error(w, "AuthorizationFailure", http.StatusForbidden)
		return
	}
	name := strings.TrimPrefix(r.URL.Path, "/static/")
	switch r.Method {
	case http.MethodGet:
		b, ok := f.blobs[name]
		if !ok {
			http.Error(w, "BlobNotFound", http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", b.contentType)
		if b.cacheControl != "" {
			w.Header().Set("Cache-Control", b.cacheControl)
		}
		_, _ = io.WriteString(w, b.body)
	case http.MethodPut:
		if r.Header.Get("x-ms-blob-type") != "BlockBlob" {
			http.Error(w, "MissingRequiredHeader", http.StatusBadRequest)
			return
		}
		body, _ := io.ReadAll(r.Body)
		f.blobs[name] = blob{string(body), r.Header.Get("x-ms-blob-content-type"), r.Header.Get("x-ms-blob-cache-control")}
		f.puts = append(f.puts, r)
		w.WriteHeader(http.StatusCreated)
	}
}

func (f *fakeAzure) run(t *testing.T, docs []Document) (int, string) {
	t.Helper()
	srv := httptest.NewServer(f)
	defer srv.Close()
	cmd := exec.Command("python3", "-c", Script)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "BLOB_ENDPOINT=" + srv.URL, "CONTAINER=static", "DOCUMENTS=" + Documents(docs),
		"AZURE_CLIENT_ID=" + clientID, "IDENTITY_ENDPOINT=" + srv.URL + "/msi/token", "IDENTITY_HEADER=secret"}
	out, err := cmd.CombinedOutput()
	if exit, ok := err.(*exec.ExitError); ok {
		return exit.ExitCode(), string(out)
	}
	require.NoError(t, err)
	return 0, string(out)
}

var docs = []Document{
	{Blob: ".well-known/mobile-backend.json", Content: `{"schema":1}`, ContentType: "application/json", CacheControl: "public, max-age=60"},
	{Blob: "health.txt", Content: "ok\n", ContentType: "text/plain"},
}

func TestThePublisherWritesEachDocumentOnceAndOnlyWhenItChanges(t *testing.T) {
	t.Parallel()
	f := &fakeAzure{blobs: map[string]blob{}}
	code, out := f.run(t, docs)
	require.Equal(t, 0, code, out)
	require.Len(t, f.puts, 2)
	assert.Equal(t, blob{`{"schema":1}`, "application/json", "public, max-age=60"}, f.blobs[".well-known/mobile-backend.json"])
	assert.Equal(t, blob{"ok\n", "text/plain", ""}, f.blobs["health.txt"])
	assert.Equal(t, "/static/.well-known/mobile-backend.json", f.puts[0].URL.Path)

	// Unchanged: no new version of either.
	code, out = f.run(t, docs)
	require.Equal(t, 0, code, out)
	assert.Len(t, f.puts, 2, out)
	assert.Contains(t, out, "health.txt unchanged")

	// A new directory (a moved writer): written; the health blob is not.
	changed := append([]Document{}, docs...)
	changed[0].Content = `{"schema":1,"writer":"westeurope"}`
	code, out = f.run(t, changed)
	require.Equal(t, 0, code, out)
	require.Len(t, f.puts, 3)
	assert.Equal(t, `{"schema":1,"writer":"westeurope"}`, f.blobs[".well-known/mobile-backend.json"].body)
}

func TestAPublisherThatCannotWriteFailsItsRun(t *testing.T) {
	t.Parallel()
	f := &fakeAzure{blobs: map[string]blob{}, deny: true}
	code, out := f.run(t, docs)
	assert.Equal(t, 1, code)
	assert.Contains(t, out, ".well-known/mobile-backend.json not written: HTTP Error 403")
	assert.Contains(t, out, "health.txt not written", "each document is tried")
}

func TestTheDocumentsSettingRoundTrips(t *testing.T) {
	back, err := Parse(Documents(docs))
	require.NoError(t, err)
	assert.Equal(t, docs, back)
}
