package followup_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kipina/kipina/bot/bottest"
	"github.com/kipina/kipina/bot/call"
	"github.com/kipina/kipina/bot/event"
	"github.com/kipina/kipina/bot/export"
	"github.com/kipina/kipina/bot/followup"
	"github.com/kipina/kipina/bot/locale"
	"github.com/kipina/kipina/bot/round"
	"github.com/kipina/kipina/bot/routing"
	"github.com/kipina/kipina/configs"
	"github.com/kipina/kipina/storage"
)

// Transcript helpers shared by the scenario tests.
var (
	block   = bottest.Posted
	must    = bottest.Must
	mustNot = bottest.MustNot
	button  = bottest.Button
)

// helsinki is the demo workspace's zone.
var helsinki, _ = time.LoadLocation("Europe/Helsinki")

// at is a wall-clock moment in Helsinki.
func at(y int, m time.Month, d, hh, mm int, ss ...int) time.Time {
	s := 0
	if len(ss) > 0 {
		s = ss[0]
	}
	return time.Date(y, m, d, hh, mm, s, 0, helsinki)
}

// demo app: id, owner, company, target, state, trade secret, and the
// language the company applied in ("" is Finnish).
type demoApp struct {
	id, owner, company, target string
	state                      round.State
	secret                     bool
	lang                       string
}

var demoApps = []demoApp{
	{"H0001", "anna", "Katuvalo Oy", "health", round.Accepted, false, ""},
	{"H0002", "bertil", "Sensori Ab", "sensors", round.Accepted, true, ""},
	{"H0003", "cecilia", "Hylätty Oy", "health", round.Declined, false, ""},
	{"H0004", "dora", "Kirjasto Oy", "culture", round.Accepted, false, ""},
}

// setup starts a harness with the call, routing, follow-up and export
// modules; puts the demo applications in the demo event (dated
// eventDate) and makes pekka the contact of health and sari of sensors.
func setup(t testing.TB, eventDate time.Time, apps []demoApp) *bottest.Harness {
	t.Helper()
	return setupWith(t, configs.Default(), eventDate, apps)
}

// setupWith is setup with a configuration.
func setupWith(t testing.TB, cfg *configs.Config, eventDate time.Time, apps []demoApp) *bottest.Harness {
	t.Helper()
	h := bottest.NewWith(t, cfg, call.Module{}, routing.Module{}, followup.Module{}, export.Module{})
	err := h.DB.Update(func(tx *storage.Tx) error {
		ev, err := round.LoadEvent(tx, "demo", "kipina-2017")
		if err != nil {
			return err
		}
		ev.Date = eventDate
		if err := round.Events.Put(tx, "demo", ev.ID, ev); err != nil {
			return err
		}
		for i, a := range apps {
			lang := a.lang
			if lang == "" {
				lang = "fi"
			}
			app := round.Application{Event: ev.ID, Owner: bottest.User(a.owner), Company: a.company, BusinessID: bottest.BusinessID(i + 1),
				Target: a.target, Summary: "Ratkaisu " + a.company, Lang: lang, Secrets: a.secret, Submitted: bottest.Start}
			one := []round.Application{app}
			if err := addApps(t.Context(), h.Bot.Events, tx, one, a.state); err != nil {
				return err
			}
			if one[0].ID != a.id {
				return fmt.Errorf("%s was stored as %s", a.id, one[0].ID)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	out := h.Run("/kipina contacts add health @pekka\n/kipina contacts add sensors @sari\n")
	must(t, out, "@pekka", "@sari")
	return h
}

// addApps submits applications to the demo workspace as their owners would
// (each gets the next id, set in apps) and moves them to state, as the
// jury would.
func addApps(ctx context.Context, bus *event.Bus, tx *storage.Tx, apps []round.Application, state round.State) error {
	for i := range apps {
		a := &apps[i]
		a.State = round.Submitted
		if err := round.Submit(tx, "demo", round.Submission{App: a, By: a.Owner, Lang: a.Lang}, ""); err != nil {
			return fmt.Errorf("submit %s: %w", a.Company, err)
		}
		if state == round.Submitted {
			continue
		}
		if _, _, err := round.Transition(ctx, bus, tx, "demo", a.ID, state, bottest.User("nina")); err != nil {
			return fmt.Errorf("%s → %s: %w", a.ID, state, err)
		}
	}
	return nil
}

// count counts the posts to header in out.
func count(out, header string) int { return strings.Count(out, header+"\n") }

func lines(a ...string) string { return strings.Join(a, "\n") + "\n" }

// startFollowUp starts the demo event's follow-up as nina.
func startFollowUp(t testing.TB, h *bottest.Harness) string {
	t.Helper()
	name := loadEvent(t, h).NameIn("fi")
	started := upTo(h, "fi", "followup.started", "Count", "Event", name)
	out := h.Run(":as nina\n/kipina followup start kipina-2017\n")
	must(t, out, upTo(h, "fi", "followup.start.preview", "Count", "Event", name))
	mustNot(t, out, started) // a preview: nothing starts before the button
	out = h.Run(button(t, out, h.Bot.Cat.T("fi", "followup.start.button")) + "\n")
	must(t, out, started)
	return out
}

// startedText is the words of followup.started between the event and the
// count ("jatkoseuranta alkoi: " in Finnish), for tests without a harness.
func startedText(cat *locale.Catalog) string {
	_, s, _ := strings.Cut(cat.T("fi", "followup.started", "Event", cut, "Count", countCut), cut)
	s, _, _ = strings.Cut(s, fmt.Sprint(countCut))
	return s
}

// surveyed is the survey prompt of the demo event in Finnish.
func surveyed(t testing.TB, h *bottest.Harness) string {
	t.Helper()
	return h.Bot.Cat.T("fi", "followup.survey.prompt", "Event", loadEvent(t, h).NameIn("fi"))
}
