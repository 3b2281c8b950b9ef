package matching

import (
	"math"
	"sort"
)

// Basis says how an application's Normalised score was obtained.
type Basis string

const (
	// BasisModel: the affine juror model (FitJurors) was fitted.
	BasisModel Basis = "model"
	// BasisMean: no juror reviewed two applications, so there was nothing
	// to learn about any juror's leniency or scale; Normalised is the plain
	// mean, standardised.
	BasisMean Basis = "mean"
)

// JurorFit is what the affine model learned about one juror, in units of
// the standard deviation of all review scores: the juror gives
// grand mean + Leniency + Scale × quality, plus noise.
type JurorFit struct {
	Juror    string
	Leniency float64
	Scale    float64
	// N is the number of the juror's reviews counted.
	N int
}

// Prior standard deviations of the affine model, in units of the standard
// deviation of all scores. They keep a juror with few reviews close to the
// typical juror (partial pooling) rather than explaining all their reviews
// by leniency. The leniency and quality spreads are re-estimated from the
// data (empirical Bayes, floored at these values ÷ 4); the scale prior is
// fixed.
const (
	priorLeniencySD = 0.5
	priorScaleSD    = 0.3
	priorQualitySD  = 1.0
	modelIterations = 200
	// The noise variance has a prior worth priorNoiseDF reviews at
	// priorNoiseSD, so a handful of reviews that happen to fit perfectly
	// do not claim certainty.
	priorNoiseSD = 0.5
	priorNoiseDF = 4
)

type obs struct {
	j, a int
	y    float64 // standardised score
}

