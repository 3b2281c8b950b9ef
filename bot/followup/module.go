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
	"strconv"

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
	reg.Action(startID.Prefix(), org, m.start)
	reg.Action(scoreID.Prefix(), bot.Anyone, m.surveyScore)
	reg.Action(commentID.Prefix(), bot.Anyone, m.surveyCommentOpen)
	reg.Form(commentID.Prefix(), bot.Anyone, m.surveyCommentSubmit)
	reg.Action(answerID.Prefix(), bot.Anyone, m.answer)
	reg.Form(closeID.Prefix(), bot.Anyone, m.closeSubmit)
	reg.Due(kindStep, m.runStep)
	reg.Due(kindEscalate, m.runEscalate)
	return nil
}

// scoreRef is a survey answer: the event and a score from 1 to 5.
type scoreRef struct {
	Event string
	Score int
}

// roleScoreRef is a survey answer from a button sent before issue 13,
// whose id also named a role.
type roleScoreRef struct {
	scoreRef
	Role string
}

// answerRef is a button of a next-steps or pilot prompt: the event, the
// application and the answer (a key of stageOf, or "closed").
type answerRef struct{ Event, App, Answer string }

// pairRef names a company–process pair by its event and application.
type pairRef struct{ Event, App string }

// The ids of the campaign's buttons and forms.
var (
	// startID is the Start button of the campaign's preview: "followup-start:<event>".
	startID = bot.StringID("followup-start")
	// scoreID is a score button of the survey: "fus:<event>:<score>".
	scoreID = bot.NewIDCodec("fus", 2,
		func(v scoreRef) []string { return []string{v.Event, strconv.Itoa(v.Score)} },
		func(f []string) (scoreRef, bool) { return decodeScore(f[0], f[1]) })
	// scoreRoleID reads the score buttons sent before the role left the
	// id ("fus:<event>:<score>:<role>", issue 13). The handler ignores the
	// role (surveyRole reads it from the records); the bot builds these
	// ids no more, only tests forge them.
	scoreRoleID = bot.NewIDCodec("fus", 3,
		func(v roleScoreRef) []string { return []string{v.Event, strconv.Itoa(v.Score), v.Role} },
		func(f []string) (roleScoreRef, bool) {
			v, ok := decodeScore(f[0], f[1])
			return roleScoreRef{v, f[2]}, ok
		})
	// commentID is the survey's Comment button and its form: "fusc:<event>".
	commentID = bot.StringID("fusc")
	// answerID is an answer button of a next-steps or pilot prompt:
	// "fa:<event>:<app>:<answer>".
	answerID = bot.NewIDCodec("fa", 3,
		func(v answerRef) []string { return []string{v.Event, v.App, v.Answer} },
		func(f []string) (answerRef, bool) {
			_, known := stageOf[f[2]]
			return answerRef{f[0], f[1], f[2]}, known || f[2] == "closed"
		})
	// closeID is the form that asks why a pair closed: "fac:<event>:<app>".
	closeID = bot.NewIDCodec("fac", 2,
		func(v pairRef) []string { return []string{v.Event, v.App} },
		func(f []string) (pairRef, bool) { return pairRef{f[0], f[1]}, true })
)

// decodeScore reads a score field: 1 to 5, one digit.
func decodeScore(event, s string) (scoreRef, bool) {
	n, err := strconv.Atoi(s)
	return scoreRef{event, n}, err == nil && n >= 1 && n <= 5 && strconv.Itoa(n) == s
}

// view runs fn in a read transaction.
func (m *module) view(fn func(tx *storage.Tx) error) error { return m.env.DB.View(fn) }

// notYours is the refusal of an answer from someone the question was not
// for.
func notYours() error { return bot.Refuse("followup.not_yours") }
