package jury

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/kipina/kipina/bot"
	"github.com/kipina/kipina/bot/locale"
	"github.com/kipina/kipina/matching"
)

// countOf is a figure a message argument writes with a count message
// (count.reviews, count.applications), in each language's own words.
type countOf struct {
	id string
	n  int
}

// TestInfeasibleInWords: every kind of infeasibility matching.Assign
// reports is told from the catalogue, in the person's language, with the
// figures matching gives in its English reason.
func TestInfeasibleInWords(t *testing.T) {
	cat := locale.MustLoad()
	m := &module{b: &bot.Env{Cat: cat}}
	apps := []string{"H0001", "H0002", "H0003"}
	jurors := []string{"@a", "@b", "@c"}
	none := func(j, a int) bool { return false }
	for _, tt := range []struct {
		name         string
		reviews      int
		lo, hi       int
		conflict     func(j, a int) bool
		id           string // the message told, with its arguments kv
		kv           []any
		reasonFigure string // a figure of matching's reason, also in ours
	}{
		{"min above max", 1, 3, 2, none, "jury.infeasible.min_above_max", []any{"Min", 3, "Max", 2}, "3"},
		{"capacity", 3, 0, 2, none, "jury.infeasible.capacity", []any{"Need", countOf{"count.reviews", 9}, "Capacity", 6}, "9"},
		{"min load", 1, 2, 3, none, "jury.infeasible.min_load", []any{"Min", 2, "MinTotal", countOf{"count.reviews", 6}, "Need", 3}, "6"},
		{"app", 2, 0, 3, func(j, a int) bool { return a == 1 && j > 0 },
			"jury.infeasible.app", []any{"App", "H0002", "Count", 1, "Reviews", 2}, "H0002"},
		{"juror", 1, 1, 3, func(j, a int) bool { return j == 2 },
			"jury.infeasible.juror", []any{"User", "@c", "Count", 0, "Min", 1}, "@c"},
		{"flow", 2, 0, 2, func(j, a int) bool { return j == 0 && a > 0 || j == 1 && a == 0 },
			"jury.infeasible.flow", []any{"Min", 0, "Max", 2, "Apps", countOf{"count.applications", 3}, "Reviews", 2}, "2"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := &problem{in: matching.AssignInput{Apps: apps, Jurors: jurors, Reviews: tt.reviews,
				MinLoad: tt.lo, MaxLoad: tt.hi, Conflict: tt.conflict}}
			_, err := matching.Assign(p.in)
			var inf *matching.InfeasibleError
			if !errors.As(err, &inf) {
				t.Fatalf("matching.Assign: %v, want infeasible", err)
			}
			if !strings.Contains(inf.Reason, tt.reasonFigure) {
				t.Errorf("matching's reason %q lacks %q: not the case meant", inf.Reason, tt.reasonFigure)
			}
			for _, lang := range []string{"fi", "en", "sv"} {
				kv := make([]any, len(tt.kv))
				for i, v := range tt.kv {
					if c, ok := v.(countOf); ok {
						v = cat.T(lang, c.id, "Count", c.n)
					}
					kv[i] = v
				}
				got, want := m.infeasible(lang, p, inf), cat.T(lang, tt.id, kv...)
				if got != want {
					t.Errorf("%s: %q, want %q (matching: %q)", lang, got, want, inf.Reason)
				}
				for i := 1; i < len(kv); i += 2 { // every figure is told
					if f := fmt.Sprint(kv[i]); !strings.Contains(got, f) {
						t.Errorf("%s: %q lacks the figure %s=%s", lang, got, kv[i-1], f)
					}
				}
			}
		})
	}
}
