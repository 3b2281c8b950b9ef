package call_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kipina/kipina/bot/bottest"
	"github.com/kipina/kipina/bot/call"
	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/bot/locale"
	"github.com/kipina/kipina/bot/outbox"
	"github.com/kipina/kipina/bot/round"
	"github.com/kipina/kipina/configs"
	"github.com/kipina/kipina/storage"
)

// Transcript helpers shared by the scenario tests.
var (
	must    = bottest.Must
	mustNot = bottest.MustNot
	button  = bottest.Button
)

// answers joins form answers, one line each.
func answers(a ...string) string { return strings.Join(a, "\n") + "\n" }

type texts struct {
	lang                                                     string
	eventSaved, dateTooEarly, callOpened, apply              string
	bidCheck, emailBad, consent, received, confirmDM, notice string
	edit, updated, exists, withdraw, withdrawYes, withdrawn  string
	undo, statusWithdrawn, deadlinePassed, history           string
}

// upTo renders message id with kv and cutAt set to a marker, and returns
// the text before it: for a message whose tail (a formatted deadline) the
// test does not pin.
func upTo(cat *locale.Catalog, lang, id, cutAt string, kv ...any) string {
	return bottest.UpTo(cat, lang, id, cutAt, kv...)
}

// dateIn writes a date as lang writes it (format.date).
func dateIn(cat *locale.Catalog, lang string, y int, m time.Month, d int) string {
	return time.Date(y, m, d, 12, 0, 0, 0, time.UTC).Format(cat.T(lang, "format.date"))
}

// textsIn builds the texts the scenario expects from the catalogue, so a
// change of wording changes the expectation with it.
func textsIn(cat *locale.Catalog, lang string) texts {
	T := func(id string, kv ...any) string { return cat.T(lang, id, kv...) }
	fi := func(id string, kv ...any) string { return cat.T("fi", id, kv...) } // channel posts: the workspace's language
	confirm, _, _ := strings.Cut(T("apply.confirm.dm", "App", "H0001", "Company", "Katuvalo Oy", "Event", "Kipinä 2027"), "\n")
	notice, _, _ := strings.Cut(fi("apply.notice", "App", "H0001", "Company", "Katuvalo Oy", "Event", "Kipinä 2027"), " (")
	return texts{
		lang:            lang,
		eventSaved:      upTo(cat, lang, "event.saved", "Deadline", "Name", "Kipinä 2027", "Event", "kipina-2027"),
		dateTooEarly:    T("event.deadline.rule", "Zone", "Europe/Helsinki", "Date", dateIn(cat, lang, 2027, 3, 1), "Latest", dateIn(cat, lang, 2027, 2, 28)),
		callOpened:      T("call.opened", "Event", "Kipinä 2027"),
		apply:           fi("call.apply.button"),
		bidCheck:        T("apply.business_id.check"),
		emailBad:        T("field.email"),
		consent:         T("apply.consent.required"),
		received:        T("apply.received", "App", "H0001", "Event", "Kipinä 2027"),
		confirmDM:       confirm,
		notice:          notice,
		edit:            T("my.edit.button") + " H0001",
		updated:         T("apply.updated", "App", "H0001"),
		exists:          T("apply.business_id.exists"),
		withdraw:        T("my.withdraw.button") + " H0001",
		withdrawYes:     T("withdraw.yes.button"),
		withdrawn:       T("withdraw.done", "App", "H0001"),
		undo:            T("withdraw.undo.button"),
		deadlinePassed:  upTo(cat, lang, "apply.deadline_passed", "Deadline", "Event", "Kipinä 2027"),
		statusWithdrawn: T("state.withdrawn") + ": 1",
		history:         T("app.history"),
	}
}

