package day_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/kipina/kipina/bot/bottest"
	"github.com/kipina/kipina/bot/call"
	"github.com/kipina/kipina/bot/day"
	"github.com/kipina/kipina/bot/round"
	"github.com/kipina/kipina/bot/routing"
	"github.com/kipina/kipina/storage"
)

// TestTradeSecretInDay: the day's texts that show a company to the city's
// people (the meeting-request prompt, the personal schedule and the
// reminder) never show the summary of an application marked as containing
// trade secrets, only a lock (docs/security.md).
func TestTradeSecretInDay(t *testing.T) {
	const secret = "SALAINEN-ANTURIRESEPTI"
	h := bottest.New(t, call.Module{}, routing.Module{}, day.Module{})
	err := h.DB.Update(func(tx *storage.Tx) error {
		a := round.Application{Event: "kipina-2017", State: round.Submitted, Company: "Katuvalo Oy", BusinessID: "1572860-0",
			Owner: bottest.User("anna"), Lang: "en", Summary: secret + " and more.", Secrets: true}
		return round.Submit(tx, "demo", round.Submission{App: &a}, "")
	})
	if err != nil {
		t.Fatal(err)
	}
	accept(t, h, "H0001")
	lock := h.Bot.Cat.T("fi", "day.about.secret")

	out := h.Run("/kipina day people add kipina-2017 @pekka\n/kipina meetings open kipina-2017\n")
	pekka, anna := section(t, out, "── @pekka"), section(t, out, "── @anna")
	must(t, pekka, "Katuvalo Oy (H0001)", lock)
	mustNot(t, out, secret)

	h.Run(":as pekka\n" + pick(t, pekka, "Katuvalo Oy") + "\n1\n")
	h.Run(":as anna\n" + pick(t, anna, "@pekka") + "\n1\n")
	out = h.Run(":as nina\n/kipina meetings close kipina-2017\n/kipina meetings schedule kipina-2017 slot=15 window=09:00-10:00 tables=1\n/kipina meetings publish kipina-2017\n")
	must(t, out, "9.00–9.15 pöytä 1: Katuvalo Oy (H0001)", lock)
	mustNot(t, out, secret)
	ics, err := os.ReadFile(filepath.Join(h.Dir, "files", "kipina-kipina-2017-pekka.ics"))
	if err != nil {
		t.Fatal(err)
	}
	mustNot(t, string(ics), "SALAINEN")

	var at time.Time
	for _, mt := range loadDay(t, h).Plan.Meetings {
		at = mt.Start
	}
	h.Clock.Set(at.Add(-5 * time.Minute))
	out = h.Tick(0)
	must(t, section(t, out, "── @pekka"), "Katuvalo Oy (H0001)", lock)
	mustNot(t, out, secret)
}
