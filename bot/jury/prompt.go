package jury

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/kipina/kipina/bot"
	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/bot/outbox"
	"github.com/kipina/kipina/bot/round"
	"github.com/kipina/kipina/storage"
)

// PromptKey is the outbox key of the scoring prompt of app sent to juror
// (a user id) for event in workspace ws: ws/jury/<event>/prompt/<juror>/<app>.
// Updates of the prompt extend it (see updatePrompt).
func PromptKey(ws, event, juror, app string) outbox.Key {
	return outbox.NewKey(ws, "jury", event, "prompt", juror, app)
}

// criterionName names a rubric criterion in lang; a criterion the locale
// files do not know is shown by its id.
func (m *module) criterionName(lang, id string) string {
	if m.b.Cat.Has(lang, "jury.criterion."+id+".label") {
		return m.b.Cat.T(lang, "jury.criterion."+id+".label")
	}
	return id
}

// criteria lists the rubric in lang, each criterion's weight shown when
// the weights differ.
func (m *module) criteria(lang string) string {
	rub := m.b.Config.Rubric
	same := true
	for _, c := range rub {
		same = same && c.Weight == rub[0].Weight
	}
	out := make([]string, len(rub))
	for i, c := range rub {
		out[i] = m.criterionName(lang, c.ID)
		if !same {
			out[i] += " (×" + num(lang, c.Weight, 1) + ")"
		}
	}
	return strings.Join(out, ", ")
}

// sendList tells a juror which applications they review.
func (m *module) sendList(tx *storage.Tx, ws *bot.Workspace, ev round.Event, j *Jury, u chat.UserRef, apps []string) error {
	lang := m.b.LangOf(tx, u)
	var sb strings.Builder
	for _, id := range apps {
		a, err := round.LoadApp(tx, ws.ID, id)
		if err != nil {
			return err
		}
		t, err := appTarget(tx, ws.ID, a)
		if err != nil {
			return err
		}
		fmt.Fprintf(&sb, "\n• %s %s — %s", a.ID, a.Company, ev.TargetName(m.b.Config.Tracks, t, lang))
	}
	dl := j.deadline(ev.Date, ws.Loc)
	text := m.b.Cat.T(lang, "jury.list.dm", "Event", ev.NameIn(lang), "Count", len(apps), "Criteria", m.criteria(lang),
		"Deadline", m.b.FormatTime(lang, "format.datetime", dl, m.b.Zone(tx, u))) + sb.String()
	key := outbox.NewKey(ws.ID, "jury", ev.ID, "list", u.User)
	_, err := outbox.Enqueue(tx, key, chat.DM(u), chat.Message{Text: text})
	return err
}

// sendPrompt enqueues the scoring prompt of app to juror u. moved marks a
// review that came from another juror.
func (m *module) sendPrompt(tx *storage.Tx, ws *bot.Workspace, ev round.Event, j *Jury, u chat.UserRef, app string, moved bool) error {
	msg, _, err := m.prompt(tx, ws, ev, j, u, app, moved)
	if err != nil {
		return err
	}
	_, err = outbox.Enqueue(tx, PromptKey(ws.ID, ev.ID, u.User, app), chat.DM(u), msg)
	return err
}

// updatePrompt rewrites a juror's prompt to show its current state (what
// was given, abstained, moved away, closed), or sends it if it never was.
// The update's key extends the prompt's with the state it shows
// (PromptKey/<review version>/<open|moved|closed>), so the same state is
// sent once.
func (m *module) updatePrompt(tx *storage.Tx, ws *bot.Workspace, ev round.Event, j *Jury, u chat.UserRef, app string) error {
	key := PromptKey(ws.ID, ev.ID, u.User, app)
	_, err := outbox.Lookup(tx, key)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		if !j.Published.Has(u.User, app) {
			return nil
		}
		return m.sendPrompt(tx, ws, ev, j, u, app, false)
	case err != nil:
		return err
	}
	msg, state, err := m.prompt(tx, ws, ev, j, u, app, false)
	if err != nil {
		return err
	}
	_, err = outbox.EnqueueUpdate(tx, key.With(state...), key, msg)
	return err
}