// TestCallToApplication drives the whole first flow through the shell:
// organiser → event → call → apply (invalid fields first, then corrected)
// → edit → a second user with the same business ID refused → withdraw →
// status, in Finnish and in English.
func TestCallToApplication(t *testing.T) {
	for _, lang := range []string{"fi", "en"} {
		t.Run(lang, func(t *testing.T) {
			h := bottest.New(t, call.Module{})
			x := textsIn(h.Bot.Cat, lang)
			setLang := "/kipina lang " + x.lang + "\n"
			// step runs one named step of the scenario; the steps share the
			// bot, so the first failing step ends the scenario.
			step := func(name string, f func(t *testing.T)) {
				t.Helper()
				if !t.Run(name, f) {
					t.FailNow()
				}
			}
			var apply string

			step("event with a deadline after its day, corrected", func(t *testing.T) {
				out := h.Run(setLang + "/kipina event new\n" + answers("Kipinä 2027", "2027-03-01", "Tampere-talo", "2027-03-05", "Kevään kipinä", "", "", "", "") +
					answers("2027-02-15"))
				must(t, out, x.dateTooEarly, x.eventSaved)
			})
			step("call opened in the channel", func(t *testing.T) {
				out := h.OpenCall("kipina-2027")
				must(t, out, x.callOpened, "── #shell", "Kipinä 2027")
				apply = button(t, out, x.apply)
			})
			step("bad fields refused, kept and asked again", func(t *testing.T) {
				// A malformed e-mail is refused as it is typed, then two bad
				// fields are refused at submit.
				out := h.Run(":as anna\n" + setLang + apply + "\n" + answers(
					"Katuvalo Oy", "1572860-1", "Anna Virtanen", "anna@katuvalo", "anna@katuvalo.fi", "https://katuvalo.fi", "2",
					"Katuvalot mittaavat liikennettä ja ilmanlaatua sensoreilla.", "2", "Tampereen Hervanta", "Pilotti Hervannassa", "-", "", "no", "no",
				) + answers("1572860-0", "yes"))
				must(t, out, x.bidCheck, x.emailBad, x.consent, "[1/2]", x.received, "── @anna", x.confirmDM, "── #kipina-organisers", x.notice)
			})
			step("applying again opens the application sent, never a second", func(t *testing.T) {
				// The form opens with the application she sent, saying so;
				// sending it edits that application.
				out := h.Run(apply + "\n" + answers("Katuvalo Oy", "1572860-0", "Anna Virtanen", "anna@katuvalo.fi", "", "2",
					"Sama uudestaan.", "2", "", "", "", "", "no", "yes") + ":cancel\n")
				must(t, out, h.Bot.Cat.T(x.lang, "apply.already", "App", "H0001", "Company", "Katuvalo Oy"), x.updated)
				mustNot(t, out, "H0002")
			})
			step("the sender edits the summary, the rest is kept", func(t *testing.T) {
				out := h.Run("/kipina my\n")
				edit := button(t, out, x.edit)
				out = h.Run(edit + "\n" + answers("", "", "", "", "", "", "Katuvalot mittaavat liikennettä, melua ja ilmanlaatua.", "", "", "", "", "", "", ""))
				must(t, out, x.updated)
			})
			step("someone else with the same business ID learns nothing", func(t *testing.T) {
				// Business IDs are public: the answer names nobody and shows
				// nothing of the application; its sender is told instead.
				out := h.Run(":as ville\n" + setLang + apply + "\n" + answers("Katuvalo", "1572860-0", "Ville", "ville@example.fi", "", "3",
					"Meidän versio.", "1", "", "", "", "", "no", "yes") + ":cancel\n")
				must(t, out, x.exists, "── @anna")
				mustNot(t, out, "melua", "Hervanta", "(@anna)")
			})
			step("withdrawn after confirming, with an undo", func(t *testing.T) {
				out := h.Run(":as anna\n/kipina my\n")
				out = h.Run(button(t, out, x.withdraw) + "\n")
				out = h.Run(button(t, out, x.withdrawYes) + "\n")
				must(t, out, x.withdrawn, x.undo)
			})
			step("organisers see the state and the history", func(t *testing.T) {
				out := h.Run(":as nina\n/kipina status\n/kipina app H0001\n/kipina apps kipina-2027 sensors\n")
				// History in words, not codes.
				must(t, out, x.statusWithdrawn, x.history, h.Bot.Cat.T(x.lang, "history.app.submit"), h.Bot.Cat.T(x.lang, "history.app.edit"),
					h.Bot.Cat.T(x.lang, "history.app.withdraw"), "@anna "+h.Bot.Cat.T(x.lang, "history.app.submit"), "Katuvalo Oy")
				mustNot(t, out, "app.submit", "shell:demo:", ": fi\n", ": en\n")
			})
			step("after the deadline the form refuses and says when it closed", func(t *testing.T) {
				h.Clock.Set(time.Date(2027, 3, 2, 8, 0, 0, 0, time.UTC))
				out := h.Run(":as ville\n" + apply + "\n")
				must(t, out, x.deadlinePassed, map[string]string{"fi": "15.2.2027 klo 23.59", "en": "15 Feb 2027 23:59"}[x.lang])
			})
			step("stored as the flow left it", func(t *testing.T) {
				err := h.DB.View(func(tx *storage.Tx) error {
					apps, err := round.EventApps(tx, "demo", "kipina-2027")
					if len(apps) != 1 || apps[0].State != round.Withdrawn || !strings.Contains(apps[0].Summary, "melua") || apps[0].BusinessID != "1572860-0" {
						t.Errorf("stored = %+v", apps)
					}
					return err
				})
				if err != nil {
					t.Fatal(err)
				}
			})
		})
	}
}

