package jury

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kipina/kipina/bot"
	"github.com/kipina/kipina/bot/bizid"
	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/bot/outbox"
	"github.com/kipina/kipina/bot/round"
	"github.com/kipina/kipina/storage"
)

// add puts jurors on an event's jury: "/kipina jury add <event> @user…
// [targets…]". Every named user gets the named expertise targets (added to
// what they had), the Juror role and a direct message.
func (m *module) add(ctx context.Context, r *bot.Request) (chat.Response, error) {
	ev, _, err := load(r, r.Args[0])
	if err != nil {
		return chat.Response{}, err
	}
	var users []chat.UserRef
	var targets []string
	for _, a := range r.Args[1:] {
		if strings.HasPrefix(a, "@") {
			u := bot.Mention(r, a)
			if u.User == "" || strings.Contains(u.User, "/") {
				return chat.Response{}, bot.Refuse("jury.user.bad", "User", a)
			}
			users = append(users, u)
			continue
		}
		if !knownTarget(m.b, ev, a) {
			return chat.Response{}, bot.Refuse("jury.target.unknown", "Target", a, "Targets", strings.Join(targetIDs(m.b, ev), ", "))
		}
		if !slices.Contains(targets, a) {
			targets = append(targets, a)
		}
	}
	if len(users) == 0 {
		return chat.Response{}, bot.Refuse("jury.add.no_users")
	}
	r.Env.KnowPeople(ctx, users...) // the invitation goes in each juror's profile language
	var hint string
	err = r.Update(func(tx *storage.Tx) error {
		j, err := loadJury(tx, r.WS.ID, ev.ID)
		if err != nil {
			return err
		}
		if j.Published != nil && !j.Closed && !j.Decided {
			apps, err := submitted(tx, r.WS.ID, ev.ID)
			if err != nil {
				return err
			}
			if n := len(j.needs(apps)); n > 0 {
				hint = r.T("jury.added.topup_hint", "Count", n, "EventID", ev.ID)
			}
		}
		for _, u := range users {
			i := slices.IndexFunc(j.Jurors, func(x Juror) bool { return x.User.User == u.User })
			if i < 0 {
				j.Jurors = append(j.Jurors, Juror{User: u, Added: r.Now()})
				i = len(j.Jurors) - 1
			}
			jr := &j.Jurors[i]
			jr.Removed = false
			for _, t := range targets {
				if !slices.Contains(jr.Targets, t) {
					jr.Targets = append(jr.Targets, t)
				}
			}
			if err := bot.Grant(tx, u, bot.Juror); err != nil {
				return err
			}
			if err := r.Audit(tx, "jury.add", "event/"+ev.ID, mention(u)+" "+strings.Join(jr.Targets, ",")); err != nil {
				return err
			}
			lang := m.b.LangOf(tx, u)
			// The invitation matches the round's state (issue 14): before
			// publishing, applications are coming; after, reviews come only
			// with a top-up; once scoring has ended, there is nothing to score.
			state, id := "open", "jury.added.dm"
			switch {
			case j.Closed || j.Decided:
				state, id = "closed", "jury.added.dm_closed"
			case j.Published != nil:
				state, id = "published", "jury.added.dm_published"
			}
			text := m.b.Cat.T(lang, id, "Event", ev.NameIn(lang), "EventID", ev.ID,
				"Targets", m.targetNames(ev, jr.Targets, lang))
			// The key names what the message says (the round's state and
			// the targets), so that a juror added again with other targets
			// is told; the same message is not sent twice.
			what := strings.Join(jr.Targets, "+")
			if what == "" {
				what = "all"
			}
			key := outbox.NewKey(r.WS.ID, "jury", ev.ID, "added", u.User, state, what)
			if _, err := outbox.Enqueue(tx, key, chat.DM(u), chat.Message{Text: text}); err != nil {
				return err
			}
		}
		return Juries.Put(tx, r.WS.ID, ev.ID, j)
	})
	if err != nil {
		return chat.Response{}, fmt.Errorf("add jurors: %w", err)
	}
	names := make([]string, len(users))
	for i, u := range users {
		names[i] = mention(u)
	}
	text := r.T("jury.added", "Count", len(users), "Users", strings.Join(names, ", "), "Event", ev.NameIn(r.Lang),
		"Targets", m.targetNames(ev, targets, r.Lang))
	if hint != "" {
		text += "\n" + hint
	}
	return r.ReplyText(text)
}

// targetNames lists targets by name, or says "none".
func (m *module) targetNames(ev round.Event, ids []string, lang string) string {
	if len(ids) == 0 {
		return m.b.Cat.T(lang, "jury.targets.none")
	}
	names := make([]string, len(ids))
	for i, id := range ids {
		names[i] = ev.TargetName(m.b.Config.Tracks, id, lang)
	}
	return strings.Join(names, ", ")
}

