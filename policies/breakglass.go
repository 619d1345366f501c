package policies

import (
	"time"
)

// Now is the policies' clock (a variable for tests).
var Now = time.Now

// BreakGlassBounded: an operator's way in to the private database closes.
// In production breakGlass needs an expiry (validation refuses it
// without), and a plan after the expiry fails until the key is removed.
var BreakGlassBounded = Policy{
	Name:        "break-glass-bounded",
	Description: "breakGlass (an operator's way in to the private database) carries an expiry that has not passed; remove it once the emergency is over.",
	Severity:    Advisory,
	SeverityIn:  productionMandatory,
	Check: func(s Stack) []Violation {
		b := s.Spec.BreakGlass
		switch {
		case !b.On():
			return nil
		case b.Until.IsZero():
			return []Violation{violation(nil, "breakGlass is open with no expiry (breakGlass.until)")}
		case !b.Until.After(Now()):
			return []Violation{violation(nil, "breakGlass expired at %s: remove it (pulumi config rm mobile-backend:breakGlass)", b.Until.UTC().Format(time.RFC3339))}
		}
		return nil
	},
}
