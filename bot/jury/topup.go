package jury

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/kipina/kipina/bot"
	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/bot/round"
	"github.com/kipina/kipina/matching"
	"github.com/kipina/kipina/storage"
)

// topUp drafts, after publishing, the reviews the published assignment
// lacks: late applications, and reviews freed by conflicts or removed
// jurors that no juror could take then. Every existing review stays; the
// new pairs are chosen by the same optimiser (matching.Assign: expertise
// first, then balance), run once per number of missing reviews over the
// short applications, with the jurors already reviewing an application,
// conflicted ones, and those at the published maximum load excluded. The
// draft (Plan.Added) is previewed and published with jury publish.
func (m *module) topUp(r *bot.Request, ev round.Event, j Jury) (chat.Response, error) {
	if j.Closed || j.Decided {
		return chat.Response{}, bot.Refuse("jury.closed.no_changes", "Event", ev.NameIn(r.Lang))
	}
	if len(r.Args) > 1 {
		return chat.Response{}, bot.Refuse("jury.topup.no_flags", "EventID", ev.ID)
	}
	jurors := j.active()
	if len(jurors) == 0 {
		return chat.Response{}, bot.Refuse("jury.empty", "Event", ev.NameIn(r.Lang), "EventID", ev.ID)
	}
	var added map[string][]string
	var text string
	err := r.Update(func(tx *storage.Tx) error {
		cur, err := loadJury(tx, r.WS.ID, ev.ID)
		if err != nil {
			return err
		}
		apps, err := submitted(tx, r.WS.ID, ev.ID)
		if err != nil {
			return err
		}
		needs := cur.needs(apps)
		if len(needs) == 0 {
			return bot.Refuse("jury.topup.nothing", "Event", ev.NameIn(r.Lang))
		}
		if added, err = m.solveTopUp(r.Lang, tx, r.WS.ID, &cur, jurors, apps, needs); err != nil {
			return err
		}
		draft := &Plan{Reviews: cur.Published.Reviews, MinLoad: cur.Published.MinLoad, MaxLoad: cur.Published.MaxLoad,
			ByApp: map[string][]string{}, Created: r.Now(), Added: added}
		for app, js := range cur.Published.ByApp {
			draft.ByApp[app] = slices.Clone(js)
		}
		for app, js := range added {
			draft.ByApp[app] = append(draft.ByApp[app], js...)
		}
		cur.Draft = draft
		if err := Juries.Put(tx, r.WS.ID, ev.ID, cur); err != nil {
			return err
		}
		if text, err = m.topUpPreview(r, tx, ev, &cur); err != nil {
			return err
		}
		return r.Audit(tx, "jury.topup.draft", "event/"+ev.ID, fmt.Sprintf("%d applications", len(added)))
	})
	if err != nil {
		return chat.Response{}, fmt.Errorf("top up: %w", err)
	}
	return r.ReplyText(text + "\n" + r.T("jury.draft.publish_hint", "EventID", ev.ID))
}

