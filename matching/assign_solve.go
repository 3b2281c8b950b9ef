package matching

// The assignment network is apps → jurors → sink: each app supplies R units,
// an app→juror arc has capacity 1 and cost arcCost, and juror j's k-th unit
// to the sink costs k (k > MinLoad; the first MinLoad units are forced).
// Application nodes never hold excess: every app sends exactly R units from
// the start. So the successive-shortest-path search runs on the jurors and
// the sink alone (nJ+1 nodes), and a residual path through an app a,
// j1 → a → j2, is a condensed arc j1 → j2 "move a's review from j1 to j2"
// of cost arcCost(a,j2) − arcCost(a,j1). For each ordered pair (j1, j2) a
// heap holds the apps that can make that move, cheapest first; the arc's
// cost is the heap's top, mirrored in a dense matrix for the search. Entries
// that went stale (the app left j1 or got j2) stay in the heap until they
// reach its top; a move re-checks the tops it can have spoiled. The heaps of
// the moves out of j1 are only built when the search first reaches j1.
//
// State: in[a][j] (the assignment), load[j], and sink[j], the number of
// units juror j sends to the sink (MinLoad ≤ sink[j] ≤ MaxLoad). Juror j's
// excess is load[j] − sink[j]; the sink's is Σ sink − R·nA. Residual arcs:
//
//	j1 → j2  via app a with j1 ∈ a, j2 ∉ a     cost arcCost(a,j2) − arcCost(a,j1)
//	j  → t   when sink[j] < MaxLoad            cost sink[j] + 1
//	t  → j   when sink[j] > MinLoad            cost −sink[j]
//
// Potentials pot (jurors, then t) keep every residual arc's reduced cost
// c + pot[u] − pot[v] non-negative: that makes the pseudoflow optimal for
// its own excesses, and a flow (no excess left) optimal outright. For the
// arcs through apps this is exactly the condition on the eliminated app
// nodes: an app potential exists iff no move j1 → j2 has negative reduced
// cost. Each step is a Dijkstra from all excess nodes to the nearest deficit
// node on the reduced costs, a potential update, and one unit along the
// path (then more along the same path while its reduced cost stays zero);
// both keep the invariant, so the final flow is exactly optimal.

// assignSolution is one solved flow.
type assignSolution struct {
	assignment Assignment
}

// asgMove is a heap entry: app can move a review from j1 to j2 of the heap
// (j1, j2) at cost key.
type asgMove struct {
	key int64
	app int32
}

func asgMoveLess(x, y asgMove) bool { return x.key < y.key || (x.key == y.key && x.app < y.app) }

type asgFlow struct {
	p      *assignProblem
	nJ     int
	t      int       // the sink's node index, nJ
	cand   [][]int   // allowed jurors per app
	cost   []int64   // cost[a*nJ+j], valid where allowed
	in     []bool    // in[a*nJ+j]: j reviews a
	load   []int     // reviews per juror
	sink   []int     // units juror j sends to the sink
	excess []int     // per node (jurors, then t)
	pot    []int64   // per node
	moves  []asgHeap // moves[j1*nJ+j2]
	// topKey and topApp mirror each heap's top, which is always valid
	// (flowInf and -1 when the heap is empty): the dense matrix Dijkstra
	// reads.
	topKey []int64
	topApp []int32
	built  []bool // row j1 of the heaps exists (built when j1 is first searched)

	dist []int64
	done []bool
	pred []int32 // predecessor node on the shortest path
	via  []int32 // app of the move into the node, -1 for a sink arc
	path []asgStep
	heap flowHeap
}

// asgStep is one arc of an augmenting path; app is -1 for a sink arc.
type asgStep struct{ u, v, app int32 }

// solve runs the min-cost flow on the candidate arcs cand[a] (each app's
// allowed jurors). ok is false when this arc set admits no feasible flow.
func (p *assignProblem) solve(cand [][]int) (assignSolution, bool) {
	f := p.newAsgFlow(cand)
	f.start()
	if !f.run() {
		return assignSolution{}, false
	}
	return assignSolution{assignment: f.assignment()}, true
}

