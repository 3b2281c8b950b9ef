package followup_test

import (
	"testing"

	"github.com/kipina/kipina/bot/bottest"
	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/bot/followup"
	"github.com/kipina/kipina/storage"
)

// TestSurveyRoleFromRecords: the role an answer counts under comes from
// what the bot recorded about the person who pressed the button (anna
// sent an accepted application: company), not from the button's id: a
// forged "fus:<event>:1:juror" is stored as a company's answer, and a
// comment alone gets the role too.
func TestSurveyRoleFromRecords(t *testing.T) {
	h := setup(t, at(2027, 2, 10, 9, 0), demoApps)
	startFollowUp(t, h)
	h.Clock.Set(at(2027, 2, 11, 9, 0))
	out := h.Tick(0)
	must(t, block(t, out, "── @anna"), surveyed(t, h))
	mustNot(t, out, ":company", ":city") // the ids no longer carry a role

	forged := &chat.Action{Origin: chat.Origin{User: bottest.User("anna"), Channel: "D"}, ActionID: followup.ScoreRoleID("kipina-2017", 1, "juror")}
	if r := h.Bot.Handle(t.Context(), forged); r.Reply == nil && r.Update == nil {
		t.Fatalf("forged press not answered: %+v", r)
	}
	comment := &chat.FormSubmit{Origin: chat.Origin{User: bottest.User("pekka"), Channel: "D"}, FormID: followup.CommentID("kipina-2017"),
		Values: map[string]string{"comment": "Hyvä päivä."}}
	if r := h.Bot.Handle(t.Context(), comment); len(r.Errors) > 0 {
		t.Fatalf("comment refused: %+v", r)
	}
	want := map[string]string{"anna": "company", "pekka": "city"}
	err := h.DB.View(func(tx *storage.Tx) error {
		for u, role := range want {
			a, err := followup.Answers.Get(tx, "demo", "kipina-2017/"+bottest.User(u).String())
			if err != nil {
				return err
			}
			if a.Role != role {
				t.Errorf("%s answered as %q, want %q", u, a.Role, role)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	out = h.Run(":as nina\n/kipina survey results kipina-2017\n")
	must(t, out, "• "+h.Bot.Cat.T("fi", "followup.role.company")+": 1,00")
	mustNot(t, out, "tuomari")
}
