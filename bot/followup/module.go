// Package followup is what happens after a Kipinä day: on a schedule the
// bot sends every participant the feedback survey, asks each company that
// pitched and its process contacts whether they agreed on next steps and,
// later, whether a pilot or a procurement started, and moves each
// company–process pair through the outcome funnel (pitched → contacted →
// next steps agreed → pilot → procurement, or closed with a reason).
//
// The campaign is data: /kipina followup start <event> stores the event's
// Plan and adds one scheduler due item per step, computed from the event's
// date at a wall-clock time in the workspace's zone (schedule.At), so quiet
// hours, weekends and Finnish public holidays defer a step to the next
// working morning and a step due while the bot was down runs at the first
// sweep after start. A step that runs late follows the event's late-item
// policy: more than LateNoteDays late it is sent with an apology; more than
// LateSkipDays it is skipped and the organisers are told. Lateness is
// counted from the first allowed moment after the due time, so a quiet
// weekend is not "late".
//
// A daily escalation check (a due item that schedules its successor, so it
// is woken by the bot's sweep cron and catches up once after downtime)
// tells the organisers about pairs with no progress for StaleDays.
//
// The campaign is started by command, not by the jury's decision: the
// organiser decides when the participants are final. Companies accepted
// after the start are picked up by each step when it runs.
//
// Every message leaves through the outbox in the transaction that runs the
// step, under a key per event, step and recipient, so a crash or restart
// neither loses nor repeats one.
package followup

import (
	"github.com/kipina/kipina/bot"
	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/storage"
)

// Module registers the follow-up campaign.
type Module struct{}

type module struct{ b *bot.Bot }

// The kinds of scheduler items.
const (
	kindStep     = "followup.step"
	kindEscalate = "followup.escalate"
)

// Register adds the commands, the answer buttons and forms and the
// scheduled work.
func (Module) Register(b *bot.Bot) error {
	m := &module{b: b}
	org := bot.Organiser
	for _, c := range []bot.Command{
		{Name: "followup start", Role: org, MinArgs: 1, MaxArgs: 1, Run: m.start},
		{Name: "followup stop", Role: org, MinArgs: 1, MaxArgs: 1, Run: m.stop},
		{Name: "followup plan", Role: org, MinArgs: 1, MaxArgs: -1, Run: m.plan},
		{Name: "followup people add", Role: org, MinArgs: 2, MaxArgs: -1, Run: m.people(true)},
		{Name: "followup people remove", Role: org, MinArgs: 2, MaxArgs: -1, Run: m.people(false)},
		{Name: "followup set", Role: org, MinArgs: 2, MaxArgs: -1, Run: m.set},
		{Name: "followups", Role: org, MaxArgs: 1, Run: m.funnel},
		{Name: "survey results", Role: org, MinArgs: 1, MaxArgs: 1, Run: m.surveyResults},
	} {
		b.Router.Command(c)
	}
	b.Router.Action("fus", bot.Anyone, m.surveyScore)
	b.Router.Action("fusc", bot.Anyone, m.surveyCommentOpen)
	b.Router.Form("fusc", bot.Anyone, m.surveyCommentSubmit)
	b.Router.Action("fa", bot.Anyone, m.answer)
	b.Router.Form("fac", bot.Anyone, m.closeSubmit)
	b.Sched.Handle(kindStep, m.runStep)
	b.Sched.Handle(kindEscalate, m.runEscalate)
	return nil
}

// internal logs err and answers politely.
func (m *module) internal(r *bot.Request, what string, err error) chat.Response {
	m.b.Log.Error(what, "user", r.User.String(), "err", err)
	return r.Reply("error.internal")
}

// view runs fn in a read transaction.
func (m *module) view(fn func(tx *storage.Tx) error) error { return m.b.DB.View(fn) }
