package slack

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// Slash and submission counts of one BenchmarkSlashBurst burst.
const (
	slashBurst      = 500
	submitsPerBurst = 200
)

// BenchmarkSlashBurst is the morning a call opens: 500 slash commands from
// 500 people the bot has never seen (no profile cached or stored) and 200
// application submissions from other new people, all sent at once over
// Socket Mode on loopback. Each iteration sends the same burst to a bare
// slack-go Socket Mode client that acks every envelope at once (its own
// fake server) and then to the bot (real core, application module, bbolt
// in a temporary directory), and reports ack latency p50/p99 in ms of
// both, per kind, and the ratios of the bot's p99 to the bare client's.
// It fails when an ack takes over 3 s, a slash command gets no reply or
// an acknowledged submission is not stored. "users.info-429" has the fake
// answer users.info with 429 (Retry-After 60 s) after 100 calls.
//
//	go test -run '^$' -bench SlashBurst -benchtime 3x ./bot/slack/
func BenchmarkSlashBurst(b *testing.B) {
	b.Run("uncached", func(b *testing.B) { runSlashBurst(b, 0) })
	b.Run("users.info-429", func(b *testing.B) { runSlashBurst(b, 100) })
}

func runSlashBurst(b *testing.B, usersInfoLimit int) {
	fBare, fBot := newFakeSlack(b), newFakeSlack(b)
	fBot.usersInfoLimit = usersInfoLimit
	bare(b, fBare)
	a, bk := startBot(b, fBot, nil)
	fBot.openCall("C1")
	view := applyAs(b, fBot, "UORG")
	ids := businessIDs(b, submitsPerBurst*20)
	var bareSlash, bareSubmit, botSlash, botSubmit []time.Duration
	iter, submitted := 0, 0
	for b.Loop() {
		if (iter+1)*submitsPerBurst > len(ids) {
			b.Fatal("out of business ids: use -benchtime of at most 20x")
		}
		batch := ids[iter*submitsPerBurst : (iter+1)*submitsPerBurst]
		s, u, _ := burstOf(b, fBare, view, batch, fmt.Sprintf("x%d", iter))
		bareSlash, bareSubmit = append(bareSlash, s...), append(bareSubmit, u...)
		s, u, replies := burstOf(b, fBot, view, batch, fmt.Sprintf("k%d", iter))
		botSlash, botSubmit = append(botSlash, s...), append(botSubmit, u...)
		submitted += submitsPerBurst
		waitReplies(b, fBot, replies)
		iter++
	}
	p := func(lat []time.Duration, q float64) float64 {
		lat = slices.Clone(lat)
		slices.Sort(lat)
		return float64(lat[min(len(lat)-1, int(q*float64(len(lat))))]) / float64(time.Millisecond)
	}
	all := func(x, y []time.Duration) []time.Duration { return append(slices.Clone(x), y...) }
	b.ReportMetric(p(bareSlash, .5), "bare-slash-p50-ms")
	b.ReportMetric(p(bareSlash, .99), "bare-slash-p99-ms")
	b.ReportMetric(p(botSlash, .5), "slash-p50-ms")
	b.ReportMetric(p(botSlash, .99), "slash-p99-ms")
	b.ReportMetric(p(bareSubmit, .5), "bare-submit-p50-ms")
	b.ReportMetric(p(bareSubmit, .99), "bare-submit-p99-ms")
	b.ReportMetric(p(botSubmit, .5), "submit-p50-ms")
	b.ReportMetric(p(botSubmit, .99), "submit-p99-ms")
	b.ReportMetric(p(botSlash, .99)/p(bareSlash, .99), "ratio-slash-p99")
	b.ReportMetric(p(botSubmit, .99)/p(bareSubmit, .99), "ratio-submit-p99")
	b.ReportMetric(p(all(botSlash, botSubmit), .99)/p(all(bareSlash, bareSubmit), .99), "ratio-p99")
	fBot.mu.Lock()
	limited := len(fBot.limitedAt["users.info"])
	fBot.mu.Unlock()
	b.ReportMetric(float64(a.usersInfoCalls("tampere")), "users.info-calls")
	b.ReportMetric(float64(limited), "users.info-429s")
	b.ReportMetric(0, "ns/op")
	if n := stored(b, bk); n != submitted {
		b.Errorf("%d submissions acknowledged, %d stored", submitted, n)
	}
}

// burstOf sends 500 slash commands and 200 submissions interleaved, all at
// once, to f and returns the ack latencies of each kind and the
// response_url methods the commands' replies go to. tag makes the people
// new to the bot.
func burstOf(b *testing.B, f *fakeSlack, view map[string]any, bids []string, tag string) (slash, submit []time.Duration, replies []string) {
	type out struct {
		e     envelopeOut
		slash bool
	}
	var envs []out
	s, u := 0, 0
	for s < slashBurst || u < len(bids) {
		if s < slashBurst {
			p := f.slashCommand(fmt.Sprintf("U%sS%04d", strings.ToUpper(tag), s), "C1", "help")
			m := fmt.Sprintf("respond/%s-%d", tag, s)
			p["response_url"] = f.url() + m
			replies = append(replies, m)
			envs = append(envs, out{f.prepare("slash_commands", p), true})
			s++
		}
		// Two submissions for every five commands.
		if u < len(bids) && (s%5 == 2 || s%5 == 4 || s == slashBurst) {
			user := fmt.Sprintf("U%sA%04d", strings.ToUpper(tag), u)
			envs = append(envs, out{f.prepare("interactive", viewSubmission(user, view, application(b, view, bids[u]))), false})
			u++
		}
	}
	sent := make([]time.Time, len(envs))
	for i, e := range envs {
		sent[i] = f.write(e.e)
	}
	for i, e := range envs {
		select {
		case a := <-e.e.ch:
			d := a.At.Sub(sent[i])
			if d > 3*time.Second {
				b.Errorf("ack after %v", d)
			}
			if e.slash {
				slash = append(slash, d)
			} else {
				submit = append(submit, d)
				if len(a.Payload) > 0 && !strings.Contains(string(a.Payload), `"response_action":"update"`) {
					b.Errorf("submission ack %s", a.Payload)
				}
			}
		case <-time.After(10 * time.Second):
			b.Fatal("no ack")
		}
	}
	return slash, submit, replies
}

// waitReplies waits until every command's reply reached its response_url.
func waitReplies(b *testing.B, f *fakeSlack, methods []string) {
	deadline := time.Now().Add(60 * time.Second)
	for {
		got := map[string]bool{}
		for _, m := range f.methods() {
			got[m] = true
		}
		missing := 0
		for _, m := range methods {
			if !got[m] {
				missing++
			}
		}
		if missing == 0 {
			return
		}
		if time.Now().After(deadline) {
			b.Fatalf("%d of %d command replies never came", missing, len(methods))
		}
		time.Sleep(20 * time.Millisecond)
	}
}
