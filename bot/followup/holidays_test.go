package followup_test

import (
	"strings"
	"testing"
	"time"

	"github.com/kipina/kipina/bot"
	"github.com/kipina/kipina/bot/followup"
	"github.com/kipina/kipina/configs"
	"github.com/kipina/kipina/storage"
)

// TestFinnishHolidays checks bot.FinnishHoliday against the calendar of
// 2026–2030: the fixed holidays, the ones that move with Easter, Midsummer
// and All Saints' Day, and the ordinary days next to them.
func TestFinnishHolidays(t *testing.T) {
	type year struct {
		easter, goodFriday, easterMonday, ascension, midsummerEve, allSaints string
	}
	years := map[int]year{
		2026: {"04-05", "04-03", "04-06", "05-14", "06-19", "10-31"},
		2027: {"03-28", "03-26", "03-29", "05-06", "06-25", "11-06"},
		2028: {"04-16", "04-14", "04-17", "05-25", "06-23", "11-04"},
		2029: {"04-01", "03-30", "04-02", "05-10", "06-22", "11-03"},
		2030: {"04-21", "04-19", "04-22", "05-30", "06-21", "11-02"},
	}
	day := func(y int, md string) time.Time {
		d, err := time.Parse("2006-01-02", time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC).Format("2006")+"-"+md)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	for y, c := range years {
		if got := bot.Easter(y).Format("01-02"); got != c.easter {
			t.Errorf("Easter %d = %s, want %s", y, got, c.easter)
		}
		// The table itself: the weekdays the holidays fall on.
		for md, wd := range map[string]time.Weekday{c.goodFriday: time.Friday, c.easterMonday: time.Monday, c.ascension: time.Thursday,
			c.midsummerEve: time.Friday, c.allSaints: time.Saturday} {
			if got := day(y, md).Weekday(); got != wd {
				t.Errorf("%d-%s is a %s, table says %s", y, md, got, wd)
			}
		}
		holidays := []string{"01-01", "01-06", c.goodFriday, c.easterMonday, "05-01", c.ascension, c.midsummerEve,
			day(y, c.midsummerEve).AddDate(0, 0, 1).Format("01-02"), c.allSaints, "12-06", "12-24", "12-25", "12-26"}
		ordinary := []string{"01-02", "01-07", day(y, c.goodFriday).AddDate(0, 0, -1).Format("01-02"),
			day(y, c.easterMonday).AddDate(0, 0, 1).Format("01-02"), "04-30", "05-02",
			day(y, c.ascension).AddDate(0, 0, 1).Format("01-02"), day(y, c.midsummerEve).AddDate(0, 0, -1).Format("01-02"),
			day(y, c.allSaints).AddDate(0, 0, -1).Format("01-02"), "12-05", "12-23", "12-27", "12-31"}
		for _, md := range holidays {
			d := day(y, md)
			if !bot.FinnishHoliday(d.Year(), d.Month(), d.Day()) {
				t.Errorf("%s should be a holiday", d.Format("2006-01-02 Mon"))
			}
		}
		for _, md := range ordinary {
			d := day(y, md)
			if bot.FinnishHoliday(d.Year(), d.Month(), d.Day()) {
				t.Errorf("%s should not be a holiday", d.Format("2006-01-02 Mon"))
			}
		}
	}
}

