package routing

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/kipina/kipina/bot"
	"github.com/kipina/kipina/bot/call"
	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/bot/outbox"
	"github.com/kipina/kipina/storage"
)

// list shows applications grouped by their primary target, with scores.
func (m *module) list(_ context.Context, r *bot.Request) chat.Response {
	type row struct {
		a     call.Application
		match Match
	}
	byTarget := map[string][]row{}
	var ev call.Event
	r.Bot.DB.View(func(tx *storage.Tx) error {
		evs, _ := call.Events.All(tx, r.WS.ID)
		if len(r.Args) == 1 {
			ev, _ = call.LoadEvent(tx, r.WS.ID, r.Args[0])
		} else if len(evs) > 0 {
			ev = evs[len(evs)-1]
		}
		apps, _ := call.EventApps(tx, r.WS.ID, ev.ID)
		for _, a := range apps {
			if a.State == call.Withdrawn {
				continue
			}
			mt, _ := matches.Get(tx, r.WS.ID, a.ID)
			byTarget[mt.Primary()] = append(byTarget[mt.Primary()], row{a, mt})
		}
		return nil
	})
	if ev.ID == "" {
		return r.Reply("event.not_found", "Event", strings.Join(r.Args, " "))
	}
	if len(byTarget) == 0 {
		return r.Reply("apps.none")
	}
	var sb strings.Builder
	sb.WriteString(r.T("routing.matches.heading", "Event", ev.Name))
	for _, t := range targets(m.b, ev) {
		rows := byTarget[t.ID]
		if len(rows) == 0 {
			continue
		}
		fmt.Fprintf(&sb, "\n*%s* (%d)", ev.TargetName(m.b.Config.Tracks, t.ID, r.Lang), len(rows))
		for _, x := range rows {
			mark := ""
			if x.match.Override != "" {
				mark = " ✎"
			}
			fmt.Fprintf(&sb, "\n  %s %s — %.2f%s", x.a.ID, x.a.Company, scoreFor(x.match, t.ID), mark)
		}
	}
	return r.ReplyText(sb.String())
}

// scoreFor is a match's score for target.
func scoreFor(m Match, target string) float64 {
	for _, x := range m.Ranking.Matches {
		if x.Target == target {
			return x.Score
		}
	}
	return 0
}

// show explains one application's ranking.
func (m *module) show(_ context.Context, r *bot.Request) chat.Response {
	var a call.Application
	var ev call.Event
	var mt Match
	err := r.Bot.DB.View(func(tx *storage.Tx) (err error) {
		if a, err = call.LoadApp(tx, r.WS.ID, strings.ToUpper(r.Args[0])); err != nil {
			return err
		}
		ev, _ = call.LoadEvent(tx, r.WS.ID, a.Event)
		mt, err = matches.Get(tx, r.WS.ID, a.ID)
		return err
	})
	if err != nil {
		return r.Reply("app.not_found", "App", r.Args[0])
	}
	var sb strings.Builder
	sb.WriteString(r.T("routing.show.heading", "App", a.ID, "Company", a.Company, "Lang", mt.Ranking.Lang))
	for i, x := range mt.Ranking.Matches {
		fmt.Fprintf(&sb, "\n%d. %s — %.2f", i+1, ev.TargetName(m.b.Config.Tracks, x.Target, r.Lang), x.Score)
		if len(x.Reasons) > 0 {
			sb.WriteString(" (" + strings.Join(x.Reasons, ", ") + ")")
		}
	}
	if mt.Override != "" {
		sb.WriteString("\n" + r.T("routing.show.override", "Target", ev.TargetName(m.b.Config.Tracks, mt.Override, r.Lang)))
	}
	return r.ReplyText(sb.String())
}

// knownTarget reports whether id is a core process or a challenge of any
// event of the workspace.
func knownTarget(b *bot.Bot, tx *storage.Tx, ws, id string) bool {
	for _, t := range b.Config.Tracks {
		if t.ID == id {
			return true
		}
	}
	found := false
	call.Events.Scan(tx, ws, "", func(_ string, ev call.Event) error {
		if slices.ContainsFunc(ev.Challenges, func(c call.Challenge) bool { return c.ID == id }) {
			found = true
			return storage.ErrStop
		}
		return nil
	})
	return found
}

