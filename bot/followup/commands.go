package followup

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/kipina/kipina/bot"
	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/bot/format"
	"github.com/kipina/kipina/bot/round"
	"github.com/kipina/kipina/storage"
)

// errStarted ends start's transaction, which has written nothing yet, when
// the campaign already runs: the answer is the plan, not a failure.
var errStarted = errors.New("already started")

// noEvent refuses a command naming an event that does not exist.
func noEvent(id string) error { return bot.Refuse("followup.no_event", "Event", id) }

// loadEvent reads the event named by an argument; a missing one is
// refused with followup.no_event.
func loadEvent(tx *storage.Tx, ws, id string) (round.Event, error) {
	ev, ok, err := round.Events.Lookup(tx, ws, id)
	if err == nil && !ok {
		err = noEvent(id)
	}
	return ev, err
}

// startAsk previews a campaign before it starts: the steps with when each
// will really go out (a step already due goes out at once), who is asked,
// and a button that starts it (README: every step that messages people
// shows a preview first).
func (m *module) startAsk(_ context.Context, r *bot.Request) (chat.Response, error) {
	id := r.Args[0]
	var p Plan
	var ev round.Event
	pitched := 0
	err := r.Env.DB.View(func(tx *storage.Tx) error {
		var err error
		if ev, err = loadEvent(tx, r.WS.ID, id); err != nil {
			return err
		}
		if p, _, err = LoadPlan(tx, r.WS.ID, id); err != nil {
			return err
		}
		apps, err := round.EventApps(tx, r.WS.ID, id)
		for _, a := range apps {
			if a.State == round.Accepted {
				pitched++
			}
		}
		return err
	})
	if err != nil {
		return chat.Response{}, fmt.Errorf("follow-up preview: %w", err)
	}
	if !p.Started.IsZero() && !p.Stopped {
		return r.ReplyText(r.T("followup.already_started", "Event", ev.NameIn(r.Lang)) + "\n" + m.describe(r, p, ev))
	}
	return chat.Response{Reply: &chat.Message{
		Text:     r.T("followup.start.preview", "Event", ev.NameIn(r.Lang), "Count", pitched) + "\n" + m.describe(r, p, ev),
		Controls: []chat.Control{{Kind: chat.Button, ID: startID.ID(ev.ID), Label: r.T("followup.start.button"), Style: "primary"}},
	}}, nil
}

// start stores the plan, adds the pairs pitched so far and schedules the
// steps.
func (m *module) start(_ context.Context, r *bot.Request) (chat.Response, error) {
	id, err := startID.Of(r)
	if err != nil {
		return chat.Response{}, err
	}
	var p Plan
	var ev round.Event
	pairs := 0
	err = r.Update(func(tx *storage.Tx) error {
		var err error
		if ev, err = loadEvent(tx, r.WS.ID, id); err != nil {
			return err
		}
		if p, _, err = LoadPlan(tx, r.WS.ID, id); err != nil {
			return err
		}
		if !p.Started.IsZero() && !p.Stopped {
			return errStarted
		}
		p.Started, p.StartedBy, p.Stopped = r.Now(), r.User, false
		if err := Plans.Put(tx, r.WS.ID, id, p); err != nil {
			return err
		}
		if err := m.ensurePairs(tx, r.WS.ID, ev); err != nil {
			return err
		}
		ps, err := EventPairs(tx, r.WS.ID, id)
		pairs = len(ps)
		if err != nil {
			return err
		}
		if err := m.schedule(tx, r.WS, p, ev); err != nil {
			return err
		}
		return r.Audit(tx, "followup.start", "event/"+id, "")
	})
	switch {
	case errors.Is(err, errStarted):
		return r.ReplyText(r.T("followup.already_started", "Event", ev.NameIn(r.Lang)) + "\n" + m.describe(r, p, ev))
	case err != nil:
		return chat.Response{}, fmt.Errorf("follow-up start: %w", err)
	}
	return r.ReplyText(r.T("followup.started", "Event", ev.NameIn(r.Lang), "Count", pairs) + "\n" + m.describe(r, p, ev))
}

