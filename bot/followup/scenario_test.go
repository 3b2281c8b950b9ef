package followup_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kipina/kipina/bot/bottest"
	"github.com/kipina/kipina/bot/followup"
	"github.com/kipina/kipina/bot/round"
	"github.com/kipina/kipina/storage"
)

// TestCampaignScenario runs an event's whole follow-up campaign through
// the shell with the fake clock: start, the survey the morning after
// (answered with a comment, a stranger refused), results, next steps two
// weeks after (agreed; closed with a reason), an escalation of the company
// nobody answered for, the pilot question three months after, the funnel
// and an export.
func TestCampaignScenario(t *testing.T) {
	h := setup(t, at(2027, 2, 10, 9, 0), demoApps)
	fi := func(id string, kv ...any) string { return h.Bot.Cat.T("fi", id, kv...) }
	ev := loadEvent(t, h)
	name := ev.NameIn("fi")
	stage := func(s string) string { return fi("followup.stage." + s) }
	// step runs one named step of the scenario; the steps share the bot,
	// so the first failing step ends the scenario.
	step := func(name string, f func(t *testing.T)) {
		t.Helper()
		if !t.Run(name, f) {
			t.FailNow()
		}
	}
	var survey, nextSteps string

	step("started with a person added to the survey", func(t *testing.T) {
		out := h.Run("/kipina followup people add kipina-2017 @jussi\n")
		must(t, out, fi("followup.people.added", "Event", "kipina-2017", "Users", "@jussi"))
		out = startFollowUp(t, h)
		must(t, out, fi("followup.started", "Event", name, "Count", 3), "11.2.2027 klo 9.00", "24.2.2027 klo 9.00", "11.5.2027 klo 9.00")
	})
	step("the survey the morning after, not before", func(t *testing.T) {
		h.Clock.Set(at(2027, 2, 11, 8, 59))
		if out := h.Tick(0); strings.Contains(out, "──") {
			t.Fatalf("posted before the survey was due:\n%s", out)
		}
		survey = h.Tick(time.Minute)
		for _, u := range []string{"anna", "bertil", "dora", "pekka", "sari", "jussi"} {
			must(t, block(t, survey, "── @"+u), fi("followup.survey.prompt", "Event", name))
		}
		mustNot(t, survey, "@cecilia", "@nina")
	})
	step("answers and a comment; a stranger refused", func(t *testing.T) {
		annaSurvey := block(t, survey, "── @anna")
		out := h.Run(":as cecilia\n" + button(t, annaSurvey, "4") + "\n")
		must(t, out, fi("followup.not_yours"))
		out = h.Run(":as anna\n" + button(t, annaSurvey, "4") + "\n")
		must(t, out, fi("followup.survey.thanks", "Score", 4))
		out = h.Run(button(t, out, fi("followup.comment.button")) + "\n" + lines("Hyvät kohtaamiset, lisää aikaa keskusteluille."))
		must(t, out, fi("followup.comment.thanks"))
		out = h.Run(":as pekka\n" + button(t, block(t, survey, "── @pekka"), "2") + "\n:as jussi\n" + button(t, block(t, survey, "── @jussi"), "5") + "\n")
		must(t, out, fi("followup.survey.thanks", "Score", 2), fi("followup.survey.thanks", "Score", 5))
	})
	step("survey results", func(t *testing.T) {
		out := h.Run(":as nina\n/kipina survey results kipina-2017\n")
		must(t, out, fi("followup.results.counts", "Count", 3, "Asked", 6), fi("followup.results.mean", "Mean", "3,67"),
			"("+fi("followup.role.company")+", 4) Hyvät kohtaamiset", "• "+fi("followup.role.juror")+": 5,00", "• "+fi("followup.role.city")+": 2,00")
	})
	step("next steps asked two weeks after of each company and its process contact", func(t *testing.T) {
		prompt := func(company, app, target string) string {
			return fi("followup.nextsteps.prompt", "Event", name, "Company", company, "App", app, "Target", target)
		}
		h.Clock.Set(at(2027, 2, 24, 8, 59))
		if out := h.Tick(0); strings.Contains(out, upTo(h, "fi", "followup.nextsteps.prompt", "Company", "Event", name)) {
			t.Fatalf("next steps asked early:\n%s", out)
		}
		nextSteps = h.Tick(time.Minute)
		for _, u := range []string{"anna", "pekka", "bertil", "sari", "dora"} {
			must(t, block(t, nextSteps, "── @"+u), upTo(h, "fi", "followup.nextsteps.prompt", "Company", "Event", name))
		}
		must(t, block(t, nextSteps, "── @anna"), prompt("Katuvalo Oy", "H0001", "Terveys ja toimintakyky"))
		if n := count(nextSteps, "── @jussi"); n != 0 {
			t.Errorf("a juror got %d next-steps questions", n)
		}
	})
	step("an answer moves the pair; a later, lesser one does not move it back", func(t *testing.T) {
		out := h.Run(":as anna\n" + button(t, block(t, nextSteps, "── @anna"), fi("followup.agreed.button")) + "\n")
		must(t, out, fi("followup.answer.recorded", "Company", "Katuvalo Oy", "App", "H0001", "Stage", stage("nextsteps")))
		out = h.Run(":as pekka\n" + button(t, block(t, nextSteps, "── @pekka"), fi("followup.contacted.button")) + "\n")
		must(t, out, fi("followup.answer.noted", "Company", "Katuvalo Oy", "App", "H0001", "Stage", stage("nextsteps")))
	})
	step("a pair closed with a reason; someone else may not answer for it", func(t *testing.T) {
		out := h.Run(":as anna\n" + button(t, block(t, nextSteps, "── @sari"), fi("followup.closed.button")) + "\n")
		must(t, out, fi("followup.not_yours"))
		out = h.Run(":as sari\n" + button(t, block(t, nextSteps, "── @sari"), fi("followup.closed.button")) + "\n" + lines("2", "Ensi vuoden budjettiin"))
		must(t, out, fi("followup.close.intro", "App", "H0002"), fi("followup.answer.closed", "Company", "Sensori Ab", "App", "H0002"))
	})
	step("a pair nobody answered for is escalated once", func(t *testing.T) {
		// Thirty days after the event nobody has answered for H0004: the
		// organisers hear of it, once.
		h.Clock.Set(at(2027, 3, 12, 8, 0))
		out := h.Tick(2 * time.Hour)
		must(t, block(t, out, "── #kipina-organisers"), fi("followup.escalate.intro", "Event", name, "Count", 1, "Days", 30),
			upTo(h, "fi", "followup.escalate.line", "Stage", "App", "H0004", "Company", "Kirjasto Oy", "Target", "Sivistys ja elämänlaatu", "Count", 30))
		mustNot(t, out, "Katuvalo", "Sensori")
		if out := h.Tick(24 * time.Hour); strings.Contains(out, "Kirjasto") {
			t.Errorf("escalated twice:\n%s", out)
		}
	})
	step("the pilot question three months after, not to the closed pair", func(t *testing.T) {
		h.Clock.Set(at(2027, 5, 11, 9, 0))
		out := h.Tick(time.Minute)
		must(t, block(t, out, "── @pekka"), fi("followup.pilot.prompt", "Event", name, "Company", "Katuvalo Oy", "App", "H0001", "Target", "Terveys ja toimintakyky"))
		must(t, block(t, out, "── @dora"), upTo(h, "fi", "followup.pilot.prompt", "Company", "Event", name))
		mustNot(t, out, "── @sari", "── @bertil")
		out = h.Run(":as pekka\n" + button(t, block(t, out, "── @pekka"), fi("followup.pilot.button")) + "\n")
		must(t, out, fi("followup.answer.recorded", "Company", "Katuvalo Oy", "App", "H0001", "Stage", stage("pilot")))
	})
	step("the funnel", func(t *testing.T) {
		out := h.Run(":as nina\n/kipina followups kipina-2017\n")
		must(t, out, fmt.Sprintf("%s 3 → %s 1 → %s 1 → %s 1 → %s 0 · %s 1",
			stage("pitched"), stage("contacted"), stage("nextsteps"), stage("pilot"), stage("procurement"), stage("closed")),
			"• Terveys ja toimintakyky: 1 → 1 → 1 → 1 → 0 · 0", "H0004 Kirjasto Oy", "H0002 Sensori Ab: "+fi("followup.reason.budget")+": Ensi vuoden budjettiin")
	})
	step("the export", func(t *testing.T) {
		exportAndAudit(t, h)
	})
}