func (m *module) contactsEdit(add bool) bot.Handler {
	return func(_ context.Context, r *bot.Request) chat.Response {
		target := r.Args[0]
		var names []string
		err := r.Update(func(tx *storage.Tx) error {
			if !knownTarget(m.b, tx, r.WS.ID, target) {
				return errNoTarget
			}
			cur, _ := contactsB.Get(tx, r.WS.ID, target)
			// A set of the current contacts: each argument costs O(1),
			// not a scan of the list.
			have := make(map[chat.UserRef]bool, len(cur))
			for _, u := range cur {
				have[u] = true
			}
			drop := map[chat.UserRef]bool{}
			for _, arg := range r.Args[1:] {
				u := bot.Mention(r, arg)
				names = append(names, chat.Mention(u))
				if add && !have[u] {
					have[u] = true
					cur = append(cur, u)
					if err := bot.Grant(tx, u, bot.Process); err != nil {
						return err
					}
				}
				if !add {
					drop[u] = true
				}
			}
			if len(drop) > 0 {
				cur = slices.DeleteFunc(cur, func(x chat.UserRef) bool { return drop[x] })
			}
			if err := contactsB.Put(tx, r.WS.ID, target, cur); err != nil {
				return err
			}
			action := "contacts.add"
			if !add {
				action = "contacts.remove"
			}
			return r.Audit(tx, action, "target/"+target, strings.Join(names, " "))
		})
		switch {
		case err == errNoTarget:
			return r.Reply("routing.no_target", "Target", target)
		case err != nil:
			r.Bot.Log.Error("contacts", "err", err)
			return r.Reply("error.internal")
		case add:
			return r.Reply("routing.contacts.added", "Users", strings.Join(names, ", "), "Target", target)
		default:
			return r.Reply("routing.contacts.removed", "Users", strings.Join(names, ", "), "Target", target)
		}
	}
}

func (m *module) contactList(_ context.Context, r *bot.Request) chat.Response {
	var sb strings.Builder
	r.Bot.DB.View(func(tx *storage.Tx) error {
		for _, target := range contactTargets(tx, r.WS.ID) {
			if len(r.Args) == 1 && target != r.Args[0] {
				continue
			}
			var names []string
			for _, u := range Contacts(tx, r.WS.ID, target) {
				names = append(names, chat.Mention(u))
			}
			for _, ch := range ContactChannels(tx, r.WS.ID, target) {
				names = append(names, "#"+ch)
			}
			if len(names) > 0 {
				fmt.Fprintf(&sb, "• %s: %s\n", target, strings.Join(names, ", "))
			}
		}
		return nil
	})
	if sb.Len() == 0 {
		return r.Reply("routing.contacts.none")
	}
	return r.ReplyText(strings.TrimRight(sb.String(), "\n"))
}

var digestLast = storage.NewBucket[time.Time]("digest-last")

// digest sends each target's contacts the applications routed to it since
// the last digest: one message a day per person, through the outbox.
func (m *module) digest(context.Context) {
	now := m.b.Now()
	err := m.b.Update(func(tx *storage.Tx) error {
		for _, w := range m.b.Config.Workspaces {
			ws, _ := m.b.Workspace(w.ID)
			for _, target := range contactTargets(tx, w.ID) {
				us := Contacts(tx, w.ID, target)
				last, _ := digestLast.Get(tx, w.ID, target)
				var fresh []call.Application
				evs := map[string]call.Event{}
				call.Apps.Scan(tx, w.ID, "", func(_ string, a call.Application) error {
					if a.State != call.Withdrawn && a.Submitted.After(last) && Primary(tx, w.ID, a.ID) == target {
						fresh = append(fresh, a)
						evs[a.Event], _ = call.LoadEvent(tx, w.ID, a.Event)
					}
					return nil
				})
				if len(fresh) == 0 {
					continue
				}
				day := now.In(ws.Loc).Format("2006-01-02")
				for _, u := range us {
					lang := m.b.LangOf(tx, u)
					lines := []string{m.b.Cat.T(lang, "routing.digest", "Count", len(fresh), "Target", evs[fresh[0].Event].TargetName(m.b.Config.Tracks, target, lang))}
					for _, a := range fresh {
						lines = append(lines, fmt.Sprintf("• %s %s — %s", a.ID, a.Company, bot.Clip(a.Summary, 120)))
					}
					key := fmt.Sprintf("digest/%s/%s/%s/%s", w.ID, target, day, u.User)
					if _, err := outbox.Enqueue(tx, key, chat.DM(u), chat.Message{Text: strings.Join(lines, "\n")}); err != nil {
						return err
					}
				}
				if err := digestLast.Put(tx, w.ID, target, now); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		m.b.Log.Error("digest", "err", err)
	}
}

// contactTargets lists the targets that have contacts, by command or by
// configuration, in key order.
func contactTargets(tx *storage.Tx, ws string) []string {
	var out []string
	contactsB.Scan(tx, ws, "", func(target string, _ []chat.UserRef) error {
		out = append(out, target)
		return nil
	})
	fromConfig.Scan(tx, ws, "", func(target string, _ configured) error {
		if !slices.Contains(out, target) {
			out = append(out, target)
		}
		return nil
	})
	slices.Sort(out)
	return out
}
