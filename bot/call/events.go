package call

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/kipina/kipina/bot"
	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/bot/locale"
	"github.com/kipina/kipina/bot/outbox"
	"github.com/kipina/kipina/bot/round"
	"github.com/kipina/kipina/configs"
	"github.com/kipina/kipina/storage"
)

// eventForm is the form to create or edit an event. After the default
// name and description come, optional and last, a name and a description
// in each other language (otherLangs), like a challenge's: a reader of that
// language sees them, and the default when they are empty (round.Event.NameIn).
func eventForm(r *bot.Request, id string, ev *round.Event) *chat.Form {
	f := &chat.Form{ID: id, Title: r.T("event.form.title"), Submit: r.T("button.save"), Fields: []chat.Field{
		{ID: "name", Kind: chat.ShortText, Label: r.T("event.name.label"), Placeholder: "Kipinä 2027"},
		{ID: "date", Kind: chat.Date, Label: r.T("event.date.label"), Help: r.T("event.date.help")},
		{ID: "place", Kind: chat.ShortText, Label: r.T("event.place.label")},
		{ID: "deadline", Kind: chat.Date, Label: r.T("event.deadline.label"), Help: r.T("event.deadline.help")},
		{ID: "description", Kind: chat.LongText, Label: r.T("event.description.label"), Optional: true},
	}}
	for _, l := range otherLangs(r) {
		f.Fields = append(f.Fields,
			chat.Field{ID: "name_" + l, Kind: chat.ShortText, Label: r.T("event.name_" + l + ".label"), Help: r.T("event.name_lang.help"), Optional: true},
			chat.Field{ID: "description_" + l, Kind: chat.LongText, Label: r.T("event.description_" + l + ".label"), Optional: true})
	}
	if ev != nil {
		f.State = ev.ID
		vals := map[string]string{"name": ev.Name, "date": ev.Date.In(r.WS.Loc).Format(chat.DateLayout), "place": ev.Place,
			"deadline": ev.Deadline.In(r.WS.Loc).Format(chat.DateLayout), "description": ev.Description}
		for _, l := range otherLangs(r) {
			vals["name_"+l], vals["description_"+l] = ev.Names[l], ev.Descriptions[l]
		}
		for i := range f.Fields {
			f.Fields[i].Value = vals[f.Fields[i].ID]
		}
	}
	return f
}

// otherLangs are the languages an event's name and description may be
// given in besides the default: every supported language (locale.Languages)
// but the workspace's, in that order ("en", "sv" in a Finnish workspace).
func otherLangs(r *bot.Request) []string {
	var out []string
	for _, l := range locale.Languages {
		if l != r.WS.Lang {
			out = append(out, l)
		}
	}
	return out
}

// setLangTexts stores the per-language name and description typed in the
// form v on ev: a filled field sets its language, an empty one removes it
// (the reader then gets the default). Languages not in the form are kept.
func setLangTexts(r *bot.Request, ev *round.Event, v map[string]string) {
	set := func(t configs.Text, l, s string) configs.Text {
		if t == nil {
			t = configs.Text{}
		}
		if s = strings.TrimSpace(s); s != "" {
			t[l] = s
		} else {
			delete(t, l)
		}
		if len(t) == 0 {
			return nil
		}
		return t
	}
	for _, l := range otherLangs(r) {
		ev.Names = set(ev.Names, l, v["name_"+l])
		ev.Descriptions = set(ev.Descriptions, l, v["description_"+l])
	}
}

func eventNew(_ context.Context, r *bot.Request) (chat.Response, error) {
	return chat.Response{Form: eventForm(r, "event:new", nil)}, nil
}

func eventEdit(_ context.Context, r *bot.Request) (chat.Response, error) {
	ev, err := event(r, r.Args[0])
	if err != nil {
		return chat.Response{}, err
	}
	return chat.Response{Form: eventForm(r, "event:edit", &ev)}, nil
}

