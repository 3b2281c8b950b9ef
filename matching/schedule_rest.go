package matching

import (
	"container/heap"
	"math/bits"
)

// placeRest places the pairs other than mutual must-meets, one weight class
// at a time, heaviest first. Within a class the pair whose company and
// person have the fewest meetings so far goes first (fairness), then higher
// Suggest, then lower indices; counts only grow, so a lazy heap is exact.
func (st *schedState) placeRest() {
	for i := 0; i < len(st.byWeight); {
		w := st.pairs[st.byWeight[i]].w
		h := &schedHeap{}
		for ; i < len(st.byWeight) && st.pairs[st.byWeight[i]].w == w; i++ {
			pi := st.byWeight[i]
			if w == WeightMustMust || st.pairs[pi].common == 0 {
				continue
			}
			h.items = append(h.items, st.item(pi))
		}
		h.st = st
		heap.Init(h)
		for h.Len() > 0 {
			it := heap.Pop(h).(schedItem)
			if cur := st.item(it.pi); cur.load != it.load {
				heap.Push(h, cur)
				continue
			}
			st.tryPlace(it.pi)
		}
	}
}

type schedItem struct{ pi, load int }

func (st *schedState) item(pi int) schedItem {
	pr := &st.pairs[pi]
	return schedItem{pi: pi, load: st.cntC[pr.c] + st.cntP[pr.p]}
}

type schedHeap struct {
	st    *schedState
	items []schedItem
}

func (h *schedHeap) Len() int { return len(h.items) }
func (h *schedHeap) Less(i, j int) bool {
	a, b := h.items[i], h.items[j]
	if a.load != b.load {
		return a.load < b.load
	}
	pa, pb := &h.st.pairs[a.pi], &h.st.pairs[b.pi]
	if pa.sug != pb.sug {
		return pa.sug > pb.sug
	}
	return a.pi < b.pi // pairs are created in (company, person) order
}
func (h *schedHeap) Swap(i, j int) { h.items[i], h.items[j] = h.items[j], h.items[i] }
func (h *schedHeap) Push(x any)    { h.items = append(h.items, x.(schedItem)) }
func (h *schedHeap) Pop() any {
	x := h.items[len(h.items)-1]
	h.items = h.items[:len(h.items)-1]
	return x
}

// placedOrder lists the placed pairs.
func (st *schedState) placedOrder() []int {
	var out []int
	for pi := range st.pairs {
		if st.pairs[pi].slot >= 0 {
			out = append(out, pi)
		}
	}
	return out
}

// reason explains why pair pi is unplaced in the final schedule.
func (st *schedState) reason(pi int) string {
	pr := &st.pairs[pi]
	switch {
	case pr.common == 0:
		return ReasonNoCommonFreeSlot
	case st.freeC[pr.c]&^st.occC[pr.c] == 0 || st.freeP[pr.p]&^st.occP[pr.p] == 0:
		return ReasonCapacity
	case pr.common&^st.occC[pr.c]&^st.occP[pr.p] != 0:
		return ReasonTablesFull
	}
	return ReasonSchedulesClash
}

// bound solves the relaxation described in ScheduleMeetings exactly as a
// maximum-weight flow: source → company (capacity: free slots) → person
// (one arc per pair sharing a free slot, cost −weight) → sink (capacity:
// free slots) → terminal (capacity: total table-slots usable).
func (st *schedState) bound() int {
	src, sink, term := 0, 1+st.nC+st.nP, 2+st.nC+st.nP
	g := newFlowNet(term + 1)
	for c := 0; c < st.nC; c++ {
		g.addArc(src, 1+c, int32(bits.OnesCount64(st.freeC[c])), 0)
	}
	for p := 0; p < st.nP; p++ {
		g.addArc(1+st.nC+p, sink, int32(bits.OnesCount64(st.freeP[p])), 0)
	}
	arcs := make([]int, len(st.pairs))
	for pi, pr := range st.pairs {
		arcs[pi] = -1
		if pr.common != 0 {
			arcs[pi] = g.addArc(1+pr.c, 1+st.nC+pr.p, 1, -int64(pr.w))
		}
	}
	k := 0
	for s := 0; s < st.nSlots; s++ {
		var fc, fp int
		for _, m := range st.freeC {
			fc += int(m >> s & 1)
		}
		for _, m := range st.freeP {
			fp += int(m >> s & 1)
		}
		k += min(st.tables, fc, fp)
	}
	g.addArc(sink, term, int32(k), 0)
	g.initPotentials()
	g.run(src, term, int64(k), true)
	total := 0
	for pi, a := range arcs {
		if a >= 0 && g.flow(a) > 0 {
			total += st.pairs[pi].w
		}
	}
	return total
}