// prompt renders the scoring prompt in the juror's language, and names the
// state it shows as key parts: the review's version and "open", "moved"
// (no longer the juror's) or "closed".
func (m *module) prompt(tx *storage.Tx, ws *bot.Workspace, ev round.Event, j *Jury, u chat.UserRef, app string, moved bool) (chat.Message, []string, error) {
	lang := m.b.LangOf(tx, u)
	T := func(id string, kv ...any) string { return m.b.Cat.T(lang, id, kv...) }
	a, err := round.LoadApp(tx, ws.ID, app)
	if err != nil {
		return chat.Message{}, nil, err
	}
	rv, err := loadReview(tx, ws.ID, ev.ID, app, u.User)
	if err != nil {
		return chat.Message{}, nil, err
	}
	target, err := appTarget(tx, ws.ID, a)
	if err != nil {
		return chat.Message{}, nil, err
	}
	version := "v" + strconv.Itoa(rv.Version)
	var sb strings.Builder
	if moved {
		sb.WriteString(T("jury.prompt.moved_in") + "\n")
	}
	sb.WriteString(T("jury.prompt.head", "App", a.ID, "Company", a.Company, "Event", ev.NameIn(lang),
		"Target", ev.TargetName(m.b.Config.Tracks, target, lang)) + "\n")
	assigned := j.Published.Has(u.User, app)
	if !assigned {
		// No longer this juror's (a conflict, a removal): the prompt keeps
		// no text of the application.
		sb.WriteString("\n" + T("jury.prompt.state.moved"))
		return chat.Message{Text: sb.String()}, []string{version, "moved"}, nil
	}
	if a.Secrets {
		sb.WriteString(T("app.secrets") + "\n")
	}
	sb.WriteString(bot.Clip(a.Summary, 400) + "\n\n")
	switch {
	case rv.Abstain:
		sb.WriteString(T("jury.prompt.state.abstained"))
		if !j.Closed {
			sb.WriteString(" " + T("jury.prompt.state.can_change"))
		}
	case len(rv.Scores) > 0:
		sb.WriteString(T("jury.prompt.state.scored", "Scores", m.scoreLine(lang, rv)))
		if rv.Comment != "" {
			sb.WriteString("\n" + T("jury.prompt.comment", "Comment", bot.Clip(rv.Comment, 300)))
		}
	default:
		sb.WriteString(T("jury.prompt.state.open", "Criteria", m.criteria(lang)))
	}
	if j.Closed {
		sb.WriteString("\n" + T("jury.prompt.closed"))
		return chat.Message{Text: sb.String()}, []string{version, "closed"}, nil
	}
	ref := AppRef{Event: ev.ID, App: app}
	score := "jury.prompt.score.button"
	if rv.Done() {
		score = "jury.prompt.change.button"
	}
	ctrls := []chat.Control{
		{Kind: chat.Button, ID: ScoreID.ID(ref), Label: T(score), Style: "primary"},
		{Kind: chat.Button, ID: FullID.ID(ref), Label: T("jury.prompt.full.button")},
		{Kind: chat.Button, ID: ConflictID.ID(ref), Label: T("jury.prompt.conflict.button")},
	}
	if !rv.Abstain {
		ctrls = append(ctrls, chat.Control{Kind: chat.Button, ID: AbstainID.ID(ref), Label: T("jury.prompt.abstain.button")})
	}
	return chat.Message{Text: sb.String(), Controls: ctrls}, []string{version, "open"}, nil
}

// scoreLine writes the scores given, criterion by criterion.
func (m *module) scoreLine(lang string, rv Review) string {
	var parts []string
	for _, c := range m.b.Config.Rubric {
		if s, ok := rv.Scores[c.ID]; ok {
			parts = append(parts, fmt.Sprintf("%s %d", m.criterionName(lang, c.ID), s))
		}
	}
	return strings.Join(parts, " · ")
}

// access loads what an action on a juror's prompt needs and checks that
// the user reviews the application (organisers may read, when read is
// set). It refuses with jury.not_assigned otherwise, and with
// jury.closed.no_changes a change once the jury is closed.
func (m *module) access(r *bot.Request, event, app string, read bool) (round.Event, Jury, round.Application, error) {
	var a round.Application
	ev, j, err := load(r, event)
	if err != nil {
		return ev, j, a, err
	}
	var found bool
	err = r.Env.DB.View(func(tx *storage.Tx) (err error) { a, found, err = round.Apps.Lookup(tx, r.WS.ID, app); return })
	if err != nil {
		return ev, j, a, err
	}
	mine := j.Published.Has(r.User.User, app) && j.juror(r.User.User) >= 0
	if !found || a.Event != ev.ID || !(mine || read && r.Roles[bot.Organiser]) {
		return ev, j, a, bot.Refuse("jury.not_assigned", "App", app)
	}
	if !read && j.Closed {
		return ev, j, a, bot.Refuse("jury.closed.no_changes", "Event", ev.NameIn(r.Lang))
	}
	return ev, j, a, nil
}

