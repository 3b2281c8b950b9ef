package routing

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/kipina/kipina/bot"
	"github.com/kipina/kipina/bot/call"
	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/bot/format"
	"github.com/kipina/kipina/bot/outbox"
	"github.com/kipina/kipina/bot/round"
	"github.com/kipina/kipina/matching"
	"github.com/kipina/kipina/storage"
)

// Module registers matching and routing.
type Module struct{}

type module struct {
	b  *bot.Env
	ms *matchers
}

// Register hooks matching into every stored application and adds the
// commands, the override select and the daily digest.
func (Module) Register(reg *bot.Registry, b *bot.Env) error {
	m := &module{b: b, ms: &matchers{m: map[string]cached{}}}
	round.AppSubmitted.Subscribe(reg.Events(), m.onSubmit)
	round.AppChanged.Subscribe(reg.Events(), func(ctx context.Context, tx *storage.Tx, c round.Change) error {
		ws, ok := m.b.Workspace(c.App.Owner.Workspace)
		if !ok {
			return fmt.Errorf("workspace %s is not configured", c.App.Owner.Workspace)
		}
		return requeue(ctx, tx, ws.ID, c)
	})
	org := bot.Organiser
	for _, c := range []bot.Command{
		{Name: "matches", Role: org, MaxArgs: 1, Run: m.list},
		{Name: "match", Role: org, MinArgs: 1, MaxArgs: 1, Run: m.show},
		{Name: "match set", Role: org, MinArgs: 2, MaxArgs: 2, Run: m.set},
		{Name: "contacts", Role: org, MaxArgs: 1, Run: m.contactList},
		{Name: "digest", Role: org, Run: func(ctx context.Context, r *bot.Request) (chat.Response, error) {
			if err := m.sendDigests(ctx, r.WS); err != nil {
				return chat.Response{}, err
			}
			return r.Reply("routing.digest.sent")
		}},
		{Name: "contacts add", Role: org, MinArgs: 2, MaxArgs: -1, Run: m.contactsEdit(true)},
		{Name: "contacts remove", Role: org, MinArgs: 2, MaxArgs: -1, Run: m.contactsEdit(false)},
	} {
		reg.Command(c)
	}
	reg.Action(overrideID.Prefix(), org, m.overrideSelect)
	if err := seedConfigured(b); err != nil {
		return err
	}
	if spec := b.Config.Schedules["digest"]; spec != "" {
		return reg.Cron("digest", spec, m.digest)
	}
	return nil
}

// onSubmit ranks a stored application and routes it when its primary
// target changed.
func (m *module) onSubmit(_ context.Context, tx *storage.Tx, s round.Submission) error {
	a, ev := s.App, s.Event
	ws, ok := m.b.Workspace(s.By.Workspace)
	if !ok {
		return fmt.Errorf("workspace %s is not configured", s.By.Workspace)
	}
	prev, _, err := matches.Lookup(tx, ws.ID, a.ID)
	if err != nil {
		return err
	}
	mr, err := m.ms.get(m.b, tx, ws.ID, ev)
	if err != nil {
		return err
	}
	cur := Match{App: a.ID, Event: a.Event, Ranking: mr.Rank(text(a)), Override: prev.Override, Routed: prev.Routed, Updated: m.b.Now(),
		Chosen: chosenTarget(targets(m.b, ev), a)}
	if err := m.route(tx, ws, ev, *a, &cur); err != nil {
		return err
	}
	return saveMatch(tx, ws.ID, cur)
}

// routedText is what a target's contact reads of a routed application: a
// trade-secret one shows only its id, company and target, and where to
// read it (the summary and the matched words are the applicant's text).
func (m *module) routedText(id, lang string, ev round.Event, a round.Application, target string, score float64, reasons []string) string {
	name := ev.TargetName(m.b.Config.Tracks, target, lang)
	if a.Secrets {
		return m.b.Cat.T(lang, "routing.routed.secret", "App", a.ID, "Company", a.Company, "Target", name)
	}
	return m.b.Cat.T(lang, id, "App", a.ID, "Company", a.Company, "Target", name,
		"Score", format.Decimal(lang, score, 2), "Reasons", strings.Join(reasons, ", "), "Summary", bot.Clip(a.Summary, 300))
}

