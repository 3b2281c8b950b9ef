package jury_test

import (
	"context"
	"strings"
	"testing"

	"github.com/kipina/kipina/bot"
	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/bot/jury"
	"github.com/kipina/kipina/configs"
	"github.com/kipina/kipina/storage"
)

// act sends an event as user straight to the core, as a crafted platform
// payload would, and returns the reply text.
func act(h interface {
	Handle(context.Context, chat.Event) chat.Response
}, user string, e func(chat.Origin) chat.Event) chat.Response {
	o := chat.Origin{User: chat.UserRef{Platform: "shell", Workspace: "demo", User: user}, Channel: "shell"}
	return h.Handle(context.Background(), e(o))
}

func replyText(r chat.Response) string {
	if r.Reply == nil {
		return ""
	}
	return r.Reply.Text
}

// TestJurorSeesOnlyAssigned: a juror cannot read, score, abstain on or
// declare a conflict with an application not assigned to them, even with a
// forged action id or form; an organiser may read any; a company may not.
func TestJurorSeesOnlyAssigned(t *testing.T) {
	h := newHarness(t, demoApplicants[:4])
	h.Run("/kipina jury add kipina-2017 @liisa sensors\n/kipina jury add kipina-2017 @pekka health\n" +
		"/kipina jury add kipina-2017 @olli\n:as liisa\n/kipina conflict kipina-2017 Katuvalo\n:as nina\n")
	out := h.Run("/kipina jury assign kipina-2017 reviews=2\n/kipina jury publish kipina-2017\n")
	h.Run(button(t, out, "Julkaise jako") + "\n")
	j := loadJury(t, h)
	if j.Published.Has("liisa", "H0001") {
		t.Fatal("liisa was given H0001 (declared by name without the legal form)")
	}
	mine := j.Published.AppsOf("liisa")[0]
	full := func(app string) func(chat.Origin) chat.Event {
		return func(o chat.Origin) chat.Event {
			return &chat.Action{Origin: o, ActionID: jury.FullID.ID(jury.AppRef{Event: "kipina-2017", App: app})}
		}
	}
	if got := replyText(act(h.Bot, "liisa", full("H0001"))); !strings.Contains(got, "ei ole sinun arvioitavanasi") || strings.Contains(got, "Katuvalot") {
		t.Errorf("liisa read H0001: %q", got)
	}
	if got := replyText(act(h.Bot, "liisa", full(mine))); !strings.Contains(got, "*"+mine) {
		t.Errorf("liisa cannot read her own %s: %q", mine, got)
	}
	if got := replyText(act(h.Bot, "nina", full("H0001"))); !strings.Contains(got, "Katuvalot mittaavat") || !strings.Contains(got, "1572860-0") {
		t.Errorf("the organiser cannot read H0001: %q", got)
	}
	if got := replyText(act(h.Bot, "anna", full("H0002"))); !strings.Contains(got, "tuomari") || strings.Contains(got, "Solpaneler") {
		t.Errorf("a company read H0002: %q", got)
	}
	for _, id := range []bot.IDCodec[jury.AppRef]{jury.ScoreID, jury.AbstainID, jury.ConflictID, jury.ConflictYesID} {
		got := replyText(act(h.Bot, "liisa", func(o chat.Origin) chat.Event {
			return &chat.Action{Origin: o, ActionID: id.ID(jury.AppRef{Event: "kipina-2017", App: "H0001"})}
		}))
		if !strings.Contains(got, "ei ole sinun") {
			t.Errorf("%s on H0001 by liisa answered %q", id.Prefix(), got)
		}
	}
	// A forged form submission stores nothing; an organiser is not a juror
	// of the application either.
	vals := map[string]string{"impact": "5", "value": "5", "fit": "5", "feasibility": "5", "novelty": "5"}
	for _, who := range []string{"liisa", "nina"} {
		resp := act(h.Bot, who, func(o chat.Origin) chat.Event {
			return &chat.FormSubmit{Origin: o, FormID: jury.ScoreID.ID(jury.AppRef{Event: "kipina-2017", App: "H0001"}), Values: vals}
		})
		if !strings.Contains(replyText(resp), "ei ole sinun") {
			t.Errorf("forged scores by %s answered %+v", who, resp)
		}
	}
	n := 0
	err := h.DB.View(func(tx *storage.Tx) error {
		return jury.Reviews.Scan(tx, "demo", "", func(string, jury.Review) error { n++; return nil })
	})
	if err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("%d reviews stored from forged events", n)
	}
	// Out-of-range scores are refused field by field.
	vals["impact"] = "9"
	resp := act(h.Bot, "liisa", func(o chat.Origin) chat.Event {
		return &chat.FormSubmit{Origin: o, FormID: jury.ScoreID.ID(jury.AppRef{Event: "kipina-2017", App: mine}), Values: vals}
	})
	if resp.Errors["impact"] == "" || len(resp.Errors) != 1 {
		t.Errorf("score 9 accepted: %+v", resp)
	}
}

