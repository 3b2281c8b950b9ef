package matching

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"pgregory.net/rapid"
)

// schedInstance is a random instance held in matrices.
type schedInstance struct {
	in   ScheduleInput
	want [2][][]Interest // [side][c][p]
	busy [2][][]bool     // [side][idx][slot]
}

func randomSchedule(rng *rand.Rand, nC, nP, slots, tables int, density, pMust, pBusy float64) *schedInstance {
	si := &schedInstance{}
	in := ScheduleInput{Slots: slots, Tables: tables}
	for c := 0; c < nC; c++ {
		in.Companies = append(in.Companies, fmt.Sprint("c", c))
	}
	for p := 0; p < nP; p++ {
		in.People = append(in.People, fmt.Sprint("p", p))
	}
	for side := 0; side < 2; side++ {
		si.want[side] = make([][]Interest, nC)
		for c := range si.want[side] {
			si.want[side][c] = make([]Interest, nP)
			for p := range si.want[side][c] {
				if rng.Float64() < density {
					si.want[side][c][p] = InterestWould
					if rng.Float64() < pMust {
						si.want[side][c][p] = InterestMust
					}
				}
			}
		}
		n := nC
		if side == 1 {
			n = nP
		}
		si.busy[side] = make([][]bool, n)
		for i := range si.busy[side] {
			si.busy[side][i] = make([]bool, slots)
			for s := range si.busy[side][i] {
				si.busy[side][i][s] = rng.Float64() < pBusy
			}
		}
	}
	in.Want = func(side, c, p int) Interest { return si.want[side][c][p] }
	in.Busy = func(side, idx, slot int) bool { return si.busy[side][idx][slot] }
	si.in = in
	return si
}

// checkSchedule verifies every hard constraint and the bookkeeping.
func checkSchedule(t interface{ Fatalf(string, ...any) }, si *schedInstance, got Schedule) {
	in := si.in
	tables := in.Tables
	if tables <= 0 {
		tables = len(in.Companies)
	}
	type key struct{ a, b int }
	cAt, pAt, tAt, pair := map[key]bool{}, map[key]bool{}, map[key]bool{}, map[key]bool{}
	perSlot := map[int]int{}
	var w float64
	for _, m := range got.Meetings {
		if m.Slot < 0 || m.Slot >= in.Slots || m.Table < 0 || m.Table >= tables {
			t.Fatalf("meeting %+v out of range", m)
		}
		if si.busy[0][m.Company][m.Slot] || si.busy[1][m.Person][m.Slot] {
			t.Fatalf("meeting %+v in a busy slot", m)
		}
		if cAt[key{m.Company, m.Slot}] || pAt[key{m.Person, m.Slot}] || tAt[key{m.Table, m.Slot}] || pair[key{m.Company, m.Person}] {
			t.Fatalf("meeting %+v clashes", m)
		}
		cAt[key{m.Company, m.Slot}], pAt[key{m.Person, m.Slot}], tAt[key{m.Table, m.Slot}], pair[key{m.Company, m.Person}] = true, true, true, true
		perSlot[m.Slot]++
		pw := PairWeight(si.want[0][m.Company][m.Person], si.want[1][m.Company][m.Person])
		if pw == 0 {
			t.Fatalf("meeting %+v without interest", m)
		}
		w += float64(pw)
	}
	for s, n := range perSlot {
		if n > tables {
			t.Fatalf("slot %d has %d meetings, %d tables", s, n, tables)
		}
	}
	if w != got.Weight || got.Weight > got.Bound {
		t.Fatalf("weight %v (recomputed %v), bound %v", got.Weight, w, got.Bound)
	}
	interested := 0
	for c := range si.want[0] {
		for p := range si.want[0][c] {
			if PairWeight(si.want[0][c][p], si.want[1][c][p]) > 0 {
				interested++
			}
		}
	}
	if interested != len(got.Meetings)+len(got.Unplaced) {
		t.Fatalf("%d interested pairs, %d meetings + %d unplaced", interested, len(got.Meetings), len(got.Unplaced))
	}
	for _, u := range got.Unplaced {
		if pair[key{u.Company, u.Person}] || u.Reason == "" {
			t.Fatalf("bad unplaced %+v", u)
		}
	}
}

