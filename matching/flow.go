package matching

import "math"

// flowInf is the "unreached" distance of the min-cost flow engine.
const flowInf = math.MaxInt64 / 4

// flowNet is a small min-cost flow engine shared by Assign and by the upper
// bound of ScheduleMeetings. Arcs are stored in pairs: arc a and its residual
// twin a^1. Costs are integers, so optimality is exact.
//
// The solver is the primal-dual form of successive shortest paths: one
// Dijkstra run on reduced costs (cost + pot[u] - pot[v], kept non-negative by
// the potentials) per phase, then a blocking flow (Dinic) on the admissible
// arcs, those with residual capacity and reduced cost zero. Every phase
// augments along all current shortest paths at once, so the number of phases
// is the number of distinct shortest-path lengths, not the flow value.
type flowNet struct {
	adj  [][]int32 // arc ids leaving each node
	to   []int32
	cap  []int32
	cost []int64
	pot  []int64

	// scratch
	dist  []int64
	level []int32
	iter  []int32
	heap  flowHeap
}

func newFlowNet(n int) *flowNet {
	return &flowNet{adj: make([][]int32, n), pot: make([]int64, n)}
}

// addArc adds u→v with capacity c and cost w, returning the arc id.
func (g *flowNet) addArc(u, v int, c int32, w int64) int {
	id := len(g.to)
	g.to = append(g.to, int32(v), int32(u))
	g.cap = append(g.cap, c, 0)
	g.cost = append(g.cost, w, -w)
	g.adj[u] = append(g.adj[u], int32(id))
	g.adj[v] = append(g.adj[v], int32(id+1))
	return id
}

// flow returns the flow on arc id (the capacity of its twin).
func (g *flowNet) flow(id int) int32 { return g.cap[id^1] }

// push moves f units along arc id without any check; callers use it to set
// an initial pseudoflow whose potentials they supply.
func (g *flowNet) push(id int, f int32) {
	g.cap[id] -= f
	g.cap[id^1] += f
}

// initPotentials sets potentials by Bellman-Ford (queue based) from every
// node at once, which is valid whenever the residual graph has no negative
// cycle (for example a DAG with zero flow).
func (g *flowNet) initPotentials() {
	n := len(g.adj)
	for i := range g.pot {
		g.pot[i] = 0
	}
	inq := make([]bool, n)
	q := make([]int32, 0, n)
	for v := 0; v < n; v++ {
		q = append(q, int32(v))
		inq[v] = true
	}
	for len(q) > 0 {
		u := q[0]
		q = q[1:]
		inq[u] = false
		for _, a := range g.adj[u] {
			if g.cap[a] <= 0 {
				continue
			}
			v := g.to[a]
			if nd := g.pot[u] + g.cost[a]; nd < g.pot[v] {
				g.pot[v] = nd
				if !inq[v] {
					inq[v] = true
					q = append(q, v)
				}
			}
		}
	}
}

// run pushes up to limit units from s to t at minimum cost. With
// stopAtNonNegative it stops as soon as the cheapest remaining path costs 0
// or more (a maximum-weight flow of any value). The potentials must make
// every residual arc's reduced cost non-negative on entry; they do on exit.
// It returns the flow pushed.
func (g *flowNet) run(s, t int, limit int64, stopAtNonNegative bool) int64 {
	n := len(g.adj)
	if len(g.dist) != n {
		g.dist = make([]int64, n)
		g.level = make([]int32, n)
		g.iter = make([]int32, n)
	}
	var total int64
	for total < limit {
		d := g.dijkstra(s, t)
		if d >= flowInf {
			break
		}
		for v := 0; v < n; v++ {
			g.pot[v] += min(g.dist[v], d)
		}
		if stopAtNonNegative && g.pot[t]-g.pot[s] >= 0 {
			break
		}
		for total < limit && g.levels(s, t) {
			for i := range g.iter {
				g.iter[i] = 0
			}
			for total < limit {
				f := g.augment(s, t, limit-total)
				if f == 0 {
					break
				}
				total += f
			}
		}
	}
	return total
}

func (g *flowNet) reduced(a int32, u int32) int64 {
	return g.cost[a] + g.pot[u] - g.pot[g.to[a]]
}

// dijkstra fills g.dist with reduced-cost distances from s, stopping once t
// is settled, and returns dist[t] (flowInf if unreachable).
func (g *flowNet) dijkstra(s, t int) int64 {
	for i := range g.dist {
		g.dist[i] = flowInf
	}
	g.dist[s] = 0
	g.heap = g.heap[:0]
	g.heap.push(flowItem{0, int32(s)})
	for len(g.heap) > 0 {
		it := g.heap.pop()
		u := it.v
		if it.d > g.dist[u] {
			continue
		}
		if int(u) == t {
			return it.d
		}
		for _, a := range g.adj[u] {
			if g.cap[a] <= 0 {
				continue
			}
			v := g.to[a]
			if nd := it.d + g.reduced(a, u); nd < g.dist[v] {
				g.dist[v] = nd
				g.heap.push(flowItem{nd, v})
			}
		}
	}
	return flowInf
}

// levels computes BFS levels over admissible arcs (residual capacity and zero
// reduced cost) and reports whether t is reachable.
func (g *flowNet) levels(s, t int) bool {
	for i := range g.level {
		g.level[i] = -1
	}
	g.level[s] = 0
	q := []int32{int32(s)}
	for len(q) > 0 {
		u := q[0]
		q = q[1:]
		for _, a := range g.adj[u] {
			v := g.to[a]
			if g.cap[a] > 0 && g.level[v] < 0 && g.reduced(a, u) == 0 {
				g.level[v] = g.level[u] + 1
				q = append(q, v)
			}
		}
	}
	return g.level[t] >= 0
}

// augment finds one admissible level-increasing path from u to t (Dinic) and
// pushes up to f units along it.
func (g *flowNet) augment(u, t int, f int64) int64 {
	if u == t {
		return f
	}
	for ; int(g.iter[u]) < len(g.adj[u]); g.iter[u]++ {
		a := g.adj[u][g.iter[u]]
		v := g.to[a]
		if g.cap[a] <= 0 || g.level[v] != g.level[u]+1 || g.reduced(a, int32(u)) != 0 {
			continue
		}
		if got := g.augment(int(v), t, min(f, int64(g.cap[a]))); got > 0 {
			g.push(int(a), int32(got))
			return got
		}
	}
	return 0
}

type flowItem struct {
	d int64
	v int32
}

// flowHeap is a binary min-heap on distance, ties by node id so that the
// search order is deterministic.
type flowHeap []flowItem

func flowLess(a, b flowItem) bool { return a.d < b.d || (a.d == b.d && a.v < b.v) }

func (h *flowHeap) push(x flowItem) {
	*h = append(*h, x)
	a := *h
	i := len(a) - 1
	for i > 0 {
		p := (i - 1) / 2
		if !flowLess(a[i], a[p]) {
			break
		}
		a[i], a[p] = a[p], a[i]
		i = p
	}
}

func (h *flowHeap) pop() flowItem {
	a := *h
	top := a[0]
	last := len(a) - 1
	a[0] = a[last]
	a = a[:last]
	i := 0
	for {
		l, r, m := 2*i+1, 2*i+2, i
		if l < len(a) && flowLess(a[l], a[m]) {
			m = l
		}
		if r < len(a) && flowLess(a[r], a[m]) {
			m = r
		}
		if m == i {
			break
		}
		a[i], a[m] = a[m], a[i]
		i = m
	}
	*h = a
	return top
}
