package slack

import (
	"strings"
	"testing"
	"time"

	"github.com/kipina/kipina/bot/httpsrv"
	"github.com/kipina/kipina/bot/httpsrv/limitstest"
)

// HTTP mode closes an unsigned connection whose body never ends, and
// refuses a body past the limit before checking its signature.
func TestHTTPModeLimits(t *testing.T) {
	f := newFakeSlack(t)
	a := newAdapter(t, f, func(o *Options) {
		o.Workspaces = []Workspace{{WorkspaceID: "tampere", TeamID: "T1", BotToken: "xoxb-test", SigningSecret: testSecret, Mode: HTTPMode}}
		o.Listen = "127.0.0.1:0"
		o.HTTPLimits = httpsrv.Limits{Read: 300 * time.Millisecond, MaxBody: 64 << 10}
	})
	run(t, a, &recorder{})
	select {
	case <-a.listening:
	case <-time.After(5 * time.Second):
		t.Fatal("not listening")
	}
	base := "http://" + a.httpAddr
	for _, p := range []string{PathCommands, PathInteractions, PathEvents} {
		limitstest.Unfinished(t, strings.TrimPrefix(base, "http://"), p)
		limitstest.Oversized(t, base, p, 100<<10, false)
		limitstest.Oversized(t, base, p, 100<<10, true)
	}
}
