package matching

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"pgregory.net/rapid"
)

// checkRanking asserts the invariants of every ranking: each target
// exactly once, scores in [0, 1], best first, ties in target order.
func checkRanking(t interface{ Fatalf(string, ...any) }, targets []Target, r Ranking) {
	if len(r.Matches) != len(targets) {
		t.Fatalf("%d matches for %d targets", len(r.Matches), len(targets))
	}
	pos := map[string]int{}
	for i, tg := range targets {
		pos[tg.ID] = i
	}
	seen := map[string]bool{}
	for i, m := range r.Matches {
		if _, ok := pos[m.Target]; !ok || seen[m.Target] {
			t.Fatalf("match %d: unknown or repeated target %q", i, m.Target)
		}
		seen[m.Target] = true
		if !(m.Score >= 0 && m.Score <= 1) {
			t.Fatalf("score %v out of [0,1]", m.Score)
		}
		if m.Reasons == nil || len(m.Reasons) > 3 || (m.Score == 0) != (len(m.Reasons) == 0) {
			t.Fatalf("reasons %q for score %v", m.Reasons, m.Score)
		}
		if i > 0 {
			p := r.Matches[i-1]
			if p.Score < m.Score || (p.Score == m.Score && m.Score == 0 && pos[p.Target] > pos[m.Target]) {
				t.Fatalf("not sorted: %v before %v", p, m)
			}
		}
	}
	if langIndex(r.Lang) < 0 {
		t.Fatalf("lang %q", r.Lang)
	}
}

func TestRankProperties(t *testing.T) {
	targets := defaultTargets()
	m := NewMatcher(targets)
	var vocab []string
	for _, tg := range targets {
		for _, kws := range tg.Keywords {
			vocab = append(vocab, kws...)
		}
		for _, d := range tg.Descriptions {
			vocab = append(vocab, strings.Fields(d)...)
		}
	}
	vocab = append(vocab, "ja", "and", "och", "ratkaisu", "", "!!", "3D", "Ö")
	rapid.Check(t, func(t *rapid.T) {
		words := rapid.SliceOfN(rapid.OneOf(rapid.SampledFrom(vocab), rapid.String()), 0, 60).Draw(t, "words")
		lang := rapid.SampledFrom([]string{"", "fi", "en", "sv", "de"}).Draw(t, "lang")
		text := Text{ID: "x", Description: strings.Join(words, " "), Lang: lang}
		r := m.Rank(text)
		checkRanking(t, targets, r)
		if again := m.Rank(text); fmt.Sprint(again) != fmt.Sprint(r) {
			t.Fatalf("not deterministic:\n%v\n%v", r, again)
		}
	})
}

func TestRankEmptyKeepsTargetOrder(t *testing.T) {
	targets := defaultTargets()
	r := NewMatcher(targets).Rank(Text{ID: "empty"})
	for i, m := range r.Matches {
		if m.Target != targets[i].ID || m.Score != 0 {
			t.Fatalf("match %d = %+v, want %s with 0", i, m, targets[i].ID)
		}
	}
	if r.Lang != "fi" || r.ID != "empty" {
		t.Fatalf("ranking %+v", r)
	}
}

func TestRankNoTargets(t *testing.T) {
	r := NewMatcher(nil).Rank(Text{Description: "Sensors in parks"})
	if len(r.Matches) != 0 || r.Lang != "en" {
		t.Fatalf("%+v", r)
	}
}