// loadEvent reads the demo event.
func loadEvent(t testing.TB, h *bottest.Harness) round.Event {
	t.Helper()
	var ev round.Event
	if err := h.DB.View(func(tx *storage.Tx) (err error) { ev, err = round.LoadEvent(tx, "demo", "kipina-2017"); return }); err != nil {
		t.Fatal(err)
	}
	return ev
}

const (
	cut      = bottest.Cut
	countCut = bottest.CountCut
)

// upTo renders message id in lang with kv and cutAt set to a marker, and
// returns the text before it: for a message whose tail the test does not
// pin. Count, which chooses the plural form, is cut at the number 97
// (the "other" form).
func upTo(h *bottest.Harness, lang, id, cutAt string, kv ...any) string {
	return bottest.UpTo(h.Bot.Cat, lang, id, cutAt, kv...)
}

// after renders message id in lang with kv and cutAt set to a marker, and
// returns the text after it: for a message whose head the test does not
// pin.
func after(h *bottest.Harness, lang, id, cutAt string, kv ...any) string {
	return bottest.After(h.Bot.Cat, lang, id, cutAt, kv...)
}

// exportAndAudit exports the campaign's event and checks the files and
// the audit log of the whole campaign.
func exportAndAudit(t *testing.T, h *bottest.Harness) {
	fi := func(id string, kv ...any) string { return h.Bot.Cat.T("fi", id, kv...) }
	// The export: uploaded by the shell (saved, path printed).
	out := h.Run(":as nina\n/kipina export kipina-2017\n")
	must(t, out, fi("export.uploaded", "Event", "kipina-2017", "Count", 6), fi("export.secret.note", "Count", 1))
	paths := regexp.MustCompile(`(?m)^\s*(/\S+\.(?:csv|xlsx))$`).FindAllStringSubmatch(out, -1)
	if len(paths) != 6 {
		t.Fatalf("want 6 files, got %d:\n%s", len(paths), out)
	}
	funnelCSV, err := os.ReadFile(filepath.Join(filepath.Dir(paths[0][1]), "kipina-2017-funnel.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(funnelCSV), "\ufeff"+fi("export.col.app")+";"+fi("export.col.company")) || !strings.Contains(string(funnelCSV), "H0002;Sensori Ab;") ||
		!strings.Contains(string(funnelCSV), fi("export.secret")) {
		t.Errorf("funnel CSV:\n%s", funnelCSV)
	}
	// History in words, not codes (issue 15: "shell:demo:anna pitched→nextsteps agreed").
	must(t, string(funnelCSV), ": "+fi("followup.stage.pitched")+" → "+fi("followup.stage.nextsteps"), " @")
	mustNot(t, string(funnelCSV), "shell:demo:", "pitched→", "→nextsteps")
	if err := h.DB.View(func(tx *storage.Tx) error {
		log, err := tx.AuditLog("demo", "event/kipina-2017")
		if err != nil {
			return err
		}
		var actions []string
		for _, e := range log {
			actions = append(actions, e.Action)
		}
		for _, want := range []string{"followup.start", "followup.survey", "followup.nextsteps", "followup.escalate", "followup.pilot", "export"} {
			if !strings.Contains(strings.Join(actions, " "), want) {
				t.Errorf("audit log lacks %s: %v", want, actions)
			}
		}
		p, _, err := followup.LoadPlan(tx, "demo", "kipina-2017")
		if err != nil {
			return err
		}
		for _, s := range followup.Steps {
			if p.Done[s].Policy != followup.OnTime {
				t.Errorf("step %s ran %q", s, p.Done[s].Policy)
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}