// describe lists a plan's steps with their dates and state, and its policy.
func (m *module) describe(r *bot.Request, p Plan, ev round.Event) string {
	var sb strings.Builder
	for _, s := range Steps {
		due := p.Due(ev, s, r.WS.Loc)
		state := ""
		if run, done := p.Done[s]; done {
			state = r.T("followup.plan.ran", "Date", r.FormatDateTime(run.At), "Policy", r.T("followup.policy."+run.Policy), "Count", run.Sent)
		} else {
			state = m.outlook(r, p, due)
		}
		fmt.Fprintf(&sb, "• %s (%s=%dd): %s — %s\n", r.T("followup.step."+string(s)), s, p.Days[s], r.FormatDateTime(due), state)
	}
	sb.WriteString(r.T("followup.plan.policy", "Note", p.LateNoteDays, "Skip", p.LateSkipDays, "Stale", p.StaleDays,
		"At", format.Clock(r.Lang, time.Date(2000, 1, 1, p.Hour, p.Minute, 0, 0, time.UTC))))
	if len(p.People) > 0 {
		var names []string
		for _, pp := range p.People {
			names = append(names, chat.Mention(pp.User))
		}
		sb.WriteString("\n" + r.T("followup.plan.people", "Users", strings.Join(names, ", ")))
	}
	return sb.String()
}

// outlook says what will happen to a step due at due that has not run:
// when it goes out and how (the scheduler holds it through quiet hours and
// days off; lateness counts from the first moment they allow, so a step
// held over a holiday goes out on time), or that it will not be sent.
// The words follow what runStep will do (issue 15: the plan said "overdue
// – goes out at the next run" on a holiday, then held the message).
func (m *module) outlook(r *bot.Request, p Plan, due time.Time) string {
	at, policy := p.sendsAt(r.WS, due, r.Now())
	switch {
	case policy == Skipped:
		return r.T("followup.plan.skip", "Skip", r.Env.Count(r.Lang, "count.days", p.LateSkipDays))
	case at.Equal(due):
		return r.T("followup.plan.pending")
	case r.Now().Before(r.WS.Quiet.Next(due, r.WS.Loc)):
		return r.T("followup.plan.held", "Date", r.FormatDateTime(at), "Policy", r.T("followup.policy."+policy))
	default:
		return r.T("followup.plan.late", "Date", r.FormatDateTime(at), "Policy", r.T("followup.policy."+policy))
	}
}

// stop cancels the pending steps of a campaign.
func (m *module) stop(_ context.Context, r *bot.Request) (chat.Response, error) {
	id := r.Args[0]
	err := r.Update(func(tx *storage.Tx) error {
		p, ok, err := LoadPlan(tx, r.WS.ID, id)
		if err != nil {
			return err
		}
		if !ok || p.Started.IsZero() {
			return bot.Refuse("followup.not_started", "Event", id)
		}
		p.Stopped = true
		if err := Plans.Put(tx, r.WS.ID, id, p); err != nil {
			return err
		}
		if err := cancel(tx, r.WS.ID, id); err != nil {
			return err
		}
		return r.Audit(tx, "followup.stop", "event/"+id, "")
	})
	if err != nil {
		return chat.Response{}, fmt.Errorf("follow-up stop: %w", err)
	}
	return r.Reply("followup.stopped", "Event", id)
}

// plan shows or changes an event's plan; a started campaign is
// rescheduled.
func (m *module) plan(_ context.Context, r *bot.Request) (chat.Response, error) {
	id := r.Args[0]
	var p Plan
	var ev round.Event
	err := r.Update(func(tx *storage.Tx) error {
		var err error
		if ev, err = loadEvent(tx, r.WS.ID, id); err != nil {
			return err
		}
		if p, _, err = LoadPlan(tx, r.WS.ID, id); err != nil {
			return err
		}
		if len(r.Args) == 1 {
			return nil
		}
		for _, kv := range r.Args[1:] {
			if err := p.Set(kv); err != nil {
				var bad *SettingError
				if errors.As(err, &bad) {
					return bot.Refuse("followup.plan.bad", "Problem", r.T(bad.ID, bad.Args...))
				}
				return err
			}
		}
		if err := Plans.Put(tx, r.WS.ID, id, p); err != nil {
			return err
		}
		if !p.Started.IsZero() && !p.Stopped {
			if err := m.schedule(tx, r.WS, p, ev); err != nil {
				return err
			}
		}
		return r.Audit(tx, "followup.plan", "event/"+id, strings.Join(r.Args[1:], " "))
	})
	if err != nil {
		return chat.Response{}, fmt.Errorf("follow-up plan: %w", err)
	}
	return r.ReplyText(r.T("followup.plan.heading", "Event", ev.NameIn(r.Lang)) + "\n" + m.describe(r, p, ev))
}

