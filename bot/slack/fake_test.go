package slack

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/slack-go/slack/slacktest"
)

// fakeSlack is Slack on loopback: slacktest's server with the endpoints
// the adapter calls, a Socket Mode websocket that sends envelopes, pings
// and records acks, and a record of every Web API call.
type fakeSlack struct {
	t   testing.TB
	srv *slacktest.Server

	mu      sync.Mutex
	conn    *websocket.Conn
	wmu     sync.Mutex // one writer on conn
	conns   int
	waiting map[string]chan ack
	calls   []apiCall
	locale  string
	// limit429 answers that many chat.postMessage calls with 429 and
	// Retry-After: retryAfter seconds.
	limit429   int
	retryAfter int
	// throttled answers the next n calls of a method with 429 and
	// Retry-After: retryAfter seconds; limitedAt records when.
	throttled map[string]int
	limitedAt map[string][]time.Time
	// usersInfoLimit, when set, answers users.info with 429 and
	// Retry-After: 60 once that many calls were answered.
	usersInfoLimit, usersInfoServed int
	// openError makes apps.connections.open fail with that Slack error
	// code; wsURL, when set, is the URL it hands out instead of /ws.
	openError, wsURL string
	opens            int
	// disconnectAtOnce makes the socket say hello, then at once
	// disconnect with that reason, and close.
	disconnectAtOnce string

	connected chan int
	seq       atomic.Int64
}

// ack is what the bot answered to an envelope, and when.
type ack struct {
	Payload json.RawMessage
	Sent    time.Time
	At      time.Time
}

// apiCall is one Web API request.
type apiCall struct {
	At     time.Time
	Method string
	Form   url.Values
	JSON   map[string]any
}

func newFakeSlack(t testing.TB) *fakeSlack {
	f := &fakeSlack{t: t, waiting: map[string]chan ack{}, connected: make(chan int, 16), locale: "fi-FI"}
	f.srv = slacktest.NewTestServer(func(c slacktest.Customize) {
		c.Handle("/ws", f.ws)
		c.Handle("/apps.connections.open", f.connectionsOpen)
		c.Handle("/auth.test", f.answer(`{"ok":true,"team_id":"T1","team":"Tampere","user_id":"UBOT","bot_id":"B1"}`))
		c.Handle("/users.info", f.throttle("users.info", f.usersInfo))
		c.Handle("/users.lookupByEmail", f.lookupByEmail)
		c.Handle("/users.list", f.answer(`{"ok":true,"members":[
			{"id":"U43","name":"liisa","profile":{"display_name":"Liisa V","email":"liisa@example.fi"}},
			{"id":"U77","name":"maija","profile":{"display_name":"Maija","email":"maija@example.fi"}},
			{"id":"U99","name":"ghost","deleted":true,"profile":{}}],"response_metadata":{"next_cursor":""}}`))
		c.Handle("/conversations.open", f.conversationsOpen)
		c.Handle("/chat.postMessage", f.postMessage)
		c.Handle("/chat.update", f.answer(`{"ok":true,"channel":"C1","ts":"1.1"}`))
		c.Handle("/chat.postEphemeral", f.answer(`{"ok":true,"message_ts":"2.2"}`))
		c.Handle("/views.open", f.throttle("views.open", f.answer(`{"ok":true,"view":{"id":"V1"}}`)))
		c.Handle("/views.update", f.answer(`{"ok":true,"view":{"id":"V1"}}`))
		c.Handle("/conversations.history", f.history)
		c.Handle("/respond/", f.answer(`{"ok":true}`))
	})
	f.srv.Start()
	t.Cleanup(f.srv.Stop)
	return f
}

// url is the Web API base URL, with its trailing slash.
func (f *fakeSlack) url() string { return f.srv.GetAPIURL() }

// record stores a call and returns it.
func (f *fakeSlack) record(r *http.Request) apiCall {
	body, _ := io.ReadAll(r.Body)
	c := apiCall{At: time.Now(), Method: strings.TrimPrefix(r.URL.Path, "/")}
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		json.Unmarshal(body, &c.JSON)
	} else {
		c.Form, _ = url.ParseQuery(string(body))
	}
	f.mu.Lock()
	f.calls = append(f.calls, c)
	f.mu.Unlock()
	return c
}

