package followup

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kipina/kipina/bot"
	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/bot/jury"
	"github.com/kipina/kipina/bot/outbox"
	"github.com/kipina/kipina/bot/round"
	"github.com/kipina/kipina/bot/routing"
	"github.com/kipina/kipina/bot/schedule"
	"github.com/kipina/kipina/storage"
)

// stepPayload is what a step's due item carries.
type stepPayload struct {
	Event string    `json:"event"`
	Step  Step      `json:"step"`
	Due   time.Time `json:"due"`
}

func stepKey(ws, event string, s Step) string {
	return "followup/" + ws + "/" + event + "/" + string(s)
}

// escalationHorizon is how long after the event the daily escalation
// check keeps running while some pair is still open.
const escalationHorizon = 365 * 24 * time.Hour

// Due returns when step s of plan p falls due for event ev in loc.
func (p Plan) Due(ev round.Event, s Step, loc *time.Location) time.Time {
	return schedule.At(ev.Date, p.Days[s], p.Hour, p.Minute, loc)
}

// schedule adds (or moves) the due items of the steps not yet run.
func (m *module) schedule(tx *storage.Tx, ws *bot.Workspace, p Plan, ev round.Event) error {
	for _, s := range Steps {
		if _, done := p.Done[s]; done {
			continue
		}
		due := p.Due(ev, s, ws.Loc)
		payload, err := json.Marshal(stepPayload{Event: ev.ID, Step: s, Due: due})
		if err != nil {
			return err
		}
		if err := schedule.Add(tx, schedule.Item{Key: stepKey(ws.ID, ev.ID, s), Workspace: ws.ID, User: workspaceClock(ws, p),
			Kind: kindStep, Due: due, Payload: payload}); err != nil {
			return err
		}
	}
	// One escalation chain per event: a changed plan replaces it.
	old, err := schedule.Pending(tx, ws.ID, "followup/"+ws.ID+"/"+ev.ID+"/escalate/")
	if err != nil {
		return err
	}
	for _, it := range old {
		if err := schedule.Cancel(tx, it.Key); err != nil {
			return err
		}
	}
	first := schedule.At(ev.Date, 1, p.Hour, p.Minute, ws.Loc)
	if now := tx.Now(); first.Before(now) {
		first = now
	}
	return m.scheduleEscalation(tx, ws, p, ev.ID, first)
}

func (m *module) scheduleEscalation(tx *storage.Tx, ws *bot.Workspace, p Plan, event string, due time.Time) error {
	payload, err := json.Marshal(stepPayload{Event: event, Due: due})
	if err != nil {
		return err
	}
	return schedule.Add(tx, schedule.Item{Key: escalateKey(ws.ID, event, due.In(ws.Loc)), Workspace: ws.ID, User: workspaceClock(ws, p),
		Kind: kindEscalate, Due: due, Payload: payload})
}

// workspaceClock is the due items' recipient for the scheduler's quiet
// hours: a campaign step writes to many people, so it keeps the
// workspace's zone and quiet hours — the ones the plan's words and the
// late policy count with (sendsAt, lateness) — not the zone of the
// organiser who started it.
func workspaceClock(ws *bot.Workspace, p Plan) chat.UserRef {
	return chat.UserRef{Platform: p.StartedBy.Platform, Workspace: ws.ID}
}

// escalateKey is unique per day: the handler adds the next day's item
// while its own is removed after it returns.
func escalateKey(ws, event string, day time.Time) string {
	return "followup/" + ws + "/" + event + "/escalate/" + day.Format("20060102")
}

// cancel removes every pending item of an event's campaign.
func cancel(tx *storage.Tx, ws, event string) error {
	items, err := schedule.Pending(tx, ws, "followup/"+ws+"/"+event+"/")
	if err != nil {
		return err
	}
	for _, it := range items {
		if err := schedule.Cancel(tx, it.Key); err != nil {
			return err
		}
	}
	return nil
}

