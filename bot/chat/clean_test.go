package chat

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

func TestClean(t *testing.T) {
	for _, c := range []struct {
		in, want  string
		multiline bool
	}{
		{"Kipinä Oy", "Kipinä Oy", false},
		{"Kipina\u0308 Oy", "Kipinä Oy", false},                   // decomposed ä
		{"Ｋｉｐｉｎä\u00a0Oy", "Kipinä Oy", false},                    // full-width letters, no-break space
		{"Ki\u200bpi\u200dnä\ufeff Oy\u00ad", "Kipinä Oy", false}, // zero-width, BOM, soft hyphen
		{"\u202eyO änipiK", "yO änipiK", false},                   // right-to-left override
		{"Kipinä\x00 Oy", "Kipinä Oy", false},
		{"\x1b[31mKipinä\x1b[0m Oy\x1b]0;title\x07", "Kipinä Oy", false},
		{"\u009b2JKipinä Oy\u0085", "Kipinä Oy", false}, // C1 CSI, NEL
		{"rivi 1\r\nrivi 2\rrivi 3\tx", "rivi 1\nrivi 2\nrivi 3\tx", true},
		{"rivi 1\r\nrivi 2\tx", "rivi 1 rivi 2 x", false},
	} {
		got, err := Clean(c.in, c.multiline)
		if err != nil || got != c.want {
			t.Errorf("Clean(%q, %v) = %q, %v; want %q", c.in, c.multiline, got, err, c.want)
		}
	}
	if _, err := Clean("Kipin\xe4 Oy", false); err != ErrEncoding {
		t.Errorf("Latin-1 text: err %v", err)
	}
}

// Check refuses invalid UTF-8 with a field error and stores the cleaned
// values: the same company name typed or pasted differently is one name.
func TestCheckCleans(t *testing.T) {
	v := map[string]string{"name": "Ki\u200bpi\u0301nä\x00", "mail": "a@b.fi", "pick": "a", "yn": "yes", "long": "a\r\nb\x1b[2J"}
	if p := testForm.Check(v); len(p) > 0 {
		t.Fatalf("problems %v", p)
	}
	if v["name"] != norm.NFC.String("Kipi\u0301nä") || v["long"] != "a\nb" {
		t.Errorf("values %q", v)
	}
	v = map[string]string{"name": "Kipin\xe4", "mail": "a@b.fi", "pick": "a", "yn": "yes"}
	if p := testForm.Check(v); p["name"].ID != "field.encoding" || len(p) != 1 || v["name"] != "" {
		t.Errorf("invalid UTF-8: problems %v, value %q", p, v["name"])
	}
}

// FuzzClean: whatever is typed, a checked form holds only valid UTF-8 in
// NFKC without control or invisible characters (line breaks and tabs only in
// long text), and cleaning again changes nothing.
func FuzzClean(f *testing.F) {
	for _, s := range []string{"Kipinä Oy", "\x1b[31mx", "a\u200bb", "\xe4", "ﬁ\u0308", "\r\n\t", "\u009b1m", "\x1b]0;x\x1b\\y"} {
		f.Add("name", s)
		f.Add("long", s)
	}
	f.Fuzz(func(t *testing.T, field, value string) {
		v := map[string]string{field: value}
		p := testForm.Check(v)
		got := v[field]
		if !utf8.ValidString(got) || !norm.NFKC.IsNormalString(got) {
			t.Fatalf("%q → %q: not valid NFKC", value, got)
		}
		if !utf8.ValidString(value) && testForm.has(field) && p[field].ID != "field.encoding" {
			t.Fatalf("%q: invalid UTF-8 without field.encoding (%v)", value, p)
		}
		for _, r := range got {
			multi := field == "long" || !testForm.has(field)
			if (unicode.Is(unicode.Cc, r) && !(multi && (r == '\n' || r == '\t'))) || unicode.Is(unicode.Cf, r) {
				t.Fatalf("%q → %q: kept %U", value, got, r)
			}
		}
		again, err := Clean(got, true)
		if err != nil || again != got && !strings.ContainsAny(got, "\n\t") {
			t.Fatalf("%q → %q → %q: not idempotent", value, got, again)
		}
	})
}
