package spec

import (
	"slices"
	"strings"
)

// Release is how a change of what runs (the image, the app's env or
// secrets, CPU and memory) reaches the regions within one pulumi up: in
// waves, each gated on the previous wave's new version being measured
// healthy for BakeSeconds (docs/delivery.md).
type Release struct {
	// Waves are the waves as configured (releaseWaves), each a
	// comma-separated list of regions; empty means the default rule
	// (Spec.ReleaseWaves).
	Waves []string
	// BakeSeconds is how long a wave's new version must stay healthy, its
	// region's alarms quiet, before the next wave starts.
	BakeSeconds int
	// Migrations is the command (and its arguments) that changes the
	// schema once per release, before the first wave; none when empty.
	Migrations []string
	// MigrationsImage is the image it runs in; empty means the release's.
	MigrationsImage string
}

// MaxReleaseBakeSeconds bounds releaseBakeSeconds: AWS's gate is one Lambda
// invocation (at most 900 s, "Lambda quotas"), which also reads the
// deployment's state and may roll it back.
const MaxReleaseBakeSeconds = 600

// MinProductionBakeSeconds is the least bake a production stack may set.
const MinProductionBakeSeconds = 120

// ReleaseWaves are the regions a release reaches, wave by wave: the
// configured waves, or by default the first region of regions that is not
// the writer's (in active-passive a standby), then the other regions but
// the writer's, then the writer's region. The writer's region is always
// last and alone: where it stands in releaseWaves is ignored, so that a
// moved writerRegion (a failover) needs no edit of releaseWaves. A region
// in regionsDown takes no release (it is frozen as deployed) and is left
// out; a wave left empty is dropped.
func (s Spec) ReleaseWaves() [][]string {
	var waves [][]string
	if len(s.Release.Waves) == 0 {
		var first, rest []string
		for _, r := range s.RegionNames {
			switch {
			case r == s.WriterRegion:
			case first == nil:
				first = []string{r}
			default:
				rest = append(rest, r)
			}
		}
		waves = [][]string{first, rest}
	} else {
		for _, w := range s.Release.Waves {
			waves = append(waves, splitWave(w))
		}
	}
	var out [][]string
	for _, w := range waves {
		var kept []string
		for _, r := range w {
			if r != s.WriterRegion && !s.Down(r) {
				kept = append(kept, r)
			}
		}
		if len(kept) > 0 {
			out = append(out, kept)
		}
	}
	return append(out, []string{s.WriterRegion}) // never down (validateRegionsDown)
}

// WaveOf is the index of the release wave a region is in, or -1 (a down
// region).
func (s Spec) WaveOf(region string) int {
	for i, w := range s.ReleaseWaves() {
		if slices.Contains(w, region) {
			return i
		}
	}
	return -1
}

func splitWave(w string) []string {
	var out []string
	for _, r := range strings.Split(w, ",") {
		if r = strings.TrimSpace(r); r != "" {
			out = append(out, r)
		}
	}
	return out
}

// validateRelease: every region is in exactly one configured wave, the
// first of one region that is not the writer's; the bake is within the
// gate's reach, and long enough in production.
func (s Spec) validateRelease(p *problems) {
	seen := map[string]bool{}
	for i, w := range s.Release.Waves {
		regions := splitWave(w)
		if len(regions) == 0 {
			p.add("releaseWaves", "wave %d is empty: each wave is one region or several joined by commas", i+1)
		}
		for _, r := range regions {
			switch {
			case !slices.Contains(s.RegionNames, r):
				p.add("releaseWaves", "%q (wave %d) is not one of regions %v", r, i+1, s.RegionNames)
			case seen[r]:
				p.add("releaseWaves", "%q is in more than one wave", r)
			}
			seen[r] = true
		}
		if i == 0 && len(regions) > 1 {
			p.add("releaseWaves", "the first wave %q must be one region: a bad version must stop at one region", w)
		}
		if i == 0 && len(regions) == 1 && regions[0] == s.WriterRegion {
			p.add("releaseWaves", "the first wave %q is the writer region: the writer's region is always released last", w)
		}
	}
	if len(s.Release.Waves) > 0 {
		for _, r := range s.RegionNames {
			if !seen[r] {
				p.add("releaseWaves", "%q is in no wave: list every region of regions", r)
			}
		}
	}
	switch b := s.Release.BakeSeconds; {
	case b < 0 || b > MaxReleaseBakeSeconds:
		p.add("releaseBakeSeconds", "%d must be between 0 and %d seconds (AWS's gate is one Lambda invocation of at most 900 s)", b, MaxReleaseBakeSeconds)
	case s.Production() && b < MinProductionBakeSeconds:
		p.add("releaseBakeSeconds", "%d is below %d: a production release bakes at least %d seconds in each wave", b, MinProductionBakeSeconds, MinProductionBakeSeconds)
	}
}

// validateMigrations: a command to run, and an image Cloud Run can pull on
// Google Cloud.
func (s Spec) validateMigrations(p *problems) {
	if len(s.Release.Migrations) == 0 {
		if s.Release.MigrationsImage != "" {
			p.add("migrationsImage", "is set without migrations")
		}
		return
	}
	if s.Release.Migrations[0] == "" {
		p.add("migrations", "the command's first word (the program to run) is empty")
	}
	if img := s.Release.MigrationsImage; img != "" && s.Cloud == GCP && !CloudRunImage(img) {
		p.add("migrationsImage", "%q: Cloud Run deploys only from Artifact Registry (REGION-docker.pkg.dev/...), gcr.io or docker.io", img)
	}
}

// MigrationsImage is the image the migrations run with: migrationsImage,
// or the release's own.
func (s Spec) MigrationsImage() string {
	if s.Release.MigrationsImage != "" {
		return s.Release.MigrationsImage
	}
	return s.Image
}
