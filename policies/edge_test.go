package policies

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/mobile-backend/mobile-backend/internal/mock"
)

func TestCloudFrontMayReadTheStaticPrefixOnly(t *testing.T) {
	policy := func(resource string) *mock.Resource {
		return res("aws:s3/bucketPolicy:BucketPolicy", "p", "us-east-1", map[string]any{"policy": `{"Statement":[` +
			`{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::b/*"},` +
			`{"Effect":"Allow","Principal":{"Service":"cloudfront.amazonaws.com"},"Action":"s3:GetObject","Resource":"` + resource + `"}]}`})
	}
	assert.Empty(t, check(EdgeReadsStaticOnly, policy("arn:aws:s3:::b/static/*")))
	assert.Equal(t, []string{"lets CloudFront read arn:aws:s3:::b/*: the edge may read static/* only"},
		messages(check(EdgeReadsStaticOnly, policy("arn:aws:s3:::b/*"))))
}

func TestCloudCDNMayReadTheStaticObjectsOnly(t *testing.T) {
	grant := func(condition map[string]any) *mock.Resource {
		return res("gcp:storage/bucketIAMMember:BucketIAMMember", "fill", "", map[string]any{
			"bucket": "b", "role": "roles/storage.objectViewer",
			"member":    "serviceAccount:service-123@cloud-cdn-fill.iam.gserviceaccount.com",
			"condition": condition,
		})
	}
	assert.Empty(t, check(EdgeReadsStaticOnly, grant(map[string]any{"expression": `resource.name.startsWith("projects/_/buckets/b/objects/static/")`})))
	assert.Len(t, check(EdgeReadsStaticOnly, grant(nil)), 1, "the whole bucket, user uploads included")
	assert.Len(t, check(EdgeReadsStaticOnly, grant(map[string]any{"expression": `resource.name.startsWith("projects/_/buckets/b/objects/")`})), 1)
	app := res("gcp:storage/bucketIAMMember:BucketIAMMember", "app", "", map[string]any{"bucket": "b", "member": "serviceAccount:app@p.iam.gserviceaccount.com"})
	assert.Empty(t, check(EdgeReadsStaticOnly, app), "the app reads uploads")
}

func TestFrontDoorServesStorageUnderStaticOnly(t *testing.T) {
	group := res("azure-native:cdn:AFDOriginGroup", "static", "", map[string]any{"originGroupName": "static"})
	group.ID = "/subscriptions/s/resourceGroups/g/providers/Microsoft.Cdn/profiles/fd/originGroups/static"
	origin := res("azure-native:cdn:AFDOrigin", "static", "", map[string]any{"originGroupName": "static", "hostName": "acct.blob.core.windows.net"})
	route := func(originPath string, patterns ...any) *mock.Resource {
		return res("azure-native:cdn:Route", "static", "", map[string]any{"originGroup": map[string]any{"id": group.ID}, "originPath": originPath, "patternsToMatch": patterns})
	}
	assert.Empty(t, check(EdgeReadsStaticOnly, group, origin, route("", "/static/*")), "without an origin path, /static/x is blob x of the static container")
	assert.Empty(t, check(EdgeReadsStaticOnly, group, origin, route("/static", "/static/*")))
	assert.Equal(t, []string{"serves /* from storage: the edge may read /static/* only"},
		messages(check(EdgeReadsStaticOnly, group, origin, route("", "/*"))))
	assert.Equal(t, []string{`serves /static/* from container path "/uploads": the edge may read the static container only`},
		messages(check(EdgeReadsStaticOnly, group, origin, route("/uploads", "/static/*"))), "the uploads container's static/ prefix is no boundary")
	api := res("azure-native:cdn:AFDOrigin", "api", "", map[string]any{"originGroupName": "static", "hostName": "api.azurecontainerapps.io"})
	assert.Empty(t, check(EdgeReadsStaticOnly, group, api, route("", "/*")), "an API origin group")
}
