package matching

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"
)

// solveReference is the previous solver, kept as an independent check: the
// primal-dual flow engine on the full network, starting from every app's R
// best jurors (cand must list them first).
func (p *assignProblem) solveReference(cand [][]int) (Assignment, bool) {
	t := p.nA + p.nJ
	superS, superT := t+1, t+2
	g := newFlowNet(t + 3)
	arcs := make([][]int, p.nA) // arc id per cand entry
	load := make([]int, p.nJ)
	for a := 0; a < p.nA; a++ {
		arcs[a] = make([]int, len(cand[a]))
		for x, j := range cand[a] {
			arcs[a][x] = g.addArc(a, p.nA+j, 1, p.arcCost(a, j))
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
			g.addArc(p.nA+j, t, 1, int64(k))
		}
	}
	var excess int64
	for j := 0; j < p.nJ; j++ {
		if d := load[j] - p.minL; d > 0 {
			g.addArc(superS, p.nA+j, int32(d), 0)
			excess += int64(d)
		} else if d < 0 {
			g.addArc(p.nA+j, superT, int32(-d), 0)
		}
	}
	if rest := p.r*p.nA - p.nJ*p.minL; rest > 0 {
		g.addArc(t, superT, int32(rest), 0)
	}
	// Potentials making the start reduced-cost optimal (see Assign).
	base := -int64(p.minL + 1)
	for j := 0; j < p.nJ; j++ {
		g.pot[p.nA+j] = base
	}
	g.pot[t] = 0
	g.pot[superS], g.pot[superT] = base, base
	for a := 0; a < p.nA; a++ {
		g.pot[a] = base - p.arcCost(a, cand[a][p.r-1])
	}
	if g.run(superS, superT, excess, false) < excess {
		return Assignment{}, false
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
	return asg, true
}

// TestAssignMatchesReference compares Assign with the general flow engine on
// mid-size instances, random and correlated (everyone prefers the same
// jurors, with exact ties), with and without load limits.
func TestAssignMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	feasible, byFlow := 0, 0
	for trial := 0; trial < 120; trial++ {
		nA, nJ := 20+rng.IntN(60), 5+rng.IntN(20)
		r := 1 + rng.IntN(4)
		if r > nJ {
			r = nJ
		}
		avg := r * nA / nJ
		minL, maxL := 0, 0
		switch trial % 4 {
		case 1:
			minL, maxL = max(0, avg-2-rng.IntN(3)), avg+1+rng.IntN(3)
		case 2:
			minL, maxL = avg, avg+1
		case 3:
			minL = rng.IntN(avg + 1)
		}
		if trial%7 == 6 {
			// A block of conflicts: the first half of the apps cannot use
			// the first half of the jurors, often too many for the rest.
			minL, maxL = 0, avg+1
		}
		correlated := trial%3 != 0
		in := AssignInput{Reviews: r, MinLoad: minL, MaxLoad: maxL}
		fit := make([][]float64, nJ)
		conf := make([][]bool, nJ)
		for j := range fit {
			in.Jurors = append(in.Jurors, fmt.Sprint(j))
			fit[j] = make([]float64, nA)
			conf[j] = make([]bool, nA)
			for a := range fit[j] {
				if correlated {
					fit[j][a] = math.Min(1, float64(nJ-j)/float64(nJ)+0.2*rng.Float64())
				} else {
					fit[j][a] = float64(rng.IntN(6)) / 5
				}
				conf[j][a] = rng.IntN(20) == 0 || (trial%7 == 6 && j <= nJ/2 && a < nA/2)
			}
		}
		for a := 0; a < nA; a++ {
			in.Apps = append(in.Apps, fmt.Sprint(a))
		}
		in.Fit = func(j, a int) float64 { return fit[j][a] }
		in.Conflict = func(j, a int) bool { return conf[j][a] }
		got, err := Assign(in)
		p, perr := newAssignProblem(in)
		if perr != nil {
			t.Fatal(perr)
		}
		want, ok := Assignment{}, p.precheck() == nil
		if ok {
			want, ok = p.solveReference(p.order)
		}
		if !ok {
			if !errors.Is(err, ErrInfeasible) {
				t.Fatalf("trial %d: reference finds no assignment, Assign returned %v", trial, err)
			}
			if strings.Contains(err.Error(), "leave no way") {
				byFlow++
			}
			continue
		}
		if err != nil {
			t.Fatalf("trial %d: Assign: %v", trial, err)
		}
		feasible++
		checkAssignment(t, in, got)
		f1, q1 := assignObjective(in, got)
		f2, q2 := assignObjective(in, want)
		if f1 != f2 || q1 != q2 {
			t.Fatalf("trial %d: Assign (%d,%d) != reference (%d,%d)", trial, f1, q1, f2, q2)
		}
	}
	t.Logf("%d of 120 instances feasible, all equal to the reference; %d found infeasible by the flow", feasible, byFlow)
}

// TestAssignCertificate checks the solver's own optimality certificate at
// the benchmark's shape (scaled down): after the run no excess is left and
// every residual arc of the full network has a non-negative reduced cost
// under the final potentials, which proves the flow optimal.
func TestAssignCertificate(t *testing.T) {
	for _, correlated := range []bool{false, true} {
		for _, loads := range [][2]int{{0, 0}, {5, 9}, {6, 6}, {0, 7}} {
			in := benchAssignInput(loads[0], loads[1], correlated)
			in.Apps = in.Apps[:200]
			in.Jurors = in.Jurors[:100]
			p, err := newAssignProblem(in)
			if err != nil {
				t.Fatal(err)
			}
			f := p.newAsgFlow(p.order)
			f.start()
			if !f.run() {
				t.Fatalf("correlated %v, loads %v: infeasible", correlated, loads)
			}
			nJ, tt := p.nJ, f.t
			total := 0
			for j := 0; j < nJ; j++ {
				if f.load[j] != f.sink[j] || f.sink[j] < p.minL || f.sink[j] > p.maxL {
					t.Fatalf("juror %d: load %d, sink %d", j, f.load[j], f.sink[j])
				}
				total += f.sink[j]
				if f.sink[j] < p.maxL && int64(f.sink[j]+1)+f.pot[j]-f.pot[tt] < 0 {
					t.Fatalf("juror %d: arc to the sink has a negative reduced cost", j)
				}
				if f.sink[j] > p.minL && -int64(f.sink[j])+f.pot[tt]-f.pot[j] < 0 {
					t.Fatalf("juror %d: arc from the sink has a negative reduced cost", j)
				}
			}
			if total != p.r*p.nA {
				t.Fatalf("sink receives %d, want %d", total, p.r*p.nA)
			}
			for a := 0; a < p.nA; a++ {
				for _, j1 := range p.order[a] {
					if !f.in[a*nJ+j1] {
						continue
					}
					for _, j2 := range p.order[a] {
						if !f.in[a*nJ+j2] && p.arcCost(a, j2)-p.arcCost(a, j1)+f.pot[j1]-f.pot[j2] < 0 {
							t.Fatalf("correlated %v, loads %v: moving app %d from %d to %d has a negative reduced cost", correlated, loads, a, j1, j2)
						}
					}
				}
			}
		}
	}
}
