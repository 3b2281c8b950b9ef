package privacy_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kipina/kipina/bot"
	"github.com/kipina/kipina/bot/bottest"
	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/bot/followup"
	"github.com/kipina/kipina/bot/jury"
	"github.com/kipina/kipina/bot/outbox"
	"github.com/kipina/kipina/bot/privacy"
	"github.com/kipina/kipina/bot/round"
	"github.com/kipina/kipina/bot/schedule"
	"github.com/kipina/kipina/storage"
)

// The erased strings of anna's application, and bob's that must stay.
const (
	annaCompany = "Annan Aurinkopaneelit Oy"
	annaEmail   = "anna.aurinko@example.fi"
	annaName    = "Anna Aurinkoinen"
	annaSecret  = "Salainen kennoresepti kuparilla ja grafeenilla"
	annaComment = "Vahva tiimi mutta hinnoittelu epäselvä"
	annaSurvey  = "Annan mielestä tilaisuus oli liian pitkä"
	bobCompany  = "Bobin Betoni Oy"
	bobEmail    = "bob.betoni@example.fi"
)

type fixture struct {
	h  *bottest.Harness
	ev round.Event
	ws string
	// closed, when set, is called with the store file's bytes once the
	// harness has closed it.
	closed func(data []byte)
}

func setup(t *testing.T) *fixture {
	t.Helper()
	fx := &fixture{}
	// The store file is hard-linked into a folder of the test's own: this
	// clean-up is registered before the harness's, so it runs after the
	// harness closed the store and removed its folder.
	path := filepath.Join(t.TempDir(), "kipina.db")
	t.Cleanup(func() {
		if fx.closed == nil {
			return
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		fx.closed(data)
	})
	h := bottest.New(t, privacy.Module{})
	if err := os.Link(h.DB.Path(), path); err != nil {
		t.Fatal(err)
	}
	ws := "demo"
	ev := round.Event{ID: "kipina-2027", Name: "Kipinä 2027", Date: bottest.Start.AddDate(0, 1, 0), Deadline: bottest.Start.AddDate(0, 0, 20), CallOpen: true}
	anna, bob, juha := bottest.User("anna"), bottest.User("bob"), bottest.User("juha")
	err := h.DB.Update(func(tx *storage.Tx) error {
		if err := round.Events.Put(tx, ws, ev.ID, ev); err != nil {
			return err
		}
		apps := []round.Application{
			{ID: "H0001", Event: ev.ID, Owner: anna, State: round.Submitted, Company: annaCompany, BusinessID: bottest.BusinessID(1),
				Contact: annaName, Email: annaEmail, Website: "https://aurinko.example.fi", Summary: annaSecret, Secrets: true, Lang: "fi"},
			{ID: "H0002", Event: ev.ID, Owner: bob, State: round.Submitted, Company: bobCompany, BusinessID: bottest.BusinessID(2),
				Contact: "Bob Betoni", Email: bobEmail, Summary: "Hiilineutraali betoni kaupungin siltoihin", Lang: "fi"},
		}
		for _, a := range apps {
			if err := round.Put(tx, ws, a); err != nil {
				return err
			}
		}
		if err := bot.SaveUser(tx, bot.User{Ref: anna, Profile: chat.Profile{Name: annaName, Email: annaEmail}}); err != nil {
			return err
		}
		for _, rv := range []jury.Review{
			{Event: ev.ID, App: "H0001", Juror: juha, Scores: map[string]int{"impact": 4}, Comment: annaComment},
			{Event: ev.ID, App: "H0002", Juror: juha, Scores: map[string]int{"impact": 3}, Comment: "Betoni on hyvä"},
		} {
			if err := jury.Reviews.Put(tx, ws, rv.Event+"/"+rv.App+"/"+rv.Juror.User, rv); err != nil {
				return err
			}
		}
		if err := followup.Answers.Put(tx, ws, ev.ID+"/anna", followup.Answer{Event: ev.ID, User: anna, Role: "company", Score: 2, Comment: annaSurvey}); err != nil {
			return err
		}
		if _, err := outbox.Enqueue(tx, outbox.NewKey(ws, "test", "H0001"), chat.DM(anna), chat.Message{Text: "Hei " + annaName + ", hakemus H0001 on vastaanotettu"}); err != nil {
			return err
		}
		for _, u := range []chat.UserRef{anna, bob} {
			err := schedule.Add(tx, schedule.Item{Key: "test-remind/" + u.User, Workspace: ws, User: u, Kind: "test-remind", Due: bottest.Start.AddDate(1, 0, 0)})
			if err != nil {
				return err
			}
		}
		return tx.Audit(ws, storage.AuditEntry{Who: anna.String(), Action: "apply", Subject: "app/H0001", Detail: annaCompany})
	})
	if err != nil {
		t.Fatal(err)
	}
	fx.h, fx.ev, fx.ws = h, ev, ws
	return fx
}

// savedFile reads the file a reply names: the shell adapter's upload
// prints its path.
func savedFile(t *testing.T, out string) []byte {
	t.Helper()
	m := regexp.MustCompile(`(/\S+\.json)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no file in:\n%s", out)
	}
	b, err := os.ReadFile(m[1])
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestExport(t *testing.T) {
	f := setup(t)
	out := f.h.Run("/kipina privacy export @anna\n")
	data := savedFile(t, out)
	var doc struct {
		Applications []string         `json:"applications"`
		Records      []privacy.Record `json:"records"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Applications) != 1 || doc.Applications[0] != "H0001" {
		t.Errorf("applications %v, want [H0001]", doc.Applications)
	}
	for _, want := range []string{annaCompany, annaEmail, annaName, annaSecret, annaComment, annaSurvey} {
		if !bytes.Contains(data, []byte(want)) {
			t.Errorf("export lacks %q", want)
		}
	}
	for _, not := range []string{bobCompany, bobEmail, "Betoni on hyvä"} {
		if bytes.Contains(data, []byte(not)) {
			t.Errorf("export of anna holds bob's %q", not)
		}
	}
	buckets := map[string]bool{}
	for _, r := range doc.Records {
		buckets[r.Bucket] = true
	}
	for _, b := range []string{"apps", "jury-reviews", "followup-survey", "users", "audit", "outbox", "due"} {
		if !buckets[b] {
			t.Errorf("export has no record of %s: %v", b, buckets)
		}
	}

	t.Run("by e-mail and by application", func(t *testing.T) {
		for _, arg := range []string{strings.ToUpper(annaEmail), "H0001"} {
			data := savedFile(t, f.h.Run("/kipina privacy export "+arg+"\n"))
			if !bytes.Contains(data, []byte(annaSecret)) || bytes.Contains(data, []byte(bobCompany)) {
				t.Errorf("export %s: wrong records", arg)
			}
		}
	})
	t.Run("own export", func(t *testing.T) {
		data := savedFile(t, f.h.Run(":as bob\n/kipina privacy my\n"))
		if !bytes.Contains(data, []byte(bobCompany)) || bytes.Contains(data, []byte(annaCompany)) {
			t.Errorf("bob's own export is wrong:\n%s", data)
		}
	})
	t.Run("organisers only", func(t *testing.T) {
		out := f.h.Run(":as bob\n/kipina privacy export @anna\n")
		if strings.Contains(out, ".json") {
			t.Errorf("bob exported anna:\n%s", out)
		}
	})
}

func TestErase(t *testing.T) {
	f := setup(t)
	cat, lang := f.h.Bot.Cat, "fi"
	counts := func() (map[round.State]int, jury.Review) {
		var c map[round.State]int
		var rv jury.Review
		err := f.h.DB.View(func(tx *storage.Tx) (err error) {
			if c, err = round.CountByState(tx, f.ws, f.ev.ID); err != nil {
				return err
			}
			rv, err = jury.Reviews.Get(tx, f.ws, f.ev.ID+"/H0001/juha")
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return c, rv
	}
	before, _ := counts()

	out := f.h.Run("/kipina privacy erase @anna\n")
	bottest.Must(t, out, cat.T(lang, "privacy.erase.button"), "• apps: 1", "• jury-reviews: 1")
	t.Run("nothing changes without confirming", func(t *testing.T) {
		data := savedFile(t, f.h.Run("/kipina privacy export @anna\n"))
		if !bytes.Contains(data, []byte(annaSecret)) {
			t.Error("asking to erase erased")
		}
	})
	t.Run("confirming needs an organiser", func(t *testing.T) {
		btn := bottest.Button(t, out, cat.T(lang, "privacy.erase.button"))
		f.h.Run(":as bob\n" + btn + "\n")
		data := savedFile(t, f.h.Run(":as nina\n/kipina privacy export @anna\n"))
		if !bytes.Contains(data, []byte(annaSecret)) {
			t.Error("bob's click erased")
		}
	})
	out = f.h.Run(":as nina\n/kipina privacy erase @anna\n")
	// Messages not yet delivered: the harness delivers after each line.
	err := f.h.DB.Update(func(tx *storage.Tx) error {
		for _, u := range []chat.UserRef{bottest.User("anna"), bottest.User("bob")} {
			if _, err := outbox.Enqueue(tx, outbox.NewKey(f.ws, "pending", u.User), chat.DM(u), chat.Message{Text: "Muistutus"}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	done := f.h.Run(bottest.Button(t, out, cat.T(lang, "privacy.erase.button")) + "\n")
	bottest.Must(t, done, cat.T(lang, "privacy.backups.keep", "Count", f.h.Config.Backups.Keep))

	after, rv := counts()
	if len(after) != len(before) || after[round.Submitted] != before[round.Submitted] {
		t.Errorf("counts by state %v, were %v", after, before)
	}
	if rv.Scores["impact"] != 4 || rv.Comment != "" {
		t.Errorf("review after erasure: %+v (score kept, comment gone)", rv)
	}
	err = f.h.DB.View(func(tx *storage.Tx) error {
		a, err := round.LoadApp(tx, f.ws, "H0001")
		if err != nil {
			return err
		}
		if a.State != round.Submitted || a.Company != "" || a.Owner.User == "anna" {
			t.Errorf("application after erasure: %+v", a)
		}
		b, err := round.LoadApp(tx, f.ws, "H0002")
		if err != nil {
			return err
		}
		if b.Company != bobCompany || b.Email != bobEmail {
			t.Errorf("bob's application changed: %+v", b)
		}
		pending, err := schedule.Pending(tx, f.ws, "test-remind/")
		if err != nil {
			return err
		}
		if len(pending) != 1 || pending[0].User.User != "bob" {
			t.Errorf("due items after erasure: %+v", pending)
		}
		if _, err := outbox.Lookup(tx, outbox.NewKey(f.ws, "pending", "anna")); storage.IgnoreNotFound(err) != nil || err == nil {
			t.Errorf("anna's pending message: %v", err)
		}
		if _, err := outbox.Lookup(tx, outbox.NewKey(f.ws, "pending", "bob")); err != nil {
			t.Errorf("bob's pending message: %v", err)
		}
		log, err := tx.AuditLog(f.ws, "privacy")
		if err != nil {
			return err
		}
		if len(log) == 0 || log[len(log)-1].Action != "privacy.erase" || strings.Contains(log[len(log)-1].Detail, "anna") {
			t.Errorf("audit of the erasure: %+v", log)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	bottest.Must(t, f.h.Run("/kipina privacy export "+annaEmail+"\n"), cat.T(lang, "privacy.not_found", "Subject", annaEmail))

	f.closed = func(data []byte) {
		for _, s := range []string{annaCompany, annaEmail, annaName, annaSecret, annaComment, annaSurvey, `"user":"anna"`} {
			if bytes.Contains(data, []byte(s)) {
				t.Errorf("the store file still holds %q", s)
			}
		}
		if !bytes.Contains(data, []byte(bobCompany)) {
			t.Errorf("the store file lost bob's %q", bobCompany)
		}
	}
}

func TestRetention(t *testing.T) {
	f := setup(t)
	cat := f.h.Bot.Cat
	// The due items are planned when an application comes.
	at := planRetention(t, f)
	f.h.Clock.Set(at.AddDate(0, -1, -1))
	out := f.h.Tick(0)
	bottest.MustNot(t, out, "🗓️")
	out = f.h.Tick(26 * time.Hour)
	notice := cat.T("fi", "privacy.retention.notice", "Event", f.ev.Name, "Date", f.h.Bot.FormatTime("fi", "format.date", at, time.FixedZone("EET", 2*3600)), "Months", cat.T("fi", "count.months", "Count", 24))
	bottest.Must(t, out, notice)
	if data := readApp(t, f, "H0001"); data.Company != annaCompany {
		t.Fatal("erased at the notice")
	}
	f.h.Clock.Set(at.Add(time.Hour))
	f.h.Tick(0)
	for _, id := range []string{"H0001", "H0002"} {
		if a := readApp(t, f, id); a.Company != "" || a.Email != "" || a.Summary != "" || a.State != round.Submitted {
			t.Errorf("%s after retention: %+v", id, a)
		}
	}
	err := f.h.DB.View(func(tx *storage.Tx) error {
		log, err := tx.AuditLog(f.ws, "event/"+f.ev.ID)
		if err != nil {
			return err
		}
		if len(log) == 0 || log[len(log)-1].Action != "privacy.retention" || strings.Contains(log[len(log)-1].Detail, "Oy") {
			t.Errorf("retention audit: %+v", log)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	f.closed = func(data []byte) {
		for _, s := range []string{annaCompany, annaEmail, annaSecret, annaComment, annaSurvey, bobCompany, bobEmail} {
			if bytes.Contains(data, []byte(s)) {
				t.Errorf("the store file still holds %q after retention", s)
			}
		}
	}
}

// planRetention plans the event's retention as an application's coming
// does, and returns when the erasure is due.
func planRetention(t *testing.T, f *fixture) time.Time {
	t.Helper()
	a := readApp(t, f, "H0002")
	err := f.h.DB.Update(func(tx *storage.Tx) error {
		return round.AppSubmitted.Publish(context.Background(), f.h.Bot.Events, tx, round.Submission{Event: f.ev, App: &a, By: a.Owner})
	})
	if err != nil {
		t.Fatal(err)
	}
	var end time.Time
	err = f.h.DB.View(func(tx *storage.Tx) (err error) { end, err = privacy.FollowupEnd(tx, f.ws, f.ev); return err })
	if err != nil {
		t.Fatal(err)
	}
	return privacy.EraseAt(end, privacy.DefaultRetentionMonths)
}

func readApp(t *testing.T, f *fixture, id string) round.Application {
	t.Helper()
	var a round.Application
	if err := f.h.DB.View(func(tx *storage.Tx) (err error) { a, err = round.LoadApp(tx, f.ws, id); return err }); err != nil {
		t.Fatal(err)
	}
	return a
}

func FuzzParseSubject(f *testing.F) {
	for _, s := range []string{"H0001", "@anna", "@anna.", "anna@example.fi", "ANNA@Example.FI.", "@", "a@b", "<@U1>", "h 1", "kipinä"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sub, ok := privacy.ParseSubject(s)
		if !ok {
			return
		}
		if sub.Value == "" || strings.ContainsAny(sub.Value, " \t\n") {
			t.Errorf("%q → %+v", s, sub)
		}
		switch sub.Kind {
		case privacy.Email:
			if sub.Value != strings.ToLower(sub.Value) || strings.Count(sub.Value, "@") != 1 {
				t.Errorf("%q → e-mail %q", s, sub.Value)
			}
		case privacy.Person:
			if strings.ContainsAny(sub.Value, "@:/") {
				t.Errorf("%q → person %q", s, sub.Value)
			}
		case privacy.App:
			if strings.ContainsAny(sub.Value, "@:/ ") {
				t.Errorf("%q → application %q", s, sub.Value)
			}
		default:
			t.Errorf("%q → kind %q", s, sub.Kind)
		}
		again, ok := privacy.ParseSubject(sub.Value)
		if sub.Kind != privacy.Person && (!ok || again != sub) {
			t.Errorf("%q → %+v reads back as %+v", s, sub, again)
		}
	})
}