func (f *fakeSlack) answer(body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		f.record(r)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, body)
	}
}

func (f *fakeSlack) usersInfo(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	over := f.usersInfoLimit > 0 && f.usersInfoServed >= f.usersInfoLimit
	if over {
		if f.limitedAt == nil {
			f.limitedAt = map[string][]time.Time{}
		}
		f.limitedAt["users.info"] = append(f.limitedAt["users.info"], time.Now())
	} else {
		f.usersInfoServed++
	}
	f.mu.Unlock()
	if over {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Retry-After", "60")
		w.WriteHeader(http.StatusTooManyRequests)
		return
	}
	c := f.record(r)
	f.mu.Lock()
	loc := f.locale
	f.mu.Unlock()
	u := c.Form.Get("user")
	fmt.Fprintf(w, `{"ok":true,"user":{"id":%q,"name":"u","real_name":"User %s","locale":%q,"tz":"Europe/Helsinki","profile":{"email":"%s@example.fi"}}}`, u, u, loc, strings.ToLower(u))
}

func (f *fakeSlack) connectionsOpen(w http.ResponseWriter, r *http.Request) {
	f.record(r)
	f.mu.Lock()
	f.opens++
	code, url := f.openError, f.wsURL
	f.mu.Unlock()
	if code != "" {
		fmt.Fprintf(w, `{"ok":false,"error":%q}`, code)
		return
	}
	if url == "" {
		url = slacktest.ServerWSFromContext(r.Context())
	}
	fmt.Fprintf(w, `{"ok":true,"url":%q}`, url)
}

// lookupByEmail knows maija@example.fi (U77) and nobody else.
func (f *fakeSlack) lookupByEmail(w http.ResponseWriter, r *http.Request) {
	c := f.record(r)
	if !strings.EqualFold(c.Form.Get("email"), "maija@example.fi") {
		io.WriteString(w, `{"ok":false,"error":"users_not_found"}`)
		return
	}
	io.WriteString(w, `{"ok":true,"user":{"id":"U77","name":"maija","profile":{"email":"maija@example.fi"}}}`)
}

func (f *fakeSlack) conversationsOpen(w http.ResponseWriter, r *http.Request) {
	c := f.record(r)
	fmt.Fprintf(w, `{"ok":true,"channel":{"id":"D%s"}}`, c.Form.Get("users"))
}

// throttle answers a method with 429 while throttled says so.
func (f *fakeSlack) throttle(method string, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		limited := f.throttled[method] > 0
		if limited {
			f.throttled[method]--
			if f.limitedAt == nil {
				f.limitedAt = map[string][]time.Time{}
			}
			f.limitedAt[method] = append(f.limitedAt[method], time.Now())
		}
		f.mu.Unlock()
		if limited {
			io.Copy(io.Discard, r.Body)
			w.Header().Set("Retry-After", fmt.Sprint(f.retryAfter))
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		h(w, r)
	}
}

func (f *fakeSlack) postMessage(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	limited := f.limit429 > 0
	if limited {
		f.limit429--
		if f.limitedAt == nil {
			f.limitedAt = map[string][]time.Time{}
		}
		f.limitedAt["chat.postMessage"] = append(f.limitedAt["chat.postMessage"], time.Now())
	}
	f.mu.Unlock()
	if limited {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Retry-After", fmt.Sprint(f.retryAfter))
		w.WriteHeader(http.StatusTooManyRequests)
		return
	}
	c := f.record(r)
	ch := c.Form.Get("channel")
	if ch == "CGONE" {
		io.WriteString(w, `{"ok":false,"error":"channel_not_found"}`)
		return
	}
	fmt.Fprintf(w, `{"ok":true,"channel":%q,"ts":"1700000000.%06d"}`, ch, f.seq.Add(1))
}

