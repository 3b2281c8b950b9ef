package followup_test

import (
	"bytes"
	"image/png"
	"os"
	"regexp"
	"testing"
	"time"

	"github.com/kipina/kipina/bot/bottest"
	"github.com/kipina/kipina/bot/charts"
	"github.com/kipina/kipina/bot/round"
	"github.com/kipina/kipina/storage"
)

var pngPath = regexp.MustCompile(`(?m)^\s*(/\S+\.png)$`)

// pngs decodes the charts the shell saved for out's uploads and checks
// each is charts.Width × height pixels.
func pngs(t *testing.T, out string, height int) int {
	t.Helper()
	ms := pngPath.FindAllStringSubmatch(out, -1)
	for _, m := range ms {
		b, err := os.ReadFile(m[1])
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s: %v", m[1], err)
		}
		if s := img.Bounds().Size(); s.X != charts.Width || s.Y != height {
			t.Errorf("%s is %v, want %dx%d", m[1], s, charts.Width, height)
		}
	}
	return len(ms)
}

// TestSurveyAndFunnelCharts: survey results send no chart before an
// answer, then the distribution of the scores; the funnel sends one chart
// per process; alternative texts and labels are in the asker's language.
func TestSurveyAndFunnelCharts(t *testing.T) {
	h := setup(t, at(2027, 2, 10, 9, 0), demoApps)
	cat := h.Bot.Cat
	var ev round.Event
	if err := h.DB.View(func(tx *storage.Tx) (err error) { ev, err = round.LoadEvent(tx, "demo", "kipina-2017"); return }); err != nil {
		t.Fatal(err)
	}
	startFollowUp(t, h)

	t.Run("no survey chart before an answer", func(t *testing.T) {
		out := h.Run(":as nina\n/kipina survey results kipina-2017\n")
		if n := pngs(t, out, 420); n != 0 {
			t.Errorf("%d charts of no answers:\n%s", n, out)
		}
	})

	h.Clock.Set(at(2027, 2, 11, 8, 59))
	survey := h.Tick(2 * time.Minute)
	h.Run(":as anna\n" + button(t, block(t, survey, "── @anna"), "4") + "\n:as pekka\n" + button(t, block(t, survey, "── @pekka"), "2") + "\n")

	for _, lang := range []string{"fi", "en"} {
		t.Run("survey "+lang, func(t *testing.T) {
			out := h.Run(":as nina\n/kipina lang " + lang + "\n/kipina survey results kipina-2017\n")
			must(t, out, cat.T(lang, "followup.results.heading", "Event", ev.NameIn(lang)))
			if n := pngs(t, out, 420); n != 1 {
				t.Fatalf("%d survey charts, want 1:\n%s", n, out)
			}
			must(t, bottest.Posted(t, out, "── @nina"), cat.T(lang, "chart.survey.comment", "Event", ev.NameIn(lang)),
				cat.T(lang, "chart.survey.heading")+":", "2: 1", "4: 1", "5: 0")
		})
		t.Run("funnel "+lang, func(t *testing.T) {
			out := h.Run(":as nina\n/kipina followups kipina-2017\n")
			// H0001 (health), H0002 (sensors), H0004 (culture): a chart each.
			if n := pngs(t, out, 420); n != 3 {
				t.Fatalf("%d funnel charts, want 3:\n%s", n, out)
			}
			health := ev.TargetName(h.Config.Tracks, "health", lang)
			must(t, out, cat.T(lang, "chart.funnel.comment", "Event", ev.NameIn(lang), "Process", health),
				cat.T(lang, "chart.funnel.heading")+": "+health+":", cat.T(lang, "followup.stage.pitched")+": 1")
		})
	}
}
