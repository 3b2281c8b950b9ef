package day

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/kipina/kipina/bot"
	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/bot/outbox"
	"github.com/kipina/kipina/bot/round"
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
		m.env.Log.Error("meeting reminder: broken payload", "component", "day", "key", it.Key, "err", err)
		return nil // a broken payload would only fail forever
	}
	ev, ok, err := round.Events.Lookup(tx, it.Workspace, p.Event)
	if err != nil || !ok {
		return err // !ok: the event is gone, nothing to remind of
	}
	d, err := loadDay(tx, it.Workspace, p.Event)
	if err != nil {
		return err
	}
	mt, ok := findMeeting(d.Plan, p.Meeting)
	if !ok || mt.Cancelled || !mt.Start.After(tx.Now()) {
		return nil // cancelled, or the sweep came too late to be of use
	}
	cs, err := m.loadCast(tx, it.Workspace, ev)
	if err != nil {
		return err
	}
	u := it.User
	pt := party{SideCompany, mt.App}
	if p.Side == SidePerson {
		pt = party{SidePerson, mt.Person}
	}
	h, err := m.recipientsOf(tx, cs, pt)
	if err != nil || !slices.Contains(h.us, u) {
		return err // !Contains: u no longer speaks for that side (a reminder left from an earlier plan)
	}
	lang, loc := m.env.LangOf(tx, u), m.env.Zone(tx, u)
	var other, about, self string
	if p.Side == SideCompany {
		if lang, err = m.companyLang(tx, cs.appOr(mt.App), u); err != nil {
			return err
		}
		if other, about, err = m.personAbout(tx, cs, mt.Person, lang); err != nil {
			return err
		}
		self = mt.App
	} else {
		a := cs.appOr(mt.App)
		other, about, self = companyName(a), m.about(a, 80, lang), mt.Person
	}
	msg := chat.Message{
		Text: m.env.Cat.T(lang, "day.remind.text", "Count", int(mt.Start.Sub(tx.Now()).Round(time.Minute).Minutes()),
			"Time", m.env.Clock(lang, mt.Start, loc), "Table", mt.Table, "Other", other, "About", about, "Event", ev.NameIn(lang)),
		Controls: []chat.Control{{Kind: chat.Button, ID: cancelID.ID(cancelRef{ev.ID, party{p.Side, self}}),
			Label: m.env.Cat.T(lang, "day.remind.cancel.button"), Style: "danger"}},
	}
	k := outbox.NewKey(it.Workspace, "day", ev.ID, "meetings", d.Plan.ver(), "remind", strconv.Itoa(mt.ID), p.Side, u.User)
	_, err = outbox.Enqueue(tx, k, chat.DM(u), msg)
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
func (m *mod) noShow(_ context.Context, r *bot.Request) (chat.Response, error) {
	ev, err := loadEvent(r, r.Args[0])
	if err != nil {
		return chat.Response{}, err
	}
	arg := r.Args[1]
	var freed, offered int
	err = r.Update(func(tx *storage.Tx) error {
		cs, err := m.loadCast(tx, r.WS.ID, ev)
		if err != nil {
			return err
		}
		pt := party{SideCompany, strings.ToUpper(arg)}
		if _, ok := cs.app(pt.id); !ok {
			pt = party{SidePerson, bot.Mention(r, arg).User}
			if _, ok := cs.person(pt.id); !ok {
				return bot.Refuse("day.noshow.unknown", "Who", arg, "Event", ev.ID)
			}
		}
		if freed, offered, err = m.free(tx, r.WS.ID, ev, cs, pt); err != nil {
			return err
		}
		return r.Audit(tx, "meetings.noshow", pt.key(), strconv.Itoa(freed))
	})
	if err != nil {
		return chat.Response{}, fmt.Errorf("noshow: %w", err)
	}
	if offered == 0 {
		return r.Reply("day.noshow.done_none", "Who", arg, "Count", freed)
	}
	return r.Reply("day.noshow.done", "Who", arg, "Count", freed, "Offered", r.Env.Count(r.Lang, "count.times", offered))
}

// cancelOwn is the Cancel button of a reminder: the party cannot come.
func (m *mod) cancelOwn(_ context.Context, r *bot.Request) (chat.Response, error) {
	c, err := cancelID.Of(r)
	if err != nil {
		return chat.Response{}, err
	}
	event, pt := c.Event, c.Party
	var freed int
	err = r.Update(func(tx *storage.Tx) error {
		ev, cs, err := m.castOf(tx, r.WS.ID, event)
		if err != nil {
			return err
		}
		if !allowed(r, cs, pt.side, pt.id, pt.id) {
			return bot.Refuse("day.not_yours")
		}
		if freed, _, err = m.free(tx, r.WS.ID, ev, cs, pt); err != nil {
			return err
		}
		return r.Audit(tx, "meetings.cancel", pt.key(), strconv.Itoa(freed))
	})
	if err != nil {
		return chat.Response{}, fmt.Errorf("cancel meetings: %w", err)
	}
	upd := chat.Message{Text: r.T("day.cancel.done", "Count", freed)}
	return chat.Response{Update: &upd}, nil
}

