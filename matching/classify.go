package matching

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
)

// Target is a core process or a call challenge an application can be
// matched to. Every language present adds to its profile, so an
// application in Swedish matches through the Swedish names, descriptions
// and keywords whatever the language of the others.
type Target struct {
	ID string
	// Names maps a language code (fi, en, sv) to the target's name.
	Names map[string]string
	// Descriptions maps a language code to a description.
	Descriptions map[string]string
	// Keywords maps a language code to keywords; a keyword may be a
	// phrase ("home care"), which then counts most when its words appear
	// together.
	Keywords map[string][]string
	// Profiles maps a language code to a longer text used only for
	// matching: what belongs to the target, in an applicant's words. Its
	// words weigh like a description's.
	Profiles map[string]string
}

// Text is one application's text to match.
type Text struct {
	ID          string
	Name        string
	Description string
	// Lang is fi, en or sv (any case); anything else, including "",
	// means detect.
	Lang string
}

// Match is how well an application fits one target.
type Match struct {
	Target string `json:"target"`
	// Score is in [0, 1], rounded to three decimals: 1-exp(-bm25/18),
	// an absolute measure comparable across applications. 0 shares no
	// term with the target's profile; on the evaluation set the best
	// match of an application scores 0.5-0.9 (median 0.74) and the
	// runner-up 0.15-0.55 (median 0.3).
	Score float64 `json:"score"`
	// Reasons are up to three words or phrases of the application, as it
	// wrote them (lower-cased), that contributed most to the score.
	Reasons []string `json:"reasons"`
}

// Ranking is every target for one application, best first.
type Ranking struct {
	ID   string `json:"id"`
	Lang string `json:"lang"`
	// Matches has one entry per target, by descending score; equal
	// scores keep the order the targets were given in.
	Matches []Match `json:"matches"`
}

// ErrUnknownTarget is returned by Learn for a target id the matcher was
// not built with.
var ErrUnknownTarget = errors.New("matching: unknown target")

// Matcher ranks applications against a fixed set of targets.
//
// Rank is safe for concurrent use and does not block other Rank calls.
// Learn takes a write lock (a sync.RWMutex) while it rebuilds the index;
// Rank calls running at the same time see the profiles either before or
// after the correction, never a mix.
type Matcher struct {
	ids []string

	mu       sync.RWMutex
	profiles *profileSet
	lex      [len(languages)]*lexicon

	scratch sync.Pool // *rankScratch
}

// NewMatcher builds a matcher for targets, in the given order. Names,
// descriptions and keywords in languages other than fi, en and sv are
// ignored.
func NewMatcher(targets []Target) *Matcher {
	m := &Matcher{ids: make([]string, len(targets)), profiles: newProfileSet(len(targets))}
	for t, tg := range targets {
		m.ids[t] = tg.ID
		for lang, s := range tg.Names {
			if li := langIndex(lang); li >= 0 {
				m.profiles.addText(li, t, s, weightName)
			}
		}
		for lang, s := range tg.Descriptions {
			if li := langIndex(lang); li >= 0 {
				m.profiles.addText(li, t, s, weightDesc)
			}
		}
		for lang, s := range tg.Profiles {
			if li := langIndex(lang); li >= 0 {
				m.profiles.addText(li, t, s, weightProfile)
			}
		}
		for lang, kws := range tg.Keywords {
			if li := langIndex(lang); li >= 0 {
				for _, kw := range kws {
					m.profiles.addKeyword(li, t, kw, weightKeyword)
				}
			}
		}
	}
	m.profiles.freeze()
	for li := range languages {
		m.lex[li] = m.profiles.build(li)
	}
	return m
}

// Lesson is one organiser's correction: Text belongs to the target with
// id Target.
type Lesson struct {
	Target string
	Text   Text
}

// Learn records an organiser's correction: t belongs to the target with
// id targetID. The distinct content words of t join that target's profile
// in t's language, so similar applications rank it higher from then on,
// and its profiles in the other two languages too (weightForeign), where
// the words the languages share (names, loanwords, technical terms) match:
// a Finnish correction helps a Swedish application about the same thing. It returns ErrUnknownTarget (wrapped) for an id the matcher does
// not know. Learn is safe to call concurrently with Rank and with itself.
func (m *Matcher) Learn(targetID string, t Text) error {
	return m.LearnAll([]Lesson{{Target: targetID, Text: t}})
}

