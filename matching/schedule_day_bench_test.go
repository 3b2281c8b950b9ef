package matching

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// trackedSchedule is a harder, more event-like instance than
// randomSchedule: interest follows tracks (a company mostly wants the
// people of its own track), a few city people are popular (Zipf-like
// demand), half of the companies pitch during the meeting window (one
// blocked slot each) and some people have other commitments.
func trackedSchedule(rng *rand.Rand, nC, nP, slots, tables, tracks int, pBusy float64) *schedInstance {
	si := &schedInstance{}
	in := ScheduleInput{Slots: slots, Tables: tables}
	trackC, trackP := make([]int, nC), make([]int, nP)
	for c := range trackC {
		trackC[c] = rng.IntN(tracks)
		in.Companies = append(in.Companies, fmt.Sprint("c", c))
	}
	popularity := make([]float64, nP)
	for p := range trackP {
		trackP[p] = rng.IntN(tracks)
		popularity[p] = 1 / math.Sqrt(float64(p+1)) // person 0 is the most wanted
		in.People = append(in.People, fmt.Sprint("p", p))
	}
	for side := 0; side < 2; side++ {
		si.want[side] = make([][]Interest, nC)
		for c := range si.want[side] {
			si.want[side][c] = make([]Interest, nP)
			for p := range si.want[side][c] {
				same := trackC[c] == trackP[p]
				var prob float64
				switch {
				case side == 0 && same:
					prob = 0.25 + 0.6*popularity[p]
				case side == 0:
					prob = 0.02 + 0.2*popularity[p]
				case same:
					prob = 0.35
				default:
					prob = 0.02
				}
				if rng.Float64() < prob {
					si.want[side][c][p] = InterestWould
					if rng.Float64() < 0.35 {
						si.want[side][c][p] = InterestMust
					}
				}
			}
		}
	}
	si.busy[0] = make([][]bool, nC)
	for c := range si.busy[0] {
		si.busy[0][c] = make([]bool, slots)
		if c%2 == 0 {
			si.busy[0][c][rng.IntN(slots)] = true // the pitch
		}
	}
	si.busy[1] = make([][]bool, nP)
	for p := range si.busy[1] {
		si.busy[1][p] = make([]bool, slots)
		if rng.Float64() < 0.2 {
			s := rng.IntN(slots - 1)
			si.busy[1][p][s], si.busy[1][p][s+1] = true, true
		}
	}
	// Other commitments on both sides (stands, interviews, the challenge
	// spot): each slot is blocked with probability pBusy.
	for side := range si.busy {
		for i := range si.busy[side] {
			for s := range si.busy[side][i] {
				if rng.Float64() < pBusy {
					si.busy[side][i][s] = true
				}
			}
		}
	}
	in.Want = func(side, c, p int) Interest { return si.want[side][c][p] }
	in.Busy = func(side, idx, slot int) bool { return si.busy[side][idx][slot] }
	si.in = in
	return si
}

// BenchmarkScheduleDay is the brief's size (300 companies, 100 city
// people, 16 slots) on the track-correlated instance, with 40 tables, 20
// tables and no table limit, and with half of everyone's slots blocked by
// other commitments (where the choice of slot matters most). Besides weight/bound it reports the mutual
// must-meet pairs left unplaced.
func BenchmarkScheduleDay(b *testing.B) {
	for _, c := range []struct {
		tables int
		busy   float64
	}{{40, 0}, {20, 0}, {0, 0}, {40, 0.5}, {0, 0.5}} {
		b.Run(fmt.Sprintf("tables%d/busy%.0f%%", c.tables, 100*c.busy), func(b *testing.B) {
			si := trackedSchedule(rand.New(rand.NewPCG(11, 3)), 300, 100, 16, c.tables, 8, c.busy)
			var got Schedule
			for i := 0; i < b.N; i++ {
				got = ScheduleMeetings(si.in)
			}
			mustLeft := 0
			for _, u := range got.Unplaced {
				if u.Weight == WeightMustMust {
					mustLeft++
				}
			}
			b.ReportMetric(got.Weight/got.Bound, "weight/bound")
			b.ReportMetric(float64(len(got.Meetings)), "meetings")
			b.ReportMetric(float64(len(got.Unplaced)), "unplaced")
			b.ReportMetric(float64(mustLeft), "must-must-unplaced")
		})
	}
}

// TestTrackedScheduleValid checks the hard constraints on a smaller
// tracked instance, so the benchmark's instance family is known to be
// scheduled validly.
func TestTrackedScheduleValid(t *testing.T) {
	for seed := uint64(1); seed <= 5; seed++ {
		si := trackedSchedule(rand.New(rand.NewPCG(seed, 1)), 60, 20, 8, 6, 4, 0.3)
		got := ScheduleMeetings(si.in)
		checkSchedule(t, si, got)
		if got.Weight > got.Bound {
			t.Fatalf("seed %d: weight %v > bound %v", seed, got.Weight, got.Bound)
		}
	}
}
