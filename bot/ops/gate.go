package ops

import (
	"context"
	"sync"
	"time"

	"github.com/kipina/kipina/bot/chat"
)

// Gate wraps the core's chat.Handler for the platforms: it times each
// event for the metrics and counts the events in flight, so a shutdown can
// wait for them (Wait) after the platforms stopped reading.
type Gate struct {
	// Next is the core.
	Next chat.Handler
	// Metrics, when set, records handler latency by event kind.
	Metrics *Metrics

	wg sync.WaitGroup
}

// Handle implements chat.Handler.
func (g *Gate) Handle(ctx context.Context, e chat.Event) chat.Response {
	g.wg.Add(1)
	defer g.wg.Done()
	start := time.Now()
	resp := g.Next.Handle(ctx, e)
	if g.Metrics != nil {
		g.Metrics.ObserveHandler(e, time.Since(start))
	}
	return resp
}

// Wait waits for the events in flight until ctx ends, and reports whether
// they all finished.
func (g *Gate) Wait(ctx context.Context) bool {
	done := make(chan struct{})
	go func() { g.wg.Wait(); close(done) }()
	select {
	case <-done:
		return true
	case <-ctx.Done():
		return false
	}
}
