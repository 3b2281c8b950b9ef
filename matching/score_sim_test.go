package matching

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"
)

// The jury simulation of issue 14: nA applications of true quality
// N(0,1) (plus a topic effect N(0, 0.5²) in the expertise variant), nJ
// jurors with leniency N(0, 0.7²) and scale lognormal(0, 0.3²), R reviews
// per application with noise N(0, 0.5²), each score 3 + leniency +
// scale·quality + noise rounded and clamped to 1…5. Jurors are assigned
// by matching.Assign with equal loads: at random (random fits), or by
// expertise (each juror knows two of six topics, fit 1 there).
type simWorld struct {
	reviews      []Review
	quality      map[string]float64
	lean, scale  map[string]float64
	truth        []string // applications, truly best first
	appsByJuror  map[string][]string
	expertiseRun bool
}

type simParams struct {
	apps, jurors, reviews int
	expertise             bool
}

func simulate(seed uint64, p simParams) simWorld {
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	w := simWorld{quality: map[string]float64{}, lean: map[string]float64{}, scale: map[string]float64{}, appsByJuror: map[string][]string{}, expertiseRun: p.expertise}
	const topics = 6
	topicEffect := make([]float64, topics)
	for t := range topicEffect {
		if p.expertise {
			topicEffect[t] = 0.5 * rng.NormFloat64()
		}
	}
	appTopic := make([]int, p.apps)
	in := AssignInput{Reviews: p.reviews}
	for a := range p.apps {
		id := fmt.Sprintf("A%03d", a)
		appTopic[a] = rng.IntN(topics)
		w.quality[id] = topicEffect[appTopic[a]] + rng.NormFloat64()
		in.Apps = append(in.Apps, id)
	}
	knows := make([][2]int, p.jurors)
	for j := range p.jurors {
		id := fmt.Sprintf("J%02d", j)
		w.lean[id] = 0.7 * rng.NormFloat64()
		w.scale[id] = math.Exp(0.3 * rng.NormFloat64())
		in.Jurors = append(in.Jurors, id)
		t1 := rng.IntN(topics)
		t2 := (t1 + 1 + rng.IntN(topics-1)) % topics
		knows[j] = [2]int{t1, t2}
	}
	fit := make([][]float64, p.jurors)
	for j := range fit {
		fit[j] = make([]float64, p.apps)
		for a := range fit[j] {
			switch {
			case !p.expertise:
				fit[j][a] = rng.Float64()
			case knows[j][0] == appTopic[a] || knows[j][1] == appTopic[a]:
				fit[j][a] = 0.9 + 0.1*rng.Float64()
			default:
				fit[j][a] = 0.1 * rng.Float64()
			}
		}
	}
	in.Fit = func(j, a int) float64 { return fit[j][a] }
	load := p.apps * p.reviews / p.jurors
	in.MinLoad, in.MaxLoad = load, load+1
	asg, err := Assign(in)
	if err != nil {
		panic(err)
	}
	for a, js := range asg.ByApp {
		for _, j := range js {
			jid, aid := in.Jurors[j], in.Apps[a]
			x := 3 + w.lean[jid] + w.scale[jid]*w.quality[aid] + 0.5*rng.NormFloat64()
			x = min(5, max(1, math.Round(x)))
			w.reviews = append(w.reviews, Review{Juror: jid, App: aid, Scores: []float64{x}})
			w.appsByJuror[jid] = append(w.appsByJuror[jid], aid)
		}
	}
	w.truth = append(w.truth, in.Apps...)
	sort.Slice(w.truth, func(i, j int) bool { return w.quality[w.truth[i]] > w.quality[w.truth[j]] })
	return w
}

// oracle ranks by the mean of (score − 3 − leniency) / scale: what one
// could do knowing every juror's leniency and scale.
func (w simWorld) oracle() []string {
	sum, n := map[string]float64{}, map[string]float64{}
	for _, r := range w.reviews {
		sum[r.App] += (r.Scores[0] - 3 - w.lean[r.Juror]) / w.scale[r.Juror]
		n[r.App]++
	}
	var ids []string
	for id := range sum {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool {
		a, b := sum[ids[i]]/n[ids[i]], sum[ids[j]]/n[ids[j]]
		if a != b {
			return a > b
		}
		return ids[i] < ids[j]
	})
	return ids
}

func order(rs []AppResult) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.App
	}
	return out
}

func byMean(rs []AppResult) []string {
	c := append([]AppResult(nil), rs...)
	sort.SliceStable(c, func(i, j int) bool { return c[i].Mean > c[j].Mean })
	return order(c)
}

// simRatios is the mean Kendall τ against the true order, over seeds, of
// the model, the per-juror z-score, the plain mean and the oracle.
type simRatios struct{ model, z, mean, oracle float64 }

