package followup_test

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
	"sync/atomic"
	"testing"
	"time"

	"github.com/kipina/kipina/bot"
	"github.com/kipina/kipina/bot/bottest"
	"github.com/kipina/kipina/bot/call"
	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/bot/followup"
	"github.com/kipina/kipina/bot/outbox"
	"github.com/kipina/kipina/bot/round"
	"github.com/kipina/kipina/bot/routing"
	"github.com/kipina/kipina/configs"
	"github.com/kipina/kipina/storage"
)

// logPlatform is the "shell" platform of a test: it appends every message
// it is given as a line "id<TAB>address<TAB>first line" to a file and
// fsyncs it, so what was delivered survives a killed process; it finds sent
// messages by their outbox id (chat.SentFinder) and may limit its rate
// (chat.RateLimited).
type logPlatform struct {
	path  string
	rate  float64
	mu    sync.Mutex
	f     *os.File
	sent  map[string]bool // message ids in the file, read once at start
	posts atomic.Int64
	// afterPost runs after a message is logged (a child crashes there).
	afterPost func(n int64)
}

func newLogPlatform(path string, rate float64) *logPlatform {
	p := &logPlatform{path: path, rate: rate, sent: map[string]bool{}}
	for k := range readLog(path) {
		p.sent[k] = true
	}
	return p
}

func (p *logPlatform) Name() string                                  { return "shell" }
func (p *logPlatform) Run(ctx context.Context, _ chat.Handler) error { <-ctx.Done(); return nil }
func (p *logPlatform) Update(context.Context, chat.Address, chat.MessageRef, chat.Message) error {
	return nil
}

func (p *logPlatform) Post(_ context.Context, to chat.Address, m chat.Message) (chat.MessageRef, error) {
	p.mu.Lock()
	if p.f == nil {
		f, err := os.OpenFile(p.path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
		if err != nil {
			p.mu.Unlock()
			return chat.MessageRef{}, err
		}
		p.f = f
	}
	first, _, _ := strings.Cut(m.Text, "\n")
	_, err := fmt.Fprintf(p.f, "%s\t%s\t%s\n", m.ID, to, first)
	if err == nil {
		err = p.f.Sync()
	}
	p.sent[m.ID] = true
	p.mu.Unlock()
	if err != nil {
		return chat.MessageRef{}, err
	}
	n := p.posts.Add(1)
	if p.afterPost != nil {
		p.afterPost(n)
	}
	return chat.MessageRef{Channel: to.User + to.Channel, ID: m.ID}, nil
}

func (p *logPlatform) FindSent(_ context.Context, _ chat.Address, id string) (chat.MessageRef, bool, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return chat.MessageRef{ID: id}, p.sent[id], nil
}

func (p *logPlatform) SendRate() (float64, int) {
	if p.rate == 0 {
		return 0, 0 // no limit
	}
	return p.rate, 1
}

func (p *logPlatform) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.f != nil {
		p.f.Close()
		p.f = nil
	}
}

var (
	_ chat.SentFinder  = (*logPlatform)(nil)
	_ chat.RateLimited = (*logPlatform)(nil)
)

// delivery is what a delivery log holds of one message id.
type delivery struct {
	count     int    // how many times it was posted
	to, first string // the address and the first line of text
}