// lateness is how late a step runs at now: counted from the first moment
// quiet hours allowed it, so a weekend or a holiday is not lateness but
// the bot being down is.
func lateness(ws *bot.Workspace, due, now time.Time) time.Duration {
	return max(now.Sub(ws.Quiet.Next(due, ws.Loc)), 0)
}

// sendsAt returns when a step due at due, not yet run, goes out if the bot
// runs from now on, and the policy it will run under: at its due time, or
// at the first moment after it (and not before now) that the workspace's
// quiet hours and days off allow.
func (p Plan) sendsAt(ws *bot.Workspace, due, now time.Time) (time.Time, string) {
	at := due
	if now.After(at) {
		at = now
	}
	at = ws.Quiet.Next(at, ws.Loc)
	return at, p.policyFor(lateness(ws, due, at))
}

// policyFor returns the late-item policy for a step that is late.
func (p Plan) policyFor(late time.Duration) string {
	day := 24 * time.Hour
	switch {
	case late > time.Duration(p.LateSkipDays)*day:
		return Skipped
	case late > time.Duration(p.LateNoteDays)*day:
		return LateNote
	default:
		return OnTime
	}
}

// runStep runs a campaign step: every message of the step is enqueued in
// this one transaction, or none is.
func (m *module) runStep(tx *storage.Tx, it schedule.Item, late time.Duration) error {
	var pl stepPayload
	if err := json.Unmarshal(it.Payload, &pl); err != nil {
		return fmt.Errorf("followup step %s: %w", it.Key, err)
	}
	ws, ok := m.env.Workspace(it.Workspace)
	if !ok {
		return nil // the workspace left the configuration; nothing to say
	}
	p, ok, err := LoadPlan(tx, ws.ID, pl.Event)
	if err != nil {
		return err
	}
	if _, done := p.Done[pl.Step]; !ok || p.Stopped || done {
		return nil
	}
	ev, ok, err := round.Events.Lookup(tx, ws.ID, pl.Event)
	if err != nil {
		return err
	}
	if !ok {
		m.env.Log.Warn("follow-up of a missing event", "event", pl.Event)
		return nil
	}
	now := it.Due.Add(late)
	run := StepRun{At: now, Due: pl.Due, Policy: p.policyFor(lateness(ws, pl.Due, now))}
	if run.Policy != Skipped {
		if err := m.ensurePairs(tx, ws.ID, ev); err != nil {
			return err
		}
		if run.Sent, err = m.send(tx, ws, ev, pl.Step, run); err != nil {
			return err
		}
	}
	if run.Policy != OnTime {
		if err := m.tellLate(tx, ws, p, ev, pl.Step, run); err != nil {
			return err
		}
	}
	if p.Done == nil {
		p.Done = map[Step]StepRun{}
	}
	p.Done[pl.Step] = run
	if err := Plans.Put(tx, ws.ID, ev.ID, p); err != nil {
		return err
	}
	return tx.Audit(ws.ID, storage.AuditEntry{Who: "system", Action: "followup." + string(pl.Step), Subject: "event/" + ev.ID,
		Detail: fmt.Sprintf("%s, %d messages", run.Policy, run.Sent)})
}

