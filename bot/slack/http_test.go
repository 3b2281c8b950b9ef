package slack

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kipina/kipina/bot/chat"
)

const testSecret = "8f742231b10e8888abcd99yyyzzz85a5"

// recorder is a chat.Handler that records events and answers with a
// reply, or field errors for a submission.
type recorder struct {
	mu     sync.Mutex
	events []chat.Event
	delay  time.Duration
}

func (h *recorder) Handle(_ context.Context, e chat.Event) chat.Response {
	h.mu.Lock()
	h.events = append(h.events, e)
	h.mu.Unlock()
	time.Sleep(h.delay)
	switch e := e.(type) {
	case *chat.FormSubmit:
		if e.Values["business_id"] != "1234567-1" {
			return chat.Response{Errors: map[string]string{"business_id": "bad", "nosuch": "stray"}, Reply: &chat.Message{Text: "fix it"}}
		}
		return chat.Response{Reply: &chat.Message{Text: "saved"}}
	case *chat.Command:
		return chat.Response{Reply: &chat.Message{Text: "hello " + e.Text + " <&>"}}
	}
	return chat.Response{}
}

func (h *recorder) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.events)
}

func (h *recorder) last() chat.Event {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.events[len(h.events)-1]
}

// httpBot runs an HTTP mode adapter on loopback and returns its base URL.
func httpBot(t *testing.T, f *fakeSlack, h chat.Handler) string {
	a := newAdapter(t, f, func(o *Options) {
		o.Workspaces = []Workspace{{WorkspaceID: "tampere", TeamID: "T1", BotToken: "xoxb-test", SigningSecret: testSecret, Mode: HTTPMode}}
		o.Listen = "127.0.0.1:0"
	})
	known(t, a, "U1")
	run(t, a, h)
	select {
	case <-a.listening:
	case <-time.After(5 * time.Second):
		t.Fatal("not listening")
	}
	return "http://" + a.httpAddr
}

// signed builds a request to path signed as Slack signs, at time ts.
func signed(t *testing.T, base, path, body string, ts time.Time, secret string) *http.Request {
	t.Helper()
	r, err := http.NewRequest(http.MethodPost, base+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	stamp := fmt.Sprint(ts.Unix())
	mac := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(mac, "v0:%s:%s", stamp, body)
	r.Header.Set("X-Slack-Request-Timestamp", stamp)
	r.Header.Set("X-Slack-Signature", "v0="+hex.EncodeToString(mac.Sum(nil)))
	if strings.HasPrefix(body, "{") {
		r.Header.Set("Content-Type", "application/json")
	} else {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	return r
}

func do(t *testing.T, r *http.Request) (int, string) {
	t.Helper()
	// The body must be readable again for a replay.
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(strings.NewReader(string(body)))
	r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(string(body))), nil }
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(out)
}

func TestHTTPModeSignatures(t *testing.T) {
	f := newFakeSlack(t)
	h := &recorder{}
	base := httpBot(t, f, h)
	cmd := url.Values{"command": {"/kipina"}, "text": {"apply <@U99|maija>"}, "team_id": {"T1"}, "user_id": {"U1"},
		"channel_id": {"C1"}, "trigger_id": {"trig"}, "response_url": {f.url() + "respond/x"}}.Encode()
	now := time.Now()

	code, body := do(t, signed(t, base, PathCommands, cmd, now, testSecret))
	var reply commandReply
	json.Unmarshal([]byte(body), &reply)
	if code != http.StatusOK || reply.ResponseType != "ephemeral" || reply.Text != "hello apply @U99 &lt;&amp;&gt;" {
		t.Fatalf("signed command: %d %s", code, body)
	}
	if c, ok := h.last().(*chat.Command); !ok || c.Text != "apply @U99" || c.User != (chat.UserRef{Platform: "slack", Workspace: "tampere", User: "U1"}) ||
		c.Trigger != "trig" || c.Locale != "fi-FI" {
		t.Fatalf("event: %+v", h.last())
	}

	for _, tc := range []struct {
		name string
		req  *http.Request
	}{
		{"replay of the same signed request", signed(t, base, PathCommands, cmd, now, testSecret)},
		{"wrong signature", signed(t, base, PathCommands, cmd, now.Add(time.Second), "another secret")},
		{"timestamp 6 minutes old", signed(t, base, PathCommands, cmd, now.Add(-6*time.Minute), testSecret)},
		{"timestamp 6 minutes ahead", signed(t, base, PathCommands, cmd, now.Add(6*time.Minute), testSecret)},
		{"no signature", func() *http.Request {
			r, _ := http.NewRequest(http.MethodPost, base+PathCommands, strings.NewReader(cmd))
			return r
		}()},
	} {
		if code, body := do(t, tc.req); code != http.StatusUnauthorized {
			t.Errorf("%s: %d %s, want 401", tc.name, code, body)
		}
	}
	if n := h.count(); n != 1 {
		t.Errorf("handler called %d times, want 1", n)
	}

	// A correctly signed request of another team is refused too.
	other := strings.Replace(cmd, "team_id=T1", "team_id=T2", 1)
	if code, _ := do(t, signed(t, base, PathCommands, other, now, testSecret)); code != http.StatusUnauthorized {
		t.Errorf("unknown team: %d", code)
	}
}

