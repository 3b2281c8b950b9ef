package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/kipina/kipina/bot"
	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/bot/ops"
	"github.com/kipina/kipina/bot/outbox"
	"github.com/kipina/kipina/configs"
	"github.com/kipina/kipina/storage"
)

// notes is the store record the shutdown test's command writes.
var notes = storage.NewBucket[string]("shutdown-note")

// noteModule adds "/kipina note N": it stores note N and enqueues a message
// about it in one transaction, slowly enough that several are in flight
// when SIGTERM comes.
type noteModule struct{}

func (noteModule) Register(reg *bot.Registry, _ *bot.Env) error {
	reg.Command(bot.Command{Name: "note", MinArgs: 1, MaxArgs: 1, Run: func(_ context.Context, r *bot.Request) (chat.Response, error) {
		time.Sleep(20 * time.Millisecond) // work in progress when the signal comes
		n := r.Args[0]
		err := r.Update(func(tx *storage.Tx) error {
			if err := notes.Put(tx, r.WS.ID, n, n); err != nil {
				return err
			}
			_, err := outbox.Enqueue(tx, outbox.NewKey(r.WS.ID, "note", n), chat.DM(r.User), chat.Message{Text: "noted " + n})
			return err
		})
		if err != nil {
			return r.ReplyText("error " + err.Error())
		}
		return r.ReplyText("ok " + n)
	}})
	return nil
}

// firehose is a platform that sends "note N" events from 8 goroutines until
// its context ends, printing "ack N" once the core answered N (what a
// platform acknowledges), and records each delivered message in a file.
type firehose struct {
	ws        string
	delivered *os.File
	mu        sync.Mutex
}

func (*firehose) Name() string { return "hose" }

func (f *firehose) Run(ctx context.Context, h chat.Handler) error {
	var mu sync.Mutex
	next := 0
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for ctx.Err() == nil {
				mu.Lock()
				next++
				n := next
				mu.Unlock()
				resp := h.Handle(ctx, &chat.Command{Origin: chat.Origin{User: chat.UserRef{Platform: "hose", Workspace: f.ws, User: "u1"}}, Text: fmt.Sprint("note ", n)})
				if resp.Reply != nil && resp.Reply.Text == fmt.Sprint("ok ", n) {
					fmt.Printf("ack %d\n", n)
				}
			}
		})
	}
	<-ctx.Done()
	// Like a platform that stops reading at once, Run returns without
	// waiting for the events it handed over: the gate must.
	go wg.Wait()
	return ctx.Err()
}

func (f *firehose) Post(_ context.Context, _ chat.Address, m chat.Message) (chat.MessageRef, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	_, err := fmt.Fprintln(f.delivered, strings.TrimPrefix(m.Text, "noted "))
	return chat.MessageRef{ID: m.ID}, err
}

func (*firehose) Update(context.Context, chat.Address, chat.MessageRef, chat.Message) error {
	return nil
}

// shutdownChild runs the bot on dir with the firehose until SIGTERM, through
// serve as runBot does, and exits 0 when serve returns cleanly.
func shutdownChild(dir string) int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	cfg := configs.Default()
	db, err := storage.Open(filepath.Join(dir, "kipina.db"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer db.Close()
	out, err := os.OpenFile(filepath.Join(dir, "delivered"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer out.Close()
	hose := &firehose{ws: cfg.Workspaces[0].ID, delivered: out}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	b, err := bot.New(bot.Options{Config: cfg, DB: db, Log: log, Platforms: []chat.Platform{hose}, DataDir: dir}, noteModule{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println("started")
	if err := serve(ctx, b, []chat.Platform{hose}, &ops.Gate{Next: b}, shutdownTimeout, log); err != nil {
		fmt.Fprintln(os.Stderr, "serve:", err)
		return 1
	}
	return 0
}

// TestSIGTERMLosesNothingAcknowledged runs the bot in a child process under
// a stream of events, sends it SIGTERM and checks that it exits 0 and that
// every event it acknowledged is in the store with its message delivered
// or still waiting in the outbox — none lost.
func TestSIGTERMLosesNothingAcknowledged(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "KIPINA_SHUTDOWN_CHILD="+dir)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stdout)
	var acked []string
	signalled := false
	for sc.Scan() {
		if n, ok := strings.CutPrefix(sc.Text(), "ack "); ok {
			acked = append(acked, n)
		}
		if len(acked) == 200 && !signalled {
			if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}
			signalled = true
		}
	}
	if _, err := io.Copy(io.Discard, stdout); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("child: %v\n%s", err, stderr.String())
	}
	if !signalled {
		t.Fatalf("child ended before 200 acks (%d)\n%s", len(acked), stderr.String())
	}
	b, err := os.ReadFile(filepath.Join(dir, "delivered"))
	if err != nil {
		t.Fatal(err)
	}
	delivered := map[string]bool{}
	for _, n := range strings.Fields(string(b)) {
		delivered[n] = true
	}
	db, err := storage.Open(filepath.Join(dir, "kipina.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ws := configs.Default().Workspaces[0].ID
	waiting := 0
	err = db.View(func(tx *storage.Tx) error {
		for _, n := range acked {
			if _, err := notes.Get(tx, ws, n); err != nil {
				return fmt.Errorf("acknowledged note %s not stored: %w", n, err)
			}
			it, err := outbox.Lookup(tx, outbox.NewKey(ws, "note", n))
			if err != nil {
				return fmt.Errorf("message of acknowledged note %s lost: %w", n, err)
			}
			switch {
			case it.State == outbox.Sent && delivered[n]:
			case it.State == outbox.Pending:
				waiting++
			default:
				return fmt.Errorf("note %s: message %s, delivered %v", n, it.State, delivered[n])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if waiting != 0 {
		t.Errorf("%d acknowledged messages were left for the next start; the last delivery pass should send them", waiting)
	}
	t.Logf("%d acknowledged after ≥200 before SIGTERM; %d delivered, %d left waiting in the outbox", len(acked), len(delivered), waiting)
}
