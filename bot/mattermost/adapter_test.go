package mattermost

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kipina/kipina/bot/chat"
	"github.com/mattermost/mattermost/server/public/model"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newClock() *clock { return &clock{t: time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)} }

func TestRegisterIsIdempotent(t *testing.T) {
	f := newFake()
	a := newTestAdapter(t, f, nil)
	tok := a.byWS["ws1"].cmdToken
	f.commands[0].URL = "http://old.test/x" // an earlier deployment's address
	if err := a.setupOnce(context.Background(), a.conns[0]); err != nil {
		t.Fatal(err)
	}
	if len(f.commands) != 1 || a.byWS["ws1"].cmdToken != tok || f.commands[0].URL != "http://bot.test"+PathCommand {
		t.Fatalf("commands %+v, token %q (was %q)", f.commands, a.byWS["ws1"].cmdToken, tok)
	}
}

func TestNewRefusesBadOptions(t *testing.T) {
	ok := Options{Workspaces: []Workspace{{ID: "a", ServerURL: "http://mm", TeamName: "t", Token: "x"}},
		Listen: ":1", CallbackURL: "http://bot:1", Secret: []byte("0123456789abcdef")}
	for name, mod := range map[string]func(o *Options){
		"short secret": func(o *Options) { o.Secret = []byte("short") },
		"no callback":  func(o *Options) { o.CallbackURL = "" },
		"no token":     func(o *Options) { o.Workspaces[0].Token = "" },
		"same team": func(o *Options) {
			o.Workspaces = append(o.Workspaces, Workspace{ID: "b", ServerURL: "http://mm", TeamName: "T", Token: "x"})
		},
	} {
		o := ok
		o.Workspaces = append([]Workspace(nil), ok.Workspaces...)
		mod(&o)
		if _, err := New(o); err == nil {
			t.Errorf("%s: New accepted it", name)
		}
	}
	if _, err := New(ok); err != nil {
		t.Fatal(err)
	}
}

