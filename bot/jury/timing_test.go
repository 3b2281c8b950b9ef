package jury_test

import (
	"strings"
	"testing"
	"time"

	"github.com/kipina/kipina/bot/bottest"
	"github.com/kipina/kipina/configs"
)

// publishedJury has nina add liisa to the demo event's jury, set the
// scoring deadline to the date given (d.m.yyyy) and publish: liisa has
// every application to score.
func publishedJury(t *testing.T, h *bottest.Harness, deadline string) {
	t.Helper()
	out := h.Run(":as nina\n/kipina jury add kipina-2017 @liisa\n/kipina jury deadline kipina-2017 " + deadline +
		"\n/kipina jury assign kipina-2017 reviews=1 min=1\n/kipina jury publish kipina-2017\n")
	out = h.Run(button(t, out, "Julkaise jako") + "\n")
	must(t, out, "Jako julkaistu")
}

// TestRemindersDoNotPileUpAfterHolidays is issue 15's example: the jury
// deadline is Monday 28.12.2026; the 3-day reminder falls on Christmas Day
// and the 1-day reminder on Sunday. Both wait for Monday morning, and the
// juror gets one reminder, not two identical ones.
func TestRemindersDoNotPileUpAfterHolidays(t *testing.T) {
	h := newHarness(t, demoApplicants[:2])
	h.Clock.Set(time.Date(2026, 12, 14, 10, 0, 0, 0, helsinki))
	publishedJury(t, h, "28.12.2026")
	var all strings.Builder
	for _, at := range []time.Time{
		time.Date(2026, 12, 25, 9, 0, 0, 0, helsinki), time.Date(2026, 12, 26, 9, 0, 0, 0, helsinki),
		time.Date(2026, 12, 27, 9, 0, 0, 0, helsinki), time.Date(2026, 12, 28, 8, 0, 0, 0, helsinki),
		time.Date(2026, 12, 28, 9, 0, 0, 0, helsinki), time.Date(2026, 12, 28, 23, 0, 0, 0, helsinki),
	} {
		h.Clock.Set(at)
		all.WriteString(h.Tick(0))
	}
	if n := strings.Count(all.String(), "Muistutus:"); n != 1 {
		t.Fatalf("liisa got %d reminders, want 1:\n%s", n, all.String())
	}
	must(t, all.String(), "── @liisa", "28.12.2026 klo 23.59")
}

// TestRemindersInWorkspaceZone: in a workspace whose zone is New York (not
// the default Helsinki), the 3-day reminder comes at 09:00 New York time on
// a working day there, and not while it is night in New York.
func TestRemindersInWorkspaceZone(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	cfg := configs.Default()
	cfg.Workspaces[0].Timezone = "America/New_York"
	h := newHarnessWith(t, cfg, demoApplicants[:2])
	h.Clock.Set(time.Date(2026, 11, 2, 10, 0, 0, 0, ny))
	publishedJury(t, h, "13.11.2026")                     // a Friday: the 3-day reminder is due Tuesday 10.11. 09:00 in New York
	h.Clock.Set(time.Date(2026, 11, 10, 8, 59, 0, 0, ny)) // 15.59 in Helsinki
	mustNot(t, h.Tick(0), "Muistutus")
	h.Clock.Set(time.Date(2026, 11, 10, 9, 0, 0, 0, ny))
	out := h.Tick(0)
	must(t, out, "── @liisa", "Muistutus:", "13.11.2026 klo 23.59")
}
