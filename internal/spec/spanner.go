package spec

import (
	"fmt"
	"slices"
	"strings"
)

// SpannerConfig is a Spanner multi-region instance configuration and the
// regions that serve reads from a full replica (read-write and read-only
// replicas; witness regions hold no readable copy and are left out).
type SpannerConfig struct {
	Name    string
	Regions []string
	// KMSLocation is the Cloud KMS location of the same name, where one
	// exists (Cloud KMS "Locations" page): a database on a multi-region
	// configuration takes a single customer-managed key only from there,
	// since pulumi-gcp v7.38 has no kmsKeyNames. Empty: none is listed.
	KMSLocation string
}

// SpannerConfigs are the base multi-region configurations this project can
// choose from, transcribed from Spanner's "Regional, dual-region, and
// multi-region configurations" page. A configuration missing here can be
// added; one not listed cannot be selected, so that a typo never reaches the
// API.
var SpannerConfigs = []SpannerConfig{
	{"nam3", []string{"us-east4", "us-east1"}, "nam3"},
	{"nam6", []string{"us-central1", "us-east1", "us-west1", "us-west2"}, "nam6"},
	{"nam7", []string{"us-central1", "us-east4"}, "nam7"},
	{"nam8", []string{"us-west2", "us-west1"}, "nam8"},
	{"nam11", []string{"us-central1", "us-east1"}, "nam11"},
	{"nam14", []string{"us-east4", "northamerica-northeast1"}, ""},
	{"nam15", []string{"us-south1", "us-east4"}, ""},
	{"eur3", []string{"europe-west1", "europe-west4"}, ""},
	{"eur5", []string{"europe-west2", "europe-west1"}, ""},
	{"eur6", []string{"europe-west4", "europe-west3"}, ""},
	{"asia1", []string{"asia-northeast1", "asia-northeast2"}, ""},
	{"nam-eur-asia1", []string{"us-central1", "europe-west1", "asia-east1"}, ""},
	{"nam-eur-asia3", []string{"us-central1", "us-east1", "europe-west1", "europe-west4", "asia-east1", "asia-southeast1"}, ""},
}

// Covers reports whether every region serves reads from this configuration.
func (c SpannerConfig) Covers(regions []string) bool {
	for _, r := range regions {
		if !slices.Contains(c.Regions, r) {
			return false
		}
	}
	return true
}

// ChooseSpannerConfig returns the named configuration, or, when name is
// empty, the smallest one that covers the regions.
func ChooseSpannerConfig(name string, regions []string) (SpannerConfig, error) {
	if name != "" {
		for _, c := range SpannerConfigs {
			if c.Name == name {
				if !c.Covers(regions) {
					return c, fmt.Errorf("%q does not serve all of %s (it serves %s); %s", name, strings.Join(regions, ", "), strings.Join(c.Regions, ", "), spannerHint(regions))
				}
				return c, nil
			}
		}
		return SpannerConfig{}, fmt.Errorf("%q is not a known multi-region configuration; %s", name, spannerHint(regions))
	}
	best := -1
	for i, c := range SpannerConfigs {
		if c.Covers(regions) && (best < 0 || len(c.Regions) < len(SpannerConfigs[best].Regions)) {
			best = i
		}
	}
	if best < 0 {
		return SpannerConfig{}, fmt.Errorf("no Spanner multi-region configuration serves all of %s; %s", strings.Join(regions, ", "), spannerHint(regions))
	}
	return SpannerConfigs[best], nil
}

func spannerHint(regions []string) string {
	var b strings.Builder
	b.WriteString("choose regions one of these covers, or set mobile-backend:gcpDatabase to cloudsql:")
	for _, c := range SpannerConfigs {
		fmt.Fprintf(&b, " %s (%s);", c.Name, strings.Join(c.Regions, ", "))
	}
	return strings.TrimSuffix(b.String(), ";")
}
