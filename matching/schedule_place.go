package matching

import (
	"math/bits"
	"sort"
)

// mustSearchBudget bounds the exact search for a placement of all mutual
// must-meet pairs (search nodes).
const mustSearchBudget = 200_000

// schedPair is a pair with interest; slot is -1 while unplaced.
type schedPair struct {
	c, p, w int
	sug     float64
	common  uint64 // slots where neither is busy
	slot    int
}

// schedState is the working schedule: slot sets as bitmasks.
type schedState struct {
	nC, nP, nSlots, tables int
	freeC, freeP           []uint64 // not busy
	occC, occP             []uint64 // taken by a meeting
	atC, atP               []int32  // pair in [who*nSlots+slot], -1 if none
	slotCnt                []int
	pairs                  []schedPair
	byWeight               []int // heaviest first, then company, person
	cntC, cntP             []int
}

func newSchedState(in ScheduleInput) *schedState {
	st := &schedState{nC: len(in.Companies), nP: len(in.People), nSlots: min(max(in.Slots, 0), MaxSlots), tables: in.Tables}
	if st.tables <= 0 {
		st.tables = st.nC
	}
	all := uint64(1)<<st.nSlots - 1
	if st.nSlots == 64 {
		all = ^uint64(0)
	}
	mask := func(side, idx int) uint64 {
		m := all
		if in.Busy != nil {
			for s := 0; s < st.nSlots; s++ {
				if in.Busy(side, idx, s) {
					m &^= 1 << s
				}
			}
		}
		return m
	}
	st.freeC, st.occC, st.cntC = make([]uint64, st.nC), make([]uint64, st.nC), make([]int, st.nC)
	st.freeP, st.occP, st.cntP = make([]uint64, st.nP), make([]uint64, st.nP), make([]int, st.nP)
	for c := range st.freeC {
		st.freeC[c] = mask(0, c)
	}
	for p := range st.freeP {
		st.freeP[p] = mask(1, p)
	}
	st.atC = schedFill(make([]int32, st.nC*st.nSlots))
	st.atP = schedFill(make([]int32, st.nP*st.nSlots))
	st.slotCnt = make([]int, st.nSlots)
	if in.Want != nil {
		for c := 0; c < st.nC; c++ {
			for p := 0; p < st.nP; p++ {
				w := PairWeight(in.Want(0, c, p), in.Want(1, c, p))
				if w == 0 {
					continue
				}
				pr := schedPair{c: c, p: p, w: w, common: st.freeC[c] & st.freeP[p], slot: -1}
				if in.Suggest != nil {
					pr.sug = in.Suggest(c, p)
				}
				st.pairs = append(st.pairs, pr)
			}
		}
	}
	st.byWeight = make([]int, len(st.pairs))
	for i := range st.byWeight {
		st.byWeight[i] = i
	}
	sort.SliceStable(st.byWeight, func(i, j int) bool { return st.pairs[st.byWeight[i]].w > st.pairs[st.byWeight[j]].w })
	return st
}

func schedFill(s []int32) []int32 {
	for i := range s {
		s[i] = -1
	}
	return s
}

func (st *schedState) open() uint64 {
	var m uint64
	for s, n := range st.slotCnt {
		if n < st.tables {
			m |= 1 << s
		}
	}
	return m
}

// avail is the set of slots where pair pi could go right now.
func (st *schedState) avail(pi int) uint64 {
	pr := &st.pairs[pi]
	return pr.common &^ st.occC[pr.c] &^ st.occP[pr.p] & st.open()
}

func (st *schedState) place(pi, s int) {
	pr := &st.pairs[pi]
	pr.slot = s
	st.occC[pr.c] |= 1 << s
	st.occP[pr.p] |= 1 << s
	st.atC[pr.c*st.nSlots+s] = int32(pi)
	st.atP[pr.p*st.nSlots+s] = int32(pi)
	st.slotCnt[s]++
	st.cntC[pr.c]++
	st.cntP[pr.p]++
}

func (st *schedState) remove(pi int) {
	pr := &st.pairs[pi]
	s := pr.slot
	pr.slot = -1
	st.occC[pr.c] &^= 1 << s
	st.occP[pr.p] &^= 1 << s
	st.atC[pr.c*st.nSlots+s] = -1
	st.atP[pr.p*st.nSlots+s] = -1
	st.slotCnt[s]--
	st.cntC[pr.c]--
	st.cntP[pr.p]--
}

