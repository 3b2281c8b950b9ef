package routing_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
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

// The history benchmark (issue 22): every view and a submission on a store
// holding ten years of one city's history plus the current event — 40
// events, 12,000 applications, 150,000 delivered messages — against the
// same on a store holding only the current event. Run:
//
//	go test ./bot/routing -run '^$' -bench History -benchtime 200x
//
// The figures of the two stores should stay within 1.5× of each other; the
// store sizes are logged (-v).

const (
	currentApps  = 300
	pastEvents   = 39
	pastApps     = 300 // per past event: 39 × 300 + 300 = 12,000
	pastMessages = 150_000
	// overridesPerEvent organisers' corrections per past event.
	overridesPerEvent = 5
)

// acceptAll is a platform that takes every message.
type acceptAll struct{}

func (acceptAll) Name() string                                  { return "shell" }
func (acceptAll) Run(ctx context.Context, _ chat.Handler) error { <-ctx.Done(); return nil }
func (acceptAll) Update(context.Context, chat.Address, chat.MessageRef, chat.Message) error {
	return nil
}
func (acceptAll) Post(_ context.Context, to chat.Address, m chat.Message) (chat.MessageRef, error) {
	return chat.MessageRef{Channel: "D" + to.User, ID: m.ID}, nil
}

type benchStore struct {
	b    *bot.Bot
	db   *storage.DB
	next int // next company number to submit
}

var (
	storesOnce sync.Once
	stores     map[string]*benchStore
	storesErr  error
)

func benchOrigin(user string) chat.Origin {
	return chat.Origin{User: chat.UserRef{Platform: "shell", Workspace: "demo", User: user}, Channel: "c"}
}

// businessID returns a valid Finnish business ID for company i.
func businessID(i int) string {
	for n := i * 7; ; n++ {
		s := fmt.Sprintf("%07d", 1000000+n%8999999)
		w := []int{7, 9, 10, 5, 8, 4, 2}
		sum := 0
		for k, c := range s {
			sum += int(c-'0') * w[k]
		}
		switch r := sum % 11; r {
		case 0:
			return s + "-0"
		case 1:
			continue
		default:
			return fmt.Sprintf("%s-%d", s, 11-r)
		}
	}
}

func benchSubmit(bt *bot.Bot, i int, user string) error {
	targets := []string{"health", "elderly", "children", "urban-planning"}
	r := bt.Handle(context.Background(), &chat.FormSubmit{Origin: benchOrigin(user), FormID: "apply:kipina-2017", State: "kipina-2017", Values: map[string]string{
		"company": fmt.Sprintf("Company %d", i), "business_id": businessID(i), "contact_name": "C", "email": "c@example.fi",
		"target": targets[i%len(targets)], "summary": "A service for residents: sensors, data and care at home, number " + fmt.Sprint(i),
		"maturity": "idea", "lang": "fi", "secrets": "no", "consent": "yes",
	}})
	if r.Reply == nil || !strings.Contains(r.Reply.Text, "H") {
		return fmt.Errorf("submission %d refused: %+v", i, r)
	}
	return nil
}

