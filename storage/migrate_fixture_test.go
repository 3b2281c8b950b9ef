package storage_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/kipina/kipina/bot"
	"github.com/kipina/kipina/bot/call"
	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/bot/outbox"
	"github.com/kipina/kipina/bot/round"
	"github.com/kipina/kipina/bot/routing"
	"github.com/kipina/kipina/configs"
	"github.com/kipina/kipina/storage"
	bolt "go.etcd.io/bbolt"
)

// fixture is testdata/schema1-2aa25dc.db: a store written by kipina at
// commit 2aa25dc (schema 1, before the indexes and pruning), by the bot
// itself — the call opened through its preview, seven applications
// submitted and routed, a digest, and the outbox delivered by the worker:
// four applications' messages on 2027-01-11, two more on 2027-01-21
// (ten days later), the messages to u3 failed (a permanent error) and the
// last application's messages still pending. testdata/schema1-2aa25dc.json
// holds what the views answered on it then, at "now". The generator is
// testdata/gen/fixture_gen_test.go.txt (run in a checkout of 2aa25dc as
// bot/routing/fixture_gen_test.go with KIPINA_FIXTURE=out.db).
const fixture = "testdata/schema1-2aa25dc"

type rawItem struct {
	Key   string `json:"key"`
	State string `json:"state"`
	To    struct {
		User string `json:"user"`
	} `json:"to"`
	NextAt time.Time `json:"next_at"`
	Msg    struct {
		Text string `json:"text"`
	} `json:"msg"`
}

