package day

import (
	"context"
	"fmt"
	"strings"

	"github.com/kipina/kipina/bot"
	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/bot/round"
	"github.com/kipina/kipina/storage"
)

// peopleList shows the city people of an event's day: process contacts by
// target and the staff added by command.
func (m *mod) peopleList(_ context.Context, r *bot.Request) (chat.Response, error) {
	ev, err := loadEvent(r, r.Args[0])
	if err != nil {
		return chat.Response{}, err
	}
	var lines []string
	var nComp int
	err = r.Env.DB.View(func(tx *storage.Tx) error {
		cs, err := m.loadCast(tx, r.WS.ID, ev)
		if err != nil {
			return err
		}
		nComp = len(cs.companies)
		for _, p := range cs.people {
			name, err := personName(tx, p.Ref)
			if err != nil {
				return err
			}
			lines = append(lines, "• "+name+" — "+m.roleText(ev, p, r.Lang))
		}
		return nil
	})
	if err != nil {
		return chat.Response{}, fmt.Errorf("day people: %w", err)
	}
	head := r.T("day.people.head", "Event", ev.NameIn(r.Lang), "Count", len(lines), "Companies", nComp)
	if len(lines) == 0 {
		return r.ReplyText(head + "\n" + r.T("day.people.none", "Event", ev.ID))
	}
	return r.ReplyText(head + "\n" + strings.Join(lines, "\n"))
}

// roleText says in lang what a city person is at the day.
func (m *mod) roleText(ev round.Event, p person, lang string) string {
	names := make([]string, len(p.Targets))
	for i, t := range p.Targets {
		names[i] = ev.TargetName(m.env.Config.Tracks, t, lang)
	}
	switch {
	case p.Kind == "juror" && len(names) > 0:
		return m.env.Cat.T(lang, "day.role.juror_of", "Targets", strings.Join(names, ", "))
	case p.Kind == "juror":
		return m.env.Cat.T(lang, "day.role.juror")
	case len(names) == 0:
		return m.env.Cat.T(lang, "day.role.staff")
	}
	return m.env.Cat.T(lang, "day.role.process", "Targets", strings.Join(names, ", "))
}

// peopleEdit adds or removes staff of an event's day.
func (m *mod) peopleEdit(add bool) bot.Handler {
	return func(_ context.Context, r *bot.Request) (chat.Response, error) {
		ev, err := loadEvent(r, r.Args[0])
		if err != nil {
			return chat.Response{}, err
		}
		var names []string
		err = r.Update(func(tx *storage.Tx) error {
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
			return chat.Response{}, fmt.Errorf("day people: %w", err)
		}
		id := "day.people.added"
		if !add {
			id = "day.people.removed"
		}
		return r.Reply(id, "Users", strings.Join(names, ", "), "Event", ev.ID)
	}
}