// send enqueues a step's messages and returns how many.
func (m *module) send(tx *storage.Tx, ws *bot.Workspace, ev round.Event, s Step, run StepRun) (int, error) {
	note := func(lang string) string {
		if run.Policy != LateNote {
			return ""
		}
		return m.env.Cat.T(lang, "followup.late.note", "Date", m.env.FormatTime(lang, "format.date", run.Due, ws.Loc)) + "\n\n"
	}
	n := 0
	if s == Survey {
		people, err := Participants(tx, ws.ID, ev.ID)
		if err != nil {
			return 0, err
		}
		for _, pp := range people {
			lang, err := m.langFor(tx, pp.User, pp.Lang)
			if err != nil {
				return n, err
			}
			msg := chat.Message{Text: note(lang) + m.env.Cat.T(lang, "followup.survey.prompt", "Event", ev.NameIn(lang))}
			for score := 1; score <= 5; score++ {
				msg.Controls = append(msg.Controls, chat.Control{Kind: chat.Button, Label: fmt.Sprint(score),
					ID: scoreID.ID(scoreRef{ev.ID, score})})
			}
			if _, err := outbox.Enqueue(tx, SurveyKey(ws.ID, ev.ID, pp.User), chat.DM(pp.User), msg); err != nil {
				return n, err
			}
			n++
		}
		return n, nil
	}
	pairs, err := EventPairs(tx, ws.ID, ev.ID)
	if err != nil {
		return 0, err
	}
	for _, p := range pairs {
		if p.Done() || (s == NextSteps && rank(p.Stage) >= rank(Agreed)) {
			continue
		}
		app, ok, err := round.Apps.Lookup(tx, ws.ID, p.App)
		if err != nil {
			return n, err
		}
		if !ok {
			continue // the application is gone: nobody to ask
		}
		us, err := pairPeople(tx, ws.ID, app, p.Target)
		if err != nil {
			return n, err
		}
		company := append([]chat.UserRef{app.Owner}, app.Contacts...)
		for _, u := range us {
			// The company's language is the company people's; a city
			// contact reads their own (issue 15: a city contact got the
			// questions in the company's English).
			pref := ""
			if slices.Contains(company, u) {
				pref = app.Lang
			}
			lang, err := m.langFor(tx, u, pref)
			if err != nil {
				return n, err
			}
			msg := chat.Message{Text: note(lang) + m.env.Cat.T(lang, "followup."+string(s)+".prompt", "Event", ev.NameIn(lang),
				"Company", app.Company, "App", app.ID, "Target", ev.TargetName(m.env.Config.Tracks, p.Target, lang))}
			for _, a := range answersOf(s) {
				msg.Controls = append(msg.Controls, chat.Control{Kind: chat.Button, Label: m.env.Cat.T(lang, "followup."+a+".button"),
					ID: answerID.ID(answerRef{ev.ID, app.ID, a})})
			}
			if _, err := outbox.Enqueue(tx, PromptKey(ws.ID, ev.ID, s, app.ID, u), chat.DM(u), msg); err != nil {
				return n, err
			}
			n++
		}
	}
	return n, nil
}

// answersOf lists the answer buttons of a step.
func answersOf(s Step) []string {
	if s == NextSteps {
		return []string{"agreed", "contacted", "none", "closed"}
	}
	return []string{"pilot", "procurement", "none", "closed"}
}

// SurveyKey is the outbox key of a participant's survey prompt:
// ws/followup/<event>/survey/<platform>/<user>. A campaign surveys each
// participant once.
func SurveyKey(ws, event string, u chat.UserRef) outbox.Key {
	return outbox.NewKey(ws, "followup", event, string(Survey), u.Platform, u.User)
}

// PromptKey is the outbox key of a pair's prompt of step s to u:
// ws/followup/<event>/<step>/<app>/<platform>/<user>. Each step runs once.
func PromptKey(ws, event string, s Step, app string, u chat.UserRef) outbox.Key {
	return outbox.NewKey(ws, "followup", event, string(s), app, u.Platform, u.User)
}

// tellLate tells the organisers that a step ran late and what was done.
func (m *module) tellLate(tx *storage.Tx, ws *bot.Workspace, p Plan, ev round.Event, s Step, run StepRun) error {
	to, lang := m.organisers(tx, ws, p)
	days := int((run.At.Sub(run.Due) + 12*time.Hour) / (24 * time.Hour))
	msg := chat.Message{Text: m.env.Cat.T(lang, "followup.late."+run.Policy, "Event", ev.NameIn(lang), "Step", m.env.Cat.T(lang, "followup.step."+string(s)),
		"Date", m.env.FormatTime(lang, "format.date", run.Due, ws.Loc), "Count", days, "Sent", run.Sent)}
	_, err := outbox.Enqueue(tx, outbox.NewKey(ws.ID, "followup", ev.ID, "late", string(s)), to, msg)
	return err
}

