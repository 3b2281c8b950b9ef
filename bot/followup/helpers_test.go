package followup_test

import (
	"strings"
	"testing"
	"time"

	"github.com/kipina/kipina/bot/bottest"
	"github.com/kipina/kipina/bot/call"
	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/bot/export"
	"github.com/kipina/kipina/bot/followup"
	"github.com/kipina/kipina/bot/routing"
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

// demo app: id, owner, company, target, state, trade secret.
type demoApp struct {
	id, owner, company, target, state string
	secret                            bool
}

var demoApps = []demoApp{
	{"H0001", "anna", "Katuvalo Oy", "health", call.Accepted, false},
	{"H0002", "bertil", "Sensori Ab", "sensors", call.Accepted, true},
	{"H0003", "cecilia", "Hylätty Oy", "health", call.Declined, false},
	{"H0004", "dora", "Kirjasto Oy", "culture", call.Accepted, false},
}

// setup starts a harness with the call, routing, follow-up and export
// modules; puts the demo applications in the demo event (dated
// eventDate) and makes pekka the contact of health and sari of sensors.
func setup(t testing.TB, eventDate time.Time, apps []demoApp) *bottest.Harness {
	t.Helper()
	h := bottest.New(t, call.Module{}, routing.Module{}, followup.Module{}, export.Module{})
	err := h.DB.Update(func(tx *storage.Tx) error {
		ev, err := call.LoadEvent(tx, "demo", "kipina-2017")
		if err != nil {
			return err
		}
		ev.Date = eventDate
		if err := call.Events.Put(tx, "demo", ev.ID, ev); err != nil {
			return err
		}
		for _, a := range apps {
			owner := chat.UserRef{Platform: "shell", Workspace: "demo", User: a.owner}
			if err := call.Apps.Put(tx, "demo", a.id, call.Application{ID: a.id, Event: ev.ID, Owner: owner, State: a.state,
				Company: a.company, BusinessID: "1572860-0", Target: a.target, Summary: "Ratkaisu " + a.company, Lang: "fi",
				Secrets: a.secret, Submitted: bottest.Start}); err != nil {
				return err
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

// count counts the posts to header in out.
func count(out, header string) int { return strings.Count(out, header+"\n") }

func lines(a ...string) string { return strings.Join(a, "\n") + "\n" }
