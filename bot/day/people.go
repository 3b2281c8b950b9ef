package day

import (
	"context"
	"strings"

	"github.com/kipina/kipina/bot"
	"github.com/kipina/kipina/bot/call"
	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/storage"
)

// peopleList shows the city people of an event's day: process contacts by
// target and the staff added by command.
func (m *mod) peopleList(_ context.Context, r *bot.Request) chat.Response {
	ev, bad := loadEvent(r, r.Args[0])
	if bad != nil {
		return *bad
	}
	var lines []string
	var nComp int
	r.Bot.DB.View(func(tx *storage.Tx) error {
		cs := m.loadCast(tx, r.WS.ID, ev)
		nComp = len(cs.companies)
		for _, p := range cs.people {
			lines = append(lines, "• "+personName(tx, p.Ref)+" — "+m.roleText(ev, p, r.Lang))
		}
		return nil
	})
	head := r.T("day.people.head", "Event", ev.Name, "Count", len(lines), "Companies", nComp)
	if len(lines) == 0 {
		return r.ReplyText(head + "\n" + r.T("day.people.none", "Event", ev.ID))
	}
	return r.ReplyText(head + "\n" + strings.Join(lines, "\n"))
}

// roleText says in lang what a city person is at the day.
func (m *mod) roleText(ev call.Event, p person, lang string) string {
	names := make([]string, len(p.Targets))
	for i, t := range p.Targets {
		names[i] = ev.TargetName(m.b.Config.Tracks, t, lang)
	}
	switch {
	case p.Kind == "juror" && len(names) > 0:
		return m.b.Cat.T(lang, "day.role.juror_of", "Targets", strings.Join(names, ", "))
	case p.Kind == "juror":
		return m.b.Cat.T(lang, "day.role.juror")
	case len(names) == 0:
		return m.b.Cat.T(lang, "day.role.staff")
	}
	return m.b.Cat.T(lang, "day.role.process", "Targets", strings.Join(names, ", "))
}

// peopleEdit adds or removes staff of an event's day.
func (m *mod) peopleEdit(add bool) bot.Handler {
	return func(_ context.Context, r *bot.Request) chat.Response {
		ev, bad := loadEvent(r, r.Args[0])
		if bad != nil {
			return *bad
		}
		var names []string
		err := r.Update(func(tx *storage.Tx) error {
			for _, a := range r.Args[1:] {
				u := bot.Mention(r, a)
				names = append(names, chat.Mention(u))
				k := ev.ID + "/" + u.User
				if !add {
					if err := Staff.Delete(tx, r.WS.ID, k); err != nil {
						return err
					}
					continue
				}
				if err := Staff.Put(tx, r.WS.ID, k, u); err != nil {
					return err
				}
			}
			action := "day.people.add"
			if !add {
				action = "day.people.remove"
			}
			return r.Audit(tx, action, "event/"+ev.ID, strings.Join(names, " "))
		})
		if err != nil {
			return internal(r, "day people", err)
		}
		id := "day.people.added"
		if !add {
			id = "day.people.removed"
		}
		return r.Reply(id, "Users", strings.Join(names, ", "), "Event", ev.ID)
	}
}