// eventSubmit creates or updates an event from its form.
func eventSubmit(_ context.Context, r *bot.Request) (chat.Response, error) {
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
	if errDate == nil && errDeadline == nil && !round.DeadlineFits(deadline, date, r.WS.Loc) && problems["deadline"].ID == "" {
		problems["deadline"] = chat.Problem{ID: "event.deadline.rule", Data: deadlineRuleData(r, date)}
	}
	// A description in another language needs the default one: readers
	// of the languages without their own would see none.
	for _, l := range otherLangs(r) {
		if strings.TrimSpace(v["description_"+l]) != "" && strings.TrimSpace(v["description"]) == "" && problems["description"].ID == "" {
			problems["description"] = chat.Problem{ID: "event.description.needed"}
		}
	}
	if len(problems) > 0 {
		return r.FieldErrors(problems)
	}
	loc := r.WS.Loc
	var ev round.Event
	err := r.Update(func(tx *storage.Tx) error {
		if sub.FormID == "event:edit" {
			var err error
			if ev, err = round.LoadEvent(tx, r.WS.ID, sub.State); err != nil {
				return err
			}
		} else {
			id, err := uniqueID(tx, r.WS.ID, slug(v["name"]))
			if err != nil {
				return err
			}
			ev = round.Event{ID: id, Created: r.Now()}
		}
		ev.Name, ev.Place, ev.Description = strings.TrimSpace(v["name"]), strings.TrimSpace(v["place"]), strings.TrimSpace(v["description"])
		setLangTexts(r, &ev, v)
		ev.Date = time.Date(date.Year(), date.Month(), date.Day(), 9, 0, 0, 0, loc)
		ev.Deadline = round.EndOfDay(time.Date(deadline.Year(), deadline.Month(), deadline.Day(), 12, 0, 0, 0, loc), loc)
		if err := round.Events.Put(tx, r.WS.ID, ev.ID, ev); err != nil {
			return err
		}
		return r.Audit(tx, strings.Replace(sub.FormID, ":", ".", 1), "event/"+ev.ID, ev.Name)
	})
	if err != nil {
		return chat.Response{}, fmt.Errorf("save event"+": %w", err)
	}
	return r.Reply("event.saved", "Event", ev.ID, "Name", ev.NameIn(r.Lang), "Deadline", r.FormatDateTime(ev.Deadline))
}

func eventList(_ context.Context, r *bot.Request) (chat.Response, error) {
	var evs []round.Event
	if err := r.Env.DB.View(func(tx *storage.Tx) (err error) { evs, err = round.Events.All(tx, r.WS.ID); return }); err != nil {
		return chat.Response{}, err
	}
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
		fmt.Fprintf(&sb, "• %s — %s, %s, %s (%s: %s) — %s\n", ev.ID, ev.NameIn(r.Lang), r.FormatDate(ev.Date), ev.Place,
			r.T("event.deadline.label"), r.FormatDateTime(ev.Deadline), state)
	}
	return r.ReplyText(strings.TrimRight(sb.String(), "\n"))
}

// eventExtend moves the deadline later and tells the applicants.
func eventExtend(_ context.Context, r *bot.Request) (chat.Response, error) {
	d, err := chat.ParseDate(r.Args[1])
	if err != nil {
		return chat.Response{}, bot.Refuse("field.date")
	}
	var ev round.Event
	err = r.Update(func(tx *storage.Tx) (err error) {
		if ev, err = loadEvent(tx, r.WS.ID, r.Args[0]); err != nil {
			return err
		}
		nd := round.EndOfDay(time.Date(d.Year(), d.Month(), d.Day(), 12, 0, 0, 0, r.WS.Loc), r.WS.Loc)
		if !nd.After(round.EndOfDay(ev.Deadline, r.WS.Loc)) {
			return bot.Refuse("event.extend.not_later", "Deadline", r.FormatDateTime(ev.Deadline))
		}
		if !round.DeadlineFits(nd, ev.Date, r.WS.Loc) {
			return bot.Refuse("event.deadline.rule", deadlineRuleArgs(r, ev.Date)...)
		}
		ev.Deadline = nd
		if err := round.Events.Put(tx, r.WS.ID, ev.ID, ev); err != nil {
			return err
		}
		if err := r.Audit(tx, "event.extend", "event/"+ev.ID, nd.Format(time.RFC3339)); err != nil {
			return err
		}
		return tellApplicants(r, tx, ev, "event.extended.dm", "extend", nd.Format(chat.DateLayout))
	})
	if err != nil {
		return chat.Response{}, fmt.Errorf("extend: %w", err)
	}
	return r.Reply("event.extended", "Event", ev.NameIn(r.Lang), "Deadline", r.FormatDateTime(ev.Deadline))
}

