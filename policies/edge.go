package policies

import (
	"encoding/json"
	"strings"

	"github.com/mobile-backend/mobile-backend/components"
	"github.com/mobile-backend/mobile-backend/internal/mock"
)

// EdgeReadsStaticOnly: the edge cache serves static content, so it must not
// be able to read a user's upload from the same bucket or container.
var EdgeReadsStaticOnly = Policy{
	Name:        "edge-reads-static-only",
	Description: "The edge cache may read the static/ objects only: CloudFront's bucket-policy grant, Cloud CDN's cache-fill grant (an IAM condition on the object name) and Front Door's storage routes are limited to the static container, never user uploads.",
	Severity:    Mandatory,
	Check: func(s Stack) []Violation {
		var vs []Violation
		for _, p := range s.OfType("aws:s3/bucketPolicy:BucketPolicy") {
			if mock.Unresolved(p.Str("policy")) {
				continue
			}
			var doc struct {
				Statement []struct {
					Effect    string
					Principal any
					Resource  any
				}
			}
			if err := json.Unmarshal([]byte(p.Str("policy")), &doc); err != nil {
				continue // no-wildcard-iam reports invalid documents
			}
			for _, st := range doc.Statement {
				principal, _ := json.Marshal(st.Principal)
				if st.Effect != "Allow" || !strings.Contains(string(principal), "cloudfront.amazonaws.com") {
					continue
				}
				for _, r := range list(st.Resource) {
					if !strings.HasSuffix(r, "/"+components.StaticPrefix+"/*") {
						vs = append(vs, violation(p, "lets CloudFront read %s: the edge may read %s/* only", r, components.StaticPrefix))
					}
				}
			}
		}
		for _, m := range s.OfType("gcp:storage/bucketIAMMember:BucketIAMMember") {
			if !strings.Contains(m.Str("member"), "@cloud-cdn-fill.iam.gserviceaccount.com") {
				continue
			}
			expr := m.Str("condition.expression")
			if mock.Unresolved(expr) || mock.Unresolved(m.Str("bucket")) && expr != "" {
				continue // built from the bucket's name, unknown in a first preview
			}
			want := `resource.name.startsWith("projects/_/buckets/` + m.Str("bucket") + `/objects/` + components.StaticPrefix + `/")`
			if expr != want {
				vs = append(vs, violation(m, "lets Cloud CDN read the whole bucket: condition it on %s", want))
			}
		}
		// Front Door: a route to an origin group holding a storage origin.
		storageGroups := map[string]bool{}
		for _, o := range s.OfType("azure-native:cdn:AFDOrigin") {
			if strings.Contains(o.Str("hostName"), ".blob.core.windows.net") || o.Get("sharedPrivateLinkResource.groupId") == "blob" {
				storageGroups[o.Str("originGroupName")] = true
			}
		}
		groupName := map[string]string{}
		for _, g := range s.OfType("azure-native:cdn:AFDOriginGroup") {
			groupName[g.ID] = g.Str("originGroupName")
			groupName[mock.RefPrefix+g.URN] = g.Str("originGroupName")
		}
		for _, r := range s.OfType("azure-native:cdn:Route") {
			if !storageGroups[groupName[r.Str("originGroup.id")]] {
				continue
			}
			// The container is the origin path's, or without one the first
			// segment of the request path.
			for _, p := range list(r.Get("patternsToMatch")) {
				if !strings.HasPrefix(p, "/"+components.StaticPrefix+"/") {
					vs = append(vs, violation(r, "serves %s from storage: the edge may read /%s/* only", p, components.StaticPrefix))
					continue
				}
				container := strings.Trim(r.Str("originPath"), "/")
				if container == "" {
					container = components.StaticPrefix
				}
				if container != components.StaticPrefix {
					vs = append(vs, violation(r, "serves %s from container path %q: the edge may read the %s container only", p, r.Str("originPath"), components.StaticPrefix))
				}
			}
		}
		return vs
	},
}