// FitJurors fits the affine juror model by alternating least squares with
// Gaussian priors (a maximum a posteriori estimate):
//
//	score(j,a) = μ + S·(leniency_j + scale_j·quality_a + ε),  ε ~ N(0, σ²)
//
// μ and S are the mean and standard deviation of all counted review scores
// (rubric-weighted as in Results). Leniency, scale and quality are fitted
// jointly, so a juror whose applications happen to be strong (for example
// when jurors are assigned by expertise) is not mistaken for a lenient one,
// as a per-juror z-score would. quality is returned per application
// (standardised units) with its posterior standard deviation, and the
// jurors' fits. Abstentions and reviews without a usable score are left
// out. The fit is deterministic.
func FitJurors(reviews []Review, weights []float64) (quality, stdErr map[string]float64, jurors []JurorFit) {
	jurIx, appIx := map[string]int{}, map[string]int{}
	var jurNames, appNames []string
	var os []obs
	var xs []float64
	for _, r := range reviews {
		if r.Abstain {
			continue
		}
		x, ok := scoreWeighted(r.Scores, weights)
		if !ok {
			continue
		}
		j, found := jurIx[r.Juror]
		if !found {
			j = len(jurNames)
			jurIx[r.Juror] = j
			jurNames = append(jurNames, r.Juror)
		}
		a, found := appIx[r.App]
		if !found {
			a = len(appNames)
			appIx[r.App] = a
			appNames = append(appNames, r.App)
		}
		os = append(os, obs{j: j, a: a})
		xs = append(xs, x)
	}
	quality, stdErr = map[string]float64{}, map[string]float64{}
	if len(os) == 0 {
		return quality, stdErr, nil
	}
	mu, sd := scoreMeanSD(xs)
	if sd == 0 {
		sd = 1
	}
	for i := range os {
		os[i].y = (xs[i] - mu) / sd
	}
	nJ, nA := len(jurNames), len(appNames)
	lean, scale := make([]float64, nJ), make([]float64, nJ)
	q, qvar := make([]float64, nA), make([]float64, nA)
	byApp := make([][]int, nA)
	byJur := make([][]int, nJ)
	for i, o := range os {
		byApp[o.a] = append(byApp[o.a], i)
		byJur[o.j] = append(byJur[o.j], i)
	}
	for j := range scale {
		scale[j] = 1
	}
	tauA2, tauQ2, tauB2 := priorLeniencySD*priorLeniencySD, priorQualitySD*priorQualitySD, priorScaleSD*priorScaleSD
	sigma2 := 0.25
	for it := 0; it < modelIterations; it++ {
		// Quality given the jurors.
		for a, is := range byApp {
			num, den := 0.0, 1/tauQ2
			for _, i := range is {
				o := os[i]
				num += scale[o.j] * (o.y - lean[o.j]) / sigma2
				den += scale[o.j] * scale[o.j] / sigma2
			}
			q[a], qvar[a] = num/den, 1/den
		}
		// Each juror given the qualities: a 2×2 ridge regression.
		for j, is := range byJur {
			var n, sq, sq2, sy, syq float64
			for _, i := range is {
				o := os[i]
				n++
				sq += q[o.a]
				sq2 += q[o.a]*q[o.a] + qvar[o.a]
				sy += o.y
				syq += o.y * q[o.a]
			}
			a11, a12, a22 := n/sigma2+1/tauA2, sq/sigma2, sq2/sigma2+1/tauB2
			b1, b2 := sy/sigma2, syq/sigma2+1/tauB2
			det := a11*a22 - a12*a12
			lean[j] = (b1*a22 - a12*b2) / det
			scale[j] = (a11*b2 - a12*b1) / det
		}
		// Noise and prior spreads (empirical Bayes, floored).
		var rss float64
		for _, o := range os {
			e := o.y - lean[o.j] - scale[o.j]*q[o.a]
			rss += e*e + scale[o.j]*scale[o.j]*qvar[o.a]
		}
		sigma2 = (rss + priorNoiseDF*priorNoiseSD*priorNoiseSD) / (float64(len(os)) + priorNoiseDF)
		var ssq, ssa float64
		for a := range q {
			ssq += q[a]*q[a] + qvar[a]
		}
		for j := range lean {
			ssa += lean[j] * lean[j]
		}
		tauQ2 = max(ssq/float64(nA), tauQ2Floor)
		tauA2 = max(ssa/float64(nJ), tauA2Floor)
	}
	// The posterior variance of a quality given the jurors understates its
	// uncertainty: the jurors' leniency and scale are estimates too. Add
	// their covariance (the inverse of each juror's 2×2 system), carried
	// through the quality's estimating equation to first order.
	cov := make([][3]float64, nJ) // var(lean), cov, var(scale)
	for j, is := range byJur {
		var n, sq, sq2 float64
		for _, i := range is {
			o := os[i]
			n++
			sq += q[o.a]
			sq2 += q[o.a]*q[o.a] + qvar[o.a]
		}
		a11, a12, a22 := n/sigma2+1/tauA2, sq/sigma2, sq2/sigma2+1/tauB2
		det := a11*a22 - a12*a12
		cov[j] = [3]float64{a22 / det, -a12 / det, a11 / det}
	}
	// Degrees of freedom: the noise variance divides the residuals by the
	// number of reviews. Its EM form already adds back what the qualities'
	// uncertainty hides, but not what the jurors' fitted leniency and
	// scale absorb; scale the variances by n / (n − effective juror
	// parameters), each counted by how far the data, not its prior,
	// determine it.
	peff := 0.0
	for j := range cov {
		peff += (1 - cov[j][0]/tauA2) + (1 - cov[j][2]/tauB2)
	}
	n := float64(len(os))
	infl := 1.0
	if n-peff > 1 {
		infl = n / (n - peff)
	}
	for a, is := range byApp {
		v := qvar[a]
		for _, i := range is {
			o := os[i]
			da := -scale[o.j] * qvar[a] / sigma2
			db := (o.y - lean[o.j] - 2*scale[o.j]*q[a]) * qvar[a] / sigma2
			c := cov[o.j]
			v += da*da*c[0] + 2*da*db*c[1] + db*db*c[2]
		}
		qvar[a] = v * infl
	}
	for a, name := range appNames {
		quality[name], stdErr[name] = q[a], math.Sqrt(qvar[a])
	}
	for j, name := range jurNames {
		jurors = append(jurors, JurorFit{Juror: name, Leniency: lean[j], Scale: scale[j], N: len(byJur[j])})
	}
	sort.Slice(jurors, func(x, y int) bool { return jurors[x].Juror < jurors[y].Juror })
	return quality, stdErr, jurors
}