// rawOutbox reads the outbox of a store file as written, without kipina.
func rawOutbox(t *testing.T, path string) map[string]rawItem {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	out := map[string]rawItem{}
	err = db.View(func(tx *bolt.Tx) error {
		return tx.Bucket([]byte("sys")).Bucket([]byte("outbox")).ForEach(func(_, v []byte) error {
			var it rawItem
			if err := json.Unmarshal(v, &it); err != nil {
				return err
			}
			out[it.Key] = it
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// countingPlatform counts what the worker posts, per message id.
type countingPlatform struct {
	mu    sync.Mutex
	posts map[string]int
}

func (p *countingPlatform) Name() string                                  { return "shell" }
func (p *countingPlatform) Run(ctx context.Context, _ chat.Handler) error { <-ctx.Done(); return nil }
func (p *countingPlatform) Update(context.Context, chat.Address, chat.MessageRef, chat.Message) error {
	return nil
}
func (p *countingPlatform) Post(_ context.Context, to chat.Address, m chat.Message) (chat.MessageRef, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.posts[m.ID]++
	return chat.MessageRef{Channel: "D" + to.User, ID: fmt.Sprint("new", len(p.posts))}, nil
}

type fixedClock time.Time

func (c fixedClock) Now() time.Time { return time.Time(c) }

// TestMigrationOfStoreWrittenBefore opens a copy of a store written by the
// code before the upgrade with a retention of five days: the migrations
// build the indexes and compact the messages delivered more than five days
// before to receipts, leave the recent, failed and pending ones as they
// were, send nothing twice, and the views answer what they answered
// before the upgrade.
func TestMigrationOfStoreWrittenBefore(t *testing.T) {
	var golden struct {
		Now   time.Time         `json:"now"`
		Views map[string]string `json:"views"`
	}
	data, err := os.ReadFile(fixture + ".json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &golden); err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile(fixture + ".db")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "kipina.db")
	if err := os.WriteFile(path, src, 0o600); err != nil {
		t.Fatal(err)
	}
	before := rawOutbox(t, path)
	now, retention := golden.Now, 5*24*time.Hour
	cutoff := now.Add(-retention)

	// One message per pruning transaction: the migration goes on in steps.
	defer storage.SetPruneStep(1)()
	db, err := storage.OpenWith(path, storage.Options{Retention: retention, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.Now = func() time.Time { return now }
	if v, err := db.SchemaVersion(); err != nil || v != len(storage.Migrations) {
		t.Fatalf("schema %d, %v; want %d", v, err, len(storage.Migrations))
	}

	t.Run("indexes", func(t *testing.T) {
		err := db.View(func(tx *storage.Tx) error {
			apps, err := round.EventApps(tx, "demo", "kipina-2017")
			if err != nil {
				return err
			}
			if len(apps) != 7 {
				t.Errorf("event index: %d applications, want 7", len(apps))
			}
			for i := 1; i <= 7; i++ {
				mine, err := round.PersonApps(tx, "demo", chat.UserRef{Platform: "shell", Workspace: "demo", User: fmt.Sprint("u", i)})
				if err != nil {
					return err
				}
				if len(mine) != 1 || mine[0].ID != fmt.Sprintf("H%04d", i) {
					t.Errorf("person index of u%d: %v", i, mine)
				}
			}
			ids, _, total, err := round.EventsFrom(tx, "demo", now.AddDate(-1, 0, 0))
			if err != nil {
				return err
			}
			if len(ids) != 1 || total != 1 {
				t.Errorf("event date index: %v of %d", ids, total)
			}
			failed, err := outbox.FailedCount(tx, "demo")
			if err != nil {
				return err
			}
			var wantFailed int
			for _, it := range before {
				if it.State == "failed" {
					wantFailed++
				}
			}
			if failed != wantFailed || wantFailed == 0 {
				t.Errorf("failed index: %d, want %d", failed, wantFailed)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})

	t.Run("pruned to receipts", func(t *testing.T) {
		var old, recent, kept int
		err := db.Update(func(tx *storage.Tx) error {
			for key, was := range before {
				k := outbox.Key{}
				if err := k.UnmarshalText([]byte(key)); err != nil {
					return err
				}
				it, err := outbox.Lookup(tx, k)
				if err != nil {
					return err
				}
				if string(it.State) != was.State {
					t.Errorf("%s: state %s, was %s", key, it.State, was.State)
				}
				wantPruned := was.State == "sent" && was.NextAt.Before(cutoff)
				switch {
				case wantPruned:
					old++
					if !it.Pruned || it.Msg.Text != "" || it.Ref.ID == "" || it.ID == "" || it.Msg.ID != it.ID {
						t.Errorf("%s: delivered %s, before the retention: want a receipt without content, got %+v", key, was.NextAt, it)
					}
				default:
					if was.State == "sent" {
						recent++
					} else {
						kept++
					}
					if it.Pruned || it.Msg.Text != was.Msg.Text {
						t.Errorf("%s (%s, %s): content changed: %+v", key, was.State, was.NextAt, it)
					}
				}
				// Idempotency outlives the content: the same key sends nothing.
				added, err := outbox.Enqueue(tx, k, chat.Address{Platform: "shell", Workspace: "demo", User: was.To.User}, chat.Message{Text: "again"})
				if err != nil {
					return err
				}
				if added {
					t.Errorf("%s: enqueued again after the migration", key)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if old == 0 || recent == 0 || kept == 0 {
			t.Errorf("the fixture should hold old (%d) and recent (%d) delivered messages and failed or pending ones (%d)", old, recent, kept)
		}
		if n, err := outbox.PruneAll(db, cutoff); err != nil || n != 0 {
			t.Errorf("prune after the migration: %d, %v; want nothing left", n, err)
		}
	})

	t.Run("views answer the same", func(t *testing.T) {
		b, err := bot.New(bot.Options{Config: configs.Default(), DB: db, Clock: fixedClock(now), Log: slog.New(slog.NewTextHandler(io.Discard, nil))}, call.Module{}, routing.Module{})
		if err != nil {
			t.Fatal(err)
		}
		for who, want := range golden.Views {
			var user, text string
			if _, err := fmt.Sscanf(who, "%s", &user); err != nil {
				t.Fatal(err)
			}
			text = who[len(user)+1:]
			r := b.Handle(context.Background(), &chat.Command{Origin: chat.Origin{User: chat.UserRef{Platform: "shell", Workspace: "demo", User: user}, Channel: "c"}, Text: text})
			if r.Reply == nil || r.Reply.Text != want {
				t.Errorf("%s: %+v\nbefore the upgrade:\n%s", who, r, want)
			}
		}
	})

	t.Run("nothing is sent twice", func(t *testing.T) {
		p := &countingPlatform{posts: map[string]int{}}
		w := outbox.NewWorker(db, func() time.Time { return now }, slog.New(slog.NewTextHandler(io.Discard, nil)))
		w.Register(p, outbox.Limit{Rate: 1000, Burst: 1000})
		for range 3 {
			if _, err := w.Deliver(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
		var pending int
		for _, it := range before {
			if it.State == "pending" {
				pending++
			}
		}
		if len(p.posts) != pending || pending == 0 {
			t.Errorf("posted %d messages, want the %d pending ones", len(p.posts), pending)
		}
		for id, n := range p.posts {
			if n != 1 {
				t.Errorf("message %s posted %d times", id, n)
			}
		}
	})
	if err := db.Check(); err != nil {
		t.Fatal(err)
	}
}
