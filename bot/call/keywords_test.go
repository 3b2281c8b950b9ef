package call_test

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/kipina/kipina/bot/call"
)

func TestParseKeywords(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []string
	}{
		{"", nil},
		{" , ;\n", nil},
		{"Kotihoito, home  care; hemvård\nKOTIHOITO", []string{"kotihoito", "home care", "hemvård"}},
		{"drooni,\r\nlennokki", []string{"drooni", "lennokki"}},
		{strings.Repeat("x", 61) + ", ok", []string{"ok"}},
	} {
		if got := call.ParseKeywords(c.in); !slices.Equal(got, c.want) {
			t.Errorf("ParseKeywords(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func FuzzParseKeywords(f *testing.F) {
	for _, s := range []string{"kotihoito, home care; hemvård", "a,,b", "\xff,ä", strings.Repeat("k,", 200)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		kws := call.ParseKeywords(s)
		if len(kws) > 100 {
			t.Fatalf("%d keywords", len(kws))
		}
		seen := map[string]bool{}
		for _, k := range kws {
			if k == "" || seen[k] || !utf8.ValidString(k) || utf8.RuneCountInString(k) > 60 || strings.ContainsAny(k, ",;\n") || k != strings.ToLower(k) {
				t.Fatalf("bad keyword %q in %q", k, kws)
			}
			seen[k] = true
		}
	})
}
