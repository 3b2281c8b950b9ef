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
	"github.com/kipina/kipina/matching"
	"github.com/kipina/kipina/storage"
)

// Module registers matching and routing.
type Module struct{}

type module struct {
	b  *bot.Bot
	ms *matchers
}

// Register hooks matching into every stored application and adds the
// commands, the override select and the daily digest.
func (Module) Register(b *bot.Bot) error {
	m := &module{b: b, ms: &matchers{m: map[string]cached{}}}
	call.OnSubmit(b, m.onSubmit)
	org := bot.Organiser
	for _, c := range []bot.Command{
		{Name: "matches", Role: org, MaxArgs: 1, Run: m.list},
		{Name: "match", Role: org, MinArgs: 1, MaxArgs: 1, Run: m.show},
		{Name: "match set", Role: org, MinArgs: 2, MaxArgs: 2, Run: m.set},
		{Name: "contacts", Role: org, MaxArgs: 1, Run: m.contactList},
		{Name: "digest", Role: org, Run: func(ctx context.Context, r *bot.Request) chat.Response {
			m.digest(ctx)
			return r.Reply("routing.digest.sent")
		}},
		{Name: "contacts add", Role: org, MinArgs: 2, MaxArgs: -1, Run: m.contactsEdit(true)},
		{Name: "contacts remove", Role: org, MinArgs: 2, MaxArgs: -1, Run: m.contactsEdit(false)},
	} {
		b.Router.Command(c)
	}
	b.Router.Action("match", org, m.overrideSelect)
	if err := seedConfigured(b); err != nil {
		return err
	}
	if spec := b.Config.Schedules["digest"]; spec != "" {
		return b.Sched.Cron("digest", spec, m.digest)
	}
	return nil
}

// onSubmit ranks a stored application and routes it when its primary
// target changed.
func (m *module) onSubmit(r *bot.Request, tx *storage.Tx, ev call.Event, a *call.Application) error {
	prev, _ := matches.Get(tx, r.WS.ID, a.ID)
	cur := Match{App: a.ID, Event: a.Event, Ranking: m.ms.get(m.b, tx, r.WS.ID, ev).Rank(text(a)), Override: prev.Override, Routed: prev.Routed, Updated: r.Now()}
	if err := m.route(tx, r.WS, ev, *a, &cur); err != nil {
		return err
	}
	return matches.Put(tx, r.WS.ID, a.ID, cur)
}

// route tells the primary target's contacts and posts the match to the
// organisers' channel with a select to override it, once per target.
func (m *module) route(tx *storage.Tx, ws *bot.Workspace, ev call.Event, a call.Application, cur *Match) error {
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
	for _, u := range Contacts(tx, ws.ID, primary) {
		lang := m.b.LangOf(tx, u)
		msg := chat.Message{Text: m.b.Cat.T(lang, "routing.routed.dm", "App", a.ID, "Company", a.Company, "Target", ev.TargetName(m.b.Config.Tracks, primary, lang),
			"Score", format.Decimal(lang, score, 2), "Reasons", strings.Join(reasons, ", "), "Summary", bot.Clip(a.Summary, 300))}
		if _, err := outbox.Enqueue(tx, fmt.Sprintf("route/%s/%s/%s/%s", ws.ID, a.ID, primary, u.User), chat.DM(u), msg); err != nil {
			return err
		}
	}
	for _, ch := range ContactChannels(tx, ws.ID, primary) {
		lang := ws.Lang
		msg := chat.Message{Text: m.b.Cat.T(lang, "routing.routed.dm", "App", a.ID, "Company", a.Company, "Target", ev.TargetName(m.b.Config.Tracks, primary, lang),
			"Score", format.Decimal(lang, score, 2), "Reasons", strings.Join(reasons, ", "), "Summary", bot.Clip(a.Summary, 300))}
		to := chat.Address{Platform: a.Owner.Platform, Workspace: ws.ID, Channel: ch}
		if _, err := outbox.Enqueue(tx, fmt.Sprintf("route/%s/%s/%s/#%s", ws.ID, a.ID, primary, ch), to, msg); err != nil {
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
			if len(x.Reasons) > 0 {
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
	override := chat.Control{Kind: chat.Select, ID: "match:" + a.ID, Label: m.b.Cat.T(lang, "routing.override.label"), Options: opts}
	// A new application's notice is still waiting in the outbox: the match
	// joins it, so organisers read one message per application.
	amended, err := outbox.Amend(tx, call.NoticeKey(ws.ID, a.ID), func(msg *chat.Message) {
		msg.Text += "\n" + m.b.Cat.T(lang, "routing.routed", "Target", target) + best
		msg.Controls = append(msg.Controls, override)
	})
	if err != nil || amended {
		return err
	}
	to := chat.Address{Platform: a.Owner.Platform, Workspace: ws.ID, Channel: ws.NotifyChannel}
	text := m.b.Cat.T(lang, "routing.notice", "App", a.ID, "Company", a.Company, "Target", target) + best
	_, err = outbox.Enqueue(tx, fmt.Sprintf("route/%s/%s/%s/notice", ws.ID, a.ID, primary), to, chat.Message{Text: text, Controls: []chat.Control{override}})
	return err
}

// override sets an application's target by an organiser's decision: it is
// stored and audited, the text is learned for that target, and the new
// target's contacts are told.
func (m *module) override(r *bot.Request, appID, target string) chat.Response {
	var a call.Application
	var name string
	err := r.Update(func(tx *storage.Tx) error {
		var err error
		if a, err = call.LoadApp(tx, r.WS.ID, strings.ToUpper(appID)); err != nil {
			return errNoApp
		}
		ev, err := call.LoadEvent(tx, r.WS.ID, a.Event)
		if err != nil {
			return err
		}
		if !slices.ContainsFunc(targets(m.b, ev), func(t matching.Target) bool { return t.ID == target }) {
			return errNoTarget
		}
		cur, err := matches.Get(tx, r.WS.ID, a.ID)
		if err != nil {
			cur = Match{App: a.ID, Event: a.Event, Ranking: m.ms.get(m.b, tx, r.WS.ID, ev).Rank(text(&a))}
		}
		cur.Override, cur.Updated = target, r.Now()
		name = ev.TargetName(m.b.Config.Tracks, target, r.Lang)
		if err := corrections.Put(tx, r.WS.ID, a.ID, correction{Event: a.Event, Target: target, Text: text(&a)}); err != nil {
			return err
		}
		if err := m.route(tx, r.WS, ev, a, &cur); err != nil {
			return err
		}
		if err := matches.Put(tx, r.WS.ID, a.ID, cur); err != nil {
			return err
		}
		return r.Audit(tx, "match.override", "app/"+a.ID, target)
	})
	switch err {
	case nil:
		return r.Reply("routing.overridden", "App", a.ID, "Target", name)
	case errNoApp:
		return r.Reply("app.not_found", "App", appID)
	case errNoTarget:
		return r.Reply("routing.no_target", "Target", target)
	default:
		r.Bot.Log.Error("override", "err", err)
		return r.Reply("error.internal")
	}
}

var (
	errNoApp    = fmt.Errorf("no such application")
	errNoTarget = fmt.Errorf("no such target")
)

func (m *module) set(_ context.Context, r *bot.Request) chat.Response {
	return m.override(r, r.Args[0], r.Args[1])
}

func (m *module) overrideSelect(_ context.Context, r *bot.Request) chat.Response {
	act := r.Event.(*chat.Action)
	return m.override(r, r.Args[0], act.Value)
}
