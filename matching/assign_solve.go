package matching

import "sort"

// assignSolution is one solved flow: the assignment and the final
// potentials, which certify optimality.
type assignSolution struct {
	assignment Assignment
	pot        []int64
}

// Node layout of the assignment network.
func (p *assignProblem) jurorNode(j int) int { return p.nA + j }
func (p *assignProblem) sinkNode() int       { return p.nA + p.nJ }

// solve runs the min-cost flow on the candidate arcs cand[a] (each starting
// with the app's R best jurors). ok is false when this arc set admits no
// feasible flow.
func (p *assignProblem) solve(cand [][]int) (assignSolution, bool) {
	t := p.sinkNode()
	superS, superT := t+1, t+2
	g := newFlowNet(t + 3)
	arcs := make([][]int, p.nA) // arc id per cand entry
	load := make([]int, p.nJ)
	for a := 0; a < p.nA; a++ {
		arcs[a] = make([]int, len(cand[a]))
		for x, j := range cand[a] {
			arcs[a][x] = g.addArc(a, p.jurorNode(j), 1, p.arcCost(a, j))
			if x < p.r {
				g.push(arcs[a][x], 1)
				load[j]++
			}
		}
	}
	// Juror → sink: the first MinLoad units are forced (lower bound), the
	// others are unit arcs with the convex balance cost k.
	for j := 0; j < p.nJ; j++ {
		for k := p.minL + 1; k <= p.maxL; k++ {
			g.addArc(p.jurorNode(j), t, 1, int64(k))
		}
	}
	var excess int64
	for j := 0; j < p.nJ; j++ {
		if d := load[j] - p.minL; d > 0 {
			g.addArc(superS, p.jurorNode(j), int32(d), 0)
			excess += int64(d)
		} else if d < 0 {
			g.addArc(p.jurorNode(j), superT, int32(-d), 0)
		}
	}
	if rest := p.r*p.nA - p.nJ*p.minL; rest > 0 {
		g.addArc(t, superT, int32(rest), 0)
	}
	// Potentials making the start reduced-cost optimal (see Assign).
	base := -int64(p.minL + 1)
	for j := 0; j < p.nJ; j++ {
		g.pot[p.jurorNode(j)] = base
	}
	g.pot[t] = 0
	g.pot[superS], g.pot[superT] = base, base
	for a := 0; a < p.nA; a++ {
		g.pot[a] = base - p.arcCost(a, cand[a][p.r-1])
	}
	if g.run(superS, superT, excess, false) < excess {
		return assignSolution{}, false
	}
	asg := Assignment{ByApp: make([][]int, p.nA), ByJuror: make([][]int, p.nJ)}
	for a := 0; a < p.nA; a++ {
		for x, j := range cand[a] {
			if g.flow(arcs[a][x]) > 0 {
				asg.ByApp[a] = append(asg.ByApp[a], j)
				asg.ByJuror[j] = append(asg.ByJuror[j], a)
				asg.TotalFit += p.fit[a][j]
			}
		}
		sort.Ints(asg.ByApp[a])
	}
	return assignSolution{assignment: asg, pot: g.pot}, true
}

// violations adds to cand every excluded pair whose reduced cost under the
// final potentials is negative, and returns how many it added. Zero means the
// potentials certify the sparse optimum as optimal on the full graph.
func (p *assignProblem) violations(sol assignSolution, cand [][]int) int {
	added := 0
	in := make([]bool, p.nJ)
	for a := 0; a < p.nA; a++ {
		for _, j := range cand[a] {
			in[j] = true
		}
		for _, j := range p.order[a] {
			if in[j] {
				continue
			}
			if p.arcCost(a, j)+sol.pot[a]-sol.pot[p.jurorNode(j)] < 0 {
				cand[a] = append(cand[a], j)
				added++
			}
		}
		for _, j := range cand[a] {
			in[j] = false
		}
	}
	return added
}
