package slack

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/kipina/kipina/bot"
	"github.com/kipina/kipina/bot/call"
	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/configs"
	"github.com/kipina/kipina/storage"
)

// testLog discards logs unless KIPINA_TEST_LOG is set.
func testLog() *slog.Logger {
	if os.Getenv("KIPINA_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// testWorkspace is the Slack workspace of the tests: kipina id "tampere",
// team T1, organiser UORG.
func testWorkspace() Workspace {
	return Workspace{WorkspaceID: "tampere", TeamID: "T1", BotToken: "xoxb-test", AppToken: "xapp-test"}
}

// newAdapter builds an adapter against the fake and checks its tokens.
func newAdapter(t testing.TB, f *fakeSlack, mod func(*Options)) *Adapter {
	t.Helper()
	o := Options{Workspaces: []Workspace{testWorkspace()}, APIURL: f.url(), Log: testLog()}
	if mod != nil {
		mod(&o)
	}
	a, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
	return a
}

// newCore builds the real core on a store in t.TempDir() with the Slack
// workspace appended to the default configuration; clock may be nil.
func newCore(t testing.TB, a *Adapter, clock bot.Clock, modules ...bot.Module) *bot.Bot {
	t.Helper()
	cfg := configs.Default()
	cfg.Workspaces = append(cfg.Workspaces, configs.Workspace{
		ID: "tampere", Name: "Tampere", Platform: "slack", Organisers: []string{"UORG"},
		PrivacyURL: "https://www.tampere.fi/tietosuoja",
		Slack:      &configs.SlackSettings{TeamID: "T1", BotTokenEnv: "KIPINA_SLACK_BOT_TOKEN", AppTokenEnv: "KIPINA_SLACK_APP_TOKEN"},
	})
	db, err := storage.Open(filepath.Join(t.TempDir(), "kipina.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	b, err := bot.New(bot.Options{Config: cfg, DB: db, Clock: clock, Log: testLog(), Platforms: []chat.Platform{a}}, modules...)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// run runs the adapter until the test ends.
func run(t testing.TB, a *Adapter, h chat.Handler) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx, h) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil && err != context.Canceled {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Errorf("Run did not return")
		}
	})
}

// startBot runs the adapter with the real core and the application flow
// against the fake, connected.
func startBot(t testing.TB, f *fakeSlack, mod func(*Options)) (*Adapter, *bot.Bot) {
	t.Helper()
	a := newAdapter(t, f, mod)
	b := newCore(t, a, nil, call.Module{})
	n := f.connections()
	run(t, a, b)
	f.waitConnected(n + 1)
	return a, b
}

// businessID returns the n-th valid Finnish business ID from 1000000.
func businessID(t testing.TB, n int) string {
	t.Helper()
	for base := 1000000; base < 9999999; base++ {
		for check := 0; check <= 9; check++ {
			id := fmt.Sprintf("%07d-%d", base, check)
			if _, err := call.ParseBusinessID(id); err == nil {
				if n == 0 {
					return id
				}
				n--
			}
		}
	}
	t.Fatal("no business id")
	return ""
}

// decode unmarshals an ack payload.
func decode(t testing.TB, raw json.RawMessage) map[string]any {
	t.Helper()
	var m map[string]any
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatalf("payload %s: %v", raw, err)
		}
	}
	return m
}

// viewOf returns the view of a views.open call.
func viewOf(t testing.TB, c apiCall) map[string]any {
	t.Helper()
	v, ok := c.JSON["view"].(map[string]any)
	if !ok {
		t.Fatalf("views.open without a view: %v", c.JSON)
	}
	return v
}

// firstOption returns the first option value of a select block.
func firstOption(t testing.TB, view map[string]any, blockID string) string {
	t.Helper()
	for _, b := range view["blocks"].([]any) {
		blk := b.(map[string]any)
		if blk["block_id"] == blockID {
			opts := blk["element"].(map[string]any)["options"].([]any)
			return opts[0].(map[string]any)["value"].(string)
		}
	}
	t.Fatalf("no block %s", blockID)
	return ""
}

// application is a complete, valid set of answers to the application form.
func application(t testing.TB, view map[string]any, bid string) map[string]any {
	return map[string]any{
		"company": "Oy Testi Ab", "business_id": bid, "contact_name": "Maija Meikäläinen", "email": "maija@example.fi",
		"target": firstOption(t, view, "target"), "summary": "Parempi pyöräparkki.", "maturity": "prototype",
		"lang": "fi", "secrets": "no", "consent": "yes",
	}
}

// known has the adapter read the profiles of users over the wire, as it
// would after their first request: their envelopes are then answered in
// the ack.
func known(t testing.TB, a *Adapter, users ...string) {
	t.Helper()
	for _, u := range users {
		if _, err := a.Profile(context.Background(), chat.UserRef{Platform: "slack", Workspace: "tampere", User: u}); err != nil {
			t.Fatal(err)
		}
	}
}
