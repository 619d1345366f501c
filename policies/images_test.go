package policies

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mobile-backend/mobile-backend/internal/spec"
)

func specOf(t *testing.T, kv map[string]any) spec.Spec {
	t.Helper()
	s, err := spec.Load("prod", func(key string) (string, bool) {
		v, ok := kv[key]
		if !ok {
			return "", false
		}
		if str, isString := v.(string); isString {
			return str, true
		}
		b, _ := json.Marshal(v)
		return string(b), true
	})
	require.NoError(t, err)
	return s
}

func TestAProductionImageByTagIsAdvisedToPinADigest(t *testing.T) {
	t.Parallel()
	base := map[string]any{"cloud": "gcp", "topology": "active-active", "regions": []string{"us-central1", "us-east1"}, "domain": "api.example.com"}
	with := func(kv ...any) map[string]any {
		out := map[string]any{}
		for k, v := range base {
			out[k] = v
		}
		for i := 0; i+1 < len(kv); i += 2 {
			out[kv[i].(string)] = kv[i+1]
		}
		return out
	}
	tagged := Evaluate(Stack{Spec: specOf(t, with("environment", "prod", "image", "us-docker.pkg.dev/p/app/api:v42"))}, []Policy{ImagePinned})
	require.Len(t, tagged, 1)
	assert.Equal(t, Advisory, tagged[0].Severity)
	assert.Contains(t, tagged[0].Message, `image "us-docker.pkg.dev/p/app/api:v42" is a mutable tag`)
	pinned := with("environment", "prod", "image", "us-docker.pkg.dev/p/app/api@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")
	assert.Empty(t, Evaluate(Stack{Spec: specOf(t, pinned)}, []Policy{ImagePinned}))
	assert.Empty(t, Evaluate(Stack{Spec: specOf(t, with("environment", "dev", "image", "docker.io/x/api:latest"))}, []Policy{ImagePinned}), "outside production, no advice")
}