// remove takes a juror off the jury. After publishing, their unfinished
// reviews move to other jurors (matching.Reassign); reviews they already
// gave stay and count.
func (m *module) remove(_ context.Context, r *bot.Request) (chat.Response, error) {
	ev, _, err := load(r, r.Args[0])
	if err != nil {
		return chat.Response{}, err
	}
	u := bot.Mention(r, r.Args[1])
	var moved []string
	var failed []string
	err = r.Update(func(tx *storage.Tx) error {
		j, err := loadJury(tx, r.WS.ID, ev.ID)
		if err != nil {
			return err
		}
		i := j.juror(u.User)
		if i < 0 {
			return bot.Refuse("jury.not_member", "User", mention(u), "Event", ev.NameIn(r.Lang))
		}
		if j.Published != nil {
			for _, app := range j.Published.AppsOf(u.User) {
				rv, err := loadReview(tx, r.WS.ID, ev.ID, app, u.User)
				if err != nil {
					return err
				}
				if rv.Done() {
					continue
				}
				j.Jurors[i].Removed = true // conflicted with everything from now on
				to, why, err := m.moveReview(tx, r.WS, ev, &j, u.User, app)
				if err != nil {
					return err
				}
				if to == "" {
					failed = append(failed, app+": "+why.text(m, r.Lang))
				} else {
					moved = append(moved, app+" → "+chat.MentionID(to))
				}
			}
		}
		j.Jurors[i].Removed = true
		if j.Published == nil {
			j.Jurors = slices.Delete(j.Jurors, i, i+1)
		}
		if err := cancelReminders(tx, r.WS.ID, ev.ID, u.User); err != nil {
			return err
		}
		other, err := onAnyJury(tx, r.WS.ID, u.User, ev.ID)
		if err != nil {
			return err
		}
		if !other {
			if err := bot.Revoke(tx, u, bot.Juror); err != nil {
				return err
			}
		}
		if err := r.Audit(tx, "jury.remove", "event/"+ev.ID, mention(u)); err != nil {
			return err
		}
		return Juries.Put(tx, r.WS.ID, ev.ID, j)
	})
	if err != nil {
		return chat.Response{}, fmt.Errorf("remove juror: %w", err)
	}
	s := r.T("jury.removed", "User", mention(u), "Event", ev.NameIn(r.Lang))
	if len(moved) > 0 {
		s += "\n" + r.T("jury.removed.moved", "Moves", strings.Join(moved, ", "))
	}
	if len(failed) > 0 {
		s += "\n" + r.T("jury.removed.failed", "Reasons", strings.Join(failed, "; "))
	}
	return r.ReplyText(s)
}

// onAnyJury reports whether user is an active juror of an event other
// than except. The error is a failed read.
func onAnyJury(tx *storage.Tx, ws, user, except string) (bool, error) {
	found := false
	err := Juries.Scan(tx, ws, "", func(ev string, j Jury) error {
		if ev != except && j.juror(user) >= 0 {
			found = true
			return storage.ErrStop
		}
		return nil
	})
	return found, err
}

// list shows the jury: members, expertise, conflicts and, once an
// assignment exists, loads.
func (m *module) list(_ context.Context, r *bot.Request) (chat.Response, error) {
	ev, j, err := load(r, r.Args[0])
	if err != nil {
		return chat.Response{}, err
	}
	act := j.active()
	if len(act) == 0 {
		return chat.Response{}, bot.Refuse("jury.empty", "Event", ev.NameIn(r.Lang), "EventID", ev.ID)
	}
	plan := j.Published
	if plan == nil {
		plan = j.Draft
	}
	var sb strings.Builder
	sb.WriteString(r.T("jury.list.head", "Event", ev.NameIn(r.Lang), "Count", len(act)) + "\n")
	for _, jr := range act {
		line := r.T("jury.list.line", "User", mention(jr.User), "Targets", m.targetNames(ev, jr.Targets, r.Lang))
		n := len(j.Conflicts[jr.User.User])
		for _, d := range j.Declared {
			if d.Juror == jr.User.User {
				n++
			}
		}
		if n > 0 {
			line += " — " + r.T("jury.list.conflicts", "Count", n)
		}
		if plan != nil {
			line += " — " + r.T("jury.list.load", "Count", plan.Load()[jr.User.User])
		}
		sb.WriteString("• " + line + "\n")
	}
	var tz *time.Location = r.WS.Loc
	sb.WriteString(r.T("jury.list.deadline", "Deadline", m.b.FormatTime(r.Lang, "format.datetime", j.deadline(ev.Date, tz), tz)))
	return r.ReplyText(sb.String())
}

