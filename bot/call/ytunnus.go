package call

import (
	"errors"
	"strings"
)

// ErrBusinessID is returned for a malformed Finnish business ID.
var ErrBusinessID = errors.New("not a Finnish business ID")

// ErrBusinessIDCheck is returned when the format is right but the check
// digit is wrong (usually a typo).
var ErrBusinessIDCheck = errors.New("business ID check digit does not match")

// ParseBusinessID reads a Finnish business ID (Y-tunnus): seven digits, a
// hyphen and a check digit ("1572860-0"). Spaces are ignored, an old
// six-digit form gets its leading zero, and a missing hyphen is accepted.
// It returns the canonical form.
func ParseBusinessID(s string) (string, error) {
	s = strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\u00a0', '\t':
			return -1
		case '–', '‐', '‑', '—':
			return '-'
		}
		return r
	}, s)
	body, check, found := strings.Cut(s, "-")
	if !found && len(s) == 8 {
		body, check = s[:7], s[7:]
	}
	if len(body) == 6 {
		body = "0" + body
	}
	if len(body) != 7 || len(check) != 1 || !digits(body) || !digits(check) {
		return "", ErrBusinessID
	}
	weights := [7]int{7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i, w := range weights {
		sum += int(body[i]-'0') * w
	}
	r := sum % 11
	if r == 1 {
		return "", ErrBusinessIDCheck // no valid ID has remainder 1
	}
	want := 0
	if r > 1 {
		want = 11 - r
	}
	if int(check[0]-'0') != want {
		return "", ErrBusinessIDCheck
	}
	return body + "-" + check, nil
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
