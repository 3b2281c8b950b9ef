package call_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/kipina/kipina/bot/bottest"
	"github.com/kipina/kipina/bot/round"

	"github.com/kipina/kipina/bot"
	"github.com/kipina/kipina/bot/call"
	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/configs"
	"github.com/kipina/kipina/storage"
)

// validBusinessID is the n-th valid business ID of the tests.
var validBusinessID = bottest.BusinessID

// openBot starts a bot with the call module on the store at path.
func openBot(tb testing.TB, path string) (*bot.Bot, *storage.DB) {
	return openBotAt(tb, path, configs.Default())
}

// openBotWith starts a bot on cfg in a temporary directory.
func openBotWith(tb testing.TB, cfg *configs.Config) (*bot.Bot, *storage.DB) {
	return openBotAt(tb, filepath.Join(tb.TempDir(), "k.db"), cfg)
}

func openBotAt(tb testing.TB, path string, cfg *configs.Config) (*bot.Bot, *storage.DB) {
	db, err := storage.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	b, err := bot.New(bot.Options{Config: cfg, DB: db, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}, call.Module{})
	if err != nil {
		tb.Fatal(err)
	}
	ctx := context.Background()
	r := b.Handle(ctx, &chat.Action{Origin: origin("nina"), ActionID: "call-post:kipina-2017"})
	if r.Reply == nil {
		tb.Fatal("call open failed")
	}
	return b, db
}

func origin(user string) chat.Origin {
	return chat.Origin{User: chat.UserRef{Platform: "shell", Workspace: "demo", User: user}, Channel: "c"}
}

// submission is a valid application from company i.
func submission(i int) *chat.FormSubmit {
	return &chat.FormSubmit{Origin: origin(fmt.Sprintf("u%d", i)), FormID: "apply:kipina-2017", State: "kipina-2017", Values: map[string]string{
		"company": fmt.Sprintf("Company %d", i), "business_id": validBusinessID(i), "contact_name": "C", "email": "c@example.fi",
		"target": "health", "summary": "A health service for residents.", "maturity": "idea", "lang": "fi", "secrets": "no", "consent": "yes",
	}}
}

func TestMain(m *testing.M) {
	if path := os.Getenv("KIPINA_BURST_CHILD"); path != "" {
		burstChild(path)
		return
	}
	os.Exit(m.Run())
}

// burstChild submits applications from 50 goroutines forever, printing
// "ACK <id> <company>" after each is acknowledged, until it is killed.
func burstChild(path string) {
	b, _ := openBot(&testing.B{}, path)
	var mu sync.Mutex
	out := bufio.NewWriter(os.Stdout)
	var wg sync.WaitGroup
	for g := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := g; ; i += 50 {
				sub := submission(i)
				r := b.Handle(context.Background(), sub)
				if r.Reply == nil || len(r.Errors) > 0 {
					fmt.Fprintf(os.Stderr, "submission %d refused: %+v\n", i, r)
					os.Exit(2)
				}
				id := strings.Fields(strings.TrimPrefix(r.Reply.Text, "Kiitos! Hakemus "))[0]
				mu.Lock()
				fmt.Fprintf(out, "ACK %s %s\n", id, sub.Values["company"])
				out.Flush()
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
}

// TestKillDuringBurst kills the bot with SIGKILL during a burst of
// submissions: every acknowledged application is in the store afterwards
// and the file passes bbolt's consistency check.
func TestKillDuringBurst(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	path := filepath.Join(t.TempDir(), "kipina.db")
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "KIPINA_BURST_CHILD="+path)
	cmd.Stderr = os.Stderr
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	acked := map[string]string{}
	sc := bufio.NewScanner(stdout)
	deadline := time.After(60 * time.Second)
	for len(acked) < 300 && sc.Scan() {
		f := strings.SplitN(sc.Text(), " ", 3)
		if len(f) == 3 && f[0] == "ACK" {
			acked[f[1]] = f[2]
		}
		select {
		case <-deadline:
			t.Fatal("burst too slow")
		default:
		}
	}
	cmd.Process.Signal(syscall.SIGKILL)
	for sc.Scan() { // acks written before the kill still count
		if f := strings.SplitN(sc.Text(), " ", 3); len(f) == 3 && f[0] == "ACK" {
			acked[f[1]] = f[2]
		}
	}
	cmd.Wait()
	if len(acked) < 300 {
		t.Fatalf("only %d acknowledged before the child ended", len(acked))
	}

	db, err := storage.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Check(); err != nil {
		t.Fatalf("consistency check after kill: %v", err)
	}
	stored := 0
	err = db.View(func(tx *storage.Tx) error {
		apps, err := round.EventApps(tx, "demo", "kipina-2017")
		stored = len(apps)
		for id, company := range acked {
			a, err := round.LoadApp(tx, "demo", id)
			if err != nil || a.Company != company {
				t.Errorf("acknowledged %s (%s) lost: %v %+v", id, company, err, a)
			}
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if stored < len(acked) {
		t.Errorf("%d stored, fewer than the %d acknowledged", stored, len(acked))
	}
	t.Logf("%d acknowledged, %d stored (the rest were committed but not yet acknowledged when killed)", len(acked), stored)
}
