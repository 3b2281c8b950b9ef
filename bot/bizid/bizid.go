// Package bizid reads Finnish business IDs (Y-tunnus, FO-nummer) as people
// type and paste them: with any dash, with spaces of any kind, with
// invisible characters copied from web pages and PDFs, with fullwidth
// digits, with the "FI" VAT prefix. It is the one canonicaliser every place
// that takes a business ID uses (the application form, conflict
// declarations, list filters, commands).
//
// The rule (seven digits, a hyphen, a check digit; weights 7, 9, 10, 5, 8,
// 4, 2; modulus 11) is the Finnish Tax Administration's, see
// https://www.vero.fi/ and the PRH/YTJ description of the Y-tunnus.
package bizid

import (
	"errors"
	"regexp"
	"strings"
	"unicode"
)

// ErrFormat is returned for text that is not shaped like a business ID.
var ErrFormat = errors.New("not a Finnish business ID")

// ErrCheck is returned when the shape is right but the check digit does
// not match (usually a typo).
var ErrCheck = errors.New("business ID check digit does not match")

// Example is a valid business ID for hints and messages ("1234567-1"):
// an example that failed its own check digit would teach the wrong thing.
const Example = "1234567-1"

// Clean maps what a person may paste in place of the ASCII characters of a
// business ID: every dash (Unicode Pd, the minus sign U+2212) becomes '-',
// fullwidth digits become ASCII digits, and white space of every kind
// (no-break and narrow no-break spaces included) and invisible format
// characters (zero-width space, soft hyphen, word joiner, BOM) are dropped.
// Other characters are kept.
func Clean(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '-' || r == '\u2212' || unicode.Is(unicode.Pd, r):
			return '-'
		case r >= '０' && r <= '９':
			return '0' + (r - '０')
		case unicode.IsSpace(r) || unicode.Is(unicode.Cf, r):
			return -1
		}
		return r
	}, s)
}

// Parse reads one business ID typed by a person and returns its canonical
// form "NNNNNNN-C". Besides what Clean accepts, the hyphen may be missing,
// an old six-digit body gets its leading zero, and a VAT number
// ("FI15728600") gives its business ID. Errors: ErrFormat, ErrCheck.
func Parse(s string) (string, error) {
	s = Clean(s)
	if len(s) == 10 && strings.EqualFold(s[:2], "FI") && digits(s[2:]) {
		s = s[2:]
	}
	body, check, found := strings.Cut(s, "-")
	if !found && len(s) == 8 {
		body, check = s[:7], s[7:]
	}
	if len(body) == 6 {
		body = "0" + body
	}
	if len(body) != 7 || len(check) != 1 || !digits(body) || !digits(check) {
		return "", ErrFormat
	}
	want, ok := CheckDigit(body)
	if !ok || check[0] != want {
		return "", ErrCheck
	}
	return body + "-" + check, nil
}

// CheckDigit is the check digit of a seven-digit body, and false for a
// body that no valid business ID has (remainder 1).
func CheckDigit(body string) (byte, bool) {
	weights := [7]int{7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i, w := range weights {
		sum += int(body[i]-'0') * w
	}
	switch r := sum % 11; r {
	case 0:
		return '0', true
	case 1:
		return 0, false
	default:
		return byte('0' + 11 - r), true
	}
}

// candidate finds business-ID-shaped runs in cleaned text.
var candidate = regexp.MustCompile(`(?i)(?:FI)?\d{6,8}(?:-\d)?`)

// Find returns the canonical form of every valid business ID in free text
// (a conflict declaration, a filter), in order, without repeats.
func Find(text string) []string {
	var out []string
	for _, c := range candidate.FindAllString(Clean(text), -1) {
		if id, err := Parse(c); err == nil && !contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// Same reports whether a and b are the same valid business ID however
// each was typed.
func Same(a, b string) bool {
	x, err := Parse(a)
	if err != nil {
		return false
	}
	y, err := Parse(b)
	return err == nil && x == y
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