// pressed reads the application a prompt button (of codec id) names and
// checks the user's access to it (read: organisers too), or refuses.
func (m *module) pressed(r *bot.Request, id bot.IDCodec[AppRef], read bool) (round.Event, round.Application, error) {
	ref, err := id.Of(r)
	if err != nil {
		return round.Event{}, round.Application{}, err
	}
	ev, _, a, err := m.access(r, ref.Event, ref.App, read)
	return ev, a, err
}

// fullText answers with the whole application, to its jurors and
// organisers only.
func (m *module) fullText(_ context.Context, r *bot.Request) (chat.Response, error) {
	ev, a, err := m.pressed(r, FullID, true)
	if err != nil {
		return chat.Response{}, err
	}
	var sb strings.Builder
	sb.WriteString(r.T("jury.full.head", "App", a.ID, "Company", a.Company, "Event", ev.NameIn(r.Lang)) + "\n")
	if a.Secrets {
		sb.WriteString(r.T("app.secrets") + "\n")
	}
	for _, line := range [][2]string{
		{"apply.business_id.label", a.BusinessID}, {"apply.contact_name.label", a.Contact},
		{"apply.website.label", a.Website}, {"apply.target.label", ev.TargetName(m.b.Config.Tracks, a.Target, r.Lang)},
		{"apply.maturity.label", r.T("apply.maturity." + a.Maturity)}, {"apply.summary.label", a.Summary},
		{"apply.references.label", a.References}, {"apply.pilot.label", a.Pilot}, {"apply.deck.label", a.Deck},
	} {
		if line[1] != "" {
			fmt.Fprintf(&sb, "%s: %s\n", r.T(line[0]), line[1])
		}
	}
	return r.ReplyText(strings.TrimRight(sb.String(), "\n"))
}

// scoreForm is the rubric: one 1–5 select per criterion and a comment,
// filled with what the juror gave before.
func (m *module) scoreForm(r *bot.Request, ev round.Event, a round.Application, rv Review) *chat.Form {
	f := &chat.Form{ID: ScoreID.ID(AppRef{Event: ev.ID, App: a.ID}), Title: r.T("jury.score.title", "App", a.ID),
		Submit: r.T("jury.score.submit.button"), Intro: r.T("jury.score.intro", "Company", a.Company)}
	scale := make([]chat.Option, 5)
	for i := range scale {
		scale[i] = chat.Option{Value: strconv.Itoa(i + 1), Label: r.T("jury.scale." + strconv.Itoa(i+1))}
	}
	for _, c := range m.b.Config.Rubric {
		fd := chat.Field{ID: c.ID, Kind: chat.SelectOne, Label: m.criterionName(r.Lang, c.ID), Options: scale}
		if r.Env.Cat.Has(r.Lang, "jury.criterion."+c.ID+".help") {
			fd.Help = r.T("jury.criterion." + c.ID + ".help")
		}
		if s, ok := rv.Scores[c.ID]; ok {
			fd.Value = strconv.Itoa(s)
		}
		f.Fields = append(f.Fields, fd)
	}
	f.Fields = append(f.Fields, chat.Field{ID: "comment", Kind: chat.LongText, Label: r.T("jury.score.comment.label"),
		Optional: true, MaxLen: 1500, Value: rv.Comment})
	return f
}

// scoreOpen opens the rubric form.
func (m *module) scoreOpen(_ context.Context, r *bot.Request) (chat.Response, error) {
	ev, a, err := m.pressed(r, ScoreID, false)
	if err != nil {
		return chat.Response{}, err
	}
	var rv Review
	err = r.Env.DB.View(func(tx *storage.Tx) (err error) {
		rv, err = loadReview(tx, r.WS.ID, ev.ID, a.ID, r.User.User)
		return err
	})
	if err != nil {
		return chat.Response{}, fmt.Errorf("open scores: %w", err)
	}
	return chat.Response{Form: m.scoreForm(r, ev, a, rv)}, nil
}

// scoreSubmit stores the scores at once and rewrites the prompt.
func (m *module) scoreSubmit(_ context.Context, r *bot.Request) (chat.Response, error) {
	ref, err := ScoreID.Of(r)
	if err != nil {
		return chat.Response{}, err
	}
	ev, _, a, err := m.access(r, ref.Event, ref.App, false)
	if err != nil {
		return chat.Response{}, err
	}
	v := r.Values()
	if p := m.scoreForm(r, ev, a, Review{}).Check(v); len(p) > 0 {
		return r.FieldErrors(p)
	}
	scores := map[string]int{}
	for _, c := range m.b.Config.Rubric {
		n, err := strconv.Atoi(v[c.ID])
		if err != nil { // Check accepted only the scale's values
			return chat.Response{}, fmt.Errorf("score %s of %s: %w", c.ID, a.ID, err)
		}
		scores[c.ID] = n
	}
	rv, err := m.saveReview(r, ev, a.ID, func(rv *Review) {
		rv.Scores, rv.Comment, rv.Abstain = scores, strings.TrimSpace(v["comment"]), false
	})
	if err != nil {
		return chat.Response{}, fmt.Errorf("save scores: %w", err)
	}
	return r.Reply("jury.score.saved", "App", a.ID, "Company", a.Company, "Scores", m.scoreLine(r.Lang, rv))
}

