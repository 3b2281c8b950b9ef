package followup_test

import (
	"strings"
	"testing"
	"time"

	"github.com/kipina/kipina/bot/bottest"
	"github.com/kipina/kipina/bot/followup"
	"github.com/kipina/kipina/bot/schedule"
	"github.com/kipina/kipina/storage"
)

// TestCatchUpAfterDowntime: the bot is down while steps fall due; at the
// first sweep after it comes back each step follows the late-item policy:
// a day late → sent as is; more than 2 days → sent with an apology; more
// than 14 → skipped and the organisers told. The escalation check catches
// up once, not once per missed day.
func TestCatchUpAfterDowntime(t *testing.T) {
	event := at(2027, 2, 10, 9, 0) // survey due Thu 11.2., next steps Wed 24.2.
	// The organisers' notes, as functions of the harness: the part after
	// the due date, which the test does not pin, and the step's name.
	lateNote := func(days, sent int) func(*bottest.Harness) string {
		return func(h *bottest.Harness) string {
			return after(h, "fi", "followup.late.late-note", "Date", "Count", days, "Sent", sent)
		}
	}
	skipped := func(days int) func(*bottest.Harness) string {
		return func(h *bottest.Harness) string { return after(h, "fi", "followup.late.skipped", "Date", "Count", days) }
	}
	stepNamed := func(s followup.Step) func(*bottest.Harness) string {
		return func(h *bottest.Harness) string {
			return upTo(h, "fi", "followup.late.late-note", "Event", "Step", h.Bot.Cat.T("fi", "followup.step."+string(s)))
		}
	}
	for _, c := range []struct {
		name          string
		back          time.Time
		survey, steps string // the policy each step runs under ("" = not yet)
		wantOrganiser []func(*bottest.Harness) string
	}{
		{"a day", at(2027, 2, 12, 10, 0), followup.OnTime, "", nil},
		{"four days", at(2027, 2, 15, 10, 0), followup.LateNote, "", []func(*bottest.Harness) string{lateNote(4, 4)}},
		{"twenty days, two steps", at(2027, 3, 3, 10, 0), followup.Skipped, followup.LateNote,
			[]func(*bottest.Harness) string{skipped(20), stepNamed(followup.NextSteps), lateNote(7, 4)}},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := setup(t, event, demoApps[:2])
			fi := func(id string, kv ...any) string { return h.Bot.Cat.T("fi", id, kv...) }
			name := loadEvent(t, h).NameIn("fi")
			surveyed := fi("followup.survey.prompt", "Event", name)
			sorry := upTo(h, "fi", "followup.late.note", "Date")
			startFollowUp(t, h)
			h.Clock.Set(c.back)
			out := h.Tick(0)
			switch c.survey {
			case followup.OnTime:
				must(t, block(t, out, "── @anna"), surveyed)
				mustNot(t, out, sorry, "#kipina-organisers")
			case followup.LateNote:
				must(t, block(t, out, "── @anna"), fi("followup.late.note", "Date", "11.2.2027"), surveyed)
			case followup.Skipped:
				mustNot(t, out, surveyed)
			}
			if c.steps == followup.LateNote {
				must(t, block(t, out, "── @anna"), fi("followup.late.note", "Date", "24.2.2027"),
					fi("followup.nextsteps.prompt", "Event", name, "Company", "Katuvalo Oy", "App", "H0001", "Target", "Terveys ja toimintakyky"))
			}
			if len(c.wantOrganiser) > 0 {
				orgs := out[strings.Index(out, "── #kipina-organisers"):]
				for _, want := range c.wantOrganiser {
					must(t, orgs, want(h))
				}
			}
			if err := h.DB.View(func(tx *storage.Tx) error {
				p, _, err := followup.LoadPlan(tx, "demo", "kipina-2017")
				if err != nil {
					return err
				}
				if got := p.Done[followup.Survey].Policy; got != c.survey {
					t.Errorf("survey ran %q, want %q", got, c.survey)
				}
				if got := p.Done[followup.NextSteps].Policy; got != c.steps {
					t.Errorf("next steps ran %q, want %q", got, c.steps)
				}
				esc, err := schedule.Pending(tx, "demo", "followup/demo/kipina-2017/escalate/")
				if err != nil {
					return err
				}
				if len(esc) != 1 || !esc[0].Due.After(c.back) {
					t.Errorf("escalation chain after catch-up: %+v", esc)
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			// A second sweep sends nothing again.
			if out := h.Tick(time.Minute); strings.Contains(out, "──") {
				t.Errorf("second sweep posted:\n%s", out)
			}
		})
	}
}

// TestPlanCommand: defaults changed by command move the scheduled steps;
// bad settings are refused with the reason; stop cancels everything.
func TestPlanCommand(t *testing.T) {
	h := setup(t, at(2027, 2, 10, 9, 0), demoApps[:1])
	fi := func(id string, kv ...any) string { return h.Bot.Cat.T("fi", id, kv...) }
	name := loadEvent(t, h).NameIn("fi")
	surveyed := fi("followup.survey.prompt", "Event", name)
	bad := upTo(h, "fi", "followup.plan.bad", "Problem")
	out := h.Run("/kipina followup plan kipina-2017\n")
	must(t, out, fi("followup.step.survey")+" (survey=1d): 11.2.2027 klo 9.00 — "+fi("followup.plan.pending"),
		fi("followup.plan.policy", "At", "9.00", "Note", 2, "Skip", 14, "Stale", 30))
	startFollowUp(t, h)
	out = h.Run("/kipina followup plan kipina-2017 survey=2d nextsteps=3w late-skip=1 at=10:30\n")
	must(t, out, fi("followup.plan.bad", "Problem", fi("followup.setting.late", "Skip", 1, "Note", 2))) // the reason in the organiser's language
	out = h.Run("/kipina followup plan kipina-2017 pilot=soon\n/kipina followup plan kipina-2017 colour=2\n")
	must(t, out, bad+fi("followup.setting.days", "Value", "soon"), bad+fi("followup.setting.key", "Key", "colour"))
	out = h.Run("/kipina followup plan kipina-2017 survey=2d nextsteps=3w late-skip=20d stale=45 at=10:30\n")
	must(t, out, "survey=2d): 12.2.2027 klo 10.30", "nextsteps=21d): 3.3.2027 klo 10.30", fi("followup.plan.policy", "At", "10.30", "Note", 2, "Skip", 20, "Stale", 45))
	if err := h.DB.View(func(tx *storage.Tx) error {
		items, err := schedule.Pending(tx, "demo", "followup/demo/kipina-2017/")
		if err != nil {
			return err
		}
		if len(items) != 4 { // three steps and one escalation check
			t.Errorf("pending after re-plan: %d items: %+v", len(items), items)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	h.Clock.Set(at(2027, 2, 11, 9, 30))
	if out := h.Tick(0); strings.Contains(out, surveyed) {
		t.Errorf("survey went at the old time:\n%s", out)
	}
	h.Clock.Set(at(2027, 2, 12, 10, 30))
	must(t, h.Tick(0), surveyed)
	out = h.Run("/kipina followup stop kipina-2017\n/kipina followup plan kipina-2017 nextsteps=x\n")
	must(t, out, fi("followup.stopped", "Event", "kipina-2017"), bad)
	if err := h.DB.View(func(tx *storage.Tx) error {
		items, err := schedule.Pending(tx, "demo", "followup/demo/kipina-2017/")
		if len(items) != 0 {
			t.Errorf("pending after stop: %+v", items)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	must(t, h.Run("/kipina followup plan nosuch\n/kipina followups\n"), fi("followup.no_event", "Event", "nosuch"), fi("followup.stage.pitched")+" 1")
}
