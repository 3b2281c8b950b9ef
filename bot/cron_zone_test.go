package bot_test

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/kipina/kipina/bot"
	"github.com/kipina/kipina/configs"
	"github.com/kipina/kipina/storage"
)

// cronModule registers one cron job and records when it ran, per workspace.
type cronModule struct {
	mu    sync.Mutex
	fired map[string][]time.Time
}

func (c *cronModule) Register(reg *bot.Registry, _ *bot.Env) error {
	return reg.Cron("digest", "0 8 * * *", func(_ context.Context, ws *bot.Workspace) {
		c.mu.Lock()
		defer c.mu.Unlock()
		c.fired[ws.ID] = append(c.fired[ws.ID], time.Now().In(ws.Loc))
	})
}

// TestCronRunsInEachWorkspaceZone: a daily 08:00 job runs at 08:00 in each
// workspace's own zone — New York's workspace at 08:00 New York time, not
// the default zone's — and not on the workspace's days off (the first week
// of 2000: New Year's Day and the weekend, and Epiphany on Thursday).
func TestCronRunsInEachWorkspaceZone(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := configs.Default()
		ny := cfg.Workspaces[0]
		ny.ID, ny.Timezone = "ny", "America/New_York"
		cfg.Workspaces = append(cfg.Workspaces, ny)
		db, err := storage.Open(filepath.Join(t.TempDir(), "k.db"))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		m := &cronModule{fired: map[string][]time.Time{}}
		b, err := bot.New(bot.Options{Config: cfg, DB: db, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}, m)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error)
		go func() { done <- b.Sched.Run(ctx) }()
		time.Sleep(7 * 24 * time.Hour) // the bubble starts on Saturday 1.1.2000 at midnight UTC
		cancel()
		<-done
		m.mu.Lock()
		defer m.mu.Unlock()
		for _, ws := range []string{"demo", "ny"} {
			got := m.fired[ws]
			var days []int
			for _, f := range got {
				if f.Hour() != 8 || f.Minute() != 0 {
					t.Errorf("%s: ran at %v, want 08:00 local", ws, f)
				}
				days = append(days, f.Day())
			}
			if want := []int{3, 4, 5, 7}; len(days) != len(want) || days[0] != 3 || days[1] != 4 || days[2] != 5 || days[3] != 7 {
				t.Errorf("%s: ran on days %v, want %v", ws, days, want)
			}
		}
		if d, n := m.fired["demo"][0], m.fired["ny"][0]; n.Sub(d) != 7*time.Hour {
			t.Errorf("New York ran %v after Helsinki, want 7h", n.Sub(d))
		}
	})
}
