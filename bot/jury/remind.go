package jury

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/kipina/kipina/bot"
	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/bot/format"
	"github.com/kipina/kipina/bot/outbox"
	"github.com/kipina/kipina/bot/round"
	"github.com/kipina/kipina/bot/schedule"
	"github.com/kipina/kipina/storage"
)

// ReminderDays are how many days before the jury deadline unfinished
// jurors are reminded, at ReminderHour in their own time zone (the
// scheduler moves a reminder out of quiet hours).
var ReminderDays = []int{3, 1}

// ReminderHour is the local hour of the reminders.
const ReminderHour = 9

type remindPayload struct {
	Event string `json:"event"`
	Days  int    `json:"days"`
}

func remindKey(ws, event, juror string, days int) string {
	return fmt.Sprintf("jury/%s/%s/remind/%s/%d", ws, event, juror, days)
}

// remindGroup makes a juror's reminders of one deadline supersede one
// another: when quiet days hold the 3-day reminder until the 1-day one is
// due, only the 1-day one goes (schedule.Item.Group).
func remindGroup(ws, event, juror string) string {
	return fmt.Sprintf("jury/%s/%s/remind/%s", ws, event, juror)
}

// scheduleReminders (re)schedules the reminders of every juror with
// reviews.
func (m *module) scheduleReminders(tx *storage.Tx, ws string, ev round.Event, j *Jury) error {
	for _, jr := range j.active() {
		if err := m.scheduleJuror(tx, ws, ev, j, jr.User); err != nil {
			return err
		}
	}
	return nil
}

// scheduleJuror schedules u's reminders that are still ahead.
func (m *module) scheduleJuror(tx *storage.Tx, ws string, ev round.Event, j *Jury, u chat.UserRef) error {
	if j.Published == nil || len(j.Published.AppsOf(u.User)) == 0 {
		return nil
	}
	wsp, ok := m.b.Workspace(ws)
	if !ok {
		return fmt.Errorf("workspace %s is not configured", ws)
	}
	loc := m.b.Zone(tx, u)
	dl := j.deadline(ev.Date, wsp.Loc)
	for _, d := range ReminderDays {
		due := schedule.At(dl, -d, ReminderHour, 0, loc)
		key := remindKey(ws, ev.ID, u.User, d)
		if !due.After(m.b.Now()) {
			if err := schedule.Cancel(tx, key); err != nil {
				return err
			}
			continue
		}
		payload, err := json.Marshal(remindPayload{Event: ev.ID, Days: d})
		if err != nil {
			return err
		}
		if err := schedule.Add(tx, schedule.Item{Key: key, Workspace: ws, User: u, Kind: remindKind, Due: due, Payload: payload, Reminder: true,
			Group: remindGroup(ws, ev.ID, u.User)}); err != nil {
			return err
		}
	}
	return nil
}

// cancelReminders removes u's reminders for the event.
func cancelReminders(tx *storage.Tx, ws, event, u string) error {
	for _, d := range ReminderDays {
		if err := schedule.Cancel(tx, remindKey(ws, event, u, d)); err != nil {
			return err
		}
	}
	return nil
}

// unfinished lists the applications u still has to score or abstain on.
// The error is a failed read.
func unfinished(tx *storage.Tx, ws string, j *Jury, u string) ([]string, error) {
	var out []string
	if j.Published == nil {
		return nil, nil
	}
	for _, app := range j.Published.AppsOf(u) {
		rv, err := loadReview(tx, ws, j.Event, app, u)
		if err != nil {
			return nil, err
		}
		if !rv.Done() {
			out = append(out, app)
		}
	}
	return out, nil
}

// remind runs a due reminder: it decides at run time whether the juror
// still has unfinished reviews, and says nothing if not, or if the jury
// closed or the deadline passed meanwhile.
func (m *module) remind(tx *storage.Tx, it schedule.Item, _ time.Duration) error {
	var p remindPayload
	if err := json.Unmarshal(it.Payload, &p); err != nil {
		// Dropped, not retried forever: returning the error would keep the
		// item due and fail it at every sweep.
		m.b.Log.Error("jury: malformed reminder dropped", "key", it.Key, "err", err)
		return nil
	}
	ev, found, err := round.Events.Lookup(tx, it.Workspace, p.Event)
	if err != nil || !found {
		return err // nil when the event is gone
	}
	j, err := loadJury(tx, it.Workspace, p.Event)
	if err != nil {
		return err
	}
	ws, ok := m.b.Workspace(it.Workspace)
	if !ok || j.Closed || j.Published == nil || j.juror(it.User.User) < 0 {
		return nil
	}
	dl := j.deadline(ev.Date, ws.Loc)
	if m.b.Now().After(dl) {
		return nil
	}
	left, err := unfinished(tx, it.Workspace, &j, it.User.User)
	if err != nil || len(left) == 0 {
		return err
	}
	lang := m.b.LangOf(tx, it.User)
	text := m.b.Cat.T(lang, "jury.remind.dm", "Event", ev.NameIn(lang), "Count", len(left), "Apps", strings.Join(left, ", "),
		"Deadline", m.b.FormatTime(lang, "format.datetime", dl, m.b.Zone(tx, it.User)))
	var ctrls []chat.Control
	for i, app := range left {
		if i == 5 {
			break
		}
		ctrls = append(ctrls, chat.Control{Kind: chat.Button, ID: ScoreID.ID(AppRef{Event: ev.ID, App: app}),
			Label: m.b.Cat.T(lang, "jury.remind.score.button", "App", app)})
	}
	// One reminder per juror, event, days ahead and deadline: moving the
	// deadline makes a new reminder.
	key := outbox.NewKey(it.Workspace, "jury", ev.ID, "remind", it.User.User, strconv.Itoa(p.Days), strconv.FormatInt(dl.Unix(), 10))
	_, err = outbox.Enqueue(tx, key, chat.DM(it.User), chat.Message{Text: text, Controls: ctrls})
	return err
}

