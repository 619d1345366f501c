package stacks

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mobile-backend/mobile-backend/internal/spec"
)

// InWaves builds one stamp per region in the order of the release waves
// (spec.ReleaseWaves): every region of a wave is built with the previous
// wave's gates as after, which its app waits for before it takes a new
// version; the first wave's with none. build returns the stamp and its
// gate: what the next wave waits for. A down region takes no release: its
// stamp is built as deployed, after nothing, and nothing waits for its
// gate. first is what the first wave waits for (the migrations). The
// stamps come back in the order of regions.
func InWaves[T any](s spec.Spec, first []pulumi.Resource, build func(r spec.RegionSpec, after []pulumi.Resource) (T, pulumi.Resource, error)) ([]T, error) {
	built := map[string]T{}
	after := first
	for _, wave := range s.ReleaseWaves() {
		var gates []pulumi.Resource
		for _, name := range wave {
			stamp, gate, err := build(s.Region(name), after)
			if err != nil {
				return nil, err
			}
			if gate == nil {
				return nil, fmt.Errorf("region %s: its stamp has no release gate", name)
			}
			built[name], gates = stamp, append(gates, gate)
		}
		after = gates
	}
	out := make([]T, 0, len(s.Regions))
	for _, r := range s.Regions {
		if r.Down {
			stamp, _, err := build(r, nil)
			if err != nil {
				return nil, err
			}
			built[r.Name] = stamp
		}
		out = append(out, built[r.Name])
	}
	return out, nil
}