// TestAssignInfeasibleAndRemove: an impossible assignment is explained in
// the organiser's language, with matching's figures; removing a juror after publishing moves their
// unfinished reviews and keeps the ones they gave.
func TestAssignInfeasibleAndRemove(t *testing.T) {
	h := newHarness(t, demoApplicants[:4])
	out := h.Run("/kipina jury add kipina-2017 @ @liisa\n")
	must(t, out, "”@” ei ole käyttäjä")
	if len(loadJury(t, h).Jurors) != 0 {
		t.Fatal("a refused jury add stored jurors")
	}
	out = h.Run("/kipina jury add kipina-2017 @liisa @pekka @olli\n/kipina jury assign kipina-2017 reviews=4\n" +
		"/kipina jury assign kipina-2017 reviews=2 min=4\n/kipina jury assign kipina-2017 foo=1\n")
	must(t, out, "Jakoa ei löydy (arvioita per hakemus: 4", "tarvitaan 16 arviota, mutta tuomaristo voi ottaa enintään 12",
		"vähimmäiskuorma 4 tuomaria kohden vaatii 12 arviota, mutta niitä on vain 8", "En ymmärrä ”foo=1”")
	mustNot(t, out, "needs 16 reviews", "the minimum load of")
	if loadJury(t, h).Draft != nil {
		t.Fatal("an infeasible assignment left a draft")
	}
	h.Run("/kipina jury add kipina-2017 @maija\n")
	out = h.Run("/kipina jury assign kipina-2017 reviews=2\n/kipina jury publish kipina-2017\n")
	out = h.Run(button(t, out, "Julkaise jako") + "\n")
	before := loadJury(t, h)
	gone := before.Published.AppsOf("olli")
	p := prompts(out, "Score", "Arvioi")
	h.Run(score("olli", p["olli"][gone[0]], 4))

	out = h.Run(":as nina\n/kipina jury remove kipina-2017 @olli\n")
	must(t, out, "@olli poistettu", "Siirretyt arviot:", "── #kipina-organisers")
	after := loadJury(t, h)
	if !after.Published.Has("olli", gone[0]) {
		t.Errorf("olli's given review of %s was dropped", gone[0])
	}
	for _, app := range gone[1:] {
		if after.Published.Has("olli", app) || len(after.Published.ByApp[app]) != 2 {
			t.Errorf("%s not moved: %v", app, after.Published.ByApp[app])
		}
	}
	out = h.Run("/kipina jury list kipina-2017\n/kipina jury progress kipina-2017\n")
	mustNot(t, out, "• @olli –")
	must(t, out, "@olli: 1/1", "(poistettu tuomaristosta)")
}

// TestWeightedRubric: the rubric's weights come from the configuration,
// are shown to jurors when they differ, and weigh the mean in the results.
func TestWeightedRubric(t *testing.T) {
	cfg := configs.Default()
	cfg.Rubric[0].Weight = 2 // impact counts double
	h := newHarnessWith(t, cfg, demoApplicants[:2])
	out := h.Run("/kipina jury add kipina-2017 @liisa\n/kipina jury assign kipina-2017 reviews=1\n/kipina jury publish kipina-2017\n")
	out = h.Run(button(t, out, "Julkaise jako") + "\n")
	must(t, out, "Vaikuttavuus (×2,0), Kokonaistaloudellisuus (×1,0)")
	p := prompts(out, "Arvioi")
	// H0001: impact 5, the rest 1 → (2×5 + 4×1) / 6 = 2,33; H0002: all 2.
	h.Run(":as liisa\n" + p["liisa"]["H0001"] + "\n" + answers("5", "1", "1", "1", "1", ""))
	h.Run(":as liisa\n" + p["liisa"]["H0002"] + "\n" + answers("2", "2", "2", "2", "2", ""))
	out = h.Run(":as nina\n/kipina results kipina-2017\n")
	must(t, out, "Katuvalo Oy             2,33", "Energi Ab               2,00")
	if strings.Index(out, "H0001") > strings.Index(out, "H0002") {
		t.Errorf("weighted order wrong:\n%s", out)
	}
}

// TestConflictAfterPublishing: a declaration by command after publishing
// moves the matching review like the button does; when nobody can take the
// review, the juror and the organisers are told why in their language
// (never matching's English error text) and the juror's review no longer
// counts.
func TestConflictAfterPublishing(t *testing.T) {
	h := newHarness(t, demoApplicants[:3])
	out := h.Run("/kipina jury add kipina-2017 @liisa @pekka @olli\n/kipina jury assign kipina-2017 reviews=3\n/kipina jury publish kipina-2017\n")
	h.Run(button(t, out, "Julkaise jako") + "\n")
	out = h.Run(":as olli\n/kipina conflict kipina-2017 \"Energi Ab\"\n")
	must(t, out, "Esteellisyys ”Energi Ab” kirjattu",
		"H0002 Energi Ab — "+h.Bot.Cat.T("fi", "jury.conflict.mine_needs_juror"),
		"── #kipina-organisers", "@olli ilmoitti esteellisyyden: H0002 Energi Ab", "Arviota ei voitu siirtää: kukaan tuomari ei voi korvata",
		"/kipina jury add kipina-2017 @käyttäjä ja sitten /kipina jury assign kipina-2017", "── @olli (~")
	mustNot(t, out, "no juror can replace", "siirtyi toiselle tuomarille")
	if j := loadJury(t, h); j.Published.Has("olli", "H0002") || len(j.Published.ByApp["H0002"]) != 2 {
		t.Errorf("after an unmovable conflict: %v", j.Published.ByApp["H0002"])
	}

	h.Run(":as nina\n/kipina jury add kipina-2017 @maija\n")
	out = h.Run(":as pekka\n/kipina conflict kipina-2017 care robotics\n")
	must(t, out, "H0003 Care Robotics Ltd — "+h.Bot.Cat.T("fi", "jury.conflict.mine_moved"), "@pekka ilmoitti esteellisyyden: H0003 Care Robotics Ltd", "Arvio siirtyi tuomarille @maija",
		"── @maija", "📥", "*H0003 Care Robotics Ltd*")
	if j := loadJury(t, h); !j.Published.Has("maija", "H0003") || j.Published.Has("pekka", "H0003") {
		t.Errorf("H0003 not moved to maija: %v", j.Published.ByApp["H0003"])
	}
}
