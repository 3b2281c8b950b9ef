package matching

import "sort"

// Interest is how much one side wants to meet the other.
type Interest int

// Interest levels.
const (
	InterestNone  Interest = 0
	InterestWould Interest = 1 // would like to meet
	InterestMust  Interest = 2 // must meet
)

// Pair weights by the two sides' interests (one-sided interest counts less
// than mutual interest). A pair with weight 0 is never scheduled.
const (
	WeightMustMust   = 100 // both must meet
	WeightMustWould  = 40  // one must, the other would like to
	WeightWouldWould = 20  // both would like to
	WeightMustNone   = 8   // one side must, the other has no interest
	WeightWouldNone  = 3   // one side would like to, the other has no interest
)

// MaxSlots is the largest number of slots ScheduleMeetings uses; slots
// beyond it stay empty.
const MaxSlots = 64

// Reasons an interesting pair stays unplaced (Unplaced.Reason).
const (
	// ReasonNoCommonFreeSlot: their calendars (Busy) share no slot at all.
	ReasonNoCommonFreeSlot = "no-common-free-slot"
	// ReasonCapacity: the company or the person has every available slot
	// taken by meetings that weigh at least as much.
	ReasonCapacity = "capacity"
	// ReasonTablesFull: both are free in some slot, but all its tables are
	// taken.
	ReasonTablesFull = "tables-full"
	// ReasonSchedulesClash: both still have free slots, but none in common.
	ReasonSchedulesClash = "schedules-clash"
)

// ScheduleInput describes the one-to-one meetings of an event day between
// companies (side 0) and people of the city (side 1), indexed by their
// position in Companies and People.
type ScheduleInput struct {
	Companies, People []string
	// Slots is the number of time slots (at most MaxSlots are used).
	Slots int
	// Tables is the number of meetings that fit in one slot; zero or less
	// means no limit.
	Tables int
	// Want reports interest: side 0 asks whether company c wants to meet
	// person p, side 1 whether person p wants to meet company c. Nil means
	// no interest at all.
	Want func(side, c, p int) Interest
	// Busy reports a blocked slot (a pitch, a break): side 0 for company
	// idx, side 1 for person idx. Nil means always free.
	Busy func(side, idx, slot int) bool
	// Suggest optionally breaks ties between pairs of equal weight and equal
	// fairness, higher first; values are expected in [0,1].
	Suggest func(c, p int) float64
}

// Meeting is one scheduled meeting. Tables are numbered from 0 in each slot.
type Meeting struct{ Company, Person, Slot, Table int }

// Schedule is the result of ScheduleMeetings.
type Schedule struct {
	// Meetings are sorted by slot, then table.
	Meetings []Meeting
	// Weight is the total pair weight of the meetings.
	Weight float64
	// Bound is an upper bound on Weight for any valid schedule (see
	// ScheduleMeetings); Weight/Bound measures quality.
	Bound float64
	// Unplaced lists every pair with some interest that got no meeting,
	// heaviest first.
	Unplaced []Unplaced
}

// Unplaced explains why a pair with interest got no meeting.
type Unplaced struct {
	Company, Person int
	// Weight is the pair's weight (its priority).
	Weight float64
	// Reason is one of the Reason… codes.
	Reason string
}

// PairWeight is the weight of a pair from the company's interest in the
// person and the person's interest in the company.
func PairWeight(company, person Interest) int {
	hi, lo := company, person
	if lo > hi {
		hi, lo = lo, hi
	}
	switch {
	case hi >= InterestMust && lo >= InterestMust:
		return WeightMustMust
	case hi >= InterestMust && lo == InterestWould:
		return WeightMustWould
	case hi == InterestWould && lo == InterestWould:
		return WeightWouldWould
	case hi >= InterestMust:
		return WeightMustNone
	case hi == InterestWould:
		return WeightWouldNone
	}
	return 0
}

// ScheduleMeetings places meetings into slots and tables. Hard constraints:
// nobody is in two meetings in one slot, a slot holds at most Tables
// meetings, busy slots stay free, and a pair meets at most once.
//
// Goals, in order: place every mutual must-meet pair whenever the instance
// allows it; maximise total weight; spread meetings fairly (among pairs of
// equal weight, those whose company and person have fewer meetings so far go
// first, then higher Suggest, then lower indices).
//
// Method: mutual must-meet pairs are placed first, greedily with a one-move
// repair; if any is left, an exact backtracking search over the must-meet
// pairs alone (bounded at mustSearchBudget nodes, ample for small and
// medium instances) finds a placement of all of them when one exists. Then
// the other pairs, heaviest class first, are placed greedily; a pair with no
// common free slot tries a repair that moves one existing meeting to another
// slot. This is a heuristic: the weight is not guaranteed optimal.
//
// Bound is the optimum of a relaxation solved exactly as a min-cost flow:
// a maximum-weight set of pairs in which each company and person meets at
// most as often as they have free slots, pairs share a free slot, and the
// total is at most Σ_slots min(Tables, free companies, free people). It
// ignores which slot each meeting takes, so Weight ≤ Bound always.
//
// The result is deterministic.
func ScheduleMeetings(in ScheduleInput) Schedule {
	st := newSchedState(in)
	st.placeMust()
	st.placeRest()
	out := Schedule{Bound: float64(st.bound())}
	cnt := make([]int, st.nSlots)
	for _, pi := range st.placedOrder() {
		pr := st.pairs[pi]
		out.Meetings = append(out.Meetings, Meeting{Company: pr.c, Person: pr.p, Slot: pr.slot})
		out.Weight += float64(pr.w)
	}
	sort.Slice(out.Meetings, func(i, j int) bool {
		a, b := out.Meetings[i], out.Meetings[j]
		if a.Slot != b.Slot {
			return a.Slot < b.Slot
		}
		if a.Company != b.Company {
			return a.Company < b.Company
		}
		return a.Person < b.Person
	})
	for i := range out.Meetings {
		s := out.Meetings[i].Slot
		out.Meetings[i].Table = cnt[s]
		cnt[s]++
	}
	for _, pi := range st.byWeight {
		pr := st.pairs[pi]
		if pr.slot < 0 {
			out.Unplaced = append(out.Unplaced, Unplaced{Company: pr.c, Person: pr.p, Weight: float64(pr.w), Reason: st.reason(pi)})
		}
	}
	return out
}
