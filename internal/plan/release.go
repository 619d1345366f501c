package plan

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"reflect"
	"slices"
	"strings"

	"github.com/mobile-backend/mobile-backend/policies"
)

// Release is how the stack releases, as the plan records it: the waves in
// order (the writer's region last), the bake, and the image with whether
// it is pinned by digest (the deploy workflow pins it: docs/delivery.md).
type Release struct {
	Waves       [][]string `json:"waves"`
	BakeSeconds int        `json:"bakeSeconds"`
	Image       string     `json:"image"`
	Digest      string     `json:"digest,omitempty"` // sha256:… when pinned
}

// Release is this plan's release.
func (r *Result) Release() Release {
	s := r.Spec
	rel := Release{Waves: s.ReleaseWaves(), BakeSeconds: s.Release.BakeSeconds, Image: s.Image}
	if _, digest, ok := strings.Cut(s.Image, "@"); ok {
		rel.Digest = digest
	}
	return rel
}

// ReadDocument reads a plan written with --format json: the base a
// pull request's summary compares with.
func ReadDocument(path string) (*Document, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var d Document
	if err := json.Unmarshal(b, &d); err != nil {
		return nil, fmt.Errorf("%s: not a plan written with --format json: %w", path, err)
	}
	return &d, nil
}

// Rolls are the regions whose app a change from base rolls (a release
// resource whose inputs differ, or that is new), and the other resources
// it changes, adds or removes, by URN.
func (r *Result) Rolls(base *Document) (regions map[string]bool, others []string) {
	types := policies.ReleaseTypes[string(r.Spec.Cloud)]
	was := map[string]DocumentEntry{}
	for _, e := range base.Resources {
		was[e.URN] = e
	}
	regions = map[string]bool{}
	seen := map[string]bool{}
	for _, res := range r.Recorder.Resources() {
		seen[res.URN] = true
		w, ok := was[res.URN]
		if ok && reflect.DeepEqual(w.Inputs, res.Inputs) {
			continue
		}
		if slices.Contains(types, res.Type) && res.Region != "" {
			regions[res.Region] = true
			continue
		}
		others = append(others, res.URN)
	}
	for _, e := range base.Resources {
		if !seen[e.URN] {
			others = append(others, e.URN)
		}
	}
	slices.Sort(others)
	return regions, others
}

// writeRelease writes the summary's release section: the waves, and with a
// base what this change rolls, wave by wave.
func (r *Result) writeRelease(w io.Writer) {
	rel := r.Release()
	pinned := "a mutable tag: the deploy workflow pins it by digest"
	if rel.Digest != "" {
		pinned = "pinned by digest"
	}
	fmt.Fprintf(w, "\nRelease waves (each after the previous wave's gate passed and a %d s bake): %s\n\nImage: `%s` (%s)\n",
		rel.BakeSeconds, policies.WaveSummary(rel.Waves, r.Spec.WriterRegion), rel.Image, pinned)
	if m := r.Spec.Release.Migrations; len(m) > 0 {
		fmt.Fprintf(w, "\nMigrations: `%s` in `%s`, in %s, before wave 1\n", strings.Join(m, " "), r.Spec.MigrationsImage(), r.Spec.WithTheWriter())
	}
	for _, wk := range r.Spec.Workers() {
		fmt.Fprintf(w, "\nWorker `%s`: `%s`, %d per region, released with the API\n", wk.Name, strings.Join(wk.Command, " "), wk.Instances)
	}
	if r.Base == nil {
		return
	}
	regions, others := r.Rolls(r.Base)
	var rolled []string
	for i, wave := range rel.Waves {
		var in []string
		for _, region := range wave {
			if regions[region] {
				in = append(in, region)
			}
		}
		if len(in) > 0 {
			rolled = append(rolled, fmt.Sprintf("wave %d (%s)", i+1, strings.Join(in, ", ")))
		}
	}
	switch {
	case len(rolled) == 0:
		fmt.Fprintln(w, "\nThis change rolls no release: no region's app changes.")
	default:
		fmt.Fprintf(w, "\nThis change rolls a release: %s, in that order.\n", strings.Join(rolled, " → "))
	}
	if len(others) > 0 {
		fmt.Fprintf(w, "It also changes, adds or removes %d resources outside the apps (applied with the release, not in waves).\n", len(others))
	}
}