func runSim(p simParams, seeds int) simRatios {
	var s simRatios
	for seed := range seeds {
		w := simulate(uint64(seed)+1, p)
		s.model += KendallTau(order(Results(w.reviews, nil)), w.truth)
		s.z += KendallTau(order(ZScoreResults(w.reviews, nil)), w.truth)
		s.mean += KendallTau(byMean(Results(w.reviews, nil)), w.truth)
		s.oracle += KendallTau(w.oracle(), w.truth)
	}
	n := float64(seeds)
	return simRatios{s.model / n, s.z / n, s.mean / n, s.oracle / n}
}

var simVariants = []struct {
	name string
	p    simParams
}{
	{"random", simParams{apps: 120, jurors: 30, reviews: 3}},
	{"expertise", simParams{apps: 120, jurors: 30, reviews: 3, expertise: true}},
	{"random-40-jurors", simParams{apps: 120, jurors: 40, reviews: 3}},
	{"expertise-40-jurors", simParams{apps: 120, jurors: 40, reviews: 3, expertise: true}},
}

// TestRankingSimulation is the goal of issue 14: over 40 seeds, the
// affine model reaches at least 0.99 × the oracle's Kendall τ, with
// random and with expertise-driven assignment.
func TestRankingSimulation(t *testing.T) {
	if testing.Short() {
		t.Skip("simulation")
	}
	for _, v := range simVariants {
		r := runSim(v.p, 40)
		t.Logf("%-20s τ oracle %.4f; model %.4f (×%.4f); z-score %.4f (×%.4f); plain mean %.4f (×%.4f)",
			v.name, r.oracle, r.model, r.model/r.oracle, r.z, r.z/r.oracle, r.mean, r.mean/r.oracle)
		if r.model < 0.99*r.oracle {
			t.Errorf("%s: model τ %.4f < 0.99 × oracle %.4f", v.name, r.model, r.oracle)
		}
	}
}

// calibration bins every pair of applications by the model's confidence
// p = max(PAbove(a,b), PAbove(b,a)) and counts how often the true order
// agrees with the more likely one.
func calibration(p simParams, seeds int) (edges []float64, pairs, agree []int, meanP []float64) {
	edges = []float64{0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 1.0001}
	pairs, agree, meanP = make([]int, len(edges)-1), make([]int, len(edges)-1), make([]float64, len(edges)-1)
	for seed := range seeds {
		w := simulate(uint64(seed)+1, p)
		rs := Results(w.reviews, nil)
		for i := range rs {
			for k := i + 1; k < len(rs); k++ {
				a, b := rs[i], rs[k]
				pa := PAbove(a, b)
				hi, lo := a, b
				if pa < 0.5 {
					hi, lo, pa = b, a, 1-pa
				}
				bin := sort.SearchFloat64s(edges, pa+1e-12) - 1
				bin = min(max(bin, 0), len(pairs)-1)
				pairs[bin]++
				meanP[bin] += pa
				if w.quality[hi.App] > w.quality[lo.App] {
					agree[bin]++
				}
			}
		}
	}
	for b := range meanP {
		if pairs[b] > 0 {
			meanP[b] /= float64(pairs[b])
		}
	}
	return edges, pairs, agree, meanP
}

// TestCalibrationTable: when the model says A ranks above B with
// confidence p, the true order agrees about p of the time (within 0.03 in
// every bin with enough pairs).
func TestCalibrationTable(t *testing.T) {
	if testing.Short() {
		t.Skip("simulation")
	}
	for _, v := range simVariants[:2] {
		edges, pairs, agree, meanP := calibration(v.p, 40)
		var sb strings.Builder
		fmt.Fprintf(&sb, "%s\n  confidence      pairs  said   true\n", v.name)
		for b := range pairs {
			if pairs[b] == 0 {
				continue
			}
			got := float64(agree[b]) / float64(pairs[b])
			fmt.Fprintf(&sb, "  [%.2f, %.2f)  %7d  %.3f  %.3f\n", edges[b], min(edges[b+1], 1), pairs[b], meanP[b], got)
			if pairs[b] >= 500 && math.Abs(got-meanP[b]) > 0.03 {
				t.Errorf("%s: bin [%.2f, %.2f): said %.3f, true order agrees %.3f", v.name, edges[b], edges[b+1], meanP[b], got)
			}
		}
		t.Log(sb.String())
	}
}

// BenchmarkRankingSimulation reports the τ ratios against the oracle
// (model and z-score) for each variant, over 40 seeds per iteration.
func BenchmarkRankingSimulation(b *testing.B) {
	for _, v := range simVariants {
		b.Run(v.name, func(b *testing.B) {
			var r simRatios
			for range b.N {
				r = runSim(v.p, 40)
			}
			b.ReportMetric(r.model/r.oracle, "model/oracle")
			b.ReportMetric(r.z/r.oracle, "z/oracle")
			b.ReportMetric(r.mean/r.oracle, "mean/oracle")
		})
	}
}