func (f *fakeSlack) history(w http.ResponseWriter, r *http.Request) {
	c := f.record(r)
	var msgs []string
	for _, p := range f.callsTo("chat.postMessage") {
		if p.Form.Get("channel") == c.Form.Get("channel") && p.Form.Get("metadata") != "" {
			msgs = append(msgs, fmt.Sprintf(`{"type":"message","ts":"9.%d","text":"x","metadata":%s}`, len(msgs), p.Form.Get("metadata")))
		}
	}
	fmt.Fprintf(w, `{"ok":true,"messages":[%s]}`, strings.Join(msgs, ","))
}

// callsTo returns the recorded calls of a method.
func (f *fakeSlack) callsTo(method string) []apiCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []apiCall
	for _, c := range f.calls {
		if c.Method == method {
			out = append(out, c)
		}
	}
	return out
}

// waitCall waits for the n-th (1-based) call of a method.
func (f *fakeSlack) waitCall(method string, n int) apiCall {
	f.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if cs := f.callsTo(method); len(cs) >= n {
			return cs[n-1]
		}
		time.Sleep(2 * time.Millisecond)
	}
	f.t.Fatalf("no call %d of %s; calls: %v", n, method, f.methods())
	return apiCall{}
}

func (f *fakeSlack) methods() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, c := range f.calls {
		out = append(out, c.Method)
	}
	return out
}

// ws is the Socket Mode endpoint: hello, pings every 50 ms, acks read and
// handed to whoever waits for them.
func (f *fakeSlack) ws(w http.ResponseWriter, r *http.Request) {
	up := websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}
	c, err := up.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	defer c.Close()
	f.mu.Lock()
	f.conn = c
	f.conns++
	n := f.conns
	f.mu.Unlock()
	f.wmu.Lock()
	err = c.WriteJSON(map[string]any{"type": "hello", "num_connections": 1})
	f.wmu.Unlock()
	if err != nil {
		return
	}
	f.mu.Lock()
	reason := f.disconnectAtOnce
	f.mu.Unlock()
	if reason != "" {
		f.wmu.Lock()
		c.WriteJSON(map[string]any{"type": "disconnect", "reason": reason})
		f.wmu.Unlock()
		return
	}
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				if c.WriteControl(websocket.PingMessage, nil, time.Now().Add(time.Second)) != nil {
					return
				}
			}
		}
	}()
	f.connected <- n
	for {
		_, msg, err := c.ReadMessage()
		if err != nil {
			return
		}
		at := time.Now()
		var a struct {
			EnvelopeID string          `json:"envelope_id"`
			Payload    json.RawMessage `json:"payload"`
		}
		if json.Unmarshal(msg, &a) != nil {
			continue
		}
		f.mu.Lock()
		ch := f.waiting[a.EnvelopeID]
		f.mu.Unlock()
		if ch != nil {
			ch <- ack{Payload: a.Payload, At: at}
		}
	}
}

// connections returns how many Socket Mode connections were made.
func (f *fakeSlack) connections() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.conns
}

// waitConnected waits for the n-th Socket Mode connection.
func (f *fakeSlack) waitConnected(n int) {
	f.t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case got := <-f.connected:
			if got >= n {
				return
			}
		case <-timeout:
			f.t.Fatalf("no Socket Mode connection %d", n)
		}
	}
}

// drop closes the current socket, as a network failure would.
func (f *fakeSlack) drop() {
	f.mu.Lock()
	c := f.conn
	f.mu.Unlock()
	c.UnderlyingConn().Close()
}

// envelopeOut is an envelope ready to be written.
type envelopeOut struct {
	id  string
	raw []byte
	ch  chan ack
}

// prepare encodes an envelope and registers for its ack.
func (f *fakeSlack) prepare(typ string, payload any) envelopeOut {
	id := fmt.Sprintf("env-%d", f.seq.Add(1))
	raw, err := json.Marshal(payload)
	if err != nil {
		f.t.Fatal(err)
	}
	env, _ := json.Marshal(map[string]any{"type": typ, "envelope_id": id, "payload": json.RawMessage(raw), "accepts_response_payload": typ != "events_api"})
	e := envelopeOut{id: id, raw: env, ch: make(chan ack, 1)}
	f.mu.Lock()
	f.waiting[id] = e.ch
	f.mu.Unlock()
	return e
}

