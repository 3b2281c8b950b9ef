package mattermost

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/kipina/kipina/bot/chat"
	"github.com/mattermost/mattermost/server/public/model"
)

// An unknown @name costs one API call until the cached miss expires.
func TestUnknownMentionsCached(t *testing.T) {
	f := newFake()
	clk := newClock()
	a := newTestAdapter(t, f, clk.Now)
	c := a.conns[0]
	for range 3 {
		if got := a.mentions(context.Background(), c, "@nobody @nobody @nina"); got != "@nobody @nobody @u1" {
			t.Fatalf("mentions: %q", got)
		}
	}
	if f.byName != 2 {
		t.Errorf("%d lookups, want 2 (nobody once, nina once)", f.byName)
	}
	clk.add(missTTL + time.Second)
	a.mentions(context.Background(), c, "@nobody @nina")
	if f.byName != 3 {
		t.Errorf("%d lookups after the miss expired, want 3", f.byName)
	}
}

// gate is a handler that holds every event until released, counting how
// many it holds at once.
type gate struct {
	mu            sync.Mutex
	now, max, all int
	open          chan struct{}
}

func (g *gate) Handle(context.Context, chat.Event) chat.Response {
	g.mu.Lock()
	g.now++
	g.all++
	g.max = max(g.max, g.now)
	g.mu.Unlock()
	<-g.open
	g.mu.Lock()
	g.now--
	g.mu.Unlock()
	return chat.Response{}
}

func (g *gate) held() (now, max, all int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.now, g.max, g.all
}

// A flood of direct messages is handled at most maxDMsInFlight at a time:
// the websocket reader waits for a slot instead of starting a goroutine
// per message.
func TestDirectMessagesBounded(t *testing.T) {
	f := newFake()
	a := newTestAdapter(t, f, nil)
	c := a.conns[0]
	g := &gate{open: make(chan struct{})}
	const flood = 5 * maxDMsInFlight
	read := make(chan int, flood)
	go func() {
		for i := range flood {
			raw, _ := json.Marshal(&model.Post{Id: model.NewId(), UserId: "u1", ChannelId: "dm1", Message: "hei"})
			ev := model.NewWebSocketEvent(model.WebsocketEventPosted, "", "dm1", "", nil, "")
			ev.Add("channel_type", string(model.ChannelTypeDirect))
			ev.Add("post", string(raw))
			a.event(context.Background(), c, ev, g)
			read <- i
		}
	}()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if now, _, _ := g.held(); now == maxDMsInFlight {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the handler never held a full set of messages")
		}
		time.Sleep(time.Millisecond)
	}
	if n := len(read); n > maxDMsInFlight {
		t.Errorf("the reader went on past %d messages while all were held: %d read", maxDMsInFlight, n)
	}
	close(g.open)
	for range flood {
		<-read
	}
	for {
		if now, _, all := g.held(); now == 0 && all == flood {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("not every message was handled")
		}
		time.Sleep(time.Millisecond)
	}
	if _, m, _ := g.held(); m > maxDMsInFlight {
		t.Errorf("%d messages handled at once, want at most %d", m, maxDMsInFlight)
	}
}
