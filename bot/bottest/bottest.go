// Package bottest runs the bot in tests: a real store in a temporary
// directory, the shell adapter wired to a buffer, and a fake clock, so a
// test plays a whole conversation as several users and reads the
// transcript.
package bottest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kipina/kipina/bot"
	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/bot/shell"
	"github.com/kipina/kipina/configs"
	"github.com/kipina/kipina/storage"
)

// Clock is a fake clock that moves only when told.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock at t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

// Advance moves the clock forward.
func (c *Clock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

// Harness is a bot driven through the shell adapter.
type Harness struct {
	T      testing.TB
	Bot    *bot.Bot
	DB     *storage.DB
	Clock  *Clock
	Shell  *shell.Adapter
	Config *configs.Config
	Dir    string
	out    bytes.Buffer
	logs   bytes.Buffer
	mu     sync.Mutex
}

// Logs returns what the bot logged so far, as JSON lines (level Info and
// above).
func (h *Harness) Logs() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.logs.String()
}

// Start is the default start time of harnesses: a Monday morning in
// Helsinki, 2027-01-11 09:00.
var Start = time.Date(2027, 1, 11, 9, 0, 0, 0, time.FixedZone("EET", 2*3600))

// New starts a bot on the default configuration with the given modules,
// acting first as nina (an organiser of the demo workspace).
func New(t testing.TB, modules ...bot.Module) *Harness {
	return NewWith(t, configs.Default(), modules...)
}

// NewWith is New with a configuration.
func NewWith(t testing.TB, cfg *configs.Config, modules ...bot.Module) *Harness {
	t.Helper()
	return newHarness(t, cfg, false, modules...)
}

// NewNoFiles is NewWith on a platform that takes no files: the bot sees
// the shell adapter without chat.FileUploader (nor its other optional
// capabilities), as a platform whose adapter cannot upload.
func NewNoFiles(t testing.TB, cfg *configs.Config, modules ...bot.Module) *Harness {
	t.Helper()
	return newHarness(t, cfg, true, modules...)
}

// noFiles is a platform with only chat.Platform's methods.
type noFiles struct{ chat.Platform }

func newHarness(t testing.TB, cfg *configs.Config, withoutFiles bool, modules ...bot.Module) *Harness {
	t.Helper()
	h := &Harness{T: t, Clock: NewClock(Start), Config: cfg, Dir: t.TempDir()}
	db, err := storage.Open(filepath.Join(h.Dir, "kipina.db"))
	if err != nil {
		t.Fatal(err)
	}
	h.DB = db
	t.Cleanup(func() {
		if err := db.Check(); err != nil {
			t.Errorf("store consistency: %v", err)
		}
		if err := db.Close(); err != nil {
			t.Errorf("close the store: %v", err)
		}
	})
	h.Shell = shell.New(nil, &syncWriter{h: h}, cfg.Workspaces[0].ID, "nina")
	h.Shell.Echo = true
	h.Shell.Advance = func(d time.Duration) { h.Clock.Advance(d) }
	h.Shell.FileDir = filepath.Join(h.Dir, "files")
	var sink io.Writer = &logWriter{h: h}
	if testing.Verbose() {
		sink = io.MultiWriter(sink, testWriter{t})
	}
	log := slog.New(slog.NewJSONHandler(sink, &slog.HandlerOptions{Level: slog.LevelInfo}))
	var p chat.Platform = h.Shell
	if withoutFiles {
		p = noFiles{h.Shell}
	}
	b, err := bot.New(bot.Options{Config: cfg, DB: db, Clock: h.Clock, Log: log, Platforms: []chat.Platform{p}, DataDir: h.Dir}, modules...)
	if err != nil {
		t.Fatal(err)
	}
	h.Bot = b
	h.Shell.T = func(u chat.UserRef, id string, kv ...any) string {
		lang := b.Config.Defaults.Language
		if err := db.View(func(tx *storage.Tx) error { lang = b.LangOf(tx, u); return nil }); err != nil {
			t.Errorf("language of %s: %v", u, err)
		}
		return b.Cat.T(lang, id, kv...)
	}
	h.Shell.AfterLine = b.Tick
	return h
}

