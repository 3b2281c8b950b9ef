package matching_test

import (
	"fmt"

	"github.com/kipina/kipina/matching"
)

// A lenient and a harsh juror disagree on levels but agree on order;
// normalising per juror removes the difference of level.
func ExampleResults() {
	reviews := []matching.Review{
		{Juror: "Liisa", App: "Sensoriverkko Oy", Scores: []float64{5, 4}},
		{Juror: "Liisa", App: "Kaupunkisuunnittelu Ab", Scores: []float64{4, 4}},
		{Juror: "Liisa", App: "Energia Oy", Scores: []float64{3, 3}},
		{Juror: "Harri", App: "Sensoriverkko Oy", Scores: []float64{3, 2}},
		{Juror: "Harri", App: "Energia Oy", Scores: []float64{1, 1}},
		{Juror: "Harri", App: "Kaupunkisuunnittelu Ab", Abstain: true},
	}
	for _, r := range matching.Results(reviews, []float64{2, 1}) {
		fmt.Printf("%-23s mean %.2f normalised %+.2f ± %.2f (n=%d)\n", r.App, r.Mean, r.Normalised, r.StdErr, r.N)
	}
	// Output:
	// Sensoriverkko Oy        mean 3.67 normalised +0.82 ± 0.11 (n=2)
	// Kaupunkisuunnittelu Ab  mean 4.00 normalised +0.13 ± 0.00 (n=1)
	// Energia Oy              mean 2.00 normalised -0.88 ± 0.18 (n=2)
}
