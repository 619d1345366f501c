package suite

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mobile-backend/mobile-backend/components"
	"github.com/mobile-backend/mobile-backend/internal/azpublish"
	"github.com/mobile-backend/mobile-backend/internal/mock"
	"github.com/mobile-backend/mobile-backend/internal/spec"
)

// directoryStores are the recorded copies of the region directory and
// their content, by where they live.
func directoryStores(t *testing.T, rec *mock.Recorder) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, o := range rec.OfType("aws:s3/bucketObjectv2:BucketObjectv2") {
		if o.Str("key") == "static/"+components.DirectoryObject {
			assert.Equal(t, components.DirectoryCacheControl, o.Str("cacheControl"))
			assert.Equal(t, "application/json", o.Str("contentType"))
			out[o.Region] = o.Str("content")
		}
	}
	for _, o := range rec.OfType("gcp:storage/bucketObject:BucketObject") {
		if o.Str("name") == "static/"+components.DirectoryObject {
			assert.Equal(t, components.DirectoryCacheControl, o.Str("cacheControl"))
			out["bucket"] = o.Str("source")
		}
	}
	// Azure: each region's publisher job, writing its own account's static
	// container from inside its network.
	for _, j := range rec.OfType("azure-native:app/v20240301:Job") {
		if !IsPublisher(j) {
			continue
		}
		env := ContainerEnv(j, "template.containers.0.env")
		assert.Equal(t, components.StaticPrefix, env["CONTAINER"])
		docs, err := azpublish.Parse(env["DOCUMENTS"].(string))
		require.NoError(t, err)
		for _, d := range docs {
			if d.Blob == components.DirectoryObject {
				assert.Equal(t, components.DirectoryCacheControl, d.CacheControl)
				assert.Equal(t, "application/json", d.ContentType)
				out[j.Region] = d.Content
			}
		}
	}
	return out
}

func TestEveryCommittedStackPublishesItsRegionDirectoryFromEveryRegionsStore(t *testing.T) {
	t.Parallel()
	for _, file := range LinkedStacks(t) {
		res := PlanFile(t, file)
		s := res.Spec
		stores := directoryStores(t, res.Recorder)
		switch s.Cloud {
		case spec.GCP:
			assert.Len(t, stores, 1, "%s: the dual-region bucket serves both of its regions", file)
		default:
			assert.Len(t, stores, len(s.Regions), "%s: a copy in every region's store", file)
		}
		for where, content := range stores {
			var d components.Directory
			require.NoError(t, json.Unmarshal([]byte(content), &d), "%s %s", file, where)
			assert.Equal(t, components.DirectorySchema, d.Schema)
			assert.Equal(t, s.Stack, d.Stack)
			assert.Equal(t, "https://"+s.Domain, d.GlobalEndpoint)
			require.Len(t, d.Regions, len(s.Regions), file)
			for i, r := range s.Regions {
				assert.Equal(t, r.Name, d.Regions[i].Name)
				assert.Equal(t, r.Role, d.Regions[i].Role)
				assert.Equal(t, r.Role == spec.Primary, d.Regions[i].Writer, "%s: %s writer", file, r.Name)
				assert.True(t, strings.HasPrefix(d.Regions[i].Endpoint, "https://"+r.Name+"."), d.Regions[i].Endpoint)
			}
			assert.Equal(t, components.DirectoryMaxAgeSeconds, d.Client.MaxAgeSeconds)
			assert.NotEmpty(t, d.Client.Rule)
		}
		url, _ := res.Outputs["regionDirectoryUrl"].(string)
		assert.True(t, strings.HasPrefix(url, "https://"+s.Storage.StaticHostname+"/") && strings.HasSuffix(url, "/"+components.DirectoryObject), "%s: %s", file, url)
	}
}

func TestTheDirectoryFollowsTheWriterAndTheGate(t *testing.T) {
	t.Parallel()
	res := MustPlan(t, "dir", With(Contract("azure", "active-passive", "northeurope", "westeurope"),
		"writerRegion", "westeurope", "minAppVersions", map[string]string{"android": "3.1"}))
	for _, content := range directoryStores(t, res.Recorder) {
		var d components.Directory
		require.NoError(t, json.Unmarshal([]byte(content), &d))
		assert.Equal(t, []components.DirectoryRegion{
			{Name: "northeurope", Role: spec.Standby, Writer: false, Endpoint: "https://northeurope.api.example.com"},
			{Name: "westeurope", Role: spec.Primary, Writer: true, Endpoint: "https://westeurope.api.example.com"},
		}, d.Regions)
		assert.Equal(t, map[string]string{"android": "3.1"}, d.MinimumVersion)
	}
	// Front Door caches it a minute, whatever the blob says.
	rule := res.Recorder.Named("azure-native:cdn:Rule", "dir-edge-directory-max-age")
	require.NotNil(t, rule)
	assert.Equal(t, fmt.Sprintf("00:01:%02d", 0), rule.Str("actions.0.parameters.cacheConfiguration.cacheDuration"))
	assert.Equal(t, "OverrideAlways", rule.Str("actions.0.parameters.cacheConfiguration.cacheBehavior"))
	route := res.Recorder.Named("azure-native:cdn:Route", "dir-edge-static")
	require.NotNil(t, route)
	assert.Equal(t, 1, route.Len("ruleSets"), "the static route applies the rule set")
}