// organisers is where notices to the organisers go: the workspace's notify
// channel, else the organiser who started the campaign; and its language.
func (m *module) organisers(tx *storage.Tx, ws *bot.Workspace, p Plan) (chat.Address, string) {
	if ws.NotifyChannel != "" {
		return ws.Channel(ws.NotifyChannel), ws.Lang
	}
	return chat.DM(p.StartedBy), m.env.LangOf(tx, p.StartedBy)
}

// langFor is the language to write to u in: their choice, else the
// language they applied in (pref), else the bot's default for them.
func (m *module) langFor(tx *storage.Tx, u chat.UserRef, pref string) (string, error) {
	if _, err := bot.LoadUser(tx, u); err != nil {
		return "", err
	}
	if pref != "" {
		return m.env.CompanyLangOf(tx, u, pref), nil
	}
	return m.env.LangOf(tx, u), nil
}

// ensurePairs adds a pitched pair for every accepted application of the
// event not yet in the funnel, and follows a changed routing of pairs that
// have not moved.
func (m *module) ensurePairs(tx *storage.Tx, ws string, ev round.Event) error {
	apps, err := round.EventApps(tx, ws, ev.ID)
	if err != nil {
		return err
	}
	for _, a := range apps {
		if a.State != round.Accepted {
			continue
		}
		target, err := primary(tx, ws, a)
		if err != nil {
			return err
		}
		p, found, err := Pairs.Lookup(tx, ws, PairKey(ev.ID, a.ID))
		switch {
		case err != nil:
			return err
		case !found:
			p = Pair{Event: ev.ID, App: a.ID, Company: a.Company, Target: target, Stage: Pitched, Since: ev.Date}
		case p.Stage == Pitched && p.Target != target:
			p.Target = target
		default:
			continue
		}
		if err := Pairs.Put(tx, ws, PairKey(ev.ID, a.ID), p); err != nil {
			return err
		}
	}
	return nil
}

// primary is the process an application was routed to: routing's primary
// target, else the target the company chose.
func primary(tx *storage.Tx, ws string, a round.Application) (string, error) {
	t, err := routing.Primary(tx, ws, a.ID)
	if err != nil {
		return "", fmt.Errorf("routing of %s: %w", a.ID, err)
	}
	if t != "" {
		return t, nil
	}
	return a.Target, nil
}

// pairPeople are the company's people (owner and contacts) and the
// process contacts of target, each once.
func pairPeople(tx *storage.Tx, ws string, a round.Application, target string) ([]chat.UserRef, error) {
	contacts, err := routing.Contacts(tx, ws, target)
	if err != nil {
		return nil, fmt.Errorf("contacts of %s: %w", target, err)
	}
	out := append([]chat.UserRef{a.Owner}, a.Contacts...)
	return dedupe(append(out, contacts...)), nil
}

func dedupe(us []chat.UserRef) []chat.UserRef {
	var out []chat.UserRef
	for _, u := range us {
		if u.User != "" && !slices.Contains(out, u) {
			out = append(out, u)
		}
	}
	return out
}

// Participant is someone the feedback survey goes to.
type Participant struct {
	User chat.UserRef
	// Role is "company", "juror" or "city".
	Role string
	// Lang is the language the company applied in ("" for others).
	Lang string
}

// Participants are the survey's recipients: the people of every company
// that pitched (accepted applications), the jurors of the event's jury and
// those added with /kipina followup people add, and the process contacts
// of the companies' targets; each once, first role wins.
func Participants(tx *storage.Tx, ws, event string) ([]Participant, error) {
	var out []Participant
	seen := map[chat.UserRef]bool{}
	add := func(u chat.UserRef, role, lang string) {
		if u.User != "" && !seen[u] {
			seen[u] = true
			out = append(out, Participant{User: u, Role: role, Lang: lang})
		}
	}
	apps, err := round.EventApps(tx, ws, event)
	if err != nil {
		return nil, err
	}
	var targets []string
	for _, a := range apps {
		if a.State != round.Accepted {
			continue
		}
		add(a.Owner, "company", a.Lang)
		for _, c := range a.Contacts {
			add(c, "company", a.Lang)
		}
		t, err := primary(tx, ws, a)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(targets, t) {
			targets = append(targets, t)
		}
	}
	j, _, err := jury.Juries.Lookup(tx, ws, event)
	if err != nil {
		return nil, fmt.Errorf("jury of %s: %w", event, err)
	}
	for _, jr := range j.Jurors {
		if !jr.Removed {
			add(jr.User, "juror", "")
		}
	}
	p, _, err := LoadPlan(tx, ws, event)
	if err != nil {
		return nil, err
	}
	for _, pp := range p.People {
		add(pp.User, pp.Role, "")
	}
	for _, t := range targets {
		us, err := routing.Contacts(tx, ws, t)
		if err != nil {
			return nil, fmt.Errorf("contacts of %s: %w", t, err)
		}
		for _, u := range us {
			add(u, "city", "")
		}
	}
	return out, nil
}

