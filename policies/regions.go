package policies

import (
	"slices"
	"strings"

	"github.com/mobile-backend/mobile-backend/internal/spec"
)

// RegionsAllowedAndApart: data stays in the allowed regions, and no two
// regions are close enough to fall to one disaster.
var RegionsAllowedAndApart = Policy{
	Name:        "regions-allowed-and-apart",
	Description: "Two or more regions, all in `allowedRegions` (when set), each two at least `minRegionDistanceKm` apart.",
	Severity:    Mandatory,
	Check: func(s Stack) []Violation {
		var vs []Violation
		if len(s.Spec.Regions) < 2 {
			vs = append(vs, violation(nil, "the stack has %d region(s); at least two are needed", len(s.Spec.Regions)))
		}
		for _, r := range s.Spec.RegionNames {
			if len(s.Spec.AllowedRegions) > 0 && !slices.Contains(s.Spec.AllowedRegions, r) {
				vs = append(vs, violation(nil, "region %s is not in allowedRegions (%s)", r, strings.Join(s.Spec.AllowedRegions, ", ")))
			}
		}
		for i, a := range s.Spec.RegionNames {
			for _, b := range s.Spec.RegionNames[i+1:] {
				ra, okA := spec.LookupRegion(s.Spec.Cloud, a)
				rb, okB := spec.LookupRegion(s.Spec.Cloud, b)
				if !okA || !okB {
					continue
				}
				if d := distanceKm(ra, rb); d < float64(s.Spec.MinRegionDistanceKm) {
					vs = append(vs, violation(nil, "%s and %s are %.0f km apart, closer than minRegionDistanceKm (%d)", a, b, d, s.Spec.MinRegionDistanceKm))
				}
			}
		}
		return vs
	},
}
