package spec

import (
	"regexp"
	"time"
)

// BreakGlass is the operators' way in to the private database in an
// emergency (breakGlass): off unless set, and in production bounded by an
// expiry the clouds enforce where they can.
type BreakGlass struct {
	// Until is when the way in closes (RFC 3339); zero when not set.
	Until time.Time
	// Approval notes who approved it (a ticket, a change id).
	Approval string
	// Member is who may come in: a Google Cloud IAM member
	// (group:oncall@example.com) or a Microsoft Entra group's object id.
	// AWS operators come in with their own IAM permission
	// (ecs:ExecuteCommand).
	Member string

	raw map[string]string // as configured
}

// On reports whether the way in is configured.
func (b BreakGlass) On() bool { return len(b.raw) > 0 }

var (
	gcpMember = regexp.MustCompile(`^(user|group|serviceAccount):[^@\s]+@[^@\s]+\.[a-z]{2,}$`)
	entraID   = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
)

// validateBreakGlass: known keys, an RFC 3339 expiry (required in
// production), and who may come in where the cloud needs it.
func (s *Spec) validateBreakGlass(p *problems) {
	b := &s.BreakGlass
	for _, k := range SortedKeys(b.raw) {
		switch k {
		case "until":
			t, err := time.Parse(time.RFC3339, b.raw[k])
			if err != nil {
				p.add("breakGlass.until", "%q is not an RFC 3339 time, e.g. 2026-12-07T18:00:00Z", b.raw[k])
			}
			b.Until = t
		case "approval":
			b.Approval = b.raw[k]
		case "member":
			b.Member = b.raw[k]
		default:
			p.add("breakGlass."+k, "not a key of breakGlass: until, approval, member")
		}
	}
	if !b.On() {
		return
	}
	if s.Production() && b.raw["until"] == "" {
		p.add("breakGlass", "in production it needs an expiry: set breakGlass.until (RFC 3339), and breakGlass.approval for the record")
	}
	switch s.Cloud {
	case AWS:
		if b.Member != "" {
			p.add("breakGlass.member", "not on AWS: operators come in with their own IAM permission, ecs:ExecuteCommand on the stack's clusters")
		}
	case GCP:
		if !gcpMember.MatchString(b.Member) {
			p.add("breakGlass.member", "%q: on Google Cloud, the IAM member that may come in, e.g. group:oncall@example.com", b.Member)
		}
	case Azure:
		if !entraID.MatchString(b.Member) {
			p.add("breakGlass.member", "%q: on Azure, the object id of the Microsoft Entra group that may come in", b.Member)
		}
	}
}