// TestRankCases covers cross-lingual profiles, compounds, phrases and
// reasons in the application's own words.
func TestRankCases(t *testing.T) {
	m := NewMatcher(defaultTargets())
	for _, c := range []struct {
		text, lang, want, reason string
	}{
		{"Kotihoitopalvelujen reittisuunnittelu ikäihmisille", "fi", "elderly", ""},
		{"Varhaiskasvatusyksiköiden viestintä huoltajien kanssa", "fi", "children", ""},
		{"Aurinkopaneelit kerrostalojen katoille", "fi", "energy", "aurinkopaneelit"},
		{"Vi mäter luftkvaliteten med sensorer i realtid", "sv", "sensors", ""},
		{"Stöd till närståendevårdare och hemvård för äldre", "sv", "elderly", ""},
		{"Home care visits for older people", "en", "elderly", "home care"},
		{"District heating control for apartment buildings", "en", "energy", ""},
		{"Språkkurs för nyanlända invandrare", "sv", "integration", ""},
		// Too short for function words to decide the language.
		{"Parking sensors", "en", "sensors", "sensors"},
		{"Solpaneler på taket", "sv", "energy", ""},
		{"Päiväkotien viestintäsovellus", "fi", "children", ""},
	} {
		r := m.Rank(Text{Description: c.text})
		if r.Lang != c.lang || r.Matches[0].Target != c.want {
			t.Errorf("%q: %s %+v, want %s %s", c.text, r.Lang, r.Matches[:2], c.lang, c.want)
			continue
		}
		if c.reason != "" && !containsWord(r.Matches[0].Reasons, c.reason) {
			t.Errorf("%q: reasons %q lack %q", c.text, r.Matches[0].Reasons, c.reason)
		}
	}
}

// TestConcurrentRankAndLearn runs Rank and Learn together; run with -race.
func TestConcurrentRankAndLearn(t *testing.T) {
	items := loadEval(t, "testdata/eval.jsonl")
	targets := defaultTargets()
	m := NewMatcher(targets)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i, it := range items {
				if g == 0 && i%10 == 0 {
					if err := m.Learn(it.Target, it.text()); err != nil {
						t.Error(err)
					}
				}
				checkRanking(t, targets, m.Rank(it.text()))
			}
		})
	}
	wg.Wait()
}

// FuzzRank feeds arbitrary text to Rank and Learn.
func FuzzRank(f *testing.F) {
	targets := defaultTargets()
	m := NewMatcher(targets)
	f.Add("Kotihoitopalvelut ikäihmisille", "", "fi")
	f.Add("Sensors \x00 in 3D-parks\xff", "Name", "")
	f.Add(strings.Repeat("varhaiskasvatusyksikkö", 20), "", "sv")
	f.Fuzz(func(t *testing.T, desc, name, lang string) {
		text := Text{ID: "f", Name: name, Description: desc, Lang: lang}
		checkRanking(t, targets, m.Rank(text))
		small := NewMatcher(targets[:2]) // Learn rebuilds the index; keep it cheap
		if err := small.Learn(targets[1].ID, text); err != nil {
			t.Fatal(err)
		}
		checkRanking(t, targets[:2], small.Rank(text))
	})
}

// benchTexts builds n applications of about 150 words from the
// evaluation set, each made unique so that not every word is cached.
func benchTexts(b *testing.B, n int) []Text {
	items := loadEval(b, "testdata/eval.jsonl")
	out := make([]Text, n)
	for i := range out {
		it := items[i%len(items)]
		words := strings.Fields(it.Description + " " + items[(i+1)%len(items)].Description)
		out[i] = Text{ID: it.ID, Name: it.Name, Description: strings.Join(words[:min(150, len(words))], " ")}
	}
	return out
}

// BenchmarkRank ranks ~150-word applications against the default
// targets and reports applications per second.
func BenchmarkRank(b *testing.B) {
	m := NewMatcher(defaultTargets())
	texts := benchTexts(b, 512)
	words := 0
	for _, t := range texts {
		words += len(strings.Fields(t.Description))
	}
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		m.Rank(texts[i%len(texts)])
		i++
	}
	b.ReportMetric(float64(i)/b.Elapsed().Seconds(), "apps/s")
	b.ReportMetric(float64(words)/float64(len(texts)), "words/app")
}

// BenchmarkNewMatcher measures building the index of the default targets.
func BenchmarkNewMatcher(b *testing.B) {
	targets := defaultTargets()
	for b.Loop() {
		NewMatcher(targets)
	}
}
