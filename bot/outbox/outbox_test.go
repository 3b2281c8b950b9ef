package outbox

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/storage"
	"golang.org/x/time/rate"
)

// filePlatform appends each message as a line "key<TAB>text" to a file, so
// what was delivered survives the process; with finder it can look up keys.
type filePlatform struct {
	path  string
	mu    sync.Mutex
	fail  []error // errors to return from the next Posts
	calls []time.Time
	now   func() time.Time
}

func (p *filePlatform) Name() string                                  { return "file" }
func (p *filePlatform) Run(ctx context.Context, _ chat.Handler) error { <-ctx.Done(); return nil }
func (p *filePlatform) Update(context.Context, chat.Address, chat.MessageRef, chat.Message) error {
	return nil
}

func (p *filePlatform) Post(_ context.Context, to chat.Address, m chat.Message) (chat.MessageRef, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.now != nil {
		p.calls = append(p.calls, p.now())
	}
	if len(p.fail) > 0 {
		err := p.fail[0]
		p.fail = p.fail[1:]
		return chat.MessageRef{}, err
	}
	f, err := os.OpenFile(p.path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return chat.MessageRef{}, err
	}
	defer f.Close()
	fmt.Fprintf(f, "%s\t%s\n", m.Key, m.Text)
	return chat.MessageRef{Channel: to.User, ID: m.Key}, f.Sync()
}

func (p *filePlatform) lines() []string {
	b, _ := os.ReadFile(p.path)
	return strings.Split(strings.TrimSpace(string(b)), "\n")
}

type finderPlatform struct{ *filePlatform }

func (p finderPlatform) FindSent(_ context.Context, _ chat.Address, key string) (chat.MessageRef, bool, error) {
	f, err := os.Open(p.path)
	if err != nil {
		return chat.MessageRef{}, false, nil
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if strings.HasPrefix(s.Text(), key+"\t") {
			return chat.MessageRef{ID: key}, true, nil
		}
	}
	return chat.MessageRef{}, false, nil
}

var to = chat.Address{Platform: "file", Workspace: "w", User: "u1"}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func enqueueN(t *testing.T, db *storage.DB, n int) {
	t.Helper()
	for i := range n {
		if err := db.Update(func(tx *storage.Tx) error {
			_, err := Enqueue(tx, fmt.Sprintf("k%d", i), to, chat.Message{Text: fmt.Sprint("hello ", i)})
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
}

// TestMain lets the crash test re-run this binary as a child that dies
// between a send and its mark.
func TestMain(m *testing.M) {
	if dir := os.Getenv("OUTBOX_CRASH_CHILD"); dir != "" {
		crashChild(dir)
		return
	}
	os.Exit(m.Run())
}

func crashChild(dir string) {
	db, err := storage.Open(filepath.Join(dir, "k.db"))
	if err != nil {
		panic(err)
	}
	w := NewWorker(db, time.Now, quiet())
	fp := &filePlatform{path: filepath.Join(dir, "sent.log")}
	var p chat.Platform = fp
	if os.Getenv("OUTBOX_FINDER") != "" {
		p = finderPlatform{fp}
	}
	w.Register(p, Limit{})
	w.AfterSend = func(it Item) {
		if it.Key == "k2" {
			os.Exit(3) // sent, not marked
		}
	}
	w.Deliver(context.Background())
	os.Exit(0)
}

func TestCrashBetweenSendAndMark(t *testing.T) {
	for _, finder := range []bool{true, false} {
		t.Run(fmt.Sprintf("finder=%v", finder), func(t *testing.T) {
			dir := t.TempDir()
			db, err := storage.Open(filepath.Join(dir, "k.db"))
			if err != nil {
				t.Fatal(err)
			}
			enqueueN(t, db, 5)
			db.Close()

			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), "OUTBOX_CRASH_CHILD="+dir)
			if finder {
				cmd.Env = append(cmd.Env, "OUTBOX_FINDER=1")
			}
			var ee *exec.ExitError
			if err := cmd.Run(); !errors.As(err, &ee) || ee.ExitCode() != 3 {
				t.Fatalf("child did not crash as planned: %v", err)
			}
			fp := &filePlatform{path: filepath.Join(dir, "sent.log")}
			if got := fp.lines(); len(got) != 3 {
				t.Fatalf("before restart %d sent, want 3 (k0..k2): %v", len(got), got)
			}

			// Restart: every message is delivered; with a finder none twice.
			db, err = storage.Open(filepath.Join(dir, "k.db"))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			w := NewWorker(db, time.Now, quiet())
			var p chat.Platform = fp
			if finder {
				p = finderPlatform{fp}
			}
			w.Register(p, Limit{})
			if _, err := w.Deliver(context.Background()); err != nil {
				t.Fatal(err)
			}
			count := map[string]int{}
			for _, l := range fp.lines() {
				count[strings.SplitN(l, "\t", 2)[0]]++
			}
			for i := range 5 {
				k := fmt.Sprintf("k%d", i)
				want := 1
				if k == "k2" && !finder {
					want = 2 // at least once without a way to look
				}
				if count[k] != want {
					t.Errorf("%s delivered %d times, want %d", k, count[k], want)
				}
			}
			db.View(func(tx *storage.Tx) error {
				if n, _ := PendingCount(tx); n != 0 {
					t.Errorf("%d still pending", n)
				}
				return nil
			})
		})
	}
}

func TestIdempotentEnqueue(t *testing.T) {
	db, _ := storage.Open(filepath.Join(t.TempDir(), "k.db"))
	defer db.Close()
	for range 3 {
		db.Update(func(tx *storage.Tx) error {
			_, err := Enqueue(tx, "same", to, chat.Message{Text: "once"})
			return err
		})
	}
	fp := &filePlatform{path: filepath.Join(t.TempDir(), "sent.log")}
	w := NewWorker(db, time.Now, quiet())
	w.Register(fp, Limit{})
	if n, err := w.Deliver(context.Background()); n != 1 || err != nil {
		t.Fatalf("delivered %d, %v", n, err)
	}
	if n, _ := w.Deliver(context.Background()); n != 0 {
		t.Fatalf("second pass delivered %d", n)
	}
}

// fakeClock is a settable clock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func TestRetryAfterBackoffAndFailure(t *testing.T) {
	db, _ := storage.Open(filepath.Join(t.TempDir(), "k.db"))
	defer db.Close()
	clk := &fakeClock{t: time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)}
	db.Now = clk.Now
	fp := &filePlatform{path: filepath.Join(t.TempDir(), "sent.log"), now: clk.Now}
	w := NewWorker(db, clk.Now, quiet())
	w.Register(fp, Limit{Rate: rate.Inf})
	ctx := context.Background()

	enqueueN(t, db, 2)
	fp.fail = []error{&chat.RetryAfterError{Wait: 30 * time.Second, Err: errors.New("429")}}
	if n, _ := w.Deliver(ctx); n != 0 {
		t.Fatalf("sent %d while rate limited", n)
	}
	// Nothing is sent to that workspace until the wait is over.
	clk.Add(29 * time.Second)
	if n, _ := w.Deliver(ctx); n != 0 {
		t.Fatalf("sent %d before Retry-After passed", n)
	}
	clk.Add(time.Second)
	if n, _ := w.Deliver(ctx); n != 2 {
		t.Fatalf("sent %d after the wait, want 2", n)
	}

	// A transient error backs off; after MaxAttempts it is recorded as failed.
	db.Update(func(tx *storage.Tx) error { _, err := Enqueue(tx, "doomed", to, chat.Message{Text: "x"}); return err })
	for range MaxAttempts {
		fp.fail = append(fp.fail, errors.New("server error"))
	}
	for range MaxAttempts {
		w.Deliver(ctx)
		clk.Add(11 * time.Minute)
	}
	db.View(func(tx *storage.Tx) error {
		it, _ := Lookup(tx, "doomed")
		if it.State != Failed || it.Attempts != MaxAttempts {
			t.Errorf("doomed = %s after %d attempts", it.State, it.Attempts)
		}
		failed, _ := Undelivered(tx, "w")
		if len(failed) != 1 || failed[0].Key != "doomed" {
			t.Errorf("undelivered = %v", failed)
		}
		return nil
	})
}

