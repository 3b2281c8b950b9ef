package jury

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/kipina/kipina/bot"
	"github.com/kipina/kipina/bot/call"
	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/matching"
	"github.com/kipina/kipina/storage"
)

// buildProblem turns jurors and applications into matching's index form,
// with fits and conflicts computed once in tx. A removed juror conflicts
// with everything.
func buildProblem(tx *storage.Tx, ws string, j *Jury, jurors []Juror, apps []call.Application) *problem {
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
			conf[ji][ai] = jr.Removed || j.conflicted(jr.User.User, a.ID, a.Company, a.BusinessID)
			if !conf[ji][ai] {
				fit[ji][ai] = fitFn(jr, a.ID)
			}
		}
	}
	for ai, a := range apps {
		p.appIx[a.ID] = ai
		p.in.Apps = append(p.in.Apps, a.ID)
	}
	p.in.Fit = func(j, a int) float64 { return fit[j][a] }
	p.in.Conflict = func(j, a int) bool { return conf[j][a] }
	return p
}

// submitted returns the event's submitted applications in id order.
func submitted(tx *storage.Tx, ws, event string) ([]call.Application, error) {
	all, err := call.EventApps(tx, ws, event)
	if err != nil {
		return nil, err
	}
	var out []call.Application
	for _, a := range all {
		if a.State == call.Submitted {
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
func (m *module) assign(_ context.Context, r *bot.Request) chat.Response {
	ev, j, bad := load(r, r.Args[0])
	if bad != nil {
		return *bad
	}
	if j.Published != nil {
		return r.Reply("jury.assign.published", "Event", ev.Name)
	}
	reviews, lo, hi, flag := parseFlags(r.Args[1:])
	if flag != "" {
		return r.Reply("jury.assign.bad_flag", "Flag", flag)
	}
	if reviews == 0 {
		reviews = matching.DefaultReviews
	}
	jurors := j.active()
	var apps []call.Application
	var p *problem
	err := r.Bot.DB.View(func(tx *storage.Tx) (err error) {
		if apps, err = submitted(tx, r.WS.ID, ev.ID); err != nil {
			return err
		}
		p = buildProblem(tx, r.WS.ID, &j, jurors, apps)
		return nil
	})
	if err != nil {
		return internal(r, "assign", err)
	}
	if len(jurors) == 0 {
		return r.Reply("jury.empty", "Event", ev.Name, "EventID", ev.ID)
	}
	if len(apps) == 0 {
		return r.Reply("jury.assign.no_apps", "Event", ev.Name)
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
		return r.Reply("jury.assign.infeasible", "Reason", inf.Reason, "Reviews", reviews, "Min", lo, "Max", hi)
	case err != nil:
		return internal(r, "assign", err)
	}
	plan := p.fromAssignment(asg, r.Now())
	var text string
	err = r.Update(func(tx *storage.Tx) error {
		cur := loadJury(tx, r.WS.ID, ev.ID)
		if cur.Published != nil {
			return errPublished
		}
		cur.Draft = plan
		if err := Juries.Put(tx, r.WS.ID, ev.ID, cur); err != nil {
			return err
		}
		text = m.preview(r, tx, ev, &cur, plan)
		return r.Audit(tx, "jury.draft", "event/"+ev.ID, fmt.Sprintf("reviews=%d min=%d max=%d fit=%.3f", reviews, lo, hi, plan.TotalFit))
	})
	switch {
	case errors.Is(err, errPublished):
		return r.Reply("jury.assign.published", "Event", ev.Name)
	case err != nil:
		return internal(r, "save draft", err)
	}
	return r.ReplyText(text + "\n" + r.T("jury.draft.publish_hint", "EventID", ev.ID))
}

var errPublished = errors.New("already published")

// preview describes a plan: size, load per juror, coverage per target and
// expertise fit.
func (m *module) preview(r *bot.Request, tx *storage.Tx, ev call.Event, j *Jury, pl *Plan) string {
	var sb strings.Builder
	total := 0
	for _, js := range pl.ByApp {
		total += len(js)
	}
	sb.WriteString(r.T("jury.draft.head", "Event", ev.Name, "Apps", len(pl.ByApp), "Reviews", pl.Reviews,
		"Total", total, "Min", pl.MinLoad, "Max", pl.MaxLoad) + "\n")
	sb.WriteString(r.T("jury.draft.loads") + "\n")
	load := pl.Load()
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
		a, err := call.LoadApp(tx, r.WS.ID, app)
		if err != nil {
			continue
		}
		t := appTarget(tx, r.WS.ID, a)
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
	return sb.String()
}

// num formats x with prec decimals, with a decimal comma in Finnish and
// Swedish.
func num(lang string, x float64, prec int) string {
	s := strconv.FormatFloat(x, 'f', prec, 64)
	if lang == "fi" || lang == "sv" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

// checkDraft reports why a draft cannot be published as it is: an
// application left or changed state, or a conflict was declared since.
func checkDraft(tx *storage.Tx, ws string, j *Jury) (string, bool) {
	for app, js := range j.Draft.ByApp {
		a, err := call.LoadApp(tx, ws, app)
		if err != nil || a.State != call.Submitted {
			return "jury.publish.stale_apps", false
		}
		for _, u := range js {
			if j.juror(u) < 0 || j.conflicted(u, a.ID, a.Company, a.BusinessID) {
				return "jury.publish.stale_conflicts", false
			}
		}
	}
	apps, _ := submitted(tx, ws, j.Event)
	if len(apps) != len(j.Draft.ByApp) {
		return "jury.publish.stale_apps", false
	}
	return "", true
}

// publishAsk shows what publishing does and asks for confirmation.
func (m *module) publishAsk(_ context.Context, r *bot.Request) chat.Response {
	ev, j, bad := load(r, r.Args[0])
	if bad != nil {
		return *bad
	}
	switch {
	case j.Published != nil:
		return r.Reply("jury.publish.already", "Event", ev.Name)
	case j.Draft == nil:
		return r.Reply("jury.publish.no_draft", "EventID", ev.ID)
	}
	var why string
	var ok bool
	var text string
	r.Bot.DB.View(func(tx *storage.Tx) error {
		why, ok = checkDraft(tx, r.WS.ID, &j)
		text = m.preview(r, tx, ev, &j, j.Draft)
		return nil
	})
	if !ok {
		return r.Reply(why, "EventID", ev.ID)
	}
	dl := j.deadline(ev.Date, r.WS.Loc)
	return chat.Response{Reply: &chat.Message{
		Text:     text + "\n\n" + r.T("jury.publish.confirm", "Count", len(j.Draft.Load()), "Deadline", r.FormatDateTime(dl)),
		Controls: []chat.Control{{Kind: chat.Button, ID: "jury-publish:" + ev.ID, Label: r.T("jury.publish.button"), Style: "primary"}},
	}}
}

// publish makes the draft the assignment: each juror gets the list of
// their applications and a prompt per application, and reminders are
// scheduled.
func (m *module) publish(_ context.Context, r *bot.Request) chat.Response {
	ev, _, bad := load(r, r.Args[0])
	if bad != nil {
		return *bad
	}
	var prompts, jurors int
	var why string
	err := r.Update(func(tx *storage.Tx) error {
		j := loadJury(tx, r.WS.ID, ev.ID)
		switch {
		case j.Published != nil:
			why = "jury.publish.already"
			return nil
		case j.Draft == nil:
			why = "jury.publish.no_draft"
			return nil
		}
		if w, ok := checkDraft(tx, r.WS.ID, &j); !ok {
			why = w
			return nil
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
	switch {
	case err != nil:
		return internal(r, "publish", err)
	case why != "":
		return r.Reply(why, "Event", ev.Name, "EventID", ev.ID)
	}
	return r.Reply("jury.published", "Event", ev.Name, "Count", prompts, "Jurors", jurors)
}

// moveReview takes juror's review of app away after a conflict or
// removal and gives it to the best feasible juror (matching.Reassign: no
// other pair changes). It returns the new juror's user id, or "" and the
// reason in words when nobody can take it (the review is then dropped).
// The prompts and the organisers' notice are enqueued in tx; j is changed
// in place and saved by the caller.
func (m *module) moveReview(tx *storage.Tx, ws *bot.Workspace, platform string, ev call.Event, j *Jury, juror, app string) (string, string, error) {
	var apps []call.Application
	ids := make([]string, 0, len(j.Published.ByApp))
	for id := range j.Published.ByApp {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		a, err := call.LoadApp(tx, ws.ID, id)
		if err != nil {
			return "", "", err
		}
		apps = append(apps, a)
	}
	if j.Conflicts == nil {
		j.Conflicts = map[string][]string{}
	}
	if !contains(j.Conflicts[juror], app) {
		j.Conflicts[juror] = append(j.Conflicts[juror], app)
	}
	p := buildProblem(tx, ws.ID, j, j.Jurors, apps)
	p.in.Reviews, p.in.MinLoad, p.in.MaxLoad = j.Published.Reviews, j.Published.MinLoad, j.Published.MaxLoad
	cur := p.toAssignment(j.Published)
	a := apps[p.appIx[app]]
	old := j.Jurors[p.jurIx[juror]].User
	next, err := matching.Reassign(p.in, cur, p.jurIx[juror], p.appIx[app])
	var inf *matching.InfeasibleError
	to, why := "", ""
	switch {
	case errors.As(err, &inf):
		why = inf.Reason
		js := j.Published.ByApp[app][:0:0]
		for _, u := range j.Published.ByApp[app] {
			if u != juror {
				js = append(js, u)
			}
		}
		j.Published.ByApp[app] = js
	case err != nil:
		return "", "", err
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
		return "", "", err
	}
	key := fmt.Sprintf("jury/%s/%s/moved/%s/%s", ws.ID, ev.ID, juror, app)
	if to != "" {
		nu := j.Jurors[p.jurIx[to]].User
		if err := m.sendPrompt(tx, ws, ev, j, nu, app, true); err != nil {
			return "", "", err
		}
		if err := m.scheduleJuror(tx, ws.ID, ev, j, nu); err != nil {
			return "", "", err
		}
		return to, "", m.notify(tx, ws, platform, key, "jury.conflict.notice_moved",
			"User", mention(old), "App", app, "Company", a.Company, "To", chat.MentionID(to), "Event", ev.Name)
	}
	return "", why, m.notify(tx, ws, platform, key, "jury.conflict.notice_failed",
		"User", mention(old), "App", app, "Company", a.Company, "Reason", why, "Event", ev.Name)
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}
