package privacy

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/kipina/kipina/bot"
	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/bot/followup"
	"github.com/kipina/kipina/bot/outbox"
	"github.com/kipina/kipina/bot/round"
	"github.com/kipina/kipina/bot/schedule"
	"github.com/kipina/kipina/storage"
)

// DefaultRetentionMonths is the retention period when the configuration
// sets none (privacy.retention_months): 24 months after an event's
// follow-up ends (docs/privacy.md §4).
const DefaultRetentionMonths = 24

// The due-item kinds of retention.
const (
	kindNotice = "privacy-notice"
	kindErase  = "privacy-erase"
)

// retention is what happened to an event's retention, by event id.
type retention struct {
	Noticed time.Time `json:"noticed,omitzero"`
	Erased  time.Time `json:"erased,omitzero"`
}

var retentions = storage.NewBucket[retention]("privacy-retention")

type duePayload struct {
	Event string    `json:"event"`
	At    time.Time `json:"at"`
}

func (m *module) months() int {
	if n := m.env.Config.Privacy.RetentionMonths; n > 0 {
		return n
	}
	return DefaultRetentionMonths
}

func (m *module) registerRetention(reg *bot.Registry) error {
	round.AppSubmitted.Subscribe(reg.Events(), func(_ context.Context, tx *storage.Tx, s round.Submission) error {
		return m.plan(tx, s.By.Workspace, s.Event)
	})
	reg.Due(kindNotice, m.notice)
	reg.Due(kindErase, m.eraseEvent)
	// The follow-up plan may change after the applications came: the
	// dates are recomputed every night.
	return reg.Cron("privacy-retention", "40 3 * * *", func(_ context.Context, ws *bot.Workspace) {
		err := m.env.Update(func(tx *storage.Tx) error {
			evs, err := round.Events.All(tx, ws.ID)
			if err != nil {
				return err
			}
			for _, ev := range evs {
				if err := m.plan(tx, ws.ID, ev); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			m.env.Log.Error("privacy retention plan", "workspace", ws.ID, "err", err)
		}
	})
}

// FollowupEnd returns when an event's follow-up ends: its last step's day
// (the event's follow-up plan, or followup.DefaultPlan), at the event's
// time of day.
func FollowupEnd(tx *storage.Tx, ws string, ev round.Event) (time.Time, error) {
	pl, ok, err := followup.Plans.Lookup(tx, ws, ev.ID)
	if err != nil {
		return time.Time{}, err
	}
	if !ok {
		pl = followup.DefaultPlan(ev.ID)
	}
	last := 0
	for _, d := range pl.Days {
		last = max(last, d)
	}
	return ev.Date.AddDate(0, 0, last), nil
}

// EraseAt returns when an event's personal data is erased: months after
// its follow-up ends.
func EraseAt(followupEnd time.Time, months int) time.Time { return followupEnd.AddDate(0, months, 0) }

// plan keeps an event's two due items: the organisers' notice a month
// before the erasure, and the erasure.
func (m *module) plan(tx *storage.Tx, ws string, ev round.Event) error {
	rec, _, err := retentions.Lookup(tx, ws, ev.ID)
	if err != nil || !rec.Erased.IsZero() {
		return err
	}
	end, err := FollowupEnd(tx, ws, ev)
	if err != nil {
		return err
	}
	at := EraseAt(end, m.months())
	payload, err := json.Marshal(duePayload{Event: ev.ID, At: at})
	if err != nil {
		return err
	}
	err = schedule.Add(tx, schedule.Item{Key: kindErase + "/" + ws + "/" + ev.ID, Workspace: ws, Kind: kindErase,
		Due: at, Payload: payload, AnyHour: true})
	if err != nil || !rec.Noticed.IsZero() {
		return err
	}
	return schedule.Add(tx, schedule.Item{Key: kindNotice + "/" + ws + "/" + ev.ID, Workspace: ws, Kind: kindNotice,
		Due: at.AddDate(0, -1, 0), Payload: payload})
}

// notice tells the organisers, in the notify channel (else each organiser
// configured by user id, directly), that the event's personal data will
// be erased.
func (m *module) notice(tx *storage.Tx, it schedule.Item, _ time.Duration) error {
	var p duePayload
	if err := json.Unmarshal(it.Payload, &p); err != nil {
		return fmt.Errorf("privacy notice payload: %w", err)
	}
	ws, ok := m.env.Workspace(it.Workspace)
	if !ok {
		return nil
	}
	ev, found, err := round.Events.Lookup(tx, ws.ID, p.Event)
	if err != nil || !found {
		return err
	}
	var to []chat.Address
	if ws.NotifyChannel != "" {
		to = append(to, ws.Channel(ws.NotifyChannel))
	} else {
		for _, o := range ws.Organisers {
			if !strings.Contains(o, "@") {
				to = append(to, chat.DM(chat.UserRef{Platform: ws.Platform, Workspace: ws.ID, User: o}))
			}
		}
	}
	key := outbox.NewKey(ws.ID, kindNotice, ev.ID, p.At.UTC().Format("20060102"))
	for _, a := range to {
		lang := ws.Lang
		if a.User != "" {
			lang = m.env.LangOf(tx, chat.UserRef{Platform: a.Platform, Workspace: a.Workspace, User: a.User})
		}
		text := m.env.Cat.T(lang, "privacy.retention.notice", "Event", ev.NameIn(lang),
			"Date", m.env.FormatTime(lang, "format.date", p.At, ws.Loc), "Months", m.env.Count(lang, "count.months", m.months()))
		k := key
		if a.User != "" {
			k = key.With(a.User)
		}
		if _, err := outbox.Enqueue(tx, k, a, chat.Message{Text: text}); err != nil {
			return err
		}
	}
	return retentions.Put(tx, ws.ID, ev.ID, retention{Noticed: tx.Now()})
}

// eraseEvent erases the personal data of all the event's applications (as
// /kipina privacy erase does for one; applications with trade secrets
// first), the comments of its feedback survey, what its staff wrote about
// it (eraseStaff: conflict declarations, review comments, follow-up
// reasons, the audit log's personal fields), and audits it without
// content.
func (m *module) eraseEvent(tx *storage.Tx, it schedule.Item, _ time.Duration) error {
	var p duePayload
	if err := json.Unmarshal(it.Payload, &p); err != nil {
		return fmt.Errorf("privacy erase payload: %w", err)
	}
	ws := it.Workspace
	rec, _, err := retentions.Lookup(tx, ws, p.Event)
	if err != nil || !rec.Erased.IsZero() {
		return err
	}
	apps, err := round.EventApps(tx, ws, p.Event)
	if err != nil {
		return err
	}
	slices.SortStableFunc(apps, func(a, b round.Application) int {
		switch {
		case a.Secrets && !b.Secrets:
			return -1
		case b.Secrets && !a.Secrets:
			return 1
		}
		return 0
	})
	records := 0
	ids := make([]string, len(apps))
	for i, a := range apps {
		ids[i] = a.ID
	}
	if len(apps) > 0 {
		f, err := find(tx, ws, &Found{Subject: Subject{Kind: App, Value: p.Event}, m: newMatcher(), appIDs: ids})
		if err != nil {
			return err
		}
		if records, err = Erase(tx, ws, f); err != nil {
			return err
		}
	}
	blank := map[string]followup.Answer{}
	err = followup.Answers.Scan(tx, ws, "", func(k string, a followup.Answer) error {
		if a.Event == p.Event && a.Comment != "" {
			a.Comment = ""
			blank[k] = a
		}
		return nil
	})
	if err != nil {
		return err
	}
	for k, a := range blank {
		if err := followup.Answers.Put(tx, ws, k, a); err != nil {
			return err
		}
	}
	comments := len(blank)
	staff, err := eraseStaff(tx, ws, p.Event, ids, newMatcher())
	if err != nil {
		return err
	}
	tx.ScrubAfterCommit()
	if err := tx.Audit(ws, storage.AuditEntry{Who: "retention", Action: "privacy.retention", Subject: "event/" + p.Event,
		Detail: fmt.Sprintf("%d applications, %d records, %d survey comments, %d staff records", len(apps), records, comments, staff)}); err != nil {
		return err
	}
	rec.Erased = tx.Now()
	return retentions.Put(tx, ws, p.Event, rec)
}
