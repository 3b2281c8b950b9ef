package matching

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestTokenize(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"Hei, maailma!", []string{"hei", "maailma"}},
		{"Ikäihmisten KOTIHOITO ja Åbo", []string{"ikäihmisten", "kotihoito", "ja", "åbo"}},
		{"3D-malli ja CO2-päästöt, 2017", []string{"3d", "malli", "ja", "co2", "päästöt"}},
		{"e-mail: a.b@c.fi", []string{"e", "mail", "a", "b", "c", "fi"}},
		{"tab\tnew\nline", []string{"tab", "new", "line"}},
		{"a\u0308iti", []string{"a\u0308iti"}}, // decomposed ä stays in the word
		{"Ελληνικά Кириллица", []string{"ελληνικά", "кириллица"}},
		{"\xff\xfebroken", []string{"broken"}},
	} {
		if got := tokenize(c.in); !slices.Equal(got, c.want) {
			t.Errorf("tokenize(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestDetectLanguage(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", "fi"},
		{"12345", "fi"},
		{"Sovellus auttaa ikäihmisiä asumaan kotona pidempään ja turvallisesti.", "fi"},
		{"Kaatumisen tunnistus kotihoidon asiakkaille", "fi"},
		{"The app helps older people live at home for longer.", "en"},
		{"Fall detection for home care clients", "en"},
		{"Appen hjälper äldre att bo kvar hemma längre och tryggt.", "sv"},
		{"Fallövervakning för hemvårdens klienter", "sv"},
		{"Vi erbjuder en tjänst för barn och unga i Tammerfors.", "sv"},
		{"Tarjoamme palvelun lapsille ja nuorille Tampereella.", "fi"},
		{"Smart parking", "en"},
		{"Delaktig planering", "sv"},
		{"Kotihoidon reititys", "fi"},
	} {
		if got := DetectLanguage(c.in); got != c.want {
			t.Errorf("DetectLanguage(%q) = %s, want %s", c.in, got, c.want)
		}
	}
}

func TestStem(t *testing.T) {
	for _, c := range []struct {
		lang, in, want string
	}{
		{"fi", "sensorit", "sensor"},
		{"en", "sensors", "sensor"},
		{"sv", "solpanelerna", "solpanel"},
	} {
		if got := stem(langIndex(c.lang), c.in); got != c.want {
			t.Errorf("stem(%s, %q) = %q, want %q", c.lang, c.in, got, c.want)
		}
	}
}

// FuzzTokenize checks that tokens are lower-case, non-empty, valid UTF-8
// pieces of text with at least one letter, whatever a person types.
func FuzzTokenize(f *testing.F) {
	for _, s := range []string{"", "Hei maailma", "3D-malli", "Åbo\x00ä", "\xff\xfe", strings.Repeat("ö", 100)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, tok := range tokenize(s) {
			if tok == "" || !utf8.ValidString(tok) {
				t.Fatalf("bad token %q", tok)
			}
			if strings.ContainsAny(tok, " \t\n.,-") {
				t.Fatalf("separator in token %q", tok)
			}
		}
		if l := DetectLanguage(s); langIndex(l) < 0 {
			t.Fatalf("DetectLanguage = %q", l)
		}
	})
}
