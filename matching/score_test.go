package matching

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"testing"
)

func TestZScoreResultsEdgeCases(t *testing.T) {
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
			got := ZScoreResults(tt.reviews, tt.weights)
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

// TestResultsModel checks the ranking's order and basis on small cases,
// including issue 21's "a juror with one review has no spread to
// normalise".
func TestResultsModel(t *testing.T) {
	one := func(j, a string, x float64) Review { return Review{Juror: j, App: a, Scores: []float64{x}} }
	tests := []struct {
		name    string
		reviews []Review
		order   []string
		basis   Basis
	}{
		{"empty", nil, nil, ""},
		// Issue 21: two applications, two jurors, one review each: one juror
		// gives 1, the other 5. Nothing can be learned about either juror,
		// so the plain mean ranks, and the 5 comes first whatever the ids.
		{"one review per juror falls back to the mean",
			[]Review{one("harsh", "H0001", 1), one("kind", "H0002", 5)}, []string{"H0002", "H0001"}, BasisMean},
		{"fallback keeps the mean order against ids",
			[]Review{one("kind", "H0001", 5), one("harsh", "H0002", 1)}, []string{"H0001", "H0002"}, BasisMean},
		{"abstentions are not zeros",
			[]Review{one("j", "a", 4), one("j", "b", 2), {Juror: "j", App: "c", Scores: []float64{1}, Abstain: true}},
			[]string{"a", "b", "c"}, BasisModel},
		{"lenient and harsh juror agree",
			[]Review{one("lenient", "a", 5), one("lenient", "b", 4), one("harsh", "a", 2), one("harsh", "b", 1)},
			[]string{"a", "b"}, BasisModel},
		// A lenient juror reviews only the strong applications, a harsh one
		// only the weak ones; a third juror, who saw one of each, shows that
		// the gap is real. A z-score per juror would erase it.
		{"joint fit keeps a real gap",
			[]Review{
				one("lenient", "s1", 5), one("lenient", "s2", 5), one("lenient", "s3", 4),
				one("harsh", "w1", 2), one("harsh", "w2", 1), one("harsh", "w3", 1),
				one("bridge", "s1", 5), one("bridge", "w1", 1), one("bridge", "s3", 4), one("bridge", "w3", 1),
			},
			[]string{"s1", "s2", "s3", "w1", "w2", "w3"}, BasisModel},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Results(tt.reviews, nil)
			if len(got) != len(tt.order) {
				t.Fatalf("got %+v, want order %v", got, tt.order)
			}
			for i, r := range got {
				if r.App != tt.order[i] {
					t.Fatalf("position %d: got %+v, want order %v", i, got, tt.order)
				}
				if r.N > 0 && r.Basis != tt.basis {
					t.Fatalf("%s: basis %q, want %q", r.App, r.Basis, tt.basis)
				}
			}
		})
	}
}

// TestResultsProperties: adding a constant to one juror's scores, or
// relabelling jurors and applications, does not change the order; every
// uncertainty is positive where a review counts.
func TestResultsProperties(t *testing.T) {
	for seed := range 20 {
		w := simulate(uint64(seed)+100, simParams{apps: 24, jurors: 8, reviews: 3})
		base := order(Results(w.reviews, nil))
		for _, r := range Results(w.reviews, nil) {
			if !(r.StdErr > 0) {
				t.Fatalf("seed %d: %s has uncertainty %v", seed, r.App, r.StdErr)
			}
		}
		renamed := make([]Review, len(w.reviews))
		for i, r := range w.reviews {
			renamed[len(w.reviews)-1-i] = Review{Juror: "x" + r.Juror, App: r.App, Scores: r.Scores}
		}
		if got := order(Results(renamed, nil)); KendallTau(got, base) < 0.999 {
			t.Fatalf("seed %d: order depends on juror names or input order: τ %.3f", seed, KendallTau(got, base))
		}
		for i := range w.reviews {
			w.reviews[i].Scores = []float64{w.reviews[i].Scores[0] * 10}
		}
		if got := order(Results(w.reviews, nil)); KendallTau(got, base) < 0.999 {
			t.Fatalf("seed %d: order depends on the unit of the scores: τ %.3f", seed, KendallTau(got, base))
		}
	}
}
