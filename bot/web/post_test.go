package web_test

import (
	"context"
	"errors"
	"io"
	"mime"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kipina/kipina/bot"
	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/bot/outbox"
	"github.com/kipina/kipina/storage"
	"github.com/kipina/kipina/testtools/smtptest"
)

// TestPostThroughOutbox: a message with a button, a select and an .ics
// file goes through the outbox to SMTP (a 4xx first, retried); the button
// link dispatches the action once; the select link shows its options; a
// 5xx fails the message for good.
func TestPostThroughOutbox(t *testing.T) {
	var mu sync.Mutex
	var clicks []string
	e := start(t, moduleFunc(func(reg *bot.Registry, _ *bot.Env) error {
		reg.Action("meet", bot.Anyone, func(_ context.Context, r *bot.Request) (chat.Response, error) {
			a := r.Event.(*chat.Action)
			mu.Lock()
			clicks = append(clicks, r.User.String()+" "+a.ActionID+"="+a.Value)
			mu.Unlock()
			return chat.Response{Reply: &chat.Message{Text: "Kiitos, tapaaminen vahvistettu."}}, nil
		})
		return nil
	}))
	to := chat.Address{Platform: "email", Workspace: e.WS, User: "ville@example.fi"}
	msgKey, icsKey := outbox.NewKey(e.WS, "test", "schedule", "1"), outbox.NewKey(e.WS, "test", "schedule", "ics")
	msg := chat.Message{Text: "*Tapaamisesi Kipinä-päivänä*\nKlo 10.20, sali 2.",
		Controls: []chat.Control{{Kind: chat.Button, ID: "meet:ok", Label: "Sopii", Value: "slot-3"},
			{Kind: chat.Select, ID: "meet:move", Label: "Siirrä", Options: []chat.Option{{Value: "s1", Label: "10.00"}, {Value: "s2", Label: "11.40"}}}},
	}
	ics := chat.Message{Text: "Kalenterimerkintä", File: &chat.File{Name: "kipina.ics", Content: []byte("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")}}

	e.SMTP.Fail(451)
	err := e.DB.Update(func(tx *storage.Tx) error {
		if _, err := outbox.Enqueue(tx, msgKey, to, msg); err != nil {
			return err
		}
		_, err := outbox.Enqueue(tx, icsKey, to, ics)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	e.Bot.Outbox.Wake()
	// Wait until the refused attempt is recorded (with its retry time on
	// the fake clock) before moving the clock past the backoff.
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		recorded := false
		err := e.DB.View(func(tx *storage.Tx) error {
			for _, k := range []outbox.Key{msgKey, icsKey} {
				it, err := outbox.Lookup(tx, k)
				if err != nil {
					return err
				}
				recorded = recorded || it.Error != ""
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if recorded {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the 451 was never recorded")
		}
	}
	// Move the clock past the backoff until the retry is through: the
	// worker may record the failure (and its backoff) after a first move.
	for deadline := time.Now().Add(30 * time.Second); len(e.SMTP.Messages()) < 2 && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		e.Clock.Advance(time.Minute)
		e.Bot.Outbox.Wake()
	}
	e.SMTP.Wait(t, 2, time.Second)
	byKind := map[bool]smtptest.Message{} // true: the one with the file
	for _, x := range e.SMTP.Messages() {
		byKind[strings.Contains(string(x.Data), "kipina.ics")] = x
	}
	got := byKind[false]
	if got.To[0] != "ville@example.fi" || e.SMTP.Attempts() < 2 {
		t.Errorf("to %v after %d attempts", got.To, e.SMTP.Attempts())
	}
	m, err := got.Parsed()
	if err != nil {
		t.Fatal(err)
	}
	if s := smtptest.Header(m, "Subject"); s != "Tapaamisesi Kipinä-päivänä" {
		t.Errorf("subject %q", s)
	}
	if ct, _, _ := mime.ParseMediaType(m.Header.Get("Content-Type")); ct != "multipart/alternative" {
		t.Errorf("content type %s", ct)
	}
	raw, err := io.ReadAll(m.Body)
	if err != nil {
		t.Fatal(err)
	}
	body := strings.ReplaceAll(string(raw), "=\r\n", "")
	att, err := byKind[true].Parsed()
	if err != nil {
		t.Fatal(err)
	}
	attRaw, err := io.ReadAll(att.Body)
	if err != nil {
		t.Fatal(err)
	}
	if ct, _, _ := mime.ParseMediaType(att.Header.Get("Content-Type")); ct != "multipart/mixed" ||
		!strings.Contains(string(attRaw), "Content-Type: text/calendar") || !strings.Contains(string(attRaw), `filename="kipina.ics"`) {
		t.Errorf("no .ics attachment in %s:\n%s", ct, attRaw)
	}
	links := linkRe.FindAllString(body, -1)
	if len(links) < 2 {
		t.Fatalf("links %v", links)
	}
	button, sel := links[0], links[1]

	c := newClient(t)
	code, page, _ := c.do("GET", button, nil)
	if code != 200 || !strings.Contains(page, "Sopii") {
		t.Fatalf("button landing %d:\n%s", code, page)
	}
	csrf := field(t, csrfRe, page)
	code, page, _ = c.do("POST", button, url.Values{"csrf": {csrf}})
	if code != 200 || !strings.Contains(page, "tapaaminen vahvistettu") {
		t.Errorf("button: %d:\n%s", code, page)
	}
	if code, _, _ := c.do("POST", button, url.Values{"csrf": {csrf}}); code != 410 {
		t.Errorf("button replay: %d, want 410", code)
	}
	code, page, _ = c.do("GET", sel, nil)
	if code != 200 || !strings.Contains(page, `type="radio"`) || !strings.Contains(page, "11.40") {
		t.Fatalf("select page %d:\n%s", code, page)
	}
	if code, _, _ := c.do("POST", sel, url.Values{"csrf": {csrf}, "value": {"nope"}}); code != 422 {
		t.Errorf("select with a value not offered: %d", code)
	}
	if code, _, _ := c.do("POST", sel, url.Values{"csrf": {csrf}, "value": {"s2"}}); code != 200 {
		t.Errorf("select: %d", code)
	}
	mu.Lock()
	got2 := strings.Join(clicks, "; ")
	mu.Unlock()
	if want := "email:demo:ville@example.fi meet:ok=slot-3; email:demo:ville@example.fi meet:move=s2"; got2 != want {
		t.Errorf("actions %q, want %q", got2, want)
	}

	e.SMTP.Fail(550)
	err = e.DB.Update(func(tx *storage.Tx) error {
		_, err := outbox.Enqueue(tx, outbox.NewKey(e.WS, "test", "bounce"), to, chat.Message{Text: "Hei"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	e.Bot.Outbox.Wake()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var it outbox.Item
		err := e.DB.View(func(tx *storage.Tx) (err error) {
			it, err = outbox.Lookup(tx, outbox.NewKey(e.WS, "test", "bounce"))
			return
		})
		if err != nil && !errors.Is(err, storage.ErrNotFound) {
			t.Fatal(err)
		}
		if it.State == outbox.Failed {
			if !strings.Contains(it.Error, "550") {
				t.Errorf("failure %q", it.Error)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("5xx did not fail the message: %+v", it)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