func TestHTTPModeEventsOnceAndModals(t *testing.T) {
	f := newFakeSlack(t)
	h := &recorder{}
	base := httpBot(t, f, h)
	ev := `{"type":"event_callback","team_id":"T1","event_id":"Ev1","event":{"type":"message","channel_type":"im","channel":"D1","user":"U1","text":"hei <@UBOT>"}}`
	if code, _ := do(t, signed(t, base, PathEvents, ev, time.Now(), testSecret)); code != http.StatusOK {
		t.Fatalf("event: %d", code)
	}
	// Slack retries with a new timestamp and signature.
	retry := signed(t, base, PathEvents, ev, time.Now().Add(time.Second), testSecret)
	retry.Header.Set("X-Slack-Retry-Num", "1")
	retry.Header.Set("X-Slack-Retry-Reason", "http_timeout")
	if code, _ := do(t, retry); code != http.StatusOK {
		t.Fatalf("retried event: %d", code)
	}
	// A DM is acknowledged at once and handled after the ack.
	eventually(t, "the event handled", func() bool { return h.count() >= 1 })
	if n := h.count(); n != 1 {
		t.Fatalf("event handled %d times, want once", n)
	}
	if txt, ok := h.last().(*chat.Text); !ok || txt.Text != "hei @UBOT" {
		t.Errorf("text event: %+v", h.last())
	}

	// url_verification answers the challenge.
	code, body := do(t, signed(t, base, PathEvents, `{"type":"url_verification","challenge":"abc"}`, time.Now(), testSecret))
	if code != http.StatusOK || !strings.Contains(body, `"challenge":"abc"`) {
		t.Errorf("url_verification: %d %s", code, body)
	}

	// A submission's errors are the HTTP response, keyed by block id; an
	// error on a field the modal lacks goes to its first input.
	view := map[string]any{"callback_id": "apply:x", "private_metadata": "x", "blocks": []any{
		map[string]any{"type": "input", "block_id": "company", "label": map[string]any{"type": "plain_text", "text": "Yritys"}, "element": map[string]any{"type": "plain_text_input", "action_id": "company"}},
		map[string]any{"type": "input", "block_id": "business_id", "label": map[string]any{"type": "plain_text", "text": "Y-tunnus"}, "element": map[string]any{"type": "plain_text_input", "action_id": "business_id"}},
	}}
	payload, _ := json.Marshal(viewSubmission("U1", view, map[string]any{"company": "Oy", "business_id": "123"}))
	code, body = do(t, signed(t, base, PathInteractions, url.Values{"payload": {string(payload)}}.Encode(), time.Now(), testSecret))
	var got struct {
		Action string            `json:"response_action"`
		Errors map[string]string `json:"errors"`
	}
	json.Unmarshal([]byte(body), &got)
	if code != http.StatusOK || got.Action != "errors" || got.Errors["business_id"] != "bad" || got.Errors["company"] != "nosuch: stray" {
		t.Fatalf("submission: %d %s", code, body)
	}
	sub := h.last().(*chat.FormSubmit)
	if sub.FormID != "apply:x" || sub.State != "x" || sub.Values["company"] != "Oy" {
		t.Errorf("submission event: %+v", sub)
	}
}
