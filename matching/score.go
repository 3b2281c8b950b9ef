package matching

import (
	"math"
	"sort"
)

// Review is one juror's scores for one application, one score per rubric
// criterion (1..5). An abstaining review (Abstain, or no usable score) is
// left out of every statistic rather than counted as zero.
type Review struct {
	Juror  string
	App    string
	Scores []float64 // per criterion; NaN marks a criterion left unanswered
	// Abstain is set when the juror declined to score, for example after
	// declaring a conflict late.
	Abstain bool
}

// AppResult is the outcome for one application.
type AppResult struct {
	App string
	// Mean is the plain mean of the application's review scores.
	Mean float64
	// Normalised is the application's standardised score: its quality in
	// the affine juror model (Results), or for ZScoreResults the mean of the
	// per-juror z-scores of its reviews.
	Normalised float64
	// StdErr is the uncertainty of Normalised: the model's posterior
	// standard deviation (Results), or the standard error of the z-scores
	// (ZScoreResults, 0 with fewer than two).
	StdErr float64
	// N is the number of reviews counted (abstentions excluded).
	N int
	// Basis says how Normalised was obtained (Results only; "" when N = 0).
	Basis Basis
}

// ZScoreResults is the previous ranking, kept as the baseline of the
// simulation benchmark: per-juror z-scores.
//
// A review's score is the weighted mean of its criteria: weights[i] weighs
// criterion i, missing weights count 1, and unanswered (NaN) criteria are
// skipped. Each juror's review scores are then turned into z-scores,
// (score − juror mean) / juror standard deviation (sample, n−1), which
// removes the juror's leniency or harshness and scale. A juror with a single
// review, or whose reviews are all equal, is only centred (score − mean,
// which is then 0): there is nothing to learn about their scale.
//
// Normalised is the mean of an application's z-scores, StdErr their standard
// error. Results are sorted by Normalised, highest first, ties by App.
// Applications with only abstentions appear last with N = 0 and zero
// statistics.
func ZScoreResults(reviews []Review, weights []float64) []AppResult {
	type scored struct {
		juror, app string
		x          float64
	}
	var rs []scored
	apps := map[string]bool{}
	for _, r := range reviews {
		apps[r.App] = true
		if r.Abstain {
			continue
		}
		if x, ok := scoreWeighted(r.Scores, weights); ok {
			rs = append(rs, scored{r.Juror, r.App, x})
		}
	}
	byJuror := map[string][]float64{}
	for _, r := range rs {
		byJuror[r.juror] = append(byJuror[r.juror], r.x)
	}
	type norm struct{ mean, sd float64 }
	jn := map[string]norm{}
	for j, xs := range byJuror {
		m, sd := scoreMeanSD(xs)
		jn[j] = norm{m, sd}
	}
	raw := map[string][]float64{}
	zs := map[string][]float64{}
	for _, r := range rs {
		n := jn[r.juror]
		z := r.x - n.mean
		if n.sd > 0 {
			z /= n.sd
		}
		raw[r.app] = append(raw[r.app], r.x)
		zs[r.app] = append(zs[r.app], z)
	}
	out := make([]AppResult, 0, len(apps))
	for a := range apps {
		res := AppResult{App: a, N: len(zs[a])}
		if res.N > 0 {
			res.Mean, _ = scoreMeanSD(raw[a])
			var sd float64
			res.Normalised, sd = scoreMeanSD(zs[a])
			res.StdErr = sd / math.Sqrt(float64(res.N))
		}
		out = append(out, res)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if (a.N == 0) != (b.N == 0) {
			return b.N == 0
		}
		if a.Normalised != b.Normalised {
			return a.Normalised > b.Normalised
		}
		return a.App < b.App
	})
	return out
}

// scoreWeighted is the weighted mean of the answered criteria.
func scoreWeighted(scores, weights []float64) (float64, bool) {
	var sum, wsum float64
	for i, s := range scores {
		if math.IsNaN(s) {
			continue
		}
		w := 1.0
		if i < len(weights) {
			w = weights[i]
		}
		sum += w * s
		wsum += w
	}
	if wsum <= 0 {
		return 0, false
	}
	return sum / wsum, true
}

// scoreMeanSD returns the mean and the sample standard deviation (0 for
// fewer than two values).
func scoreMeanSD(xs []float64) (mean, sd float64) {
	for _, x := range xs {
		mean += x
	}
	mean /= float64(len(xs))
	if len(xs) < 2 {
		return mean, 0
	}
	var ss float64
	for _, x := range xs {
		ss += (x - mean) * (x - mean)
	}
	sd = math.Sqrt(ss / float64(len(xs)-1))
	if sd < 1e-12 {
		sd = 0
	}
	return mean, sd
}

// KendallTau is Kendall's rank correlation (τ-a) between two orderings of
// the same items, best first: 1 for the same order, −1 for reversed. Items
// that appear in only one ordering are ignored; with fewer than two common
// items it returns 0. If an item is listed twice, its first position counts.
func KendallTau(a, b []string) float64 {
	pos := make(map[string]int, len(b))
	for i, x := range b {
		if _, dup := pos[x]; !dup {
			pos[x] = i
		}
	}
	var rb []int
	seen := map[string]bool{}
	for _, x := range a {
		if p, ok := pos[x]; ok && !seen[x] {
			seen[x] = true
			rb = append(rb, p)
		}
	}
	n := len(rb)
	if n < 2 {
		return 0
	}
	var s int
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			if rb[i] < rb[j] {
				s++
			} else {
				s--
			}
		}
	}
	return float64(s) / float64(n*(n-1)/2)
}