// route tells the primary target's contacts and posts the match to the
// organisers' channel with a select to override it, once per target.
func (m *module) route(tx *storage.Tx, ws *bot.Workspace, ev round.Event, a round.Application, cur *Match) error {
	primary := cur.Primary()
	if primary == "" || primary == cur.Routed {
		return nil
	}
	cur.Routed = primary
	score := 0.0
	var reasons []string
	for _, x := range cur.Ranking.Matches {
		if x.Target == primary {
			score, reasons = x.Score, x.Reasons
		}
	}
	dmKey := "routing.routed.dm"
	if len(reasons) == 0 {
		dmKey = "routing.routed.dm_choice" // the applicant's choice, which the matcher does not see
	}
	users, err := Contacts(tx, ws.ID, primary)
	if err != nil {
		return err
	}
	channels, err := ContactChannels(tx, ws.ID, primary)
	if err != nil {
		return err
	}
	for _, u := range users {
		lang := m.b.LangOf(tx, u)
		msg := chat.Message{Text: m.routedText(dmKey, lang, ev, a, primary, score, reasons)}
		if s := m.alsoFitsLine(ev, *cur, primary, lang); s != "" {
			msg.Text += "\n" + s
		}
		if _, err := outbox.Enqueue(tx, outbox.NewKey(ws.ID, "route", a.ID, primary, "user", u.User), chat.DM(u), msg); err != nil {
			return err
		}
	}
	for _, ch := range channels {
		// A channel has many readers: a trade secret gets the short form.
		msg := chat.Message{Text: m.routedText(dmKey, ws.Lang, ev, a, primary, score, reasons)}
		if s := m.alsoFitsLine(ev, *cur, primary, ws.Lang); s != "" {
			msg.Text += "\n" + s
		}
		to := ws.Channel(ch)
		if _, err := outbox.Enqueue(tx, outbox.NewKey(ws.ID, "route", a.ID, primary, "channel", ch), to, msg); err != nil {
			return err
		}
	}
	if ws.NotifyChannel == "" {
		return nil
	}
	lang := ws.Lang
	var lines []string
	var opts []chat.Option
	for _, x := range cur.Ranking.Matches {
		name := ev.TargetName(m.b.Config.Tracks, x.Target, lang)
		if len(lines) < 3 && x.Score > 0 {
			line := fmt.Sprintf("%d. %s %s", len(lines)+1, name, format.Decimal(lang, x.Score, 2))
			if len(x.Reasons) > 0 && !a.Secrets {
				line += " (" + strings.Join(x.Reasons, ", ") + ")"
			}
			lines = append(lines, line)
		}
		opts = append(opts, chat.Option{Value: x.Target, Label: bot.Clip(name+" "+format.Decimal(lang, x.Score, 2), 70)})
	}
	target := ev.TargetName(m.b.Config.Tracks, primary, lang)
	best := ""
	if len(lines) > 0 {
		best = "\n" + strings.Join(lines, "\n")
	}
	override := chat.Control{Kind: chat.Select, ID: overrideID.ID(a.ID), Label: m.b.Cat.T(lang, "routing.override.label"), Options: opts}
	notes, moves := m.choiceNotes(ev, a, *cur, lang)
	best += notes
	controls := append(moves, override)
	// A new application's notice is still waiting in the outbox: the match
	// joins it, so organisers read one message per application.
	amended, err := outbox.Amend(tx, call.NoticeKey(ws.ID, a.ID), func(msg *chat.Message) {
		msg.Text += "\n" + m.b.Cat.T(lang, "routing.routed", "Target", target) + best
		msg.Controls = append(msg.Controls, controls...)
	})
	if err != nil || amended {
		return err
	}
	to := ws.Channel(ws.NotifyChannel)
	text := m.b.Cat.T(lang, "routing.notice", "App", a.ID, "Company", a.Company, "Target", target) + best
	_, err = outbox.Enqueue(tx, outbox.NewKey(ws.ID, "route", a.ID, primary, "notice"), to, chat.Message{Text: text, Controls: controls})
	return err
}

// override sets an application's target by an organiser's decision: it is
// stored and audited, the text is learned for that target, and the new
// target's contacts are told.
func (m *module) override(r *bot.Request, appID, target string) (chat.Response, error) {
	var a round.Application
	var name string
	err := r.Update(func(tx *storage.Tx) error {
		a2, found, err := round.Apps.Lookup(tx, r.WS.ID, strings.ToUpper(appID))
		if err != nil {
			return err
		}
		if !found {
			return bot.Refuse("app.not_found", "App", appID)
		}
		a = a2
		ev, err := round.LoadEvent(tx, r.WS.ID, a.Event)
		if err != nil {
			return err
		}
		if !slices.ContainsFunc(targets(m.b, ev), func(t matching.Target) bool { return t.ID == target }) {
			return bot.Refuse("routing.no_target", "Target", target)
		}
		cur, found, err := matches.Lookup(tx, r.WS.ID, a.ID)
		if err != nil {
			return err
		}
		if !found {
			mr, err := m.ms.get(m.b, tx, r.WS.ID, ev)
			if err != nil {
				return err
			}
			cur = Match{App: a.ID, Event: a.Event, Ranking: mr.Rank(text(&a)), Chosen: chosenTarget(targets(m.b, ev), &a)}
		}
		cur.Override, cur.Updated = target, r.Now()
		name = ev.TargetName(m.b.Config.Tracks, target, r.Lang)
		if err := addCorrection(tx, r.WS.ID, a.ID, correction{Event: a.Event, Target: target, Text: text(&a)}); err != nil {
			return err
		}
		if err := m.route(tx, r.WS, ev, a, &cur); err != nil {
			return err
		}
		if err := saveMatch(tx, r.WS.ID, cur); err != nil {
			return err
		}
		return r.Audit(tx, "match.override", "app/"+a.ID, target)
	})
	if err != nil {
		return chat.Response{}, fmt.Errorf("override: %w", err)
	}
	return r.Reply("routing.overridden", "App", a.ID, "Target", name)
}

func (m *module) set(_ context.Context, r *bot.Request) (chat.Response, error) {
	return m.override(r, r.Args[0], r.Args[1])
}

// overrideSelect is a choice on the select of targets or a press on Move:
// the action's value is the target.
func (m *module) overrideSelect(_ context.Context, r *bot.Request) (chat.Response, error) {
	app, err := matchedApp(r)
	if err != nil {
		return chat.Response{}, err
	}
	act, ok := r.Event.(*chat.Action)
	if !ok {
		return chat.Response{}, bot.Refuse("error.stale")
	}
	return m.override(r, app, act.Value)
}
