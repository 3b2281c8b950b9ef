package jury

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/kipina/kipina/bot"
	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/bot/format"
	"github.com/kipina/kipina/bot/outbox"
	"github.com/kipina/kipina/bot/round"
	"github.com/kipina/kipina/matching"
	"github.com/kipina/kipina/storage"
)

// buildProblem turns jurors and applications into matching's index form,
// with fits and conflicts computed once in tx. A removed juror conflicts
// with everything. The error is a failed read of the routing scores.
func buildProblem(tx *storage.Tx, ws string, j *Jury, jurors []Juror, apps []round.Application) (*problem, error) {
	p := &problem{appIx: map[string]int{}, jurIx: map[string]int{}}
	fitFn := fitOf(tx, ws)
	fit := make([][]float64, len(jurors))
	conf := make([][]bool, len(jurors))
	for ji, jr := range jurors {
		p.jurUs = append(p.jurUs, jr.User.User)
		p.jurIx[jr.User.User] = ji
		p.in.Jurors = append(p.in.Jurors, mention(jr.User))
		fit[ji] = make([]float64, len(apps))
		conf[ji] = make([]bool, len(apps))
		for ai, a := range apps {
			conf[ji][ai] = jr.Removed || j.conflicted(jr.User.User, a)
			if !conf[ji][ai] {
				f, err := fitFn(jr, a.ID)
				if err != nil {
					return nil, fmt.Errorf("fit of %s for %s: %w", jr.User.User, a.ID, err)
				}
				fit[ji][ai] = f
			}
		}
	}
	for ai, a := range apps {
		p.appIx[a.ID] = ai
		p.in.Apps = append(p.in.Apps, a.ID)
	}
	p.in.Fit = func(j, a int) float64 { return fit[j][a] }
	p.in.Conflict = func(j, a int) bool { return conf[j][a] }
	return p, nil
}

// submitted returns the event's submitted applications in id order.
func submitted(tx *storage.Tx, ws, event string) ([]round.Application, error) {
	all, err := round.EventApps(tx, ws, event)
	if err != nil {
		return nil, err
	}
	var out []round.Application
	for _, a := range all {
		if a.State == round.Submitted {
			out = append(out, a)
		}
	}
	return out, nil
}

// defaultLoads are the load limits when the organiser gives none: within
// a quarter of the average load either way, so expertise can pull work
// towards the right jurors without anyone carrying far more than others.
func defaultLoads(reviews, apps, jurors int) (lo, hi int) {
	if jurors == 0 {
		return 0, 0
	}
	avg := float64(reviews*apps) / float64(jurors)
	lo, hi = int(math.Floor(0.75*avg)), max(1, int(math.Ceil(1.25*avg)))
	return min(lo, apps), min(hi, apps) // nobody reviews more than all

}

// parseFlags reads "reviews=3 min=2 max=9" (also r=, R=).
func parseFlags(args []string) (reviews, lo, hi int, bad string) {
	lo, hi = -1, -1
	for _, a := range args {
		k, v, ok := strings.Cut(strings.ToLower(a), "=")
		n, err := strconv.Atoi(v)
		if !ok || err != nil || n < 0 {
			return 0, 0, 0, a
		}
		switch k {
		case "reviews", "r":
			reviews = n
		case "min":
			lo = n
		case "max":
			hi = n
		default:
			return 0, 0, 0, a
		}
	}
	return reviews, lo, hi, ""
}