// solveTopUp chooses the new pairs for the applications in needs (app →
// missing reviews). A refusal (jury.topup.infeasible) says in lang why
// no juror can be found; other errors are failed reads.
func (m *module) solveTopUp(lang string, tx *storage.Tx, ws string, j *Jury, jurors []Juror, apps []round.Application, needs map[string]int) (map[string][]string, error) {
	load := j.Published.Load()
	maxL := j.Published.MaxLoad
	added := map[string][]string{}
	byNeed := map[int][]round.Application{}
	for _, a := range apps {
		if n := needs[a.ID]; n > 0 {
			byNeed[n] = append(byNeed[n], a)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(byNeed)) {
		group := byNeed[k]
		p, err := buildProblem(tx, ws, j, jurors, group)
		if err != nil {
			return nil, err
		}
		conflict := p.in.Conflict
		p.in.Conflict = func(ji, ai int) bool {
			u := p.jurUs[ji]
			return conflict(ji, ai) || slices.Contains(j.Published.ByApp[group[ai].ID], u) ||
				(maxL > 0 && load[u] >= maxL)
		}
		p.in.Reviews, p.in.MinLoad, p.in.MaxLoad = k, 0, 0
		asg, err := matching.Assign(p.in)
		var inf *matching.InfeasibleError
		switch {
		case errors.As(err, &inf):
			return nil, bot.Refuse("jury.topup.infeasible", "Reason", m.infeasible(lang, p, inf), "EventID", j.Event)
		case err != nil:
			return nil, fmt.Errorf("top up: %w", err)
		}
		for ai, js := range asg.ByApp {
			for _, ji := range js {
				u := p.jurUs[ji]
				added[group[ai].ID] = append(added[group[ai].ID], u)
				load[u]++
			}
		}
	}
	return added, nil
}

// topUpPreview lists the reviews a top-up draft adds, per application,
// and the resulting loads.
func (m *module) topUpPreview(r *bot.Request, tx *storage.Tx, ev round.Event, j *Jury) (string, error) {
	var sb strings.Builder
	total := 0
	for _, js := range j.Draft.Added {
		total += len(js)
	}
	sb.WriteString(r.T("jury.topup.head", "Event", ev.NameIn(r.Lang), "Total", r.Env.Count(r.Lang, "count.reviews", total),
		"Apps", r.Env.Count(r.Lang, "count.applications", len(j.Draft.Added))) + "\n")
	ids := slices.Sorted(maps.Keys(j.Draft.Added))
	for _, id := range ids {
		a, found, err := round.Apps.Lookup(tx, r.WS.ID, id)
		if err != nil {
			return "", err
		}
		if !found {
			continue
		}
		var names []string
		for _, u := range j.Draft.Added[id] {
			if i := j.juror(u); i >= 0 {
				names = append(names, mention(j.Jurors[i].User))
			}
		}
		fmt.Fprintf(&sb, "• %s\n", r.T("jury.topup.line", "App", id, "Company", a.Company, "Jurors", strings.Join(names, ", "),
			"Count", len(j.Published.ByApp[id])))
	}
	sb.WriteString(r.T("jury.draft.loads") + "\n")
	load := j.Draft.Load()
	for _, jr := range j.active() {
		fmt.Fprintf(&sb, "• %s: %d\n", mention(jr.User), load[jr.User.User])
	}
	return strings.TrimRight(sb.String(), "\n"), nil
}

// checkTopUp refuses a top-up draft that no longer fits: an application
// left, a pair became conflicted or a juror left, or the published
// assignment changed so that a pair would be doubled or exceed Reviews.
func checkTopUp(tx *storage.Tx, ws, lang string, ev round.Event, j *Jury) error {
	stale := func(id string) error { return bot.Refuse(id, "Event", ev.NameIn(lang), "EventID", ev.ID) }
	if j.Draft.Added == nil {
		return stale("jury.publish.stale_apps")
	}
	for app, js := range j.Draft.Added {
		a, found, err := round.Apps.Lookup(tx, ws, app)
		if err != nil {
			return err
		}
		if !found || a.State != round.Submitted || len(j.Published.ByApp[app])+len(js) > max(j.Published.Reviews, 1) {
			return stale("jury.publish.stale_apps")
		}
		for _, u := range js {
			if j.juror(u) < 0 || j.conflicted(u, a) || j.Published.Has(u, app) {
				return stale("jury.publish.stale_conflicts")
			}
		}
	}
	return nil
}

// publishTopUp adds the top-up draft's pairs to the published assignment:
// each new pair's prompt is sent, a juror who had no reviews before also
// gets the list, and reminders are scheduled. It returns the prompts sent
// and the jurors concerned.
func (m *module) publishTopUp(r *bot.Request, tx *storage.Tx, ev round.Event, j *Jury) (prompts, jurors int, err error) {
	before := j.Published.Load()
	byJuror := map[string][]string{}
	for app, js := range j.Draft.Added {
		for _, u := range js {
			j.Published.ByApp[app] = append(j.Published.ByApp[app], u)
			byJuror[u] = append(byJuror[u], app)
		}
	}
	j.Draft = nil
	for _, u := range slices.Sorted(maps.Keys(byJuror)) {
		i := j.juror(u)
		if i < 0 {
			continue // checkTopUp refuses this
		}
		ur := j.Jurors[i].User
		apps := byJuror[u]
		sort.Strings(apps)
		jurors++
		if before[u] == 0 {
			if err := m.sendList(tx, r.WS, ev, j, ur, apps); err != nil {
				return 0, 0, err
			}
		}
		for _, app := range apps {
			if err := m.sendPrompt(tx, r.WS, ev, j, ur, app, false); err != nil {
				return 0, 0, err
			}
			prompts++
		}
		if err := m.scheduleJuror(tx, r.WS.ID, ev, j, ur); err != nil {
			return 0, 0, err
		}
	}
	if err := r.Audit(tx, "jury.topup.publish", "event/"+ev.ID, fmt.Sprintf("%d reviews, %d jurors", prompts, jurors)); err != nil {
		return 0, 0, err
	}
	return prompts, jurors, Juries.Put(tx, r.WS.ID, ev.ID, *j)
}
