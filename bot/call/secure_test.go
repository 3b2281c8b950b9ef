package call_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/kipina/kipina/bot/bottest"
	"github.com/kipina/kipina/bot/call"
	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/bot/round"
	"github.com/kipina/kipina/storage"
)

// openEvents starts a harness with the call module, the demo event's call
// open and the extra events ids with open calls.
func openEvents(t *testing.T, ids ...string) *bottest.Harness {
	t.Helper()
	h := bottest.New(t, call.Module{})
	h.OpenCall("kipina-2017")
	err := h.DB.Update(func(tx *storage.Tx) error {
		for _, id := range ids {
			ev := round.Event{ID: id, Name: "Event " + id, CallOpen: true, Created: h.Clock.Now(),
				Date: h.Clock.Now().AddDate(0, 2, 0), Deadline: h.Clock.Now().AddDate(0, 1, 0)}
			if err := round.Events.Put(tx, "demo", id, ev); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// submitAs sends application i to event as user through bot.Handle.
func submitAs(h *bottest.Harness, user, event string, i int) chat.Response {
	sub := submission(i)
	sub.Origin = origin(user)
	sub.FormID, sub.State = "apply:"+event, event
	return h.Bot.Handle(context.Background(), sub)
}

// TestApplicationLimits: one person sends at most call.MaxAppsPerEvent
// applications to an event and call.MaxAppsPerDay in 24 hours; beyond
// them the form does not open and a submission is refused with a message
// that says the limit, and nothing is stored or sent. Others are not
// affected, and the day's limit passes with the day.
func TestApplicationLimits(t *testing.T) {
	h := openEvents(t, "b", "c")
	cat := h.Bot.Cat
	n := 0
	send := func(user, event string) chat.Response {
		n++
		return submitAs(h, user, event, n)
	}
	for i := range call.MaxAppsPerEvent {
		if r := send("mallory", "kipina-2017"); r.Reply == nil || len(r.Errors) > 0 {
			t.Fatalf("application %d refused: %+v", i+1, r)
		}
	}
	perEvent := cat.T("fi", "apply.limit.event", "Count", call.MaxAppsPerEvent, "Event", "Kipinä 2017 – avoin haku")
	if r := send("mallory", "kipina-2017"); r.Reply == nil || r.Reply.Text != perEvent {
		t.Fatalf("over the event's limit: %+v, want %q", r, perEvent)
	}
	out := h.Run(":as mallory\n/kipina apply kipina-2017\n")
	bottest.Must(t, out, perEvent)
	if r := send("anna", "kipina-2017"); r.Reply == nil || len(r.Errors) > 0 {
		t.Fatalf("another person refused: %+v", r)
	}

	for range call.MaxAppsPerDay - call.MaxAppsPerEvent {
		if r := send("mallory", "b"); r.Reply == nil || len(r.Errors) > 0 {
			t.Fatalf("application to b refused: %+v", r)
		}
	}
	perDay := cat.T("fi", "apply.limit.day", "Count", call.MaxAppsPerDay)
	if r := send("mallory", "c"); r.Reply == nil || r.Reply.Text != perDay {
		t.Fatalf("over the day's limit: %+v, want %q", r, perDay)
	}
	var apps []round.Application
	if err := h.DB.View(func(tx *storage.Tx) (err error) { apps, err = round.EventApps(tx, "demo", ""); return }); err != nil {
		t.Fatal(err)
	}
	if len(apps) != call.MaxAppsPerDay+1 {
		t.Errorf("%d applications stored, want %d", len(apps), call.MaxAppsPerDay+1)
	}
	// Editing is not sending.
	out = h.Run(":as mallory\n/kipina my\n")
	bottest.Must(t, out, "H0001")

	h.Clock.Advance(24 * time.Hour)
	if r := send("mallory", "c"); r.Reply == nil || len(r.Errors) > 0 {
		t.Fatalf("a day later: %+v", r)
	}
	if r := send("mallory", "kipina-2017"); r.Reply == nil || r.Reply.Text != perEvent {
		t.Fatalf("the event's limit a day later: %+v", r)
	}
}

// TestTradeSecretConfirmation: the applicant's confirmation, which may
// travel as e-mail, does not repeat a trade-secret summary; the
// organisers' notice never holds the summary.
func TestTradeSecretConfirmation(t *testing.T) {
	h := openEvents(t)
	const secret = "SALAINEN-RESEPTI"
	for i, secrets := range []string{"yes", "no"} {
		sub := submission(i)
		sub.Origin = origin(fmt.Sprintf("anna%d", i))
		sub.Values["secrets"], sub.Values["summary"] = secrets, secret+" plus more."
		if r := h.Bot.Handle(context.Background(), sub); r.Reply == nil || len(r.Errors) > 0 {
			t.Fatalf("refused: %+v", r)
		}
	}
	out := h.Tick(0)
	withSecret := bottest.Posted(t, out, "── @anna0")
	bottest.Must(t, withSecret, "H0001", h.Bot.Cat.T("fi", "apply.confirm.secret"))
	bottest.MustNot(t, withSecret, secret)
	bottest.Must(t, bottest.Posted(t, out, "── @anna1"), "H0002", secret)
	bottest.MustNot(t, bottest.AllPosted(out, "── #"), secret)
}
