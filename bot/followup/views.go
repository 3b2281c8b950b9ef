package followup

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/kipina/kipina/bot"
	"github.com/kipina/kipina/bot/charts"
	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/bot/round"
	"github.com/kipina/kipina/storage"
)

// funnel shows the funnel of one event, or of every event with a
// campaign, in total and per process, with the pairs that are stuck.
func (m *module) funnel(_ context.Context, r *bot.Request) (chat.Response, error) {
	var sb strings.Builder
	var shown []eventPairs
	err := m.view(func(tx *storage.Tx) error {
		var events []string
		if len(r.Args) == 1 {
			if _, err := loadEvent(tx, r.WS.ID, r.Args[0]); err != nil {
				return err
			}
			events = []string{r.Args[0]}
		} else {
			plans, err := Plans.All(tx, r.WS.ID)
			if err != nil {
				return err
			}
			for _, p := range plans {
				events = append(events, p.Event)
			}
		}
		for _, id := range events {
			ev, ok, err := round.Events.Lookup(tx, r.WS.ID, id)
			if err != nil {
				return err
			}
			if !ok {
				continue // the plan of an event since deleted
			}
			pairs, err := EventPairs(tx, r.WS.ID, id)
			if err != nil {
				return err
			}
			p, _, err := LoadPlan(tx, r.WS.ID, id)
			if err != nil {
				return err
			}
			m.writeFunnel(&sb, r, ev, p, pairs)
			shown = append(shown, eventPairs{ev, pairs})
		}
		return nil
	})
	switch {
	case err != nil:
		return chat.Response{}, fmt.Errorf("funnel: %w", err)
	case sb.Len() == 0:
		return r.Reply("followup.funnel.none")
	}
	for _, e := range shown {
		if err := funnelCharts(r, e.ev, e.pairs); err != nil {
			return chat.Response{}, err
		}
	}
	return r.ReplyText(strings.TrimRight(sb.String(), "\n"))
}

// eventPairs is an event with its follow-up pairs.
type eventPairs struct {
	ev    round.Event
	pairs []Pair
}

// funnelCharts sends the asker the funnel of each process of ev that has
// pairs, as a chart (charts.Funnel: how many pairs reached each stage of
// Funnel), where their platform takes files. The error is a failed store
// write; a chart that fails to draw is logged and the text answer stands.
func funnelCharts(r *bot.Request, ev round.Event, pairs []Pair) error {
	byTarget := map[string][]Pair{}
	for _, pr := range pairs {
		byTarget[pr.Target] = append(byTarget[pr.Target], pr)
	}
	for _, t := range slices.Sorted(maps.Keys(byTarget)) {
		c := Count(byTarget[t])
		stages := make([]charts.Count, len(Funnel))
		for i, s := range Funnel {
			stages[i] = charts.Count{Label: r.T("followup.stage." + s), N: c.Reached[i]}
		}
		process := ev.TargetName(r.Env.Config.Tracks, t, r.Lang)
		ch, err := charts.Funnel(stages, charts.BarsText{Title: r.T("chart.funnel.heading") + ": " + process, Axis: r.T("chart.funnel.axis")})
		if err != nil {
			r.Log().Warn("funnel chart", "event", ev.ID, "process", t, "err", err)
			continue
		}
		part := "process-" + strings.ReplaceAll(t, "/", "_") // never empty, no "/": an outbox key part
		msg := charts.Message(ch, "funnel-"+ev.ID+"-"+part, r.T("chart.funnel.comment", "Event", ev.NameIn(r.Lang), "Process", process))
		if _, err := r.SendFile(msg, "chart", "funnel", ev.ID, part); err != nil {
			return err
		}
	}
	return nil
}

// surveyChart sends the asker the distribution of the survey's scores
// (charts.Distribution, 1…5) where their platform takes files; nothing
// when no one answered. The error is a failed store write; a chart that
// fails to draw is logged and the text answer stands.
func surveyChart(r *bot.Request, ev round.Event, s SurveySummary) error {
	if s.Answered == 0 {
		return nil
	}
	values := make([]charts.Count, 0, 5)
	for score := 1; score <= 5; score++ {
		values = append(values, charts.Count{Label: strconv.Itoa(score), N: s.ByScore[score]})
	}
	ch, err := charts.Distribution(values, charts.BarsText{Title: r.T("chart.survey.heading"), Axis: r.T("chart.survey.axis")})
	if err != nil {
		r.Log().Warn("survey chart", "event", ev.ID, "err", err)
		return nil
	}
	msg := charts.Message(ch, "survey-"+ev.ID, r.T("chart.survey.comment", "Event", ev.NameIn(r.Lang)))
	_, err = r.SendFile(msg, "chart", "survey", ev.ID)
	return err
}

// funnelLine writes counts as "pitched 5 → contacted 3 → … · closed 1".
func funnelLine(r *bot.Request, c Counts, names bool) string {
	parts := make([]string, len(Funnel))
	for i, s := range Funnel {
		if names {
			parts[i] = fmt.Sprintf("%s %d", r.T("followup.stage."+s), c.Reached[i])
		} else {
			parts[i] = fmt.Sprint(c.Reached[i])
		}
	}
	closed := fmt.Sprint(c.Closed)
	if names {
		closed = r.T("followup.stage.closed") + " " + closed
	}
	return strings.Join(parts, " → ") + " · " + closed
}

