package matching

import (
	"fmt"
	"sort"
)

// Reassign replaces one review after juror declared a conflict with app once
// the assignment was published. Every other pair of current is kept (least
// change); the review goes to the feasible juror with the best fit, ties to
// the lower load, then the lower index. Feasible means: not juror, not
// already reviewing app, no conflict (in.Conflict, and the pair (juror, app)
// itself is treated as conflicted whether or not in.Conflict says so yet),
// and below MaxLoad. MinLoad is not enforced here: the juror who leaves may
// drop below it, which is the least change possible.
//
// It returns an *InfeasibleError saying why when no juror qualifies, and a
// plain error when current does not match in or does not contain the pair.
func Reassign(in AssignInput, current Assignment, juror, app int) (Assignment, error) {
	nA, nJ := len(in.Apps), len(in.Jurors)
	if len(current.ByApp) != nA || len(current.ByJuror) != nJ {
		return Assignment{}, fmt.Errorf("reassign: assignment has %d applications and %d jurors, input has %d and %d", len(current.ByApp), len(current.ByJuror), nA, nJ)
	}
	if app < 0 || app >= nA || juror < 0 || juror >= nJ {
		return Assignment{}, fmt.Errorf("reassign: juror %d or application %d out of range", juror, app)
	}
	has := false
	for _, j := range current.ByApp[app] {
		has = has || j == juror
	}
	if !has {
		return Assignment{}, fmt.Errorf("reassign: juror %s does not review application %s", in.Jurors[juror], in.Apps[app])
	}
	maxL := in.MaxLoad
	if maxL <= 0 || maxL > nA {
		maxL = nA
	}
	reviewing := make([]bool, nJ)
	for _, j := range current.ByApp[app] {
		reviewing[j] = true
	}
	best, bestFit := -1, int64(-1)
	var conflicted, full int
	for j := 0; j < nJ; j++ {
		switch {
		case reviewing[j]:
			continue
		case in.Conflict != nil && in.Conflict(j, app):
			conflicted++
			continue
		case len(current.ByJuror[j]) >= maxL:
			full++
			continue
		}
		f := int64(0)
		if in.Fit != nil {
			f = fitUnits(in.Fit(j, app))
		}
		if best < 0 || f > bestFit || (f == bestFit && len(current.ByJuror[j]) < len(current.ByJuror[best])) {
			best, bestFit = j, f
		}
	}
	if best < 0 {
		return Assignment{}, &InfeasibleError{
			Reason: fmt.Sprintf("no juror can replace %s on application %s: %d already review it, %d have a conflict and %d are at the maximum load %d — raise the maximum load or add a juror",
				in.Jurors[juror], in.Apps[app], len(current.ByApp[app]), conflicted, full, maxL),
			Apps:   []int{app},
			Jurors: []int{juror},
		}
	}
	out := Assignment{ByApp: make([][]int, nA), ByJuror: make([][]int, nJ)}
	for a, js := range current.ByApp {
		out.ByApp[a] = append([]int(nil), js...)
	}
	for j, as := range current.ByJuror {
		out.ByJuror[j] = append([]int(nil), as...)
	}
	asgReplace(out.ByApp[app], juror, best)
	sort.Ints(out.ByApp[app])
	out.ByJuror[juror] = asgRemove(out.ByJuror[juror], app)
	out.ByJuror[best] = append(out.ByJuror[best], app)
	sort.Ints(out.ByJuror[best])
	for a, js := range out.ByApp {
		for _, j := range js {
			if in.Fit != nil {
				out.TotalFit += in.Fit(j, a)
			}
		}
	}
	return out, nil
}

func asgReplace(s []int, old, new int) {
	for i, v := range s {
		if v == old {
			s[i] = new
		}
	}
}

func asgRemove(s []int, v int) []int {
	out := s[:0]
	for _, x := range s {
		if x != v {
			out = append(out, x)
		}
	}
	return out
}
