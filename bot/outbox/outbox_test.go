package outbox

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/storage"
	"golang.org/x/time/rate"
)

// filePlatform appends each message as a line "id<TAB>text" to a file, so
// what was delivered survives the process.
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
	if _, err := fmt.Fprintf(f, "%s\t%s\n", m.ID, m.Text); err != nil {
		return chat.MessageRef{}, errors.Join(err, f.Close())
	}
	if err := f.Sync(); err != nil {
		return chat.MessageRef{}, errors.Join(err, f.Close())
	}
	return chat.MessageRef{Channel: to.User, ID: m.ID}, f.Close()
}

// texts returns the texts delivered, in order.
func (p *filePlatform) texts(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile(p.path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for l := range strings.SplitSeq(strings.TrimSpace(string(b)), "\n") {
		if _, text, ok := strings.Cut(l, "\t"); ok {
			out = append(out, text)
		}
	}
	return out
}

// finderPlatform can look for an earlier copy by message id, as the Slack
// and Mattermost adapters do.
type finderPlatform struct{ *filePlatform }

func (p finderPlatform) FindSent(_ context.Context, _ chat.Address, id string) (chat.MessageRef, bool, error) {
	f, err := os.Open(p.path)
	if errors.Is(err, os.ErrNotExist) {
		return chat.MessageRef{}, false, nil
	}
	if err != nil {
		return chat.MessageRef{}, false, err
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if got, _, _ := strings.Cut(s.Text(), "\t"); got == id {
			return chat.MessageRef{ID: id}, true, nil
		}
	}
	return chat.MessageRef{}, false, s.Err()
}

var to = chat.Address{Platform: "file", Workspace: "w", User: "u1"}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func open(t *testing.T, path string) *storage.DB {
	t.Helper()
	db, err := storage.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func update(t *testing.T, db *storage.DB, fn func(tx *storage.Tx) error) {
	t.Helper()
	if err := db.Update(fn); err != nil {
		t.Fatal(err)
	}
}

func deliver(t *testing.T, w *Worker) int {
	t.Helper()
	n, err := w.Deliver(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func enqueueN(t *testing.T, db *storage.DB, n int) {
	t.Helper()
	for i := range n {
		update(t, db, func(tx *storage.Tx) error {
			_, err := Enqueue(tx, NewKey("w", "k"+strconv.Itoa(i)), to, chat.Message{Text: "k" + strconv.Itoa(i)})
			return err
		})
	}
}

func pendingCount(t *testing.T, db *storage.DB) int {
	t.Helper()
	var n int
	if err := db.View(func(tx *storage.Tx) (err error) { n, err = PendingCount(tx); return }); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestMain lets the crash test re-run this binary as a child that dies at
// a chosen point of a delivery.
func TestMain(m *testing.M) {
	if dir := os.Getenv("OUTBOX_CRASH_CHILD"); dir != "" {
		crashChild(dir)
		return
	}
	os.Exit(m.Run())
}

// Crash points: after the platform accepted message n and before that is
// recorded ("sent"), or after the attempt was committed and before the
// send ("attempt").
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
	victim := "k" + os.Getenv("OUTBOX_CRASH_AT")
	w.Register(p, Limit{})
	switch os.Getenv("OUTBOX_CRASH_POINT") {
	case "sent":
		w.AfterSend = func(it Item) {
			if it.Msg.Text == victim {
				os.Exit(3)
			}
		}
	case "attempt":
		w.BeforeSend = func(it Item) {
			if it.Msg.Text == victim {
				os.Exit(3)
			}
		}
	}
	if _, err := w.Deliver(context.Background()); err != nil {
		panic(err)
	}
	os.Exit(0)
}

// crashSeed is the seed of the crash test's choices: OUTBOX_CRASH_SEED
// replays a run.
func crashSeed(t *testing.T) uint64 {
	if s := os.Getenv("OUTBOX_CRASH_SEED"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("OUTBOX_CRASH_SEED: %v", err)
		}
		return n
	}
	return uint64(time.Now().UnixNano())
}

// TestCrashAtEveryPoint kills a delivery pass at a message chosen by a
// replayable seed, at each kill point where a fault would show: between
// the platform's acceptance and the mark (a copy exists but the store does
// not know), and between the committed attempt and the send. After a
// restart every message is delivered: exactly once where the platform can
// be asked (SentFinder), at least once otherwise; nothing stays pending.
func TestCrashAtEveryPoint(t *testing.T) {
	seed := crashSeed(t)
	t.Logf("OUTBOX_CRASH_SEED=%d", seed)
	rng := rand.New(rand.NewPCG(seed, 0))
	const n = 6
	for _, point := range []string{"sent", "attempt"} {
		for _, finder := range []bool{true, false} {
			at := rng.IntN(n)
			t.Run(fmt.Sprintf("%s/k%d/finder=%v", point, at, finder), func(t *testing.T) {
				dir := t.TempDir()
				db := open(t, filepath.Join(dir, "k.db"))
				enqueueN(t, db, n)
				if err := db.Close(); err != nil {
					t.Fatal(err)
				}
				cmd := exec.Command(os.Args[0], "-test.run=^$")
				cmd.Env = append(os.Environ(), "OUTBOX_CRASH_CHILD="+dir, "OUTBOX_CRASH_POINT="+point, "OUTBOX_CRASH_AT="+strconv.Itoa(at))
				if finder {
					cmd.Env = append(cmd.Env, "OUTBOX_FINDER=1")
				}
				var ee *exec.ExitError
				if err := cmd.Run(); !errors.As(err, &ee) || ee.ExitCode() != 3 {
					t.Fatalf("child did not die at the kill point: %v", err)
				}
				fp := &filePlatform{path: filepath.Join(dir, "sent.log")}
				before := at
				if point == "sent" {
					before++
				}
				if got := fp.texts(t); len(got) != before {
					t.Fatalf("before restart %d delivered, want %d: %v", len(got), before, got)
				}

				db = open(t, filepath.Join(dir, "k.db"))
				defer db.Close()
				w := NewWorker(db, time.Now, quiet())
				var p chat.Platform = fp
				if finder {
					p = finderPlatform{fp}
				}
				w.Register(p, Limit{})
				deliver(t, w)
				count := map[string]int{}
				for _, text := range fp.texts(t) {
					count[text]++
				}
				for i := range n {
					k := "k" + strconv.Itoa(i)
					want := 1
					if k == "k"+strconv.Itoa(at) && point == "sent" && !finder {
						want = 2 // at least once, without a way to look
					}
					if count[k] != want {
						t.Errorf("%s delivered %d times, want %d", k, count[k], want)
					}
				}
				if p := pendingCount(t, db); p != 0 {
					t.Errorf("%d still pending", p)
				}
			})
		}
	}
}

// TestResetStoreDoesNotMatchOldPosts: after a store reset (or a restored
// backup) keys repeat, but message ids do not: a message whose first
// attempt failed is not taken for the old store's post with the same key.
func TestResetStoreDoesNotMatchOldPosts(t *testing.T) {
	dir := t.TempDir()
	fp := &filePlatform{path: filepath.Join(dir, "sent.log")}
	p := finderPlatform{fp}
	send := func(db *storage.DB, text string, failFirst bool) {
		update(t, db, func(tx *storage.Tx) error {
			_, err := Enqueue(tx, NewKey("w", "app", "H0001", "received"), to, chat.Message{Text: text})
			return err
		})
		clk := &fakeClock{t: time.Now()}
		w := NewWorker(db, clk.Now, quiet())
		w.Register(p, Limit{})
		if failFirst {
			fp.fail = []error{errors.New("502 bad gateway")}
			deliver(t, w)
			clk.Add(time.Hour)
		}
		deliver(t, w)
	}
	old := open(t, filepath.Join(dir, "old.db"))
	send(old, "old store's H0001", false)
	if err := old.Close(); err != nil {
		t.Fatal(err)
	}
	fresh := open(t, filepath.Join(dir, "fresh.db"))
	defer fresh.Close()
	send(fresh, "new store's H0001", true)
	if got := fp.texts(t); len(got) != 2 || got[1] != "new store's H0001" {
		t.Errorf("delivered %q, want the new store's message too", got)
	}
}

// TestKeysNameTheirWorkspace: two workspaces enqueue the same parts (the
// demo event's H0001 cancelled in two cities): both are delivered. A key
// cannot be built without a workspace, and a message cannot go to another
// workspace than its key names.
func TestKeysNameTheirWorkspace(t *testing.T) {
	db := open(t, filepath.Join(t.TempDir(), "k.db"))
	defer db.Close()
	for _, ws := range []string{"tampere", "oulu"} {
		update(t, db, func(tx *storage.Tx) error {
			a := chat.Address{Platform: "file", Workspace: ws, User: "anna"}
			ok, err := Enqueue(tx, NewKey(ws, "event", "kipina-2017", "cancel", "H0001"), a, chat.Message{Text: ws})
			if !ok {
				t.Errorf("%s: the second city's notice was taken for a copy", ws)
			}
			return err
		})
	}
	fp := &filePlatform{path: filepath.Join(t.TempDir(), "sent.log")}
	w := NewWorker(db, time.Now, quiet())
	w.Register(fp, Limit{})
	if n := deliver(t, w); n != 2 {
		t.Errorf("delivered %d, want 2", n)
	}
	for _, bad := range []Key{NewKey("", "x"), NewKey("w", ""), NewKey("w", "a/b"), {}} {
		if !bad.IsZero() {
			t.Errorf("%q should be the zero key", bad)
		}
	}
	err := db.Update(func(tx *storage.Tx) error {
		_, err := Enqueue(tx, NewKey("oulu", "x"), to, chat.Message{Text: "x"})
		return err
	})
	if !errors.Is(err, ErrKey) {
		t.Errorf("a key of another workspace: %v, want ErrKey", err)
	}
}

func TestIdempotentEnqueue(t *testing.T) {
	db := open(t, filepath.Join(t.TempDir(), "k.db"))
	defer db.Close()
	for range 3 {
		update(t, db, func(tx *storage.Tx) error {
			_, err := Enqueue(tx, NewKey("w", "same"), to, chat.Message{Text: "once"})
			return err
		})
	}
	fp := &filePlatform{path: filepath.Join(t.TempDir(), "sent.log")}
	w := NewWorker(db, time.Now, quiet())
	w.Register(fp, Limit{})
	if n := deliver(t, w); n != 1 {
		t.Fatalf("delivered %d", n)
	}
	if n := deliver(t, w); n != 0 {
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
	db := open(t, filepath.Join(t.TempDir(), "k.db"))
	defer db.Close()
	clk := &fakeClock{t: time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)}
	db.Now = clk.Now
	fp := &filePlatform{path: filepath.Join(t.TempDir(), "sent.log"), now: clk.Now}
	w := NewWorker(db, clk.Now, quiet())
	w.Register(fp, Limit{Rate: rate.Inf})

	enqueueN(t, db, 2)
	fp.fail = []error{&chat.RetryAfterError{Wait: 30 * time.Second, Err: errors.New("429")}}
	if n := deliver(t, w); n != 0 {
		t.Fatalf("sent %d while rate limited", n)
	}
	// Nothing is sent to that workspace until the wait is over.
	clk.Add(29 * time.Second)
	if n := deliver(t, w); n != 0 {
		t.Fatalf("sent %d before Retry-After passed", n)
	}
	clk.Add(time.Second)
	if n := deliver(t, w); n != 2 {
		t.Fatalf("sent %d after the wait, want 2", n)
	}

	// A transient error backs off; after MaxAttempts it is recorded as failed.
	doomed := NewKey("w", "doomed")
	update(t, db, func(tx *storage.Tx) error { _, err := Enqueue(tx, doomed, to, chat.Message{Text: "x"}); return err })
	for range MaxAttempts {
		fp.fail = append(fp.fail, errors.New("server error"))
	}
	for range MaxAttempts {
		deliver(t, w)
		clk.Add(11 * time.Minute)
	}
	err := db.View(func(tx *storage.Tx) error {
		it, err := Lookup(tx, doomed)
		if err != nil {
			return err
		}
		if it.State != Failed || it.Attempts != MaxAttempts {
			t.Errorf("doomed = %s after %d attempts", it.State, it.Attempts)
		}
		failed, err := Undelivered(tx, "w")
		if len(failed) != 1 || failed[0].Key != doomed {
			t.Errorf("undelivered = %v", failed)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// notReady is a platform that is not ready for workspace w until told,
// and then says its own state is missing (a team not yet resolved) for a
// few posts.
type notReady struct {
	*filePlatform
	ready    bool
	missing  int
	attempts int
}

func (p *notReady) Ready(string) bool { return p.ready }

func (p *notReady) Post(ctx context.Context, a chat.Address, m chat.Message) (chat.MessageRef, error) {
	p.attempts++
	if p.missing > 0 {
		p.missing--
		return chat.MessageRef{}, fmt.Errorf("team not resolved: %w: %w", chat.ErrNotReady, chat.ErrPermanent)
	}
	return p.filePlatform.Post(ctx, a, m)
}

// TestDeliveryWaitsForItsPlatform: nothing is sent to a workspace whose
// adapter is not ready, and an error caused by the adapter's own missing
// state is never permanent, however often it comes.
func TestDeliveryWaitsForItsPlatform(t *testing.T) {
	db := open(t, filepath.Join(t.TempDir(), "k.db"))
	defer db.Close()
	clk := &fakeClock{t: time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)}
	db.Now = clk.Now
	p := &notReady{filePlatform: &filePlatform{path: filepath.Join(t.TempDir(), "sent.log")}, missing: 2 * MaxAttempts}
	w := NewWorker(db, clk.Now, quiet())
	w.Register(p, Limit{})
	enqueueN(t, db, 1)
	for range 3 {
		if n := deliver(t, w); n != 0 || p.attempts != 0 {
			t.Fatalf("sent %d (%d attempts) before the platform was ready", n, p.attempts)
		}
		clk.Add(time.Minute)
	}
	p.ready = true
	for range 2*MaxAttempts + 1 {
		deliver(t, w)
		clk.Add(time.Minute)
	}
	if got := p.texts(t); len(got) != 1 || got[0] != "k0" {
		t.Errorf("delivered %q after the platform's state was resolved", got)
	}
	if n := pendingCount(t, db); n != 0 {
		t.Errorf("%d still pending", n)
	}
}

func TestBackoff(t *testing.T) {
	for n, want := range map[int]time.Duration{1: 2 * time.Second, 2: 4 * time.Second, 5: 32 * time.Second, 20: 10 * time.Minute} {
		if got := Backoff(n); got != want {
			t.Errorf("Backoff(%d) = %v, want %v", n, got, want)
		}
	}
}

func TestAmendOnlyBeforeSending(t *testing.T) {
	db := open(t, filepath.Join(t.TempDir(), "k.db"))
	defer db.Close()
	enqueueN(t, db, 1)
	amend := func() bool {
		var ok bool
		update(t, db, func(tx *storage.Tx) (err error) {
			ok, err = Amend(tx, NewKey("w", "k0"), func(m *chat.Message) { m.Text += " + more" })
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
	deliver(t, w)
	if got := fp.texts(t); len(got) != 1 || got[0] != "k0 + more" {
		t.Errorf("sent %q", got)
	}
	if amend() {
		t.Error("a sent message was amended")
	}
	update(t, db, func(tx *storage.Tx) error {
		if ok, err := Amend(tx, NewKey("w", "nope"), func(*chat.Message) {}); ok || err != nil {
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
		db := open(t, filepath.Join(t.TempDir(), "k.db"))
		fp := &filePlatform{path: filepath.Join(t.TempDir(), "sent.log")}
		up := &uploader{filePlatform: fp}
		w := NewWorker(db, time.Now, quiet())
		if takesFiles {
			w.Register(up, Limit{})
		} else {
			w.Register(fp, Limit{})
		}
		update(t, db, func(tx *storage.Tx) error {
			_, err := Enqueue(tx, NewKey("w", "ics"), to, chat.Message{Text: "your calendar", File: &chat.File{Name: "a.ics", Content: []byte("BEGIN:VCALENDAR")}})
			return err
		})
		deliver(t, w)
		deliver(t, w)
		if takesFiles && (len(up.got) != 1 || up.got[0] != "a.ics|BEGIN:VCALENDAR|your calendar") {
			t.Errorf("uploaded %q", up.got)
		}
		if texts := fp.texts(t); !takesFiles && (len(texts) != 1 || texts[0] != "your calendar") {
			t.Errorf("posted %q", texts)
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
	}
}
