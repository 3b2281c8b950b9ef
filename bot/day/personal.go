package day

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	ics "github.com/arran4/golang-ical"
	"github.com/kipina/kipina/bot"
	"github.com/kipina/kipina/bot/call"
	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/bot/outbox"
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
	pitch bool
	room  string
	table int
	other string // the other side, named
	about string // the other side's role or track
}

// entries lists a party's pitch and active meetings, in time order.
func (m *mod) entries(tx *storage.Tx, ws string, d Day, cs cast, pt party, lang string) []entry {
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
				p, _ := cs.person(mt.Person)
				out = append(out, entry{Span: mt.Span, table: mt.Table, other: personName(tx, p.Ref), about: m.roleText(cs.ev, p, lang)})
			case pt.side == SidePerson && mt.Person == pt.id:
				a, _ := cs.app(mt.App)
				out = append(out, entry{Span: mt.Span, table: mt.Table, other: companyName(a), about: clip(a.Summary, 80)})
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Start.Before(out[j].Start) })
	return out
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
func (m *mod) scheduleText(lang string, loc *time.Location, ev call.Event, who string, es []entry, remindMin int) string {
	T := func(id string, kv ...any) string { return m.b.Cat.T(lang, id, kv...) }
	var sb strings.Builder
	sb.WriteString(T("day.sched.head", "Event", ev.Name, "Date", m.b.FormatTime(lang, "format.date", ev.Date, loc), "Who", who))
	for _, e := range es {
		t := e.Start.In(loc).Format("15:04") + "–" + e.End.In(loc).Format("15:04")
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

// calendar renders a personal schedule as an iCalendar file.
func (m *mod) calendar(ws string, ev call.Event, pt party, es []entry, lang string, now time.Time) []byte {
	cal := ics.NewCalendar()
	cal.SetMethod(ics.MethodPublish)
	cal.SetProductId("-//kipina//day//" + strings.ToUpper(lang))
	cal.SetXWRCalName(ev.Name)
	for _, e := range es {
		uid := fmt.Sprintf("%s-%s-%s-%d@kipina", ws, ev.ID, strings.ReplaceAll(pt.key(), "/", "-"), e.Start.Unix())
		ve := cal.AddEvent(uid)
		ve.SetDtStampTime(now)
		ve.SetStartAt(e.Start)
		ve.SetEndAt(e.End)
		if e.pitch {
			ve.SetSummary(m.b.Cat.T(lang, "day.ics.pitch", "Event", ev.Name))
			ve.SetLocation(strings.TrimSpace(ev.Place + " " + m.b.Cat.T(lang, "day.room", "Room", e.room)))
		} else {
			ve.SetSummary(m.b.Cat.T(lang, "day.ics.meeting", "Other", chat.PlainText(e.other))) // a file, not a chat message
			ve.SetLocation(strings.TrimSpace(ev.Place + " " + m.b.Cat.T(lang, "day.table", "Table", e.table)))
			ve.SetDescription(e.about)
		}
	}
	return []byte(cal.Serialize())
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

// recipientsOf lists who hears for a party, each with their language.
func (m *mod) recipientsOf(tx *storage.Tx, cs cast, pt party) (us []chat.UserRef, langs []string, name string) {
	if pt.side == SideCompany {
		a, ok := cs.app(pt.id)
		if !ok {
			return nil, nil, ""
		}
		for _, u := range recipients(a) {
			us, langs = append(us, u), append(langs, m.companyLang(tx, a, u))
		}
		return us, langs, companyName(a)
	}
	p, ok := cs.person(pt.id)
	if !ok {
		return nil, nil, ""
	}
	return []chat.UserRef{p.Ref}, []string{m.b.LangOf(tx, p.Ref)}, personName(tx, p.Ref)
}

// sendSchedules tells every party whose schedule changed since it was last
// told, with a calendar file, through the outbox in tx.
func (m *mod) sendSchedules(tx *storage.Tx, ws string, ev call.Event, d *Day, cs cast, version string) (int, error) {
	told := 0
	for _, pt := range cs.parties() {
		us, langs, name := m.recipientsOf(tx, cs, pt)
		for i, u := range us {
			es := m.entries(tx, ws, *d, cs, pt, langs[i])
			dg := digest(es)
			sk := pt.key() + "/" + u.User
			if d.Plan.Sent[sk] == dg {
				continue
			}
			loc := m.b.Zone(tx, u)
			msg := chat.Message{Text: m.scheduleText(langs[i], loc, ev, name, es, d.Plan.RemindMin)}
			if _, err := outbox.Enqueue(tx, key(ws, ev.ID, "sched", version, pt.key(), u.User), chat.DM(u), msg); err != nil {
				return 0, err
			}
			d.Plan.Sent[sk] = dg
			told++
			if len(es) > 0 {
				ics := chat.Message{Text: m.b.Cat.T(langs[i], "day.ics.comment", "Event", ev.Name), File: &chat.File{
					Name: fmt.Sprintf("kipina-%s-%s.ics", ev.ID, u.User), Title: ev.Name, Content: m.calendar(ws, ev, pt, es, langs[i], tx.Now())}}
				if _, err := outbox.Enqueue(tx, key(ws, ev.ID, "ics", version, pt.key(), u.User), chat.DM(u), ics); err != nil {
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
		p, ok := m.b.Platform(up.to.Platform)
		if !ok {
			continue
		}
		fu, ok := p.(chat.FileUploader)
		if !ok {
			continue
		}
		if err := fu.Upload(ctx, chat.DM(up.to), up.file, up.comment); err != nil {
			m.b.Log.Warn("upload calendar", "component", "day", "user", up.to.String(), "err", err)
		}
	}
}

// remKey is the scheduler key of a meeting reminder to u.
func remKey(ws, event string, mt Meeting, u chat.UserRef) string {
	return key(ws, event, "rem", strconv.Itoa(mt.ID), u.User)
}

// reminder is the payload of a meeting reminder.
type reminder struct {
	Event   string `json:"event"`
	Meeting int    `json:"meeting"`
	Side    string `json:"side"`
}

// meetingReminders schedules (add) or cancels the reminders of a meeting
// for both sides.
func (m *mod) meetingReminders(tx *storage.Tx, ws string, ev call.Event, cs cast, plan *Plan, mt Meeting, add bool) error {
	for _, pt := range []party{{SideCompany, mt.App}, {SidePerson, mt.Person}} {
		us, _, _ := m.recipientsOf(tx, cs, pt)
		for _, u := range us {
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
			payload := fmt.Appendf(nil, `{"event":%q,"meeting":%d,"side":%q}`, ev.ID, mt.ID, pt.side)
			if err := schedule.Add(tx, schedule.Item{Key: k, Workspace: ws, User: u, Kind: kindRemind, Due: due, Payload: payload, AnyHour: true}); err != nil {
				return err
			}
		}
	}
	return nil
}

// planPublish makes the draft the schedule: personal schedules to those
// whose schedule changed, calendar files, reminders.
func (m *mod) planPublish(_ context.Context, r *bot.Request) chat.Response {
	ev, bad := loadEvent(r, r.Args[0])
	if bad != nil {
		return *bad
	}
	var told, meetings int
	noDraft := false
	err := r.Update(func(tx *storage.Tx) error {
		d := loadDay(tx, r.WS.ID, ev.ID)
		if d.Draft == nil {
			noDraft = true
			return nil
		}
		cs := m.loadCast(tx, r.WS.ID, ev)
		plan := *d.Draft
		plan.Sent = map[string]string{}
		if d.Plan != nil {
			plan.Sent = d.Plan.Sent
			for _, mt := range d.Plan.Meetings {
				if err := m.meetingReminders(tx, r.WS.ID, ev, cs, d.Plan, mt, false); err != nil {
					return err
				}
			}
		}
		d.Plan, d.Draft, d.Offers = &plan, nil, nil
		for _, mt := range plan.Meetings {
			if err := m.meetingReminders(tx, r.WS.ID, ev, cs, &plan, mt, true); err != nil {
				return err
			}
		}
		var err error
		if told, err = m.sendSchedules(tx, r.WS.ID, ev, &d, cs, strconv.FormatInt(plan.Built.UnixNano(), 36)); err != nil {
			return err
		}
		meetings = len(plan.Meetings)
		if err := saveDay(tx, r.WS.ID, d); err != nil {
			return err
		}
		return r.Audit(tx, "meetings.publish", "event/"+ev.ID, fmt.Sprintf("%d meetings, %d told", meetings, told))
	})
	switch {
	case err != nil:
		return internal(r, "meetings publish", err)
	case noDraft:
		return r.Reply("day.plan.no_draft", "Event", ev.ID)
	}
	return r.Reply("day.plan.published", "Meetings", meetings, "Count", told, "Event", ev.Name)
}

// mySchedule shows the asker their own schedule of an event, with the
// calendar file where the platform takes files.
func (m *mod) mySchedule(ctx context.Context, r *bot.Request) chat.Response {
	ev, bad := loadEvent(r, r.Args[0])
	if bad != nil {
		return *bad
	}
	var parts []string
	var ups []upload
	r.Bot.DB.View(func(tx *storage.Tx) error {
		d := loadDay(tx, r.WS.ID, ev.ID)
		if d.Plan == nil && !d.Agenda.Published {
			return nil
		}
		cs := m.loadCast(tx, r.WS.ID, ev)
		remind := 0
		if d.Plan != nil {
			remind = d.Plan.RemindMin
		}
		for _, pt := range cs.parties() {
			if !allowed(r, cs, pt.side, pt.id, pt.id) {
				continue
			}
			_, _, name := m.recipientsOf(tx, cs, pt)
			es := m.entries(tx, r.WS.ID, d, cs, pt, r.Lang)
			parts = append(parts, m.scheduleText(r.Lang, m.b.Zone(tx, r.User), ev, name, es, remind))
			if len(es) > 0 {
				ups = append(ups, upload{to: r.User, file: chat.File{Name: fmt.Sprintf("kipina-%s-%s.ics", ev.ID, r.User.User), Title: ev.Name,
					Content: m.calendar(r.WS.ID, ev, pt, es, r.Lang, r.Now())}, comment: r.T("day.ics.comment", "Event", ev.Name)})
			}
		}
		return nil
	})
	if len(parts) == 0 {
		return r.Reply("day.sched.none", "Event", ev.Name)
	}
	m.uploadAll(ctx, ups)
	return r.ReplyText(strings.Join(parts, "\n\n"))
}