// free cancels a party's meetings that have not started, tells the other
// sides and offers each freed slot to candidates. It marks the party
// absent so later schedules and offers leave it out.
func (m *mod) free(tx *storage.Tx, ws string, ev round.Event, cs cast, pt party) (freed, offered int, err error) {
	d, err := loadDay(tx, ws, ev.ID)
	if err != nil {
		return 0, 0, err
	}
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
		o := Offer{ID: d.nextOffer(), Slot: mt.Slot, Table: mt.Table, Side: stay.side, Stay: stay.id, Span: mt.Span}
		if o.Candidates, err = m.candidates(tx, ws, d, cs, stay, mt.Slot); err != nil {
			return 0, 0, err
		}
		d.Offers = append(d.Offers, o)
		offered += len(o.Candidates)
		if err := m.tellFreed(tx, ws, ev, cs, d.Plan.ver(), pt, stay, *mt, len(o.Candidates)); err != nil {
			return 0, 0, err
		}
		if err := m.sendOffer(tx, ws, ev, cs, o); err != nil {
			return 0, 0, err
		}
	}
	// The party is absent now: the offers of its own freed slots made
	// earlier, and its place among others' candidates, are withdrawn.
	if err := m.withdrawStale(tx, ws, ev, cs, &d); err != nil {
		return 0, 0, err
	}
	return freed, offered, saveDay(tx, ws, d)
}

// pair returns, for candidate c of o, the candidate's party and the
// company and person who would meet.
func (o Offer) pair(c string) (cp party, app, person string) {
	if o.Side == SidePerson {
		return party{SideCompany, c}, c, o.Stay
	}
	return party{SidePerson, c}, o.Stay, c
}

// wholeStale says why offer o holds for nobody any more ("" when it
// holds): the side that stays was marked absent, or has a meeting (or its
// pitch) in the slot since.
func wholeStale(d Day, o Offer) string {
	stay := party{o.Side, o.Stay}
	switch {
	case d.Absent[stay.key()]:
		return withdrawAbsent
	case d.Plan != nil && busyAt(d, stay, o.Slot):
		return withdrawFilled
	}
	return ""
}

// candStale says why offer o no longer holds for candidate c ("" when it
// holds): c was marked absent, already meets the side that stays, or has
// another meeting in the slot.
func candStale(d Day, o Offer, c string) string {
	cp, app, person := o.pair(c)
	switch {
	case d.Absent[cp.key()]:
		return withdrawYouGone
	case d.Plan != nil && met(d, app, person):
		return withdrawMet
	case d.Plan != nil && busyAt(d, cp, o.Slot):
		return withdrawBusy
	}
	return ""
}

// withdrawStale withdraws what no longer holds of the open offers of d
// (see wholeStale and candStale) and tells each candidate concerned by
// rewriting their offer message, with the reason. Offers whose slot has
// begun are left alone: accepting them is refused as late.
func (m *mod) withdrawStale(tx *storage.Tx, ws string, ev round.Event, cs cast, d *Day) error {
	now := tx.Now()
	for i := range d.Offers {
		o := &d.Offers[i]
		if o.Taken != "" || o.Withdrawn != "" || !o.Start.After(now) {
			continue
		}
		if why := wholeStale(*d, *o); why != "" {
			for _, c := range o.Candidates {
				if o.Dropped[c] == "" {
					if err := m.tellWithdrawn(tx, ws, ev, cs, *o, c, why); err != nil {
						return err
					}
				}
			}
			o.Withdrawn = why
			continue
		}
		for _, c := range o.Candidates {
			why := candStale(*d, *o, c)
			if why == "" || o.Dropped[c] != "" {
				continue
			}
			if o.Dropped == nil {
				o.Dropped = map[string]string{}
			}
			o.Dropped[c] = why
			if err := m.tellWithdrawn(tx, ws, ev, cs, *o, c, why); err != nil {
				return err
			}
		}
	}
	return nil
}

// offerKey is the outbox key of offer o's message to user u speaking for
// candidate c: an offer id is never reused (Day.LastOffer).
func offerKey(ws, event string, o Offer, c string, u chat.UserRef) outbox.Key {
	return outbox.NewKey(ws, "day", event, "offer", strconv.Itoa(o.ID), c, u.User)
}

