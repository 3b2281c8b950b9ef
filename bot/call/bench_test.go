package call_test

import (
	"context"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkSubmitAlone measures one application submitted on an idle bot:
// validation, the commit (one fsync) and the answer.
func BenchmarkSubmitAlone(b *testing.B) {
	bt, db := openBot(b, filepath.Join(b.TempDir(), "k.db"))
	defer db.Close()
	ctx := context.Background()
	b.ResetTimer()
	for i := range b.N {
		if r := bt.Handle(ctx, submission(i)); r.Reply == nil {
			b.Fatal("refused")
		}
	}
}

// BenchmarkSubmit100Concurrent submits from 100 goroutines at once and
// reports the latency of each submission (p50, p99): bbolt's Batch groups
// the commits so fsyncs do not queue one behind another.
func BenchmarkSubmit100Concurrent(b *testing.B) {
	bt, db := openBot(b, filepath.Join(b.TempDir(), "k.db"))
	defer db.Close()
	ctx := context.Background()
	var next atomic.Int64
	var mu sync.Mutex
	var lat []time.Duration
	b.ResetTimer()
	var wg sync.WaitGroup
	for range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= b.N {
					return
				}
				t0 := time.Now()
				if r := bt.Handle(ctx, submission(i)); r.Reply == nil {
					b.Error("refused")
					return
				}
				d := time.Since(t0)
				mu.Lock()
				lat = append(lat, d)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
}
