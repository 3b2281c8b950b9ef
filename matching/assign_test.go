package matching

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

// randomAssignInput builds a seeded instance; conflicts with probability pc.
func randomAssignInput(rng *rand.Rand, nA, nJ, r, minL, maxL int, pc float64) AssignInput {
	in := AssignInput{Reviews: r, MinLoad: minL, MaxLoad: maxL}
	fit := make([][]float64, nJ)
	conf := make([][]bool, nJ)
	for j := range fit {
		in.Jurors = append(in.Jurors, fmt.Sprintf("j%d", j))
		fit[j] = make([]float64, nA)
		conf[j] = make([]bool, nA)
		for a := range fit[j] {
			// Coarse fits so that ties (and the balance rule) matter.
			fit[j][a] = float64(rng.IntN(5)) / 4
			conf[j][a] = rng.Float64() < pc
		}
	}
	for a := 0; a < nA; a++ {
		in.Apps = append(in.Apps, fmt.Sprintf("a%d", a))
	}
	in.Fit = func(j, a int) float64 { return fit[j][a] }
	in.Conflict = func(j, a int) bool { return conf[j][a] }
	return in
}

// bruteAssign enumerates every choice of R jurors per app and returns the
// lexicographic optimum (fit units, then sum of squared loads), ok=false if
// none is feasible.
func bruteAssign(in AssignInput) (fitU, sq int64, ok bool) {
	nA, nJ, r := len(in.Apps), len(in.Jurors), in.Reviews
	var subsets [][]int
	for m := 0; m < 1<<nJ; m++ {
		var s []int
		for j := 0; j < nJ; j++ {
			if m&(1<<j) != 0 {
				s = append(s, j)
			}
		}
		if len(s) == r {
			subsets = append(subsets, s)
		}
	}
	load := make([]int, nJ)
	var rec func(a int, f int64)
	rec = func(a int, f int64) {
		if a == nA {
			var q int64
			for _, l := range load {
				if l < in.MinLoad || l > in.MaxLoad {
					return
				}
				q += int64(l * l)
			}
			if !ok || f > fitU || (f == fitU && q < sq) {
				fitU, sq, ok = f, q, true
			}
			return
		}
	next:
		for _, s := range subsets {
			var add int64
			for _, j := range s {
				if in.Conflict(j, a) {
					continue next
				}
				add += fitUnits(in.Fit(j, a))
			}
			for _, j := range s {
				load[j]++
			}
			rec(a+1, f+add)
			for _, j := range s {
				load[j]--
			}
		}
	}
	rec(0, 0)
	return
}

func checkAssignment(t interface{ Fatalf(string, ...any) }, in AssignInput, got Assignment) {
	r := in.Reviews
	if r == 0 {
		r = DefaultReviews
	}
	maxL := in.MaxLoad
	if maxL == 0 {
		maxL = len(in.Apps)
	}
	load := make([]int, len(in.Jurors))
	for a, js := range got.ByApp {
		if len(js) != r {
			t.Fatalf("app %d has %d jurors, want %d", a, len(js), r)
		}
		seen := map[int]bool{}
		for _, j := range js {
			if seen[j] {
				t.Fatalf("app %d has juror %d twice", a, j)
			}
			seen[j] = true
			if in.Conflict != nil && in.Conflict(j, a) {
				t.Fatalf("app %d got conflicted juror %d", a, j)
			}
			load[j]++
		}
	}
	for j, l := range load {
		if l < in.MinLoad || l > maxL {
			t.Fatalf("juror %d load %d outside [%d,%d]", j, l, in.MinLoad, maxL)
		}
		if len(got.ByJuror[j]) != l {
			t.Fatalf("ByJuror[%d] has %d apps, ByApp says %d", j, len(got.ByJuror[j]), l)
		}
	}
}

func assignObjective(in AssignInput, got Assignment) (fitU, sq int64) {
	for a, js := range got.ByApp {
		for _, j := range js {
			fitU += fitUnits(in.Fit(j, a))
		}
	}
	for _, as := range got.ByJuror {
		sq += int64(len(as) * len(as))
	}
	return
}

