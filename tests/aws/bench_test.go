package aws

import (
	"fmt"
	"testing"

	. "github.com/mobile-backend/mobile-backend/tests/suite"
)

// BenchmarkSynthesizeActiveActive measures a whole offline plan of an
// active-active AWS stack as the number of regions grows.
func BenchmarkSynthesizeActiveActive(b *testing.B) {
	for _, n := range []int{2, 4, 8} {
		b.Run(fmt.Sprintf("regions=%d", n), func(b *testing.B) {
			cfg := Contract("aws", "active-active", DiverseAWSRegions[:n]...)
			for b.Loop() {
				res := MustPlan(b, "bench", cfg)
				if len(res.Recorder.OfType(TypeALB)) != n {
					b.Fatalf("want %d load balancers", n)
				}
			}
		})
	}
}