// LearnAll records several corrections as Learn does, rebuilding the
// index once: replaying n stored corrections costs one build, not n. A
// lesson for an unknown target is skipped and reported at the end as
// ErrUnknownTarget (wrapped, naming the first such id); the others are
// learned.
func (m *Matcher) LearnAll(lessons []Lesson) error {
	type prepared struct{ li, t int }
	var unknown error
	preps := make([]prepared, 0, len(lessons))
	sc := m.getScratch()
	for _, l := range lessons {
		idx := slices.Index(m.ids, l.Target)
		if idx < 0 {
			if unknown == nil {
				unknown = fmt.Errorf("learn %q: %w", l.Target, ErrUnknownTarget)
			}
			preps = append(preps, prepared{-1, -1})
			continue
		}
		sc.buf, sc.spans = lowerTokens(l.Text.Name, sc.buf[:0], sc.spans[:0])
		sc.buf, sc.spans = lowerTokens(l.Text.Description, sc.buf, sc.spans)
		lang, _ := m.language(sc, l.Text.Lang)
		preps = append(preps, prepared{langIndex(lang), idx})
	}
	m.scratch.Put(sc)
	m.mu.Lock()
	defer m.mu.Unlock()
	for i, l := range lessons {
		p := preps[i]
		if p.t < 0 {
			continue
		}
		s := l.Text.Name + "\n" + l.Text.Description
		for li := range languages {
			w := weightForeign
			if li == p.li {
				w = 1
			}
			if w > 0 {
				m.profiles.addLearned(li, p.li, p.t, s, w)
			}
		}
	}
	for li := range languages {
		m.lex[li] = m.profiles.build(li)
	}
	return unknown
}

// rankScratch is the reusable working memory of one Rank call.
type rankScratch struct {
	buf     []byte
	spans   []span
	acc     []float32 // by term id: summed match weight in the application
	first   []int32   // by term id: token that first matched it
	second  []int32   // by term id: last token of that match (phrases)
	words   []analysis
	touched []int32 // term ids with acc > 0
	contrib []float64
}

// Rank scores t against every target. It is safe for concurrent use.
func (m *Matcher) Rank(t Text) Ranking {
	sc := m.getScratch()
	defer m.scratch.Put(sc)
	sc.buf, sc.spans = lowerTokens(t.Name, sc.buf[:0], sc.spans[:0])
	sc.buf, sc.spans = lowerTokens(t.Description, sc.buf, sc.spans)
	lang, lx := m.language(sc, t.Lang)
	m.accumulate(lx, sc)
	r := Ranking{ID: t.ID, Lang: lang, Matches: make([]Match, len(m.ids))}
	raw := make([]float64, len(m.ids))
	for ti := range m.ids {
		raw[ti] = m.scoreTarget(lx, sc, ti, &r.Matches[ti])
	}
	order := make([]int, len(m.ids))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(raw[b], raw[a]) })
	sorted := make([]Match, len(order))
	for i, ti := range order {
		sorted[i] = r.Matches[ti]
	}
	r.Matches = sorted
	sc.reset()
	return r
}

func (m *Matcher) getScratch() *rankScratch {
	if sc, ok := m.scratch.Get().(*rankScratch); ok {
		return sc
	}
	return &rankScratch{}
}

// reset clears the per-term sums of the last accumulate.
func (sc *rankScratch) reset() {
	for _, id := range sc.touched {
		sc.acc[id] = 0
	}
	sc.touched = sc.touched[:0]
}

// language decides the language of the tokens in sc: given, if it is one
// the matcher knows; else detected from function words; and when those
// are too few to be sure (a name, a list of keywords), the language whose
// profiles the text matches best, preferring the detected one on a tie.
func (m *Matcher) language(sc *rankScratch, given string) (string, *lexicon) {
	m.mu.RLock()
	lexs := m.lex
	m.mu.RUnlock()
	given = strings.ToLower(strings.TrimSpace(given))
	if li := langIndex(given); li >= 0 {
		return given, lexs[li]
	}
	lang, sure := detect(sc.buf, sc.spans)
	if sure || len(m.ids) == 0 {
		return lang, lexs[langIndex(lang)]
	}
	first := langIndex(lang)
	best, bestRaw := first, -1.0
	for _, li := range [...]int{first, 0, 1, 2} {
		if li == first && bestRaw >= 0 {
			continue
		}
		m.accumulate(lexs[li], sc)
		for ti := range m.ids {
			if raw := m.rawScore(lexs[li], sc, ti); raw > bestRaw {
				best, bestRaw = li, raw
			}
		}
		sc.reset()
	}
	return languages[best], lexs[best]
}

