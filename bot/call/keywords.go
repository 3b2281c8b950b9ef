package call

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Bounds of ParseKeywords.
const (
	maxKeywords     = 100 // keywords kept per challenge
	maxKeywordRunes = 60  // longest keyword or phrase, in runes
)

// ParseKeywords reads the keywords an organiser typed for a challenge:
// words or phrases separated by commas, semicolons or line breaks, in any
// language ("kotihoito, home care; hemvård"). Each is trimmed, its inner
// spaces collapsed and lower-cased; empty ones, ones longer than 60 runes
// and repeats are dropped, and at most 100 are kept, in the order typed.
func ParseKeywords(s string) []string {
	var out []string
	seen := map[string]bool{}
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == '\n' || r == '\r' }) {
		kw := strings.ToLower(strings.Join(strings.FieldsFunc(f, unicode.IsSpace), " "))
		if kw == "" || !utf8.ValidString(kw) || utf8.RuneCountInString(kw) > maxKeywordRunes || seen[kw] {
			continue
		}
		seen[kw] = true
		out = append(out, kw)
		if len(out) == maxKeywords {
			break
		}
	}
	return out
}