// people adds or removes jurors and city people to the survey:
// /kipina followup people add <event> [juror|city] @user… — the word
// before mentions sets their role (juror unless told).
func (m *module) people(add bool) bot.Handler {
	return func(ctx context.Context, r *bot.Request) (chat.Response, error) {
		if add {
			r.KnowMentioned(ctx, r.Args[1:]...)
		}
		id := r.Args[0]
		var names []string
		err := r.Update(func(tx *storage.Tx) error {
			if _, err := loadEvent(tx, r.WS.ID, id); err != nil {
				return err
			}
			p, _, err := LoadPlan(tx, r.WS.ID, id)
			if err != nil {
				return err
			}
			role := "juror" // "city" before mentions marks city staff
			for _, a := range r.Args[1:] {
				if a == "juror" || a == "city" {
					role = a
					continue
				}
				u := bot.Mention(r, a)
				p.People = slices.DeleteFunc(p.People, func(x Person) bool { return x.User == u })
				if add {
					p.People = append(p.People, Person{User: u, Role: role})
				}
				names = append(names, chat.Mention(u))
			}
			if err := Plans.Put(tx, r.WS.ID, id, p); err != nil {
				return err
			}
			return r.Audit(tx, "followup.people", "event/"+id, fmt.Sprintf("add=%v %s", add, strings.Join(names, " ")))
		})
		switch {
		case err != nil:
			return chat.Response{}, fmt.Errorf("follow-up people: %w", err)
		case add:
			return r.Reply("followup.people.added", "Users", strings.Join(names, ", "), "Event", id)
		default:
			return r.Reply("followup.people.removed", "Users", strings.Join(names, ", "), "Event", id)
		}
	}
}

// set is the organiser's correction of a pair's stage:
// /kipina followup set <app> <stage> [reason…].
func (m *module) set(_ context.Context, r *bot.Request) (chat.Response, error) {
	appID, stage := strings.ToUpper(r.Args[0]), strings.ToLower(r.Args[1])
	if rank(stage) < 0 && stage != Closed {
		return chat.Response{}, bot.Refuse("followup.set.bad_stage", "Stage", stage, "Stages", strings.Join(append(slices.Clone(Funnel), Closed), ", "))
	}
	reason := strings.Join(r.Args[2:], " ")
	var p Pair
	err := r.Update(func(tx *storage.Tx) error {
		a, ok, err := round.Apps.Lookup(tx, r.WS.ID, appID)
		if err != nil {
			return err
		}
		if ok {
			p, ok, err = Pairs.Lookup(tx, r.WS.ID, PairKey(a.Event, appID))
			if err != nil {
				return err
			}
		}
		if !ok {
			return bot.Refuse("followup.set.no_pair", "App", appID)
		}
		from := p.Stage
		p.History = append(p.History, Change{At: r.Now(), Who: r.User.String(), From: from, To: stage, Answer: "set", Reason: reason})
		p.Stage, p.Since = stage, r.Now()
		if stage == Closed {
			p.Reason = reason
		}
		if err := Pairs.Put(tx, r.WS.ID, PairKey(a.Event, appID), p); err != nil {
			return err
		}
		return r.Audit(tx, "followup.set", "app/"+appID, from+" → "+stage+" "+reason)
	})
	if err != nil {
		return chat.Response{}, fmt.Errorf("follow-up set: %w", err)
	}
	return r.Reply("followup.set.done", "App", appID, "Company", p.Company, "Stage", r.T("followup.stage."+stage))
}