// rawScore is the BM25 score of the accumulated application for target ti.
func (m *Matcher) rawScore(lx *lexicon, sc *rankScratch, ti int) float64 {
	var raw float64
	for _, id := range sc.touched {
		c := float64(sc.acc[id])
		raw += float64(lx.weight[int(id)*lx.nT+ti]) * c * (queryK + 1) / (c + queryK)
	}
	return raw
}

// accumulate sums, per profile term, how strongly the tokens in sc stand
// for it; word pairs that form a profile phrase count for the phrase too.
func (m *Matcher) accumulate(lx *lexicon, sc *rankScratch) {
	if n := len(lx.keys); len(sc.acc) < n {
		sc.acc = make([]float32, n)
		sc.first = make([]int32, n)
		sc.second = make([]int32, n)
	}
	sc.words = sc.words[:0]
	var misses []int
	lx.mu.RLock()
	for i, sp := range sc.spans {
		a, ok := lx.lookup(sc.buf[sp.start:sp.end])
		if !ok {
			misses = append(misses, i)
		}
		sc.words = append(sc.words, a)
	}
	lx.mu.RUnlock()
	for _, i := range misses {
		sp := sc.spans[i]
		word := string(sc.buf[sp.start:sp.end])
		sc.words[i] = lx.analyse(word)
		lx.store(word, sc.words[i])
	}
	prev, prevTok := int32(-1), -1
	for i, a := range sc.words {
		for _, f := range a.feats {
			sc.add(f.id, f.w, i, i)
		}
		if a.primary >= 0 && prev >= 0 {
			if id, ok := lx.pairs[uint64(prev)<<32|uint64(uint32(a.primary))]; ok {
				sc.add(id, 1, prevTok, i)
			}
		}
		if len(a.feats) > 0 || a.primary >= 0 {
			prev, prevTok = a.primary, i
		} else if !a.stop {
			prev = -1
		}
	}
}

// add counts weight w for term id, found at tokens first..second.
func (sc *rankScratch) add(id int32, w float32, first, second int) {
	if sc.acc[id] == 0 {
		sc.touched = append(sc.touched, id)
		sc.first[id], sc.second[id] = int32(first), int32(second)
	}
	sc.acc[id] += w
}

// scoreTarget computes the BM25 score of the application in sc for target
// ti, fills out with the normalised score and reasons, and returns the raw
// score for sorting.
func (m *Matcher) scoreTarget(lx *lexicon, sc *rankScratch, ti int, out *Match) float64 {
	out.Target = m.ids[ti]
	out.Reasons = []string{}
	sc.contrib = sc.contrib[:0]
	var raw float64
	for _, id := range sc.touched {
		w := lx.weight[int(id)*lx.nT+ti]
		c := float64(sc.acc[id])
		v := float64(w) * c * (queryK + 1) / (c + queryK)
		sc.contrib = append(sc.contrib, v)
		raw += v
	}
	out.Score = math.Round((1-math.Exp(-raw/scaleK))*1000) / 1000
	if raw == 0 {
		return 0
	}
	// Up to three reasons, by contribution, distinct as words.
	for len(out.Reasons) < 3 {
		best := -1
		for k, v := range sc.contrib {
			if v > 0 && (best < 0 || v > sc.contrib[best]) {
				best = k
			}
		}
		if best < 0 {
			break
		}
		sc.contrib[best] = 0
		id := sc.touched[best]
		word := m.surface(sc, id)
		if !containsWord(out.Reasons, word) {
			out.Reasons = append(out.Reasons, word)
		}
	}
	return raw
}

// surface returns the application's own word, or words for a phrase,
// behind term id.
func (m *Matcher) surface(sc *rankScratch, id int32) string {
	var b strings.Builder
	for i := sc.first[id]; i <= sc.second[id]; i++ {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		sp := sc.spans[i]
		b.Write(sc.buf[sp.start:sp.end])
	}
	return b.String()
}

// containsWord reports whether w is one of the reasons, or a word of a
// reason or a reason a word of w (a phrase and its own words).
func containsWord(reasons []string, w string) bool {
	for _, r := range reasons {
		if hasWord(r, w) || hasWord(w, r) {
			return true
		}
	}
	return false
}

// hasWord reports whether w is one of the space-separated words of s.
func hasWord(s, w string) bool {
	for len(s) >= len(w) {
		if s[:len(w)] == w && (len(s) == len(w) || s[len(w)] == ' ') {
			return true
		}
		i := strings.IndexByte(s, ' ')
		if i < 0 {
			return false
		}
		s = s[i+1:]
	}
	return false
}
