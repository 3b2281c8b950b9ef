package call

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/kipina/kipina/bot"
	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/bot/outbox"
	"github.com/kipina/kipina/storage"
)

// eventForm is the form to create or edit an event.
func eventForm(r *bot.Request, id string, ev *Event) *chat.Form {
	f := &chat.Form{ID: id, Title: r.T("event.form.title"), Submit: r.T("button.save"), Fields: []chat.Field{
		{ID: "name", Kind: chat.ShortText, Label: r.T("event.name.label"), Placeholder: "Kipinä 2027"},
		{ID: "date", Kind: chat.Date, Label: r.T("event.date.label"), Help: r.T("event.date.help")},
		{ID: "place", Kind: chat.ShortText, Label: r.T("event.place.label")},
		{ID: "deadline", Kind: chat.Date, Label: r.T("event.deadline.label"), Help: r.T("event.deadline.help")},
		{ID: "description", Kind: chat.LongText, Label: r.T("event.description.label"), Optional: true},
	}}
	if ev != nil {
		f.State = ev.ID
		vals := map[string]string{"name": ev.Name, "date": ev.Date.In(r.WS.Loc).Format(chat.DateLayout), "place": ev.Place,
			"deadline": ev.Deadline.In(r.WS.Loc).Format(chat.DateLayout), "description": ev.Description}
		for i := range f.Fields {
			f.Fields[i].Value = vals[f.Fields[i].ID]
		}
	}
	return f
}

func eventNew(_ context.Context, r *bot.Request) chat.Response {
	return chat.Response{Form: eventForm(r, "event:new", nil)}
}

func eventEdit(_ context.Context, r *bot.Request) chat.Response {
	ev, bad := event(r, r.Args[0])
	if bad != nil {
		return *bad
	}
	return chat.Response{Form: eventForm(r, "event:edit", &ev)}
}

// eventSubmit creates or updates an event from its form.
func eventSubmit(_ context.Context, r *bot.Request) chat.Response {
	sub := r.Event.(*chat.FormSubmit)
	v := sub.Values
	form := eventForm(r, sub.FormID, nil)
	problems := form.Check(v)
	date, errDate := chat.ParseDate(v["date"])
	deadline, errDeadline := chat.ParseDate(v["deadline"])
	today := r.Now().In(r.WS.Loc).Format(chat.DateLayout)
	if errDate == nil && date.Format(chat.DateLayout) < today && problems["date"].ID == "" {
		problems["date"] = chat.Problem{ID: "event.date.past"}
	}
	if errDate == nil && errDeadline == nil && deadline.After(date) && problems["deadline"].ID == "" {
		problems["deadline"] = chat.Problem{ID: "event.deadline.after_date"}
	}
	if len(problems) > 0 {
		return r.FieldErrors(problems)
	}
	loc := r.WS.Loc
	var ev Event
	err := r.Update(func(tx *storage.Tx) error {
		if sub.FormID == "event:edit" {
			var err error
			if ev, err = LoadEvent(tx, r.WS.ID, sub.State); err != nil {
				return err
			}
		} else {
			ev = Event{ID: uniqueID(tx, r.WS.ID, slug(v["name"])), Created: r.Now()}
		}
		ev.Name, ev.Place, ev.Description = strings.TrimSpace(v["name"]), strings.TrimSpace(v["place"]), strings.TrimSpace(v["description"])
		ev.Date = time.Date(date.Year(), date.Month(), date.Day(), 9, 0, 0, 0, loc)
		ev.Deadline = endOfDay(time.Date(deadline.Year(), deadline.Month(), deadline.Day(), 12, 0, 0, 0, loc), loc)
		if err := Events.Put(tx, r.WS.ID, ev.ID, ev); err != nil {
			return err
		}
		return r.Audit(tx, strings.Replace(sub.FormID, ":", ".", 1), "event/"+ev.ID, ev.Name)
	})
	if err != nil {
		return internal(r, "save event", err)
	}
	return r.Reply("event.saved", "Event", ev.ID, "Name", ev.Name, "Deadline", r.FormatDateTime(ev.Deadline))
}

