package routing

import (
	"fmt"
	"strings"

	"github.com/kipina/kipina/bot"
	"github.com/kipina/kipina/bot/call"
	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/bot/round"
	"github.com/kipina/kipina/configs"
	"github.com/kipina/kipina/matching"
)

// The applicant's choice and the matcher's opinion of it.
//
// The target an applicant picks in the form routes the application unless
// an organiser overrides it; "not sure" (call.TargetUnsure) leaves routing
// to the matcher. The matcher's ranking adds "also fits" suggestions, and
// where it strongly disagrees with the choice the organisers' notice says
// so, with a button that moves the application in one click.
const (
	// alsoFitsMax is the most "also fits" suggestions shown.
	alsoFitsMax = 2
	// alsoFitsMin is the least score of a suggestion, and alsoFitsRatio
	// the least fraction of the best score it must reach: on the shared
	// development set, a realistic second label scores about 0.3-0.6
	// when the primary scores 0.6-0.9.
	alsoFitsMin   = 0.3
	alsoFitsRatio = 0.5
	// A disagreement is flagged when the matcher's best target is not the
	// chosen one, scores at least disagreeMin, and the chosen target is
	// not among its best two or scores under disagreeRatio of the best.
	disagreeMin   = 0.5
	disagreeRatio = 0.5
)

// chosenTarget is the target the applicant picked when it is one of the
// event's targets, else "" (not sure, or a challenge removed since).
func chosenTarget(ts []matching.Target, a *round.Application) string {
	if a.Target == "" || a.Target == call.TargetUnsure {
		return ""
	}
	for _, t := range ts {
		if t.ID == a.Target {
			return a.Target
		}
	}
	return ""
}

// alsoFits returns up to alsoFitsMax targets other than primary that the
// ranking finds a good fit too, best first.
func alsoFits(m Match, primary string) []matching.Match {
	if len(m.Ranking.Matches) == 0 {
		return nil
	}
	best := m.Ranking.Matches[0].Score
	var out []matching.Match
	for _, x := range m.Ranking.Matches {
		if len(out) == alsoFitsMax {
			break
		}
		if x.Target != primary && x.Score >= alsoFitsMin && x.Score >= alsoFitsRatio*best {
			out = append(out, x)
		}
	}
	return out
}

// disagreement returns the matcher's best target when it strongly
// disagrees with the applicant's choice and no organiser has decided.
func disagreement(m Match) (matching.Match, bool) {
	if m.Chosen == "" || m.Override != "" || len(m.Ranking.Matches) < 2 {
		return matching.Match{}, false
	}
	best := m.Ranking.Matches[0]
	if best.Target == m.Chosen || best.Score < disagreeMin {
		return matching.Match{}, false
	}
	for k, x := range m.Ranking.Matches {
		if x.Target == m.Chosen {
			return best, k >= 2 || x.Score < disagreeRatio*best.Score
		}
	}
	return best, true
}

// alsoFitsLine is the "also fits" sentence in lang, or "" when nothing
// else fits.
func (m *module) alsoFitsLine(ev round.Event, cur Match, primary, lang string) string {
	var names []string
	for _, x := range alsoFits(cur, primary) {
		names = append(names, fmt.Sprintf("%s %.2f", ev.TargetName(m.b.Config.Tracks, x.Target, lang), x.Score))
	}
	if len(names) == 0 {
		return ""
	}
	return m.b.Cat.T(lang, "routing.also_fits", "Targets", strings.Join(names, ", "))
}

// choiceNotes are what the organisers' notice says of the applicant's
// choice, and the one-click Move when the matcher strongly disagrees. The
// button reuses the override action (moveID, value the target).
func (m *module) choiceNotes(ev round.Event, a round.Application, cur Match, lang string) (string, []chat.Control) {
	var text string
	if cur.Chosen == "" && cur.Override == "" {
		text = "\n" + m.b.Cat.T(lang, "routing.unsure")
	}
	best, ok := disagreement(cur)
	if !ok {
		if s := m.alsoFitsLine(ev, cur, cur.Primary(), lang); s != "" {
			text += "\n" + s
		}
		return text, nil
	}
	name := ev.TargetName(m.b.Config.Tracks, best.Target, lang)
	reasons := strings.Join(best.Reasons, ", ")
	if a.Secrets {
		reasons = "🔒" // the matched words are the applicant's confidential text
	}
	text += "\n" + m.b.Cat.T(lang, "routing.disagree", "Chosen", ev.TargetName(m.b.Config.Tracks, cur.Chosen, lang),
		"Best", name, "Reasons", reasons)
	move := chat.Control{Kind: chat.Button, ID: moveID.ID(a.ID), Label: bot.Clip(m.b.Cat.T(lang, "routing.move.button", "Target", name), 70),
		Value: best.Target, Style: "primary"}
	return text, []chat.Control{move}
}

// challengeTarget is what the matcher knows of a challenge of a call:
//   - its name and description in every language given; a language left
//     out borrows the Finnish (else English, else Swedish) text, so that
//     names, loanwords and technical terms still match an application in
//     that language;
//   - the keywords the organiser added (call.ParseKeywords), in any
//     language, which count in every language's profile;
//   - and, for a challenge the configuration knows (the demo's), the
//     configuration's keywords and profile.
func challengeTarget(c round.Challenge, conf configs.Target) matching.Target {
	t := matching.Target{ID: c.ID, Names: map[string]string{}, Descriptions: map[string]string{}, Keywords: map[string][]string{},
		Profiles: map[string]string(conf.Profile)}
	for _, l := range configs.Languages {
		if s := c.Name.Get(l); s != "" {
			t.Names[l] = s
		}
		if s := c.Description.Get(l); s != "" {
			t.Descriptions[l] = s
		}
		t.Keywords[l] = append(append([]string(nil), conf.Keywords[l]...), c.Keywords...)
	}
	return t
}
