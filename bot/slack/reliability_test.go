package slack

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/bot/outbox"
	"github.com/kipina/kipina/storage"
)

// fakeClock is a clock tests move.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *fakeClock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func TestPostErrors(t *testing.T) {
	f := newFakeSlack(t)
	clock := &fakeClock{t: time.Now()}
	a := newAdapter(t, f, func(o *Options) { o.Now = clock.Now })
	ctx := context.Background()
	dm := chat.Address{Platform: "slack", Workspace: "tampere", User: "U1"}

	f.mu.Lock()
	f.limit429, f.retryAfter = 1, 7
	f.mu.Unlock()
	_, err := a.Post(ctx, dm, chat.Message{Text: "hei"})
	var ra *chat.RetryAfterError
	if !errors.As(err, &ra) || ra.Wait != 7*time.Second {
		t.Fatalf("429: %v, want RetryAfterError of 7s", err)
	}
	// Nothing goes to that conversation inside the window.
	posts := len(f.callsTo("chat.postMessage"))
	if _, err := a.Post(ctx, dm, chat.Message{Text: "hei"}); !errors.As(err, &ra) || len(f.callsTo("chat.postMessage")) != posts {
		t.Fatalf("inside Retry-After: %v, want a hold without a call", err)
	}
	clock.Advance(7 * time.Second)
	ref, err := a.Post(ctx, dm, chat.Message{Text: "hei"})
	if err != nil || ref.Channel != "DU1" || ref.ID == "" {
		t.Fatalf("after the wait: %v %v", ref, err)
	}

	_, err = a.Post(ctx, chat.Address{Platform: "slack", Workspace: "tampere", Channel: "CGONE"}, chat.Message{Text: "x"})
	if !errors.Is(err, chat.ErrPermanent) || !strings.Contains(err.Error(), "channel_not_found") {
		t.Errorf("unknown channel: %v, want a permanent error", err)
	}
	if _, err := a.Post(ctx, chat.Address{Platform: "slack", Workspace: "espoo", User: "U1"}, chat.Message{Text: "x"}); !errors.Is(err, chat.ErrPermanent) {
		t.Errorf("unknown workspace: %v", err)
	}

	// FindSent finds a message by its outbox message id in the metadata.
	if _, err := a.Post(ctx, dm, chat.Message{Text: "hei", ID: "0f3a"}); err != nil {
		t.Fatal(err)
	}
	if ref, found, err := a.FindSent(ctx, dm, "0f3a"); err != nil || !found || ref.Channel != "DU1" {
		t.Errorf("FindSent 0f3a: %v %v %v", ref, found, err)
	}
	if _, found, err := a.FindSent(ctx, dm, "9b21"); err != nil || found {
		t.Errorf("FindSent found an id never sent (%v)", err)
	}

	// The directory.
	p, err := a.Profile(ctx, chat.UserRef{Platform: "slack", Workspace: "tampere", User: "U5"})
	if err != nil || p.Locale != "fi-FI" || p.Timezone != "Europe/Helsinki" || p.Email != "u5@example.fi" || p.Name != "User U5" {
		t.Errorf("Profile: %+v %v", p, err)
	}
	u, err := a.LookupEmail(ctx, "tampere", "maija@example.fi")
	if err != nil || u != (chat.UserRef{Platform: "slack", Workspace: "tampere", User: "U77"}) {
		t.Errorf("LookupEmail: %v %v", u, err)
	}
}