// progress shows organisers who has done what.
func (m *module) progress(_ context.Context, r *bot.Request) (chat.Response, error) {
	ev, j, err := load(r, r.Args[0])
	if err != nil {
		return chat.Response{}, err
	}
	if j.Published == nil {
		return chat.Response{}, bot.Refuse("jury.progress.unpublished", "Event", ev.NameIn(r.Lang), "EventID", ev.ID)
	}
	var sb strings.Builder
	var all, done int
	err = r.Env.DB.View(func(tx *storage.Tx) error {
		for _, jr := range j.Jurors {
			u := jr.User.User
			apps := j.Published.AppsOf(u)
			if len(apps) == 0 && jr.Removed {
				continue
			}
			var scored, abstained int
			var missing []string
			for _, app := range apps {
				rv, err := loadReview(tx, r.WS.ID, ev.ID, app, u)
				switch {
				case err != nil:
					return err
				case rv.Abstain:
					abstained++
				case len(rv.Scores) > 0:
					scored++
				default:
					missing = append(missing, app)
				}
			}
			all += len(apps)
			done += len(apps) - len(missing)
			line := r.T("jury.progress.line", "User", mention(jr.User), "Done", len(apps)-len(missing), "Count", len(apps),
				"Scored", scored, "Abstained", abstained, "Conflicts", len(j.Conflicts[u]))
			if len(missing) > 0 {
				line += " — " + r.T("jury.progress.missing", "Apps", strings.Join(missing, ", "))
			}
			if jr.Removed {
				line += " " + r.T("jury.progress.removed")
			}
			sb.WriteString("• " + line + "\n")
		}
		// Reviews no juror could take stay visible (issue 14).
		apps, err := submitted(tx, r.WS.ID, ev.ID)
		if err != nil {
			return err
		}
		needs := j.needs(apps)
		var parts []string
		for _, a := range apps {
			if n := needs[a.ID]; n > 0 {
				parts = append(parts, fmt.Sprintf("%s (%d)", a.ID, n))
				all += n
			}
		}
		if len(parts) > 0 {
			sb.WriteString("⚠ " + r.T("jury.progress.needs", "Apps", strings.Join(parts, ", "), "EventID", ev.ID) + "\n")
		}
		return nil
	})
	if err != nil {
		return chat.Response{}, fmt.Errorf("jury progress: %w", err)
	}
	state := r.T("jury.progress.open", "Deadline", r.FormatDateTime(j.deadline(ev.Date, r.WS.Loc)))
	if j.Closed {
		state = r.T("jury.progress.closed")
	}
	head := r.T("jury.progress.head", "Event", ev.NameIn(r.Lang), "Done", done, "Count", all, "Percent", format.Percent(r.Lang, done, all)) + " " + state
	return r.ReplyText(head + "\n" + strings.TrimRight(sb.String(), "\n"))
}

// close ends scoring: answers can no longer change, reminders are
// cancelled and every prompt loses its buttons.
func (m *module) close(_ context.Context, r *bot.Request) (chat.Response, error) {
	ev, _, err := load(r, r.Args[0])
	if err != nil {
		return chat.Response{}, err
	}
	err = r.Update(func(tx *storage.Tx) error {
		j, err := loadJury(tx, r.WS.ID, ev.ID)
		if err != nil {
			return err
		}
		if j.Closed {
			return bot.Refuse("jury.closed.already", "Event", ev.NameIn(r.Lang))
		}
		return m.closeJury(r, tx, ev, &j)
	})
	if err != nil {
		return chat.Response{}, fmt.Errorf("close jury: %w", err)
	}
	return r.Reply("jury.closed", "Event", ev.NameIn(r.Lang), "EventID", ev.ID)
}

// closeJury marks the jury closed in tx, cancels reminders, rewrites the
// prompts without buttons, and saves it.
func (m *module) closeJury(r *bot.Request, tx *storage.Tx, ev round.Event, j *Jury) error {
	j.Closed = true
	for _, jr := range j.Jurors {
		if err := cancelReminders(tx, r.WS.ID, ev.ID, jr.User.User); err != nil {
			return err
		}
		if j.Published == nil {
			continue
		}
		for _, app := range j.Published.AppsOf(jr.User.User) {
			if err := m.updatePrompt(tx, r.WS, ev, j, jr.User, app); err != nil {
				return err
			}
		}
	}
	if err := r.Audit(tx, "jury.close", "event/"+ev.ID, ""); err != nil {
		return err
	}
	return Juries.Put(tx, r.WS.ID, ev.ID, *j)
}