func (p *assignProblem) newAsgFlow(cand [][]int) *asgFlow {
	nJ := p.nJ
	f := &asgFlow{
		p: p, nJ: nJ, t: nJ, cand: cand,
		cost:   make([]int64, p.nA*nJ),
		in:     make([]bool, p.nA*nJ),
		load:   make([]int, nJ),
		sink:   make([]int, nJ),
		excess: make([]int, nJ+1),
		pot:    make([]int64, nJ+1),
		moves:  make([]asgHeap, nJ*nJ),
		topKey: make([]int64, nJ*nJ),
		topApp: make([]int32, nJ*nJ),
		built:  make([]bool, nJ),
		dist:   make([]int64, nJ+1),
		done:   make([]bool, nJ+1),
		pred:   make([]int32, nJ+1),
		via:    make([]int32, nJ+1),
	}
	for a, js := range cand {
		for _, j := range js {
			f.cost[a*nJ+j] = p.arcCost(a, j)
		}
	}
	return f
}

// choose gives every app its R cheapest allowed jurors under the current
// juror potentials (cost − pot, ties to the lower index), which makes every
// move's reduced cost non-negative.
func (f *asgFlow) choose() {
	p, nJ := f.p, f.nJ
	clear(f.in)
	clear(f.load)
	best := make([]int, 0, p.r+1)
	for a, js := range f.cand {
		row := f.cost[a*nJ : (a+1)*nJ]
		red := func(j int) int64 { return row[j] - f.pot[j] }
		best = best[:0]
		for _, j := range js {
			if len(best) == p.r && !asgBefore(red(j), j, red(best[p.r-1]), best[p.r-1]) {
				continue
			}
			i := len(best)
			if i == p.r {
				i--
			} else {
				best = append(best, 0)
			}
			for ; i > 0 && asgBefore(red(j), j, red(best[i-1]), best[i-1]); i-- {
				best[i] = best[i-1]
			}
			best[i] = j
		}
		for _, j := range best {
			f.in[a*nJ+j] = true
			f.load[j]++
		}
	}
}

func asgBefore(c1 int64, j1 int, c2 int64, j2 int) bool {
	return c1 < c2 || (c1 == c2 && j1 < j2)
}

// start sets an initial pseudoflow with potentials that certify it: juror
// potentials −clamp(greedy load), so that each juror's sink units match its
// greedy load, then every app's R best jurors under those potentials. Any
// potentials would do (the search repairs the rest); these keep the initial
// excess small when the greedy loads are feasible.
func (f *asgFlow) start() {
	p, nJ := f.p, f.nJ
	clear(f.pot)
	f.choose()
	for j := 0; j < nJ; j++ {
		f.sink[j] = min(max(f.load[j], p.minL), p.maxL)
		f.pot[j] = -int64(f.sink[j])
	}
	f.choose()
	total := 0
	for j := 0; j < nJ; j++ {
		f.excess[j] = f.load[j] - f.sink[j]
		total += f.sink[j]
	}
	f.excess[f.t] = total - p.r*p.nA
	for i := range f.topKey {
		f.topKey[i], f.topApp[i] = flowInf, -1
	}
}

// buildRow fills the heaps of the moves out of juror j1: every app j1
// reviews, to every allowed juror not reviewing it.
func (f *asgFlow) buildRow(j1 int) {
	nJ := f.nJ
	f.built[j1] = true
	size := make([]int, nJ)
	n := 0
	for a, js := range f.cand {
		row := f.in[a*nJ : (a+1)*nJ]
		if !row[j1] {
			continue
		}
		for _, j2 := range js {
			if !row[j2] {
				size[j2]++
				n++
			}
		}
	}
	backing := make([]asgMove, n)
	hs := f.moves[j1*nJ : (j1+1)*nJ]
	for j2, s := range size {
		hs[j2], backing = backing[:0:s], backing[s:]
	}
	for a, js := range f.cand {
		row := f.in[a*nJ : (a+1)*nJ]
		if !row[j1] {
			continue
		}
		crow := f.cost[a*nJ : (a+1)*nJ]
		for _, j2 := range js {
			if !row[j2] {
				hs[j2] = append(hs[j2], asgMove{crow[j2] - crow[j1], int32(a)})
			}
		}
	}
	for j2 := range hs {
		hs[j2].init()
		f.setTop(j1*nJ + j2)
	}
}

