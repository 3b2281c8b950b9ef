package jury

import (
	"errors"
	"strings"
	"testing"

	"github.com/kipina/kipina/bot"
	"github.com/kipina/kipina/bot/locale"
	"github.com/kipina/kipina/matching"
)

// TestInfeasibleInWords: every kind of infeasibility matching.Assign
// reports is told from the catalogue, in the person's language, with the
// figures matching gives in its English reason.
func TestInfeasibleInWords(t *testing.T) {
	m := &module{b: &bot.Env{Cat: locale.MustLoad()}}
	apps := []string{"H0001", "H0002", "H0003"}
	jurors := []string{"@a", "@b", "@c"}
	none := func(j, a int) bool { return false }
	for _, tt := range []struct {
		name         string
		reviews      int
		lo, hi       int
		conflict     func(j, a int) bool
		fi, en, sv   string
		reasonFigure string // a figure of matching's reason, also in ours
	}{
		{"min above max", 1, 3, 2, none, "vähimmäiskuorma 3 on suurempi kuin enimmäiskuorma 2",
			"the minimum load 3 is above the maximum load 2", "minimibelastningen 3 är större än maxbelastningen 2", "3"},
		{"capacity", 3, 0, 2, none, "tarvitaan 9 arviota, mutta tuomaristo voi ottaa enintään 6",
			"needs 9 reviews; the jury can take at most 6", "det behövs 9 bedömningar, men juryn kan ta högst 6", "9"},
		{"min load", 1, 2, 3, none, "vähimmäiskuorma 2 tuomaria kohden vaatii 6 arviota, mutta niitä on vain 3",
			"the minimum load of 2 per juror needs 6 reviews; there are only 3", "kräver 6 bedömningar, men det finns bara 3", "6"},
		{"app", 2, 0, 3, func(j, a int) bool { return a == 1 && j > 0 },
			"hakemuksella H0002 on vain 1 esteetön tuomari, se tarvitsee 2",
			"application H0002 has only 1 juror without a conflict; it needs 2", "ansökan H0002 har bara 1 jurymedlem utan jäv", "H0002"},
		{"juror", 1, 1, 3, func(j, a int) bool { return j == 2 },
			"tuomarilla @c on vain 0 hakemusta ilman esteellisyyttä, vähimmäiskuorma on 1",
			"juror @c has only 0 applications without a conflict; the minimum load is 1", "jurymedlemmen @c har bara 0 ansökningar utan jäv", "@c"},
		{"flow", 2, 0, 2, func(j, a int) bool { return j == 0 && a > 0 || j == 1 && a == 0 },
			"esteellisyydet ja kuormarajat 0–2 eivät salli, että jokaisella hakemuksella (3 hakemusta) on tarvittava määrä tuomareita (2)",
			"conflicts of interest and the load limits 0–2 leave no way", "jäven och belastningsgränserna 0–2", "2"},
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
			for lang, want := range map[string]string{"fi": tt.fi, "en": tt.en, "sv": tt.sv} {
				if got := m.infeasible(lang, p, inf); !strings.Contains(got, want) {
					t.Errorf("%s: %q, want %q (matching: %q)", lang, got, want, inf.Reason)
				}
			}
		})
	}
}
