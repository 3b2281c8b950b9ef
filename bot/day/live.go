package day

import (
	"context"
	"encoding/json"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/kipina/kipina/bot"
	"github.com/kipina/kipina/bot/call"
	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/bot/outbox"
	"github.com/kipina/kipina/bot/schedule"
	"github.com/kipina/kipina/matching"
	"github.com/kipina/kipina/storage"
)

// maxCandidates bounds how many people one freed slot is offered to.
const maxCandidates = 10

// remind sends a meeting reminder with the table, the other side and a
// Cancel button, unless the meeting was cancelled meanwhile.
func (m *mod) remind(tx *storage.Tx, it schedule.Item, _ time.Duration) error {
	var p reminder
	if err := json.Unmarshal(it.Payload, &p); err != nil {
		return nil //nolint:nilerr // a broken payload would only fail forever
	}
	ev, err := call.LoadEvent(tx, it.Workspace, p.Event)
	if err != nil {
		return nil //nolint:nilerr // the event is gone
	}
	d := loadDay(tx, it.Workspace, p.Event)
	mt, ok := findMeeting(d.Plan, p.Meeting)
	if !ok || mt.Cancelled || !mt.Start.After(tx.Now()) {
		return nil // cancelled, or the sweep came too late to be of use
	}
	cs := m.loadCast(tx, it.Workspace, ev)
	u := it.User
	lang, loc := m.b.LangOf(tx, u), m.b.Zone(tx, u)
	var other, about, self string
	if p.Side == SideCompany {
		a, _ := cs.app(mt.App)
		lang = m.companyLang(tx, a, u)
		pr, _ := cs.person(mt.Person)
		other, about, self = personName(tx, pr.Ref), m.roleText(ev, pr, lang), mt.App
	} else {
		a, _ := cs.app(mt.App)
		other, about, self = companyName(a), clip(a.Summary, 80), mt.Person
	}
	msg := chat.Message{
		Text: m.b.Cat.T(lang, "day.remind.text", "Count", int(mt.Start.Sub(tx.Now()).Round(time.Minute).Minutes()),
			"Time", m.b.Clock(lang, mt.Start, loc), "Table", mt.Table, "Other", other, "About", about, "Event", ev.Name),
		Controls: []chat.Control{{Kind: chat.Button, ID: strings.Join([]string{actCancel, ev.ID, p.Side, self}, ":"),
			Label: m.b.Cat.T(lang, "day.remind.cancel.button"), Style: "danger"}},
	}
	_, err = outbox.Enqueue(tx, it.Key, chat.DM(u), msg)
	return err
}

func findMeeting(plan *Plan, id int) (Meeting, bool) {
	if plan == nil {
		return Meeting{}, false
	}
	for _, mt := range plan.Meetings {
		if mt.ID == id {
			return mt, true
		}
	}
	return Meeting{}, false
}

// noShow frees the remaining meetings of a company or a person who did not
// come, and offers each freed slot to others.
func (m *mod) noShow(_ context.Context, r *bot.Request) chat.Response {
	ev, bad := loadEvent(r, r.Args[0])
	if bad != nil {
		return *bad
	}
	arg := r.Args[1]
	var freed, offered int
	unknown := false
	err := r.Update(func(tx *storage.Tx) error {
		cs := m.loadCast(tx, r.WS.ID, ev)
		pt := party{SideCompany, strings.ToUpper(arg)}
		if _, ok := cs.app(pt.id); !ok {
			pt = party{SidePerson, bot.Mention(r, arg).User}
			if _, ok := cs.person(pt.id); !ok {
				unknown = true
				return nil
			}
		}
		var err error
		freed, offered, err = m.free(tx, r.WS.ID, ev, cs, pt)
		if err != nil {
			return err
		}
		return r.Audit(tx, "meetings.noshow", pt.key(), strconv.Itoa(freed))
	})
	switch {
	case err != nil:
		return internal(r, "noshow", err)
	case unknown:
		return r.Reply("day.noshow.unknown", "Who", arg, "Event", ev.ID)
	}
	if offered == 0 {
		return r.Reply("day.noshow.done_none", "Who", arg, "Count", freed)
	}
	return r.Reply("day.noshow.done", "Who", arg, "Count", freed, "Offered", r.Bot.Count(r.Lang, "count.times", offered))
}

// cancelOwn is the Cancel button of a reminder: the party cannot come.
func (m *mod) cancelOwn(_ context.Context, r *bot.Request) chat.Response {
	if len(r.Args) != 3 {
		return r.Reply("day.stale")
	}
	event, pt := r.Args[0], party{r.Args[1], r.Args[2]}
	var freed int
	refused := ""
	err := r.Update(func(tx *storage.Tx) error {
		ev, err := call.LoadEvent(tx, r.WS.ID, event)
		if err != nil {
			refused = "day.stale"
			return nil
		}
		cs := m.loadCast(tx, r.WS.ID, ev)
		if !allowed(r, cs, pt.side, pt.id, pt.id) {
			refused = "day.not_yours"
			return nil
		}
		if freed, _, err = m.free(tx, r.WS.ID, ev, cs, pt); err != nil {
			return err
		}
		return r.Audit(tx, "meetings.cancel", pt.key(), strconv.Itoa(freed))
	})
	switch {
	case err != nil:
		return internal(r, "cancel meetings", err)
	case refused != "":
		return r.Reply(refused)
	}
	upd := chat.Message{Text: r.T("day.cancel.done", "Count", freed)}
	return chat.Response{Update: &upd}
}