// assign builds a draft assignment with matching.Assign and shows it.
func (m *module) assign(_ context.Context, r *bot.Request) (chat.Response, error) {
	ev, j, err := load(r, r.Args[0])
	if err != nil {
		return chat.Response{}, err
	}
	if j.Published != nil {
		return m.topUp(r, ev, j)
	}
	reviews, lo, hi, flag := parseFlags(r.Args[1:])
	if flag != "" {
		return chat.Response{}, bot.Refuse("jury.assign.bad_flag", "Flag", flag)
	}
	if reviews == 0 {
		reviews = matching.DefaultReviews
	}
	jurors := j.active()
	var apps []round.Application
	var p *problem
	err = r.Env.DB.View(func(tx *storage.Tx) (err error) {
		if apps, err = submitted(tx, r.WS.ID, ev.ID); err != nil {
			return err
		}
		p, err = buildProblem(tx, r.WS.ID, &j, jurors, apps)
		return err
	})
	if err != nil {
		return chat.Response{}, fmt.Errorf("assign: %w", err)
	}
	if len(jurors) == 0 {
		return chat.Response{}, bot.Refuse("jury.empty", "Event", ev.NameIn(r.Lang), "EventID", ev.ID)
	}
	if len(apps) == 0 {
		return chat.Response{}, bot.Refuse("jury.assign.no_apps", "Event", ev.NameIn(r.Lang))
	}
	dlo, dhi := defaultLoads(reviews, len(apps), len(jurors))
	if lo < 0 {
		lo = dlo
	}
	if hi < 0 {
		hi = max(dhi, lo)
	}
	p.in.Reviews, p.in.MinLoad, p.in.MaxLoad = reviews, lo, hi
	asg, err := matching.Assign(p.in)
	var inf *matching.InfeasibleError
	switch {
	case errors.As(err, &inf):
		return chat.Response{}, bot.Refuse("jury.assign.infeasible", "Reason", m.infeasible(r.Lang, p, inf),
			"Reviews", reviews, "Min", lo, "Max", hi)
	case err != nil:
		return chat.Response{}, fmt.Errorf("assign: %w", err)
	}
	plan := p.fromAssignment(asg, r.Now())
	var text string
	err = r.Update(func(tx *storage.Tx) error {
		cur, err := loadJury(tx, r.WS.ID, ev.ID)
		if err != nil {
			return err
		}
		if cur.Published != nil {
			return bot.Refuse("jury.assign.published", "Event", ev.NameIn(r.Lang))
		}
		cur.Draft = plan
		if err := Juries.Put(tx, r.WS.ID, ev.ID, cur); err != nil {
			return err
		}
		if text, err = m.preview(r, tx, ev, &cur, plan); err != nil {
			return err
		}
		return r.Audit(tx, "jury.draft", "event/"+ev.ID, fmt.Sprintf("reviews=%d min=%d max=%d fit=%.3f", reviews, lo, hi, plan.TotalFit))
	})
	if err != nil {
		return chat.Response{}, fmt.Errorf("save draft: %w", err)
	}
	return r.ReplyText(text + "\n" + r.T("jury.draft.publish_hint", "EventID", ev.ID))
}

// infeasible says in lang why matching.Assign found no assignment of p,
// in the order matching checks: load limits that contradict each other,
// too few or too many reviews for the loads, applications or jurors left
// with too few partners by conflicts, else the flow as a whole. matching's
// own Reason is English text for logs; a person reads this.
func (m *module) infeasible(lang string, p *problem, inf *matching.InfeasibleError) string {
	T := func(id string, kv ...any) string { return m.b.Cat.T(lang, id, kv...) }
	reviewsText := func(n int) string { return m.b.Count(lang, "count.reviews", n) }
	nA, nJ := len(p.in.Apps), len(p.in.Jurors)
	reviews, minL, maxL := p.in.Reviews, p.in.MinLoad, p.in.MaxLoad
	if reviews == 0 {
		reviews = matching.DefaultReviews
	}
	if maxL == 0 || maxL > nA {
		maxL = nA
	}
	need := reviews * nA
	switch {
	case minL > maxL:
		return T("jury.infeasible.min_above_max", "Min", minL, "Max", maxL)
	case nJ*maxL < need:
		return T("jury.infeasible.capacity", "Need", reviewsText(need), "Capacity", nJ*maxL)
	case nJ*minL > need:
		return T("jury.infeasible.min_load", "Min", minL, "MinTotal", reviewsText(nJ*minL), "Need", need)
	}
	var parts []string
	for _, a := range inf.Apps {
		free := 0
		for j := range nJ {
			if !p.in.Conflict(j, a) {
				free++
			}
		}
		parts = append(parts, T("jury.infeasible.app", "App", p.in.Apps[a], "Count", free, "Reviews", reviews))
	}
	for _, j := range inf.Jurors {
		free := 0
		for a := range nA {
			if !p.in.Conflict(j, a) {
				free++
			}
		}
		parts = append(parts, T("jury.infeasible.juror", "User", p.in.Jurors[j], "Count", free, "Min", minL))
	}
	if len(parts) > 0 {
		return strings.Join(parts, "; ")
	}
	return T("jury.infeasible.flow", "Min", minL, "Max", maxL, "Apps", m.b.Count(lang, "count.applications", nA), "Reviews", reviews)
}

