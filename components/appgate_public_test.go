package components

import (
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
)

// The public-path expression exempts what the app serves under the
// prefixes and nothing it would resolve elsewhere.
func TestPublicPathRegexExemptsThePrefixesAndNoEscapeFromThem(t *testing.T) {
	re := regexp.MustCompile(PublicPathRegex([]string{"/webhooks/", "/store/notifications"}))
	for path, want := range map[string]bool{
		"/webhooks/apple": true, "/webhooks/v1.2/google-play": true, "/webhooks/": true, "/store/notifications": true,
		"/store/notifications/v2": true, "/webhooks/a.": true,
		"/webhooks/../admin": false, "/webhooks/%2e%2e/admin": false, "/webhooks/x/..": false, "/admin": false,
		"/x/webhooks/apple": false, "/webhooks/apple?token=1": false,
	} {
		assert.Equal(t, want, re.MatchString(path), path)
	}
	assert.Empty(t, PublicPathRegex(nil))
}
