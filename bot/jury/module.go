// Package jury is the jury flow: organisers build a jury per event with
// each juror's expertise (core processes or challenges), jurors declare
// conflicts of interest, and the bot assigns every submitted application to
// R jurors (matching.Assign: expertise first, balanced load, no conflicted
// pair) as a draft the organiser previews and publishes.
//
// Jurors score in direct messages: a list of their applications, then one
// prompt per application with the rubric (a form of one 1–5 select per
// criterion and a comment), the full text on demand, and buttons for a
// conflict of interest or abstaining. An answer is stored at once and the
// prompt rewritten in place; a conflict declared after publishing moves the
// review to another juror (matching.Reassign, least change), or, when no
// juror can take it, leaves it open as "needs a juror" and tells the
// organisers to add a juror and top up. "jury assign" after publishing is
// that top-up: the same optimiser over what is missing (late
// applications, freed reviews), every existing review kept. Jurors list
// their own reviews with "jury my". Reminders are due items before the
// jury deadline, checked at run time.
//
// Organisers follow progress, read results ranked by the affine juror
// model (matching.Results, the plain mean beside it), store a shortlist
// and decide: shortlisted applications are accepted, the other submitted
// ones declined, and each company is told once, in its own language.
// Results, shortlist and the decision preview warn about missing reviews.
//
// Every message that matters leaves through the outbox under a key, so a
// repeated click or a second confirmation sends nothing twice. Field labels
// of the full application text reuse the call module's message ids
// (apply.*.label).
package jury

import (
	"github.com/kipina/kipina/bot"
	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/bot/outbox"
	"github.com/kipina/kipina/bot/round"
	"github.com/kipina/kipina/bot/routing"
	"github.com/kipina/kipina/storage"
)

// Module registers the jury flow.
type Module struct{}

// remindKind is the scheduler kind of the reminders.
const remindKind = "jury-remind"

type module struct{ b *bot.Env }

// Register adds the commands, actions, forms and the reminder handler.
func (Module) Register(reg *bot.Registry, env *bot.Env) error {
	m := &module{b: env}
	org, jur := bot.Organiser, bot.Juror
	reg.Commands(
		bot.Command{Name: "jury add", Role: org, MinArgs: 2, MaxArgs: -1, Run: m.add},
		bot.Command{Name: "jury remove", Role: org, MinArgs: 2, MaxArgs: 2, Run: m.remove},
		bot.Command{Name: "jury list", Role: org, MinArgs: 1, MaxArgs: 1, Run: m.list},
		bot.Command{Name: "jury assign", Role: org, MinArgs: 1, MaxArgs: 4, Run: m.assign},
		bot.Command{Name: "jury publish", Role: org, MinArgs: 1, MaxArgs: 1, Run: m.publishAsk},
		bot.Command{Name: "jury deadline", Role: org, MinArgs: 2, MaxArgs: 2, Run: m.setDeadline},
		bot.Command{Name: "jury progress", Role: org, MinArgs: 1, MaxArgs: 1, Run: m.progress},
		bot.Command{Name: "jury close", Role: org, MinArgs: 1, MaxArgs: 1, Run: m.close},
		bot.Command{Name: "jury my", Role: jur, MinArgs: 0, MaxArgs: 1, Run: m.my},
		bot.Command{Name: "conflict", Role: jur, MinArgs: 2, MaxArgs: -1, Run: m.declare},
		bot.Command{Name: "results", Role: org, MinArgs: 1, MaxArgs: 1, Run: m.results},
		bot.Command{Name: "shortlist", Role: org, MinArgs: 2, MaxArgs: -1, Run: m.shortlist},
		bot.Command{Name: "decide", Role: org, MinArgs: 1, MaxArgs: 1, Run: m.decideAsk},
	)
	reg.Action(PublishID.Prefix(), org, m.publish)
	reg.Action(DecideID.Prefix(), org, m.decide)
	reg.Action(FullID.Prefix(), jur, m.fullText)
	reg.Action(ScoreID.Prefix(), jur, m.scoreOpen)
	reg.Form(ScoreID.Prefix(), jur, m.scoreSubmit)
	reg.Action(AbstainID.Prefix(), jur, m.abstain)
	reg.Action(ConflictID.Prefix(), jur, m.conflictAsk)
	reg.Action(ConflictYesID.Prefix(), jur, m.conflictYes)
	reg.Due(remindKind, m.remind)
	return nil
}

// load reads the event and its jury. A missing event is refused with
// jury.event.not_found; a failed read is an error.
func load(r *bot.Request, event string) (round.Event, Jury, error) {
	var ev round.Event
	var j Jury
	var found bool
	err := r.Env.DB.View(func(tx *storage.Tx) (err error) {
		if ev, found, err = round.Events.Lookup(tx, r.WS.ID, event); err != nil || !found {
			return err
		}
		j, err = loadJury(tx, r.WS.ID, event)
		return err
	})
	if err == nil && !found {
		err = bot.Refuse("jury.event.not_found", "Event", event)
	}
	return ev, j, err
}

// knownTarget reports whether id is a core process or a challenge of ev.
func knownTarget(env *bot.Env, ev round.Event, id string) bool {
	for _, c := range ev.Challenges {
		if c.ID == id {
			return true
		}
	}
	for _, t := range env.Config.Tracks {
		if t.ID == id {
			return true
		}
	}
	return false
}

// targetIDs lists the core processes, then the challenges of ev.
func targetIDs(env *bot.Env, ev round.Event) []string {
	var out []string
	for _, t := range env.Config.Tracks {
		out = append(out, t.ID)
	}
	for _, c := range ev.Challenges {
		out = append(out, c.ID)
	}
	return out
}

// appTarget is the target an application is routed to: the routing
// module's primary target, else what the company chose.
func appTarget(tx *storage.Tx, ws string, a round.Application) (string, error) {
	t, err := routing.Primary(tx, ws, a.ID)
	if err != nil || t != "" {
		return t, err
	}
	return a.Target, nil
}

// fitOf returns fit(juror, app): the routing score of the application for
// the best of the juror's expertise targets (0 without any), clamped to
// [0,1] and cached per application and target. The error is a failed read
// of the routing scores.
func fitOf(tx *storage.Tx, ws string) func(jr Juror, app string) (float64, error) {
	cache := map[[2]string]float64{}
	return func(jr Juror, app string) (float64, error) {
		best := 0.0
		for _, t := range jr.Targets {
			k := [2]string{app, t}
			s, ok := cache[k]
			if !ok {
				var err error
				if s, err = routing.Score(tx, ws, app, t); err != nil {
					return 0, err
				}
				s = min(1, max(0, s))
				cache[k] = s
			}
			best = max(best, s)
		}
		return best, nil
	}
}

// notify enqueues a message to the workspace's organiser channel, in the
// workspace's language, if it has one.
func (m *module) notify(tx *storage.Tx, ws *bot.Workspace, key outbox.Key, id string, kv ...any) error {
	if ws.NotifyChannel == "" {
		return nil
	}
	to := ws.Channel(ws.NotifyChannel)
	_, err := outbox.Enqueue(tx, key, to, chat.Message{Text: m.b.Cat.T(ws.Lang, id, kv...)})
	return err
}

// mention writes a user for people to read.
func mention(u chat.UserRef) string { return chat.Mention(u) }