func TestAssignMatchesExhaustiveSearch(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	feasible := 0
	for trial := 0; trial < 300; trial++ {
		nA, nJ := 3+rng.IntN(2), 4+rng.IntN(2)
		minL := rng.IntN(2)
		maxL := 2 + rng.IntN(3)
		in := randomAssignInput(rng, nA, nJ, 2, minL, maxL, 0.15)
		wantF, wantQ, ok := bruteAssign(in)
		got, err := Assign(in)
		if !ok {
			if !errors.Is(err, ErrInfeasible) {
				t.Fatalf("trial %d: exhaustive search finds no assignment, Assign returned %v", trial, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("trial %d: Assign: %v (exhaustive search found one)", trial, err)
		}
		feasible++
		checkAssignment(t, in, got)
		if f, q := assignObjective(in, got); f != wantF || q != wantQ {
			t.Fatalf("trial %d: got fit %d, squares %d; optimum is fit %d, squares %d", trial, f, q, wantF, wantQ)
		}
	}
	t.Logf("%d of 300 instances feasible, all optimal", feasible)
}

func TestAssignInvariants(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		nA := rapid.IntRange(1, 40).Draw(t, "apps")
		nJ := rapid.IntRange(1, 12).Draw(t, "jurors")
		r := rapid.IntRange(1, 4).Draw(t, "reviews")
		minL := rapid.IntRange(0, 6).Draw(t, "min")
		maxL := rapid.IntRange(minL, 20).Draw(t, "max")
		pc := rapid.Float64Range(0, 0.4).Draw(t, "conflicts")
		seed := rapid.Uint64().Draw(t, "seed")
		in := randomAssignInput(rand.New(rand.NewPCG(seed, 7)), nA, nJ, r, minL, maxL, pc)
		got, err := Assign(in)
		if err != nil {
			var ie *InfeasibleError
			if !errors.As(err, &ie) {
				t.Fatalf("unexpected error type %T: %v", err, err)
			}
			return
		}
		checkAssignment(t, in, got)
	})
}

// TestAssignSparseCertificate compares the sparse solve plus certificate with
// a solve on the full graph, on instances where the top-k restriction is
// wrong (every app prefers the same few jurors, loads tight).
func TestAssignSparseCertificate(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for trial := 0; trial < 8; trial++ {
		nA, nJ := 60, 30
		in := AssignInput{Reviews: 3, MinLoad: 6, MaxLoad: 6}
		fit := make([][]float64, nJ)
		for j := range fit {
			in.Jurors = append(in.Jurors, fmt.Sprint(j))
			fit[j] = make([]float64, nA)
			for a := range fit[j] {
				fit[j][a] = math.Min(1, float64(nJ-j)/float64(nJ)+0.1*rng.Float64())
			}
		}
		for a := 0; a < nA; a++ {
			in.Apps = append(in.Apps, fmt.Sprint(a))
		}
		in.Fit = func(j, a int) float64 { return fit[j][a] }
		got, err := Assign(in)
		if err != nil {
			t.Fatal(err)
		}
		checkAssignment(t, in, got)
		p, _ := newAssignProblem(in)
		full, ok := p.solve(p.order)
		if !ok {
			t.Fatal("full graph infeasible")
		}
		f1, q1 := assignObjective(in, got)
		f2, q2 := assignObjective(in, full.assignment)
		if f1 != f2 || q1 != q2 {
			t.Fatalf("trial %d: sparse (%d,%d) != full (%d,%d)", trial, f1, q1, f2, q2)
		}
	}
}

func TestAssignErrors(t *testing.T) {
	names := func(p string, n int) []string {
		var s []string
		for i := 0; i < n; i++ {
			s = append(s, fmt.Sprintf("%s%d", p, i))
		}
		return s
	}
	tests := []struct {
		name string
		in   AssignInput
		want string
	}{
		{"capacity", AssignInput{MaxLoad: 30, Jurors: names("j", 10), Apps: names("a", 120)},
			"needs 360 reviews; the jury can take at most 300 — add jurors or raise the maximum load"},
		{"conflicts", AssignInput{Jurors: names("j", 3), Apps: names("a", 2), Conflict: func(j, a int) bool { return a == 1 && j == 0 }},
			"application a1 has only 2 jurors without a conflict; it needs 3"},
		{"min load", AssignInput{MinLoad: 5, Jurors: names("j", 4), Apps: names("a", 5)},
			"the minimum load of 5 per juror needs 20 reviews; there are only 15"},
		{"min above max", AssignInput{MinLoad: 5, MaxLoad: 4, Jurors: names("j", 4), Apps: names("a", 5)},
			"the minimum load 5 is above the maximum load 4"},
		{"hall", AssignInput{Reviews: 1, MaxLoad: 1, Jurors: names("j", 2), Apps: names("a", 2), Conflict: func(j, a int) bool { return j == 1 }},
			"leave no way"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Assign(tt.in)
			if !errors.Is(err, ErrInfeasible) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an infeasible error containing %q", err, tt.want)
			}
		})
	}
	_, err := Assign(AssignInput{Jurors: names("j", 3), Apps: names("a", 1), Fit: func(int, int) float64 { return 2 }})
	if err == nil || errors.Is(err, ErrInfeasible) {
		t.Fatalf("fit out of range: got %v", err)
	}
}

