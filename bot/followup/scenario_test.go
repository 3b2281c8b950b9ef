package followup_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kipina/kipina/bot/followup"
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
	out := h.Run("/kipina followup people add kipina-2017 @jussi\n")
	must(t, out, "@jussi")
	out = startFollowUp(t, h)
	must(t, out, "jatkoseuranta alkoi: 3 esitellyttä yritystä", "11.2.2027 klo 9.00", "24.2.2027 klo 9.00", "11.5.2027 klo 9.00")

	// Nothing before the morning after.
	h.Clock.Set(at(2027, 2, 11, 8, 59))
	if out := h.Tick(0); strings.Contains(out, "──") {
		t.Fatalf("posted before the survey was due:\n%s", out)
	}
	out = h.Tick(time.Minute)
	survey := out
	for _, u := range []string{"anna", "bertil", "dora", "pekka", "sari", "jussi"} {
		must(t, block(t, out, "── @"+u), "Miten onnistuimme?")
	}
	mustNot(t, out, "@cecilia", "@nina")
	annaSurvey := block(t, out, "── @anna")

	// anna gives 4 and a comment; cecilia (not asked) is refused.
	out = h.Run(":as cecilia\n" + button(t, annaSurvey, "4") + "\n")
	must(t, out, "Tämä kysymys ei koske sinua.")
	out = h.Run(":as anna\n" + button(t, annaSurvey, "4") + "\n")
	must(t, out, "Kiitos! Arviosi: 4/5")
	out = h.Run(button(t, out, "Lisää kommentti") + "\n" + lines("Hyvät kohtaamiset, lisää aikaa keskusteluille."))
	must(t, out, "Kiitos kommentista!")
	out = h.Run(":as pekka\n" + button(t, block(t, survey, "── @pekka"), "2") + "\n:as jussi\n" + button(t, block(t, survey, "── @jussi"), "5") + "\n")
	must(t, out, "Arviosi: 2/5", "Arviosi: 5/5")
	out = h.Run(":as nina\n/kipina survey results kipina-2017\n")
	must(t, out, "3 vastausta / kysyttyjä 6", "Keskiarvo 3,67 / 5", "(yritys, 4) Hyvät kohtaamiset", "• tuomari: 5,00", "• kaupunki: 2,00")

	// Two weeks after: the next-steps question to each company and its
	// process contact.
	h.Clock.Set(at(2027, 2, 24, 8, 59))
	if out := h.Tick(0); strings.Contains(out, "Oletteko sopineet") {
		t.Fatalf("next steps asked early:\n%s", out)
	}
	out = h.Tick(time.Minute)
	for _, u := range []string{"anna", "pekka", "bertil", "sari", "dora"} {
		must(t, block(t, out, "── @"+u), "Oletteko sopineet jatkosta?")
	}
	if n := count(out, "── @jussi"); n != 0 {
		t.Errorf("a juror got %d next-steps questions", n)
	}
	nextSteps := out
	out = h.Run(":as anna\n" + button(t, block(t, nextSteps, "── @anna"), "Kyllä, sovittu") + "\n")
	must(t, out, "Katuvalo Oy (H0001): vaihe on nyt ”jatkosta sovittu”")
	// pekka's later, lesser answer does not move the pair back.
	out = h.Run(":as pekka\n" + button(t, block(t, nextSteps, "── @pekka"), "Yhteydessä, ei vielä") + "\n")
	must(t, out, "vaihe on ”jatkosta sovittu”")
	// sari closes H0002 with a reason; anna may not answer for it.
	out = h.Run(":as anna\n" + button(t, block(t, nextSteps, "── @sari"), "Ei jatkoa") + "\n")
	must(t, out, "Tämä kysymys ei koske sinua.")
	out = h.Run(":as sari\n" + button(t, block(t, nextSteps, "── @sari"), "Ei jatkoa") + "\n" + lines("2", "Ensi vuoden budjettiin"))
	must(t, out, "Miksi H0002 ei jatku?", "Sensori Ab (H0002) ei jatka")

	// Thirty days after the event nobody has answered for H0004: the
	// organisers hear of it, once.
	h.Clock.Set(at(2027, 3, 12, 8, 0))
	out = h.Tick(2 * time.Hour)
	must(t, block(t, out, "── #kipina-organisers"), "1 yritys ei ole edennyt 30 päivään", "H0004 Kirjasto Oy", "Sivistys ja elämänlaatu")
	mustNot(t, out, "Katuvalo", "Sensori")
	if out := h.Tick(24 * time.Hour); strings.Contains(out, "Kirjasto") {
		t.Errorf("escalated twice:\n%s", out)
	}

	// Three months after: the pilot question, not to the closed pair.
	h.Clock.Set(at(2027, 5, 11, 9, 0))
	out = h.Tick(time.Minute)
	must(t, block(t, out, "── @pekka"), "aloittaneet kokeilun tai pilotin")
	must(t, block(t, out, "── @dora"), "aloittaneet kokeilun tai pilotin")
	mustNot(t, out, "── @sari", "── @bertil")
	out = h.Run(":as pekka\n" + button(t, block(t, out, "── @pekka"), "Pilotti alkanut") + "\n")
	must(t, out, "vaihe on nyt ”pilotti”")

	out = h.Run(":as nina\n/kipina followups kipina-2017\n")
	must(t, out, "esitelleet 3 → yhteydessä 1 → jatkosta sovittu 1 → pilotti 1 → hankinta 0 · päättyneet 1",
		"• Terveys ja toimintakyky: 1 → 1 → 1 → 1 → 0 · 0", "H0004 Kirjasto Oy", "H0002 Sensori Ab: ei budjettia: Ensi vuoden budjettiin")

	// The export: uploaded by the shell (saved, path printed).
	out = h.Run("/kipina export kipina-2017\n")
	must(t, out, "6 tiedostoa lähetetty", "1 hakemus sisältää liikesalaisuuksia")
	paths := regexp.MustCompile(`(?m)^\s*(/\S+\.(?:csv|xlsx))$`).FindAllStringSubmatch(out, -1)
	if len(paths) != 6 {
		t.Fatalf("want 6 files, got %d:\n%s", len(paths), out)
	}
	funnelCSV, err := os.ReadFile(filepath.Join(filepath.Dir(paths[0][1]), "kipina-2017-funnel.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(funnelCSV), "\ufeffHakemus;Yritys") || !strings.Contains(string(funnelCSV), "H0002;Sensori Ab;") ||
		!strings.Contains(string(funnelCSV), "LIIKESALAISUUS") {
		t.Errorf("funnel CSV:\n%s", funnelCSV)
	}
	// History in words, not codes (issue 15: "shell:demo:anna pitched→nextsteps agreed").
	must(t, string(funnelCSV), ": esitelleet → jatkosta sovittu", " @")
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
