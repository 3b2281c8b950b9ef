package slack

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/kipina/kipina/bot"
	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/bot/outbox"
	"github.com/kipina/kipina/storage"
)

// applyAs has user press Apply on the call post and returns the modal
// views.open received.
func applyAs(t testing.TB, f *fakeSlack, user string) map[string]any {
	t.Helper()
	n := len(f.callsTo("views.open"))
	f.roundTrip("interactive", f.blockAction(user, "C1", "1700000000.000001", "apply:kipina-2017", ""))
	return viewOf(t, f.waitCall("views.open", n+1))
}

// TestApplyAgainShowsTheApplication: an applicant who already applied and
// presses Apply again gets the application sent, prefilled for editing
// and saying so, not an empty form; sending it edits that application.
func TestApplyAgainShowsTheApplication(t *testing.T) {
	f := newFakeSlack(t)
	_, b := startBot(t, f, nil)
	f.openCall("C1")
	view := applyAs(t, f, "UAPP")
	values := application(t, view, businessID(t, 0))
	if got := decode(t, f.roundTrip("interactive", viewSubmission("UAPP", view, values)).Payload); !receivedModal(got, "H0001") {
		t.Fatalf("first submission: %v", got)
	}

	again := applyAs(t, f, "UAPP")
	if again["callback_id"] != "apply:edit" || again["private_metadata"] != "H0001" {
		t.Fatalf("second Apply opened %v / %v, want the edit form of H0001", again["callback_id"], again["private_metadata"])
	}
	raw := strings.ReplaceAll(f.callsTo("views.open")[1].JSON["view"].(map[string]any)["blocks"].([]any)[0].(map[string]any)["text"].(map[string]any)["text"].(string), "\n", " ")
	if want := b.Cat.T("fi", "apply.already", "App", "H0001", "Company", "Oy Testi Ab"); !strings.Contains(raw, want) {
		t.Errorf("intro %q lacks %q", raw, want)
	}
	for _, blk := range again["blocks"].([]any) {
		m := blk.(map[string]any)
		if m["block_id"] == "company" && m["element"].(map[string]any)["initial_value"] != "Oy Testi Ab" {
			t.Errorf("company not prefilled: %v", m["element"])
		}
	}
	values["summary"] = "Parempi pyöräparkki, nyt katettu."
	if got := decode(t, f.roundTrip("interactive", viewSubmission("UAPP", again, values)).Payload); !receivedModal(got, "H0001") {
		t.Fatalf("edit: %v", got)
	}
	if n := stored(t, b); n != 1 {
		t.Errorf("%d applications stored, want 1", n)
	}
}

// TestReplayedSubmission: Slack delivers the same view_submission twice
// (a retried envelope, a double click). The second is answered like the
// first, stores nothing, and the applicant gets one message.
func TestReplayedSubmission(t *testing.T) {
	f := newFakeSlack(t)
	_, b := startBot(t, f, nil)
	ctx := context.Background()
	f.openCall("C1")
	view := applyAs(t, f, "UAPP")
	sub := viewSubmission("UAPP", view, application(t, view, businessID(t, 0)))
	first := decode(t, f.roundTrip("interactive", sub).Payload)
	second := decode(t, f.roundTrip("interactive", sub).Payload)
	if !receivedModal(first, "H0001") || !receivedModal(second, "H0001") {
		t.Fatalf("acks: %v then %v", first, second)
	}
	var audit int
	if err := b.DB.View(func(tx *storage.Tx) error {
		entries, err := tx.AuditLog("tampere", "app/H0001")
		for _, e := range entries {
			if e.Action == "app.submit" {
				audit++
			}
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if n := stored(t, b); n != 1 || audit != 1 {
		t.Errorf("%d applications and %d submit audit entries, want 1 and 1", n, audit)
	}
	if _, err := b.Outbox.Deliver(ctx); err != nil {
		t.Fatal(err)
	}
	var it outbox.Item
	if err := b.DB.View(func(tx *storage.Tx) (err error) {
		it, err = outbox.Lookup(tx, outbox.NewKey("tampere", "app", "H0001", "received"))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if dms := postsTo(f, "DUAPP"); len(dms) != 1 || !strings.Contains(dms[0].Form.Get("metadata"), it.ID) {
		t.Errorf("direct messages to the applicant: %d, want the one confirmation", len(dms))
	}
}

// TestUsersInfo429Storm: users.info answers 429 (Retry-After 1 s) three
// times while 12 people new to the bot run a command at once. Every one
// gets a reply; users.info is not called inside a Retry-After window; each
// profile is fetched once and stored by the core.
func TestUsersInfo429Storm(t *testing.T) {
	f := newFakeSlack(t)
	f.throttled, f.retryAfter = map[string]int{"users.info": 3}, 1
	a, b := startBot(t, f, nil)
	const people = 12
	replies := make(chan map[string]any, people)
	for i := range people {
		go func() { replies <- f.command(applicant(i), "C1", "whoami") }()
	}
	for range people {
		if got := <-replies; !strings.Contains(got["text"].(string), "UA00") {
			t.Errorf("reply %v", got)
		}
	}
	deadline := time.Now().Add(20 * time.Second)
	for len(f.callsTo("users.info")) < people && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	f.mu.Lock()
	limited := append([]time.Time(nil), f.limitedAt["users.info"]...)
	f.mu.Unlock()
	calls := f.callsTo("users.info")
	if len(limited) != 3 || len(calls) != people {
		t.Fatalf("%d answers of 429 and %d answered calls, want 3 and %d", len(limited), len(calls), people)
	}
	seen := map[string]bool{}
	for _, c := range calls {
		if u := c.Form.Get("user"); seen[u] {
			t.Errorf("users.info %s asked twice", u)
		} else {
			seen[u] = true
		}
		for _, l := range limited {
			if c.At.After(l) && c.At.Before(l.Add(time.Second)) {
				t.Errorf("users.info called %v after a 429 with Retry-After 1 s", c.At.Sub(l))
			}
		}
	}
	for i, l := range limited[1:] {
		if l.Before(limited[i].Add(time.Second)) {
			t.Errorf("429 number %d came %v after the previous one: called inside its window", i+2, l.Sub(limited[i]))
		}
	}
	if n := a.usersInfoCalls("tampere"); n != people+3 {
		t.Errorf("adapter counted %d calls, want %d", n, people+3)
	}
	// The core stores each profile when it arrives.
	deadline = time.Now().Add(10 * time.Second)
	for {
		b.WaitProfiles()
		var missing int
		if err := b.DB.View(func(tx *storage.Tx) error {
			for i := range people {
				u, err := bot.LoadUser(tx, chat.UserRef{Platform: "slack", Workspace: "tampere", User: applicant(i)})
				if err != nil {
					return err
				}
				if u.Profile.Email == "" {
					missing++
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if missing == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d profiles not stored", missing)
		}
		// A person whose request came before the fetch ended asks again
		// on the next request; send one.
		for i := range people {
			f.command(applicant(i), "C1", "whoami")
		}
	}
}