func TestEventCancelTellsApplicants(t *testing.T) {
	h := bottest.New(t, call.Module{})
	out := h.OpenCall("kipina-2017")
	apply := button(t, out, "Hae mukaan")
	for i, who := range []string{"anna", "sven"} {
		bid := []string{"1572860-0", "0112038-9"}[i]
		lang := map[string]string{"anna": "1", "sven": "3"}[who]
		h.Run(fmt.Sprintf(":as %s\n%s\n", who, apply) + answers("Yritys "+who, bid, who, who+"@example.fi", "", "4",
			"Terveyspalvelu.", "1", "", "", "", lang, "no", "yes"))
	}
	out = h.Run(":as nina\n/kipina event cancel kipina-2017\n")
	must(t, out, "2 hakijalle")
	out = h.Run(button(t, out, "Peru tapahtuma") + "\n")
	must(t, out, "── @anna", "Valitettavasti", "── @sven", "Tyvärr har")
	out = h.Run(":as anna\n" + apply + "\n")
	must(t, out, "on peruttu")
}

// TestWorkspacesDoNotMix: one deployment serves two cities; an
// application in one is invisible to the other's organisers, and the same
// business ID may apply in both.
func TestWorkspacesDoNotMix(t *testing.T) {
	cfg := configs.Default()
	turku := cfg.Workspaces[0]
	turku.ID, turku.Name, turku.Organisers = "turku", "Turku", []string{"tiina"}
	cfg.Workspaces = append(cfg.Workspaces, turku)
	b, db := openBotWith(t, cfg)
	defer db.Close()
	ctx := context.Background()
	ask := func(ws, user, text string) string {
		o := chat.Origin{User: chat.UserRef{Platform: "shell", Workspace: ws, User: user}, Channel: "c"}
		r := b.Handle(ctx, &chat.Command{Origin: o, Text: text})
		if r.Reply == nil {
			return ""
		}
		return r.Reply.Text
	}
	if r := b.Handle(ctx, &chat.Action{Origin: chat.Origin{User: chat.UserRef{Platform: "shell", Workspace: "turku", User: "tiina"}, Channel: "c"},
		ActionID: "call-post:kipina-2017"}); r.Reply == nil {
		t.Fatal("call open in turku")
	}
	sub := submission(1)
	if r := b.Handle(ctx, sub); r.Reply == nil || !strings.Contains(r.Reply.Text, "H0001") {
		t.Fatalf("apply in demo: %+v", r)
	}
	sub2 := submission(1)
	sub2.User.Workspace = "turku"
	if r := b.Handle(ctx, sub2); r.Reply == nil || !strings.Contains(r.Reply.Text, "H0001") {
		t.Fatalf("the same business ID in turku: %+v", r)
	}
	if got := ask("turku", "tiina", "app H0001"); !strings.Contains(got, "Company 1") || strings.Count(got, "Company 1") != 1 {
		t.Errorf("turku's own H0001: %q", got)
	}
	if got := ask("turku", "nina", "apps"); !strings.Contains(got, "vaatii roolin") {
		t.Errorf("demo's organiser is an organiser in turku: %q", got)
	}
	err := db.View(func(tx *storage.Tx) error {
		for _, ws := range []string{"demo", "turku"} {
			apps, err := round.EventApps(tx, ws, "kipina-2017")
			if err != nil {
				return err
			}
			if len(apps) != 1 || apps[0].Owner.Workspace != ws {
				t.Errorf("%s has %+v", ws, apps)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	// Both cities cancel the same event id: each applicant is told, though
	// the event and application ids are the same in both.
	for _, ws := range []string{"demo", "turku"} {
		org := map[string]string{"demo": "nina", "turku": "tiina"}[ws]
		o := chat.Origin{User: chat.UserRef{Platform: "shell", Workspace: ws, User: org}, Channel: "c"}
		if r := b.Handle(ctx, &chat.Action{Origin: o, ActionID: "event-cancel:kipina-2017"}); r.Update == nil {
			t.Fatalf("cancel in %s: %+v", ws, r)
		}
	}
	err = db.View(func(tx *storage.Tx) error {
		for _, ws := range []string{"demo", "turku"} {
			if _, err := outbox.Lookup(tx, outbox.NewKey(ws, "event", "kipina-2017", "cancel", "H0001")); err != nil {
				t.Errorf("%s's applicant is not told of the cancellation: %v", ws, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