func eventList(_ context.Context, r *bot.Request) chat.Response {
	var evs []Event
	r.Bot.DB.View(func(tx *storage.Tx) (err error) { evs, err = Events.All(tx, r.WS.ID); return })
	if len(evs) == 0 {
		return r.Reply("event.none")
	}
	var sb strings.Builder
	for _, ev := range evs {
		state := r.T("event.state.closed")
		switch {
		case ev.Cancelled:
			state = r.T("event.state.cancelled")
		case ev.Open(r.Now()):
			state = r.T("event.state.open")
		}
		fmt.Fprintf(&sb, "• %s — %s, %s, %s (%s: %s) — %s\n", ev.ID, ev.Name, r.FormatDate(ev.Date), ev.Place,
			r.T("event.deadline.label"), r.FormatDateTime(ev.Deadline), state)
	}
	return r.ReplyText(strings.TrimRight(sb.String(), "\n"))
}

// eventExtend moves the deadline later and tells the applicants.
func eventExtend(_ context.Context, r *bot.Request) chat.Response {
	d, err := chat.ParseDate(r.Args[1])
	if err != nil {
		return r.Reply("field.date")
	}
	var ev Event
	err = r.Update(func(tx *storage.Tx) (err error) {
		if ev, err = LoadEvent(tx, r.WS.ID, r.Args[0]); err != nil {
			return errNoEvent
		}
		nd := endOfDay(time.Date(d.Year(), d.Month(), d.Day(), 12, 0, 0, 0, r.WS.Loc), r.WS.Loc)
		if !nd.After(ev.Deadline) {
			return errNotLater
		}
		if nd.After(ev.Date) {
			return errAfterEvent
		}
		ev.Deadline = nd
		if err := Events.Put(tx, r.WS.ID, ev.ID, ev); err != nil {
			return err
		}
		if err := r.Audit(tx, "event.extend", "event/"+ev.ID, nd.Format(time.RFC3339)); err != nil {
			return err
		}
		return tellApplicants(r, tx, ev, "extend/"+nd.Format(chat.DateLayout), "event.extended.dm")
	})
	switch err {
	case nil:
		return r.Reply("event.extended", "Event", ev.Name, "Deadline", r.FormatDateTime(ev.Deadline))
	case errNoEvent:
		return r.Reply("event.not_found", "Event", r.Args[0])
	case errNotLater:
		return r.Reply("event.extend.not_later", "Deadline", r.FormatDateTime(ev.Deadline))
	case errAfterEvent:
		return r.Reply("event.deadline.after_date")
	default:
		return internal(r, "extend", err)
	}
}

var (
	errNoEvent    = fmt.Errorf("no such event")
	errNotLater   = fmt.Errorf("deadline not later")
	errAfterEvent = fmt.Errorf("deadline after the event")
)

// tellApplicants enqueues a message to every applicant of ev whose
// application is still in, in the application's language.
func tellApplicants(r *bot.Request, tx *storage.Tx, ev Event, keyPart, msgID string) error {
	apps, err := EventApps(tx, r.WS.ID, ev.ID)
	if err != nil {
		return err
	}
	for _, a := range apps {
		if a.State == Withdrawn {
			continue
		}
		text := r.Bot.Cat.T(a.Lang, msgID, "Event", ev.Name, "App", a.ID,
			"Deadline", r.Bot.FormatTime(a.Lang, "format.datetime", ev.Deadline, r.WS.Loc))
		if _, err := outbox.Enqueue(tx, fmt.Sprintf("%s/%s/%s", ev.ID, keyPart, a.ID), chat.DM(a.Owner), chat.Message{Text: text}); err != nil {
			return err
		}
	}
	return nil
}

// eventCancel asks for confirmation: cancelling tells every applicant.
func eventCancel(_ context.Context, r *bot.Request) chat.Response {
	ev, bad := event(r, r.Args[0])
	if bad != nil {
		return *bad
	}
	var n int
	r.Bot.DB.View(func(tx *storage.Tx) error { apps, _ := EventApps(tx, r.WS.ID, ev.ID); n = len(apps); return nil })
	return chat.Response{Reply: &chat.Message{
		Text:     r.T("event.cancel.confirm", "Event", ev.Name, "Count", n),
		Controls: []chat.Control{withStyle(r.Button("event-cancel:"+ev.ID, "event.cancel.button"), "danger")},
	}}
}

