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

var finnish = texts{
	lang: "fi", eventSaved: "Tapahtuma tallennettu: Kipinä 2027 (tunniste kipina-2027)", dateTooEarly: "Hakuajan pitää päättyä viimeistään tapahtumapäivänä.",
	callOpened: "Haku Kipinä 2027 on auki", apply: "Hae mukaan",
	bidCheck: "Y-tunnuksen tarkistusnumero ei täsmää", emailBad: "Anna sähköpostiosoite", consent: "vain, kun hyväksyt tietosuojaselosteen",
	received: "Kiitos! Hakemus H0001 tapahtumaan Kipinä 2027 on vastaanotettu", confirmDM: "Hakemuksesi H0001 on vastaanotettu: Katuvalo Oy → Kipinä 2027",
	notice: "Uusi hakemus H0001: Katuvalo Oy", edit: "Muokkaa H0001", updated: "Hakemus H0001 on päivitetty.",
	exists:   "Tällä Y-tunnuksella on jo hakemus tähän tapahtumaan. Sen lähettäjälle on kerrottu yrityksestäsi.",
	withdraw: "Peru H0001", withdrawYes: "Kyllä, peru hakemus", withdrawn: "Hakemus H0001 on peruttu.", undo: "Kumoa",
	statusWithdrawn: "peruttu: 1", deadlinePassed: "haku päättyi", history: "app.withdraw",
}

var english = texts{
	lang: "en", eventSaved: "Event saved: Kipinä 2027 (id kipina-2027)", dateTooEarly: "The deadline must be on or before the day of the event.",
	callOpened: "The call for Kipinä 2027 is open", apply: "Hae mukaan", // the channel post is in the workspace's language
	bidCheck: "The check digit of the business ID does not match", emailBad: "Give an e-mail address", consent: "only after accepting the privacy notice",
	received: "Thank you! Application H0001 to Kipinä 2027 is received", confirmDM: "Your application H0001 is received: Katuvalo Oy → Kipinä 2027",
	notice: "Uusi hakemus H0001: Katuvalo Oy", edit: "Edit H0001", updated: "Application H0001 is updated.",
	exists:   "There is already an application with this business ID for this event. Its sender has been told that someone tried",
	withdraw: "Withdraw H0001", withdrawYes: "Yes, withdraw", withdrawn: "Application H0001 is withdrawn.", undo: "Undo",
	statusWithdrawn: "withdrawn: 1", deadlinePassed: "closed", history: "app.withdraw",
}

// TestCallToApplication drives the whole first flow through the shell:
// organiser → event → call → apply (invalid fields first, then corrected)
// → edit → a second user with the same business ID refused → withdraw →
// status, in Finnish and in English.
func TestCallToApplication(t *testing.T) {
	for _, x := range []texts{finnish, english} {
		t.Run(x.lang, func(t *testing.T) {
			h := bottest.New(t, call.Module{})
			lang := "/kipina lang " + x.lang + "\n"

			out := h.Run(lang + "/kipina event new\n" + answers("Kipinä 2027", "2027-03-01", "Tampere-talo", "2027-03-05", "Kevään kipinä") +
				answers("2027-02-15"))
			must(t, out, x.dateTooEarly, x.eventSaved)

			out = h.Run("/kipina call open kipina-2027\n")
			must(t, out, x.callOpened, "── #shell", "Kipinä 2027")
			apply := button(t, out, x.apply)

			// anna applies: a malformed e-mail refused as it is typed, then
			// two bad fields refused at submit, kept and asked again.
			out = h.Run(":as anna\n" + lang + apply + "\n" + answers(
				"Katuvalo Oy", "1572860-1", "Anna Virtanen", "anna@katuvalo", "anna@katuvalo.fi", "https://katuvalo.fi", "2",
				"Katuvalot mittaavat liikennettä ja ilmanlaatua sensoreilla.", "2", "Tampereen Hervanta", "Pilotti Hervannassa", "-", "", "no", "no",
			) + answers("1572860-0", "yes"))
			must(t, out, x.bidCheck, x.emailBad, x.consent, "[1/2]", x.received, "── @anna", x.confirmDM, "── #kipina-organisers", x.notice)

			// Apply again: the form opens with the application she sent,
			// saying so; sending it edits that application, never a second.
			out = h.Run(apply + "\n" + answers("Katuvalo Oy", "1572860-0", "Anna Virtanen", "anna@katuvalo.fi", "", "2",
				"Sama uudestaan.", "2", "", "", "", "", "no", "yes") + ":cancel\n")
			must(t, out, h.Bot.Cat.T(x.lang, "apply.already", "App", "H0001", "Company", "Katuvalo Oy"), x.updated)
			mustNot(t, out, "H0002")

			// anna edits the summary; everything else is kept.
			out = h.Run("/kipina my\n")
			edit := button(t, out, x.edit)
			out = h.Run(edit + "\n" + answers("", "", "", "", "", "", "Katuvalot mittaavat liikennettä, melua ja ilmanlaatua.", "", "", "", "", "", "", ""))
			must(t, out, x.updated)

			// ville tries the same business ID: refused without learning who
			// applied (business IDs are public) or anything of the
			// application; its sender is told instead.
			out = h.Run(":as ville\n" + lang + apply + "\n" + answers("Katuvalo", "1572860-0", "Ville", "ville@example.fi", "", "3",
				"Meidän versio.", "1", "", "", "", "", "no", "yes") + ":cancel\n")
			must(t, out, x.exists, "── @anna")
			mustNot(t, out, "melua", "Hervanta", "(@anna)")

			// anna withdraws, after confirming.
			out = h.Run(":as anna\n/kipina my\n")
			out = h.Run(button(t, out, x.withdraw) + "\n")
			out = h.Run(button(t, out, x.withdrawYes) + "\n")
			must(t, out, x.withdrawn, x.undo)

			out = h.Run(":as nina\n/kipina status\n/kipina app H0001\n/kipina apps kipina-2027 sensors\n")
			must(t, out, x.statusWithdrawn, x.history, "app.submit", "app.edit", "Katuvalo Oy")

			// After the deadline the form refuses and says when it closed.
			h.Clock.Set(time.Date(2027, 3, 2, 8, 0, 0, 0, time.UTC))
			out = h.Run(":as ville\n" + apply + "\n")
			must(t, out, x.deadlinePassed, map[string]string{"fi": "15.2.2027 klo 23.59", "en": "15 Feb 2027 23:59"}[x.lang])

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
	}
}

func TestEventCancelTellsApplicants(t *testing.T) {
	h := bottest.New(t, call.Module{})
	out := h.Run("/kipina call open kipina-2017\n")
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
	ask("turku", "tiina", "call open kipina-2017")
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
