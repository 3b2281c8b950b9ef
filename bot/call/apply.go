package call

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/kipina/kipina/bot"
	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/bot/outbox"
	"github.com/kipina/kipina/bot/round"
	"github.com/kipina/kipina/storage"
)

// The longest value of each application field, in characters (runes) after
// cleaning; FuzzApplication checks that nothing longer is stored.
const (
	MaxCompany    = 150
	MaxBusinessID = 12
	MaxContact    = 100
	MaxEmail      = 254 // RFC 5321's limit on a forward path
	MaxURL        = 500 // website and deck: shared-document links are long
	MaxSummary    = 3000
	MaxReferences = 1500
	MaxPilot      = 1500
)

// TargetUnsure is the form's "not sure" target: the application is stored
// with Target "" and the matcher routes it (routing).
const TargetUnsure = "unsure"

// targetOptions lists what an application can aim at: the call's
// challenges, then the city's core processes, then "not sure".
func targetOptions(r *bot.Request, ev round.Event) []chat.Option {
	var out []chat.Option
	for _, c := range ev.Challenges {
		out = append(out, chat.Option{Value: c.ID, Label: r.T("apply.target.challenge", "Name", c.Name.Get(r.Lang))})
	}
	for _, t := range r.Env.Config.Tracks {
		out = append(out, chat.Option{Value: t.ID, Label: r.T("apply.target.process", "Name", t.Name.Get(r.Lang))})
	}
	return append(out, r.Option(TargetUnsure, "apply.target.unsure"))
}

