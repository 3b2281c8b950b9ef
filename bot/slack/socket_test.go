package slack

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// virtualClock is the reconnect loop's clock in tests: Sleep moves it on
// at once, up to a horizon, where it blocks until the test ends. So a run
// covers exactly the horizon of virtual time, however fast the machine.
type virtualClock struct {
	mu      sync.Mutex
	now     time.Time
	horizon time.Time
	waits   []time.Duration
	reached chan struct{}
}

func newVirtualClock(span time.Duration) *virtualClock {
	start := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	return &virtualClock{now: start, horizon: start.Add(span), reached: make(chan struct{})}
}

func (c *virtualClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

func (c *virtualClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	c.waits = append(c.waits, d)
	if c.now.Add(d).After(c.horizon) {
		select {
		case <-c.reached:
		default:
			close(c.reached)
		}
		c.mu.Unlock()
		<-ctx.Done()
		return ctx.Err()
	}
	c.now = c.now.Add(d)
	c.mu.Unlock()
	return nil
}

// reconnects runs the adapter against f for span of virtual time and
// returns the apps.connections.open calls of the run loop and the waits.
func reconnects(t *testing.T, f *fakeSlack, span time.Duration, setup func()) (int, []time.Duration) {
	t.Helper()
	a := newAdapter(t, f, nil)
	clock := newVirtualClock(span)
	a.socketClock = clock
	setup()
	f.mu.Lock()
	before := f.opens
	f.mu.Unlock()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx, &recorder{}) }()
	select {
	case <-clock.reached:
	case err := <-done:
		t.Fatalf("Run returned: %v", err)
	case <-time.After(20 * time.Second):
		// Without backoff the virtual clock never moves: a storm.
		f.mu.Lock()
		n := f.opens - before
		f.mu.Unlock()
		cancel()
		t.Fatalf("the horizon was never reached: %d connections opened meanwhile", n)
	}
	cancel()
	if err := <-done; err != context.Canceled {
		t.Errorf("Run: %v", err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	clock.mu.Lock()
	defer clock.mu.Unlock()
	return f.opens - before, clock.waits
}

// TestReconnectStorm: a server that says hello and at once disconnect
// gets exponential backoff, not a reconnect at once: in two minutes of
// virtual time at most 8 connections (1 s, 2 s, 4 s … apart), where the
// old loop made thousands.
func TestReconnectStorm(t *testing.T) {
	f := newFakeSlack(t)
	n, waits := reconnects(t, f, 2*time.Minute, func() {
		f.mu.Lock()
		f.disconnectAtOnce = "refresh_requested"
		f.mu.Unlock()
	})
	t.Logf("%d connections in 2 virtual minutes, waits %v", n, waits)
	if n < 2 || n > 8 {
		t.Errorf("%d connections in 2 virtual minutes, want 2 to 8; waits %v", n, waits)
	}
	for i := 1; i < len(waits); i++ {
		if waits[i] < waits[i-1] && waits[i] < maxBackoff {
			t.Errorf("backoff shrank: %v", waits)
		}
	}
}

// TestReconnectTooManyWebsockets: too_many_websockets always waits at
// least tooManyBackoff.
func TestReconnectTooManyWebsockets(t *testing.T) {
	f := newFakeSlack(t)
	n, waits := reconnects(t, f, 5*time.Minute, func() {
		f.mu.Lock()
		f.openError = "too_many_websockets"
		f.mu.Unlock()
	})
	if n < 2 || n > 10 {
		t.Errorf("%d attempts in 5 virtual minutes, want 2 to 10", n)
	}
	for _, w := range waits {
		if w < tooManyBackoff {
			t.Errorf("waited %v after too_many_websockets, want at least %v", w, tooManyBackoff)
		}
	}
}

// TestReconnectRefusedDial: a websocket URL whose server drops every
// connection before the handshake backs off like the storm. The listener
// stays bound for the whole test: a closed port could be taken by another
// test meanwhile and hold the dial open.
func TestReconnectRefusedDial(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return // closed at the end of the test
			}
			c.Close()
		}
	}()
	addr := ln.Addr().String()
	f := newFakeSlack(t)
	n, waits := reconnects(t, f, 2*time.Minute, func() {
		f.mu.Lock()
		f.wsURL = "ws://" + addr + "/ws"
		f.mu.Unlock()
	})
	if n < 2 || n > 8 {
		t.Errorf("%d dials in 2 virtual minutes, want 2 to 8; waits %v", n, waits)
	}
}

// TestCheckTriesTheAppToken: at start the app-level token is tried with
// apps.connections.open, and Slack's refusal names its variable; an
// api_url that does not answer as Slack is named with the URL tried.
func TestCheckTriesTheAppToken(t *testing.T) {
	f := newFakeSlack(t)
	f.mu.Lock()
	f.openError = "invalid_auth"
	f.mu.Unlock()
	ws := testWorkspace()
	ws.BotTokenEnv, ws.AppTokenEnv = "KIPINA_TAMPERE_BOT_TOKEN", "KIPINA_TAMPERE_APP_TOKEN"
	a, err := New(Options{Workspaces: []Workspace{ws}, APIURL: f.url(), Log: testLog()})
	if err != nil {
		t.Fatal(err)
	}
	err = a.Check(context.Background())
	if err == nil || !strings.Contains(err.Error(), "$KIPINA_TAMPERE_APP_TOKEN") || !strings.Contains(err.Error(), "apps.connections.open") {
		t.Errorf("refused app token: %v", err)
	}

	notSlack := httptest.NewServer(http.NotFoundHandler())
	defer notSlack.Close()
	a, err = New(Options{Workspaces: []Workspace{ws}, APIURL: notSlack.URL + "/wrong/", Log: testLog()})
	if err != nil {
		t.Fatal(err)
	}
	err = a.Check(context.Background())
	if err == nil || !strings.Contains(err.Error(), notSlack.URL+"/wrong/auth.test") || !strings.Contains(err.Error(), "api_url") {
		t.Errorf("wrong api_url: %v", err)
	}
}
