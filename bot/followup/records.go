package followup

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/storage"
)

// Step is one step of an event's follow-up campaign.
type Step string

// The campaign's steps, in order.
const (
	// Survey asks every participant for feedback on a 1–5 scale.
	Survey Step = "survey"
	// NextSteps asks each company that pitched and its process contacts
	// whether they agreed on next steps.
	NextSteps Step = "nextsteps"
	// PilotStep asks them whether a pilot or a procurement has started.
	PilotStep Step = "pilot"
)

// Steps are the campaign's steps in order.
var Steps = []Step{Survey, NextSteps, PilotStep}

// Plan is an event's follow-up campaign: when each step falls due, the
// late-item policy, the escalation threshold and who takes part besides
// the companies and their process contacts.
type Plan struct {
	Event string `json:"event"`
	// Days are the steps' offsets in days after the event's date.
	Days map[Step]int `json:"days"`
	// Hour and Minute are the wall-clock time the steps fall due at, in
	// the workspace's time zone.
	Hour   int `json:"hour"`
	Minute int `json:"minute"`
	// LateNoteDays: a step that runs more than this many days after it
	// fell due (the bot was down) is sent with an apology.
	LateNoteDays int `json:"late_note_days"`
	// LateSkipDays: a step more than this many days late is skipped and
	// the organisers are told instead.
	LateSkipDays int `json:"late_skip_days"`
	// StaleDays: a company–process pair with no progress for this many
	// days is escalated to the organisers.
	StaleDays int `json:"stale_days"`
	// People are jurors and city contacts added by command.
	People []Person `json:"people,omitempty"`
	// Started is when /kipina followup start ran (zero: not started);
	// StartedBy is the organiser, whom notices go to when the workspace
	// has no notify channel.
	Started   time.Time    `json:"started"`
	StartedBy chat.UserRef `json:"started_by"`
	Stopped   bool         `json:"stopped,omitempty"`
	// Done records each step that ran.
	Done map[Step]StepRun `json:"done,omitempty"`
}

// StepRun records how a step ran.
type StepRun struct {
	At time.Time `json:"at"`
	// Due is when the step fell due.
	Due time.Time `json:"due"`
	// Sent is how many messages were enqueued.
	Sent int `json:"sent"`
	// Policy is "on-time", "late-note" or "skipped".
	Policy string `json:"policy"`
}

// Person is someone added to the campaign by command.
type Person struct {
	User chat.UserRef `json:"user"`
	Role string       `json:"role"` // "juror" or "city"
}

// The late-item policies a step ran under.
const (
	OnTime   = "on-time"
	LateNote = "late-note"
	Skipped  = "skipped"
)

// DefaultPlan returns the defaults: survey the morning after, next steps
// two weeks after, pilot three months after, at 09:00; late by more than
// 2 days → sent with a note, more than 14 → skipped and told; no progress
// in 30 days → escalated.
func DefaultPlan(event string) Plan {
	return Plan{
		Event: event, Days: map[Step]int{Survey: 1, NextSteps: 14, PilotStep: 90}, Hour: 9,
		LateNoteDays: 2, LateSkipDays: 14, StaleDays: 30,
	}
}

// SettingError is a plan setting that cannot be used: ID is a catalogue
// message (followup.setting.*) that explains it with Args, in the
// person's language.
type SettingError struct {
	ID   string
	Args []any
}

func (e *SettingError) Error() string { return fmt.Sprintf("plan setting: %s %v", e.ID, e.Args) }

// Set applies one "key=value" setting: survey, nextsteps, pilot, late-note,
// late-skip, stale (days: "14", "14d" or "2w") or at (HH:MM). The error is
// a *SettingError.
func (p *Plan) Set(kv string) error {
	k, v, ok := strings.Cut(kv, "=")
	if !ok {
		return &SettingError{ID: "followup.setting.format", Args: []any{"Word", kv}}
	}
	k = strings.ToLower(strings.TrimSpace(k))
	if k == "at" {
		t, err := time.Parse("15:04", strings.TrimSpace(v))
		if err != nil {
			return &SettingError{ID: "followup.setting.at", Args: []any{"Value", v}}
		}
		p.Hour, p.Minute = t.Hour(), t.Minute()
		return nil
	}
	days, err := ParseDays(v)
	if err != nil {
		return err
	}
	switch k {
	case string(Survey), string(NextSteps), string(PilotStep):
		p.Days[Step(k)] = days
	case "late-note":
		p.LateNoteDays = days
	case "late-skip":
		p.LateSkipDays = days
	case "stale":
		if days < 1 {
			return &SettingError{ID: "followup.setting.stale", Args: []any{"Value", v}}
		}
		p.StaleDays = days
	default:
		return &SettingError{ID: "followup.setting.key", Args: []any{"Key", k}}
	}
	if p.LateSkipDays < p.LateNoteDays {
		return &SettingError{ID: "followup.setting.late", Args: []any{"Skip", p.LateSkipDays, "Note", p.LateNoteDays}}
	}
	return nil
}

