package jury_test

import (
	"bytes"
	"fmt"
	"image/png"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/kipina/kipina/bot"
	"github.com/kipina/kipina/bot/bottest"
	"github.com/kipina/kipina/bot/call"
	"github.com/kipina/kipina/bot/charts"
	"github.com/kipina/kipina/bot/format"
	"github.com/kipina/kipina/bot/jury"
	"github.com/kipina/kipina/bot/round"
	"github.com/kipina/kipina/bot/routing"
	"github.com/kipina/kipina/configs"
	"github.com/kipina/kipina/storage"
)

// chartHarness is newHarness with two applications, on a platform that
// takes files or not, with the jury (liisa, pekka, two reviews each)
// published; it returns the harness and the published transcript.
func chartHarness(t *testing.T, files bool) (*bottest.Harness, string) {
	t.Helper()
	mods := []bot.Module{call.Module{}, routing.Module{}, jury.Module{}}
	var h *bottest.Harness
	if files {
		h = bottest.NewWith(t, configs.Default(), mods...)
	} else {
		h = bottest.NewNoFiles(t, configs.Default(), mods...)
	}
	out := h.OpenCall("kipina-2017")
	apply := button(t, out, "Hae mukaan")
	for _, a := range demoApplicants[:2] {
		h.Run(":as " + a.user + "\n" + apply + "\n" + answers(a.company, a.bid, a.user, a.user+"@example.fi", "", a.target,
			a.summary, "2", "", "", "", a.lang, "no", "yes"))
	}
	out = h.Run(":as nina\n/kipina jury add kipina-2017 @liisa @pekka\n/kipina jury assign kipina-2017 reviews=2\n/kipina jury publish kipina-2017\n")
	return h, h.Run(button(t, out, "Julkaise jako") + "\n")
}

// chartScore has user give every criterion q on the prompt button n.
func chartScore(user, n string, q int) string {
	return fmt.Sprintf(":as %s\n%s\n", user, n) + strings.Repeat(fmt.Sprintf("%d\n", q), 5) + "\n"
}

var pngPath = regexp.MustCompile(`(?m)^\s*(/\S+\.png)$`)

// uploaded returns the PNG files the shell saved for out's uploads.
func uploaded(t *testing.T, out string) [][]byte {
	t.Helper()
	var files [][]byte
	for _, m := range pngPath.FindAllStringSubmatch(out, -1) {
		b, err := os.ReadFile(m[1])
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, b)
	}
	return files
}

// TestResultsChart: /kipina results answers with the table and sends the
// asker the chart through the outbox: a PNG of the results' size whose
// alternative text, in the asker's language, names every application;
// nothing while no application has a score; the same chart asked again is
// not sent twice.
func TestResultsChart(t *testing.T) {
	h, out := chartHarness(t, true)
	cat := h.Bot.Cat

	var ev round.Event
	if err := h.DB.View(func(tx *storage.Tx) (err error) { ev, err = round.LoadEvent(tx, "demo", "kipina-2017"); return }); err != nil {
		t.Fatal(err)
	}
	t.Run("no chart before a score", func(t *testing.T) {
		out := h.Run("/kipina results kipina-2017\n")
		must(t, out, cat.T("fi", "jury.results.none", "Event", ev.NameIn("fi")))
		if n := len(uploaded(t, out)); n != 0 {
			t.Errorf("%d charts with no scores:\n%s", n, out)
		}
	})

	fi := prompts(out, "Arvioi")
	h.Run(chartScore("liisa", fi["liisa"]["H0001"], 5) + chartScore("liisa", fi["liisa"]["H0002"], 2) +
		chartScore("pekka", fi["pekka"]["H0001"], 4) + chartScore("pekka", fi["pekka"]["H0002"], 1))
	h.Run(":as nina\n/kipina shortlist kipina-2017 top 1\n")

	for _, lang := range []string{"fi", "en"} {
		t.Run(lang, func(t *testing.T) {
			out := h.Run(":as nina\n/kipina lang " + lang + "\n/kipina results kipina-2017\n")
			must(t, out, "H0001", "```") // the table stays the answer
			files := uploaded(t, out)
			if len(files) != 1 {
				t.Fatalf("%d charts uploaded, want 1:\n%s", len(files), out)
			}
			img, err := png.Decode(bytes.NewReader(files[0]))
			if err != nil {
				t.Fatal(err)
			}
			if s := img.Bounds().Size(); s.X != charts.Width || s.Y != 120+24*2 {
				t.Errorf("chart %v, want %dx%d", s, charts.Width, 120+24*2)
			}
			chart := bottest.Posted(t, out, "── @nina")
			must(t, chart, cat.T(lang, "chart.results.comment", "Event", ev.NameIn(lang)), cat.T(lang, "chart.results.heading")+":",
				"1. H0001 Katuvalo Oy "+format.Decimal(lang, 0.7, 2)+" ± ", "— "+cat.T(lang, "chart.results.cut")+" —\n", "2. H0002 Energi Ab")
			other := map[string]string{"fi": "en", "en": "fi"}[lang]
			mustNot(t, chart, cat.T(other, "chart.results.heading"))
		})
	}

	t.Run("asked again, sent once", func(t *testing.T) {
		out := h.Run("/kipina results kipina-2017\n")
		if n := len(uploaded(t, out)); n != 0 {
			t.Errorf("the same chart sent again:\n%s", out)
		}
	})
}

// TestResultsWithoutFiles: on a platform that takes no files the results
// are only the text; no chart waits in the outbox.
func TestResultsWithoutFiles(t *testing.T) {
	h, out := chartHarness(t, false)
	fi := prompts(out, "Arvioi")
	h.Run(chartScore("liisa", fi["liisa"]["H0001"], 5) + chartScore("liisa", fi["liisa"]["H0002"], 2) +
		chartScore("pekka", fi["pekka"]["H0001"], 4) + chartScore("pekka", fi["pekka"]["H0002"], 1))
	out = h.Run(":as nina\n/kipina results kipina-2017\n")
	must(t, out, "H0001", "```")
	mustNot(t, out, ".png", h.Bot.Cat.T("fi", "chart.results.heading"))
	mustNot(t, h.Logs(), "chart/results")
}