// free cancels a party's meetings that have not started, tells the other
// sides and offers each freed slot to candidates. It marks the party
// absent so later schedules and offers leave it out.
func (m *mod) free(tx *storage.Tx, ws string, ev call.Event, cs cast, pt party) (freed, offered int, err error) {
	d := loadDay(tx, ws, ev.ID)
	if d.Absent == nil {
		d.Absent = map[string]bool{}
	}
	d.Absent[pt.key()] = true
	if d.Plan == nil {
		return 0, 0, saveDay(tx, ws, d)
	}
	now := tx.Now()
	for i := range d.Plan.Meetings {
		mt := &d.Plan.Meetings[i]
		mine := (pt.side == SideCompany && mt.App == pt.id) || (pt.side == SidePerson && mt.Person == pt.id)
		if !mine || mt.Cancelled || mt.Start.Before(now) {
			continue
		}
		mt.Cancelled = true
		freed++
		if err := m.meetingReminders(tx, ws, ev, cs, d.Plan, *mt, false); err != nil {
			return 0, 0, err
		}
		stay := party{SidePerson, mt.Person}
		if pt.side == SidePerson {
			stay = party{SideCompany, mt.App}
		}
		o := Offer{ID: len(d.Offers) + 1, Slot: mt.Slot, Table: mt.Table, Side: stay.side, Stay: stay.id, Span: mt.Span}
		o.Candidates = m.candidates(tx, ws, d, cs, stay, mt.Slot)
		d.Offers = append(d.Offers, o)
		offered += len(o.Candidates)
		if err := m.tellFreed(tx, ws, ev, cs, pt, stay, *mt, len(o.Candidates)); err != nil {
			return 0, 0, err
		}
		if err := m.sendOffer(tx, ws, ev, cs, o); err != nil {
			return 0, 0, err
		}
	}
	return freed, offered, saveDay(tx, ws, d)
}

// busyAt reports whether a party has an active meeting (or, for a company,
// its pitch) in slot.
func busyAt(d Day, pt party, slot int) bool {
	for _, mt := range d.Plan.Meetings {
		if !mt.Cancelled && mt.Slot == slot && ((pt.side == SideCompany && mt.App == pt.id) || (pt.side == SidePerson && mt.Person == pt.id)) {
			return true
		}
	}
	if pt.side == SideCompany && d.Agenda.SlotMin > 0 && slot < len(d.Plan.Slots) {
		for _, p := range layout(d.Agenda) {
			if p.App == pt.id && p.Overlaps(d.Plan.Slots[slot]) {
				return true
			}
		}
	}
	return false
}

// met reports whether a company and a person already have an active
// meeting.
func met(d Day, app, person string) bool {
	for _, mt := range d.Plan.Meetings {
		if !mt.Cancelled && mt.App == app && mt.Person == person {
			return true
		}
	}
	return false
}

// pairWeight is the weight of a pair's stored interests.
func pairWeight(tx *storage.Tx, ws, event, app, person string) int {
	c, _ := Wants.Get(tx, ws, wantKey(event, SideCompany, app, person))
	p, _ := Wants.Get(tx, ws, wantKey(event, SidePerson, person, app))
	return matching.PairWeight(c, p)
}

// candidates are the other side's parties with unmet interest in stay who
// are free in slot, heaviest interest first, at most maxCandidates.
func (m *mod) candidates(tx *storage.Tx, ws string, d Day, cs cast, stay party, slot int) []string {
	type cand struct {
		id string
		w  int
	}
	var list []cand
	consider := func(other party, app, person string) {
		if d.Absent[other.key()] || met(d, app, person) || busyAt(d, other, slot) {
			return
		}
		if w := pairWeight(tx, ws, cs.ev.ID, app, person); w > 0 {
			list = append(list, cand{other.id, w})
		}
	}
	if stay.side == SideCompany {
		for _, p := range cs.people {
			consider(party{SidePerson, p.Ref.User}, stay.id, p.Ref.User)
		}
	} else {
		for _, a := range cs.companies {
			consider(party{SideCompany, a.ID}, a.ID, stay.id)
		}
	}
	sort.SliceStable(list, func(i, j int) bool { return list[i].w > list[j].w })
	var out []string
	for _, c := range list[:min(len(list), maxCandidates)] {
		out = append(out, c.id)
	}
	return out
}

