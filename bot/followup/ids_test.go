package followup

import (
	"testing"

	"github.com/kipina/kipina/bot"
	"github.com/kipina/kipina/bot/bottest"
)

// TestIDs: the ids of the campaign's controls read back as what built them
// and keep their wire form (buttons already sent carry it); a score
// outside 1–5, an unknown answer, a missing or extra field and another
// prefix are stale. A survey button from before issue 13 still reads.
func TestIDs(t *testing.T) {
	score := scoreRef{"kipina-2017", 4}
	old := roleScoreRef{scoreRef{"kipina-2017", 1}, "juror"}
	t.Run("round trip", func(t *testing.T) {
		if got, ok := bottest.ReadID(t, scoreID, scoreID.ID(score)); !ok || got != score {
			t.Errorf("score: %+v %v", got, ok)
		}
		if got, ok := bottest.ReadID(t, scoreRoleID, scoreRoleID.ID(old)); !ok || got != old {
			t.Errorf("score with role: %+v %v", got, ok)
		}
		for _, a := range append(answersOf(NextSteps), answersOf(PilotStep)...) {
			v := answerRef{"kipina-2017", "H0001", a}
			if got, ok := bottest.ReadID(t, answerID, answerID.ID(v)); !ok || got != v {
				t.Errorf("answer %s: %+v %v", a, got, ok)
			}
		}
		if got, ok := bottest.ReadID(t, closeID, closeID.ID(pairRef{"kipina-2017", "H0001"})); !ok || got != (pairRef{"kipina-2017", "H0001"}) {
			t.Errorf("close: %+v %v", got, ok)
		}
		for _, c := range []bot.IDCodec[string]{startID, commentID} {
			if got, ok := bottest.ReadID(t, c, c.ID("kipina-2017")); !ok || got != "kipina-2017" {
				t.Errorf("%s: %q %v", c.Prefix(), got, ok)
			}
		}
	})
	t.Run("wire form", func(t *testing.T) {
		for got, want := range map[string]string{
			startID.ID("kipina-2017"):   "followup-start:kipina-2017",
			scoreID.ID(score):           "fus:kipina-2017:4",
			scoreRoleID.ID(old):         "fus:kipina-2017:1:juror",
			commentID.ID("kipina-2017"): "fusc:kipina-2017",
			answerID.ID(answerRef{"kipina-2017", "H0001", "agreed"}): "fa:kipina-2017:H0001:agreed",
			closeID.ID(pairRef{"kipina-2017", "H0001"}):              "fac:kipina-2017:H0001",
		} {
			if got != want {
				t.Errorf("id %q, want %q", got, want)
			}
		}
	})
	stale := []struct {
		name string
		read func(string) bool
		ids  []string
	}{
		{"score", func(s string) bool { _, ok := bottest.ReadID(t, scoreID, s); return ok }, []string{
			"fus:kipina-2017:0", "fus:kipina-2017:6", "fus:kipina-2017:+4", "fus:kipina-2017:04", "fus:kipina-2017:x",
			"fus:kipina-2017", "fus::4", "fusc:kipina-2017:4", "fus:kipina-2017:4:",
		}},
		{"score with role", func(s string) bool { _, ok := bottest.ReadID(t, scoreRoleID, s); return ok }, []string{
			"fus:kipina-2017:4", "fus:kipina-2017:9:juror", "fus:kipina-2017:4:juror:x",
		}},
		{"answer", func(s string) bool { _, ok := bottest.ReadID(t, answerID, s); return ok }, []string{
			"fa:kipina-2017:H0001:maybe", "fa:kipina-2017:H0001", "fa:kipina-2017:H0001:agreed:x", "fa:kipina-2017::agreed",
			"fac:kipina-2017:H0001:agreed",
		}},
		{"close", func(s string) bool { _, ok := bottest.ReadID(t, closeID, s); return ok }, []string{
			"fac:kipina-2017", "fac:kipina-2017:H0001:x", "fa:kipina-2017:H0001",
		}},
		{"start", func(s string) bool { _, ok := bottest.ReadID(t, startID, s); return ok }, []string{
			"followup-start", "followup-start:", "followup-start:a:b",
		}},
	}
	for _, c := range stale {
		t.Run("stale "+c.name, func(t *testing.T) {
			for _, id := range c.ids {
				if c.read(id) {
					t.Errorf("%q read as an id", id)
				}
			}
		})
	}
}

// FuzzIDs: whatever a client sends as an action or form id, each codec
// whose reading checks more than the number of fields either refuses it as
// stale or reads a value whose id is exactly what was sent.
func FuzzIDs(f *testing.F) {
	for _, s := range []string{"fus:kipina-2017:4", "fus:e:1:juror", "fa:e:H0001:agreed", "fa:e:H0001:closed",
		"fus:e:04", "fa:e:H1:maybe", "fus:e:5:"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if v, ok := bottest.ReadID(t, scoreID, s); ok && scoreID.ID(v) != s {
			t.Errorf("%q read as %+v, built back as %q", s, v, scoreID.ID(v))
		}
		if v, ok := bottest.ReadID(t, scoreRoleID, s); ok && scoreRoleID.ID(v) != s {
			t.Errorf("%q read as %+v, built back as %q", s, v, scoreRoleID.ID(v))
		}
		if v, ok := bottest.ReadID(t, answerID, s); ok && answerID.ID(v) != s {
			t.Errorf("%q read as %+v, built back as %q", s, v, answerID.ID(v))
		}
	})
}