func (m *module) writeFunnel(sb *strings.Builder, r *bot.Request, ev round.Event, p Plan, pairs []Pair) {
	fmt.Fprintf(sb, "*%s* (%s)\n", r.T("followup.funnel.heading", "Event", ev.NameIn(r.Lang)), ev.ID)
	if len(pairs) == 0 {
		sb.WriteString(r.T("followup.funnel.empty") + "\n\n")
		return
	}
	sb.WriteString(funnelLine(r, Count(pairs), true) + "\n")
	byTarget := map[string][]Pair{}
	for _, pr := range pairs {
		byTarget[pr.Target] = append(byTarget[pr.Target], pr)
	}
	targets := make([]string, 0, len(byTarget))
	for t := range byTarget {
		targets = append(targets, t)
	}
	sort.Strings(targets)
	sb.WriteString(r.T("followup.funnel.by_process") + "\n")
	for _, t := range targets {
		fmt.Fprintf(sb, "• %s: %s\n", ev.TargetName(r.Env.Config.Tracks, t, r.Lang), funnelLine(r, Count(byTarget[t]), false))
	}
	stale := time.Duration(p.StaleDays) * 24 * time.Hour
	var stuck []string
	for _, pr := range pairs {
		if !pr.Done() && r.Now().Sub(pr.Since) >= stale {
			stuck = append(stuck, fmt.Sprintf("%s %s (%s, %s)", pr.App, pr.Company, ev.TargetName(r.Env.Config.Tracks, pr.Target, r.Lang),
				r.T("followup.stage."+pr.Stage)))
		}
	}
	if len(stuck) > 0 {
		sb.WriteString(r.T("followup.funnel.stuck", "Count", len(stuck), "Days", p.StaleDays) + "\n• " + strings.Join(stuck, "\n• ") + "\n")
	}
	var closed []string
	for _, pr := range pairs {
		if pr.Stage == Closed {
			closed = append(closed, fmt.Sprintf("%s %s: %s", pr.App, pr.Company, m.reason(r, pr.Reason)))
		}
	}
	if len(closed) > 0 {
		sb.WriteString(r.T("followup.funnel.closed") + "\n• " + strings.Join(closed, "\n• ") + "\n")
	}
	sb.WriteString("\n")
}

// reason translates a stored close reason ("budget: text").
func (m *module) reason(r *bot.Request, s string) string {
	code, rest, _ := strings.Cut(s, ": ")
	for _, c := range closeReasons {
		if c == code {
			if rest != "" {
				return r.T("followup.reason."+c) + ": " + rest
			}
			return r.T("followup.reason." + c)
		}
	}
	return s
}

// SurveySummary is the feedback survey of an event in numbers.
type SurveySummary struct {
	Asked    int
	Answered int
	// ByScore counts the answers per score 1..5 (index 0 unused).
	ByScore [6]int
	Mean    float64
	// MeanByRole is the mean score per participant role.
	MeanByRole map[string]float64
	Comments   []Answer
}

// Summarise tallies survey answers; asked is how many were asked.
func Summarise(answers []Answer, asked int) SurveySummary {
	s := SurveySummary{Asked: asked, MeanByRole: map[string]float64{}}
	sum, roleSum, roleN := 0, map[string]int{}, map[string]int{}
	for _, a := range answers {
		if a.Comment != "" {
			s.Comments = append(s.Comments, a)
		}
		if a.Score < 1 || a.Score > 5 {
			continue
		}
		s.Answered++
		s.ByScore[a.Score]++
		sum += a.Score
		roleSum[a.Role] += a.Score
		roleN[a.Role]++
	}
	if s.Answered > 0 {
		s.Mean = float64(sum) / float64(s.Answered)
	}
	for role, n := range roleN {
		s.MeanByRole[role] = float64(roleSum[role]) / float64(n)
	}
	return s
}

// surveyResults summarises the survey: counts, distribution, means and
// comments.
func (m *module) surveyResults(_ context.Context, r *bot.Request) (chat.Response, error) {
	id := r.Args[0]
	var ev round.Event
	var s SurveySummary
	err := m.view(func(tx *storage.Tx) error {
		var err error
		if ev, err = loadEvent(tx, r.WS.ID, id); err != nil {
			return err
		}
		answers, err := EventAnswers(tx, r.WS.ID, id)
		if err != nil {
			return err
		}
		p, _, err := LoadPlan(tx, r.WS.ID, id)
		if err != nil {
			return err
		}
		s = Summarise(answers, p.Done[Survey].Sent)
		return nil
	})
	if err != nil {
		return chat.Response{}, fmt.Errorf("survey results: %w", err)
	}
	var sb strings.Builder
	sb.WriteString(r.T("followup.results.heading", "Event", ev.NameIn(r.Lang)) + "\n")
	sb.WriteString(r.T("followup.results.counts", "Count", s.Answered, "Asked", s.Asked) + "\n")
	if s.Answered > 0 {
		sb.WriteString(r.T("followup.results.mean", "Mean", r.Decimal(s.Mean, 2)) + "\n")
		for score := 5; score >= 1; score-- {
			fmt.Fprintf(&sb, "%d %s %d\n", score, strings.Repeat("█", s.ByScore[score])+strings.Repeat("·", max(0, 1-s.ByScore[score])), s.ByScore[score])
		}
		roles := make([]string, 0, len(s.MeanByRole))
		for role := range s.MeanByRole {
			roles = append(roles, role)
		}
		sort.Strings(roles)
		for _, role := range roles {
			fmt.Fprintf(&sb, "• %s: %s\n", r.T("followup.role."+role), r.Decimal(s.MeanByRole[role], 2))
		}
	}
	if err := surveyChart(r, ev, s); err != nil {
		return chat.Response{}, err
	}
	if len(s.Comments) > 0 {
		sb.WriteString(r.T("followup.results.comments") + "\n")
		for _, a := range s.Comments {
			fmt.Fprintf(&sb, "• (%s, %d) %s\n", r.T("followup.role."+a.Role), a.Score, a.Comment)
		}
	}
	return r.ReplyText(strings.TrimRight(sb.String(), "\n"))
}
