package day

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/kipina/kipina/bot"
	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/bot/format"
	"github.com/kipina/kipina/bot/round"
	"github.com/kipina/kipina/matching"
	"github.com/kipina/kipina/storage"
)

// planInput is what a schedule is built from.
type planInput struct {
	cs      cast
	slots   []Span
	tables  int
	pitches map[string]Span
	wants   map[string]matching.Interest // by wantKey
	absent  map[string]bool
	suggest func(c, p int) float64
}

// build runs matching.ScheduleMeetings on the day's data: a company's
// pitch blocks the slots it overlaps, absent parties take no meetings.
func build(in planInput) (Plan, matching.Schedule) {
	cs, ev := in.cs, in.cs.ev.ID
	companies := make([]string, len(cs.companies))
	for i, a := range cs.companies {
		companies[i] = a.ID
	}
	people := make([]string, len(cs.people))
	for i, p := range cs.people {
		people[i] = p.Ref.User
	}
	si := matching.ScheduleInput{
		Companies: companies, People: people, Slots: len(in.slots), Tables: in.tables, Suggest: in.suggest,
		Want: func(side, c, p int) matching.Interest {
			if in.absent["c/"+companies[c]] || in.absent["p/"+people[p]] {
				return matching.InterestNone
			}
			if side == 0 {
				return in.wants[wantKey(ev, SideCompany, companies[c], people[p])]
			}
			return in.wants[wantKey(ev, SidePerson, people[p], companies[c])]
		},
		Busy: func(side, idx, slot int) bool {
			if side != 0 {
				return false
			}
			p, ok := in.pitches[companies[idx]]
			return ok && p.Overlaps(in.slots[slot])
		},
	}
	s := matching.ScheduleMeetings(si)
	plan := Plan{Slots: in.slots, Tables: in.tables, Weight: s.Weight, Bound: s.Bound}
	for _, mt := range s.Meetings {
		plan.NextID++
		plan.Meetings = append(plan.Meetings, Meeting{ID: plan.NextID, App: companies[mt.Company], Person: people[mt.Person],
			Slot: mt.Slot, Table: mt.Table + 1, Span: in.slots[mt.Slot]})
	}
	for _, u := range s.Unplaced {
		plan.Unplaced = append(plan.Unplaced, Miss{App: companies[u.Company], Person: people[u.Person], Weight: u.Weight, Reason: u.Reason})
	}
	return plan, s
}

// planDraft builds a draft schedule and previews it to the organiser.
func (m *mod) planDraft(_ context.Context, r *bot.Request) (chat.Response, error) {
	ev, err := loadEvent(r, r.Args[0])
	if err != nil {
		return chat.Response{}, err
	}
	usage := func(w string) (chat.Response, error) {
		return chat.Response{}, bot.Refuse("day.plan.usage", "Word", w)
	}
	o, word := parseOptions(r.Args[1:], "slot", "window", "tables", "break", "remind")
	if word != "" {
		return usage(word)
	}
	slotMin, err := o.minutes("slot", 15, 5, 120)
	if err != nil {
		return usage(wordOf(err, "slot="+o.last("slot", "")))
	}
	tables, err := o.minutes("tables", 0, 0, 1000)
	if err != nil {
		return usage(wordOf(err, "tables="+o.last("tables", "")))
	}
	remind, err := o.minutes("remind", 5, 0, 120)
	if err != nil {
		return usage(wordOf(err, "remind="+o.last("remind", "")))
	}
	win, err := parseSpans(ev.Date, r.WS.Loc, []string{o.last("window", "13:00-16:00")})
	if err != nil || len(win) != 1 {
		return usage("window=" + o.last("window", ""))
	}
	extra, err := parseSpans(ev.Date, r.WS.Loc, o["break"])
	if err != nil {
		return usage("break=" + wordOf(err, strings.Join(o["break"], ",")))
	}
	var out string
	err = r.Update(func(tx *storage.Tx) error {
		d, err := loadDay(tx, r.WS.ID, ev.ID)
		if err != nil {
			return err
		}
		cs, err := m.loadCast(tx, r.WS.ID, ev)
		if err != nil {
			return err
		}
		in := planInput{cs: cs, tables: tables, pitches: map[string]Span{}, wants: map[string]matching.Interest{}, absent: d.Absent}
		in.slots = slotsIn(win[0], time.Duration(slotMin)*time.Minute, append(append([]Span(nil), d.Agenda.Breaks...), extra...), matching.MaxSlots)
		if d.Agenda.SlotMin > 0 {
			if err := m.refresh(tx, r.WS.ID, in.cs, &d.Agenda); err != nil {
				return err
			}
			for _, p := range layout(d.Agenda) {
				in.pitches[p.App] = p.Span
			}
		}
		err = Wants.Scan(tx, r.WS.ID, ev.ID+"/", func(k string, v matching.Interest) error { in.wants[k] = v; return nil })
		if err != nil {
			return err
		}
		// The matching scores are read before the schedule is built: its
		// Suggest callback has no way to report a failed read.
		scores := make([][]float64, len(cs.companies))
		for c, a := range cs.companies {
			sc, err := scoresOf(tx, r.WS.ID, a.ID)
			if err != nil {
				return err
			}
			scores[c] = make([]float64, len(cs.people))
			for p, pp := range cs.people {
				scores[c][p] = sc.of(pp)
			}
		}
		in.suggest = func(c, p int) float64 { return scores[c][p] }
		plan, _ := build(in)
		plan.SlotMin, plan.RemindMin, plan.Built = slotMin, remind, r.Now()
		d.Draft = &plan
		out = m.preview(r, ev, in.cs, plan)
		if err := saveDay(tx, r.WS.ID, d); err != nil {
			return err
		}
		return r.Audit(tx, "meetings.draft", "event/"+ev.ID, fmt.Sprintf("%d meetings, weight %.0f/%.0f", len(plan.Meetings), plan.Weight, plan.Bound))
	})
	if err != nil {
		return chat.Response{}, fmt.Errorf("meetings schedule: %w", err)
	}
	return r.ReplyText(out)
}

