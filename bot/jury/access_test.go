package jury_test

import (
	"context"
	"strings"
	"testing"

	"github.com/kipina/kipina/bot"
	"github.com/kipina/kipina/bot/bottest"
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
	h.Run(button(t, out, T(h, "jury.publish.button")) + "\n")
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
	if got := replyText(act(h.Bot, "liisa", full("H0001"))); !strings.Contains(got, T(h, "jury.not_assigned", "App", "H0001")) || strings.Contains(got, "Katuvalot") {
		t.Errorf("liisa read H0001: %q", got)
	}
	if got := replyText(act(h.Bot, "liisa", full(mine))); !strings.Contains(got, "*"+mine) {
		t.Errorf("liisa cannot read her own %s: %q", mine, got)
	}
	if got := replyText(act(h.Bot, "nina", full("H0001"))); !strings.Contains(got, "Katuvalot mittaavat") || !strings.Contains(got, "1572860-0") {
		t.Errorf("the organiser cannot read H0001: %q", got)
	}
	if got := replyText(act(h.Bot, "anna", full("H0002"))); !strings.Contains(got, T(h, "error.forbidden", "Role", T(h, "role.juror"))) || strings.Contains(got, "Solpaneler") {
		t.Errorf("a company read H0002: %q", got)
	}
	for _, id := range []bot.IDCodec[jury.AppRef]{jury.ScoreID, jury.AbstainID, jury.ConflictID, jury.ConflictYesID} {
		got := replyText(act(h.Bot, "liisa", func(o chat.Origin) chat.Event {
			return &chat.Action{Origin: o, ActionID: id.ID(jury.AppRef{Event: "kipina-2017", App: "H0001"})}
		}))
		if !strings.Contains(got, T(h, "jury.not_assigned", "App", "H0001")) {
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
		if !strings.Contains(replyText(resp), T(h, "jury.not_assigned", "App", "H0001")) {
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
	must(t, out, T(h, "jury.user.bad", "User", "@"))
	if len(loadJury(t, h).Jurors) != 0 {
		t.Fatal("a refused jury add stored jurors")
	}
	out = h.Run("/kipina jury add kipina-2017 @liisa @pekka @olli\n/kipina jury assign kipina-2017 reviews=4\n" +
		"/kipina jury assign kipina-2017 reviews=2 min=4\n/kipina jury assign kipina-2017 foo=1\n")
	reviews := func(lang string, n int) string { return h.Bot.Cat.T(lang, "count.reviews", "Count", n) }
	must(t, out, upTo(h, "fi", "jury.assign.infeasible", "Min", "Reviews", 4),
		T(h, "jury.infeasible.capacity", "Need", reviews("fi", 16), "Capacity", 12),
		T(h, "jury.infeasible.min_load", "Min", 4, "MinTotal", reviews("fi", 12), "Need", 8), T(h, "jury.assign.bad_flag", "Flag", "foo=1"))
	// Never matching's English reasons (nor the English catalogue's).
	mustNot(t, out, upTo(h, "en", "jury.infeasible.capacity", "Need")+reviews("en", 16), strings.TrimSpace(upTo(h, "en", "jury.infeasible.min_load", "Min")))
	if loadJury(t, h).Draft != nil {
		t.Fatal("an infeasible assignment left a draft")
	}
	h.Run("/kipina jury add kipina-2017 @maija\n")
	out = h.Run("/kipina jury assign kipina-2017 reviews=2\n/kipina jury publish kipina-2017\n")
	out = h.Run(button(t, out, T(h, "jury.publish.button")) + "\n")
	before := loadJury(t, h)
	gone := before.Published.AppsOf("olli")
	p := prompts(out, h.Bot.Cat.T("en", "jury.prompt.score.button"), T(h, "jury.prompt.score.button"))
	h.Run(score("olli", p["olli"][gone[0]], 4))

	out = h.Run(":as nina\n/kipina jury remove kipina-2017 @olli\n")
	must(t, out, upTo(h, "fi", "jury.removed", "Event", "User", "@olli"), upTo(h, "fi", "jury.removed.moved", "Moves"), "── #kipina-organisers")
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
	mustNot(t, out, "• "+strings.TrimSpace(upTo(h, "fi", "jury.list.line", "Targets", "User", "@olli")))
	must(t, out, upTo(h, "fi", "jury.progress.line", "Scored", "User", "@olli", "Done", 1, "Count", 1), T(h, "jury.progress.removed"))
}

// TestWeightedRubric: the rubric's weights come from the configuration,
// are shown to jurors when they differ, and weigh the mean in the results.
func TestWeightedRubric(t *testing.T) {
	cfg := configs.Default()
	cfg.Rubric[0].Weight = 2 // impact counts double
	h := newHarnessWith(t, cfg, demoApplicants[:2])
	out := h.Run("/kipina jury add kipina-2017 @liisa\n/kipina jury assign kipina-2017 reviews=1\n/kipina jury publish kipina-2017\n")
	out = h.Run(button(t, out, T(h, "jury.publish.button")) + "\n")
	// The weights are the code's figures; the names are the catalogue's.
	must(t, out, T(h, "jury.criterion."+cfg.Rubric[0].ID+".label")+" (×2,0), "+T(h, "jury.criterion."+cfg.Rubric[1].ID+".label")+" (×1,0)")
	p := prompts(out, T(h, "jury.prompt.score.button"))
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
	h.Run(button(t, out, T(h, "jury.publish.button")) + "\n")
	out = h.Run(":as olli\n/kipina conflict kipina-2017 \"Energi Ab\"\n")
	ev := demoEvent(t, h).NameIn("fi")
	failed := pieces(h, "fi", "jury.conflict.notice_failed", []string{"Reason"}, "User", "@olli", "App", "H0002", "Company", "Energi Ab", "Event", ev)
	must(t, out, upTo(h, "fi", "jury.conflict.noted", "Event", "Text", "Energi Ab"),
		"H0002 Energi Ab — "+T(h, "jury.conflict.mine_needs_juror"),
		"── #kipina-organisers", failed[0]+upTo(h, "fi", "jury.reassign.none", "User"),
		bottest.After(h.Bot.Cat, "fi", "jury.reassign.none", "Full", "EventID", "kipina-2017"), "── @olli (~")
	// Never matching's English reason; nothing said to have moved.
	mustNot(t, out, strings.TrimSpace(upTo(h, "en", "jury.reassign.none", "User")), T(h, "jury.conflict.mine_moved"))
	if j := loadJury(t, h); j.Published.Has("olli", "H0002") || len(j.Published.ByApp["H0002"]) != 2 {
		t.Errorf("after an unmovable conflict: %v", j.Published.ByApp["H0002"])
	}

	h.Run(":as nina\n/kipina jury add kipina-2017 @maija\n")
	out = h.Run(":as pekka\n/kipina conflict kipina-2017 care robotics\n")
	must(t, out, "H0003 Care Robotics Ltd — "+T(h, "jury.conflict.mine_moved"),
		T(h, "jury.conflict.notice_moved", "User", "@pekka", "App", "H0003", "Company", "Care Robotics Ltd", "Event", ev, "To", "@maija"),
		"── @maija", T(h, "jury.prompt.moved_in"), "*H0003 Care Robotics Ltd*")
	if j := loadJury(t, h); !j.Published.Has("maija", "H0003") || j.Published.Has("pekka", "H0003") {
		t.Errorf("H0003 not moved to maija: %v", j.Published.ByApp["H0003"])
	}
}