// ParseDays reads a number of days: "14", "14d" or "2w" (0 to 3660). The
// error is a *SettingError.
func ParseDays(s string) (int, error) {
	word := strings.TrimSpace(s)
	s = strings.ToLower(word)
	mul := 1
	switch {
	case strings.HasSuffix(s, "d"):
		s = strings.TrimSuffix(s, "d")
	case strings.HasSuffix(s, "w"):
		s, mul = strings.TrimSuffix(s, "w"), 7
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n*mul > 3660 {
		return 0, &SettingError{ID: "followup.setting.days", Args: []any{"Value", word}}
	}
	return n * mul, nil
}

// Stages of the outcome funnel, in order. Closed ends a pair at any stage.
const (
	Pitched     = "pitched"
	Contacted   = "contacted"
	Agreed      = "nextsteps"
	Piloting    = "pilot"
	Procurement = "procurement"
	Closed      = "closed"
)

// Funnel is the order of the stages a pair moves through.
var Funnel = []string{Pitched, Contacted, Agreed, Piloting, Procurement}

// rank is a stage's place in Funnel (-1 for Closed or unknown).
func rank(stage string) int { return slices.Index(Funnel, stage) }

// Pair is a company (an application that pitched) and the process it was
// routed to, moving through the funnel.
type Pair struct {
	Event   string `json:"event"`
	App     string `json:"app"`
	Company string `json:"company"`
	Target  string `json:"target"`
	Stage   string `json:"stage"`
	// Reason is why the pair was closed.
	Reason string `json:"reason,omitempty"`
	// Since is when the pair reached its stage (progress).
	Since time.Time `json:"since"`
	// Escalated is when the organisers were last told it is stuck.
	Escalated time.Time `json:"escalated,omitempty"`
	History   []Change  `json:"history,omitempty"`
}

// Change is one answer or decision about a pair.
type Change struct {
	At     time.Time `json:"at"`
	Who    string    `json:"who"`
	From   string    `json:"from"`
	To     string    `json:"to"`
	Answer string    `json:"answer,omitempty"`
	Reason string    `json:"reason,omitempty"`
}

// Done reports whether the pair needs no more follow-up.
func (p Pair) Done() bool { return p.Stage == Procurement || p.Stage == Closed }

// Move records an answer: the pair moves forward to stage (never back;
// Closed ends it; a stage of "" records the answer only). It reports
// whether the stage changed.
func (p *Pair) Move(now time.Time, who, answer, stage, reason string) bool {
	c := Change{At: now, Who: who, From: p.Stage, To: p.Stage, Answer: answer, Reason: reason}
	moved := false
	switch {
	case stage == "" || p.Stage == Closed:
	case stage == Closed && p.Stage != Procurement:
		p.Stage, p.Reason, moved = Closed, reason, true
	case rank(stage) > rank(p.Stage):
		p.Stage, moved = stage, true
	}
	if moved {
		c.To, p.Since = p.Stage, now
	}
	p.History = append(p.History, c)
	return moved
}

// Answer is one participant's answer to the feedback survey.
type Answer struct {
	Event   string       `json:"event"`
	User    chat.UserRef `json:"user"`
	Role    string       `json:"role"`
	Score   int          `json:"score"`
	Comment string       `json:"comment,omitempty"`
	At      time.Time    `json:"at"`
}

var (
	// Plans holds each event's campaign by event id.
	Plans = storage.NewBucket[Plan]("followup-plans")
	// Pairs holds the funnel by event + "/" + application id.
	Pairs = storage.NewBucket[Pair]("followup-pairs")
	// Answers holds survey answers by event + "/" + user reference.
	Answers = storage.NewBucket[Answer]("followup-survey")
)

// PairKey is a pair's key in Pairs.
func PairKey(event, app string) string { return event + "/" + app }

// EventPairs lists an event's pairs in application order.
func EventPairs(tx *storage.Tx, ws, event string) ([]Pair, error) {
	var out []Pair
	err := Pairs.Scan(tx, ws, event+"/", func(_ string, p Pair) error {
		out = append(out, p)
		return nil
	})
	return out, err
}

// EventAnswers lists an event's survey answers.
func EventAnswers(tx *storage.Tx, ws, event string) ([]Answer, error) {
	var out []Answer
	err := Answers.Scan(tx, ws, event+"/", func(_ string, a Answer) error {
		out = append(out, a)
		return nil
	})
	return out, err
}

// LoadPlan returns an event's plan and true, or the defaults and false
// when none is stored; a plan that cannot be read is an error.
func LoadPlan(tx *storage.Tx, ws, event string) (Plan, bool, error) {
	p, ok, err := Plans.Lookup(tx, ws, event)
	if err != nil {
		return p, false, fmt.Errorf("follow-up plan of %s: %w", event, err)
	}
	if !ok {
		return DefaultPlan(event), false, nil
	}
	if p.Days == nil {
		p.Days = DefaultPlan(event).Days
	}
	return p, true, nil
}

// Reached is the furthest stage of Funnel the pair reached, as an index,
// also when it was closed afterwards.
func (p Pair) Reached() int {
	best := rank(p.Stage)
	for _, c := range p.History {
		best = max(best, rank(c.From), rank(c.To))
	}
	return max(best, 0)
}

// Counts is the funnel of a set of pairs.
type Counts struct {
	// Reached counts the pairs that got at least as far as each stage of
	// Funnel.
	Reached [5]int
	// Closed counts the pairs that ended without (further) progress.
	Closed int
}

// Count tallies pairs into a funnel.
func Count(pairs []Pair) Counts {
	var c Counts
	for _, p := range pairs {
		for i := 0; i <= p.Reached(); i++ {
			c.Reached[i]++
		}
		if p.Stage == Closed {
			c.Closed++
		}
	}
	return c
}
