package followup_test

import (
	"testing"
	"time"
)

// TestEachInTheirOwnLanguage is issue 15's example: Katuvalo applied in
// English; pekka, the city contact of its target, reads Finnish. The
// two-week and three-month questions reach anna in English and pekka in
// Finnish, the language his answer is confirmed in.
func TestEachInTheirOwnLanguage(t *testing.T) {
	app := demoApps[0]
	app.lang = "en"
	h := setup(t, at(2027, 1, 13, 9, 0), []demoApp{app}) // a Wednesday
	h.Clock.Set(at(2027, 1, 13, 10, 0))
	startFollowUp(t, h)
	T := func(lang, id string, kv ...any) string { return h.Bot.Cat.T(lang, id, kv...) }
	for _, c := range []struct {
		step string
		at   time.Time
	}{{"nextsteps", at(2027, 1, 27, 9, 0)}, {"pilot", at(2027, 4, 13, 9, 0)}} {
		h.Clock.Set(c.at)
		out := h.Tick(0)
		anna, pekka := block(t, out, "── @anna"), block(t, out, "── @pekka")
		// The prompts' first words come before any placeholder.
		must(t, anna, T("en", "followup."+c.step+".prompt")[:12])
		must(t, pekka, T("fi", "followup."+c.step+".prompt")[:12])
		mustNot(t, pekka, T("en", "followup."+c.step+".prompt")[:12])
		if c.step == "nextsteps" {
			out = h.Run(":as pekka\n" + button(t, pekka, T("fi", "followup.agreed.button")) + "\n:as nina\n")
			mustNot(t, out, "Thank", "Thanks")
		}
	}
}