// pick chooses the slot of mask with the fewest meetings, lowest first.
func (st *schedState) pick(mask uint64) int {
	best := -1
	for m := mask; m != 0; m &= m - 1 {
		s := bits.TrailingZeros64(m)
		if best < 0 || st.slotCnt[s] < st.slotCnt[best] {
			best = s
		}
	}
	return best
}

// tryPlace places pair pi in a free slot, or makes one by moving a single
// existing meeting elsewhere. It reports success; existing meetings stay
// placed either way.
func (st *schedState) tryPlace(pi int) bool {
	if m := st.avail(pi); m != 0 {
		st.place(pi, st.pick(m))
		return true
	}
	pr := st.pairs[pi]
	for m := pr.common; m != 0; m &= m - 1 {
		s := bits.TrailingZeros64(m)
		mc, mp := st.atC[pr.c*st.nSlots+s], st.atP[pr.p*st.nSlots+s]
		switch {
		case mc >= 0 && mp >= 0:
			continue
		case mc >= 0:
			if st.move(int(mc), s) {
				st.place(pi, s)
				return true
			}
		case mp >= 0:
			if st.move(int(mp), s) {
				st.place(pi, s)
				return true
			}
		default: // both free, all tables taken: move any meeting of slot s
			for c := 0; c < st.nC; c++ {
				if q := st.atC[c*st.nSlots+s]; q >= 0 && st.move(int(q), s) {
					st.place(pi, s)
					return true
				}
			}
		}
	}
	return false
}

// move re-places meeting qi in some slot other than not, if one is free.
func (st *schedState) move(qi, not int) bool {
	old := st.pairs[qi].slot
	st.remove(qi)
	if m := st.avail(qi) &^ (1 << not); m != 0 {
		st.place(qi, st.pick(m))
		return true
	}
	st.place(qi, old)
	return false
}

// placeMust places the mutual must-meet pairs, with an exact search if the
// greedy leaves any out.
func (st *schedState) placeMust() {
	var must []int
	for _, pi := range st.byWeight {
		if st.pairs[pi].w == WeightMustMust {
			must = append(must, pi)
		}
	}
	sort.SliceStable(must, func(i, j int) bool {
		return bits.OnesCount64(st.pairs[must[i]].common) < bits.OnesCount64(st.pairs[must[j]].common)
	})
	ok := true
	for _, pi := range must {
		if st.pairs[pi].common != 0 && !st.tryPlace(pi) {
			ok = false
		}
	}
	if ok {
		return
	}
	greedy := make([]int, len(must))
	for i, pi := range must {
		greedy[i] = st.pairs[pi].slot
		if greedy[i] >= 0 {
			st.remove(pi)
		}
	}
	nodes := 0
	var todo []int
	for _, pi := range must {
		if st.pairs[pi].common != 0 {
			todo = append(todo, pi)
		}
	}
	if st.searchMust(todo, &nodes) {
		return
	}
	for i, pi := range must { // search failed or gave up: keep the greedy
		if greedy[i] >= 0 {
			st.place(pi, greedy[i])
		}
	}
}

// searchMust is a backtracking search placing every pair of todo, the most
// constrained first. It leaves them placed when it succeeds.
func (st *schedState) searchMust(todo []int, nodes *int) bool {
	*nodes++
	if *nodes > mustSearchBudget {
		return false
	}
	best, bestN := -1, 1<<30
	for i, pi := range todo {
		if st.pairs[pi].slot >= 0 {
			continue
		}
		n := bits.OnesCount64(st.avail(pi))
		if n < bestN {
			best, bestN = i, n
		}
	}
	if best < 0 {
		return true
	}
	if bestN == 0 {
		return false
	}
	pi := todo[best]
	for m := st.avail(pi); m != 0; m &= m - 1 {
		st.place(pi, bits.TrailingZeros64(m))
		if st.searchMust(todo, nodes) {
			return true
		}
		st.remove(pi)
		if *nodes > mustSearchBudget {
			return false
		}
	}
	return false
}
