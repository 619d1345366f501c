// Package names makes physical resource names that fit each provider's
// rules: lowercase, limited characters and length, and still unique when a
// long name has to be shortened (its tail becomes a hash of the whole).
package names

import (
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"sort"
	"strings"
)

// Hash is a short, stable hash of a string.
func Hash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])[:6]
}

// Fit shortens a name to max characters, replacing its tail with a hash of
// the whole name; a name that fits is returned as it is.
func Fit(name string, max int) string {
	if len(name) <= max {
		return name
	}
	h := Hash(name)
	head := strings.TrimRight(name[:max-len(h)-1], "-")
	return head + "-" + h
}

var notDNSLabel = regexp.MustCompile(`[^a-z0-9-]+`)

// DNSLabel makes a name of lowercase letters, digits and hyphens that starts
// with a letter and has at most max characters (Google Cloud and most Azure
// resource names).
func DNSLabel(name string, max int) string {
	n := strings.Trim(notDNSLabel.ReplaceAllString(strings.ToLower(name), "-"), "-")
	if n == "" || n[0] < 'a' || n[0] > 'z' {
		n = "mb-" + n
	}
	return Fit(n, max)
}

var notAlnum = regexp.MustCompile(`[^a-z0-9]+`)

// Compact makes a name of lowercase letters and digits only (Azure storage
// accounts and WAF policies), at most max characters, unique through a hash
// of the original.
func Compact(name string, max int) string {
	n := notAlnum.ReplaceAllString(strings.ToLower(name), "")
	if n == "" || n[0] < 'a' || n[0] > 'z' {
		n = "mb" + n
	}
	h := Hash(name)
	if len(n)+len(h) > max {
		n = n[:max-len(h)]
	}
	return n + h
}

// ForSet is a name that changes whenever a set of values does (a managed
// certificate's domains, say): a prefix fitted to max with a hash of the
// sorted values, so that a change of the set is a new name, which Pulumi
// creates before it deletes the old one.
func ForSet(prefix string, values []string, max int) string {
	suffix := SetSuffix(values)
	return DNSLabel(prefix, max-len(suffix)-1) + "-" + suffix
}

// SetSuffix is the 8-character hash of a set of values, in any order.
func SetSuffix(values []string) string {
	sorted := append([]string(nil), values...)
	sort.Strings(sorted)
	sum := sha256.Sum256([]byte(strings.Join(sorted, ",")))
	return hex.EncodeToString(sum[:])[:8]
}