func TestBackoff(t *testing.T) {
	for n, want := range map[int]time.Duration{1: 2 * time.Second, 2: 4 * time.Second, 5: 32 * time.Second, 20: 10 * time.Minute} {
		if got := Backoff(n); got != want {
			t.Errorf("Backoff(%d) = %v, want %v", n, got, want)
		}
	}
}

func TestAmendOnlyBeforeSending(t *testing.T) {
	db, _ := storage.Open(filepath.Join(t.TempDir(), "k.db"))
	defer db.Close()
	enqueueN(t, db, 1)
	amend := func() bool {
		var ok bool
		db.Update(func(tx *storage.Tx) (err error) {
			ok, err = Amend(tx, "k0", func(m *chat.Message) { m.Text += " + more" })
			return err
		})
		return ok
	}
	if !amend() {
		t.Fatal("a pending message was not amended")
	}
	fp := &filePlatform{path: filepath.Join(t.TempDir(), "sent.log")}
	w := NewWorker(db, time.Now, quiet())
	w.Register(fp, Limit{})
	w.Deliver(context.Background())
	if got := fp.lines(); len(got) != 1 || got[0] != "k0\thello 0 + more" {
		t.Errorf("sent %q", got)
	}
	if amend() {
		t.Error("a sent message was amended")
	}
	db.View(func(tx *storage.Tx) error {
		if ok, err := Amend(tx, "nope", func(*chat.Message) {}); ok || err != nil {
			t.Errorf("missing key: %v %v", ok, err)
		}
		return nil
	})
}

// uploader is a filePlatform that takes files.
type uploader struct {
	*filePlatform
	got []string
}

func (u *uploader) Upload(_ context.Context, _ chat.Address, f chat.File, comment string) error {
	u.got = append(u.got, f.Name+"|"+string(f.Content)+"|"+comment)
	return nil
}

// TestFilesThroughTheOutbox: a message with a file is uploaded where the
// platform takes files and posted as text elsewhere; either way once.
func TestFilesThroughTheOutbox(t *testing.T) {
	for _, takesFiles := range []bool{true, false} {
		db, _ := storage.Open(filepath.Join(t.TempDir(), "k.db"))
		fp := &filePlatform{path: filepath.Join(t.TempDir(), "sent.log")}
		up := &uploader{filePlatform: fp}
		w := NewWorker(db, time.Now, quiet())
		if takesFiles {
			w.Register(up, Limit{})
		} else {
			w.Register(fp, Limit{})
		}
		db.Update(func(tx *storage.Tx) error {
			_, err := Enqueue(tx, "ics", to, chat.Message{Text: "your calendar", File: &chat.File{Name: "a.ics", Content: []byte("BEGIN:VCALENDAR")}})
			return err
		})
		w.Deliver(context.Background())
		w.Deliver(context.Background())
		if takesFiles && (len(up.got) != 1 || up.got[0] != "a.ics|BEGIN:VCALENDAR|your calendar") {
			t.Errorf("uploaded %q", up.got)
		}
		if lines := fp.lines(); !takesFiles && (len(lines) != 1 || lines[0] != "ics\tyour calendar") {
			t.Errorf("posted %q", lines)
		}
		db.Close()
	}
}