func TestScheduleInvariants(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		si := randomSchedule(rand.New(rand.NewPCG(rapid.Uint64().Draw(t, "seed"), 1)),
			rapid.IntRange(0, 25).Draw(t, "companies"), rapid.IntRange(0, 15).Draw(t, "people"),
			rapid.IntRange(0, 10).Draw(t, "slots"), rapid.IntRange(-1, 6).Draw(t, "tables"),
			rapid.Float64Range(0, 0.6).Draw(t, "density"), rapid.Float64Range(0, 1).Draw(t, "must"),
			rapid.Float64Range(0, 0.5).Draw(t, "busy"))
		got := ScheduleMeetings(si.in)
		checkSchedule(t, si, got)
		again := ScheduleMeetings(si.in)
		if fmt.Sprint(again) != fmt.Sprint(got) {
			t.Fatalf("not deterministic")
		}
	})
}

// bruteSchedule returns, by exhaustive search, the most mutual must-meets
// that can be placed, the best weight with that many, and the best weight
// overall.
func bruteSchedule(si *schedInstance) (musts, lexWeight, maxWeight int) {
	st := newSchedState(si.in)
	var rec func(i, m, w int)
	rec = func(i, m, w int) {
		if i == len(st.pairs) {
			if m > musts || (m == musts && w > lexWeight) {
				musts, lexWeight = m, w
			}
			maxWeight = max(maxWeight, w)
			return
		}
		pr := st.pairs[i]
		for a := st.avail(i); a != 0; a &= a - 1 {
			s := 0
			for a>>s&1 == 0 {
				s++
			}
			st.place(i, s)
			rec(i+1, m+b2i(pr.w == WeightMustMust), w+pr.w)
			st.remove(i)
		}
		rec(i+1, m, w)
	}
	rec(0, 0, 0)
	return
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestScheduleVersusExhaustiveSearch(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	const trials = 300
	var optimal, allMustCases int
	worst := 1.0
	for trial := 0; trial < trials; trial++ {
		si := randomSchedule(rng, 3+rng.IntN(2), 3, 2+rng.IntN(2), 1+rng.IntN(2), 0.55, 0.6, 0.25)
		got := ScheduleMeetings(si.in)
		checkSchedule(t, si, got)
		maxMust, lexW, maxW := bruteSchedule(si)
		placedMust := 0
		for _, m := range got.Meetings {
			if PairWeight(si.want[0][m.Company][m.Person], si.want[1][m.Company][m.Person]) == WeightMustMust {
				placedMust++
			}
		}
		totalMust := 0
		for c := range si.want[0] {
			for p := range si.want[0][c] {
				totalMust += b2i(PairWeight(si.want[0][c][p], si.want[1][c][p]) == WeightMustMust)
			}
		}
		if maxMust == totalMust {
			allMustCases++
			if placedMust != totalMust {
				t.Fatalf("trial %d: all %d mutual must-meets fit, placed %d", trial, totalMust, placedMust)
			}
		}
		if got.Bound < float64(maxW) {
			t.Fatalf("trial %d: bound %v below optimum %d", trial, got.Bound, maxW)
		}
		if placedMust == maxMust {
			if int(got.Weight) > lexW {
				t.Fatalf("trial %d: weight %v above optimum %d", trial, got.Weight, lexW)
			}
			if int(got.Weight) == lexW {
				optimal++
			}
			if lexW > 0 {
				worst = min(worst, got.Weight/float64(lexW))
			}
		}
	}
	t.Logf("%d trials: all mutual must-meets placeable in %d, all placed there; weight optimal in %d; worst weight/optimum %.3f", trials, allMustCases, optimal, worst)
	if worst < 0.75 {
		t.Fatalf("worst ratio %.3f", worst)
	}
}

// BenchmarkScheduleMeetings is the size named in the brief: 300 companies,
// 100 people, 16 slots, about 7% interest on each side; with 20 tables (the
// tables bind) and with no table limit (people's time binds).
func BenchmarkScheduleMeetings(b *testing.B) {
	for _, tables := range []int{20, 0} {
		b.Run(fmt.Sprintf("tables%d", tables), func(b *testing.B) {
			si := randomSchedule(rand.New(rand.NewPCG(7, 7)), 300, 100, 16, tables, 0.07, 0.3, 0.1)
			var got Schedule
			for i := 0; i < b.N; i++ {
				got = ScheduleMeetings(si.in)
			}
			b.ReportMetric(got.Weight/got.Bound, "weight/bound")
			b.ReportMetric(float64(len(got.Meetings)), "meetings")
			b.ReportMetric(float64(len(got.Unplaced)), "unplaced")
		})
	}
}