// preview describes a plan: size, load per juror, coverage per target and
// expertise fit. The error is a failed read.
func (m *module) preview(r *bot.Request, tx *storage.Tx, ev round.Event, j *Jury, pl *Plan) (string, error) {
	var sb strings.Builder
	total := 0
	for _, js := range pl.ByApp {
		total += len(js)
	}
	load := pl.Load()
	sb.WriteString(r.T("jury.draft.head", "Event", ev.NameIn(r.Lang), "Apps", r.Env.Count(r.Lang, "count.applications", len(pl.ByApp)),
		"Reviews", r.Env.Count(r.Lang, "count.reviews", pl.Reviews), "Total", r.Env.Count(r.Lang, "count.reviews", total), "Load", loadRange(j.active(), load)) + "\n")
	sb.WriteString(r.T("jury.draft.loads") + "\n")
	for _, jr := range j.active() {
		fmt.Fprintf(&sb, "• %s: %d\n", mention(jr.User), load[jr.User.User])
	}
	// Coverage: per target, how many of its applications' reviews are by
	// a juror who knows the target.
	type cov struct{ apps, reviews, expert int }
	covs := map[string]*cov{}
	expertise := map[string][]string{}
	for _, jr := range j.Jurors {
		expertise[jr.User.User] = jr.Targets
	}
	for app, js := range pl.ByApp {
		a, found, err := round.Apps.Lookup(tx, r.WS.ID, app)
		if err != nil {
			return "", err
		}
		if !found {
			continue // checkDraft refuses to publish such a plan
		}
		t, err := appTarget(tx, r.WS.ID, a)
		if err != nil {
			return "", err
		}
		c := covs[t]
		if c == nil {
			c = &cov{}
			covs[t] = c
		}
		c.apps++
		for _, u := range js {
			c.reviews++
			for _, x := range expertise[u] {
				if x == t {
					c.expert++
					break
				}
			}
		}
	}
	sb.WriteString(r.T("jury.draft.coverage") + "\n")
	targets := targetIDs(m.b, ev)
	for t := range covs {
		if !knownTarget(m.b, ev, t) {
			targets = append(targets, t)
		}
	}
	for _, t := range targets {
		c := covs[t]
		if c == nil {
			continue
		}
		fmt.Fprintf(&sb, "• %s\n", r.T("jury.draft.coverage_line", "Target", ev.TargetName(m.b.Config.Tracks, t, r.Lang),
			"Count", c.apps, "Expert", c.expert, "Reviews", c.reviews))
	}
	avg := 0.0
	if total > 0 {
		avg = pl.TotalFit / float64(total)
	}
	sb.WriteString(r.T("jury.draft.fit", "Total", num(r.Lang, pl.TotalFit, 2), "Average", num(r.Lang, avg, 2)))
	return sb.String(), nil
}

// num formats x with prec decimals, with a decimal comma in Finnish and
// Swedish.
func num(lang string, x float64, prec int) string {
	return format.Decimal(lang, x, prec)
}

// checkDraft refuses a draft that cannot be published as it is: an
// application left or changed state (jury.publish.stale_apps), or a
// conflict was declared or the jury changed since
// (jury.publish.stale_conflicts). Other errors are failed reads.
func checkDraft(tx *storage.Tx, ws, lang string, ev round.Event, j *Jury) error {
	if j.Published != nil {
		return checkTopUp(tx, ws, lang, ev, j)
	}
	stale := func(id string) error { return bot.Refuse(id, "Event", ev.NameIn(lang), "EventID", ev.ID) }
	for app, js := range j.Draft.ByApp {
		a, found, err := round.Apps.Lookup(tx, ws, app)
		if err != nil {
			return err
		}
		if !found || a.State != round.Submitted {
			return stale("jury.publish.stale_apps")
		}
		for _, u := range js {
			if j.juror(u) < 0 || j.conflicted(u, a) {
				return stale("jury.publish.stale_conflicts")
			}
		}
	}
	apps, err := submitted(tx, ws, ev.ID)
	if err != nil {
		return err
	}
	if len(apps) != len(j.Draft.ByApp) {
		return stale("jury.publish.stale_apps")
	}
	return nil
}

