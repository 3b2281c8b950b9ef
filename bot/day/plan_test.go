package day

import (
	"fmt"
	"testing"
	"time"

	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/bot/round"
	"github.com/kipina/kipina/matching"
	"pgregory.net/rapid"
)

// TestBuildProperties: the bot-side use of ScheduleMeetings keeps a
// company's pitch free, never double-books a company, a person or a table,
// gives absent parties nothing, and turns slots into the right times.
func TestBuildProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		nC, nP := rapid.IntRange(1, 8).Draw(t, "nC"), rapid.IntRange(1, 6).Draw(t, "nP")
		cs := cast{ev: round.Event{ID: "e"}, appIdx: map[string]int{}, personIdx: map[string]int{}}
		for i := 0; i < nC; i++ {
			id := fmt.Sprintf("H%04d", i+1)
			cs.appIdx[id] = i
			cs.companies = append(cs.companies, round.Application{ID: id})
		}
		for i := 0; i < nP; i++ {
			u := chat.UserRef{Platform: "shell", Workspace: "demo", User: fmt.Sprint("p", i)}
			cs.personIdx[u.User] = i
			cs.people = append(cs.people, person{Ref: u})
		}
		slots := slotsIn(Span{Start: base, End: base.Add(2 * time.Hour)}, time.Duration(rapid.SampledFrom([]int{10, 15, 20}).Draw(t, "len"))*time.Minute, nil, 64)
		in := planInput{cs: cs, slots: slots, tables: rapid.IntRange(0, 4).Draw(t, "tables"), pitches: map[string]Span{}, wants: map[string]matching.Interest{}, absent: map[string]bool{}}
		for _, a := range cs.companies {
			if rapid.Bool().Draw(t, "pitches") {
				s := base.Add(time.Duration(rapid.IntRange(0, 110).Draw(t, "at")) * time.Minute)
				in.pitches[a.ID] = Span{Start: s, End: s.Add(10 * time.Minute)}
			}
			for _, p := range cs.people {
				in.wants[wantKey("e", SideCompany, a.ID, p.Ref.User)] = matching.Interest(rapid.IntRange(0, 2).Draw(t, "wc"))
				in.wants[wantKey("e", SidePerson, p.Ref.User, a.ID)] = matching.Interest(rapid.IntRange(0, 2).Draw(t, "wp"))
			}
		}
		if rapid.Bool().Draw(t, "absent") {
			in.absent["p/p0"] = true
		}
		plan, s := build(in)
		if s.Weight > s.Bound || len(plan.Meetings) != len(s.Meetings) {
			t.Fatalf("weight %v > bound %v", s.Weight, s.Bound)
		}
		busy := map[string]bool{}
		perSlot := map[int]int{}
		for _, mt := range plan.Meetings {
			if mt.Span != slots[mt.Slot] {
				t.Fatalf("meeting %+v not at its slot's time", mt)
			}
			if p, ok := in.pitches[mt.App]; ok && p.Overlaps(mt.Span) {
				t.Fatalf("meeting %+v overlaps the pitch %+v", mt, p)
			}
			if in.absent["p/"+mt.Person] {
				t.Fatalf("absent person met: %+v", mt)
			}
			for _, k := range []string{"c" + mt.App, "p" + mt.Person, fmt.Sprint("t", mt.Table)} {
				k = fmt.Sprint(mt.Slot, "/", k)
				if busy[k] {
					t.Fatalf("double booking %s in %+v", k, plan.Meetings)
				}
				busy[k] = true
			}
			perSlot[mt.Slot]++
			if in.tables > 0 && (perSlot[mt.Slot] > in.tables || mt.Table < 1 || mt.Table > in.tables) {
				t.Fatalf("tables exceeded: %+v", mt)
			}
		}
	})
}

// TestOfferIDsNeverRepeat: publishing a plan drops the open offers, but a
// later offer never takes an earlier one's id, so an old Accept button
// cannot take it and their messages never share an outbox key.
func TestOfferIDsNeverRepeat(t *testing.T) {
	d := Day{Offers: []Offer{{ID: 1}, {ID: 2}}} // stored before LastOffer was kept
	if id := d.nextOffer(); id != 3 {
		t.Fatalf("next offer = %d, want 3", id)
	}
	d.Offers = nil // a plan published again
	if id := d.nextOffer(); id != 4 {
		t.Fatalf("next offer after republishing = %d, want 4", id)
	}
}