// deadlineRuleData are the values of event.deadline.rule for an event on
// date: the event's date, the latest deadline allowed (the day before) and
// the zone the deadline's day is counted in.
func deadlineRuleData(r *bot.Request, date time.Time) map[string]any {
	y, m, d := date.In(r.WS.Loc).Date()
	return map[string]any{"Latest": r.FormatDate(time.Date(y, m, d-1, 12, 0, 0, 0, r.WS.Loc)),
		"Date": r.FormatDate(time.Date(y, m, d, 12, 0, 0, 0, r.WS.Loc)), "Zone": r.WS.Loc.String()}
}

// deadlineRuleArgs are deadlineRuleData as key-value pairs for a refusal.
func deadlineRuleArgs(r *bot.Request, date time.Time) []any {
	var kv []any
	for k, v := range deadlineRuleData(r, date) {
		kv = append(kv, k, v)
	}
	return kv
}

// loadEvent reads an event in tx; a missing one is refused with
// event.not_found.
func loadEvent(tx *storage.Tx, ws, id string) (round.Event, error) {
	ev, ok, err := round.Events.Lookup(tx, ws, id)
	if err == nil && !ok {
		err = bot.Refuse("event.not_found", "Event", id)
	}
	return ev, err
}

// tellApplicants enqueues a message to every applicant of ev whose
// application is still in, in the sender's language (bot.CompanyLangOf), keyed by the
// workspace, the event, what happened (what) and the application.
func tellApplicants(r *bot.Request, tx *storage.Tx, ev round.Event, msgID string, what ...string) error {
	apps, err := round.EventApps(tx, r.WS.ID, ev.ID)
	if err != nil {
		return err
	}
	for _, a := range apps {
		if a.State == round.Withdrawn {
			continue
		}
		lang := r.Env.CompanyLangOf(tx, a.Owner, a.Lang)
		text := r.Env.Cat.T(lang, msgID, "Event", ev.NameIn(lang), "App", a.ID,
			"Deadline", r.Env.FormatTime(lang, "format.datetime", ev.Deadline, r.WS.Loc))
		key := outbox.NewKey(r.WS.ID, append(append([]string{"event", ev.ID}, what...), a.ID)...)
		if _, err := outbox.Enqueue(tx, key, chat.DM(a.Owner), chat.Message{Text: text}); err != nil {
			return err
		}
	}
	return nil
}

// eventCancel asks for confirmation: cancelling tells every applicant.
func eventCancel(_ context.Context, r *bot.Request) (chat.Response, error) {
	ev, err := event(r, r.Args[0])
	if err != nil {
		return chat.Response{}, err
	}
	var n int
	err = r.Env.DB.View(func(tx *storage.Tx) error {
		apps, err := round.EventApps(tx, r.WS.ID, ev.ID)
		n = len(apps)
		return err
	})
	if err != nil {
		return chat.Response{}, err
	}
	return chat.Response{Reply: &chat.Message{
		Text:     r.T("event.cancel.confirm", "Event", ev.NameIn(r.Lang), "Count", n),
		Controls: []chat.Control{withStyle(r.Button(cancelID.ID(ev.ID), "event.cancel.button"), "danger")},
	}}, nil
}

func withStyle(c chat.Control, style string) chat.Control { c.Style = style; return c }

func eventCancelConfirm(_ context.Context, r *bot.Request) (chat.Response, error) {
	id, err := cancelID.Of(r)
	if err != nil {
		return chat.Response{}, err
	}
	var ev round.Event
	err = r.Update(func(tx *storage.Tx) (err error) {
		if ev, err = loadEvent(tx, r.WS.ID, id); err != nil {
			return err
		}
		if ev.Cancelled {
			return nil
		}
		ev.Cancelled, ev.CallOpen = true, false
		if err := round.Events.Put(tx, r.WS.ID, ev.ID, ev); err != nil {
			return err
		}
		if err := r.Audit(tx, "event.cancel", "event/"+ev.ID, ""); err != nil {
			return err
		}
		return tellApplicants(r, tx, ev, "event.cancelled.dm", "cancel")
	})
	if err != nil {
		return chat.Response{}, fmt.Errorf("cancel event"+": %w", err)
	}
	msg := chat.Message{Text: r.T("event.cancelled", "Event", ev.NameIn(r.Lang))}
	return chat.Response{Update: &msg}, nil
}