// publishAsk shows what publishing does and asks for confirmation.
func (m *module) publishAsk(_ context.Context, r *bot.Request) (chat.Response, error) {
	ev, j, err := load(r, r.Args[0])
	if err != nil {
		return chat.Response{}, err
	}
	switch {
	case j.Published != nil && j.Draft == nil:
		return chat.Response{}, bot.Refuse("jury.publish.already", "Event", ev.NameIn(r.Lang), "EventID", ev.ID)
	case j.Draft == nil:
		return chat.Response{}, bot.Refuse("jury.publish.no_draft", "EventID", ev.ID)
	}
	var text string
	err = r.Env.DB.View(func(tx *storage.Tx) (err error) {
		if err = checkDraft(tx, r.WS.ID, r.Lang, ev, &j); err != nil {
			return err
		}
		if j.Published != nil {
			text, err = m.topUpPreview(r, tx, ev, &j)
			return err
		}
		text, err = m.preview(r, tx, ev, &j, j.Draft)
		return err
	})
	if err != nil {
		return chat.Response{}, fmt.Errorf("publish preview: %w", err)
	}
	dl := j.deadline(ev.Date, r.WS.Loc)
	confirm := r.T("jury.publish.confirm", "Count", len(j.Draft.Load()), "Deadline", r.FormatDateTime(dl))
	if j.Published != nil {
		confirm = r.T("jury.topup.confirm", "Count", len(j.Draft.Added))
	}
	if ev.Open(r.Now()) {
		// Issue 14: publishing while the call is open asks first and says
		// what happens to later applications.
		confirm = r.T("jury.publish.call_open", "Deadline", r.FormatDateTime(ev.Deadline), "EventID", ev.ID) + "\n" + confirm
	}
	return chat.Response{Reply: &chat.Message{
		Text:     text + "\n\n" + confirm,
		Controls: []chat.Control{{Kind: chat.Button, ID: PublishID.ID(ev.ID), Label: r.T("jury.publish.button"), Style: "primary"}},
	}}, nil
}

// publish makes the draft the assignment: each juror gets the list of
// their applications and a prompt per application, and reminders are
// scheduled.
func (m *module) publish(_ context.Context, r *bot.Request) (chat.Response, error) {
	id, err := PublishID.Of(r)
	if err != nil {
		return chat.Response{}, err
	}
	ev, _, err := load(r, id)
	if err != nil {
		return chat.Response{}, err
	}
	var prompts, jurors int
	err = r.Update(func(tx *storage.Tx) error {
		j, err := loadJury(tx, r.WS.ID, ev.ID)
		if err != nil {
			return err
		}
		switch {
		case j.Published != nil && j.Draft == nil:
			return bot.Refuse("jury.publish.already", "Event", ev.NameIn(r.Lang), "EventID", ev.ID)
		case j.Draft == nil:
			return bot.Refuse("jury.publish.no_draft", "EventID", ev.ID)
		}
		if err := checkDraft(tx, r.WS.ID, r.Lang, ev, &j); err != nil {
			return err
		}
		if j.Published != nil {
			var err error
			prompts, jurors, err = m.publishTopUp(r, tx, ev, &j)
			return err
		}
		j.Published, j.Draft = j.Draft, nil
		for _, jr := range j.active() {
			apps := j.Published.AppsOf(jr.User.User)
			if len(apps) == 0 {
				continue
			}
			jurors++
			if err := m.sendList(tx, r.WS, ev, &j, jr.User, apps); err != nil {
				return err
			}
			for _, app := range apps {
				if err := m.sendPrompt(tx, r.WS, ev, &j, jr.User, app, false); err != nil {
					return err
				}
				prompts++
			}
		}
		if err := m.scheduleReminders(tx, r.WS.ID, ev, &j); err != nil {
			return err
		}
		if err := r.Audit(tx, "jury.publish", "event/"+ev.ID, fmt.Sprintf("%d reviews, %d jurors", prompts, jurors)); err != nil {
			return err
		}
		return Juries.Put(tx, r.WS.ID, ev.ID, j)
	})
	if err != nil {
		return chat.Response{}, fmt.Errorf("publish: %w", err)
	}
	return r.Reply("jury.published", "Event", ev.NameIn(r.Lang), "Count", prompts, "Jurors", jurors)
}

// unmoved says why no juror could take a review over, with the counts
// matching.Reassign checks: the jurors already reviewing the application,
// those with a conflict, and those at the maximum load.
type unmoved struct {
	User, App, EventID          string
	Reviewing, Conflicted, Full int
	Max                         int
}

// text says it in lang (jury.reassign.none).
func (u *unmoved) text(m *module, lang string) string {
	return m.b.Cat.T(lang, "jury.reassign.none", "User", u.User, "App", u.App, "Reviewing", u.Reviewing,
		"Conflicted", u.Conflicted, "Full", u.Full, "Max", u.Max, "EventID", u.EventID)
}

// whyUnmoved counts, as matching.Reassign does, why no juror of p can
// take app's review over from juror in the assignment cur.
func whyUnmoved(p *problem, cur matching.Assignment, juror, app int) *unmoved {
	maxL := p.in.MaxLoad
	if maxL <= 0 || maxL > len(p.in.Apps) {
		maxL = len(p.in.Apps)
	}
	u := &unmoved{User: p.in.Jurors[juror], App: p.in.Apps[app], Reviewing: len(cur.ByApp[app]), Max: maxL}
	for j := range p.in.Jurors {
		switch {
		case slices.Contains(cur.ByApp[app], j):
		case p.in.Conflict(j, app):
			u.Conflicted++
		case len(cur.ByJuror[j]) >= maxL:
			u.Full++
		}
	}
	return u
}

