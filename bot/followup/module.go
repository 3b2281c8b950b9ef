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
	"github.com/kipina/kipina/storage"
)

// Module registers the follow-up campaign.
type Module struct{}

type module struct{ env *bot.Env }

// The kinds of scheduler items.
const (
	kindStep     = "followup.step"
	kindEscalate = "followup.escalate"
)

// Register adds the commands, the answer buttons and forms and the
// scheduled work.
func (Module) Register(reg *bot.Registry, env *bot.Env) error {
	m := &module{env: env}
	org := bot.Organiser
	reg.Commands(
		bot.Command{Name: "followup start", Role: org, MinArgs: 1, MaxArgs: 1, Run: m.startAsk},
		bot.Command{Name: "followup stop", Role: org, MinArgs: 1, MaxArgs: 1, Run: m.stop},
		bot.Command{Name: "followup plan", Role: org, MinArgs: 1, MaxArgs: -1, Run: m.plan},
		bot.Command{Name: "followup people add", Role: org, MinArgs: 2, MaxArgs: -1, Run: m.people(true)},
		bot.Command{Name: "followup people remove", Role: org, MinArgs: 2, MaxArgs: -1, Run: m.people(false)},
		bot.Command{Name: "followup set", Role: org, MinArgs: 2, MaxArgs: -1, Run: m.set},
		bot.Command{Name: "followups", Role: org, MaxArgs: 1, Run: m.funnel},
		bot.Command{Name: "survey results", Role: org, MinArgs: 1, MaxArgs: 1, Run: m.surveyResults},
	)
	reg.Action("followup-start", org, m.start)
	reg.Action("fus", bot.Anyone, m.surveyScore)
	reg.Action("fusc", bot.Anyone, m.surveyCommentOpen)
	reg.Form("fusc", bot.Anyone, m.surveyCommentSubmit)
	reg.Action("fa", bot.Anyone, m.answer)
	reg.Form("fac", bot.Anyone, m.closeSubmit)
	reg.Due(kindStep, m.runStep)
	reg.Due(kindEscalate, m.runEscalate)
	return nil
}

// view runs fn in a read transaction.
func (m *module) view(fn func(tx *storage.Tx) error) error { return m.env.DB.View(fn) }

// stale is the refusal of a button or form whose arguments no longer make
// sense.
func stale() error { return bot.Refuse("error.stale") }

// notYours is the refusal of an answer from someone the question was not
// for.
func notYours() error { return bot.Refuse("followup.not_yours") }
