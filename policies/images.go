package policies

// ImagePinned: a production stack names its image by digest. A tag can be
// moved to other content between two regions' pulls (or a scale-out's),
// so regions would run different code under one version; a digest cannot.
var ImagePinned = Policy{
	Name:        "image-pinned-by-digest",
	Description: "A production stack's image is named by digest (name@sha256:…), not by a tag that can move between two regions' pulls.",
	Severity:    Advisory,
	Check: func(s Stack) []Violation {
		if !s.Spec.Production() || s.Spec.ImagePinned() {
			return nil
		}
		return []Violation{violation(nil, "image %q is a mutable tag: pin it by digest (mobile-backend:image name@sha256:…)", s.Spec.Image)}
	},
}
