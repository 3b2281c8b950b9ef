package followup_test

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/kipina/kipina/bot/bottest"
	"github.com/kipina/kipina/bot/outbox"
	"github.com/kipina/kipina/storage"
)

// throughput is the outcome of one rate-limited run.
type throughput struct {
	messages       int
	stepTook       time.Duration // the sweep that enqueued the step's messages
	deliverTook    time.Duration // first delivery to last, restart included
	dups, losses   int
	restartedAfter int
}

// runThroughput seeds apps applications (each with one process contact:
// 2×apps next-steps questions), runs the survey unlimited, then the
// next-steps step to a platform limited to rate messages a second,
// crashing half-way (the delivering goroutine ends between a send and its
// record, as a killed process would) and restarting on the same file.
func runThroughput(t testing.TB, apps int, rate float64) throughput {
	dir := t.TempDir()
	seed(t, dir, apps)
	// The survey, unlimited, out of the way.
	clk := bottest.NewClock(phases[0])
	fast := newLogPlatform(filepath.Join(dir, "survey.log"), 0)
	b, db := openBot(t, dir, clk, fast)
	if _, err := b.Sched.Sweep(context.Background()); err != nil {
		t.Fatal(err)
	}
	for {
		if n, err := b.Outbox.Deliver(context.Background()); err != nil || n == 0 {
			break
		}
	}
	fast.close()
	db.Close()

	var res throughput
	res.messages = 2 * apps
	logPath := filepath.Join(dir, "sent.log")
	half := int64(res.messages / 2)
	clk.Set(phases[1])
	var start time.Time
	for attempt := 0; attempt < 2; attempt++ {
		p := newLogPlatform(logPath, rate)
		if attempt == 0 {
			p.afterPost = func(n int64) {
				if n == 1 {
					start = time.Now()
				}
				if n == half {
					runtime.Goexit() // crash: sent, not recorded
				}
			}
		}
		b, db := openBot(t, dir, clk, p)
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := time.Now()
			if _, err := b.Sched.Sweep(context.Background()); err != nil {
				t.Error(err)
			}
			if attempt == 0 {
				res.stepTook = time.Since(s)
			}
			for {
				if n, err := b.Outbox.Deliver(context.Background()); err != nil || n == 0 {
					return
				}
			}
		}()
		wg.Wait()
		p.close()
		if attempt == 0 {
			res.restartedAfter = int(p.posts.Load())
		}
		var ids []string // the message ids of the next-steps questions
		if attempt == 1 {
			res.deliverTook = time.Since(start)
			survey := apps + 1 + len(targets)
			err := db.View(func(tx *storage.Tx) error {
				n, err := outbox.PendingCount(tx)
				if err != nil {
					return err
				}
				if n != 0 {
					t.Errorf("%d still pending", n)
				}
				for _, k := range expected(apps)[survey : survey+2*apps] {
					it, err := outbox.Lookup(tx, k)
					if err != nil {
						return fmt.Errorf("%s: %w", k, err)
					}
					ids = append(ids, it.ID)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		db.Close()
		got := readLog(logPath)
		for _, id := range ids {
			if got[id].count == 0 {
				res.losses++
			}
		}
	}
	got := readLog(logPath)
	for id, d := range got {
		if d.count > 1 {
			res.dups++
			t.Errorf("%s (%s: %s) delivered %d times", id, d.to, d.first, d.count)
		}
	}
	if want := res.messages; len(got) != want {
		t.Errorf("delivered %d distinct messages, want %d", len(got), want)
	}
	return res
}

// TestNothingLostAcrossARestartAtTheLimit: 200 follow-ups to a platform
// taking 50 a second, restarted half-way: every one arrives, none twice.
// The rate reached is a benchmark's figure (BenchmarkFollowUpsAt50PerSecond),
// not asserted here: a busy machine must not fail the suite.
func TestNothingLostAcrossARestartAtTheLimit(t *testing.T) {
	if testing.Short() {
		t.Skip("takes 4 s")
	}
	res := runThroughput(t, 100, 50)
	t.Logf("%d messages in %s (restart after %d)", res.messages, res.deliverTook.Round(time.Millisecond), res.restartedAfter)
	if res.dups != 0 || res.losses != 0 {
		t.Errorf("%d duplicates, %d losses", res.dups, res.losses)
	}
}

// BenchmarkFollowUpsUnlimited is the same path with no rate limit: what
// the outbox manages on this disk (two fsync'd commits per message).
func BenchmarkFollowUpsUnlimited(b *testing.B) {
	var res throughput
	for range b.N {
		res = runThroughput(b, 500, 0)
	}
	b.ReportMetric(float64(res.messages-1)/res.deliverTook.Seconds(), "msgs/s")
	b.ReportMetric(float64(res.dups+res.losses), "dups+losses")
}

// BenchmarkFollowUpsAt50PerSecond sends 500 and 5,000 next-steps
// questions through the outbox to a platform fake limited to 50 messages a
// second (chat.RateLimited), restarting the bot half-way, and reports the
// rate against the limit and the duplicates and losses (both must be 0).
// The 5,000 case takes about 100 s:
//
//	go test -run '^$' -bench FollowUpsAt50PerSecond -benchtime 1x ./bot/followup
func BenchmarkFollowUpsAt50PerSecond(b *testing.B) {
	for _, msgs := range []int{500, 5000} {
		b.Run(fmt.Sprintf("messages=%d", msgs), func(b *testing.B) {
			var res throughput
			for range b.N {
				res = runThroughput(b, msgs/2, 50)
			}
			perSec := float64(res.messages-1) / res.deliverTook.Seconds()
			b.ReportMetric(perSec, "msgs/s")
			b.ReportMetric(perSec/50, "of-limit")
			b.ReportMetric(float64(res.dups), "duplicates")
			b.ReportMetric(float64(res.losses), "losses")
			b.ReportMetric(float64(res.stepTook.Milliseconds()), "step-enqueue-ms")
		})
	}
}
