package matching

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"testing"
)

func TestResultsEdgeCases(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		name    string
		reviews []Review
		weights []float64
		want    []AppResult
	}{
		{"empty", nil, nil, []AppResult{}},
		{"abstentions are not zeros",
			[]Review{
				{Juror: "j", App: "a", Scores: []float64{4}},
				{Juror: "j", App: "b", Scores: []float64{2}},
				{Juror: "j", App: "c", Scores: []float64{1}, Abstain: true},
			}, nil,
			[]AppResult{
				{App: "a", Mean: 4, Normalised: 1 / math.Sqrt2, N: 1},
				{App: "b", Mean: 2, Normalised: -1 / math.Sqrt2, N: 1},
				{App: "c"},
			}},
		{"single review juror is centred only",
			[]Review{{Juror: "j", App: "a", Scores: []float64{5}}}, nil,
			[]AppResult{{App: "a", Mean: 5, N: 1}}},
		{"zero variance juror is centred only",
			[]Review{
				{Juror: "j", App: "a", Scores: []float64{3}},
				{Juror: "j", App: "b", Scores: []float64{3}},
			}, nil,
			[]AppResult{{App: "a", Mean: 3, N: 1}, {App: "b", Mean: 3, N: 1}}},
		{"weights and unanswered criteria",
			[]Review{
				{Juror: "j", App: "a", Scores: []float64{5, 1, nan}},
				{Juror: "j", App: "b", Scores: []float64{nan, nan, nan}},
			}, []float64{3, 1, 100},
			[]AppResult{{App: "a", Mean: 4, N: 1}, {App: "b"}}},
		{"lenient and harsh juror agree after normalising",
			[]Review{
				{Juror: "lenient", App: "a", Scores: []float64{5}},
				{Juror: "lenient", App: "b", Scores: []float64{4}},
				{Juror: "harsh", App: "a", Scores: []float64{2}},
				{Juror: "harsh", App: "b", Scores: []float64{1}},
			}, nil,
			[]AppResult{
				{App: "a", Mean: 3.5, Normalised: 1 / math.Sqrt2, N: 2},
				{App: "b", Mean: 2.5, Normalised: -1 / math.Sqrt2, N: 2},
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Results(tt.reviews, tt.weights)
			if len(got) != len(tt.want) {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
			for i := range got {
				g, w := got[i], tt.want[i]
				if g.App != w.App || g.N != w.N || !near(g.Mean, w.Mean) || !near(g.Normalised, w.Normalised) || !near(g.StdErr, w.StdErr) {
					t.Fatalf("result %d: got %+v, want %+v", i, g, w)
				}
			}
		})
	}
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestKendallTau(t *testing.T) {
	tests := []struct {
		a, b []string
		want float64
	}{
		{[]string{"a", "b", "c"}, []string{"a", "b", "c"}, 1},
		{[]string{"a", "b", "c"}, []string{"c", "b", "a"}, -1},
		{[]string{"a", "b", "c", "d"}, []string{"b", "a", "c", "d"}, 4.0 / 6},
		{[]string{"a", "x", "b"}, []string{"a", "b", "y"}, 1},
		{[]string{"a"}, []string{"a"}, 0},
		{nil, nil, 0},
	}
	for _, tt := range tests {
		if got := KendallTau(tt.a, tt.b); !near(got, tt.want) {
			t.Errorf("KendallTau(%v, %v) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

// TestNormalisationBeatsRawMean simulates juries with lenient, harsh and
// noisy members and checks that the normalised order is closer to the true
// quality order than the raw mean, on average over seeded trials.
func TestNormalisationBeatsRawMean(t *testing.T) {
	const trials, nApps, nJurors = 200, 60, 12
	var tauRaw, tauNorm float64
	for trial := 0; trial < trials; trial++ {
		rng := rand.New(rand.NewPCG(uint64(trial), 99))
		quality := make([]float64, nApps)
		for a := range quality {
			quality[a] = 3 + 0.8*rng.NormFloat64()
		}
		bias := make([]float64, nJurors)
		noise := make([]float64, nJurors)
		for j := range bias {
			switch j % 4 {
			case 0: // lenient
				bias[j], noise[j] = 1, 0.3
			case 1: // harsh
				bias[j], noise[j] = -1, 0.3
			case 2: // noisy
				bias[j], noise[j] = 0, 1
			default: // fair
				bias[j], noise[j] = 0, 0.3
			}
		}
		var reviews []Review
		for a := range quality {
			for _, j := range rng.Perm(nJurors)[:3] {
				s := quality[a] + bias[j] + noise[j]*rng.NormFloat64()
				s = math.Max(1, math.Min(5, s))
				reviews = append(reviews, Review{Juror: fmt.Sprint("j", j), App: fmt.Sprintf("a%02d", a), Scores: []float64{s}})
			}
		}
		truth := make([]string, nApps)
		for a := range truth {
			truth[a] = fmt.Sprintf("a%02d", a)
		}
		sort.SliceStable(truth, func(x, y int) bool { return quality[appIndex(truth[x])] > quality[appIndex(truth[y])] })
		res := Results(reviews, nil)
		norm := make([]string, len(res))
		for i, r := range res {
			norm[i] = r.App
		}
		raw := append([]AppResult(nil), res...)
		sort.SliceStable(raw, func(x, y int) bool { return raw[x].Mean > raw[y].Mean })
		rawOrder := make([]string, len(raw))
		for i, r := range raw {
			rawOrder[i] = r.App
		}
		tauNorm += KendallTau(norm, truth)
		tauRaw += KendallTau(rawOrder, truth)
	}
	tauNorm /= trials
	tauRaw /= trials
	t.Logf("mean Kendall τ to the true order over %d trials: raw mean %.3f, normalised %.3f", trials, tauRaw, tauNorm)
	if tauNorm <= tauRaw {
		t.Fatalf("normalised τ %.3f is not above raw τ %.3f", tauNorm, tauRaw)
	}
}

func appIndex(s string) int {
	var i int
	fmt.Sscanf(s, "a%d", &i)
	return i
}