// runEscalate tells the organisers about pairs with no progress for the
// plan's StaleDays (each pair once per stale period) and schedules the
// next daily check.
func (m *module) runEscalate(tx *storage.Tx, it schedule.Item, late time.Duration) error {
	var pl stepPayload
	if err := json.Unmarshal(it.Payload, &pl); err != nil {
		return fmt.Errorf("followup escalation %s: %w", it.Key, err)
	}
	ws, ok := m.env.Workspace(it.Workspace)
	if !ok {
		return nil
	}
	p, ok, err := LoadPlan(tx, ws.ID, pl.Event)
	if err != nil || !ok || p.Stopped {
		return err
	}
	ev, ok, err := round.Events.Lookup(tx, ws.ID, pl.Event)
	if err != nil || !ok {
		return err // !ok: the event is gone, its chain ends
	}
	now := it.Due.Add(late)
	pairs, err := EventPairs(tx, ws.ID, ev.ID)
	if err != nil {
		return err
	}
	stale := time.Duration(p.StaleDays) * 24 * time.Hour
	to, lang := m.organisers(tx, ws, p)
	var lines []string
	told := fnv.New64a() // which pairs, at which stage since when: what the notice says
	open := 0
	for _, pr := range pairs {
		if pr.Done() {
			continue
		}
		open++
		if now.Sub(pr.Since) < stale || now.Sub(pr.Escalated) < stale {
			continue
		}
		pr.Escalated = now
		fmt.Fprintf(told, "%s|%s|%d;", pr.App, pr.Stage, pr.Since.Unix())
		if err := Pairs.Put(tx, ws.ID, PairKey(ev.ID, pr.App), pr); err != nil {
			return err
		}
		lines = append(lines, m.env.Cat.T(lang, "followup.escalate.line", "App", pr.App, "Company", pr.Company,
			"Target", ev.TargetName(m.env.Config.Tracks, pr.Target, lang), "Stage", m.env.Cat.T(lang, "followup.stage."+pr.Stage),
			"Count", int(now.Sub(pr.Since)/(24*time.Hour))))
	}
	if len(lines) > 0 {
		msg := chat.Message{Text: m.env.Cat.T(lang, "followup.escalate.intro", "Event", ev.NameIn(lang), "Count", len(lines), "Days", p.StaleDays) +
			"\n" + strings.Join(lines, "\n") + "\n" + m.env.Cat.T(lang, "followup.escalate.hint", "Event", ev.ID)}
		k := outbox.NewKey(ws.ID, "followup", ev.ID, "escalate", now.In(ws.Loc).Format("20060102"), strconv.FormatUint(told.Sum64(), 36))
		if _, err := outbox.Enqueue(tx, k, to, msg); err != nil {
			return err
		}
		if err := tx.Audit(ws.ID, storage.AuditEntry{Who: "system", Action: "followup.escalate", Subject: "event/" + ev.ID,
			Detail: fmt.Sprintf("%d pairs", len(lines))}); err != nil {
			return err
		}
	}
	allDone := len(p.Done) == len(Steps) && open == 0
	if allDone || now.Sub(ev.Date) > escalationHorizon {
		return nil
	}
	return m.scheduleEscalation(tx, ws, p, ev.ID, schedule.At(now, 1, p.Hour, p.Minute, ws.Loc))
}
