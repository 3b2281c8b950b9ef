package mattermost

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/kipina/kipina/bot/httpsrv"
	"github.com/kipina/kipina/bot/httpsrv/limitstest"
)

// The listener closes an unauthenticated connection whose body never
// ends, and refuses a body past the limit on every endpoint.
func TestListenerLimits(t *testing.T) {
	f := newFake()
	a := newTestAdapter(t, f, nil)
	a.opts.HTTPLimits = httpsrv.Limits{Read: 300 * time.Millisecond, MaxBody: 64 << 10}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.serve(ctx, ln, &recorder{}) }()
	t.Cleanup(func() { cancel(); <-done })
	base := "http://" + ln.Addr().String()
	for _, p := range []string{PathCommand, PathDialog, PathAction} {
		limitstest.Unfinished(t, ln.Addr().String(), p)
		limitstest.Oversized(t, base, p, 100<<10, false)
		limitstest.Oversized(t, base, p, 100<<10, true)
	}
}