// Run types the lines of script (as the current user; ":as NAME" switches)
// and returns what the conversation printed.
func (h *Harness) Run(script string) string {
	h.T.Helper()
	h.mu.Lock()
	h.out.Reset()
	h.mu.Unlock()
	if err := h.Shell.Script(context.Background(), h.Bot, script); err != nil {
		h.T.Fatal(err)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.out.String()
}

// Tick moves the clock, runs what fell due and delivers the outbox, and
// returns what that printed.
func (h *Harness) Tick(d time.Duration) string {
	h.mu.Lock()
	h.out.Reset()
	h.mu.Unlock()
	h.Clock.Advance(d)
	h.Bot.Tick(context.Background())
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.out.String()
}

type syncWriter struct{ h *Harness }

func (w *syncWriter) Write(p []byte) (int, error) {
	w.h.mu.Lock()
	defer w.h.mu.Unlock()
	return w.h.out.Write(p)
}

type testWriter struct{ t testing.TB }

// logWriter keeps the bot's log in the harness.
type logWriter struct{ h *Harness }

func (w *logWriter) Write(p []byte) (int, error) {
	w.h.mu.Lock()
	defer w.h.mu.Unlock()
	return w.h.logs.Write(p)
}

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(string(bytes.TrimRight(p, "\n")))
	return len(p), nil
}

// Button returns the number of the last button labelled label in a
// transcript, to press it with the next Run.
func Button(t testing.TB, out, label string) string {
	t.Helper()
	m := regexp.MustCompile(`\[(\d+)\] `+regexp.QuoteMeta(label)).FindAllStringSubmatch(out, -1)
	if len(m) == 0 {
		t.Fatalf("no button %q in:\n%s", label, out)
	}
	return m[len(m)-1][1]
}

// Must reports each wanted text missing from a transcript.
func Must(t testing.TB, out string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q:\n%s", w, out)
		}
	}
}

// MustNot reports each unwanted text present in a transcript.
func MustNot(t testing.TB, out string, not ...string) {
	t.Helper()
	for _, w := range not {
		if strings.Contains(out, w) {
			t.Errorf("output has %q:\n%s", w, out)
		}
	}
}

// Posted returns what the last message posted under header ("── @anna",
// "── #kipina-organisers") says, up to the next message header.
func Posted(t testing.TB, out, header string) string {
	t.Helper()
	i := strings.LastIndex(out, header+"\n")
	if i < 0 {
		t.Fatalf("nothing posted to %s in:\n%s", header, out)
	}
	rest := out[i+len(header)+1:]
	if j := strings.Index(rest, "\n── "); j >= 0 {
		rest = rest[:j]
	}
	return rest
}

// AllPosted returns every message posted or updated under header, joined:
// what one recipient read in a transcript. An update of a message shows as
// header + " (~ref)".
func AllPosted(out, header string) string {
	var parts []string
	in := false
	for _, line := range strings.Split(out, "\n") {
		switch {
		case line == header || strings.HasPrefix(line, header+" (~"):
			in = true
		case strings.HasPrefix(line, "── "), strings.HasSuffix(strings.TrimSpace(line), ">") && !strings.HasPrefix(line, " "):
			in = false
		case in:
			parts = append(parts, line)
		}
	}
	return strings.Join(parts, "\n")
}

// BusinessID returns the n-th of a sequence of distinct valid Finnish
// business IDs (check digit included), for tests that need many companies.
func BusinessID(n int) string {
	for body := 1000000 + n*3; ; body++ {
		sum := 0
		for i, w := range [7]int{7, 9, 10, 5, 8, 4, 2} {
			sum += int(fmt.Sprintf("%07d", body)[i]-'0') * w
		}
		switch r := sum % 11; r {
		case 0:
			return fmt.Sprintf("%07d-0", body)
		case 1: // no valid ID has remainder 1
		default:
			return fmt.Sprintf("%07d-%d", body, 11-r)
		}
	}
}

// User is the shell user name of the demo workspace.
func User(name string) chat.UserRef {
	return chat.UserRef{Platform: "shell", Workspace: "demo", User: name}
}

// OpenCall opens event's call as the current user: /kipina call open shows
// the post as a preview with a button, and the button posts it. It returns
// what the button printed (the call as posted, with its Apply button).
func (h *Harness) OpenCall(event string) string {
	h.T.Helper()
	out := h.Run("/kipina call open " + event + "\n")
	for _, lang := range []string{"fi", "en", "sv"} { // the button is in the organiser's language
		if label := h.Bot.Cat.T(lang, "call.post.button"); strings.Contains(out, "] "+label) {
			return h.Run(Button(h.T, out, label) + "\n")
		}
	}
	h.T.Fatalf("no button to post the call in:\n%s", out)
	return ""
}
