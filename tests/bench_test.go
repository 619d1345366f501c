package tests

import (
	"fmt"
	"testing"
)

// BenchmarkSynthesizeActiveActive measures a whole offline plan of an
// active-active AWS stack as the number of regions grows.
func BenchmarkSynthesizeActiveActive(b *testing.B) {
	for _, n := range []int{2, 4, 8} {
		b.Run(fmt.Sprintf("regions=%d", n), func(b *testing.B) {
			cfg := contract("aws", "active-active", diverseAWSRegions[:n]...)
			for b.Loop() {
				res := mustPlan(b, "bench", cfg)
				if len(res.Recorder.OfType(typeALB)) != n {
					b.Fatalf("want %d load balancers", n)
				}
			}
		})
	}
}
