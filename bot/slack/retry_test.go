package slack

import (
	"strings"
	"testing"
	"time"

	"github.com/kipina/kipina/bot"
)

// TestReplyWaitsOutRetryAfter: the reply to a direct message meets a 429
// with Retry-After; it is sent again once the wait is over, and nothing
// reaches that conversation inside the window.
func TestReplyWaitsOutRetryAfter(t *testing.T) {
	f := newFakeSlack(t)
	startBot(t, f, nil)
	f.mu.Lock()
	f.limit429, f.retryAfter = 1, 1
	f.mu.Unlock()
	before := len(f.callsTo("chat.postMessage"))
	f.roundTrip("events_api", map[string]any{"type": "event_callback", "team_id": "T1", "event_id": "Ev1",
		"event": map[string]any{"type": "message", "channel_type": "im", "user": "UAPP", "channel": "DUAPP", "text": "whoami"}})
	reply := f.waitCall("chat.postMessage", before+1)
	f.mu.Lock()
	limited := f.limitedAt["chat.postMessage"]
	f.mu.Unlock()
	if len(limited) != 1 {
		t.Fatalf("%d answers of 429, want 1", len(limited))
	}
	if reply.Form.Get("channel") != "DUAPP" || !strings.Contains(reply.Form.Get("text"), "/kipina help") {
		t.Errorf("the reply after the wait: %v", reply.Form)
	}
	for _, c := range f.callsTo("chat.postMessage")[before:] {
		if c.Form.Get("channel") == "DUAPP" && c.At.Before(limited[0].Add(time.Second)) {
			t.Errorf("a post to DUAPP %v after the 429, inside its Retry-After of 1 s", c.At.Sub(limited[0]))
		}
	}
}

// TestFormOpensAfterRetryAfter: views.open answers 429 while the trigger
// is still valid; the form is opened on the second try.
func TestFormOpensAfterRetryAfter(t *testing.T) {
	f := newFakeSlack(t)
	startBot(t, f, nil)
	f.openCall("C1")
	f.mu.Lock()
	f.throttled, f.retryAfter = map[string]int{"views.open": 1}, 1
	f.mu.Unlock()
	f.roundTrip("slash_commands", f.slashCommand("UAPP", "C1", "apply kipina-2017"))
	open := f.waitCall("views.open", 1)
	if open.JSON["trigger_id"] == nil {
		t.Errorf("views.open without the trigger: %v", open.JSON)
	}
}

// TestFormOfferedWhenItCannotOpen: views.open keeps answering 429 past the
// trigger's life; the person gets a direct message with a button that
// opens the form again, and the button does.
func TestFormOfferedWhenItCannotOpen(t *testing.T) {
	f := newFakeSlack(t)
	startBot(t, f, nil)
	f.openCall("C1")
	f.mu.Lock()
	f.throttled, f.retryAfter = map[string]int{"views.open": 2}, 5
	f.mu.Unlock()
	f.roundTrip("slash_commands", f.slashCommand("UAPP", "C1", "apply kipina-2017"))
	dm := f.waitFor(t, "chat.postMessage", func(c apiCall) bool { return c.Form.Get("channel") == "DUAPP" })
	if dm.Form.Get("channel") != "DUAPP" || !strings.Contains(dm.Form.Get("blocks"), `"action_id":"`+bot.ReopenID.Prefix()+`:`) {
		t.Fatalf("the offer: %v", dm.Form)
	}
	blocks := dm.Form.Get("blocks")
	i := strings.Index(blocks, bot.ReopenID.Prefix()+`:`)
	id := blocks[i : i+strings.IndexByte(blocks[i:], '"')]
	f.mu.Lock()
	f.throttled["views.open"] = 0
	f.mu.Unlock()
	f.roundTrip("interactive", f.blockAction("UAPP", "DUAPP", "1700000000.000009", id, ""))
	view := viewOf(t, f.waitCall("views.open", 1))
	if view["callback_id"] != "apply:kipina-2017" {
		t.Errorf("the form opened again: %v", view["callback_id"])
	}
}

// waitFor waits for a call of method that pred accepts.
func (f *fakeSlack) waitFor(t *testing.T, method string, pred func(apiCall) bool) apiCall {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(2 * time.Millisecond) {
		for _, c := range f.callsTo(method) {
			if pred(c) {
				return c
			}
		}
	}
	t.Fatalf("no matching call of %s; calls: %v", method, f.methods())
	return apiCall{}
}