// setTop drops stale entries from the top of heap i (the app left j1 or
// got j2) and mirrors the top in topKey and topApp.
func (f *asgFlow) setTop(i int) {
	h := &f.moves[i]
	j1, j2 := i/f.nJ, i%f.nJ
	for len(*h) > 0 {
		m := (*h)[0]
		base := int(m.app) * f.nJ
		if f.in[base+j1] && !f.in[base+j2] {
			f.topKey[i], f.topApp[i] = m.key, m.app
			return
		}
		h.pop()
	}
	f.topKey[i], f.topApp[i] = flowInf, -1
}

// addMove records a valid move in heap i.
func (f *asgFlow) addMove(i int, m asgMove) {
	f.moves[i].push(m)
	if f.topApp[i] < 0 || asgMoveLess(m, asgMove{f.topKey[i], f.topApp[i]}) {
		f.topKey[i], f.topApp[i] = m.key, m.app
	}
}

// move gives app a's review of j1 to j2 and records the app's new moves.
func (f *asgFlow) move(a, j1, j2 int) {
	nJ := f.nJ
	row := f.in[a*nJ : (a+1)*nJ]
	crow := f.cost[a*nJ : (a+1)*nJ]
	row[j1], row[j2] = false, true
	f.load[j1]--
	f.load[j2]++
	// Tops that went stale: a's moves out of j1 and into j2.
	for x := 0; x < nJ; x++ {
		if f.topApp[j1*nJ+x] == int32(a) {
			f.setTop(j1*nJ + x)
		}
		if f.topApp[x*nJ+j2] == int32(a) {
			f.setTop(x*nJ + j2)
		}
	}
	for _, x := range f.cand[a] {
		if !row[x] {
			if f.built[j2] {
				f.addMove(j2*nJ+x, asgMove{crow[x] - crow[j2], int32(a)})
			}
		} else if x != j2 && f.built[x] {
			f.addMove(x*nJ+j1, asgMove{crow[j1] - crow[x], int32(a)})
		}
	}
}

// run sends every excess unit to a deficit along shortest paths. It reports
// false when some excess cannot reach any deficit (no feasible flow).
func (f *asgFlow) run() bool {
	left := 0
	for _, e := range f.excess {
		left += max(e, 0)
	}
	for left > 0 {
		target := f.dijkstra()
		if target < 0 {
			return false
		}
		d := f.dist[target]
		for v := range f.pot {
			f.pot[v] += min(f.dist[v], d)
		}
		// The path's arcs now have reduced cost zero. Collect it before
		// changing anything (moving one app changes the heap tops), then
		// push along it again as long as it stays admissible: with tied
		// fits many apps make the same zero-cost move.
		f.path = f.path[:0]
		v := target
		for f.pred[v] >= 0 {
			f.path = append(f.path, asgStep{f.pred[v], int32(v), f.via[v]})
			v = int(f.pred[v])
		}
		source := v
		for {
			f.augment(source, target)
			left--
			if left == 0 || !f.admissible(source, target) {
				break
			}
		}
	}
	return true
}