// TestFollowUpWaitsForWorkingMorning: a survey due on a holiday waits for
// the next working morning (08:00, the end of quiet hours), across the
// Easter weekend and the change to summer time, and is not "late".
func TestFollowUpWaitsForWorkingMorning(t *testing.T) {
	for _, c := range []struct {
		name        string
		event       time.Time
		quiet, sent time.Time
	}{
		// Thursday before Easter 2027: Good Friday, the weekend (clocks go
		// forward on Sunday) and Easter Monday pass.
		{"easter", at(2027, 3, 25, 9, 0), at(2027, 3, 30, 7, 59), at(2027, 3, 30, 8, 0)},
		// Thursday before Midsummer 2027.
		{"midsummer", at(2027, 6, 24, 9, 0), at(2027, 6, 28, 7, 59), at(2027, 6, 28, 8, 0)},
		// Independence Day 2029 is a Thursday: an event on Wednesday 5
		// December waits a day.
		{"independence", at(2029, 12, 5, 9, 0), at(2029, 12, 7, 7, 59), at(2029, 12, 7, 8, 0)},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := setup(t, c.event, demoApps[:1])
			h.Clock.Set(c.event)
			startFollowUp(t, h)
			h.Clock.Set(c.event.Add(24*time.Hour + time.Minute)) // due, but a holiday
			prompt := surveyed(t, h)
			if out := h.Tick(0); strings.Contains(out, prompt) {
				t.Fatalf("sent on a holiday:\n%s", out)
			}
			for h.Clock.Now().Add(6 * time.Hour).Before(c.quiet) {
				if out := h.Tick(6 * time.Hour); strings.Contains(out, prompt) {
					t.Fatalf("sent at %s, before %s:\n%s", h.Clock.Now(), c.sent, out)
				}
			}
			h.Clock.Set(c.quiet)
			if out := h.Tick(0); strings.Contains(out, prompt) {
				t.Fatalf("sent in the quiet hours of the working day:\n%s", out)
			}
			out := h.Tick(time.Minute)
			must(t, block(t, out, "── @anna"), prompt)
			survey := h.Bot.Cat.T("fi", "followup.step.survey")
			mustNot(t, out, upTo(h, "fi", "followup.late.note", "Date"), upTo(h, "fi", "followup.late.late-note", "Event", "Step", survey),
				upTo(h, "fi", "followup.late.skipped", "Event", "Step", survey))
			if err := h.DB.View(func(tx *storage.Tx) error {
				p, _, err := followup.LoadPlan(tx, "demo", "kipina-2017")
				if err != nil {
					return err
				}
				if run := p.Done[followup.Survey]; run.Policy != followup.OnTime || !run.At.Equal(c.sent) {
					t.Errorf("survey ran %+v, want on time at %s", run, c.sent)
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestPlanSaysWhatWillHappen is issue 15's example: on a holiday the plan
// said "overdue – goes out at the next run", then the message waited for
// the next working morning and was labelled on time. The plan must say
// what will happen: it waits, and goes out on the working morning on time.
func TestPlanSaysWhatWillHappen(t *testing.T) {
	h := setup(t, at(2026, 12, 23, 9, 0), demoApps[:1])
	h.Clock.Set(at(2026, 12, 23, 10, 0))
	startFollowUp(t, h)
	fi := func(id string, kv ...any) string { return h.Bot.Cat.T("fi", id, kv...) }
	onTime := fi("followup.policy.on-time")
	monday := h.Bot.FormatTime("fi", "format.datetime", at(2026, 12, 28, 8, 0), helsinki)

	// Before the due time (a holiday, Christmas Eve): the plan already
	// says when it will really go out.
	out := h.Run("/kipina followup plan kipina-2017\n")
	must(t, out, fi("followup.plan.held", "Date", monday, "Policy", onTime))

	// Christmas Day: due, held.
	h.Clock.Set(at(2026, 12, 25, 12, 0))
	mustNot(t, h.Tick(0), surveyed(t, h))
	out = h.Run("/kipina followup plan kipina-2017\n")
	must(t, out, fi("followup.plan.held", "Date", monday, "Policy", onTime))
	mustNot(t, out, "seuraavassa ajossa")

	// Monday 08:00: it goes, and the plan reads as it said.
	h.Clock.Set(at(2026, 12, 28, 8, 0))
	must(t, h.Tick(0), surveyed(t, h))
	out = h.Run("/kipina followup plan kipina-2017\n")
	must(t, out, h.Bot.Cat.T("fi", "followup.plan.ran", "Date", monday, "Policy", onTime, "Count", 2)) // anna and the city contact pekka
}

// TestPlanSaysLateAndSkipped: a step whose time passed while nothing held
// it (the campaign started late) says when it goes and that it is late;
// one past the skip limit says it will not be sent.
func TestPlanSaysLateAndSkipped(t *testing.T) {
	h := setup(t, at(2027, 1, 4, 9, 0), demoApps[:1]) // a Monday
	h.Clock.Set(at(2027, 1, 20, 10, 0))               // a Wednesday, 16 days later
	out := h.Run("/kipina followup plan kipina-2017\n")
	fi := func(id string, kv ...any) string { return h.Bot.Cat.T("fi", id, kv...) }
	// survey (1 day): 15 days late, over the default 14-day skip limit;
	// next steps (14 days, Monday 18.1.): two days late, with an apology.
	must(t, out, fi("followup.plan.skip", "Skip", h.Bot.Count("fi", "count.days", 14)),
		fi("followup.plan.late", "Date", h.Bot.FormatTime("fi", "format.datetime", at(2027, 1, 20, 10, 0), helsinki),
			"Policy", fi("followup.policy.late-note")))
}

// TestFollowUpInWorkspaceZone: in a workspace whose zone is New York (not
// the default Helsinki), the survey the day after the event goes out at
// 09:00 New York time, and the plan says so in that zone.
func TestFollowUpInWorkspaceZone(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	cfg := configs.Default()
	cfg.Workspaces[0].Timezone = "America/New_York"
	event := time.Date(2027, 1, 12, 9, 0, 0, 0, ny) // a Tuesday
	h := setupWith(t, cfg, event, demoApps[:1])
	h.Clock.Set(event.Add(time.Hour))
	out := startFollowUp(t, h)
	must(t, out, "13.1.2027 klo 9.00")
	h.Clock.Set(time.Date(2027, 1, 13, 8, 59, 0, 0, ny)) // 15.59 in Helsinki
	mustNot(t, h.Tick(0), surveyed(t, h))
	h.Clock.Set(time.Date(2027, 1, 13, 9, 0, 0, 0, ny))
	must(t, block(t, h.Tick(0), "── @anna"), surveyed(t, h))
}