// preview describes a draft: size, quality, meetings per company and
// person, and the must-meets left out with why.
func (m *mod) preview(r *bot.Request, ev round.Event, cs cast, plan Plan) string {
	var sb strings.Builder
	pct := 100.0
	if plan.Bound > 0 {
		pct = 100 * plan.Weight / plan.Bound
	}
	tables := r.T("day.plan.no_limit")
	if plan.Tables > 0 {
		tables = fmt.Sprint(plan.Tables)
	}
	sb.WriteString(r.T("day.plan.head", "Event", ev.NameIn(r.Lang), "Meetings", len(plan.Meetings), "Slots", len(plan.Slots), "Slot", plan.SlotMin, "Tables", tables,
		"Weight", fmt.Sprintf("%.0f", plan.Weight), "Bound", fmt.Sprintf("%.0f", plan.Bound), "Percent", format.PercentValue(r.Lang, pct, 1)))
	if len(plan.Slots) > 0 {
		sb.WriteString("\n" + r.T("day.plan.window", "Start", m.env.Clock(r.Lang, plan.Slots[0].Start, r.WS.Loc), "End", m.env.Clock(r.Lang, plan.Slots[len(plan.Slots)-1].End, r.WS.Loc)))
	}
	perC, perP := map[string]int{}, map[string]int{}
	for _, mt := range plan.Meetings {
		perC[mt.App]++
		perP[mt.Person]++
	}
	var comp, ppl []string
	for _, a := range cs.companies {
		comp = append(comp, fmt.Sprintf("%s %d", a.ID, perC[a.ID]))
	}
	for _, p := range cs.people {
		ppl = append(ppl, fmt.Sprintf("@%s %d", p.Ref.User, perP[p.Ref.User]))
	}
	sb.WriteString("\n" + r.T("day.plan.per_company") + " " + summary(comp, perC, cs.companies, nil))
	sb.WriteString("\n" + r.T("day.plan.per_person") + " " + summary(ppl, perP, nil, cs.people))
	var must []string
	for _, u := range plan.Unplaced {
		if u.Weight == matching.WeightMustMust || u.Weight == matching.WeightMustWould || u.Weight == matching.WeightMustNone {
			must = append(must, fmt.Sprintf("• %s – @%s (%s): %s", companyName(cs.appOr(u.App)), u.Person, r.T(weightID(u.Weight)), r.T("day.reason."+u.Reason)))
		}
	}
	if len(must) == 0 {
		sb.WriteString("\n" + r.T("day.plan.all_must"))
	} else {
		sb.WriteString("\n" + r.T("day.plan.must_left", "Count", len(must)))
		if len(must) > 30 {
			must = append(must[:30], "…")
		}
		sb.WriteString("\n" + strings.Join(must, "\n"))
	}
	sb.WriteString("\n" + r.T("day.plan.next", "Event", ev.ID))
	return sb.String()
}

// summary lists counts in full for up to 40 parties, else as min, median
// and max and the parties with none.
func summary(items []string, counts map[string]int, companies []round.Application, people []person) string {
	if len(items) <= 40 {
		return strings.Join(items, ", ")
	}
	var ns []int
	var zero []string
	for _, a := range companies {
		ns = append(ns, counts[a.ID])
		if counts[a.ID] == 0 {
			zero = append(zero, a.ID)
		}
	}
	for _, p := range people {
		ns = append(ns, counts[p.Ref.User])
		if counts[p.Ref.User] == 0 {
			zero = append(zero, chat.Mention(p.Ref))
		}
	}
	sort.Ints(ns)
	s := fmt.Sprintf("min %d / median %d / max %d", ns[0], ns[len(ns)/2], ns[len(ns)-1])
	if len(zero) > 0 {
		if len(zero) > 20 {
			zero = append(zero[:20], "…")
		}
		s += "; 0: " + strings.Join(zero, ", ")
	}
	return s
}

// weightID names a pair's kind of interest.
func weightID(w float64) string {
	switch w {
	case matching.WeightMustMust:
		return "day.weight.must_must"
	case matching.WeightMustWould:
		return "day.weight.must_would"
	default:
		return "day.weight.must_none"
	}
}
