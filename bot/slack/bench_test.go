package slack

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/kipina/kipina/bot"
	"github.com/kipina/kipina/bot/call"
	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/bot/round"
	"github.com/kipina/kipina/storage"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

// burst is how many applicants submit at once.
const burst = 500

// BenchmarkSubmissionBurst sends bursts of 500 view_submission envelopes
// through Socket Mode on loopback and reports the ack latency (p50, p99,
// max in ms) of the bot — real core, application module, every
// submission committed to bbolt before its ack — and, on the same fake
// server in the same run, of a bare slack-go client that acks every
// envelope at once. "idle" sends one submission at a time to a quiet bot.
//
//	go test -run '^$' -bench SubmissionBurst -benchtime 3x ./bot/slack/
func BenchmarkSubmissionBurst(b *testing.B) {
	f := newFakeSlack(b)
	ids := businessIDs(b, 40*burst+200)
	b.Run("bare", func(b *testing.B) {
		view := applicationView(b, f)
		bare(b, f)
		var lat []time.Duration
		for b.Loop() {
			lat = append(lat, submitBurst(b, f, view, ids[:burst])...)
		}
		report(b, lat)
	})
	b.Run("bot", func(b *testing.B) {
		bk, view := openCall(b, f)
		warm(b, f)
		var lat []time.Duration
		used := 0
		for b.Loop() {
			lat = append(lat, submitBurst(b, f, view, ids[used:used+burst])...)
			used += burst
		}
		report(b, lat)
		b.ReportMetric(float64(stored(b, bk)), "stored")
		b.ReportMetric(float64(used), "submitted")
		if n := stored(b, bk); n != used {
			b.Errorf("%d submissions acked, %d stored", used, n)
		}
	})
	b.Run("idle", func(b *testing.B) {
		bk, view := openCall(b, f)
		var lat []time.Duration
		i := 0
		for b.Loop() {
			time.Sleep(20 * time.Millisecond) // a quiet bot: no batch in progress
			v := application(b, view, ids[len(ids)-1-i%200])
			v["company"] = fmt.Sprintf("Idle %d", i)
			a := f.roundTrip("interactive", viewSubmission("UORG", view, v))
			if got := decode(b, a.Payload); got["response_action"] != "update" {
				b.Fatalf("idle submission: %v", got)
			}
			lat = append(lat, a.At.Sub(a.Sent))
			i++
			if i%200 == 0 { // the ids are reused: start a new store
				b.StopTimer()
				bk, view = openCall(b, f)
				b.StartTimer()
			}
		}
		report(b, lat)
		_ = bk
	})
}

// applicationView is the application modal as the bot renders it, made
// without a connection: the same payload the bot and the bare client get.
func applicationView(b *testing.B, f *fakeSlack) map[string]any {
	a := newAdapter(b, f, nil)
	bk := newCore(b, a, nil, call.Module{})
	ctx := context.Background()
	org := chat.Origin{User: chat.UserRef{Platform: "slack", Workspace: "tampere", User: "UORG"}, Channel: "C1"}
	bk.Handle(ctx, &chat.Action{Origin: org, ActionID: "call-post:kipina-2017"})
	resp := bk.Handle(ctx, &chat.Action{Origin: org, ActionID: "apply:kipina-2017"})
	if resp.Form == nil {
		b.Fatalf("no form: %+v", resp)
	}
	raw, _ := json.Marshal(modal(*resp.Form, "fi"))
	var view map[string]any
	json.Unmarshal(raw, &view)
	return view
}

// bare runs a slack-go Socket Mode client that acks every envelope at once
// and does nothing else.
func bare(b *testing.B, f *fakeSlack) {
	api := slack.New("xoxb-bare", slack.OptionAPIURL(f.url()), slack.OptionAppLevelToken("xapp-bare"))
	smc := socketmode.New(api)
	ctx, cancel := context.WithCancel(context.Background())
	n := f.connections()
	done := make(chan struct{})
	go func() { defer close(done); smc.RunContext(ctx) }()
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case evt := <-smc.Events:
				if evt.Request != nil && evt.Request.EnvelopeID != "" {
					smc.Ack(*evt.Request)
				}
			}
		}
	}()
	b.Cleanup(func() { cancel(); <-done })
	f.waitConnected(n + 1)
}

// openCall starts the bot, opens the demo call and returns the modal the
// Apply button opens.
func openCall(b *testing.B, f *fakeSlack) (*bot.Bot, map[string]any) {
	_, bk := startBot(b, f, nil)
	f.openCall("C1")
	n := len(f.callsTo("views.open"))
	f.roundTrip("interactive", f.blockAction("UORG", "C1", "1.1", "apply:kipina-2017", ""))
	return bk, viewOf(b, f.waitCall("views.open", n+1))
}

// warm has every applicant press Apply first, as they would: the bot
// knows them (profile and language) before they submit.
func warm(b *testing.B, f *fakeSlack) {
	var chans []<-chan ack
	for j := range burst {
		_, ch, _ := f.send("interactive", f.blockAction(applicant(j), "C1", "1.1", "apply:kipina-2017", ""))
		chans = append(chans, ch)
	}
	for _, ch := range chans {
		select {
		case <-ch:
		case <-time.After(10 * time.Second):
			b.Fatal("warm-up: no ack")
		}
	}
}

func applicant(j int) string { return fmt.Sprintf("UA%04d", j) }

// submitBurst sends one submission per applicant at once and returns the
// ack latencies; with business ids, each ack must clear the modal.
func submitBurst(b *testing.B, f *fakeSlack, view map[string]any, ids []string) []time.Duration {
	type sent struct {
		ch <-chan ack
		at time.Time
	}
	envs := make([]envelopeOut, burst)
	for j := range envs {
		envs[j] = f.prepare("interactive", viewSubmission(applicant(j), view, application(b, view, ids[j])))
	}
	out := make([]sent, burst)
	for j, e := range envs {
		out[j] = sent{e.ch, f.write(e)}
	}
	lat := make([]time.Duration, 0, burst)
	for _, s := range out {
		select {
		case a := <-s.ch:
			d := a.At.Sub(s.at)
			if d > 3*time.Second {
				b.Errorf("ack after %v", d)
			}
			if bareAck := len(a.Payload) == 0; !bareAck {
				var p struct {
					Action string `json:"response_action"`
				}
				if json.Unmarshal(a.Payload, &p); p.Action != "update" {
					b.Errorf("ack %s", a.Payload)
				}
			}
			lat = append(lat, d)
		case <-time.After(10 * time.Second):
			b.Fatal("no ack")
		}
	}
	return lat
}

// report adds the latency percentiles in milliseconds.
func report(b *testing.B, lat []time.Duration) {
	slices.Sort(lat)
	pct := func(p float64) float64 {
		return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))]) / float64(time.Millisecond)
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.90), "p90-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(float64(lat[len(lat)-1])/float64(time.Millisecond), "max-ms")
	b.ReportMetric(0, "ns/op")
}

func stored(b testing.TB, bk *bot.Bot) int {
	var n int
	bk.DB.View(func(tx *storage.Tx) error {
		apps, err := round.Apps.All(tx, "tampere")
		n = len(apps)
		return err
	})
	return n
}

// businessIDs returns n valid, distinct Finnish business ids.
func businessIDs(b *testing.B, n int) []string {
	var out []string
	for base := 1000000; len(out) < n; base++ {
		for check := 0; check <= 9; check++ {
			if id, err := call.ParseBusinessID(fmt.Sprintf("%07d-%d", base, check)); err == nil {
				out = append(out, id)
				break
			}
		}
	}
	return out
}
