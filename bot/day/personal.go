package day

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/kipina/kipina/bot"
	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/bot/outbox"
	"github.com/kipina/kipina/bot/round"
	"github.com/kipina/kipina/bot/schedule"
	"github.com/kipina/kipina/storage"
)

// party is one side of meetings: a company (side c, application id) or a
// city person (side p, user id).
type party struct{ side, id string }

func (p party) key() string { return p.side + "/" + p.id }

// entry is one line of a personal schedule.
type entry struct {
	Span
	pitch   bool
	room    string
	table   int
	other   string // the other side, named
	otherID string // the other side's id: application id or user id
	about   string // the other side's role or track
}

// entries lists a party's pitch and active meetings, in time order.
func (m *mod) entries(tx *storage.Tx, d Day, cs cast, pt party, lang string) ([]entry, error) {
	var out []entry
	if pt.side == SideCompany && d.Agenda.Published {
		for _, p := range layout(d.Agenda) {
			if p.App == pt.id {
				out = append(out, entry{Span: p.Span, pitch: true, room: p.Room})
			}
		}
	}
	if d.Plan != nil {
		for _, mt := range d.Plan.Meetings {
			if mt.Cancelled {
				continue
			}
			switch {
			case pt.side == SideCompany && mt.App == pt.id:
				name, about, err := m.personAbout(tx, cs, mt.Person, lang)
				if err != nil {
					return nil, err
				}
				out = append(out, entry{Span: mt.Span, table: mt.Table, otherID: mt.Person, other: name, about: about})
			case pt.side == SidePerson && mt.Person == pt.id:
				a := cs.appOr(mt.App)
				out = append(out, entry{Span: mt.Span, table: mt.Table, otherID: mt.App, other: companyName(a), about: m.about(a, 80, lang)})
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Start.Before(out[j].Start) })
	return out, nil
}

// digest identifies a schedule's content independently of language.
func digest(es []entry) string {
	if len(es) == 0 {
		return "none"
	}
	var sb strings.Builder
	for _, e := range es {
		fmt.Fprintf(&sb, "%d|%v|%s|%d|%s;", e.Start.Unix(), e.pitch, e.room, e.table, e.other)
	}
	return sb.String()
}

// scheduleText renders a personal schedule in lang and loc.
func (m *mod) scheduleText(lang string, loc *time.Location, ev round.Event, who string, es []entry, remindMin int) string {
	T := func(id string, kv ...any) string { return m.env.Cat.T(lang, id, kv...) }
	var sb strings.Builder
	sb.WriteString(T("day.sched.head", "Event", ev.NameIn(lang), "Date", m.env.FormatTime(lang, "format.date", ev.Date, loc), "Who", who))
	for _, e := range es {
		t := m.env.Clock(lang, e.Start, loc) + "–" + m.env.Clock(lang, e.End, loc)
		if e.pitch {
			sb.WriteString("\n" + T("day.sched.pitch", "Time", t, "Room", e.room))
		} else {
			sb.WriteString("\n" + T("day.sched.meeting", "Time", t, "Table", e.table, "Other", e.other, "About", e.about))
		}
	}
	if len(es) == 0 {
		sb.WriteString("\n" + T("day.sched.empty"))
	} else if remindMin > 0 {
		sb.WriteString("\n" + T("day.sched.remind", "Count", remindMin))
	}
	zone, _ := ev.Date.In(loc).Zone()
	sb.WriteString("\n" + T("day.sched.zone", "Zone", loc.String(), "Abbr", zone))
	return sb.String()
}

// calEvents are a personal schedule's entries as calendar events in lang.
func (m *mod) calEvents(ws string, ev round.Event, pt party, es []entry, lang string) []calEvent {
	var out []calEvent
	for _, e := range es {
		ce := calEvent{UID: uidOf(ws, ev.ID, pt, e), Start: e.Start, End: e.End}
		if e.pitch {
			ce.Summary = m.env.Cat.T(lang, "day.ics.pitch", "Event", ev.NameIn(lang))
			ce.Location = strings.TrimSpace(ev.Place + " " + m.env.Cat.T(lang, "day.room", "Room", e.room))
		} else {
			ce.Summary = m.env.Cat.T(lang, "day.ics.meeting", "Other", chat.PlainText(e.other)) // a file, not a chat message
			ce.Location = strings.TrimSpace(ev.Place + " " + m.env.Cat.T(lang, "day.table", "Table", e.table))
			ce.Description = e.about
		}
		out = append(out, ce)
	}
	return out
}

// calendar renders a personal schedule as an iCalendar file with SEQUENCE
// seq and no cancellations (see writeCalendar).
func (m *mod) calendar(ws string, ev round.Event, pt party, es []entry, lang string, now time.Time, seq int) []byte {
	return writeCalendar(lang, ev.Name, seq, m.calEvents(ws, ev, pt, es, lang), nil, now)
}

// upload is a calendar file waiting to be handed to a person once the
// transaction that published it has committed.
type upload struct {
	to      chat.UserRef
	file    chat.File
	comment string
}

// parties are the companies and people of the cast, plus any party of the
// published plan no longer in it.
func (cs cast) parties() []party {
	var out []party
	for _, a := range cs.companies {
		out = append(out, party{SideCompany, a.ID})
	}
	for _, p := range cs.people {
		out = append(out, party{SidePerson, p.Ref.User})
	}
	return out
}

// hearers are who hears for a party, each with their language, and the
// party's name.
type hearers struct {
	us    []chat.UserRef
	langs []string
	name  string
}

// recipientsOf lists who hears for a party (none for a party no longer in
// the cast).
func (m *mod) recipientsOf(tx *storage.Tx, cs cast, pt party) (hearers, error) {
	var h hearers
	if pt.side == SideCompany {
		a, ok := cs.app(pt.id)
		if !ok {
			return h, nil
		}
		for _, u := range recipients(a) {
			lang, err := m.companyLang(tx, a, u)
			if err != nil {
				return h, err
			}
			h.us, h.langs = append(h.us, u), append(h.langs, lang)
		}
		h.name = companyName(a)
		return h, nil
	}
	p, ok := cs.person(pt.id)
	if !ok {
		return h, nil
	}
	name, err := personName(tx, p.Ref)
	if err != nil {
		return h, err
	}
	return hearers{us: []chat.UserRef{p.Ref}, langs: []string{m.env.LangOf(tx, p.Ref)}, name: name}, nil
}

// sendSchedules tells every party whose schedule changed since it was last
// told, with a calendar file, through the outbox in tx.
func (m *mod) sendSchedules(tx *storage.Tx, ws string, ev round.Event, d *Day, cs cast) (int, error) {
	told := 0
	for _, pt := range cs.parties() {
		h, err := m.recipientsOf(tx, cs, pt)
		if err != nil {
			return 0, err
		}
		for i, u := range h.us {
			es, err := m.entries(tx, *d, cs, pt, h.langs[i])
			if err != nil {
				return 0, err
			}
			dg := digest(es)
			sk := pt.key() + "/" + u.User
			if d.Plan.Sent[sk] == dg {
				continue
			}
			loc := m.env.Zone(tx, u)
			msg := chat.Message{Text: m.scheduleText(h.langs[i], loc, ev, h.name, es, d.Plan.RemindMin)}
			k := outbox.NewKey(ws, "day", ev.ID, "meetings", d.Plan.ver(), "schedule", pt.side, pt.id, u.User)
			if _, err := outbox.Enqueue(tx, k, chat.DM(u), msg); err != nil {
				return 0, err
			}
			d.Plan.Sent[sk] = dg
			told++
			ces := m.calEvents(ws, ev, pt, es, h.langs[i])
			prev, had := d.Plan.Cal[sk]
			gone := goneEvents(prev.UIDs, ces, ev.Date)
			if len(ces) > 0 || len(gone) > 0 {
				if d.Plan.Cal == nil {
					d.Plan.Cal = map[string]CalSent{}
				}
				seq := 0
				if had {
					seq = prev.Seq + 1
				}
				d.Plan.Cal[sk] = CalSent{Seq: seq, UIDs: uidsOf(ces)}
				ics := chat.Message{Text: m.env.Cat.T(h.langs[i], "day.ics.comment", "Event", ev.NameIn(h.langs[i])), File: &chat.File{
					Name: fmt.Sprintf("kipina-%s-%s.ics", ev.ID, u.User), Title: ev.Name, Content: writeCalendar(h.langs[i], ev.Name, seq, ces, gone, tx.Now())}}
				if _, err := outbox.Enqueue(tx, k.With("ics"), chat.DM(u), ics); err != nil {
					return 0, err
				}
			}
		}
	}
	return told, nil
}

// uploadAll hands calendar files to the platforms that take files; the
// text schedules are already in the outbox, so a platform without
// FileUploader, or a failed upload, leaves the person with the text.
func (m *mod) uploadAll(ctx context.Context, ups []upload) {
	for _, up := range ups {
		p, ok := m.env.Platform(up.to.Platform)
		if !ok {
			continue
		}
		fu, ok := p.(chat.FileUploader)
		if !ok {
			continue
		}
		if err := fu.Upload(ctx, chat.DM(up.to), up.file, up.comment); err != nil {
			m.env.Log.Warn("upload calendar", "component", "day", "user", up.to.String(), "err", err)
		}
	}
}

// remPrefix is the start of the scheduler keys of an event's meeting
// reminders.
func remPrefix(ws, event string) string { return "day/" + ws + "/" + event + "/rem/" }

// remKey is the scheduler key of a meeting reminder to u.
func remKey(ws, event string, mt Meeting, u chat.UserRef) string {
	return remPrefix(ws, event) + strconv.Itoa(mt.ID) + "/" + u.User
}

// reminder is the payload of a meeting reminder.
type reminder struct {
	Event   string `json:"event"`
	Meeting int    `json:"meeting"`
	Side    string `json:"side"`
}

// meetingReminders schedules (add) or cancels the reminders of a meeting
// for both sides.
func (m *mod) meetingReminders(tx *storage.Tx, ws string, ev round.Event, cs cast, plan *Plan, mt Meeting, add bool) error {
	for _, pt := range []party{{SideCompany, mt.App}, {SidePerson, mt.Person}} {
		h, err := m.recipientsOf(tx, cs, pt)
		if err != nil {
			return err
		}
		for _, u := range h.us {
			k := remKey(ws, ev.ID, mt, u)
			if !add {
				if err := schedule.Cancel(tx, k); err != nil {
					return err
				}
				continue
			}
			due := mt.Start.Add(-time.Duration(plan.RemindMin) * time.Minute)
			if plan.RemindMin <= 0 || !due.After(tx.Now()) {
				continue
			}
			payload, err := json.Marshal(reminder{Event: ev.ID, Meeting: mt.ID, Side: pt.side})
			if err != nil {
				return err
			}
			if err := schedule.Add(tx, schedule.Item{Key: k, Workspace: ws, User: u, Kind: kindRemind, Due: due, Payload: payload, AnyHour: true, Reminder: true}); err != nil {
				return err
			}
		}
	}
	return nil
}

// cancelReminders removes every pending meeting reminder of an event,
// also those of people no longer in the cast.
func cancelReminders(tx *storage.Tx, ws, event string) error {
	items, err := schedule.Pending(tx, ws, remPrefix(ws, event))
	if err != nil {
		return err
	}
	for _, it := range items {
		if err := schedule.Cancel(tx, it.Key); err != nil {
			return err
		}
	}
	return nil
}

// planPublish makes the draft the schedule: personal schedules to those
// whose schedule changed, calendar files, reminders.
func (m *mod) planPublish(_ context.Context, r *bot.Request) (chat.Response, error) {
	ev, err := loadEvent(r, r.Args[0])
	if err != nil {
		return chat.Response{}, err
	}
	var told, meetings int
	err = r.Update(func(tx *storage.Tx) error {
		d, err := loadDay(tx, r.WS.ID, ev.ID)
		if err != nil {
			return err
		}
		if d.Draft == nil {
			return bot.Refuse("day.plan.no_draft", "Event", ev.ID)
		}
		cs, err := m.loadCast(tx, r.WS.ID, ev)
		if err != nil {
			return err
		}
		plan := *d.Draft
		plan.Sent, plan.Version = map[string]string{}, 1
		if d.Plan != nil {
			plan.Sent, plan.Cal, plan.Version = d.Plan.Sent, d.Plan.Cal, d.Plan.Version+1
			if err := cancelReminders(tx, r.WS.ID, ev.ID); err != nil {
				return err
			}
		}
		d.Plan, d.Draft, d.Offers = &plan, nil, nil
		for _, mt := range plan.Meetings {
			if err := m.meetingReminders(tx, r.WS.ID, ev, cs, &plan, mt, true); err != nil {
				return err
			}
		}
		if told, err = m.sendSchedules(tx, r.WS.ID, ev, &d, cs); err != nil {
			return err
		}
		meetings = len(plan.Meetings)
		if err := saveDay(tx, r.WS.ID, d); err != nil {
			return err
		}
		return r.Audit(tx, "meetings.publish", "event/"+ev.ID, fmt.Sprintf("%d meetings, %d told", meetings, told))
	})
	if err != nil {
		return chat.Response{}, fmt.Errorf("meetings publish: %w", err)
	}
	return r.Reply("day.plan.published", "Meetings", meetings, "Count", told, "Event", ev.NameIn(r.Lang))
}

// mySchedule shows the asker their own schedule of an event, with the
// calendar file where the platform takes files.
func (m *mod) mySchedule(ctx context.Context, r *bot.Request) (chat.Response, error) {
	ev, err := loadEvent(r, r.Args[0])
	if err != nil {
		return chat.Response{}, err
	}
	var parts []string
	var ups []upload
	err = r.Env.DB.View(func(tx *storage.Tx) error {
		d, err := loadDay(tx, r.WS.ID, ev.ID)
		if err != nil || d.Plan == nil && !d.Agenda.Published {
			return err
		}
		cs, err := m.loadCast(tx, r.WS.ID, ev)
		if err != nil {
			return err
		}
		remind := 0
		var sent map[string]CalSent
		if d.Plan != nil {
			remind, sent = d.Plan.RemindMin, d.Plan.Cal
		}
		for _, pt := range cs.parties() {
			if !allowed(r, cs, pt.side, pt.id, pt.id) {
				continue
			}
			h, err := m.recipientsOf(tx, cs, pt)
			if err != nil {
				return err
			}
			es, err := m.entries(tx, d, cs, pt, r.Lang)
			if err != nil {
				return err
			}
			parts = append(parts, m.scheduleText(r.Lang, m.env.Zone(tx, r.User), ev, h.name, es, remind))
			if len(es) > 0 {
				ups = append(ups, upload{to: r.User, file: chat.File{Name: fmt.Sprintf("kipina-%s-%s.ics", ev.ID, r.User.User), Title: ev.Name,
					Content: m.calendar(r.WS.ID, ev, pt, es, r.Lang, r.Now(), sent[pt.key()+"/"+r.User.User].Seq)}, comment: r.T("day.ics.comment", "Event", ev.NameIn(r.Lang))})
			}
		}
		return nil
	})
	if err != nil {
		return chat.Response{}, fmt.Errorf("my schedule: %w", err)
	}
	if len(parts) == 0 {
		return r.Reply("day.sched.none", "Event", ev.NameIn(r.Lang))
	}
	m.uploadAll(ctx, ups)
	return r.ReplyText(strings.Join(parts, "\n\n"))
}
