package spec

import (
	"fmt"
	"github.com/mobile-backend/mobile-backend/components"
	"strings"
)

// SpannerConfig is a Spanner multi-region instance configuration and the
// regions that serve reads from a full replica (read-write and read-only
// SpannerConfig is a Spanner multi-region configuration (components.SpannerConfig).
type SpannerConfig = components.SpannerConfig

// SpannerConfigs are the base multi-region configurations this project can
// choose from, transcribed from Spanner's "Regional, dual-region, and
// multi-region configurations" page. A configuration missing here can be
// added; one not listed cannot be selected, so that a typo never reaches the
// API.
var SpannerConfigs = []SpannerConfig{
	{Name: "nam3", Regions: []string{"us-east4", "us-east1"}, KMSLocation: "nam3"},
	{Name: "nam6", Regions: []string{"us-central1", "us-east1", "us-west1", "us-west2"}, KMSLocation: "nam6"},
	{Name: "nam7", Regions: []string{"us-central1", "us-east4"}, KMSLocation: "nam7"},
	{Name: "nam8", Regions: []string{"us-west2", "us-west1"}, KMSLocation: "nam8"},
	{Name: "nam11", Regions: []string{"us-central1", "us-east1"}, KMSLocation: "nam11"},
	{Name: "nam14", Regions: []string{"us-east4", "northamerica-northeast1"}, KMSLocation: ""},
	{Name: "nam15", Regions: []string{"us-south1", "us-east4"}, KMSLocation: ""},
	{Name: "eur3", Regions: []string{"europe-west1", "europe-west4"}, KMSLocation: ""},
	{Name: "eur5", Regions: []string{"europe-west2", "europe-west1"}, KMSLocation: ""},
	{Name: "eur6", Regions: []string{"europe-west4", "europe-west3"}, KMSLocation: ""},
	{Name: "asia1", Regions: []string{"asia-northeast1", "asia-northeast2"}, KMSLocation: ""},
	{Name: "nam-eur-asia1", Regions: []string{"us-central1", "europe-west1", "asia-east1"}, KMSLocation: ""},
	{Name: "nam-eur-asia3", Regions: []string{"us-central1", "us-east1", "europe-west1", "europe-west4", "asia-east1", "asia-southeast1"}, KMSLocation: ""},
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
