package bot_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/kipina/kipina/bot"
	"github.com/kipina/kipina/bot/bottest"
	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/bot/outbox"
	"github.com/kipina/kipina/bot/reqid"
	"github.com/kipina/kipina/storage"
)

// notifyModule's command enqueues a message to the person who typed it
// and logs a line of its own.
type notifyModule struct{}

func (notifyModule) Register(reg *bot.Registry, _ *bot.Env) error {
	reg.Command(bot.Command{Name: "notify", MinArgs: 1, MaxArgs: 1, Run: func(ctx context.Context, r *bot.Request) (chat.Response, error) {
		r.Env.Log.InfoContext(ctx, "notify handler")
		err := r.Update(func(tx *storage.Tx) error {
			_, err := outbox.Enqueue(tx, outbox.NewKey(r.WS.ID, "notify", r.Args[0]), chat.DM(r.User), chat.Message{Text: "note " + r.Args[0]})
			return err
		})
		if err != nil {
			return chat.Response{}, err
		}
		return r.ReplyText("ok")
	}})
	return nil
}

// logLines parses the harness's JSON log lines.
func logLines(t *testing.T, logs string) []map[string]any {
	t.Helper()
	var out []map[string]any
	sc := bufio.NewScanner(strings.NewReader(logs))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("log line %q: %v", sc.Text(), err)
		}
		out = append(out, m)
	}
	return out
}

// TestRequestIDFromCommandToDelivery: the request's log line, the
// handler's own line and the delivery of the message it enqueued carry
// one request id; another request has another; a due item has its own.
func TestRequestIDFromCommandToDelivery(t *testing.T) {
	h := bottest.New(t, notifyModule{})
	out := h.Run("/kipina notify a\n/kipina notify b\n")
	bottest.Must(t, out, "note a", "note b")
	var reqs, handler, delivered []string
	for _, l := range logLines(t, h.Logs()) {
		id, _ := l[reqid.Key].(string)
		switch {
		case l["msg"] == "request" && l["name"] == "notify":
			reqs = append(reqs, id)
		case l["msg"] == "notify handler":
			handler = append(handler, id)
		case l["msg"] == "delivered" && strings.Contains(l["key"].(string), "/notify/"):
			delivered = append(delivered, id)
		}
	}
	if len(reqs) != 2 || len(handler) != 2 || len(delivered) != 2 {
		t.Fatalf("request lines %q, handler lines %q, delivery lines %q:\n%s", reqs, handler, delivered, h.Logs())
	}
	for i := range reqs {
		if reqs[i] == "" || handler[i] != reqs[i] || delivered[i] != reqs[i] {
			t.Errorf("request %d: request %q, handler %q, delivery %q", i, reqs[i], handler[i], delivered[i])
		}
	}
	if reqs[0] == reqs[1] {
		t.Errorf("two requests share the id %q", reqs[0])
	}
	// The id is stored with the message.
	err := h.DB.View(func(tx *storage.Tx) error {
		it, err := outbox.Lookup(tx, outbox.NewKey("demo", "notify", "a"))
		if err == nil && it.RequestID != reqs[0] {
			t.Errorf("stored request id %q, want %q", it.RequestID, reqs[0])
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestRequestIDFromAdapter: an adapter that gave the request an id before
// handing it to the core (the web page logs its own lines with it) gets
// that id on the core's request line, so one id covers the page and the
// handler.
func TestRequestIDFromAdapter(t *testing.T) {
	h := bottest.New(t, notifyModule{})
	const id = "0123456789abcdef"
	h.Bot.Handle(reqid.With(context.Background(), id), &chat.Command{Origin: chat.Origin{
		User: chat.UserRef{Platform: "shell", Workspace: "demo", User: "nina"}}, Text: "notify c"})
	var got []string
	for _, l := range logLines(t, h.Logs()) {
		if l["msg"] == "request" && l["name"] == "notify" {
			got = append(got, fmt.Sprint(l[reqid.Key]))
		}
	}
	if len(got) != 1 || got[0] != id {
		t.Fatalf("request lines carry %q, want [%s]:\n%s", got, id, h.Logs())
	}
}
