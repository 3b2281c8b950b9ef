package matching_test

import (
	"fmt"

	"github.com/kipina/kipina/matching"
)

// A lenient and a harsh juror disagree on levels but agree on order; the
// affine juror model removes the difference of level, and the plain mean
// stays beside it. PAbove says how sure the order is.
func ExampleResults() {
	reviews := []matching.Review{
		{Juror: "Liisa", App: "Sensoriverkko Oy", Scores: []float64{5, 4}},
		{Juror: "Liisa", App: "Kaupunkisuunnittelu Ab", Scores: []float64{4, 4}},
		{Juror: "Liisa", App: "Energia Oy", Scores: []float64{3, 3}},
		{Juror: "Harri", App: "Sensoriverkko Oy", Scores: []float64{3, 2}},
		{Juror: "Harri", App: "Energia Oy", Scores: []float64{1, 1}},
		{Juror: "Harri", App: "Kaupunkisuunnittelu Ab", Abstain: true},
	}
	rs := matching.Results(reviews, []float64{2, 1})
	for _, r := range rs {
		fmt.Printf("%-23s mean %.2f normalised %+.2f ± %.2f (n=%d, %s)\n", r.App, r.Mean, r.Normalised, r.StdErr, r.N, r.Basis)
	}
	fmt.Printf("P(%s above %s) = %.2f\n", rs[0].App, rs[2].App, matching.PAbove(rs[0], rs[2]))
	// Output:
	// Sensoriverkko Oy        mean 3.67 normalised +0.33 ± 0.35 (n=2, model)
	// Kaupunkisuunnittelu Ab  mean 4.00 normalised +0.07 ± 0.42 (n=1, model)
	// Energia Oy              mean 2.00 normalised -0.48 ± 0.35 (n=2, model)
	// P(Sensoriverkko Oy above Energia Oy) = 0.95
}