// applyForm is the application form of ev, prefilled from a when editing.
func applyForm(r *bot.Request, ev round.Event, a *round.Application) *chat.Form {
	privacy := r.WS.PrivacyURL
	f := &chat.Form{
		ID: "apply:" + ev.ID, Title: r.T("apply.form.title"), Submit: r.T("apply.submit.button"), State: ev.ID,
		Intro: r.T("apply.intro", "Event", ev.NameIn(r.Lang), "Deadline", r.FormatDateTime(ev.Deadline)),
		Fields: []chat.Field{
			{ID: "company", Kind: chat.ShortText, Label: r.T("apply.company.label"), MaxLen: MaxCompany},
			{ID: "business_id", Kind: chat.ShortText, Label: r.T("apply.business_id.label"), Help: r.T("apply.business_id.help"), Placeholder: "1234567-1", MaxLen: MaxBusinessID},
			{ID: "contact_name", Kind: chat.ShortText, Label: r.T("apply.contact_name.label"), MaxLen: MaxContact},
			{ID: "email", Kind: chat.Email, Label: r.T("apply.email.label"), MaxLen: MaxEmail},
			{ID: "website", Kind: chat.URL, Label: r.T("apply.website.label"), Optional: true, Placeholder: "https://", MaxLen: MaxURL},
			{ID: "target", Kind: chat.SelectOne, Label: r.T("apply.target.label"), Help: r.T("apply.target.help"), Options: targetOptions(r, ev)},
			{ID: "summary", Kind: chat.LongText, Label: r.T("apply.summary.label"), Help: r.T("apply.summary.help"), MaxLen: MaxSummary},
			{ID: "maturity", Kind: chat.SelectOne, Label: r.T("apply.maturity.label"), Options: []chat.Option{
				r.Option("idea", "apply.maturity.idea"), r.Option("prototype", "apply.maturity.prototype"), r.Option("market", "apply.maturity.market")}},
			{ID: "references", Kind: chat.LongText, Label: r.T("apply.references.label"), Optional: true, MaxLen: MaxReferences},
			{ID: "pilot", Kind: chat.LongText, Label: r.T("apply.pilot.label"), Help: r.T("apply.pilot.help"), Optional: true, MaxLen: MaxPilot},
			{ID: "deck", Kind: chat.URL, Label: r.T("apply.deck.label"), Optional: true, Placeholder: "https://", MaxLen: MaxURL},
			{ID: "lang", Kind: chat.SelectOne, Label: r.T("apply.lang.label"), Value: r.Lang, Options: []chat.Option{
				{Value: "fi", Label: "suomi"}, {Value: "en", Label: "English"}, {Value: "sv", Label: "svenska"}}},
			{ID: "secrets", Kind: chat.YesNo, Label: r.T("apply.secrets.label"), Help: r.T("apply.secrets.help"), Value: "no"},
			{ID: "consent", Kind: chat.YesNo, Label: r.T("apply.consent.label"), Help: r.T("apply.consent.help", "URL", privacy)},
		},
	}
	if a != nil {
		f.ID, f.State = "apply:edit", a.ID
		vals := map[string]string{"company": a.Company, "business_id": a.BusinessID, "contact_name": a.Contact, "email": a.Email,
			"website": a.Website, "target": a.Target, "summary": a.Summary, "maturity": a.Maturity, "references": a.References,
			"pilot": a.Pilot, "deck": a.Deck, "lang": a.Lang, "secrets": yesNo(a.Secrets), "consent": yesNo(a.Consent)}
		if a.Target == "" {
			vals["target"] = TargetUnsure
		}
		for i := range f.Fields {
			f.Fields[i].Value = vals[f.Fields[i].ID]
		}
	}
	return f
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// applyOpen is the Apply button and /kipina apply <event>: it opens the
// form while the call is open. A person who already has a live application
// to the event gets it prefilled for editing, with a line saying so: they
// learn at once that they applied, not after filling every field.
func applyOpen(_ context.Context, r *bot.Request) (chat.Response, error) {
	ev, err := event(r, strings.Join(r.Args, ":"))
	if err != nil {
		return chat.Response{}, err
	}
	if !ev.Open(r.Now()) {
		return chat.Response{}, closed(ev, r)
	}
	// Say at once when the person may send no more, not after the form.
	err = r.Env.DB.View(func(tx *storage.Tx) error {
		_, err := withinLimits(tx, r.WS.ID, r.User, ev.ID, ev.Name, r.Now())
		return err
	})
	if err != nil {
		return chat.Response{}, err
	}
	mine, found, err := ownLiveApp(r, ev.ID)
	if err != nil {
		return chat.Response{}, err
	}
	if found {
		f := applyForm(r, ev, &mine)
		f.Intro = r.T("apply.already", "App", mine.ID, "Company", mine.Company) + "\n" + f.Intro
		return chat.Response{Form: f}, nil
	}
	return chat.Response{Form: applyForm(r, ev, nil)}, nil
}

// ownLiveApp finds the live application to event that r's sender may edit.
// Only people granted the company role (bot.Grant in store) have sent one,
// so the others cost no scan.
func ownLiveApp(r *bot.Request, event string) (round.Application, bool, error) {
	if !r.Roles[bot.Company] {
		return round.Application{}, false, nil
	}
	var apps []round.Application
	if err := r.Env.DB.View(func(tx *storage.Tx) (err error) { apps, err = round.EventApps(tx, r.WS.ID, event); return err }); err != nil {
		return round.Application{}, false, fmt.Errorf("applications of %s: %w", event, err)
	}
	for _, a := range apps {
		if a.State.Live() && a.MayEdit(r.User) {
			return a, true, nil
		}
	}
	return round.Application{}, false, nil
}

// sameAnswers reports whether the cleaned form values v are what a holds:
// a submission Slack delivers again (a replay) changes nothing.
func sameAnswers(a round.Application, v map[string]string) bool {
	b := a
	b.Contacts = slices.Clone(a.Contacts)
	fill(&b, v)
	return reflect.DeepEqual(a, b)
}

// closed is the refusal of an application to ev's call when it is not
// open: cancelled, past its deadline, or closed.
func closed(ev round.Event, r *bot.Request) error {
	switch {
	case ev.Cancelled:
		return bot.Refuse("apply.cancelled", "Event", ev.NameIn(r.Lang))
	case ev.Passed(r.Now()):
		return bot.Refuse("apply.deadline_passed", "Event", ev.NameIn(r.Lang), "Deadline", r.FormatDateTime(ev.Deadline))
	default:
		return bot.Refuse("apply.call_closed", "Event", ev.NameIn(r.Lang))
	}
}

// tellSender tells the sender of an application that someone else tried
// to apply with its business ID, once per day per application.
func tellSender(r *bot.Request, a round.Application) error {
	return r.Update(func(tx *storage.Tx) error {
		lang := r.Env.CompanyLangOf(tx, a.Owner, a.Lang)
		day := r.Now().In(r.WS.Loc).Format("2006-01-02")
		msg := chat.Message{Text: r.Env.Cat.T(lang, "apply.business_id.tried", "App", a.ID, "Company", a.Company)}
		_, err := outbox.Enqueue(tx, outbox.NewKey(r.WS.ID, "app", a.ID, "bid-tried", day), chat.DM(a.Owner), msg)
		return err
	})
}

// appEditOpen opens an application for editing by its sender or contacts.
func appEditOpen(_ context.Context, r *bot.Request) (chat.Response, error) {
	id, err := editID.Of(r)
	if err != nil {
		return chat.Response{}, err
	}
	a, ev, err := ownApp(r, id)
	if err != nil {
		return chat.Response{}, err
	}
	if !ev.Open(r.Now()) {
		return chat.Response{}, closed(ev, r)
	}
	return chat.Response{Form: applyForm(r, ev, &a)}, nil
}

// ownApp loads an application the user may edit; one that does not exist
// or is not theirs is refused alike (app.not_yours), so that ids cannot be
// probed.
func ownApp(r *bot.Request, id string) (round.Application, round.Event, error) {
	var a round.Application
	var ev round.Event
	var found bool
	err := r.Env.DB.View(func(tx *storage.Tx) (err error) {
		if a, found, err = round.Apps.Lookup(tx, r.WS.ID, id); err != nil || !found {
			return err
		}
		ev, err = round.LoadEvent(tx, r.WS.ID, a.Event)
		return err
	})
	if err != nil {
		return a, ev, err
	}
	if !found || !a.MayEdit(r.User) {
		return a, ev, bot.Refuse("app.not_yours", "App", id)
	}
	return a, ev, nil
}

// applySubmit validates and stores a new or edited application.
func applySubmit(ctx context.Context, r *bot.Request) (chat.Response, error) {
	sub := r.Event.(*chat.FormSubmit)
	editing := sub.FormID == "apply:edit"
	var ev round.Event
	var prev round.Application
	if editing {
		a, e, err := ownApp(r, sub.State)
		if err != nil {
			return chat.Response{}, err
		}
		prev, ev = a, e
	} else {
		e, err := event(r, sub.State)
		if err != nil {
			return chat.Response{}, err
		}
		ev = e
	}
	if !ev.Open(r.Now()) {
		// Keep the form open with what was typed, and say why.
		ref, _ := bot.AsRefusal(closed(ev, r))
		return chat.Response{Errors: map[string]string{"company": r.T(ref.ID, ref.Args...)}}, nil
	}
	v, problems := validate(r, ev, sub.Values)
	if len(problems) > 0 {
		return r.FieldErrors(problems)
	}
	if editing && sameAnswers(prev, v) {
		return r.Reply("apply.updated", "App", prev.ID) // nothing changed: nothing stored
	}
	a := prev
	if !editing {
		a = round.Application{Event: ev.ID, Owner: r.User, State: round.Submitted, Submitted: r.Now()}
	}
	fill(&a, v)
	a.Updated = r.Now()
	err := r.Batch(func(tx *storage.Tx) error { return store(ctx, r, tx, ev, &a, prev.BusinessID, editing) })
	var dup *round.DuplicateError
	switch {
	case !editing && errors.As(err, &dup) && dup.Other.MayEdit(r.User) && dup.Other.Event == ev.ID && sameAnswers(dup.Other, v):
		// The same form again (a replayed view_submission, a second
		// click on Send): answered like the first time, nothing stored.
		return r.Reply("apply.received", "App", dup.Other.ID, "Event", ev.NameIn(r.Lang))
	case errors.As(err, &dup) && dup.Other.MayEdit(r.User):
		return r.FieldErrors(map[string]chat.Problem{"business_id": {ID: "apply.business_id.yours", Data: map[string]any{"App": dup.Other.ID}}})
	case errors.As(err, &dup):
		// Business IDs are public: the answer names nobody, and the
		// existing sender is told instead.
		if err := tellSender(r, dup.Other); err != nil {
			return chat.Response{}, err
		}
		return r.FieldErrors(map[string]chat.Problem{"business_id": {ID: "apply.business_id.exists"}})
	case err != nil:
		return chat.Response{}, fmt.Errorf("store application: %w", err) // a per-person limit stays a refusal
	case editing:
		return r.Reply("apply.updated", "App", a.ID)
	default:
		return r.Reply("apply.received", "App", a.ID, "Event", ev.NameIn(r.Lang))
	}
}

// validate checks every field and returns the cleaned values.
func validate(r *bot.Request, ev round.Event, in map[string]string) (map[string]string, map[string]chat.Problem) {
	v := make(map[string]string, len(in))
	for k, s := range in {
		v[k] = strings.TrimSpace(s)
	}
	problems := applyForm(r, ev, nil).Check(v)
	for k, s := range v { // cleaning can bare spaces (" \u200b x" → " x")
		v[k] = strings.TrimSpace(s)
	}
	if problems["business_id"].ID == "" && v["business_id"] != "" {
		bid, err := ParseBusinessID(v["business_id"])
		switch {
		case errors.Is(err, ErrBusinessIDCheck):
			problems["business_id"] = chat.Problem{ID: "apply.business_id.check"}
		case err != nil:
			problems["business_id"] = chat.Problem{ID: "apply.business_id.format"}
		default:
			v["business_id"] = bid
		}
	}
	if problems["consent"].ID == "" && v["consent"] != "yes" {
		problems["consent"] = chat.Problem{ID: "apply.consent.required"}
	}
	return v, problems
}

func fill(a *round.Application, v map[string]string) {
	a.Company, a.BusinessID, a.Contact, a.Email, a.Website = v["company"], v["business_id"], v["contact_name"], v["email"], v["website"]
	a.Target, a.Summary, a.Maturity, a.References, a.Pilot, a.Deck = v["target"], v["summary"], v["maturity"], v["references"], v["pilot"], v["deck"]
	a.Lang, a.Secrets, a.Consent = v["lang"], v["secrets"] == "yes", v["consent"] == "yes"
	if a.Target == TargetUnsure {
		a.Target = ""
	}
}

// store writes the application (round.Submit keeps the business-ID
// invariant), the audit entry, the confirmation to the applicant and the
// notice to organisers, and publishes round.AppSubmitted, in one
// transaction. It may run more than once (Batch): it only reads and writes
// the transaction. ev is the event as read before the transaction: only its
// name and deadline are used, for the messages.
func store(ctx context.Context, r *bot.Request, tx *storage.Tx, ev round.Event, a *round.Application, oldBID string, editing bool) error {
	sub := round.Submission{Event: ev, App: a, By: r.User, Lang: r.Lang, Editing: editing}
	if !editing {
		if err := countSent(tx, r.WS.ID, r.User, ev.ID, ev.Name, r.Now()); err != nil {
			return err
		}
	}
	if err := round.Submit(tx, r.WS.ID, sub, oldBID); err != nil {
		return err
	}
	if err := bot.Grant(tx, r.User, bot.Company); err != nil {
		return err
	}
	action := "app.submit"
	if editing {
		action = "app.edit"
	}
	if err := r.Audit(tx, action, "app/"+a.ID, a.Company); err != nil {
		return err
	}
	if !editing {
		if err := acknowledge(r, tx, ev, a); err != nil {
			return err
		}
	}
	return round.AppSubmitted.Publish(ctx, r.Env.Events, tx, sub)
}

// targetLabel names the chosen target in lang, or says the applicant was
// not sure.
func targetLabel(r *bot.Request, ev round.Event, id, lang string) string {
	if id == "" {
		return r.Env.Cat.T(lang, "apply.target.unsure")
	}
	return ev.TargetName(r.Env.Config.Tracks, id, lang)
}

// confirmSummary is the start of the summary repeated in the applicant's
// confirmation, or a lock for a trade-secret application: the confirmation
// may travel as e-mail (the web platform), which the city does not protect
// as it does the store (docs/security.md).
func confirmSummary(r *bot.Request, a *round.Application) string {
	if a.Secrets {
		return r.Env.Cat.T(a.Lang, "apply.confirm.secret")
	}
	return bot.Clip(a.Summary, 300)
}

// NoticeKey is the outbox key of the organisers' notice of a new
// application; other flows may amend it before it is sent.
func NoticeKey(ws, appID string) outbox.Key { return outbox.NewKey(ws, "app", appID, "notice") }

// acknowledge enqueues the confirmation to the applicant and the notice
// to the organisers' channel.
func acknowledge(r *bot.Request, tx *storage.Tx, ev round.Event, a *round.Application) error {
	confirm := chat.Message{Text: r.Env.Cat.T(a.Lang, "apply.confirm.dm", "App", a.ID, "Event", ev.NameIn(a.Lang), "Company", a.Company,
		"Target", targetLabel(r, ev, a.Target, a.Lang), "Deadline", r.Env.FormatTime(a.Lang, "format.datetime", ev.Deadline, r.WS.Loc),
		"Summary", confirmSummary(r, a))}
	if _, err := outbox.Enqueue(tx, outbox.NewKey(r.WS.ID, "app", a.ID, "received"), chat.DM(r.User), confirm); err != nil {
		return err
	}
	if ch := r.WS.NotifyChannel; ch != "" {
		notice := chat.Message{Text: Via(a.Owner) + " " + r.Env.Cat.T(r.WS.Lang, "apply.notice", "App", a.ID, "Company", a.Company, "Event", ev.NameIn(r.WS.Lang),
			"Target", targetLabel(r, ev, a.Target, r.WS.Lang))}
		to := r.WS.Channel(ch)
		if _, err := outbox.Enqueue(tx, NoticeKey(r.WS.ID, a.ID), to, notice); err != nil {
			return err
		}
	}
	return nil
}
