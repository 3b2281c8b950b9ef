// Package routing is the matching glue: it ranks every application against
// the city's core processes and the call's challenges when it is submitted
// or edited (matching.Matcher), stores the ranking, routes the application
// to its primary target's contacts, lets organisers override the match (and
// learns from it), and sends a daily digest per target.
package routing

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/kipina/kipina/bot"
	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/bot/round"
	"github.com/kipina/kipina/configs"
	"github.com/kipina/kipina/internal/matchcli"
	"github.com/kipina/kipina/matching"
	"github.com/kipina/kipina/storage"
)

// Match is what is stored per application.
type Match struct {
	App      string           `json:"app"`
	Event    string           `json:"event"`
	Ranking  matching.Ranking `json:"ranking"`
	Override string           `json:"override,omitempty"`
	// Chosen is the target the applicant picked, "" for not sure.
	Chosen  string    `json:"chosen,omitempty"`
	Routed  string    `json:"routed,omitempty"` // the target whose contacts were told
	Updated time.Time `json:"updated"`
}

// Primary is the organiser's override, else the applicant's choice, else
// the best-ranked target.
func (m Match) Primary() string {
	if m.Override != "" {
		return m.Override
	}
	if m.Chosen != "" {
		return m.Chosen
	}
	if len(m.Ranking.Matches) > 0 {
		return m.Ranking.Matches[0].Target
	}
	return ""
}

// correction is an organiser's override, replayed into matchers so that
// learning survives restarts.
type correction struct {
	Event  string        `json:"event"`
	Target string        `json:"target"`
	Text   matching.Text `json:"text"`
}

var (
	matches     = storage.NewBucket[Match]("matches")
	corrections = storage.NewBucket[correction]("match-corrections")
	// correctionsVersion counts, per workspace (key "v"), the corrections
	// ever written: a cached matcher is current while it has not changed,
	// so a submission reads one record, not every correction (they grow
	// with every override of every event). Absent in stores written before
	// it was kept: version 0, whose matcher is built from all corrections.
	correctionsVersion = storage.NewBucket[uint64]("match-corrections-version")
	contactsB          = storage.NewBucket[[]chat.UserRef]("contacts")
	// fromConfig holds the contacts the configuration names, rewritten at
	// every start so that it always says what the configuration says.
	fromConfig = storage.NewBucket[configured]("contacts-config")
)

// Ranking returns the stored ranking of an application and whether it has
// one.
func Ranking(tx *storage.Tx, ws, appID string) (matching.Ranking, bool, error) {
	m, ok, err := matches.Lookup(tx, ws, appID)
	return m.Ranking, ok, err
}

// Primary returns the target an application is routed to: the organiser's
// override, else the applicant's choice, else the best match ("" when not
// matched yet).
func Primary(tx *storage.Tx, ws, appID string) (string, error) {
	m, _, err := matches.Lookup(tx, ws, appID)
	return m.Primary(), err
}

// Score returns an application's matching score for target (0 if not
// matched).
func Score(tx *storage.Tx, ws, appID, target string) (float64, error) {
	m, _, err := matches.Lookup(tx, ws, appID)
	for _, x := range m.Ranking.Matches {
		if x.Target == target {
			return x.Score, err
		}
	}
	return 0, err
}

// configured is what the configuration says of a target's contacts: user
// ids, and channels written "#name".
type configured struct {
	Users    []chat.UserRef `json:"users,omitempty"`
	Channels []string       `json:"channels,omitempty"`
}

// Contacts returns the people who hear about applications matched to
// target: those named in the configuration and those added by command.
func Contacts(tx *storage.Tx, ws, target string) ([]chat.UserRef, error) {
	stored, _, err := contactsB.Lookup(tx, ws, target)
	if err != nil {
		return nil, err
	}
	cfg, _, err := fromConfig.Lookup(tx, ws, target)
	if err != nil {
		return nil, err
	}
	for _, u := range cfg.Users {
		if !slices.Contains(stored, u) {
			stored = append(stored, u)
		}
	}
	return stored, nil
}

// ContactChannels returns the channels the configuration names for target.
func ContactChannels(tx *storage.Tx, ws, target string) ([]string, error) {
	cfg, _, err := fromConfig.Lookup(tx, ws, target)
	return cfg.Channels, err
}

