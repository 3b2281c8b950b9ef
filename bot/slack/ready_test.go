package slack

import (
	"sync/atomic"
	"testing"
	"time"
)

// eventually waits (up to 10 s) for cond, failing the test with what.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("never: %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestReadyAckAndReconnectHooks: the adapter is not ready before Run, is
// ready once Slack said hello, reports each ack's latency to OnAck and
// each reconnect to OnReconnect (for the ops metrics).
func TestReadyAckAndReconnectHooks(t *testing.T) {
	f := newFakeSlack(t)
	var acks, reconnects atomic.Int32
	a := newAdapter(t, f, func(o *Options) {
		o.OnAck = func(d time.Duration) {
			if d >= 0 {
				acks.Add(1)
			}
		}
		o.OnReconnect = func() { reconnects.Add(1) }
	})
	if a.Connected() {
		t.Fatal("ready before Run")
	}
	b := newCore(t, a, nil)
	run(t, a, b)
	f.waitConnected(1)
	eventually(t, "ready after hello", a.Connected)
	f.roundTrip("slash_commands", f.slashCommand("U1", "C1", "whoami"))
	eventually(t, "one ack observed", func() bool { return acks.Load() == 1 })
	if reconnects.Load() != 0 {
		t.Fatalf("reconnects before a drop: %d", reconnects.Load())
	}
	f.drop()
	f.waitConnected(2)
	eventually(t, "the reconnect counted and ready again", func() bool { return reconnects.Load() == 1 && a.Connected() })
}
