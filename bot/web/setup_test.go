package web_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kipina/kipina/bot"
	"github.com/kipina/kipina/bot/bottest"
	"github.com/kipina/kipina/bot/call"
	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/bot/email"
	"github.com/kipina/kipina/bot/round"
	"github.com/kipina/kipina/bot/shell"
	"github.com/kipina/kipina/bot/web"
	"github.com/kipina/kipina/configs"
	"github.com/kipina/kipina/storage"
	"github.com/kipina/kipina/testtools/smtptest"
)

// env is a real core (bot.New with the call module) with the web/e-mail
// adapter on a loopback port, sending to a recording SMTP server.
type env struct {
	Base  string // http://127.0.0.1:PORT
	Bot   *bot.Bot
	DB    *storage.DB
	Web   *web.Adapter
	SMTP  *smtptest.Server
	Clock *bottest.Clock
	WS    string
	Event string
	// Org types as the organiser nina in the workspace's terminal (the
	// workspace's chat platform is the shell); Transcript is what it
	// printed.
	Org        *io.PipeWriter
	transcript *lockedBuffer
}

// lockedBuffer is the organiser's terminal output.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// Transcript is the organiser's terminal so far.
func (e *env) Transcript() string {
	e.transcript.mu.Lock()
	defer e.transcript.mu.Unlock()
	return e.transcript.b.String()
}

// Type types lines in the organiser's terminal and waits until the
// transcript contains want (at most 30 s: a bound on a hang, not a
// timing assertion).
func (e *env) Type(t *testing.T, lines, want string) string {
	t.Helper()
	if _, err := io.WriteString(e.Org, lines); err != nil {
		t.Fatal(err)
	}
	return e.WaitFor(t, want)
}

// WaitFor waits until the organiser's transcript contains want.
func (e *env) WaitFor(t *testing.T, want string) string {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if out := e.Transcript(); strings.Contains(out, want) {
			return out
		}
	}
	t.Fatalf("organiser's terminal lacks %q:\n%s", want, e.Transcript())
	return ""
}

// start runs the bot until the test ends, with the demo event's call open.
func start(t *testing.T, modules ...bot.Module) *env {
	t.Helper()
	srv := smtptest.Start(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	e := &env{Base: "http://" + l.Addr().String(), SMTP: srv, Clock: bottest.NewClock(bottest.Start)}
	cfg := configs.Default()
	cfg.Workspaces[0].Web = true
	cfg.Web = &configs.WebSettings{Listen: l.Addr().String(), BaseURL: e.Base}
	cfg.Email = &configs.SMTPSettings{Host: srv.Host, Port: srv.Port, From: "Kipinä <kipina@tampere.example>", UsernameEnv: "U", PasswordEnv: "P"}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	e.WS, e.Event = cfg.Workspaces[0].ID, cfg.DemoEvent.ID
	if e.DB, err = storage.Open(filepath.Join(t.TempDir(), "kipina.db")); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := e.DB.Check(); err != nil {
			t.Errorf("store consistency: %v", err)
		}
		e.DB.Close()
	})
	env := map[string]string{"U": smtptest.User, "P": smtptest.Password}
	snd, err := email.New(*cfg.Email, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelInfo}))
	}
	e.Web, err = web.New(web.Options{Config: cfg, DB: e.DB, Now: e.Clock.Now, Log: log, Calls: web.RoundCalls{Config: cfg, DB: e.DB, Now: e.Clock.Now},
		Mailer: snd.WithTLSConfig(srv.ClientTLS), Listener: l})
	if err != nil {
		t.Fatal(err)
	}
	// The organisers work in the workspace's chat: a terminal fed through
	// a pipe.
	in, org := io.Pipe()
	e.Org, e.transcript = org, &lockedBuffer{}
	sh := shell.New(in, e.transcript, e.WS, "nina")
	sh.Echo = true
	e.Bot, err = bot.New(bot.Options{Config: cfg, DB: e.DB, Clock: e.Clock, Log: log, Platforms: []chat.Platform{e.Web, sh}, DataDir: t.TempDir()},
		append([]bot.Module{call.Module{}}, modules...)...)
	if err != nil {
		t.Fatal(err)
	}
	sh.T = func(u chat.UserRef, id string, kv ...any) string { return e.Bot.Cat.T("fi", id, kv...) }
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.Bot.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		org.Close()
		if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("bot: %v", err)
		}
	})
	// The organiser opens the call (what /kipina call open does to the
	// record).
	err = e.DB.Update(func(tx *storage.Tx) error {
		ev, err := round.LoadEvent(tx, e.WS, e.Event)
		if err != nil {
			return err
		}
		ev.CallOpen = true
		return round.Events.Put(tx, e.WS, ev.ID, ev)
	})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(string(p))
	return len(p), nil
}

// checkStored reads the application from the store: it is owned by the
// e-mail identity of addr.
func checkStored(t *testing.T, e *env, id, addr string) {
	t.Helper()
	var a round.Application
	err := e.DB.View(func(tx *storage.Tx) (err error) { a, err = round.LoadApp(tx, e.WS, id); return })
	if err != nil {
		t.Fatalf("application %s: %v", id, err)
	}
	want := chat.UserRef{Platform: "email", Workspace: e.WS, User: addr}
	if a.Owner != want || a.BusinessID != "1572860-0" || a.State != round.Submitted {
		t.Errorf("stored %+v", a)
	}
}

// moduleFunc adapts a function to bot.Module.
type moduleFunc func(reg *bot.Registry, env *bot.Env) error

func (f moduleFunc) Register(reg *bot.Registry, env *bot.Env) error { return f(reg, env) }