// offerArgs are the template values of an offer's messages in lang and
// zone loc; other is the name of the side that stays.
func (m *mod) offerArgs(lang string, loc *time.Location, ev round.Event, o Offer, other string) []any {
	return []any{"Event", ev.NameIn(lang), "Start", m.env.Clock(lang, o.Start, loc), "End", m.env.Clock(lang, o.End, loc),
		"Table", o.Table, "Other", other}
}

// tellWithdrawn rewrites candidate c's offer message (a new message when
// the original is not in the outbox) to say that the offer was withdrawn
// and why; the Accept button goes with it.
func (m *mod) tellWithdrawn(tx *storage.Tx, ws string, ev round.Event, cs cast, o Offer, c, why string) error {
	st, err := m.recipientsOf(tx, cs, party{o.Side, o.Stay})
	if err != nil {
		return err
	}
	cp, _, _ := o.pair(c)
	cr, err := m.recipientsOf(tx, cs, cp)
	if err != nil {
		return err
	}
	for i, u := range cr.us {
		msg := chat.Message{Text: m.env.Cat.T(cr.langs[i], "day.offer.withdrawn."+why, m.offerArgs(cr.langs[i], m.env.Zone(tx, u), ev, o, st.name)...)}
		of := offerKey(ws, ev.ID, o, c, u)
		k := of.With("withdrawn", why)
		_, err := outbox.Lookup(tx, of)
		switch {
		case errors.Is(err, storage.ErrNotFound):
			_, err = outbox.Enqueue(tx, k, chat.DM(u), msg)
		case err == nil:
			_, err = outbox.EnqueueUpdate(tx, k, of, msg)
		}
		if err != nil {
			return err
		}
	}
	return nil
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

// pairWeight is the weight of a pair's stored interests (an answer not
// given counts as matching.InterestNone's zero value).
func pairWeight(tx *storage.Tx, ws, event, app, person string) (int, error) {
	c, _, err := Wants.Lookup(tx, ws, wantKey(event, SideCompany, app, person))
	if err != nil {
		return 0, err
	}
	p, _, err := Wants.Lookup(tx, ws, wantKey(event, SidePerson, person, app))
	if err != nil {
		return 0, err
	}
	return matching.PairWeight(c, p), nil
}

// candidates are the other side's parties with unmet interest in stay who
// are free in slot, heaviest interest first, at most maxCandidates.
func (m *mod) candidates(tx *storage.Tx, ws string, d Day, cs cast, stay party, slot int) ([]string, error) {
	type cand struct {
		id string
		w  int
	}
	var list []cand
	consider := func(other party, app, person string) error {
		if d.Absent[other.key()] || met(d, app, person) || busyAt(d, other, slot) {
			return nil
		}
		w, err := pairWeight(tx, ws, cs.ev.ID, app, person)
		if w > 0 {
			list = append(list, cand{other.id, w})
		}
		return err
	}
	if stay.side == SideCompany {
		for _, p := range cs.people {
			if err := consider(party{SidePerson, p.Ref.User}, stay.id, p.Ref.User); err != nil {
				return nil, err
			}
		}
	} else {
		for _, a := range cs.companies {
			if err := consider(party{SideCompany, a.ID}, a.ID, stay.id); err != nil {
				return nil, err
			}
		}
	}
	sort.SliceStable(list, func(i, j int) bool { return list[i].w > list[j].w })
	var out []string
	for _, c := range list[:min(len(list), maxCandidates)] {
		out = append(out, c.id)
	}
	return out, nil
}

// tellFreed tells the side that stays that its meeting (of the plan
// published as version ver) is cancelled.
func (m *mod) tellFreed(tx *storage.Tx, ws string, ev round.Event, cs cast, ver string, gone, stay party, mt Meeting, offers int) error {
	g, err := m.recipientsOf(tx, cs, gone)
	if err != nil {
		return err
	}
	st, err := m.recipientsOf(tx, cs, stay)
	if err != nil {
		return err
	}
	for i, u := range st.us {
		loc := m.env.Zone(tx, u)
		msg := chat.Message{Text: m.env.Cat.T(st.langs[i], "day.freed.text", "Other", g.name, "Time", m.env.Clock(st.langs[i], mt.Start, loc), "Table", mt.Table, "Count", offers)}
		k := outbox.NewKey(ws, "day", ev.ID, "meetings", ver, "freed", strconv.Itoa(mt.ID), u.User)
		if _, err := outbox.Enqueue(tx, k, chat.DM(u), msg); err != nil {
			return err
		}
	}
	return nil
}

// sendOffer offers a freed slot to each candidate with an Accept button.
func (m *mod) sendOffer(tx *storage.Tx, ws string, ev round.Event, cs cast, o Offer) error {
	st, err := m.recipientsOf(tx, cs, party{o.Side, o.Stay})
	if err != nil {
		return err
	}
	other := SidePerson
	if o.Side == SidePerson {
		other = SideCompany
	}
	for _, c := range o.Candidates {
		cr, err := m.recipientsOf(tx, cs, party{other, c})
		if err != nil {
			return err
		}
		for i, u := range cr.us {
			loc := m.env.Zone(tx, u)
			msg := chat.Message{
				Text: m.env.Cat.T(cr.langs[i], "day.offer.text", m.offerArgs(cr.langs[i], loc, ev, o, st.name)...),
				Controls: []chat.Control{{Kind: chat.Button, ID: acceptID.ID(offerRef{ev.ID, o.ID, c}),
					Label: m.env.Cat.T(cr.langs[i], "day.offer.accept.button"), Style: "primary"}},
			}
			if _, err := outbox.Enqueue(tx, offerKey(ws, ev.ID, o, c, u), chat.DM(u), msg); err != nil {
				return err
			}
		}
	}
	return nil
}

// accept gives a freed slot to the first candidate who takes it.
func (m *mod) accept(_ context.Context, r *bot.Request) (chat.Response, error) {
	ref, err := acceptID.Of(r)
	if err != nil {
		return chat.Response{}, err
	}
	event, id, cand := ref.Event, ref.Offer, ref.Cand
	var upd chat.Message
	err = r.Update(func(tx *storage.Tx) error {
		ev, cs, err := m.castOf(tx, r.WS.ID, event)
		if err != nil {
			return err
		}
		d, err := loadDay(tx, r.WS.ID, event)
		if err != nil {
			return err
		}
		oi := -1
		for i, o := range d.Offers {
			if o.ID == id {
				oi = i
			}
		}
		if oi < 0 || d.Plan == nil {
			return bot.Refuse("day.offer.gone")
		}
		o := &d.Offers[oi]
		cp := party{SidePerson, cand}
		app, person := o.Stay, cand
		if o.Side == SidePerson {
			cp, app, person = party{SideCompany, cand}, cand, o.Stay
		}
		switch {
		case !allowed(r, cs, cp.side, cand, cand):
			return bot.Refuse("day.not_yours")
		case o.Taken != "":
			return bot.Refuse("day.offer.taken")
		case !o.Start.After(r.Now()):
			return bot.Refuse("day.offer.late")
		}
		// The offer may have gone stale since it was made: re-check that
		// both sides are present and free and do not meet already.
		why := o.Withdrawn
		if why == "" {
			why = o.Dropped[cand]
		}
		if why == "" {
			why = wholeStale(d, *o)
		}
		if why == "" {
			why = candStale(d, *o, cand)
		}
		if why != "" {
			st, err := m.recipientsOf(tx, cs, party{o.Side, o.Stay})
			if err != nil {
				return err
			}
			return bot.Refuse("day.offer.withdrawn."+why, m.offerArgs(r.Lang, m.env.Zone(tx, r.User), ev, *o, st.name)...)
		}
		o.Taken = cand
		d.Plan.NextID++
		mt := Meeting{ID: d.Plan.NextID, App: app, Person: person, Slot: o.Slot, Table: o.Table, Span: o.Span}
		d.Plan.Meetings = append(d.Plan.Meetings, mt)
		if err := m.meetingReminders(tx, r.WS.ID, ev, cs, d.Plan, mt, true); err != nil {
			return err
		}
		cr, err := m.recipientsOf(tx, cs, cp)
		if err != nil {
			return err
		}
		st, err := m.recipientsOf(tx, cs, party{o.Side, o.Stay})
		if err != nil {
			return err
		}
		for i, u := range st.us {
			loc := m.env.Zone(tx, u)
			msg := chat.Message{Text: m.env.Cat.T(st.langs[i], "day.offer.new_meeting", "Time", m.env.Clock(st.langs[i], o.Start, loc), "Table", o.Table, "Other", cr.name)}
			k := outbox.NewKey(r.WS.ID, "day", event, "meetings", d.Plan.ver(), "repaired", strconv.Itoa(mt.ID), u.User)
			if _, err := outbox.Enqueue(tx, k, chat.DM(u), msg); err != nil {
				return err
			}
		}
		upd = chat.Message{Text: r.T("day.offer.yours", "Time", m.env.Clock(r.Lang, o.Start, m.env.Zone(tx, r.User)), "Table", o.Table, "Other", st.name)}
		// The new meeting makes the taker's (and the side's) other offers
		// of that slot, or with each other, stale.
		if err := m.withdrawStale(tx, r.WS.ID, ev, cs, &d); err != nil {
			return err
		}
		if err := saveDay(tx, r.WS.ID, d); err != nil {
			return err
		}
		return r.Audit(tx, "meetings.repair", party{o.Side, o.Stay}.key(), cp.key())
	})
	if err != nil {
		return chat.Response{}, fmt.Errorf("accept offer: %w", err)
	}
	return chat.Response{Update: &upd}, nil
}
