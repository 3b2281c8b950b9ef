package call_test

import (
	"strings"
	"testing"
	"time"

	"github.com/kipina/kipina/bot/bottest"
	"github.com/kipina/kipina/bot/call"
	"github.com/kipina/kipina/bot/round"
	"github.com/kipina/kipina/storage"
)

var helsinki = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Helsinki")
	if err != nil {
		panic(err)
	}
	return loc
}()

// newEvent creates "Kipinä 2027" on date with the deadline given through
// the form at 1.12.2026 and returns the shell's output.
func newEvent(h *bottest.Harness, date, deadline string) string {
	h.Clock.Set(time.Date(2026, 12, 1, 10, 0, 0, 0, helsinki))
	return h.Run(":as nina\n/kipina event new\n" + answers("Kipinä 2027", date, "Tampere-talo", deadline, "", "", "", "", "") + ":cancel\n")
}

// saved is the reply to newEvent when the event is saved with deadline
// as the reply writes it ("14.12.2026 klo 23.59").
func saved(h *bottest.Harness, deadline string) string {
	return h.Bot.Cat.T("fi", "event.saved", "Name", "Kipinä 2027", "Event", "kipina-2027", "Deadline", deadline)
}

// Issue 21: a call whose deadline reads "14.12. klo 23.59" refused an
// application at 23:59:20 that day. A deadline date means the whole day
// in the workspace's zone, up to 24:00 exclusive: the form opens and an
// application is received at 23:59:20 and at 23:59:59; at 0:00:00 the
// next day it is refused, and the deadline still reads "klo 23.59".
func TestDeadlineIsTheWholeDay(t *testing.T) {
	h := bottest.New(t, call.Module{})
	must(t, newEvent(h, "2026-12-30", "2026-12-14"), saved(h, "14.12.2026 klo 23.59"))
	apply := button(t, h.OpenCall("kipina-2027"), h.Bot.Cat.T("fi", "call.apply.button"))
	for i, at := range []time.Time{
		time.Date(2026, 12, 14, 23, 59, 20, 0, helsinki),
		time.Date(2026, 12, 14, 23, 59, 59, 0, helsinki),
	} {
		h.Clock.Set(at)
		who := []string{"anna", "ville"}[i]
		bid := []string{"1572860-0", "0112038-9"}[i]
		out := h.Run(":as " + who + "\n" + apply + "\n" + answers("Katuvalo Oy", bid, "Anna Virtanen", who+"@example.fi", "", "2",
			"Katuvalot mittaavat liikennettä ja ilmanlaatua.", "2", "", "", "", "", "no", "yes"))
		must(t, out, h.Bot.Cat.T("fi", "apply.received", "App", "H000"+string(rune('1'+i)), "Event", "Kipinä 2027"))
	}
	h.Clock.Set(time.Date(2026, 12, 15, 0, 0, 0, 0, helsinki))
	out := h.Run(":as olli\n" + apply + "\n")
	must(t, out, h.Bot.Cat.T("fi", "apply.deadline_passed", "Event", "Kipinä 2027", "Deadline", "14.12.2026 klo 23.59"))
	mustNot(t, out, "[1/")

	var ev round.Event
	if err := h.DB.View(func(tx *storage.Tx) (err error) { ev, err = round.Events.Get(tx, "demo", "kipina-2027"); return }); err != nil {
		t.Fatal(err)
	}
	for at, open := range map[time.Time]bool{
		time.Date(2026, 12, 14, 23, 59, 59, 999999999, helsinki): true,
		time.Date(2026, 12, 15, 0, 0, 0, 0, helsinki):            false,
	} {
		if ev.Open(at) != open {
			t.Errorf("open at %s = %v, want %v", at, !open, open)
		}
	}
	// A record from before, holding 23:59:00, also means the whole day.
	ev.Deadline = time.Date(2026, 12, 14, 23, 59, 0, 0, helsinki)
	if !ev.Open(time.Date(2026, 12, 14, 23, 59, 30, 0, helsinki)) {
		t.Error("an old 23.59 deadline closes before 24:00")
	}
}

// Issue 15: the deadline rules disagreed (the form took the event day,
// extend refused it saying "on or before", edit took it) and issue 21: a
// deadline after the event was taken. One rule for the form, edit and
// extend: the deadline day ends at 24:00 and is a day before the event;
// the refusal states it.
func TestDeadlineRuleEverywhere(t *testing.T) {
	h := bottest.New(t, call.Module{})
	rule := h.Bot.Cat.T("fi", "event.deadline.rule", "Zone", "Europe/Helsinki", "Date", "30.12.2026", "Latest", "29.12.2026")
	notSaved := strings.TrimRight(bottest.UpTo(h.Bot.Cat, "fi", "event.saved", "Name"), ": ") // the reply's head, whatever its name
	for _, deadline := range []string{"2026-12-30", "2027-01-02", "2028-02-29"} {
		out := newEvent(h, "2026-12-30", deadline)
		must(t, out, "✗", rule)
		mustNot(t, out, notSaved)
	}
	must(t, newEvent(h, "2026-12-30", "2026-12-29"), saved(h, "29.12.2026 klo 23.59"))

	// edit: the event day refused with the rule, the day before kept.
	out := h.Run("/kipina event edit kipina-2027\n" + answers("", "", "", "30.12.2026", "", "", "", "", "") + ":cancel\n")
	must(t, out, rule)
	mustNot(t, out, notSaved)

	// extend: refused with the same rule, not a contradiction.
	h.Run("/kipina event edit kipina-2027\n" + answers("", "", "", "2026-12-20", "", "", "", "", ""))
	for _, day := range []string{"30.12.2026", "2028-02-29"} {
		out = h.Run("/kipina event extend kipina-2027 " + day + "\n")
		must(t, out, rule)
	}
	out = h.Run("/kipina event extend kipina-2027 29.12.2026\n")
	must(t, out, h.Bot.Cat.T("fi", "event.extended", "Event", "Kipinä 2027", "Deadline", "29.12.2026 klo 23.59"))

	// At 10.20 on the event day the call is over.
	h.OpenCall("kipina-2027")
	h.Clock.Set(time.Date(2026, 12, 30, 10, 20, 0, 0, helsinki))
	out = h.Run(":as anna\n/kipina apply kipina-2027\n")
	must(t, out, h.Bot.Cat.T("fi", "apply.deadline_passed", "Event", "Kipinä 2027", "Deadline", "29.12.2026 klo 23.59"))
}