// callAsk previews the call before it is posted: the post as the
// channel will read it, and a button that opens the call and posts it to
// this channel (README: every step that messages people shows a preview
// first).
func callAsk(_ context.Context, r *bot.Request) (chat.Response, error) {
	var ev round.Event
	if err := r.Env.DB.View(func(tx *storage.Tx) (err error) { ev, err = loadEvent(tx, r.WS.ID, r.Args[0]); return err }); err != nil {
		return chat.Response{}, err
	}
	if ev.Cancelled || !r.Now().Before(ev.Deadline) {
		return chat.Response{}, bot.Refuse("call.cannot_open", "Event", ev.NameIn(r.Lang), "Deadline", r.FormatDateTime(ev.Deadline))
	}
	post := callMessage(r, ev)
	quoted := "> " + strings.ReplaceAll(post.Text, "\n", "\n> ")
	return chat.Response{Reply: &chat.Message{
		Text:     r.T("call.preview", "Event", ev.NameIn(r.Lang)) + "\n" + quoted,
		Controls: []chat.Control{{Kind: chat.Button, ID: "call-post:" + ev.ID, Label: r.T("call.post.button"), Style: "primary"}},
	}}, nil
}

// callSet opens (posting the call with an Apply button to the channel) or
// closes an event's call.
func callSet(open bool) bot.Handler {
	return func(_ context.Context, r *bot.Request) (chat.Response, error) {
		var ev round.Event
		err := r.Update(func(tx *storage.Tx) (err error) {
			if ev, err = loadEvent(tx, r.WS.ID, r.Args[0]); err != nil {
				return err
			}
			if open && (ev.Cancelled || ev.Passed(r.Now())) {
				return bot.Refuse("call.cannot_open", "Event", ev.NameIn(r.Lang), "Deadline", r.FormatDateTime(ev.Deadline))
			}
			ev.CallOpen = open
			if err := round.Events.Put(tx, r.WS.ID, ev.ID, ev); err != nil {
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
			to := r.WS.Channel(r.Origin.Channel)
			_, err = outbox.Enqueue(tx, outbox.NewKey(r.WS.ID, "call", ev.ID, strconv.FormatUint(seq, 10)), to, callMessage(r, ev))
			return err
		})
		switch {
		case err != nil:
			return chat.Response{}, fmt.Errorf("call"+": %w", err)
		case open:
			if u, web := r.Env.Config.CallURL(r.WS.ID, ev.ID); web {
				return r.Reply("call.opened.web", "Event", ev.NameIn(r.Lang), "URL", u)
			}
			return r.Reply("call.opened", "Event", ev.NameIn(r.Lang))
		default:
			return r.Reply("call.closed", "Event", ev.NameIn(r.Lang))
		}
	}
}

// callMessage is the call as posted to a channel, in the workspace's
// language (a channel has many readers).
func callMessage(r *bot.Request, ev round.Event) chat.Message {
	lang := r.WS.Lang
	t := func(id string, kv ...any) string { return r.Env.Cat.T(lang, id, kv...) }
	var sb strings.Builder
	sb.WriteString(t("call.post", "Event", ev.NameIn(lang), "ID", ev.ID, "Date", r.Env.FormatTime(lang, "format.date", ev.Date, r.WS.Loc), "Place", ev.Place,
		"Deadline", r.Env.FormatTime(lang, "format.datetime", ev.Deadline, r.WS.Loc)))
	if ev.DescriptionIn(lang) != "" && ev.DescriptionIn(lang) != ev.NameIn(lang) {
		sb.WriteString("\n" + ev.DescriptionIn(lang))
	}
	if len(ev.Challenges) > 0 {
		sb.WriteString("\n" + t("call.challenges"))
		for i, c := range ev.Challenges {
			fmt.Fprintf(&sb, "\n%d. *%s* — %s", i+1, c.Name.Get(lang), c.Description.Get(lang))
		}
	}
	sb.WriteString("\n" + t("call.processes"))
	for _, tr := range r.Env.Config.Tracks {
		sb.WriteString("\n• " + tr.Name.Get(lang))
	}
	if u, web := r.Env.Config.CallURL(r.WS.ID, ev.ID); web {
		sb.WriteString("\n" + t("call.post.web", "URL", u))
	}
	apply := chat.Control{Kind: chat.Button, ID: "apply:" + ev.ID, Label: t("call.apply.button"), Style: "primary"}
	return chat.Message{Text: sb.String(), Controls: []chat.Control{apply}}
}
