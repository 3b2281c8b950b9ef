package ops

import (
	"context"
	"sync"
	"time"

	"github.com/kipina/kipina/bot/chat"
)

// Gate wraps the core's chat.Handler for the platforms: it times each
// event for the metrics and counts the events in flight, so a shutdown can
// close it and wait for them (Drain) after the platforms stopped reading.
type Gate struct {
	// Next is the core.
	Next chat.Handler
	// Metrics, when set, records handler latency by event kind.
	Metrics *Metrics
	// Closed answers an event that arrives once the gate is closed, without
	// running it (a "restarting, try again" reply); an empty Response when
	// nil.
	Closed func(e chat.Event) chat.Response

	mu     sync.Mutex
	closed bool
	wg     sync.WaitGroup
}

// Handle implements chat.Handler.
func (g *Gate) Handle(ctx context.Context, e chat.Event) chat.Response {
	g.mu.Lock()
	if g.closed {
		g.mu.Unlock()
		if g.Closed == nil {
			return chat.Response{}
		}
		return g.Closed(e)
	}
	g.wg.Add(1)
	g.mu.Unlock()
	defer g.wg.Done()
	start := time.Now()
	resp := g.Next.Handle(ctx, e)
	if g.Metrics != nil {
		g.Metrics.ObserveHandler(e, time.Since(start))
	}
	return resp
}

// Drain closes the gate to new events, waits for the events in flight
// until ctx ends, and reports whether they all finished.
func (g *Gate) Drain(ctx context.Context) bool {
	g.mu.Lock()
	g.closed = true
	g.mu.Unlock()
	done := make(chan struct{})
	go func() { g.wg.Wait(); close(done) }()
	select {
	case <-done:
		return true
	case <-ctx.Done():
		return false
	}
}