// dijkstra searches from every excess node at once on the reduced costs
// (dense: the graph is complete on the jurors) and returns the first
// deficit node settled, -1 if none is reachable.
func (f *asgFlow) dijkstra() int {
	nJ, t := f.nJ, f.t
	minL, maxL := f.p.minL, f.p.maxL
	f.heap = f.heap[:0]
	for v := range f.dist {
		f.dist[v] = flowInf
		f.done[v] = false
		f.pred[v] = -1
		if f.excess[v] > 0 {
			f.dist[v] = 0
			f.heap.push(flowItem{0, int32(v)})
		}
	}
	for len(f.heap) > 0 {
		it := f.heap.pop()
		u := int(it.v)
		if f.done[u] || it.d > f.dist[u] {
			continue
		}
		f.done[u] = true
		if f.excess[u] < 0 {
			return u
		}
		du := f.dist[u]
		if u == t {
			for v := 0; v < nJ; v++ {
				if f.done[v] || f.sink[v] <= minL {
					continue
				}
				if nd := du - int64(f.sink[v]) + f.pot[t] - f.pot[v]; nd < f.dist[v] {
					f.dist[v], f.pred[v], f.via[v] = nd, int32(t), -1
					f.heap.push(flowItem{nd, int32(v)})
				}
			}
			continue
		}
		if !f.built[u] {
			f.buildRow(u)
		}
		// Reduced costs are non-negative, so a settled node is never
		// improved; an empty heap's flowInf key never wins.
		pu := du + f.pot[u]
		keys := f.topKey[u*nJ : (u+1)*nJ]
		pot := f.pot[:nJ]
		dist := f.dist[:nJ]
		for v, k := range keys {
			if k < flowInf {
				if nd := pu + k - pot[v]; nd < dist[v] {
					dist[v], f.pred[v], f.via[v] = nd, int32(u), f.topApp[u*nJ+v]
					f.heap.push(flowItem{nd, int32(v)})
				}
			}
		}
		if !f.done[t] && f.sink[u] < maxL {
			if nd := pu + int64(f.sink[u]+1) - f.pot[t]; nd < f.dist[t] {
				f.dist[t], f.pred[t], f.via[t] = nd, int32(u), -1
				f.heap.push(flowItem{nd, int32(t)})
			}
		}
	}
	return -1
}

// augment pushes one unit along f.path (target first).
func (f *asgFlow) augment(source, target int) {
	f.excess[source]--
	f.excess[target]++
	for _, st := range f.path {
		u, v := int(st.u), int(st.v)
		switch {
		case v == f.t:
			f.sink[u]++
		case u == f.t:
			f.sink[v]--
		default:
			f.move(int(st.app), u, v)
		}
	}
}

// admissible reports whether f.path can take another unit at reduced cost
// zero, and if so points its moves at the apps that make them.
func (f *asgFlow) admissible(source, target int) bool {
	if f.excess[source] <= 0 || f.excess[target] >= 0 {
		return false
	}
	nJ, t := f.nJ, f.t
	for i, st := range f.path {
		u, v := int(st.u), int(st.v)
		var rc int64
		switch {
		case v == t:
			if f.sink[u] >= f.p.maxL {
				return false
			}
			rc = int64(f.sink[u]+1) + f.pot[u] - f.pot[t]
		case u == t:
			if f.sink[v] <= f.p.minL {
				return false
			}
			rc = -int64(f.sink[v]) + f.pot[t] - f.pot[v]
		default:
			if f.topApp[u*nJ+v] < 0 {
				return false
			}
			rc = f.topKey[u*nJ+v] + f.pot[u] - f.pot[v]
			f.path[i].app = f.topApp[u*nJ+v]
		}
		if rc != 0 {
			return false
		}
	}
	return true
}

func (f *asgFlow) assignment() Assignment {
	p, nJ := f.p, f.nJ
	asg := Assignment{ByApp: make([][]int, p.nA), ByJuror: make([][]int, nJ)}
	for a := 0; a < p.nA; a++ {
		for j := 0; j < nJ; j++ {
			if f.in[a*nJ+j] {
				asg.ByApp[a] = append(asg.ByApp[a], j)
				asg.ByJuror[j] = append(asg.ByJuror[j], a)
				asg.TotalFit += p.fit[a][j]
			}
		}
	}
	return asg
}

// asgHeap is a binary min-heap of moves, ties by app index.
type asgHeap []asgMove

func (h asgHeap) init() {
	for i := len(h)/2 - 1; i >= 0; i-- {
		h.down(i)
	}
}

func (h *asgHeap) push(x asgMove) {
	*h = append(*h, x)
	a := *h
	i := len(a) - 1
	for i > 0 {
		p := (i - 1) / 2
		if !asgMoveLess(a[i], a[p]) {
			break
		}
		a[i], a[p] = a[p], a[i]
		i = p
	}
}

func (h *asgHeap) pop() {
	a := *h
	last := len(a) - 1
	a[0] = a[last]
	*h = a[:last]
	h.down(0)
}

func (h asgHeap) down(i int) {
	for {
		l, r, m := 2*i+1, 2*i+2, i
		if l < len(h) && asgMoveLess(h[l], h[m]) {
			m = l
		}
		if r < len(h) && asgMoveLess(h[r], h[m]) {
			m = r
		}
		if m == i {
			return
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
}
