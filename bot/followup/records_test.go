package followup_test

import (
	"slices"
	"testing"
	"time"

	"github.com/kipina/kipina/bot/followup"
	"pgregory.net/rapid"
)

// TestPairMoveProperties: whatever answers come in whatever order, a pair
// never moves back, closed is final, Since changes exactly when the stage
// does, every answer is in the history, and Reached never shrinks.
func TestPairMoveProperties(t *testing.T) {
	stages := append(slices.Clone(followup.Funnel), followup.Closed, "")
	rapid.Check(t, func(t *rapid.T) {
		p := followup.Pair{Stage: followup.Pitched}
		now := time.Date(2027, 2, 10, 9, 0, 0, 0, time.UTC)
		answers := rapid.SliceOfN(rapid.SampledFrom(stages), 1, 30).Draw(t, "answers")
		for i, st := range answers {
			before, since, reached := p.Stage, p.Since, p.Reached()
			now = now.Add(time.Hour)
			moved := p.Move(now, "u", "a", st, "r")
			if len(p.History) != i+1 {
				t.Fatalf("history has %d entries after %d answers", len(p.History), i+1)
			}
			if moved != (p.Stage != before) {
				t.Fatalf("moved=%v but %s → %s", moved, before, p.Stage)
			}
			if moved != !p.Since.Equal(since) {
				t.Fatalf("since changed=%v, moved=%v", !p.Since.Equal(since), moved)
			}
			if before == followup.Closed && p.Stage != followup.Closed {
				t.Fatalf("reopened: %s → %s", before, p.Stage)
			}
			if p.Stage != followup.Closed && slices.Index(followup.Funnel, p.Stage) < slices.Index(followup.Funnel, before) {
				t.Fatalf("moved back: %s → %s", before, p.Stage)
			}
			if p.Reached() < reached {
				t.Fatalf("reached shrank: %d → %d", reached, p.Reached())
			}
			if before == followup.Procurement && p.Stage != followup.Procurement {
				t.Fatalf("procurement left for %s", p.Stage)
			}
		}
		c := followup.Count([]followup.Pair{p})
		for i := 1; i < len(c.Reached); i++ {
			if c.Reached[i] > c.Reached[i-1] {
				t.Fatalf("funnel widens: %v", c.Reached)
			}
		}
	})
}

func TestPlanSet(t *testing.T) {
	p := followup.DefaultPlan("e")
	for _, kv := range []string{"survey=2", "nextsteps=3w", "pilot=100d", "late-note=3d", "late-skip=10", "stale=21", "at=08:15"} {
		if err := p.Set(kv); err != nil {
			t.Fatalf("%s: %v", kv, err)
		}
	}
	want := map[followup.Step]int{followup.Survey: 2, followup.NextSteps: 21, followup.PilotStep: 100}
	for s, d := range want {
		if p.Days[s] != d {
			t.Errorf("%s = %d days, want %d", s, p.Days[s], d)
		}
	}
	if p.LateNoteDays != 3 || p.LateSkipDays != 10 || p.StaleDays != 21 || p.Hour != 8 || p.Minute != 15 {
		t.Errorf("plan = %+v", p)
	}
	for _, bad := range []string{"survey", "survey=x", "pilot=-1", "colour=2", "late-skip=1", "stale=0", "at=25:00", "pilot=99999"} {
		q := followup.DefaultPlan("e")
		if err := q.Set(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestSummarise(t *testing.T) {
	s := followup.Summarise([]followup.Answer{
		{Role: "company", Score: 4, Comment: "hyvä"}, {Role: "company", Score: 2}, {Role: "juror", Score: 5},
		{Role: "city", Comment: "vain kommentti"}, // a comment without a score is kept, not counted
	}, 10)
	if s.Answered != 3 || s.Asked != 10 || s.ByScore[4] != 1 || s.ByScore[2] != 1 || s.ByScore[5] != 1 {
		t.Errorf("summary = %+v", s)
	}
	if s.Mean < 3.66 || s.Mean > 3.67 || s.MeanByRole["company"] != 3 || s.MeanByRole["juror"] != 5 {
		t.Errorf("means = %v %v", s.Mean, s.MeanByRole)
	}
	if len(s.Comments) != 2 {
		t.Errorf("comments = %v", s.Comments)
	}
}
