package components

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func older(a, b [3]int) bool {
	for i := range a {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return false
}

func TestTheGeneratedMatcherMatchesExactlyTheOlderVersions(t *testing.T) {
	t.Parallel()
	cases := []struct {
		min   string
		older []string
		not   []string
	}{
		{"1.10.0", []string{"1.9.3", "1.9", "1", "0.99.99", "1.0.0", "1.0"}, []string{"1.10.0", "1.10", "1.10.1", "1.11", "2", "10.0.0", "1.100.0"}},
		{"2.10.3", []string{"2.10.2", "2.10", "2", "2.9.99", "1.99.99", "0.0.1", "2.0"}, []string{"2.10.3", "2.10.4", "2.11", "3", "2.100.0", "20.0.0"}},
		{"10", []string{"9", "9.99.99", "0", "1.2.3"}, []string{"10", "10.0", "10.0.0", "10.0.1", "11", "100"}},
		{"3.0.1", []string{"3.0.0", "3.0", "3", "2.999.999"}, []string{"3.0.1", "3.0.2", "3.1", "4"}},
	}
	for _, tc := range cases {
		expr, err := OlderThan(tc.min)
		require.NoError(t, err)
		re := regexp.MustCompile(expr)
		for _, v := range tc.older {
			assert.True(t, re.MatchString(v), "%s is older than %s (%s)", v, tc.min, expr)
		}
		for _, v := range tc.not {
			assert.False(t, re.MatchString(v), "%s is not older than %s (%s)", v, tc.min, expr)
		}
		// Not versions at all: never matched (the request passes, the app decides).
		for _, v := range []string{"", "abc", "1.2.3.4", "01.2", "1..2", " 1.2", "1.2-beta", "v1.2"} {
			assert.False(t, re.MatchString(v), "%q is not a version (%s)", v, tc.min)
		}
	}
}

// Every minimum and every version in a grid around the interesting
// boundaries (9/10, 99/100): the matcher agrees with a numeric comparison.
func TestTheMatcherAgreesWithANumericComparisonOnAGrid(t *testing.T) {
	t.Parallel()
	parts := []int{0, 1, 2, 9, 10, 11, 19, 20, 99, 100, 101}
	var versions [][3]int
	for _, a := range parts {
		for _, b := range parts {
			for _, c := range parts {
				versions = append(versions, [3]int{a, b, c})
			}
		}
	}
	checked := 0
	for _, m := range versions[1:] { // 0.0.0 has nothing older
		expr, err := OlderThan(fmt.Sprintf("%d.%d.%d", m[0], m[1], m[2]))
		require.NoError(t, err)
		re := regexp.MustCompile(expr)
		for _, v := range versions {
			full := fmt.Sprintf("%d.%d.%d", v[0], v[1], v[2])
			if re.MatchString(full) != older(v, m) {
				t.Fatalf("min %v, version %s: matcher says %v (%s)", m, full, re.MatchString(full), expr)
			}
			if v[2] == 0 { // the short form means the same version
				short := fmt.Sprintf("%d.%d", v[0], v[1])
				require.Equal(t, older(v, m), re.MatchString(short), "min %v, version %s", m, short)
			}
			checked++
		}
	}
	assert.Greater(t, checked, 1_000_000)
}

func TestTheGateAnswersWithAStoreAddressAndRefusesABadMinimum(t *testing.T) {
	t.Parallel()
	g := AppGate{Minimums: map[string]string{"ios": "2.3", "android": "2.1.0"}, StoreURLs: map[string]string{"ios": "https://apps.apple.com/app/id1"}}
	assert.Equal(t, []string{"android", "ios"}, g.Platforms())
	assert.JSONEq(t, `{"error":"upgrade_required","platform":"ios","minimumVersion":"2.3","storeUrl":"https://apps.apple.com/app/id1"}`, g.Body("ios"))
	assert.JSONEq(t, `{"error":"upgrade_required","platform":"android","minimumVersion":"2.1.0"}`, g.Body("android"))
	for _, bad := range []string{"0.0.0", "0", "1.2.3.4", "v2", "02.1", ""} {
		_, err := OlderThan(bad)
		assert.Error(t, err, bad)
	}
}
