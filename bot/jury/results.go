package jury

import (
	"context"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/kipina/kipina/bot"
	"github.com/kipina/kipina/bot/charts"
	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/bot/format"
	"github.com/kipina/kipina/bot/outbox"
	"github.com/kipina/kipina/bot/round"
	"github.com/kipina/kipina/configs"
	"github.com/kipina/kipina/matching"
	"github.com/kipina/kipina/storage"
)

// ranking computes the results of the published assignment. The error is
// a failed read.
func (m *module) ranking(tx *storage.Tx, ws string, j *Jury) ([]matching.AppResult, error) {
	if j.Published == nil {
		return nil, nil
	}
	var rs []Review
	err := Reviews.Scan(tx, ws, j.Event+"/", func(_ string, rv Review) error {
		rs = append(rs, rv)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return Ranking(m.b.Config.Rubric, j, rs), nil
}

// Ranking ranks applications from their reviews (matching.Results:
// weighted rubric means, normalised per juror, with standard errors). Only
// finished reviews of pairs still in the published assignment count (a
// review given before a conflict does not); with no published assignment
// every finished review counts.
func Ranking(rubric []configs.Criterion, j *Jury, reviews []Review) []matching.AppResult {
	weights := make([]float64, len(rubric))
	for i, c := range rubric {
		weights[i] = c.Weight
	}
	var rs []matching.Review
	for _, rv := range reviews {
		if !rv.Done() || (j.Published != nil && !j.Published.Has(rv.Juror.User, rv.App)) {
			continue
		}
		mr := matching.Review{Juror: rv.Juror.User, App: rv.App, Abstain: rv.Abstain}
		for _, c := range rubric {
			if s, ok := rv.Scores[c.ID]; ok {
				mr.Scores = append(mr.Scores, float64(s))
			} else {
				mr.Scores = append(mr.Scores, math.NaN())
			}
		}
		rs = append(rs, mr)
	}
	return matching.Results(rs, weights)
}

// tiesAtCut returns every application of ranked, other than last (the
// last one picked), whose normalised score equals last's to two decimals:
// those picked before it and those left out alike. ranked must hold only
// live applications (issue 21: a withdrawn one was named, and only the
// next entry was checked).
func tiesAtCut(ranked []matching.AppResult, last string) []string {
	i := slices.IndexFunc(ranked, func(x matching.AppResult) bool { return x.App == last })
	if i < 0 {
		return nil
	}
	var out []string
	for _, x := range ranked {
		if x.App != last && x.N > 0 && math.Abs(x.Normalised-ranked[i].Normalised) < 0.005 {
			out = append(out, x.App)
		}
	}
	return out
}

// missing holds, per submitted application of the event, the reviews
// still missing: open (not yet given by their juror) and unassigned (no
// juror at all: "needs a juror").
type missing struct {
	open, unassigned map[string]int
}

func (ms missing) total() int {
	n := 0
	for _, v := range ms.open {
		n += v
	}
	for _, v := range ms.unassigned {
		n += v
	}
	return n
}

// text says in r's language how many reviews are missing, per
// application.
func (ms missing) text(r *bot.Request) string {
	ids := map[string]bool{}
	for id := range ms.open {
		ids[id] = true
	}
	for id := range ms.unassigned {
		ids[id] = true
	}
	var parts []string
	for _, id := range slices.Sorted(maps.Keys(ids)) {
		parts = append(parts, r.T("jury.missing.app", "App", id, "Open", ms.open[id], "Unassigned", ms.unassigned[id]))
	}
	return r.T("jury.missing.head", "Count", ms.total()) + " " + strings.Join(parts, "; ")
}

// missingReviews computes the missing reviews of j's published
// assignment (none before publishing). The error is a failed read.
func missingReviews(tx *storage.Tx, ws string, j *Jury) (missing, error) {
	return missingOf(tx, ws, j, func(a round.Application) bool { return a.State == round.Submitted })
}

// missingOf is missingReviews over the event's applications that keep.
func missingOf(tx *storage.Tx, ws string, j *Jury, keep func(round.Application) bool) (missing, error) {
	ms := missing{open: map[string]int{}, unassigned: map[string]int{}}
	if j.Published == nil {
		return ms, nil
	}
	all, err := round.EventApps(tx, ws, j.Event)
	if err != nil {
		return ms, err
	}
	apps := slices.DeleteFunc(all, func(a round.Application) bool { return !keep(a) })
	for id, n := range j.needs(apps) {
		ms.unassigned[id] = n
	}
	for _, a := range apps {
		for _, u := range j.Published.ByApp[a.ID] {
			rv, err := loadReview(tx, ws, j.Event, a.ID, u)
			if err != nil {
				return ms, err
			}
			if !rv.Done() {
				ms.open[a.ID]++
			}
		}
	}
	return ms, nil
}

// bar draws mean ± standard error of a normalised score on a line of
// width characters spanning −2…+2: "·" outside, "─" the spread, "●" the
// mean, "|" zero.
func bar(mean, se float64, width int) string {
	const lo, hi = -2.0, 2.0
	pos := func(x float64) int {
		p := int(math.Round((min(hi, max(lo, x)) - lo) / (hi - lo) * float64(width-1)))
		return p
	}
	line := []rune(strings.Repeat("·", width))
	line[pos(0)] = '|'
	for i := pos(mean - se); i <= pos(mean+se); i++ {
		line[i] = '─'
	}
	line[pos(mean)] = '●'
	return string(line)
}

// results ranks the applications: mean, normalised score ± standard
// error, number of reviews, and a bar of the spread.
func (m *module) results(_ context.Context, r *bot.Request) (chat.Response, error) {
	ev, j, err := load(r, r.Args[0])
	if err != nil {
		return chat.Response{}, err
	}
	if j.Published == nil {
		return chat.Response{}, bot.Refuse("jury.progress.unpublished", "Event", ev.NameIn(r.Lang), "EventID", ev.ID)
	}
	var res []matching.AppResult
	var ms missing
	companies := map[string]string{}
	err = r.Env.DB.View(func(tx *storage.Tx) (err error) {
		if res, err = m.ranking(tx, r.WS.ID, &j); err != nil {
			return err
		}
		if ms, err = missingReviews(tx, r.WS.ID, &j); err != nil {
			return err
		}
		for _, x := range res {
			a, found, err := round.Apps.Lookup(tx, r.WS.ID, x.App)
			if err != nil {
				return err
			}
			if found {
				companies[x.App] = a.Company
			}
		}
		return nil
	})
	if err != nil {
		return chat.Response{}, fmt.Errorf("results: %w", err)
	}
	if len(res) == 0 {
		return chat.Response{}, bot.Refuse("jury.results.none", "Event", ev.NameIn(r.Lang))
	}
	var sb strings.Builder
	sb.WriteString(r.T("jury.results.head", "Event", ev.NameIn(r.Lang), "Count", len(res)) + "\n```\n")
	fmt.Fprintf(&sb, "%3s %-6s %-22s %5s %6s %5s %2s  %s\n", "#", "", r.T("jury.results.col.company"), r.T("jury.results.col.mean"),
		r.T("jury.results.col.norm"), "±", "n", "−2      0      +2")
	for i, x := range res {
		if x.N == 0 {
			fmt.Fprintf(&sb, "%3s %-6s %-22s %5s %6s %5s %2d\n", "–", x.App, bot.Clip(companies[x.App], 21), "–", "–", "–", 0)
			continue
		}
		se := num(r.Lang, x.StdErr, 2)
		if x.N < 2 { // one review says nothing about the spread
			se = "–"
		}
		fmt.Fprintf(&sb, "%3d %-6s %-22s %5s %6s %5s %2d  %s\n", i+1, x.App, bot.Clip(companies[x.App], 21), num(r.Lang, x.Mean, 2),
			signed(r.Lang, x.Normalised), se, x.N, bar(x.Normalised, x.StdErr, 17))
	}
	sb.WriteString("```\n")
	if len(res) > 0 && res[0].Basis == matching.BasisMean {
		sb.WriteString(r.T("jury.results.basis_mean") + "\n")
	}
	if ms.total() > 0 {
		sb.WriteString("⚠ " + ms.text(r) + "\n")
	}
	sb.WriteString(r.T("jury.results.explain", "EventID", ev.ID))
	if err := resultsChart(r, ev, j.Shortlist, res, companies); err != nil {
		return chat.Response{}, err
	}
	return r.ReplyText(sb.String())
}

// resultsChart sends the asker the results as a chart (charts.Results)
// where their platform takes files: each scored application's normalised
// score ± its uncertainty (none from a single review), best first, with
// the shortlist's cut marked when the shortlist is the top of the
// ranking. Nothing is sent when no application has a score. The error is
// a failed store write; a chart that fails to draw is logged and the text
// answer stands.
func resultsChart(r *bot.Request, ev round.Event, shortlist []string, res []matching.AppResult, companies map[string]string) error {
	var scores []charts.Score
	cut := 0
	prefix := true
	for _, x := range res {
		if x.N == 0 {
			continue
		}
		se := x.StdErr
		if x.N < 2 {
			se = 0
		}
		scores = append(scores, charts.Score{Label: x.App + " " + bot.Clip(companies[x.App], 24), Mean: x.Normalised, Err: se})
		in := slices.Contains(shortlist, x.App)
		if in && prefix {
			cut++
		} else if !in {
			prefix = false
		}
	}
	if len(scores) == 0 {
		return nil
	}
	if cut != len(shortlist) {
		cut = 0 // the shortlist is not the top of the ranking: no one line divides it
	}
	c, err := charts.Results(scores, cut, charts.ResultsText{
		Title: r.T("chart.results.heading"), Axis: r.T("chart.results.axis"), Cut: r.T("chart.results.cut"),
		Num: func(x float64) string { return r.Decimal(x, 2) }})
	if err != nil {
		r.Log().Warn("results chart", "event", ev.ID, "err", err)
		return nil
	}
	msg := charts.Message(c, "results-"+ev.ID, r.T("chart.results.comment", "Event", ev.NameIn(r.Lang)))
	_, err = r.SendFile(msg, "chart", "results", ev.ID)
	return err
}

func signed(lang string, x float64) string {
	s := num(lang, x, 2)
	if x >= 0 {
		s = "+" + s
	}
	return s
}

// shortlist stores who pitches: "top N" from the results, or application
// ids.
func (m *module) shortlist(_ context.Context, r *bot.Request) (chat.Response, error) {
	ev, j, err := load(r, r.Args[0])
	if err != nil {
		return chat.Response{}, err
	}
	if j.Decided {
		return chat.Response{}, bot.Refuse("jury.decide.already", "Event", ev.NameIn(r.Lang))
	}
	var ids []string
	var ties []string
	var ms missing
	var basisMean bool
	conf := "" // the first left out, and how sure the cut is
	var pAbove float64
	err = r.Env.DB.View(func(tx *storage.Tx) error {
		var err error
		if ms, err = missingReviews(tx, r.WS.ID, &j); err != nil {
			return err
		}
		if strings.EqualFold(r.Args[1], "top") {
			n, err := 0, error(nil)
			if len(r.Args) == 3 {
				n, err = strconv.Atoi(r.Args[2])
			}
			if len(r.Args) != 3 || err != nil || n < 1 {
				return bot.Refuse("jury.shortlist.usage", "App", "", "Event", ev.NameIn(r.Lang))
			}
			all, err := m.ranking(tx, r.WS.ID, &j)
			if err != nil {
				return err
			}
			var ranked []matching.AppResult // live applications only
			for _, x := range all {
				a, found, err := round.Apps.Lookup(tx, r.WS.ID, x.App)
				if err != nil {
					return err
				}
				if !found || a.State != round.Submitted {
					continue // withdrawn meanwhile
				}
				ranked = append(ranked, x)
				if x.N > 0 && len(ids) < n {
					ids = append(ids, x.App)
				}
			}
			if len(ids) > 0 {
				ties = tiesAtCut(ranked, ids[len(ids)-1])
				basisMean = ranked[0].Basis == matching.BasisMean
				// How sure the cut is: the probability, under the juror
				// model, that the last one chosen truly ranks above the first
				// one left out.
				if len(ranked) > len(ids) && ranked[len(ids)].N > 0 && !basisMean {
					conf, pAbove = ranked[len(ids)].App, matching.PAbove(ranked[len(ids)-1], ranked[len(ids)])
				}
			}
			if len(ids) == 0 {
				return bot.Refuse("jury.results.none", "App", "", "Event", ev.NameIn(r.Lang))
			}
			return nil
		}
		for _, a := range r.Args[1:] {
			id := strings.ToUpper(strings.TrimSuffix(a, ","))
			app, found, err := round.Apps.Lookup(tx, r.WS.ID, id)
			if err != nil {
				return err
			}
			if !found || app.Event != ev.ID || app.State != round.Submitted {
				return bot.Refuse("jury.shortlist.bad_app", "App", id, "Event", ev.NameIn(r.Lang))
			}
			if !slices.Contains(ids, id) {
				ids = append(ids, id)
			}
		}
		return nil
	})
	if err != nil {
		return chat.Response{}, fmt.Errorf("shortlist: %w", err)
	}
	var lines []string
	err = r.Update(func(tx *storage.Tx) error {
		cur, err := loadJury(tx, r.WS.ID, ev.ID)
		if err != nil {
			return err
		}
		if cur.Decided {
			return bot.Refuse("jury.decide.already", "Event", ev.NameIn(r.Lang))
		}
		cur.Event = ev.ID
		cur.Shortlist = ids
		for _, id := range ids {
			a, err := round.LoadApp(tx, r.WS.ID, id)
			if err != nil {
				return err
			}
			lines = append(lines, fmt.Sprintf("• %s %s", id, a.Company))
		}
		if err := r.Audit(tx, "jury.shortlist", "event/"+ev.ID, strings.Join(ids, " ")); err != nil {
			return err
		}
		return Juries.Put(tx, r.WS.ID, ev.ID, cur)
	})
	if err != nil {
		return chat.Response{}, fmt.Errorf("save shortlist: %w", err)
	}
	s := r.T("jury.shortlist.saved", "Event", ev.NameIn(r.Lang), "Count", len(ids), "EventID", ev.ID) + "\n" + strings.Join(lines, "\n")
	if len(ties) > 0 {
		s += "\n" + r.T("jury.shortlist.tie", "Count", len(ties), "Apps", strings.Join(ties, ", "), "Last", ids[len(ids)-1], "EventID", ev.ID)
	}
	if basisMean {
		s += "\n" + r.T("jury.results.basis_mean")
	}
	if conf != "" && len(ties) == 0 {
		s += "\n" + r.T("jury.shortlist.confidence", "Last", ids[len(ids)-1], "Percent", format.Percent(r.Lang, int(math.Round(pAbove*100)), 100))
	}
	if ms.total() > 0 {
		s += "\n⚠ " + ms.text(r)
	}
	return r.ReplyText(s)
}

// decisionText is the message a company gets, in lang.
func (m *module) decisionText(ws *bot.Workspace, ev round.Event, a round.Application, accepted bool, lang string) string {
	id := "jury.decision.declined.dm"
	if accepted {
		id = "jury.decision.accepted.dm"
	}
	return m.b.Cat.T(lang, id, "Company", a.Company, "App", a.ID, "Event", ev.NameIn(lang), "Place", ev.Place,
		"Date", m.b.FormatTime(lang, "format.date", ev.Date, ws.Loc))
}

func appLang(a round.Application) string {
	if a.Lang == "" {
		return "fi"
	}
	return a.Lang
}

// decideAsk previews the decision: how many are accepted and declined and
// the two messages as they read in Finnish, with a Confirm button.
func (m *module) decideAsk(_ context.Context, r *bot.Request) (chat.Response, error) {
	ev, j, err := load(r, r.Args[0])
	if err != nil {
		return chat.Response{}, err
	}
	switch {
	case j.Decided:
		return chat.Response{}, bot.Refuse("jury.decide.already", "Event", ev.NameIn(r.Lang))
	case len(j.Shortlist) == 0:
		return chat.Response{}, bot.Refuse("jury.decide.no_shortlist", "EventID", ev.ID)
	}
	var acc, dec []round.Application
	var ms missing
	err = r.Env.DB.View(func(tx *storage.Tx) error {
		var err error
		if ms, err = missingReviews(tx, r.WS.ID, &j); err != nil {
			return err
		}
		apps, err := submitted(tx, r.WS.ID, ev.ID)
		if err != nil {
			return err
		}
		for _, a := range apps {
			if slices.Contains(j.Shortlist, a.ID) {
				acc = append(acc, a)
			} else {
				dec = append(dec, a)
			}
		}
		return nil
	})
	if err != nil {
		return chat.Response{}, fmt.Errorf("decision preview: %w", err)
	}
	langs := map[string]int{}
	for _, a := range append(append([]round.Application{}, acc...), dec...) {
		if l := appLang(a); l != "fi" {
			langs[l]++
		}
	}
	sample := func(as []round.Application) round.Application {
		if len(as) > 0 {
			return as[0]
		}
		return round.Application{ID: "H0000", Company: r.T("jury.decide.sample_company")}
	}
	var sb strings.Builder
	sb.WriteString(r.T("jury.decide.preview", "Event", ev.NameIn(r.Lang), "Accepted", len(acc), "Declined", len(dec)) + "\n\n")
	sb.WriteString(r.T("jury.decide.accept_sample") + "\n> " + strings.ReplaceAll(m.decisionText(r.WS, ev, sample(acc), true, "fi"), "\n", "\n> ") + "\n\n")
	sb.WriteString(r.T("jury.decide.decline_sample") + "\n> " + strings.ReplaceAll(m.decisionText(r.WS, ev, sample(dec), false, "fi"), "\n", "\n> ") + "\n\n")
	sb.WriteString(r.T("jury.decide.languages", "English", langs["en"], "Swedish", langs["sv"]))
	label := r.T("jury.decide.confirm.button")
	if ms.total() > 0 {
		// Issue 14: ask before deciding on incomplete reviews.
		sb.WriteString("\n\n⚠ " + ms.text(r) + "\n" + r.T("jury.decide.incomplete", "EventID", ev.ID))
		label = r.T("jury.decide.confirm_incomplete.button")
	}
	return chat.Response{Reply: &chat.Message{Text: sb.String(), Controls: []chat.Control{
		{Kind: chat.Button, ID: DecideID.ID(ev.ID), Label: label, Style: "primary"},
	}}}, nil
}

// decide sets every submitted application of the event accepted
// (shortlisted) or declined through round.Transition and tells each
// company's sender and contacts once, in the application's language; the
// jury closes. A second confirmation finds the decision made and sends
// nothing.
func (m *module) decide(ctx context.Context, r *bot.Request) (chat.Response, error) {
	id, err := DecideID.Of(r)
	if err != nil {
		return chat.Response{}, err
	}
	ev, _, err := load(r, id)
	if err != nil {
		return chat.Response{}, err
	}
	var acc, dec int
	err = r.Update(func(tx *storage.Tx) error {
		j, err := loadJury(tx, r.WS.ID, ev.ID)
		if err != nil {
			return err
		}
		if j.Decided {
			return bot.Refuse("jury.decide.already", "Event", ev.NameIn(r.Lang))
		}
		if len(j.Shortlist) == 0 {
			return bot.Refuse("jury.decide.no_shortlist", "EventID", ev.ID)
		}
		apps, err := submitted(tx, r.WS.ID, ev.ID)
		if err != nil {
			return err
		}
		for _, a := range apps {
			ok := slices.Contains(j.Shortlist, a.ID)
			to, action := round.Declined, "app.decline"
			if ok {
				to, action = round.Accepted, "app.accept"
				acc++
			} else {
				dec++
			}
			a, _, err = round.Transition(ctx, r.Env.Events, tx, r.WS.ID, a.ID, to, r.User)
			if err != nil {
				return fmt.Errorf("decide %s: %w", a.ID, err)
			}
			if err := r.Audit(tx, action, "app/"+a.ID, ev.ID); err != nil {
				return err
			}
			// The sender and the contacts they added each hear it once, in
			// their language (bot.CompanyLangOf: the application's unless
			// they chose another).
			key := outbox.NewKey(r.WS.ID, "jury", ev.ID, "decision", a.ID, string(to))
			for _, u := range append([]chat.UserRef{a.Owner}, a.Contacts...) {
				msg := chat.Message{Text: m.decisionText(r.WS, ev, a, ok, r.Env.CompanyLangOf(tx, u, appLang(a)))}
				if _, err := outbox.Enqueue(tx, key.With(u.User), chat.DM(u), msg); err != nil {
					return fmt.Errorf("decision of %s to %s: %w", a.ID, u.User, err)
				}
			}
		}
		j.Event, j.Decided = ev.ID, true
		if err := r.Audit(tx, "jury.decide", "event/"+ev.ID, fmt.Sprintf("accepted %d, declined %d", acc, dec)); err != nil {
			return err
		}
		if !j.Closed {
			return m.closeJury(r, tx, ev, &j)
		}
		return Juries.Put(tx, r.WS.ID, ev.ID, j)
	})
	if err != nil {
		return chat.Response{}, fmt.Errorf("decide: %w", err)
	}
	return r.Reply("jury.decided", "Event", ev.NameIn(r.Lang), "Accepted", acc, "Declined", dec)
}

// Missing returns, per live application of j's event (submitted or
// decided), the number of reviews still missing: assigned but not given,
// plus those that need a juror. Applications with nothing missing are
// left out; before publishing the map is empty. The error is a failed
// read.
func Missing(tx *storage.Tx, ws string, j *Jury) (map[string]int, error) {
	ms, err := missingOf(tx, ws, j, func(a round.Application) bool { return a.State.Live() })
	if err != nil {
		return nil, err
	}
	out := map[string]int{}
	for id, n := range ms.open {
		out[id] += n
	}
	for id, n := range ms.unassigned {
		out[id] += n
	}
	return out, nil
}

// Conflicted returns the user ids of the jurors of j who have a conflict
// with a (declared, on its prompt, or as its sender or contact), in jury
// order.
func Conflicted(j *Jury, a round.Application) []string {
	var out []string
	for _, jr := range j.Jurors {
		if j.conflicted(jr.User.User, a) {
			out = append(out, jr.User.User)
		}
	}
	return out
}
