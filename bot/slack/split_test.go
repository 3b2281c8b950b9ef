package slack

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/rivo/uniseg"
	"github.com/slack-go/slack"
)

// pieces are what the core's texts are made of, including the things a
// split must not cut: characters the adapter escapes into entities,
// mentions it turns into <@U…>, links, combining marks, emoji sequences.
var pieces = []string{"a", "Hakemus", "yritys", "ä", "Ö", "å", " ", " ", "\n", "\n\n", "&", "<", ">", "@U123ABC", " @W99ZZ ",
	"<https://kipina.fi/haku?a=1&b=2|haku>", "e\u0301", "👩‍👩‍👧", "👍🏽", "🇫🇮", "*lihavoitu*", "1234567-8", "\u200b", "\u202f"}

func randomText(r *rand.Rand, n int) string {
	var sb strings.Builder
	for range n {
		sb.WriteString(pieces[r.IntN(len(pieces))])
	}
	return sb.String()
}

// checkSplit checks the parts of s split at max: each at most max runes,
// each starting and ending on an atom boundary of s, in order, with only
// line breaks or one space dropped between them.
func checkSplit(t *testing.T, s string, max int, parts []string) {
	t.Helper()
	bounds := map[int]bool{0: true}
	at := 0
	for _, a := range atoms(s) {
		at += len(a)
		bounds[at] = true
	}
	pos := 0
	for i, p := range parts {
		if n := utf8.RuneCountInString(p); n > max {
			t.Fatalf("part %d is %d runes > %d: %q", i, n, max, p)
		}
		if p == "" {
			t.Fatalf("part %d is empty (of %q)", i, s)
		}
		j := strings.Index(s[pos:], p)
		if j < 0 {
			t.Fatalf("part %d %q not found in order in %q", i, p, s)
		}
		if gap := s[pos : pos+j]; strings.Trim(gap, "\n") != "" && gap != " " && strings.Trim(strings.TrimPrefix(gap, " "), "\n") != "" {
			t.Fatalf("part %d drops %q", i, gap)
		}
		start, end := pos+j, pos+j+len(p)
		if !bounds[start] || !bounds[end] {
			t.Fatalf("part %d [%d:%d] cuts inside an atom: %q | %q", i, start, end, s[max0(start-8):start], s[start:min(end, start+8)])
		}
		pos = end
	}
	if rest := strings.Trim(s[pos:], "\n "); rest != "" {
		t.Fatalf("lost tail %q", rest)
	}
}

func max0(i int) int { return max(i, 0) }

// TestSplitProperty: random texts, escaped as the adapter sends them, are
// split without cutting an entity, a mention, a link or a grapheme.
func TestSplitProperty(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 15))
	for range 3000 {
		s := mrkdwn(randomText(r, 1+r.IntN(120)))
		max := 40 + r.IntN(60) // longer than the longest atom
		checkSplit(t, s, max, splitText(s, max))
	}
}

// The example: a 3,000-character boundary that falls inside
// "&amp;" or "<@U…>".
func TestSectionsNeverCutEntityOrMention(t *testing.T) {
	for _, tail := range []string{"&", "@U123ABC", "<https://x.fi|x>", "e\u0301", "👩‍👩‍👧"} {
		for pad := maxSection - 12; pad <= maxSection; pad++ {
			text := strings.Repeat("x", pad) + tail + strings.Repeat("y", 20)
			esc := mrkdwn(text)
			var parts []string
			for _, b := range sections(text) {
				parts = append(parts, b.(*slack.SectionBlock).Text.Text)
			}
			if len(parts) != 2 {
				t.Fatalf("%d sections", len(parts))
			}
			checkSplit(t, esc, maxSection, parts)
		}
	}
}

// Splitting prefers a line break in the second half, then a space.
func TestSplitPrefersLineBreak(t *testing.T) {
	got := splitText("aaaa bbbb\ncccc dd", 12)
	if len(got) != 2 || got[0] != "aaaa bbbb" || got[1] != "cccc dd" {
		t.Fatalf("%q", got)
	}
	got = splitText("aaaa bbbb cccc dd", 12)
	if len(got) != 2 || got[0] != "aaaa bbbb" || got[1] != "cccc dd" {
		t.Fatalf("%q", got)
	}
}

func FuzzSplit(f *testing.F) {
	f.Add("a &amp; <@U1> 👩‍👩‍👧 e\u0301", 5)
	f.Fuzz(func(t *testing.T, s string, max int) {
		if !utf8.ValidString(s) || max < 1 || max > 200 {
			return
		}
		s = mrkdwn(s)
		for _, a := range atoms(s) {
			if utf8.RuneCountInString(a) > max || uniseg.GraphemeClusterCount(a) == 0 {
				return // the only case a cut may fall in an atom
			}
		}
		checkSplit(t, s, max, splitText(s, max))
	})
}
