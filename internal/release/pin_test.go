package release

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const digest = "sha256:0f3b5c2a9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a"

// fakeTools are pulumi, docker and the clouds' CLIs that log their
// arguments (one line per call) and answer as the real ones do: pulumi
// config get prints the value, docker buildx imagetools inspect --format
// '{{json .Manifest}}' the manifest's descriptor.
func fakeTools(t *testing.T, image string) string {
	dir := t.TempDir()
	logger := `printf '%s\n' "$(basename "$0") $*" >> "$(dirname "$0")/calls.log"` + "\n"
	write := func(name, body string) {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte("#!/usr/bin/env bash\n"+logger+body), 0o755))
	}
	write("pulumi", `if [ "$1 $2" = "config get" ]; then [ -n "`+image+`" ] || exit 1; echo "`+image+`"; fi`+"\n")
	write("docker", `if [ "$1 $2 $3" = "buildx imagetools inspect" ]; then echo '{"mediaType":"application/vnd.oci.image.index.v1+json","digest":"`+digest+`","size":1609}'; fi`+"\n"+
		`if [ "$1" = login ]; then cat >/dev/null; fi`+"\n")
	write("aws", `echo token`+"\n")
	write("gcloud", "")
	write("az", "")
	return dir
}

func TestTheDeployPinsTheImageByDigestBeforeTheWaves(t *testing.T) {
	t.Parallel()
	script, err := filepath.Abs("../../.ci/pin-image")
	require.NoError(t, err)
	_, err = os.ReadFile(script) // go test's cache follows the script
	require.NoError(t, err)
	for _, c := range []struct {
		name, image string
		want        []string // the calls after config get, in order
	}{
		{"a public tag", "public.ecr.aws/nginx/nginx:1.27.3", []string{
			"docker buildx imagetools inspect public.ecr.aws/nginx/nginx:1.27.3 --format {{json .Manifest}}",
			"pulumi config set mobile-backend:image public.ecr.aws/nginx/nginx@" + digest + " --stack prod"}},
		{"a private ECR tag", "123456789012.dkr.ecr.eu-west-1.amazonaws.com/api:v42", []string{
			"aws ecr get-login-password --region eu-west-1",
			"docker login --username AWS --password-stdin 123456789012.dkr.ecr.eu-west-1.amazonaws.com",
			"docker buildx imagetools inspect 123456789012.dkr.ecr.eu-west-1.amazonaws.com/api:v42 --format {{json .Manifest}}",
			"pulumi config set mobile-backend:image 123456789012.dkr.ecr.eu-west-1.amazonaws.com/api@" + digest + " --stack prod"}},
		{"Artifact Registry", "europe-docker.pkg.dev/p/apps/api:v42", []string{
			"gcloud auth configure-docker europe-docker.pkg.dev --quiet",
			"docker buildx imagetools inspect europe-docker.pkg.dev/p/apps/api:v42 --format {{json .Manifest}}",
			"pulumi config set mobile-backend:image europe-docker.pkg.dev/p/apps/api@" + digest + " --stack prod"}},
		{"ACR", "contoso.azurecr.io/api:v42", []string{
			"az acr login --name contoso --output none",
			"docker buildx imagetools inspect contoso.azurecr.io/api:v42 --format {{json .Manifest}}",
			"pulumi config set mobile-backend:image contoso.azurecr.io/api@" + digest + " --stack prod"}},
		{"a registry with a port and no tag", "registry.example.com:5000/api", []string{
			"docker buildx imagetools inspect registry.example.com:5000/api --format {{json .Manifest}}",
			"pulumi config set mobile-backend:image registry.example.com:5000/api@" + digest + " --stack prod"}},
		{"already pinned", "docker.io/library/nginx@" + digest, nil},
		{"the default placeholder", "", nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			dir := fakeTools(t, c.image)
			cmd := exec.Command("bash", script, "prod")
			cmd.Env = append(os.Environ(), "PATH="+dir+":"+os.Getenv("PATH"))
			out, err := cmd.CombinedOutput()
			require.NoError(t, err, "%s", out)
			log, err := os.ReadFile(filepath.Join(dir, "calls.log"))
			require.NoError(t, err)
			calls := strings.Split(strings.TrimSpace(string(log)), "\n")
			require.Equal(t, []string{"pulumi stack select --create prod", "pulumi config get mobile-backend:image --stack prod"}, calls[:2])
			if c.want == nil {
				assert.Len(t, calls, 2, "nothing to pin: %s", out)
				return
			}
			// The login's two ends run as one pipeline, in either order;
			// the digest is read after it and set last.
			assert.ElementsMatch(t, c.want, calls[2:], "%s", out)
			assert.Equal(t, c.want[len(c.want)-2:], calls[len(calls)-2:])
		})
	}
}