func commandRequest(token, auth, text string) *http.Request {
	form := url.Values{"token": {token}, "team_id": {"team1"}, "user_id": {"u1"}, "channel_id": {"ch1"},
		"text": {text}, "trigger_id": {"trig"}}
	r := httptest.NewRequest("POST", PathCommand, strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if auth != "" {
		r.Header.Set("Authorization", "Token "+auth)
	}
	return r
}

func serve(h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestCommandToken(t *testing.T) {
	f := newFake()
	a := newTestAdapter(t, f, nil)
	rec := &recorder{resp: chat.Response{Reply: &chat.Message{Text: "hi *there*"}}}
	h := a.Handler(rec)
	tok := a.byWS["ws1"].cmdToken
	for name, r := range map[string]*http.Request{
		"wrong token":  commandRequest("x"+tok[1:], tok, "help"),
		"wrong header": commandRequest(tok, "x"+tok[1:], "help"),
		"no header":    commandRequest(tok, "", "help"),
		"no token":     commandRequest("", "", "help"),
	} {
		if w := serve(h, r); w.Code != http.StatusForbidden {
			t.Errorf("%s: status %d, want 403", name, w.Code)
		}
	}
	if rec.last() != nil {
		t.Fatal("a refused command reached the core")
	}
	w := serve(h, commandRequest(tok, tok, "organiser add @nina, @nobody"))
	var out model.CommandResponse
	if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil || w.Code != 200 {
		t.Fatalf("status %d body %s", w.Code, w.Body)
	}
	if out.Text != "hi **there**" || out.ResponseType != "ephemeral" {
		t.Fatalf("response %+v", out)
	}
	c := rec.last().(*chat.Command)
	want := chat.Command{Origin: chat.Origin{User: chat.UserRef{Platform: Name, Workspace: "ws1", User: "u1"}, Channel: "ch1", Trigger: "trig"},
		Text: "organiser add @u1, @nobody"}
	if *c != want {
		t.Fatalf("event %+v, want %+v", *c, want)
	}
}

func TestFormRoundTrip(t *testing.T) {
	f := newFake()
	clk := newClock()
	a := newTestAdapter(t, f, clk.Now)
	form := &chat.Form{ID: "apply:ev1", Title: "Apply to a very long titled event", Submit: "Send", State: "ev1.x", Fields: []chat.Field{
		{ID: "company", Kind: chat.ShortText, Label: "Company"},
		{ID: "email", Kind: chat.Email, Label: "E-mail"},
		{ID: "summary", Kind: chat.LongText, Label: "Summary", MaxLen: 2000},
		{ID: "target", Kind: chat.SelectOne, Label: "Target", Options: []chat.Option{{Value: "t1", Label: "One"}}},
		{ID: "topics", Kind: chat.SelectMany, Label: "Topics", Options: []chat.Option{{Value: "a", Label: "Alpha"}, {Value: "b", Label: "Beta"}}},
		{ID: "consent", Kind: chat.YesNo, Label: "Consent"},
		{ID: "day", Kind: chat.Date, Label: "Day"},
	}}
	rec := &recorder{resp: chat.Response{Form: form}}
	h := a.Handler(rec)
	tok := a.byWS["ws1"].cmdToken
	if w := serve(h, commandRequest(tok, tok, "apply")); w.Code != 200 {
		t.Fatalf("status %d", w.Code)
	}
	if len(f.dialogs) != 1 {
		t.Fatalf("%d dialogs opened", len(f.dialogs))
	}
	d := f.dialogs[0]
	types := map[string]string{}
	for _, e := range d.Dialog.Elements {
		types[e.Name] = e.Type + "/" + e.SubType
	}
	wantTypes := map[string]string{"company": "text/", "email": "text/email", "summary": "textarea/", "target": "select/",
		"topics": "text/", "consent": "bool/", "day": "text/"}
	for k, v := range wantTypes {
		if types[k] != v {
			t.Errorf("element %s is %s, want %s", k, types[k], v)
		}
	}
	if d.TriggerId != "trig" || d.URL != "http://bot.test"+PathDialog || d.Dialog.CallbackId != form.ID ||
		len([]rune(d.Dialog.Title)) > maxTitle || d.Dialog.State == form.State {
		t.Fatalf("dialog %+v", d)
	}

	submit := func(state, user string, sub map[string]any) *httptest.ResponseRecorder {
		b, _ := json.Marshal(model.SubmitDialogRequest{CallbackId: form.ID, State: state, UserId: user, ChannelId: "ch1", TeamId: "team1", Submission: sub})
		return serve(h, httptest.NewRequest("POST", PathDialog, bytes.NewReader(b)))
	}
	rec.resp = chat.Response{Errors: map[string]string{"email": "not an address"}}
	w := submit(d.Dialog.State, "u1", map[string]any{"company": "Oy", "topics": "alpha, b, gamma", "consent": true, "email": "x"})
	var out model.SubmitDialogResponse
	json.Unmarshal(w.Body.Bytes(), &out)
	if w.Code != 200 || out.Errors["email"] != "not an address" {
		t.Fatalf("status %d errors %v", w.Code, out.Errors)
	}
	fs := rec.last().(*chat.FormSubmit)
	if fs.State != form.State || fs.FormID != form.ID || fs.Values["topics"] != "a,b,gamma" || fs.Values["consent"] != "yes" || fs.User.Workspace != "ws1" {
		t.Fatalf("submission %+v", fs)
	}
	n := len(rec.events)
	for name, w := range map[string]*httptest.ResponseRecorder{
		"tampered state": submit(strings.Replace(d.Dialog.State, "ev1.x", "ev2.x", 1), "u1", nil),
		"other user":     submit(d.Dialog.State, "u2", nil),
		"no state":       submit("", "u1", nil),
	} {
		if w.Code != http.StatusForbidden {
			t.Errorf("%s: status %d, want 403", name, w.Code)
		}
	}
	clk.add(25 * time.Hour)
	if w := submit(d.Dialog.State, "u1", nil); w.Code != http.StatusForbidden {
		t.Errorf("expired: status %d, want 403", w.Code)
	}
	if len(rec.events) != n {
		t.Fatal("a refused submission reached the core")
	}
}

func TestActionSignature(t *testing.T) {
	f := newFake()
	clk := newClock()
	a := newTestAdapter(t, f, clk.Now)
	rec := &recorder{resp: chat.Response{Update: &chat.Message{Text: "done", Controls: []chat.Control{{Kind: chat.Button, ID: "undo:1", Label: "Undo"}}}}}
	h := a.Handler(rec)
	msg := chat.Message{Text: "pick", Controls: []chat.Control{
		{Kind: chat.Button, ID: "apply:ev1", Label: "Apply", Value: "v", Style: "primary"},
		{Kind: chat.Select, ID: "pick:1", Label: "Pick", Options: []chat.Option{{Value: "x", Label: "X"}}},
	}}
	ch1 := model.NewId()
	ref, err := a.Post(context.Background(), chat.Address{Platform: Name, Workspace: "ws1", Channel: ch1}, msg)
	if err != nil {
		t.Fatal(err)
	}
	acts := f.posts[ref.ID].Attachments()[0].Actions
	click := func(ctx map[string]any, channel string) int {
		b, _ := json.Marshal(model.PostActionIntegrationRequest{UserId: "u1", ChannelId: channel, TeamId: "team1", PostId: ref.ID, Context: ctx})
		return serve(h, httptest.NewRequest("POST", PathAction, bytes.NewReader(b))).Code
	}
	copyCtx := func(m map[string]any, k string, v any) map[string]any {
		out := map[string]any{}
		for kk, vv := range m {
			out[kk] = vv
		}
		if k != "" {
			out[k] = v
		}
		return out
	}
	good := acts[0].Integration.Context
	for name, c := range map[string]struct {
		ctx     map[string]any
		channel string
	}{
		"no context":      {nil, ch1},
		"forged id":       {copyCtx(good, ctxAction, "withdraw-yes:1"), ch1},
		"forged value":    {copyCtx(good, ctxValue, "w"), ch1},
		"forged expiry":   {copyCtx(good, ctxExpiry, "zzzzzz"), ch1},
		"no signature":    {copyCtx(good, ctxSig, ""), ch1},
		"other channel":   {good, "ch2"},
		"other workspace": {copyCtx(good, ctxWorkspace, "ws2"), ch1},
	} {
		if code := click(c.ctx, c.channel); code != http.StatusForbidden {
			t.Errorf("%s: status %d, want 403", name, code)
		}
	}
	if len(rec.events) != 0 {
		t.Fatal("a refused click reached the core")
	}
	if code := click(good, ch1); code != 200 {
		t.Fatalf("good click: %d", code)
	}
	if e := rec.last().(*chat.Action); e.ActionID != "apply:ev1" || e.Value != "v" || e.Message != ref {
		t.Fatalf("action %+v", e)
	}
	if code := click(copyCtx(acts[1].Integration.Context, ctxSelected, "x"), ch1); code != 200 {
		t.Fatalf("select: %d", code)
	}
	if e := rec.last().(*chat.Action); e.ActionID != "pick:1" || e.Value != "x" {
		t.Fatalf("select action %+v", e)
	}
	clk.add(61 * 24 * time.Hour)
	if code := click(good, ch1); code != http.StatusForbidden {
		t.Fatalf("expired click: %d, want 403", code)
	}
}

func TestPostUpdateFindAndErrors(t *testing.T) {
	f := newFake()
	a := newTestAdapter(t, f, nil)
	ctx := context.Background()
	to := chat.DM(chat.UserRef{Platform: Name, Workspace: "ws1", User: "u1"})
	if _, found, err := a.FindSent(ctx, to, "0f3a"); err != nil || found {
		t.Fatalf("found before sending (%v)", err)
	}
	ref, err := a.Post(ctx, to, chat.Message{Text: "hello", ID: "0f3a"})
	if err != nil {
		t.Fatal(err)
	}
	got, found, err := a.FindSent(ctx, to, "0f3a")
	if err != nil || !found || got != ref {
		t.Fatalf("FindSent = %v %v %v, want %v", got, found, err, ref)
	}
	if _, found, err := a.FindSent(ctx, to, "9b21"); err != nil || found {
		t.Fatalf("FindSent found an id never sent (%v)", err)
	}
	if err := a.Update(ctx, to, ref, chat.Message{Text: "*new*", ID: "0f3a"}); err != nil || f.posts[ref.ID].Message != "**new**" {
		t.Fatalf("update: %v, message %q", err, f.posts[ref.ID].Message)
	}
	if _, err := a.Post(ctx, chat.Address{Platform: Name, Workspace: "nope", User: "u1"}, chat.Message{}); !errors.Is(err, chat.ErrPermanent) {
		t.Fatalf("unknown workspace: %v", err)
	}
	for status, check := range map[int]func(error) bool{
		429: func(err error) bool {
			var ra *chat.RetryAfterError
			return errors.As(err, &ra) && ra.Wait == 7*time.Second
		},
		404: func(err error) bool { return errors.Is(err, chat.ErrPermanent) },
		403: func(err error) bool { return errors.Is(err, chat.ErrPermanent) },
		503: func(err error) bool { return err != nil && !errors.Is(err, chat.ErrPermanent) },
	} {
		f.failNext = &model.Response{StatusCode: status, Header: http.Header{"Retry-After": {"7"}}}
		channel := chat.Address{Platform: Name, Workspace: "ws1", Channel: model.NewId()}
		if _, err := a.Post(ctx, channel, chat.Message{Text: "x"}); !check(err) {
			t.Errorf("HTTP %d: error %v", status, err)
		}
	}
	// A direct channel just created may refuse a post for a moment.
	f.failNext = &model.Response{StatusCode: http.StatusForbidden}
	if _, err := a.Post(ctx, to, chat.Message{Text: "x"}); err != nil {
		t.Errorf("DM refused once: %v", err)
	}
}

func TestEphemeralFallsBackToDM(t *testing.T) {
	f := newFake()
	a := newTestAdapter(t, f, nil)
	u := chat.UserRef{Platform: Name, Workspace: "ws1", User: "u1"}
	if err := a.PostEphemeral(context.Background(), chat.Address{Platform: Name, Workspace: "ws1", Channel: "town"}, u, chat.Message{Text: "psst"}); err != nil {
		t.Fatal(err)
	}
	if len(f.order) != 1 || !strings.HasPrefix(f.posts[f.order[0]].ChannelId, "dm") {
		t.Fatalf("posts %v", f.order)
	}
}

func TestDirectory(t *testing.T) {
	a := newTestAdapter(t, newFake(), nil)
	p, err := a.Profile(context.Background(), chat.UserRef{Platform: Name, Workspace: "ws1", User: "u1"})
	want := chat.Profile{Name: "Nina N", Email: "nina@x.fi", Locale: "fi", Timezone: "Europe/Helsinki"}
	if err != nil || p != want {
		t.Fatalf("Profile = %+v, %v", p, err)
	}
	u, err := a.LookupEmail(context.Background(), "ws1", "nina@x.fi")
	if err != nil || u.User != "u1" || u.Workspace != "ws1" {
		t.Fatalf("LookupEmail = %+v, %v", u, err)
	}
	if _, err := a.LookupEmail(context.Background(), "ws1", "no@x.fi"); !errors.Is(err, chat.ErrPermanent) {
		t.Fatalf("unknown e-mail: %v", err)
	}
}

func TestMarkdown(t *testing.T) {
	for in, want := range map[string]string{
		"*Kipinä* 2017":                     "**Kipinä** 2017",
		"1. *A* — b\n2. *C*.":               "1. **A** — b\n2. **C**.",
		"2 * 3 * 4":                         "2 * 3 * 4",
		"already **bold** ok":               "already **bold** ok",
		strings.Repeat("x", MaxPostRunes+5): strings.Repeat("x", MaxPostRunes-1) + "…",
	} {
		if got := markdown(in); got != want {
			t.Errorf("markdown(%.30q) = %.30q, want %.30q", in, got, want)
		}
	}
}

// TestRunFailsOnBusyAddress: a busy listen address stops Run before any
// slash command is registered or rewritten.
func TestRunFailsOnBusyAddress(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	f := newFake()
	a, err := New(Options{
		Workspaces: []Workspace{{ID: "ws1", ServerURL: "http://127.0.0.1:1", TeamName: "tre", Token: "t"}},
		Listen:     busy.Addr().String(), CallbackURL: "http://bot.test", Secret: []byte("0123456789abcdef"),
		Log: slog.New(slog.DiscardHandler), newAPI: func(string, string) api { return f },
	})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Run(context.Background(), &recorder{}) }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "listen on "+busy.Addr().String()) {
			t.Fatalf("Run = %v, want a listen error naming the address", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return on a busy address")
	}
	if len(f.commands) != 0 {
		t.Errorf("commands registered before the listen failed: %+v", f.commands)
	}
}

// runAdapter runs an adapter on f with the callback at callback (empty:
// the listen address itself) until the test ends.
func runAdapter(t *testing.T, f *fakeAPI, teamName, callback string) (*Adapter, <-chan error) {
	t.Helper()
	port := freePort(t)
	if callback == "" {
		callback = fmt.Sprintf("http://127.0.0.1:%d", port)
	}
	a, err := New(Options{
		Workspaces: []Workspace{{ID: "ws1", ServerURL: "http://mm.test", TeamName: teamName, Token: "t", TokenEnv: "KIPINA_MM_TOKEN"}},
		Listen:     fmt.Sprintf("127.0.0.1:%d", port), CallbackURL: callback, Secret: []byte("0123456789abcdef"),
		Log: slog.New(slog.DiscardHandler), newAPI: func(string, string) api { return f }, RecheckEvery: 50 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done, ended := make(chan error, 1), make(chan struct{})
	go func() { done <- a.Run(ctx, &recorder{}); close(ended) }()
	t.Cleanup(func() {
		cancel()
		<-ended
	})
	return a, done
}

// waitReachable waits until the self-check has run and returns its
// verdict.
func waitReachable(t *testing.T, a *Adapter) error {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if err := a.Reachable(); !errors.Is(err, errNotChecked) {
			return err
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("the self-check did not run")
	return nil
}

// TestSelfCheck: after registering /kipina the bot runs it through the
// server's API and sees the request arrive; with a callback the server
// cannot reach, Reachable names the setting to fix, and the bot keeps
// running.
func TestSelfCheck(t *testing.T) {
	a, _ := runAdapter(t, newFake(), "tre", "")
	if err := waitReachable(t, a); err != nil {
		t.Errorf("reachable callback: %v", err)
	}

	a, done := runAdapter(t, newFake(), "tre", fmt.Sprintf("http://127.0.0.1:%d", freePort(t)))
	err := waitReachable(t, a)
	if err == nil || !strings.Contains(err.Error(), "AllowedUntrustedInternalConnections") || !strings.Contains(err.Error(), "127.0.0.1") {
		t.Errorf("unreachable callback: %v", err)
	}
	select {
	case err := <-done:
		t.Errorf("Run returned %v on a failed self-check; it should keep running", err)
	default:
	}
}

// TestStartupAdvice: a refused token and a team given by its display name
// stop Run with advice naming what to change, once prefixed.
func TestStartupAdvice(t *testing.T) {
	f := newFake()
	f.refuseToken = true
	_, done := runAdapter(t, f, "tre", "")
	err := <-done
	if err == nil || !strings.Contains(err.Error(), "$KIPINA_MM_TOKEN") || !strings.Contains(err.Error(), "token id") ||
		!strings.Contains(err.Error(), "in the web app: Integrations → Bot Accounts") || strings.Contains(err.Error(), "mattermost:") || strings.Contains(err.Error(), "login again") {
		t.Errorf("refused token: %v", err)
	}

	_, done = runAdapter(t, newFake(), "Tampere", "")
	err = <-done
	if err == nil || !strings.Contains(err.Error(), "display name") || !strings.Contains(err.Error(), "set team: tre") {
		t.Errorf("display name: %v", err)
	}
	_, done = runAdapter(t, newFake(), "espoo", "")
	err = <-done
	if err == nil || !strings.Contains(err.Error(), `member of: tre ("Tampere")`) {
		t.Errorf("unknown team: %v", err)
	}
}

// TestNotReadyUntilTheTeamResolves: before start-up has resolved the team,
// the adapter says it is not ready, and a post to a channel by name fails
// with a not-ready error that is never permanent (it used to go to
// /teams//channels/name/… and fail for good with a 404).
func TestNotReadyUntilTheTeamResolves(t *testing.T) {
	f := newFake()
	a, err := New(Options{
		Workspaces: []Workspace{{ID: "ws1", ServerURL: "http://mm.test", TeamName: "tre", Token: "t"}},
		Listen:     "127.0.0.1:0", CallbackURL: "http://bot.test/", Secret: []byte("0123456789abcdef"),
		newAPI: func(string, string) api { return f }, Log: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if a.Ready("ws1") {
		t.Error("ready before the team was resolved")
	}
	notice := chat.Address{Platform: Name, Workspace: "ws1", Channel: "kipina-organisers"}
	_, err = a.Post(ctx, notice, chat.Message{Text: "H0001"})
	if !errors.Is(err, chat.ErrNotReady) || errors.Is(err, chat.ErrPermanent) {
		t.Errorf("post before the team resolved: %v, want not ready and not permanent", err)
	}
	if err := a.setupOnce(ctx, a.conns[0]); err != nil {
		t.Fatal(err)
	}
	if !a.Ready("ws1") {
		t.Error("not ready after the team was resolved")
	}
	if _, err := a.Post(ctx, notice, chat.Message{Text: "H0001"}); err != nil {
		t.Errorf("post after the team resolved: %v", err)
	}
}

// TestLookupName: a username (with or without "@", any case) is looked up
// with users/username; one nobody has wraps chat.ErrNoSuchUser, and so
// does an e-mail address nobody has. TestOrganisersEndToEnd does the same
// against a real server.
func TestLookupName(t *testing.T) {
	a := newTestAdapter(t, newFake(), nil)
	ctx := context.Background()
	for _, name := range []string{"nina", "@Nina"} {
		if u, err := a.LookupName(ctx, "ws1", name); err != nil || u.User != "u1" || u.Workspace != "ws1" {
			t.Errorf("%s: %+v, %v", name, u, err)
		}
	}
	if _, err := a.LookupName(ctx, "ws1", "ghost"); !errors.Is(err, chat.ErrNoSuchUser) {
		t.Errorf("ghost: %v", err)
	}
	if u, err := a.LookupEmail(ctx, "ws1", "nina@x.fi"); err != nil || u.User != "u1" {
		t.Errorf("nina@x.fi: %+v, %v", u, err)
	}
	if _, err := a.LookupEmail(ctx, "ws1", "ghost@x.fi"); !errors.Is(err, chat.ErrNoSuchUser) {
		t.Errorf("ghost@x.fi: %v", err)
	}
}