// setDeadline sets when scoring ends and moves the reminders.
func (m *module) setDeadline(_ context.Context, r *bot.Request) (chat.Response, error) {
	ev, _, err := load(r, r.Args[0])
	if err != nil {
		return chat.Response{}, err
	}
	d, err := chat.ParseDate(r.Args[1])
	if err != nil {
		return chat.Response{}, bot.Refuse("field.date")
	}
	dl := endOfDay(time.Date(d.Year(), d.Month(), d.Day(), 12, 0, 0, 0, r.WS.Loc), r.WS.Loc)
	if r.Now().After(dl) {
		return chat.Response{}, bot.Refuse("jury.deadline.past")
	}
	// Scoring must end before the event: at the latest on the day before
	// it, so that the shortlist and the decisions can be made in time
	// (issue 21: a deadline after the event was accepted).
	if latest := endOfDay(ev.Date.AddDate(0, 0, -1), r.WS.Loc); dl.After(latest) {
		return chat.Response{}, bot.Refuse("jury.deadline.after_event", "Latest", r.T("jury.deadline.latest_date",
			"Date", r.Env.FormatTime(r.Lang, "format.date", latest, r.WS.Loc)), "Event", ev.NameIn(r.Lang),
			"Date", r.Env.FormatTime(r.Lang, "format.date", ev.Date, r.WS.Loc))
	}
	err = r.Update(func(tx *storage.Tx) error {
		j, err := loadJury(tx, r.WS.ID, ev.ID)
		if err != nil {
			return err
		}
		j.Deadline = dl
		if j.Published != nil && !j.Closed {
			if err := m.scheduleReminders(tx, r.WS.ID, ev, &j); err != nil {
				return err
			}
		}
		if err := r.Audit(tx, "jury.deadline", "event/"+ev.ID, dl.Format(time.RFC3339)); err != nil {
			return err
		}
		return Juries.Put(tx, r.WS.ID, ev.ID, j)
	})
	if err != nil {
		return chat.Response{}, fmt.Errorf("jury deadline: %w", err)
	}
	return r.Reply("jury.deadline.set", "Event", ev.NameIn(r.Lang), "Deadline", r.FormatDateTime(dl))
}

// declare records a juror's conflict of interest with a company, by name
// or business ID: "/kipina conflict <event> <company or business ID>". It
// excludes the matching applications (declMatches) from the assignment;
// after publishing, a matching review the juror has moves to another
// juror, or stays open as "needs a juror" when nobody can take it.
//
// The confirmation says only what the juror may know (issue 13): how the
// declaration is matched (its significant words or business ID) and which
// of the juror's own reviews it matched, never other applications. A
// declaration is at most MaxDeclarationLen characters, and a juror makes
// at most MaxDeclarations per event.
func (m *module) declare(_ context.Context, r *bot.Request) (chat.Response, error) {
	ev, _, err := load(r, r.Args[0])
	if err != nil {
		return chat.Response{}, err
	}
	text := strings.TrimSpace(strings.Join(r.Args[1:], " "))
	if utf8.RuneCountInString(text) > MaxDeclarationLen {
		return chat.Response{}, bot.Refuse("jury.conflict.too_long", "Max", MaxDeclarationLen)
	}
	ids := bizid.Find(text)
	words := sigWords(text)
	if len(ids) == 0 && len(words) == 0 {
		return chat.Response{}, bot.Refuse("jury.conflict.empty", "EventID", ev.ID)
	}
	var mine []string
	err = r.Update(func(tx *storage.Tx) error {
		j, err := loadJury(tx, r.WS.ID, ev.ID)
		if err != nil {
			return err
		}
		if j.juror(r.User.User) < 0 {
			return bot.Refuse("jury.not_member", "User", mention(r.User), "Event", ev.NameIn(r.Lang))
		}
		n := 0
		for _, d := range j.Declared {
			if d.Juror == r.User.User {
				n++
			}
		}
		if n >= MaxDeclarations {
			return bot.Refuse("jury.conflict.too_many", "Max", MaxDeclarations)
		}
		j.Declared = append(j.Declared, Declaration{Juror: r.User.User, Text: text, At: r.Now()})
		apps, err := round.EventApps(tx, r.WS.ID, ev.ID)
		if err != nil {
			return err
		}
		for _, a := range apps {
			if !a.State.Live() || !declMatches(text, a.Company, a.BusinessID) || !j.Published.Has(r.User.User, a.ID) {
				continue
			}
			line := a.ID + " " + a.Company
			if !j.Closed {
				to, _, err := m.moveReview(tx, r.WS, ev, &j, r.User.User, a.ID)
				if err != nil {
					return err
				}
				if to != "" {
					line += " — " + r.T("jury.conflict.mine_moved")
				} else {
					line += " — " + r.T("jury.conflict.mine_needs_juror")
				}
			}
			mine = append(mine, line)
		}
		if err := r.Audit(tx, "jury.conflict", "event/"+ev.ID, mention(r.User)+": "+text); err != nil {
			return err
		}
		return Juries.Put(tx, r.WS.ID, ev.ID, j)
	})
	if err != nil {
		return chat.Response{}, fmt.Errorf("declare conflict: %w", err)
	}
	how := r.T("jury.conflict.by_words", "Words", strings.Join(words, " + "))
	if len(ids) > 0 {
		how = r.T("jury.conflict.by_id", "IDs", strings.Join(ids, ", "))
	}
	s := r.T("jury.conflict.noted", "Text", text, "Event", ev.NameIn(r.Lang), "How", how)
	if len(mine) > 0 {
		s += "\n" + r.T("jury.conflict.mine", "Apps", strings.Join(mine, "\n• "))
	}
	return r.ReplyText(s)
}