func TestReassign(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	in := randomAssignInput(rng, 20, 8, 3, 0, 9, 0.1)
	cur, err := Assign(in)
	if err != nil {
		t.Fatal(err)
	}
	juror := cur.ByApp[4][0]
	conf := in.Conflict
	in.Conflict = func(j, a int) bool { return (j == juror && a == 4) || conf(j, a) }
	got, err := Reassign(in, cur, juror, 4)
	if err != nil {
		t.Fatal(err)
	}
	checkAssignment(t, in, got)
	// Exactly one pair changed.
	changed := 0
	for a := range cur.ByApp {
		for x := range cur.ByApp[a] {
			if a != 4 && cur.ByApp[a][x] != got.ByApp[a][x] {
				t.Fatalf("app %d changed", a)
			}
		}
	}
	for _, j := range got.ByApp[4] {
		if !contains(cur.ByApp[4], j) {
			changed++
			// Best fit among feasible jurors.
			for k := range in.Jurors {
				if k == j || contains(cur.ByApp[4], k) || in.Conflict(k, 4) || len(cur.ByJuror[k]) >= in.MaxLoad {
					continue
				}
				if in.Fit(k, 4) > in.Fit(j, 4) {
					t.Fatalf("juror %d fits better than chosen %d", k, j)
				}
			}
		}
	}
	if changed != 1 || contains(got.ByApp[4], juror) {
		t.Fatalf("ByApp[4] %v -> %v", cur.ByApp[4], got.ByApp[4])
	}

	// Impossible: everyone else full or conflicted.
	tight := AssignInput{Reviews: 1, MaxLoad: 1, Jurors: []string{"A", "B"}, Apps: []string{"x", "y"}}
	cur, err = Assign(tight)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Reassign(tight, cur, cur.ByApp[0][0], 0)
	if !errors.Is(err, ErrInfeasible) || !strings.Contains(err.Error(), "maximum load 1") {
		t.Fatalf("got %v", err)
	}
	if _, err := Reassign(tight, cur, cur.ByApp[1][0], 0); err == nil {
		t.Fatal("reassigning a pair that does not exist should fail")
	}
}

func contains(s []int, v int) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// benchAssignInput builds the benchmark size named in the brief: 2,000
// applications, 100 jurors, 3 reviews each (200,000 possible pairs). With
// correlated fits every application prefers the same few jurors (juror j's
// fit is about 1 - j/100, plus noise, capped at 1 so the top ones tie).
func benchAssignInput(minL, maxL int, correlated bool) AssignInput {
	rng := rand.New(rand.NewPCG(42, 42))
	nA, nJ := 2000, 100
	in := AssignInput{Reviews: 3, MinLoad: minL, MaxLoad: maxL}
	fit := make([][]float64, nJ)
	for j := range fit {
		in.Jurors = append(in.Jurors, fmt.Sprint(j))
		fit[j] = make([]float64, nA)
		for a := range fit[j] {
			if correlated {
				fit[j][a] = math.Min(1, float64(nJ-j)/float64(nJ)+0.1*rng.Float64())
			} else {
				fit[j][a] = rng.Float64()
			}
		}
	}
	for a := 0; a < nA; a++ {
		in.Apps = append(in.Apps, fmt.Sprint(a))
	}
	in.Fit = func(j, a int) float64 { return fit[j][a] }
	in.Conflict = func(j, a int) bool { return (j*7+a*13)%97 == 0 }
	return in
}

// BenchmarkAssign uses independent random fits.
func BenchmarkAssign(b *testing.B) {
	benchAssign(b, false)
}

// BenchmarkAssignCorrelated is the hard case: everyone prefers the same few
// jurors, so the loads, not the fits, decide.
func BenchmarkAssignCorrelated(b *testing.B) {
	benchAssign(b, true)
}

func benchAssign(b *testing.B, correlated bool) {
	for _, loads := range [][2]int{{0, 0}, {50, 70}, {60, 60}} {
		b.Run(fmt.Sprintf("load%d-%d", loads[0], loads[1]), func(b *testing.B) {
			in := benchAssignInput(loads[0], loads[1], correlated)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := Assign(in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
