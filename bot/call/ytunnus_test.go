package call

import (
	"errors"
	"testing"
)

func TestParseBusinessID(t *testing.T) {
	for _, c := range []struct {
		in, want string
		err      error
	}{
		{"1572860-0", "1572860-0", nil}, // Nokia Oyj
		{"0112038-9", "0112038-9", nil}, // Nokia (old) / check digit 9
		{"2331972-7", "2331972-7", nil},
		{" 1572860 - 0 ", "1572860-0", nil},
		{"15728600", "1572860-0", nil},
		{"112038-9", "0112038-9", nil},  // six digits: leading zero restored
		{"1572860–0", "1572860-0", nil}, // en dash from a phone keyboard
		{"1572860-1", "", ErrBusinessIDCheck},
		{"1234567-1", "1234567-1", nil},
		{"1234567-2", "", ErrBusinessIDCheck},
		{"157286-00", "", ErrBusinessID},
		{"abc", "", ErrBusinessID},
		{"", "", ErrBusinessID},
		{"1572860-", "", ErrBusinessID},
		{"FI15728600", "", ErrBusinessID},
	} {
		got, err := ParseBusinessID(c.in)
		if got != c.want || !errors.Is(err, c.err) {
			t.Errorf("ParseBusinessID(%q) = %q, %v; want %q, %v", c.in, got, err, c.want, c.err)
		}
	}
}

// FuzzParseBusinessID: never panics; what it accepts is canonical and
// accepted again unchanged.
func FuzzParseBusinessID(f *testing.F) {
	for _, s := range []string{"1572860-0", "15728600", "112038-9", "x", "–", "0000000-0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseBusinessID(s)
		if err != nil {
			return
		}
		if len(got) != 9 || got[7] != '-' {
			t.Fatalf("%q → %q is not canonical", s, got)
		}
		again, err := ParseBusinessID(got)
		if err != nil || again != got {
			t.Fatalf("%q → %q → %q, %v", s, got, again, err)
		}
	})
}