// tellFreed tells the side that stays that its meeting is cancelled.
func (m *mod) tellFreed(tx *storage.Tx, ws string, ev call.Event, cs cast, gone, stay party, mt Meeting, offers int) error {
	_, _, goneName := m.recipientsOf(tx, cs, gone)
	us, langs, _ := m.recipientsOf(tx, cs, stay)
	for i, u := range us {
		loc := m.b.Zone(tx, u)
		msg := chat.Message{Text: m.b.Cat.T(langs[i], "day.freed.text", "Other", goneName, "Time", m.b.Clock(langs[i], mt.Start, loc), "Table", mt.Table, "Count", offers)}
		if _, err := outbox.Enqueue(tx, key(ws, ev.ID, "freed", strconv.Itoa(mt.ID), u.User), chat.DM(u), msg); err != nil {
			return err
		}
	}
	return nil
}

// sendOffer offers a freed slot to each candidate with an Accept button.
func (m *mod) sendOffer(tx *storage.Tx, ws string, ev call.Event, cs cast, o Offer) error {
	_, _, stayName := m.recipientsOf(tx, cs, party{o.Side, o.Stay})
	other := SidePerson
	if o.Side == SidePerson {
		other = SideCompany
	}
	for _, c := range o.Candidates {
		us, langs, _ := m.recipientsOf(tx, cs, party{other, c})
		for i, u := range us {
			loc := m.b.Zone(tx, u)
			msg := chat.Message{
				Text: m.b.Cat.T(langs[i], "day.offer.text", "Event", ev.Name, "Start", m.b.Clock(langs[i], o.Start, loc), "End", m.b.Clock(langs[i], o.End, loc),
					"Table", o.Table, "Other", stayName),
				Controls: []chat.Control{{Kind: chat.Button, ID: strings.Join([]string{actAccept, ev.ID, strconv.Itoa(o.ID), c}, ":"),
					Label: m.b.Cat.T(langs[i], "day.offer.accept.button"), Style: "primary"}},
			}
			if _, err := outbox.Enqueue(tx, key(ws, ev.ID, "offer", strconv.Itoa(o.ID), c, u.User), chat.DM(u), msg); err != nil {
				return err
			}
		}
	}
	return nil
}

// accept gives a freed slot to the first candidate who takes it.
func (m *mod) accept(_ context.Context, r *bot.Request) chat.Response {
	if len(r.Args) != 3 {
		return r.Reply("day.stale")
	}
	event, cand := r.Args[0], r.Args[2]
	id, _ := strconv.Atoi(r.Args[1])
	var upd chat.Message
	refused := ""
	err := r.Update(func(tx *storage.Tx) error {
		ev, err := call.LoadEvent(tx, r.WS.ID, event)
		if err != nil {
			refused = "day.stale"
			return nil
		}
		d := loadDay(tx, r.WS.ID, event)
		cs := m.loadCast(tx, r.WS.ID, ev)
		oi := -1
		for i, o := range d.Offers {
			if o.ID == id {
				oi = i
			}
		}
		if oi < 0 || d.Plan == nil {
			refused = "day.offer.gone"
			return nil
		}
		o := &d.Offers[oi]
		cp := party{SidePerson, cand}
		app, person := o.Stay, cand
		if o.Side == SidePerson {
			cp, app, person = party{SideCompany, cand}, cand, o.Stay
		}
		switch {
		case !allowed(r, cs, cp.side, cand, cand):
			refused = "day.not_yours"
		case o.Taken != "":
			refused = "day.offer.taken"
		case !o.Start.After(r.Now()):
			refused = "day.offer.late"
		case busyAt(d, cp, o.Slot) || busyAt(d, party{o.Side, o.Stay}, o.Slot):
			refused = "day.offer.busy"
		}
		if refused != "" {
			return nil
		}
		o.Taken = cand
		d.Plan.NextID++
		mt := Meeting{ID: d.Plan.NextID, App: app, Person: person, Slot: o.Slot, Table: o.Table, Span: o.Span}
		d.Plan.Meetings = append(d.Plan.Meetings, mt)
		if err := m.meetingReminders(tx, r.WS.ID, ev, cs, d.Plan, mt, true); err != nil {
			return err
		}
		_, _, candName := m.recipientsOf(tx, cs, cp)
		_, _, stayName := m.recipientsOf(tx, cs, party{o.Side, o.Stay})
		us, langs, _ := m.recipientsOf(tx, cs, party{o.Side, o.Stay})
		for i, u := range us {
			loc := m.b.Zone(tx, u)
			msg := chat.Message{Text: m.b.Cat.T(langs[i], "day.offer.new_meeting", "Time", m.b.Clock(langs[i], o.Start, loc), "Table", o.Table, "Other", candName)}
			if _, err := outbox.Enqueue(tx, key(r.WS.ID, event, "repaired", strconv.Itoa(mt.ID), u.User), chat.DM(u), msg); err != nil {
				return err
			}
		}
		upd = chat.Message{Text: r.T("day.offer.yours", "Time", m.b.Clock(r.Lang, o.Start, m.b.Zone(tx, r.User)), "Table", o.Table, "Other", stayName)}
		if err := saveDay(tx, r.WS.ID, d); err != nil {
			return err
		}
		return r.Audit(tx, "meetings.repair", party{o.Side, o.Stay}.key(), cp.key())
	})
	switch {
	case err != nil:
		return internal(r, "accept offer", err)
	case refused != "":
		return r.Reply(refused)
	}
	return chat.Response{Update: &upd}
}