// moveReview takes juror's review of app away after a conflict or
// removal and gives it to the best feasible juror (matching.Reassign: no
// other pair changes). It returns the new juror's user id, or "" and why
// when nobody can take it: the review then stays open as "needs a
// juror" (the application has fewer jurors than the plan's Reviews; see
// Jury.needs), the organisers are told how to fix it (add a juror, then
// top up with jury assign), and nothing is lost. The prompts and
// the organisers' notice are enqueued in tx; j is changed in place and
// saved by the caller. Errors are failed reads or writes.
func (m *module) moveReview(tx *storage.Tx, ws *bot.Workspace, ev round.Event, j *Jury, juror, app string) (string, *unmoved, error) {
	var apps []round.Application
	ids := make([]string, 0, len(j.Published.ByApp))
	for id := range j.Published.ByApp {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		a, err := round.LoadApp(tx, ws.ID, id)
		if err != nil {
			return "", nil, err
		}
		apps = append(apps, a)
	}
	if j.Conflicts == nil {
		j.Conflicts = map[string][]string{}
	}
	if !contains(j.Conflicts[juror], app) {
		j.Conflicts[juror] = append(j.Conflicts[juror], app)
	}
	p, err := buildProblem(tx, ws.ID, j, j.Jurors, apps)
	if err != nil {
		return "", nil, err
	}
	p.in.Reviews, p.in.MinLoad, p.in.MaxLoad = j.Published.Reviews, j.Published.MinLoad, j.Published.MaxLoad
	cur := p.toAssignment(j.Published)
	a := apps[p.appIx[app]]
	old := j.Jurors[p.jurIx[juror]].User
	next, err := matching.Reassign(p.in, cur, p.jurIx[juror], p.appIx[app])
	to := ""
	var why *unmoved
	switch {
	case errors.Is(err, matching.ErrInfeasible):
		why = whyUnmoved(p, cur, p.jurIx[juror], p.appIx[app])
		why.EventID = ev.ID
		js := j.Published.ByApp[app][:0:0]
		for _, u := range j.Published.ByApp[app] {
			if u != juror {
				js = append(js, u)
			}
		}
		j.Published.ByApp[app] = js
	case err != nil:
		return "", nil, err
	default:
		pl := p.fromAssignment(next, j.Published.Created)
		pl.Reviews, pl.MinLoad, pl.MaxLoad = j.Published.Reviews, j.Published.MinLoad, j.Published.MaxLoad
		for _, u := range pl.ByApp[app] {
			if !contains(j.Published.ByApp[app], u) {
				to = u
			}
		}
		j.Published = pl
	}
	if err := m.updatePrompt(tx, ws, ev, j, old, app); err != nil {
		return "", nil, err
	}
	// The organisers' notice: the review of app taken from juror, and
	// where it went.
	key := outbox.NewKey(ws.ID, "jury", ev.ID, "conflict", juror, app)
	if to != "" {
		nu := j.Jurors[p.jurIx[to]].User
		if err := m.sendPrompt(tx, ws, ev, j, nu, app, true); err != nil {
			return "", nil, err
		}
		if err := m.scheduleJuror(tx, ws.ID, ev, j, nu); err != nil {
			return "", nil, err
		}
		return to, nil, m.notify(tx, ws, key.With("moved", to), "jury.conflict.notice_moved",
			"User", mention(old), "App", app, "Company", a.Company, "To", chat.MentionID(to), "Event", ev.NameIn(ws.Lang))
	}
	if why == nil {
		return "", nil, fmt.Errorf("reassign %s of %s: no new juror and no reason", app, juror)
	}
	return "", why, m.notify(tx, ws, key.With("unmoved"), "jury.conflict.notice_failed",
		"User", mention(old), "App", app, "Company", a.Company, "Reason", why.text(m, ws.Lang), "Event", ev.NameIn(ws.Lang))
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// loadRange is the reviews per active juror as a range, one number when
// all have the same load ("4", not "3–4").
func loadRange(active []Juror, load map[string]int) string {
	if len(active) == 0 {
		return "0"
	}
	lo, hi := load[active[0].User.User], load[active[0].User.User]
	for _, jr := range active {
		lo, hi = min(lo, load[jr.User.User]), max(hi, load[jr.User.User])
	}
	return format.IntRange(lo, hi)
}