// openStore builds a store: the current event with currentApps
// applications submitted through the bot (and routed), and, with history,
// 39 earlier events' applications and 150,000 delivered messages written
// as the bot stores them, then pruned.
func openStore(dir string, history, prune bool) (*benchStore, error) {
	path := filepath.Join(dir, "k.db")
	db, err := storage.Open(path)
	if err != nil {
		return nil, err
	}
	cfg := configs.Default()
	bt, err := bot.New(bot.Options{Config: cfg, DB: db, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}, call.Module{}, routing.Module{})
	if err != nil {
		return nil, err
	}
	ctx := context.Background()
	// call open previews; the button posts it and opens the call.
	if r := bt.Handle(ctx, &chat.Action{Origin: benchOrigin("nina"), ActionID: "call-post:kipina-2017"}); r.Reply == nil {
		return nil, fmt.Errorf("call open: no answer")
	}
	for _, c := range []string{"contacts add health @heikki", "contacts add elderly @liisa", "contacts add children @eero"} {
		if r := bt.Handle(ctx, &chat.Command{Origin: benchOrigin("nina"), Text: c}); r.Reply == nil {
			return nil, fmt.Errorf("%s: no answer", c)
		}
	}
	now := time.Now()
	if history {
		to := chat.Address{Platform: "shell", Workspace: "demo"}
		for e := range pastEvents {
			id := fmt.Sprintf("kipina-%d", 2016+e/4) + fmt.Sprintf("-%d", e%4+1)
			date := now.AddDate(0, -3*(pastEvents-e), 0)
			err := db.Update(func(tx *storage.Tx) error {
				ev := round.Event{ID: id, Name: "Kipinä " + id, Date: date, Deadline: date.AddDate(0, 0, -14), Created: date.AddDate(0, -2, 0)}
				if err := round.Events.Put(tx, "demo", id, ev); err != nil {
					return err
				}
				for k := range pastApps {
					n := 100000 + e*pastApps + k
					user := fmt.Sprint("p", n%2000)
					a := round.Application{ID: fmt.Sprintf("H%06d", n), Event: id, State: []round.State{round.Accepted, round.Declined, round.Declined, round.Withdrawn}[k%4],
						Owner: chat.UserRef{Platform: "shell", Workspace: "demo", User: user}, Company: fmt.Sprint("Old company ", n), BusinessID: businessID(n),
						Summary: strings.Repeat("An earlier application's summary. ", 12), Target: "health", Maturity: "pilot", Lang: "fi",
						Submitted: date.AddDate(0, -1, 0), Updated: date, Consent: true}
					if err := round.Put(tx, "demo", a); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				return nil, err
			}
		}
		const perTx = 5000
		for start := 0; start < pastMessages; start += perTx {
			err := db.Update(func(tx *storage.Tx) error {
				for n := start; n < start+perTx; n++ {
					at := now.Add(-time.Duration(pastMessages-n) * 10 * 365 * 24 * time.Hour / pastMessages).Add(-31 * 24 * time.Hour)
					to.User = fmt.Sprint("p", n%2000)
					m := chat.Message{Text: strings.Repeat("A message as the bot sends them: a decision, a reminder or a follow-up question. ", 4)}
					if _, err := outbox.Delivered(tx, outbox.NewKey("demo", "hist", fmt.Sprint(n)), to, m, chat.MessageRef{Channel: "D" + to.User, ID: fmt.Sprint(n)}, at); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				return nil, err
			}
		}
	}
	if history {
		// Ten years of organisers' corrections: overrides of earlier
		// events' applications, which every matcher learns.
		for e := range pastEvents {
			for k := range overridesPerEvent {
				app := fmt.Sprintf("H%06d", 100000+e*pastApps+k*7)
				target := []string{"elderly", "children"}[k%2]
				if r := bt.Handle(ctx, &chat.Command{Origin: benchOrigin("nina"), Text: "match set " + app + " " + target}); r.Reply == nil || !strings.Contains(r.Reply.Text, app) {
					return nil, fmt.Errorf("override %s: %+v", app, r)
				}
			}
		}
	}
	if history {
		// Ten years of messages were delivered: so are the overrides'.
		w := outbox.NewWorker(db, time.Now, slog.New(slog.NewTextHandler(io.Discard, nil)))
		w.Register(acceptAll{}, outbox.Limit{Rate: 1e6, Burst: 1e6})
		for {
			n, err := w.Deliver(ctx)
			if err != nil {
				return nil, err
			}
			if n == 0 {
				break
			}
		}
	}
	if history && prune {
		// As the bot does at start: compact what is older than the retention.
		if _, err := outbox.PruneAll(db, now.Add(-outbox.DefaultRetention)); err != nil {
			return nil, err
		}
	}
	var wg sync.WaitGroup
	errs := make(chan error, currentApps)
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < currentApps; i += 8 {
				if err := benchSubmit(bt, i, fmt.Sprint("u", i)); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return nil, err
	}
	// The first digest after the upgrade builds its queue and carries the
	// current applications; the measured ones carry what came since.
	if r := bt.Handle(ctx, &chat.Command{Origin: benchOrigin("nina"), Text: "digest"}); r.Reply == nil {
		return nil, fmt.Errorf("digest: no answer")
	}
	return &benchStore{b: bt, db: db, next: currentApps}, nil
}

func benchStores(b *testing.B) map[string]*benchStore {
	storesOnce.Do(func() {
		stores = map[string]*benchStore{}
		for _, name := range []string{"current", "history"} {
			dir, err := os.MkdirTemp("", "kipina-history-bench-")
			if err != nil {
				storesErr = err
				return
			}
			s, err := openStore(dir, name == "history", true)
			if err != nil {
				storesErr = fmt.Errorf("%s store: %w", name, err)
				return
			}
			stores[name] = s
		}
	})
	if storesErr != nil {
		b.Fatal(storesErr)
	}
	return stores
}

// BenchmarkHistory measures status, my, apps <event>, matches <event>, a
// digest of one new application and one submission on both stores.
func BenchmarkHistory(b *testing.B) {
	ss := benchStores(b)
	ctx := context.Background()
	// Each operation runs on one store and then the other, so that the
	// two figures of a pair are taken close in time (the load of a shared
	// machine drifts).
	names := []string{"current", "history"}
	for _, v := range []struct{ op, user, text string }{
		{"status", "nina", "status"},
		{"my", "u7", "my"},
		{"apps", "nina", "apps kipina-2017"},
		{"matches", "nina", "matches kipina-2017"},
	} {
		for _, name := range names {
			s := ss[name]
			b.Run(v.op+"/"+name, func(b *testing.B) {
				for b.Loop() {
					if r := s.b.Handle(ctx, &chat.Command{Origin: benchOrigin(v.user), Text: v.text}); r.Reply == nil {
						b.Fatal("no answer")
					}
				}
			})
		}
	}
	for _, name := range names {
		s := ss[name]
		b.Run("digest/"+name, func(b *testing.B) {
			var pages, writes int64
			var wtime time.Duration
			for range b.N {
				b.StopTimer()
				if err := benchSubmit(s.b, s.next, fmt.Sprint("n", s.next)); err != nil {
					b.Fatal(err)
				}
				s.next++
				st := s.db.WriteStats()
				b.StartTimer()
				if r := s.b.Handle(ctx, &chat.Command{Origin: benchOrigin("nina"), Text: "digest"}); r.Reply == nil {
					b.Fatal("no answer")
				}
				b.StopTimer()
				end := s.db.WriteStats()
				pages, writes, wtime = pages+end.Pages-st.Pages, writes+end.Writes-st.Writes, wtime+end.WriteTime-st.WriteTime
				b.StartTimer()
			}
			b.ReportMetric(float64(pages)/float64(b.N), "pages/op")
			b.ReportMetric(float64(writes)/float64(b.N), "writes/op")
			b.ReportMetric(float64(wtime.Microseconds())/float64(b.N), "write-µs/op")
		})
	}
	for _, name := range names {
		s := ss[name]
		b.Run("submit/"+name, func(b *testing.B) {
			st := s.db.WriteStats()
			for range b.N {
				if err := benchSubmit(s.b, s.next, fmt.Sprint("n", s.next)); err != nil {
					b.Fatal(err)
				}
				s.next++
			}
			end := s.db.WriteStats()
			b.ReportMetric(float64(end.Pages-st.Pages)/float64(b.N), "pages/op")
			b.ReportMetric(float64(end.Writes-st.Writes)/float64(b.N), "writes/op")
			b.ReportMetric(float64((end.WriteTime-st.WriteTime).Microseconds())/float64(b.N), "write-µs/op")
		})
	}
}

// TestHistoryStoreSize builds the history store, prunes it as the bot does
// at start, and logs its size before and after (and compacted). It is
// skipped in -short runs and by default; KIPINA_HISTORY=1 runs it.
func TestHistoryStoreSize(t *testing.T) {
	if os.Getenv("KIPINA_HISTORY") == "" {
		t.Skip("set KIPINA_HISTORY=1 to build the ten-year store")
	}
	s, err := openStore(t.TempDir(), true, false)
	if err != nil {
		t.Fatal(err)
	}
	defer s.db.Close()
	path := filepath.Join(t.TempDir(), "copy.db")
	before, err := s.db.Size()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.BackupFile(path + ".before"); err != nil {
		t.Fatal(err)
	}
	t.Logf("compacted before pruning: %.1f MB", float64(compactSize(t, path+".before"))/1e6)
	n, err := outbox.PruneAll(s.db, time.Now().Add(-outbox.DefaultRetention))
	if err != nil {
		t.Fatal(err)
	}
	after, err := s.db.Size()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.BackupFile(path); err != nil {
		t.Fatal(err)
	}
	compacted := compactSize(t, path)
	t.Logf("history store: %d messages pruned; %.1f MB before, %.1f MB after (the file keeps its pages), %.1f MB compacted",
		n, float64(before)/1e6, float64(after)/1e6, float64(compacted)/1e6)
	if n != pastMessages {
		t.Errorf("pruned %d, want %d", n, pastMessages)
	}

	// The upgrade's way: the copy taken before pruning, as a store at
	// schema 2 (indexes, no pruning yet), opened by this version — the
	// migration prunes it.
	old := path + ".before"
	raw, err := bolt.Open(old, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := raw.Update(func(tx *bolt.Tx) error { return tx.Bucket([]byte("meta")).Put([]byte("schema"), []byte("2")) }); err != nil {
		t.Fatal(err)
	}
	if err := raw.Close(); err != nil {
		t.Fatal(err)
	}
	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	start := time.Now()
	db, err := storage.OpenWith(old, storage.Options{Retention: outbox.DefaultRetention})
	if err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	runtime.ReadMemStats(&ms1)
	defer db.Close()
	left, err := outbox.PruneAll(db, time.Now().Add(-outbox.DefaultRetention))
	if err != nil || left != 0 {
		t.Errorf("after the migration: %d left to prune, %v", left, err)
	}
	t.Logf("migration 3 (pruning) of the history store: %v, %.0f MB allocated", took.Round(time.Millisecond), float64(ms1.TotalAlloc-ms0.TotalAlloc)/1e6)
}

// compactSize copies the store at path into a fresh file (bbolt.Compact)
// and returns its size: what the data takes without free pages.
func compactSize(t *testing.T, path string) int64 {
	src, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dstPath := path + ".compact"
	dst, err := bolt.Open(dstPath, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	if err := bolt.Compact(dst, src, 1<<20); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(dstPath)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}