func withStyle(c chat.Control, style string) chat.Control { c.Style = style; return c }

func eventCancelConfirm(_ context.Context, r *bot.Request) chat.Response {
	var ev Event
	err := r.Update(func(tx *storage.Tx) (err error) {
		if ev, err = LoadEvent(tx, r.WS.ID, r.Args[0]); err != nil {
			return err
		}
		if ev.Cancelled {
			return nil
		}
		ev.Cancelled, ev.CallOpen = true, false
		if err := Events.Put(tx, r.WS.ID, ev.ID, ev); err != nil {
			return err
		}
		if err := r.Audit(tx, "event.cancel", "event/"+ev.ID, ""); err != nil {
			return err
		}
		return tellApplicants(r, tx, ev, "cancel", "event.cancelled.dm")
	})
	if err != nil {
		return internal(r, "cancel event", err)
	}
	msg := chat.Message{Text: r.T("event.cancelled", "Event", ev.Name)}
	return chat.Response{Update: &msg}
}

// callSet opens (posting the call with an Apply button to the channel) or
// closes an event's call.
func callSet(open bool) bot.Handler {
	return func(_ context.Context, r *bot.Request) chat.Response {
		var ev Event
		err := r.Update(func(tx *storage.Tx) (err error) {
			if ev, err = LoadEvent(tx, r.WS.ID, r.Args[0]); err != nil {
				return errNoEvent
			}
			if open && (ev.Cancelled || !r.Now().Before(ev.Deadline)) {
				return errNotLater
			}
			ev.CallOpen = open
			if err := Events.Put(tx, r.WS.ID, ev.ID, ev); err != nil {
				return err
			}
			action := "call.close"
			if open {
				action = "call.open"
			}
			if err := r.Audit(tx, action, "event/"+ev.ID, r.Origin.Channel); err != nil {
				return err
			}
			if !open {
				return nil
			}
			seq, err := tx.NextSeq(r.WS.ID, "call-posts")
			if err != nil {
				return err
			}
			to := chat.Address{Platform: r.User.Platform, Workspace: r.WS.ID, Channel: r.Origin.Channel}
			_, err = outbox.Enqueue(tx, fmt.Sprintf("call/%s/%s/%d", r.WS.ID, ev.ID, seq), to, callMessage(r, ev))
			return err
		})
		switch {
		case err == errNoEvent:
			return r.Reply("event.not_found", "Event", r.Args[0])
		case err == errNotLater:
			return r.Reply("call.cannot_open", "Event", ev.Name, "Deadline", r.FormatDateTime(ev.Deadline))
		case err != nil:
			return internal(r, "call", err)
		case open:
			return r.Reply("call.opened", "Event", ev.Name)
		default:
			return r.Reply("call.closed", "Event", ev.Name)
		}
	}
}

// callMessage is the call as posted to a channel, in the workspace's
// language (a channel has many readers).
func callMessage(r *bot.Request, ev Event) chat.Message {
	lang := r.WS.Lang
	t := func(id string, kv ...any) string { return r.Bot.Cat.T(lang, id, kv...) }
	var sb strings.Builder
	sb.WriteString(t("call.post", "Event", ev.Name, "ID", ev.ID, "Date", r.Bot.FormatTime(lang, "format.date", ev.Date, r.WS.Loc), "Place", ev.Place,
		"Deadline", r.Bot.FormatTime(lang, "format.datetime", ev.Deadline, r.WS.Loc)))
	if ev.Description != "" && ev.Description != ev.Name {
		sb.WriteString("\n" + ev.Description)
	}
	if len(ev.Challenges) > 0 {
		sb.WriteString("\n" + t("call.challenges"))
		for i, c := range ev.Challenges {
			fmt.Fprintf(&sb, "\n%d. *%s* — %s", i+1, c.Name.Get(lang), c.Description.Get(lang))
		}
	}
	sb.WriteString("\n" + t("call.processes"))
	for _, tr := range r.Bot.Config.Tracks {
		sb.WriteString("\n• " + tr.Name.Get(lang))
	}
	apply := chat.Control{Kind: chat.Button, ID: "apply:" + ev.ID, Label: t("call.apply.button"), Style: "primary"}
	return chat.Message{Text: sb.String(), Controls: []chat.Control{apply}}
}