// TargetsOf returns the targets user is a contact of.
func TargetsOf(tx *storage.Tx, ws string, u chat.UserRef) ([]string, error) {
	var out []string
	err := contactsB.Scan(tx, ws, "", func(target string, us []chat.UserRef) error {
		if slices.Contains(us, u) {
			out = append(out, target)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = fromConfig.Scan(tx, ws, "", func(target string, c configured) error {
		if slices.Contains(c.Users, u) && !slices.Contains(out, target) {
			out = append(out, target)
		}
		return nil
	})
	return out, err
}

// seedConfigured rewrites the configured contacts of every workspace: the
// targets' own (tracks and the demo's challenges) and the workspace's
// contacts section.
func seedConfigured(b *bot.Env) error {
	return b.Update(func(tx *storage.Tx) error {
		for _, w := range b.Config.Workspaces {
			all := map[string][]string{}
			for _, t := range b.Config.Targets() {
				all[t.ID] = append(all[t.ID], t.Contacts...)
			}
			for target, cs := range w.Contacts {
				all[target] = append(all[target], cs...)
			}
			var old []string
			if err := fromConfig.Scan(tx, w.ID, "", func(k string, _ configured) error { old = append(old, k); return nil }); err != nil {
				return err
			}
			for _, k := range old {
				if err := fromConfig.Delete(tx, w.ID, k); err != nil {
					return err
				}
			}
			for target, cs := range all {
				var c configured
				for _, x := range cs {
					if ch, ok := strings.CutPrefix(x, "#"); ok {
						c.Channels = append(c.Channels, ch)
					} else if x = strings.TrimPrefix(x, "@"); x != "" {
						c.Users = append(c.Users, chat.UserRef{Platform: w.Platform, Workspace: w.ID, User: x})
					}
				}
				if len(c.Users)+len(c.Channels) == 0 {
					continue
				}
				if err := fromConfig.Put(tx, w.ID, target, c); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// matchers caches a Matcher per workspace and event; an entry is rebuilt
// when the event's challenges or the corrections change.
type matchers struct {
	mu sync.Mutex
	m  map[string]cached
}

type cached struct {
	sig string
	m   *matching.Matcher
}

// targets are the core processes followed by the event's challenges (see
// challengeTarget).
func targets(b *bot.Env, ev round.Event) []matching.Target {
	out := matchcli.TargetsFromConfig(b.Config.Tracks)
	known := map[string]configs.Target{}
	for _, c := range b.Config.DemoEvent.Challenges {
		known[c.ID] = c
	}
	for _, c := range ev.Challenges {
		out = append(out, challengeTarget(c, known[c.ID]))
	}
	return out
}

// get returns the matcher of an event, with the workspace's corrections
// learned. A cached matcher costs one read (correctionsVersion); building
// one reads every correction of the workspace, since a core process's
// corrections teach every event's matcher.
func (ms *matchers) get(b *bot.Env, tx *storage.Tx, ws string, ev round.Event) (*matching.Matcher, error) {
	var sig strings.Builder
	for _, c := range ev.Challenges {
		fmt.Fprintf(&sig, "%s|%v|%v|%q;", c.ID, c.Name, c.Description, c.Keywords)
	}
	version, _, err := correctionsVersion.Lookup(tx, ws, "v")
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(&sig, "#%d", version)
	key := ws + "/" + ev.ID
	ms.mu.Lock()
	defer ms.mu.Unlock()
	if c, ok := ms.m[key]; ok && c.sig == sig.String() {
		return c.m, nil
	}
	var corr []correction
	err = corrections.Scan(tx, ws, "", func(_ string, c correction) error {
		corr = append(corr, c)
		return nil
	})
	if err != nil {
		return nil, err
	}
	m := matching.NewMatcher(targets(b, ev))
	lessons := make([]matching.Lesson, len(corr))
	for i, c := range corr {
		lessons[i] = matching.Lesson{Target: c.Target, Text: c.Text}
	}
	// A target of another event's call is not here: skipped, the rest learned.
	if err := m.LearnAll(lessons); err != nil && !errors.Is(err, matching.ErrUnknownTarget) {
		b.Log.Error("learn corrections", "err", err)
	}
	ms.m[key] = cached{sig: sig.String(), m: m}
	return m, nil
}

// addCorrection stores an organiser's correction of application appID and
// moves the workspace's corrections version on, so that cached matchers
// learn it (a second override of the same application replaces the first
// and changes the version too).
func addCorrection(tx *storage.Tx, ws, appID string, c correction) error {
	if err := corrections.Put(tx, ws, appID, c); err != nil {
		return err
	}
	v, _, err := correctionsVersion.Lookup(tx, ws, "v")
	if err != nil {
		return err
	}
	return correctionsVersion.Put(tx, ws, "v", v+1)
}

// text is what of an application is matched.
func text(a *round.Application) matching.Text {
	desc := a.Summary
	if a.Pilot != "" {
		desc += "\n" + a.Pilot
	}
	return matching.Text{ID: a.ID, Name: a.Company, Description: desc}
}