const (
	tauQ2Floor = priorQualitySD * priorQualitySD / 16
	tauA2Floor = priorLeniencySD * priorLeniencySD / 16
)

// Results ranks applications from their reviews.
//
// A review's score is the weighted mean of its criteria: weights[i] weighs
// criterion i, missing weights count 1, and unanswered (NaN) criteria are
// skipped. Mean is the plain mean of an application's review scores, kept
// so that an organiser can explain a result.
//
// Normalised is the application's quality in the affine juror model
// (FitJurors: each juror's leniency and scale fitted jointly with the
// applications' quality), in units of the standard deviation of all
// scores, and StdErr its posterior standard deviation; PAbove turns two
// results into the probability that one truly ranks above the other.
// Basis is BasisModel.
//
// Where the model has nothing to learn — no juror reviewed two
// applications — Normalised is the plain mean, standardised, and Basis is
// BasisMean: a juror's one score cannot show whether they are lenient, so
// a 5 is never ranked below a 1 by a guess.
//
// Results are sorted by Normalised, highest first, then by Mean, then by
// App. Applications with only abstentions appear last with N = 0 and zero
// statistics.
func Results(reviews []Review, weights []float64) []AppResult {
	apps := map[string]bool{}
	raw := map[string][]float64{}
	perJuror := map[string]int{}
	var all []float64
	for _, r := range reviews {
		apps[r.App] = true
		if r.Abstain {
			continue
		}
		if x, ok := scoreWeighted(r.Scores, weights); ok {
			raw[r.App] = append(raw[r.App], x)
			perJuror[r.Juror]++
			all = append(all, x)
		}
	}
	learn := false
	for _, n := range perJuror {
		learn = learn || n >= 2
	}
	var quality, se map[string]float64
	if learn {
		quality, se, _ = FitJurors(reviews, weights)
	}
	mu, sd := 0.0, 0.0
	if len(all) > 0 {
		mu, sd = scoreMeanSD(all)
	}
	if sd == 0 {
		sd = 1
	}
	out := make([]AppResult, 0, len(apps))
	for a := range apps {
		res := AppResult{App: a, N: len(raw[a])}
		if res.N > 0 {
			var rsd float64
			res.Mean, rsd = scoreMeanSD(raw[a])
			if learn {
				res.Normalised, res.StdErr, res.Basis = quality[a], se[a], BasisModel
			} else {
				res.Normalised, res.StdErr, res.Basis = (res.Mean-mu)/sd, rsd/sd/math.Sqrt(float64(res.N)), BasisMean
			}
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
		if a.Mean != b.Mean {
			return a.Mean > b.Mean
		}
		return a.App < b.App
	})
	return out
}

// PAbove is the probability, under the model, that application a truly
// ranks above b: Φ((a.Normalised − b.Normalised) / √(a.StdErr² + b.StdErr²)),
// 0.5 when neither has an uncertainty or either has no reviews.
func PAbove(a, b AppResult) float64 {
	if a.N == 0 || b.N == 0 {
		return 0.5
	}
	s := math.Sqrt(a.StdErr*a.StdErr + b.StdErr*b.StdErr)
	d := a.Normalised - b.Normalised
	if s == 0 {
		switch {
		case d > 0:
			return 1
		case d < 0:
			return 0
		}
		return 0.5
	}
	return 0.5 * math.Erfc(-d/s/math.Sqrt2)
}
