package followup_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/kipina/kipina/bot"
	"github.com/kipina/kipina/bot/bottest"
	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/bot/followup"
	"github.com/kipina/kipina/bot/round"
	"github.com/kipina/kipina/storage"
)

// memPlatform records what it is given, with the (fake) time.
type memPlatform struct {
	mu   sync.Mutex
	sent []string // "2006-01-02 15:04 address first line"
}

func (p *memPlatform) Name() string                                  { return "shell" }
func (p *memPlatform) Run(ctx context.Context, _ chat.Handler) error { <-ctx.Done(); return nil }
func (p *memPlatform) Update(context.Context, chat.Address, chat.MessageRef, chat.Message) error {
	return nil
}
func (p *memPlatform) Post(_ context.Context, to chat.Address, m chat.Message) (chat.MessageRef, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sent = append(p.sent, time.Now().In(helsinki).Format("2006-01-02 15:04 ")+to.String()+" "+strings.SplitN(m.Text, "\n", 2)[0])
	return chat.MessageRef{ID: fmt.Sprint(len(p.sent))}, nil
}

func (p *memPlatform) take() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := p.sent
	p.sent = nil
	return out
}

// TestCronWakesCampaign runs the real bot (its cron sweep every minute,
// the outbox worker, the system clock) in a synctest bubble: the survey
// goes out at 09:00 the morning after, woken by cron alone; then the bot
// is stopped for five days over the next-steps date and, restarted, sends
// it at once with an apology.
func TestCronWakesCampaign(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// The bubble starts at 2000-01-01 00:00 UTC, a Saturday.
		event := at(2000, 1, 3, 9, 0) // Monday: survey Tue 4.1., next steps Mon 17.1.
		dir := t.TempDir()
		p := &memPlatform{}
		b, db := openBot(t, dir, bot.SystemClock{}, p)
		err := db.Update(func(tx *storage.Tx) error {
			ev, err := round.LoadEvent(tx, "demo", "kipina-2017")
			if err != nil {
				return err
			}
			ev.Date = event
			if err := round.Events.Put(tx, "demo", ev.ID, ev); err != nil {
				return err
			}
			return addApps(context.Background(), b.Events, tx, []round.Application{{Event: ev.ID, Company: "Katuvalo Oy", BusinessID: "1572860-0",
				Owner: bottest.User("anna"), Target: "health", Lang: "fi"}}, round.Accepted)
		})
		if err != nil {
			t.Fatal(err)
		}
		nina := chat.Origin{User: chat.UserRef{Platform: "shell", Workspace: "demo", User: "nina"}}
		if r := b.Handle(context.Background(), &chat.Action{Origin: nina, ActionID: followup.StartID("kipina-2017")}); !strings.Contains(r.Reply.Text, startedText(b.Cat)) {
			t.Fatalf("start: %s", r.Reply.Text)
		}
		ctx1, stop1 := context.WithCancel(context.Background())
		defer stop1()
		done := make(chan error, 1)
		go func() { done <- b.RunBackground(ctx1) }()
		halt := func() { stop1(); <-done; db.Close() }
		defer func() { // a failed check must not leave the bubble's goroutines
			if halt != nil {
				halt()
			}
		}()

		time.Sleep(time.Until(at(2000, 1, 4, 8, 59, 30)))
		synctest.Wait()
		if got := p.take(); len(got) != 0 {
			t.Fatalf("sent before 09:00: %q", got)
		}
		time.Sleep(time.Minute)
		synctest.Wait()
		got := p.take()
		if len(got) != 1 || !strings.HasPrefix(got[0], "2000-01-04 09:00 shell:demo:@anna Kiitos osallistumisesta") {
			t.Fatalf("survey = %q", got)
		}

		// Down from Friday 14.1. to Saturday 22.1.: next steps (Mon 17.1.
		// 09:00) waits for the restart, then for Monday's working hours.
		time.Sleep(time.Until(at(2000, 1, 14, 12, 0)))
		stop1()
		halt = nil
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		db.Close()
		time.Sleep(time.Until(at(2000, 1, 22, 12, 0)))
		b, db = openBot(t, dir, bot.SystemClock{}, p)
		ctx2, stop2 := context.WithCancel(context.Background())
		defer stop2()
		go func() { done <- b.RunBackground(ctx2) }()
		halt = func() { stop2(); <-done; db.Close() }
		synctest.Wait()
		if got := p.take(); len(got) != 0 {
			t.Fatalf("sent on a Saturday after the restart: %q", got)
		}
		time.Sleep(time.Until(at(2000, 1, 24, 8, 1)))
		synctest.Wait()
		got = p.take()
		if len(got) != 2 || !strings.Contains(strings.Join(got, "\n"), "2000-01-24 08:00 shell:demo:@anna "+b.Cat.T("fi", "followup.late.note", "Date", "17.1.2000")) {
			t.Fatalf("after the restart = %q", got)
		}
		if !strings.Contains(got[1], "shell:demo:#kipina-organisers") || !strings.Contains(got[1], strings.Split(b.Cat.T("fi", "followup.late.late-note", "Date", cut, "Count", 7, "Sent", cut), cut)[1]) {
			t.Errorf("organiser notice = %q", got[1])
		}
	})
}
