package components

import "encoding/json"

// The region directory: a small JSON document every stack publishes on its
// edge, from every region's static store, so that an app can move to
// another region on errors or timeouts without waiting for DNS (mobile
// clients cache DNS answers far beyond their TTL).
const (
	// DirectorySchema is the document's schema version; a client ignores a
	// document whose schema it does not know.
	DirectorySchema = 1
	// DirectoryObject is the document's name below the static prefix.
	DirectoryObject = ".well-known/mobile-backend.json"
	// DirectoryMaxAgeSeconds is its cache lifetime at the edge and in apps.
	DirectoryMaxAgeSeconds = 60
	// DirectoryCacheControl is the Cache-Control its stores answer with.
	DirectoryCacheControl = "public, max-age=60"
)

// Directory is the document.
type Directory struct {
	Schema         int                 `json:"schema"`
	Stack          string              `json:"stack"`
	GlobalEndpoint string              `json:"globalEndpoint"`
	Regions        []DirectoryRegion   `json:"regions"`
	MinimumVersion map[string]string   `json:"minimumVersions"`
	StoreURLs      map[string]string   `json:"storeUrls,omitempty"`
	Client         DirectoryClientRule `json:"client"`
}

// DirectoryRegion is one region: its own endpoint, its role, and whether
// it holds the database writer.
type DirectoryRegion struct {
	Name     string `json:"name"`
	Role     Role   `json:"role"`
	Writer   bool   `json:"writer"`
	Endpoint string `json:"endpoint"`
}

// DirectoryClientRule is the client logic the document enables, stated in
// it so that an app reads it from the same place.
type DirectoryClientRule struct {
	MaxAgeSeconds int    `json:"maxAgeSeconds"`
	Rule          string `json:"rule"`
}

// DirectoryRule is the client logic, in one sentence.
const DirectoryRule = "Call globalEndpoint; on a timeout, a connection error or a 5xx, retry on the serving regions' endpoints in order (active-passive: the writer's first), without waiting for DNS; re-read this document after maxAgeSeconds; a 426 or a gated 403 means upgrade (storeUrls)."

// JSON is the document's bytes (keys in a fixed order, so a pulumi up that
// changes nothing writes nothing).
func (d Directory) JSON() string {
	if d.MinimumVersion == nil {
		d.MinimumVersion = map[string]string{}
	}
	d.Schema, d.Client = DirectorySchema, DirectoryClientRule{MaxAgeSeconds: DirectoryMaxAgeSeconds, Rule: DirectoryRule}
	b, _ := json.Marshal(d)
	return string(b)
}