// TestOutboxWaitsOutRateLimit: a 429 through the outbox pauses the message
// for Retry-After, and it is delivered afterwards; nothing is lost.
func TestOutboxWaitsOutRateLimit(t *testing.T) {
	f := newFakeSlack(t)
	clock := &fakeClock{t: time.Now()}
	a := newAdapter(t, f, func(o *Options) { o.Now = clock.Now })
	b := newCore(t, a, clock)
	ctx := context.Background()
	to := chat.Address{Platform: "slack", Workspace: "tampere", User: "U1"}
	key := outbox.NewKey("tampere", "test", "1")
	err := b.Update(func(tx *storage.Tx) error {
		_, err := outbox.Enqueue(tx, key, to, chat.Message{Text: "vahvistus"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	f.limit429, f.retryAfter = 1, 30
	f.mu.Unlock()
	if n, err := b.Outbox.Deliver(ctx); n != 0 || err != nil {
		t.Fatalf("first pass sent %d, %v", n, err)
	}
	clock.Advance(10 * time.Second)
	if n, _ := b.Outbox.Deliver(ctx); n != 0 {
		t.Fatalf("sent %d before Retry-After passed", n)
	}
	clock.Advance(25 * time.Second)
	if n, err := b.Outbox.Deliver(ctx); n != 1 || err != nil {
		t.Fatalf("after Retry-After sent %d, %v", n, err)
	}
	var it outbox.Item
	if err := b.DB.View(func(tx *storage.Tx) (err error) { it, err = outbox.Lookup(tx, key); return }); err != nil {
		t.Fatal(err)
	}
	if it.State != outbox.Sent || it.Ref.Channel != "DU1" {
		t.Errorf("item: %+v", it)
	}
	if posts := f.callsTo("chat.postMessage"); len(posts) != 1 || !strings.Contains(posts[0].Form.Get("metadata"), it.ID) {
		t.Errorf("posts: %v", posts)
	}
}

// TestReconnect: the server drops the socket; the client reconnects and a
// later envelope is handled and acknowledged.
func TestReconnect(t *testing.T) {
	f := newFakeSlack(t)
	startBot(t, f, nil)
	if got := f.command("U1", "C1", "whoami"); got["text"] == nil {
		t.Fatalf("before the drop: %v", got)
	}
	f.drop()
	f.waitConnected(2)
	got := f.command("U1", "C1", "whoami")
	if !strings.Contains(got["text"].(string), "U1") {
		t.Fatalf("after the reconnect: %v", got)
	}
}

// TestSlowHandlerAckedInTime: a handler slower than the budget does not
// hold the ack; its answer follows as Slack allows.
func TestSlowHandlerAckedInTime(t *testing.T) {
	f := newFakeSlack(t)
	h := &recorder{delay: 300 * time.Millisecond}
	a := newAdapter(t, f, func(o *Options) { o.AckBudget = 50 * time.Millisecond })
	run(t, a, h)
	f.waitConnected(1)

	ack := f.roundTrip("slash_commands", f.slashCommand("U1", "C1", "slow"))
	if d := ack.At.Sub(ack.Sent); d > 250*time.Millisecond || len(ack.Payload) != 0 {
		t.Errorf("command ack after %v with %s", d, ack.Payload)
	}
	// The reply goes through the response URL once the handler is done.
	resp := f.waitCall("respond/cmd", 1)
	if !strings.Contains(resp.JSON["text"].(string), "hello slow") || resp.JSON["response_type"] != "ephemeral" {
		t.Errorf("late reply: %v", resp.JSON)
	}

	view := map[string]any{"callback_id": "f", "blocks": []any{map[string]any{"type": "input", "block_id": "business_id",
		"label": map[string]any{"type": "plain_text", "text": "Y-tunnus"}, "element": map[string]any{"type": "plain_text_input", "action_id": "business_id"}}}}
	ack = f.roundTrip("interactive", viewSubmission("U1", view, map[string]any{"business_id": "x"}))
	if d := ack.At.Sub(ack.Sent); d > 250*time.Millisecond || len(ack.Payload) != 0 {
		t.Errorf("submission ack after %v with %s", d, ack.Payload)
	}
	// The modal closed: the errors and the reply come as a direct message.
	dm := f.waitCall("chat.postMessage", 1)
	if dm.Form.Get("channel") != "DU1" || !strings.Contains(dm.Form.Get("text"), "*Y-tunnus*: bad") {
		t.Errorf("late errors: %v", dm.Form)
	}
}