// abstain records that the juror does not score the application; it can
// be undone by scoring until the jury closes.
func (m *module) abstain(_ context.Context, r *bot.Request) (chat.Response, error) {
	ev, a, err := m.pressed(r, AbstainID, false)
	if err != nil {
		return chat.Response{}, err
	}
	_, err = m.saveReview(r, ev, a.ID, func(rv *Review) { rv.Scores, rv.Comment, rv.Abstain = nil, "", true })
	if err != nil {
		return chat.Response{}, fmt.Errorf("abstain: %w", err)
	}
	return r.Reply("jury.abstained", "App", a.ID, "Company", a.Company)
}

// mayChange refuses a change of the user's review of app unless, as read
// in tx, it is still theirs and the jury open.
func mayChange(r *bot.Request, ev round.Event, j *Jury, app string) error {
	if !j.Published.Has(r.User.User, app) || j.juror(r.User.User) < 0 {
		return bot.Refuse("jury.not_assigned", "App", app)
	}
	if j.Closed {
		return bot.Refuse("jury.closed.no_changes", "Event", ev.NameIn(r.Lang))
	}
	return nil
}

// saveReview changes the user's review of app, checking again inside the
// transaction that the review is still theirs and the jury open (else a
// refusal), and rewrites the prompt.
func (m *module) saveReview(r *bot.Request, ev round.Event, app string, change func(*Review)) (Review, error) {
	var rv Review
	err := r.Update(func(tx *storage.Tx) error {
		j, err := loadJury(tx, r.WS.ID, ev.ID)
		if err != nil {
			return err
		}
		if err := mayChange(r, ev, &j, app); err != nil {
			return err
		}
		if rv, err = loadReview(tx, r.WS.ID, ev.ID, app, r.User.User); err != nil {
			return err
		}
		rv.Event, rv.App, rv.Juror = ev.ID, app, r.User
		change(&rv)
		rv.Updated, rv.Version = r.Now(), rv.Version+1
		if err := Reviews.Put(tx, r.WS.ID, reviewKey(ev.ID, app, r.User.User), rv); err != nil {
			return err
		}
		return m.updatePrompt(tx, r.WS, ev, &j, r.User, app)
	})
	return rv, err
}

// conflictAsk asks the juror to confirm a conflict of interest.
func (m *module) conflictAsk(_ context.Context, r *bot.Request) (chat.Response, error) {
	ev, a, err := m.pressed(r, ConflictID, false)
	if err != nil {
		return chat.Response{}, err
	}
	return chat.Response{Reply: &chat.Message{
		Text:     r.T("jury.conflict.confirm", "App", a.ID, "Company", a.Company),
		Controls: []chat.Control{{Kind: chat.Button, ID: ConflictYesID.ID(AppRef{Event: ev.ID, App: a.ID}), Label: r.T("jury.conflict.yes.button"), Style: "danger"}},
	}}, nil
}

// conflictYes records the conflict and moves the review to another juror.
func (m *module) conflictYes(_ context.Context, r *bot.Request) (chat.Response, error) {
	ev, a, err := m.pressed(r, ConflictYesID, false)
	if err != nil {
		return chat.Response{}, err
	}
	var to string
	err = r.Update(func(tx *storage.Tx) error {
		j, err := loadJury(tx, r.WS.ID, ev.ID)
		if err != nil {
			return err
		}
		if err := mayChange(r, ev, &j, a.ID); err != nil {
			return err
		}
		if to, _, err = m.moveReview(tx, r.WS, ev, &j, r.User.User, a.ID); err != nil {
			return err
		}
		if err := r.Audit(tx, "jury.conflict", "event/"+ev.ID, mention(r.User)+": "+a.ID); err != nil {
			return err
		}
		return Juries.Put(tx, r.WS.ID, ev.ID, j)
	})
	if err != nil {
		return chat.Response{}, fmt.Errorf("conflict: %w", err)
	}
	if to == "" {
		return r.Reply("jury.conflict.recorded_unmoved", "App", a.ID, "Company", a.Company)
	}
	return r.Reply("jury.conflict.recorded", "App", a.ID, "Company", a.Company)
}