// readLog reads the deliveries per message id in a delivery log (none when
// there is no log yet).
func readLog(path string) map[string]delivery {
	out := map[string]delivery{}
	f, err := os.Open(path)
	if err != nil {
		return out
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	s.Buffer(make([]byte, 1<<20), 1<<20)
	for s.Scan() {
		if p := strings.SplitN(s.Text(), "\t", 3); len(p) == 3 {
			d := out[p[0]]
			d.count, d.to, d.first = d.count+1, p[1], p[2]
			out[p[0]] = d
		}
	}
	return out
}

// openBot opens the store in dir and a bot on it delivering to p.
func openBot(t testing.TB, dir string, clk bot.Clock, p chat.Platform) (*bot.Bot, *storage.DB) {
	db, err := storage.Open(filepath.Join(dir, "k.db"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := bot.New(bot.Options{Config: configs.Default(), DB: db, Clock: clk, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Platforms: []chat.Platform{p}, DataDir: dir}, call.Module{}, routing.Module{}, followup.Module{})
	if err != nil {
		db.Close()
		t.Fatal(err)
	}
	return b, db
}

var eventDay = at(2027, 2, 10, 9, 0)

// phases are the moments the campaign is driven through: the survey, the
// next steps, a Monday after the pairs went stale (escalation), the pilot.
var phases = []time.Time{at(2027, 2, 11, 9, 0), at(2027, 2, 24, 9, 0), at(2027, 3, 15, 10, 0), at(2027, 5, 11, 9, 0)}

var targets = []string{"health", "children", "elderly", "culture", "integration"}

// seed prepares a campaign in dir: n accepted applications spread over the
// five core processes, one contact per process, a juror, started.
func seed(t testing.TB, dir string, n int) {
	clk := bottest.NewClock(bottest.Start)
	b, db := openBot(t, dir, clk, newLogPlatform(filepath.Join(dir, "seed.log"), 0))
	defer db.Close()
	err := db.Update(func(tx *storage.Tx) error {
		ev, err := round.LoadEvent(tx, "demo", "kipina-2017")
		if err != nil {
			return err
		}
		ev.Date = eventDay
		if err := round.Events.Put(tx, "demo", ev.ID, ev); err != nil {
			return err
		}
		apps := make([]round.Application, n)
		for i := range apps {
			apps[i] = round.Application{Event: ev.ID, Company: fmt.Sprintf("Yritys %d Oy", i+1), BusinessID: bottest.BusinessID(i + 1),
				Owner: bottest.User(fmt.Sprintf("company%d", i+1)), Target: targets[i%len(targets)], Lang: "fi"}
		}
		return addApps(context.Background(), b.Events, tx, apps, round.Accepted)
	})
	if err != nil {
		t.Fatal(err)
	}
	nina := chat.Origin{User: chat.UserRef{Platform: "shell", Workspace: "demo", User: "nina"}}
	for i, target := range targets {
		if r := b.Handle(context.Background(), &chat.Command{Origin: nina, Text: fmt.Sprintf("contacts add %s @city%d", target, i+1)}); !strings.Contains(r.Reply.Text, fmt.Sprintf("@city%d", i+1)) {
			t.Fatalf("contacts add: %s", r.Reply.Text)
		}
	}
	if r := b.Handle(context.Background(), &chat.Command{Origin: nina, Text: "followup people add kipina-2017 @juror1"}); !strings.Contains(r.Reply.Text, "@juror1") {
		t.Fatalf("people add: %s", r.Reply.Text)
	}
	if r := b.Handle(context.Background(), &chat.Action{Origin: nina, ActionID: followup.StartID("kipina-2017")}); !strings.Contains(r.Reply.Text, startedText(b.Cat)) {
		t.Fatalf("start: %s", r.Reply.Text)
	}
}

// drive runs the campaign through every phase until nothing is due.
func drive(ctx context.Context, b *bot.Bot, clk *bottest.Clock) error {
	for _, ph := range phases {
		clk.Set(ph)
		for range 1000 {
			ran, err := b.Sched.Sweep(ctx)
			if err != nil {
				return err
			}
			if _, err := b.Outbox.Deliver(ctx); err != nil {
				return err
			}
			var pending int
			if err := b.DB.View(func(tx *storage.Tx) (err error) { pending, err = outbox.PendingCount(tx); return }); err != nil {
				return err
			}
			if ran == 0 && pending == 0 {
				break
			}
			if ctx.Err() != nil {
				return ctx.Err()
			}
		}
	}
	return nil
}

// expected lists the keys the campaign must deliver, from the data alone:
// the survey to every participant, the next-steps and pilot questions to
// each company and its process contact. (Escalations and late notices are
// counted from the outbox.)
func expected(n int) []outbox.Key {
	var out []outbox.Key
	ref := func(u string) chat.UserRef { return chat.UserRef{Platform: "shell", Workspace: "demo", User: u} }
	for i := range n {
		out = append(out, followup.SurveyKey("demo", "kipina-2017", ref(fmt.Sprintf("company%d", i+1))))
	}
	out = append(out, followup.SurveyKey("demo", "kipina-2017", ref("juror1")))
	for i := range targets {
		out = append(out, followup.SurveyKey("demo", "kipina-2017", ref(fmt.Sprintf("city%d", i+1))))
	}
	for _, s := range []followup.Step{followup.NextSteps, followup.PilotStep} {
		for i := range n {
			app := fmt.Sprintf("H%04d", i+1)
			out = append(out, followup.PromptKey("demo", "kipina-2017", s, app, ref(fmt.Sprintf("company%d", i+1))),
				followup.PromptKey("demo", "kipina-2017", s, app, ref(fmt.Sprintf("city%d", i%len(targets)+1))))
		}
	}
	return out
}

// TestMain lets the restart test run this binary as a child that drives the
// campaign and dies.
func TestMain(m *testing.M) {
	if dir := os.Getenv("FOLLOWUP_CHILD"); dir != "" {
		os.Exit(child(dir))
	}
	os.Exit(m.Run())
}

// child drives the campaign in dir; with FOLLOWUP_CRASH_AFTER=k it exits
// right after the k-th message reached the platform, before the outbox
// recorded it.
func child(dir string) int {
	crashAfter := 0
	if s := os.Getenv("FOLLOWUP_CRASH_AFTER"); s != "" {
		var err error
		if crashAfter, err = strconv.Atoi(s); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	}
	p := newLogPlatform(filepath.Join(dir, "sent.log"), 0)
	p.afterPost = func(n int64) {
		if crashAfter > 0 && n >= int64(crashAfter) {
			os.Exit(3)
		}
	}
	clk := bottest.NewClock(phases[0])
	t := &testing.T{}
	b, db := openBot(t, dir, clk, p)
	defer db.Close()
	if err := drive(context.Background(), b, clk); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// TestRestartNoDuplicatesNoLosses runs the campaign in child processes on
// one bbolt file, each killed right after a delivery chosen from those still
// to come (so every kill lands while there is work, where a fault would
// show), then finishes it; every message must be in the delivery log
// exactly once. FOLLOWUP_CRASH_SEED replays a run's choices.
func TestRestartNoDuplicatesNoLosses(t *testing.T) {
	const n = 8
	rounds := 10
	switch {
	case testing.Short():
		rounds = 3
	case raceEnabled:
		rounds = 5
	}
	seedRand := uint64(time.Now().UnixNano())
	if s := os.Getenv("FOLLOWUP_CRASH_SEED"); s != "" {
		var err error
		if seedRand, err = strconv.ParseUint(s, 10, 64); err != nil {
			t.Fatalf("FOLLOWUP_CRASH_SEED: %v", err)
		}
	}
	t.Logf("FOLLOWUP_CRASH_SEED=%d", seedRand)
	rng := rand.New(rand.NewPCG(seedRand, 7))
	want := expected(n)
	crashes := 0
	for round := range rounds {
		dir := t.TempDir()
		seed(t, dir, n)
		delivered := 0
		for range 1 + rng.IntN(3) {
			left := len(readLog(filepath.Join(dir, "sent.log")))
			if left >= len(want) {
				break
			}
			// Die after the k-th delivery of this child: before the last
			// message, so the child always has work left when it dies.
			k := 1 + rng.IntN(len(want)-left)
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), "FOLLOWUP_CHILD="+dir, fmt.Sprintf("FOLLOWUP_CRASH_AFTER=%d", k))
			var ee *exec.ExitError
			if err := cmd.Run(); !errors.As(err, &ee) || ee.ExitCode() != 3 {
				t.Fatalf("round %d: the child did not die after delivery %d: %v", round, k, err)
			}
			crashes++
			delivered = len(readLog(filepath.Join(dir, "sent.log")))
		}
		if delivered == 0 {
			t.Fatalf("round %d: no child delivered anything before dying", round)
		}
		// Restart on the same file and run to completion.
		p := newLogPlatform(filepath.Join(dir, "sent.log"), 0)
		clk := bottest.NewClock(phases[0])
		b, db := openBot(t, dir, clk, p)
		if err := drive(context.Background(), b, clk); err != nil {
			t.Fatal(err)
		}
		p.close()
		got := readLog(filepath.Join(dir, "sent.log"))
		wanted := map[string]bool{} // message ids of the wanted keys
		losses := 0
		err := db.View(func(tx *storage.Tx) error {
			for _, k := range want {
				it, err := outbox.Lookup(tx, k)
				if err != nil {
					return fmt.Errorf("%s: %w", k, err)
				}
				if it.State != outbox.Sent {
					t.Errorf("round %d: %s not sent: %s", round, k, it.State)
				}
				if got[it.ID].count == 0 {
					losses++
					t.Errorf("round %d: %s never delivered", round, k)
				}
				wanted[it.ID] = true
			}
			pending, err := outbox.PendingCount(tx)
			if err != nil {
				return err
			}
			if pending != 0 {
				t.Errorf("round %d: %d pending", round, pending)
			}
			failed, err := outbox.Undelivered(tx, "demo")
			if err != nil {
				return err
			}
			if len(failed) != 0 {
				t.Errorf("round %d: %d failed", round, len(failed))
			}
			return nil
		})
		db.Close()
		if err != nil {
			t.Fatal(err)
		}
		dups, escalations := 0, 0
		for id, d := range got {
			if d.count > 1 {
				dups++
				t.Errorf("round %d: %s (%s: %s) delivered %d times", round, id, d.to, d.first, d.count)
			}
			switch {
			case wanted[id]:
			case d.to == "shell:demo:#kipina-organisers" && strings.HasPrefix(d.first, "⚠️ "):
				escalations++
			default:
				t.Errorf("round %d: %s (%s: %s) delivered but not expected", round, id, d.to, d.first)
			}
		}
		if escalations != 2 {
			t.Errorf("round %d: %d escalations, want 2 (stale at day 33, again at day 90)", round, escalations)
		}
		if dups+losses > 0 || t.Failed() {
			t.Fatalf("round %d: %d duplicates, %d losses", round, dups, losses)
		}
	}
	t.Logf("%d rounds, %d crashes after a delivery, %d messages each", rounds, crashes, len(want)+2)
}
