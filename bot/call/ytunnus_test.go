package call

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/kipina/kipina/bot/round"
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
		{"FI15728600", "1572860-0", nil},            // the VAT number of the same company
		{"1572860\u22120", "1572860-0", nil},        // minus sign
		{"1572860\uff0d0", "1572860-0", nil},        // fullwidth hyphen-minus
		{"1572860\u200b-0", "1572860-0", nil},       // zero-width space from a web page
		{"157\u202f2860-0", "1572860-0", nil},       // narrow no-break space
		{"1572860\u00ad-\u00a00", "1572860-0", nil}, // soft hyphen, no-break space
		{"１５７２８６０－０", "1572860-0", nil},             // fullwidth digits and hyphen
		{"1572860\u20100", "1572860-0", nil},        // Unicode hyphen
		{"1572860\u20140", "1572860-0", nil},        // em dash
		{"1572860_0", "", ErrBusinessID},
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

// TestBusinessIDHintsAreValid: every business ID the catalogue shows as an
// example passes its own check digit.
func TestBusinessIDHintsAreValid(t *testing.T) {
	files, err := filepath.Glob("../../configs/locales/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("locales: %v", err)
	}
	seen := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range regexp.MustCompile(`\b\d{7}-\d\b`).FindAllString(string(b), -1) {
			seen++
			if _, err := ParseBusinessID(m); err != nil {
				t.Errorf("%s shows %s as an example: %v", f, m, err)
			}
		}
	}
	if seen == 0 {
		t.Fatal("no example found")
	}
}

// A business ID in an apps filter is read however it was typed.
func TestFilterByBusinessID(t *testing.T) {
	a := round.Application{Company: "Katuvalo Oy", BusinessID: "1572860-0"}
	for _, f := range []string{"1572860-0", "1572860\u22120", "15728600", "1572860\u200b-0"} {
		if !matches(a, f) {
			t.Errorf("filter %q misses %s", f, a.BusinessID)
		}
	}
	if matches(a, "0112038-9") {
		t.Error("another business ID matches")
	}
}