// write sends a prepared envelope and returns when it was sent.
func (f *fakeSlack) write(e envelopeOut) time.Time {
	f.mu.Lock()
	c := f.conn
	f.mu.Unlock()
	f.wmu.Lock()
	defer f.wmu.Unlock()
	sent := time.Now()
	if err := c.WriteMessage(websocket.TextMessage, e.raw); err != nil {
		f.t.Errorf("send envelope: %v", err)
	}
	return sent
}

// send writes an envelope and returns the channel its ack arrives on.
func (f *fakeSlack) send(typ string, payload any) (string, <-chan ack, time.Time) {
	e := f.prepare(typ, payload)
	return e.id, e.ch, f.write(e)
}

// roundTrip sends an envelope and waits for its ack.
func (f *fakeSlack) roundTrip(typ string, payload any) ack {
	f.t.Helper()
	_, ch, sent := f.send(typ, payload)
	select {
	case a := <-ch:
		a.Sent = sent
		if d := a.At.Sub(sent); d > 3*time.Second {
			f.t.Errorf("ack after %v", d)
		}
		return a
	case <-time.After(5 * time.Second):
		f.t.Fatalf("no ack for a %s envelope", typ)
		return ack{}
	}
}

// Payload builders, shaped as Slack sends them.

func (f *fakeSlack) slashCommand(user, channel, text string) map[string]any {
	return map[string]any{"command": "/kipina", "text": text, "user_id": user, "channel_id": channel, "team_id": "T1",
		"trigger_id": "trig-" + user, "response_url": f.url() + "respond/cmd"}
}

func (f *fakeSlack) blockAction(user, channel, ts, actionID, value string) map[string]any {
	return map[string]any{"type": "block_actions", "team": map[string]any{"id": "T1"}, "user": map[string]any{"id": user},
		"channel": map[string]any{"id": channel}, "trigger_id": "trig-a-" + user, "response_url": f.url() + "respond/action",
		"container": map[string]any{"type": "message", "message_ts": ts, "channel_id": channel},
		"actions":   []any{map[string]any{"type": "button", "action_id": actionID, "block_id": "b", "value": value}}}
}

// viewSubmission submits view (as views.open received it) with values by
// block id; a value is a string, or []string for a multi-select.
func viewSubmission(user string, view map[string]any, values map[string]any) map[string]any {
	state := map[string]any{}
	for _, b := range view["blocks"].([]any) {
		blk := b.(map[string]any)
		if blk["type"] != "input" {
			continue
		}
		el := blk["element"].(map[string]any)
		id, typ := blk["block_id"].(string), el["type"].(string)
		v := map[string]any{"type": typ}
		switch x := values[id].(type) {
		case nil:
		case []string:
			var opts []any
			for _, s := range x {
				opts = append(opts, map[string]any{"value": s})
			}
			v["selected_options"] = opts
		case string:
			switch typ {
			case "static_select", "radio_buttons":
				v["selected_option"] = map[string]any{"value": x}
			case "datepicker":
				v["selected_date"] = x
			default:
				v["value"] = x
			}
		}
		state[id] = map[string]any{el["action_id"].(string): v}
	}
	sub := map[string]any{}
	for k, v := range view {
		sub[k] = v
	}
	sub["id"], sub["team_id"], sub["state"] = "V1", "T1", map[string]any{"values": state}
	return map[string]any{"type": "view_submission", "team": map[string]any{"id": "T1"}, "user": map[string]any{"id": user},
		"trigger_id": "trig-s-" + user, "view": sub}
}

// command sends a slash command and returns its reply: the ack's payload
// or, when the ack came empty (a sender whose profile was not cached, a
// command with plain @names), what the bot sent to the command's own
// response_url.
func (f *fakeSlack) command(user, channel, text string) map[string]any {
	f.t.Helper()
	p := f.slashCommand(user, channel, text)
	method := fmt.Sprintf("respond/c%d", f.seq.Add(1))
	p["response_url"] = f.url() + method
	if got := decode(f.t, f.roundTrip("slash_commands", p).Payload); got != nil {
		return got
	}
	return f.waitCall(method, 1).JSON
}
