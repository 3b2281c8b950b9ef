package ops

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/bot/outbox"
	"github.com/kipina/kipina/bot/schedule"
	"github.com/kipina/kipina/bot/shell"
	"github.com/kipina/kipina/storage"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// refusing is a platform that refuses every message for good and is not
// connected: the failure paths of delivery and readiness.
type refusing struct{ ready bool }

func (refusing) Name() string                                  { return "refusing" }
func (refusing) Run(ctx context.Context, _ chat.Handler) error { <-ctx.Done(); return ctx.Err() }
func (refusing) Post(context.Context, chat.Address, chat.Message) (chat.MessageRef, error) {
	return chat.MessageRef{}, fmt.Errorf("%w: channel_not_found", chat.ErrPermanent)
}
func (refusing) Update(context.Context, chat.Address, chat.MessageRef, chat.Message) error {
	return chat.ErrPermanent
}
func (r refusing) Connected() bool { return r.ready }

type rig struct {
	t     *testing.T
	db    *storage.DB
	clock *clock
	out   *bytes.Buffer
	w     *outbox.Worker
	m     *Metrics
	srv   *Server
}

func newRig(t *testing.T, platforms ...chat.Platform) *rig {
	db, err := storage.Open(filepath.Join(t.TempDir(), "kipina.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	c := &clock{t: time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)}
	db.Now = c.Now
	r := &rig{t: t, db: db, clock: c, out: &bytes.Buffer{}}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	r.m = NewMetrics()
	r.m.WatchStore(db, c.Now)
	r.w = outbox.NewWorker(db, c.Now, log)
	r.w.Observer = r.m
	sh := shell.New(strings.NewReader(""), r.out, "demo", "nina")
	r.w.Register(sh, outbox.Limit{})
	checks := []Check{StoreCheck(db), PlatformCheck(sh), OutboxCheck(db, c.Now, 15*time.Minute)}
	for _, p := range platforms {
		r.w.Register(p, outbox.Limit{})
		checks = append(checks, PlatformCheck(p))
	}
	r.srv, err = Serve("127.0.0.1:0", Handler(r.m, checks), log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.srv.Close() })
	return r
}

func (r *rig) get(path string) (int, string) {
	r.t.Helper()
	resp, err := http.Get("http://" + r.srv.Addr + path)
	if err != nil {
		r.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		r.t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// metric returns the value of the sample whose name and labels start with
// series in a scrape of /metrics, and whether there is one.
func (r *rig) metric(series string) (float64, bool) {
	r.t.Helper()
	code, body := r.get("/metrics")
	if code != 200 {
		r.t.Fatalf("/metrics: %d", code)
	}
	for _, l := range strings.Split(body, "\n") {
		if strings.HasPrefix(l, series+" ") || (strings.HasPrefix(l, series) && strings.Contains(series, "{")) {
			f := strings.Fields(l)
			v, err := strconv.ParseFloat(f[len(f)-1], 64)
			if err != nil {
				r.t.Fatalf("%s: %v", l, err)
			}
			return v, true
		}
	}
	return 0, false
}

func (r *rig) want(series string, v float64) {
	r.t.Helper()
	got, ok := r.metric(series)
	if !ok || got != v {
		r.t.Errorf("%s = %v (present %v), want %v", series, got, ok, v)
	}
}

func (r *rig) enqueue(key string, to chat.Address) {
	r.t.Helper()
	if err := r.db.Update(func(tx *storage.Tx) error {
		_, err := outbox.Enqueue(tx, outbox.NewKey(to.Workspace, key), to, chat.Message{Text: "hello " + key})
		return err
	}); err != nil {
		r.t.Fatal(err)
	}
}

var dm = chat.Address{Platform: "shell", Workspace: "demo", User: "nina"}

// TestMetricsMoveOnDelivery: queued messages show as queued, and once the
// worker delivers them as delivered attempts with their latency; a refused
// message counts as failed with its error class.
func TestMetricsMoveOnDelivery(t *testing.T) {
	r := newRig(t, refusing{ready: true})
	for i := range 3 {
		r.enqueue(fmt.Sprint("m", i), dm)
	}
	r.enqueue("bad", chat.Address{Platform: "refusing", Workspace: "demo", Channel: "gone"})
	r.want(`kipina_outbox_queued{platform="shell"}`, 3)
	r.want(`kipina_outbox_queued{platform="refusing"}`, 1)
	r.clock.Advance(2 * time.Second)
	n, err := r.w.Deliver(context.Background())
	if err != nil || n != 3 {
		t.Fatalf("delivered %d, %v", n, err)
	}
	if !strings.Contains(r.out.String(), "hello m2") {
		t.Fatalf("shell output: %q", r.out.String())
	}
	r.want(`kipina_outbox_attempts_total{error_class="none",outcome="delivered",platform="shell"}`, 3)
	r.want(`kipina_outbox_attempts_total{error_class="permanent",outcome="failed",platform="refusing"}`, 1)
	r.want(`kipina_outbox_delivery_seconds_count{platform="shell"}`, 3)
	r.want(`kipina_outbox_delivery_seconds_sum{platform="shell"}`, 6) // 3 × 2 s on the fake clock
	r.want(`kipina_outbox_in_flight{platform="shell"}`, 0)
	if _, ok := r.metric(`kipina_outbox_queued{platform="shell"}`); ok {
		t.Error("shell messages still queued")
	}
	if v, ok := r.metric("kipina_store_bytes"); !ok || v <= 0 {
		t.Errorf("store bytes %v %v", v, ok)
	}
	r.want("kipina_store_scrape_error", 0)
}

// TestDueItemsAndHandlerMetrics: stored due items count as pending and, once
// late, as overdue; events through the Gate are timed by kind.
func TestDueItemsAndHandlerMetrics(t *testing.T) {
	r := newRig(t)
	err := r.db.Update(func(tx *storage.Tx) error {
		for i, d := range []time.Duration{-time.Hour, time.Minute, 24 * time.Hour} {
			if err := schedule.Add(tx, schedule.Item{Key: fmt.Sprint("k", i), Kind: "remind", Due: r.clock.Now().Add(d)}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	r.want("kipina_due_items", 3)
	r.want("kipina_due_items_overdue", 1)
	r.clock.Advance(10 * time.Minute)
	r.want("kipina_due_items_overdue", 2)

	g := &Gate{Next: chat.HandlerFunc(func(context.Context, chat.Event) chat.Response { return chat.Response{} }), Metrics: r.m}
	for range 2 {
		g.Handle(context.Background(), &chat.Command{Text: "status"})
	}
	g.Handle(context.Background(), &chat.Action{ActionID: "x"})
	if !g.Drain(context.Background()) {
		t.Fatal("drain")
	}
	if resp := g.Handle(context.Background(), &chat.Command{Text: "late"}); resp.Reply != nil {
		t.Fatal("a closed gate ran an event")
	}
	r.want(`kipina_handler_seconds_count{kind="command"}`, 2)
	r.want(`kipina_handler_seconds_count{kind="action"}`, 1)
	r.m.SlackAck(300 * time.Millisecond)
	r.m.Reconnected("slack")()
	r.want("kipina_slack_ack_seconds_count", 1)
	r.want(`kipina_platform_reconnects_total{platform="slack"}`, 1)
}

// TestHealthAndReadiness: /healthz always answers; /readyz fails while a
// platform is not connected, when a message has been due too long, and
// when the store is closed.
func TestHealthAndReadiness(t *testing.T) {
	r := newRig(t)
	if code, body := r.get("/healthz"); code != 200 || body != "ok\n" {
		t.Fatalf("/healthz %d %q", code, body)
	}
	ready := func() (int, map[string]string) {
		code, body := r.get("/readyz")
		var m map[string]string
		if err := json.Unmarshal([]byte(body), &m); err != nil {
			t.Fatalf("/readyz body %q: %v", body, err)
		}
		return code, m
	}
	if code, m := ready(); code != 200 || m["store"] != "ok" || m["outbox"] != "ok" || m["platform shell"] != "ok" {
		t.Fatalf("/readyz %d %v", code, m)
	}
	// A message to a platform that is not running waits; past 15 minutes
	// the outbox is stuck.
	r.enqueue("waits", chat.Address{Platform: "slack", Workspace: "w", User: "u"})
	r.clock.Advance(10 * time.Minute)
	if code, _ := ready(); code != 200 {
		t.Fatalf("ready at 10 min: %d", code)
	}
	r.clock.Advance(10 * time.Minute)
	if code, m := ready(); code != 503 || !strings.Contains(m["outbox"], "20m0s") {
		t.Fatalf("stuck outbox: %d %v", code, m)
	}
	if v, _ := r.metric("kipina_outbox_oldest_overdue_seconds"); v != 1200 {
		t.Errorf("oldest overdue %v s", v)
	}

	r2 := newRig(t, refusing{ready: false})
	code, body := r2.get("/readyz")
	if code != 503 || !strings.Contains(body, `"platform refusing":"not connected"`) {
		t.Fatalf("not connected: %d %s", code, body)
	}
	r2.db.Close()
	if code, body := r2.get("/readyz"); code != 503 || !strings.Contains(body, `"store":"database not open"`) {
		t.Fatalf("closed store: %d %s", code, body)
	}
	if code, _ := r2.get("/healthz"); code != 200 {
		t.Fatalf("healthz with a closed store: %d", code)
	}
}

// TestLoggerRedactsAndChangesLevel: JSON lines, secrets under secret-ish
// keys redacted, and the level follows the LevelVar.
func TestLoggerRedactsAndChangesLevel(t *testing.T) {
	var buf bytes.Buffer
	var lv slog.LevelVar
	log := NewLogger(&buf, "json", &lv)
	log.Debug("hidden")
	log.Info("start", "bot_token", "xoxb-123", "workspace", "tampere")
	if ToggleDebug(&lv, slog.LevelInfo) != slog.LevelDebug {
		t.Fatal("not debug")
	}
	log.Debug("shown")
	ToggleDebug(&lv, slog.LevelInfo)
	log.Debug("hidden again")
	out := buf.String()
	if strings.Contains(out, "hidden") || !strings.Contains(out, `"msg":"shown"`) {
		t.Fatalf("levels: %s", out)
	}
	if strings.Contains(out, "xoxb-123") || !strings.Contains(out, `"bot_token":"[redacted]"`) || !strings.Contains(out, `"workspace":"tampere"`) {
		t.Fatalf("redaction: %s", out)
	}
}
