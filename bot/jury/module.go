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
// review to another juror (matching.Reassign, least change). Reminders are
// due items before the jury deadline, checked at run time.
//
// Organisers follow progress, read normalised results (matching.Results),
// store a shortlist and decide: shortlisted applications are accepted, the
// other submitted ones declined, and each company is told once, in its own
// language.
//
// Every message that matters leaves through the outbox under a key, so a
// repeated click or a second confirmation sends nothing twice. Field labels
// of the full application text reuse the call module's message ids
// (apply.*.label).
package jury

import (
	"github.com/kipina/kipina/bot"
	"github.com/kipina/kipina/bot/call"
	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/bot/outbox"
	"github.com/kipina/kipina/bot/routing"
	"github.com/kipina/kipina/storage"
)

// Module registers the jury flow.
type Module struct{}

// remindKind is the scheduler kind of the reminders.
const remindKind = "jury-remind"

type module struct{ b *bot.Bot }

// Register adds the commands, actions, forms and the reminder handler.
func (Module) Register(b *bot.Bot) error {
	m := &module{b: b}
	org, jur := bot.Organiser, bot.Juror
	for _, c := range []bot.Command{
		{Name: "jury add", Role: org, MinArgs: 2, MaxArgs: -1, Run: m.add},
		{Name: "jury remove", Role: org, MinArgs: 2, MaxArgs: 2, Run: m.remove},
		{Name: "jury list", Role: org, MinArgs: 1, MaxArgs: 1, Run: m.list},
		{Name: "jury assign", Role: org, MinArgs: 1, MaxArgs: 4, Run: m.assign},
		{Name: "jury publish", Role: org, MinArgs: 1, MaxArgs: 1, Run: m.publishAsk},
		{Name: "jury deadline", Role: org, MinArgs: 2, MaxArgs: 2, Run: m.setDeadline},
		{Name: "jury progress", Role: org, MinArgs: 1, MaxArgs: 1, Run: m.progress},
		{Name: "jury close", Role: org, MinArgs: 1, MaxArgs: 1, Run: m.close},
		{Name: "conflict", Role: jur, MinArgs: 2, MaxArgs: -1, Run: m.declare},
		{Name: "results", Role: org, MinArgs: 1, MaxArgs: 1, Run: m.results},
		{Name: "shortlist", Role: org, MinArgs: 2, MaxArgs: -1, Run: m.shortlist},
		{Name: "decide", Role: org, MinArgs: 1, MaxArgs: 1, Run: m.decideAsk},
	} {
		b.Router.Command(c)
	}
	b.Router.Action("jury-publish", org, m.publish)
	b.Router.Action("jury-decide", org, m.decide)
	b.Router.Action("jury-full", jur, m.fullText)
	b.Router.Action("jury-score", jur, m.scoreOpen)
	b.Router.Form("jury-score", jur, m.scoreSubmit)
	b.Router.Action("jury-abstain", jur, m.abstain)
	b.Router.Action("jury-conflict", jur, m.conflictAsk)
	b.Router.Action("jury-conflict-yes", jur, m.conflictYes)
	b.Sched.Handle(remindKind, m.remind)
	return nil
}

// load reads the event and its jury, or answers why not.
func load(r *bot.Request, event string) (call.Event, Jury, *chat.Response) {
	var ev call.Event
	var j Jury
	err := r.Bot.DB.View(func(tx *storage.Tx) (err error) {
		if ev, err = call.LoadEvent(tx, r.WS.ID, event); err != nil {
			return err
		}
		j = loadJury(tx, r.WS.ID, event)
		return nil
	})
	if err != nil {
		resp := r.Reply("jury.event.not_found", "Event", event)
		return ev, j, &resp
	}
	return ev, j, nil
}

// internal logs err and answers politely.
func internal(r *bot.Request, what string, err error) chat.Response {
	r.Bot.Log.Error("jury: "+what, "user", r.User.String(), "err", err)
	return r.Reply("error.internal")
}

// knownTarget reports whether id is a core process or a challenge of ev.
func knownTarget(b *bot.Bot, ev call.Event, id string) bool {
	for _, c := range ev.Challenges {
		if c.ID == id {
			return true
		}
	}
	for _, t := range b.Config.Tracks {
		if t.ID == id {
			return true
		}
	}
	return false
}

// targetIDs lists the core processes, then the challenges of ev.
func targetIDs(b *bot.Bot, ev call.Event) []string {
	var out []string
	for _, t := range b.Config.Tracks {
		out = append(out, t.ID)
	}
	for _, c := range ev.Challenges {
		out = append(out, c.ID)
	}
	return out
}

// appTarget is the target an application is routed to: the routing
// module's primary target, else what the company chose.
func appTarget(tx *storage.Tx, ws string, a call.Application) string {
	if t := routing.Primary(tx, ws, a.ID); t != "" {
		return t
	}
	return a.Target
}

// fitOf returns fit(juror, app): the routing score of the application for
// the best of the juror's expertise targets (0 without any), cached per
// application and target.
func fitOf(tx *storage.Tx, ws string) func(jr Juror, app string) float64 {
	cache := map[[2]string]float64{}
	return func(jr Juror, app string) float64 {
		best := 0.0
		for _, t := range jr.Targets {
			k := [2]string{app, t}
			s, ok := cache[k]
			if !ok {
				s = routing.Score(tx, ws, app, t)
				s = min(1, max(0, s))
				cache[k] = s
			}
			best = max(best, s)
		}
		return best
	}
}

// notify enqueues a message to the workspace's organiser channel, in the
// workspace's language, if it has one.
func (m *module) notify(tx *storage.Tx, ws *bot.Workspace, platform, key, id string, kv ...any) error {
	if ws.NotifyChannel == "" {
		return nil
	}
	to := chat.Address{Platform: platform, Workspace: ws.ID, Channel: ws.NotifyChannel}
	_, err := outbox.Enqueue(tx, key, to, chat.Message{Text: m.b.Cat.T(ws.Lang, id, kv...)})
	return err
}

// mention writes a user for people to read.
func mention(u chat.UserRef) string { return chat.Mention(u) }
