package matching

import (
	"errors"
	"testing"
)

// heldOut splits items into the ones an organiser corrects (even
// positions) and the held-out ones measured afterwards (odd positions).
func heldOut(items []evalItem) (learn, test []evalItem) {
	for i, it := range items {
		if i%2 == 0 {
			learn = append(learn, it)
		} else {
			test = append(test, it)
		}
	}
	return learn, test
}

// quality is top-1 accuracy and the mean reciprocal rank of the label.
func quality(m *Matcher, items []evalItem) (top1, mrr float64) {
	for _, it := range items {
		r := m.Rank(it.text())
		if it.correct(r, 1) {
			top1++
		}
		for k, mt := range r.Matches {
			if mt.Target == it.Target {
				mrr += 1 / float64(k+1)
				break
			}
		}
	}
	n := float64(len(items))
	return top1 / n, mrr / n
}

// TestLearnImprovesHeldOut teaches a matcher half of the evaluation set
// and measures the other half, once with the full configured profiles and
// once with names only (where corrections matter most).
func TestLearnImprovesHeldOut(t *testing.T) {
	items := loadEval(t, "testdata/eval.jsonl")
	learn, test := heldOut(items)
	namesOnly := defaultTargets()
	for i := range namesOnly {
		namesOnly[i].Keywords, namesOnly[i].Descriptions = nil, nil
	}
	for _, c := range []struct {
		name    string
		targets []Target
	}{{"configured", defaultTargets()}, {"names only", namesOnly}} {
		base := NewMatcher(c.targets)
		taught := NewMatcher(c.targets)
		for _, it := range learn {
			if err := taught.Learn(it.Target, it.text()); err != nil {
				t.Fatal(err)
			}
		}
		b1, bm := quality(base, test)
		l1, lm := quality(taught, test)
		t.Logf("%-10s held-out n=%d: top-1 %.3f -> %.3f, MRR %.3f -> %.3f", c.name, len(test), b1, l1, bm, lm)
		// The configured profiles leave little to learn on this set (top-1
		// is at or near 1): there learning must not hurt; with names only
		// it must help.
		if l1 < b1 || lm < bm || (c.name == "names only" && lm <= bm) {
			t.Errorf("%s: learning did not help: top-1 %.3f -> %.3f, MRR %.3f -> %.3f", c.name, b1, l1, bm, lm)
		}
	}
}

func TestLearnUnknownTarget(t *testing.T) {
	m := NewMatcher(defaultTargets())
	err := m.Learn("nope", Text{Description: "anything"})
	if !errors.Is(err, ErrUnknownTarget) {
		t.Fatalf("Learn(unknown) = %v, want ErrUnknownTarget", err)
	}
}

// TestLearnNewWord shows that a word no profile knows counts after one
// correction.
func TestLearnNewWord(t *testing.T) {
	m := NewMatcher(defaultTargets())
	app := Text{Description: "Tuolijooga tuolijoogaa tuolijoogan", Lang: "fi"}
	if s := score(m.Rank(app), "elderly"); s != 0 {
		t.Fatalf("before learning: elderly score %v, want 0", s)
	}
	if err := m.Learn("elderly", Text{Description: "Tuolijooga palvelutalon asukkaille", Lang: "fi"}); err != nil {
		t.Fatal(err)
	}
	r := m.Rank(app)
	if r.Matches[0].Target != "elderly" || r.Matches[0].Score <= 0 {
		t.Fatalf("after learning: %+v", r.Matches[0])
	}
}

func score(r Ranking, target string) float64 {
	for _, m := range r.Matches {
		if m.Target == target {
			return m.Score
		}
	}
	return -1
}
