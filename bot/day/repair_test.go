package day_test

import (
	"regexp"
	"testing"
	"time"

	"github.com/kipina/kipina/bot/bottest"
	"github.com/kipina/kipina/bot/call"
	"github.com/kipina/kipina/bot/day"
	"github.com/kipina/kipina/bot/round"
	"github.com/kipina/kipina/bot/routing"
	"github.com/kipina/kipina/matching"
	"github.com/kipina/kipina/storage"
)

// repairDay publishes a day of one company, Katuvalo Oy (H0001, anna),
// and the city people given: H0001 and each of must want to meet, and
// would wants to meet H0001 but gets no place. The meetings are 30
// minutes from 9.00 at one table; the clock is set to 8.30 on the day.
func repairDay(t *testing.T, mustMeet []string, would string) *bottest.Harness {
	t.Helper()
	h := bottest.New(t, call.Module{}, routing.Module{}, day.Module{})
	err := h.DB.Update(func(tx *storage.Tx) error {
		a := round.Application{Event: "kipina-2017", State: round.Submitted, Company: "Katuvalo Oy", BusinessID: "1572860-0",
			Owner: bottest.User("anna"), Lang: "fi", Summary: "Katuvalojen sensoriverkko."}
		if err := round.Submit(tx, "demo", round.Submission{App: &a}, ""); err != nil {
			return err
		}
		for _, p := range mustMeet {
			if err := day.Wants.Put(tx, "demo", "kipina-2017/c/H0001/"+p, matching.InterestMust); err != nil {
				return err
			}
			if err := day.Wants.Put(tx, "demo", "kipina-2017/p/"+p+"/H0001", matching.InterestMust); err != nil {
				return err
			}
		}
		return day.Wants.Put(tx, "demo", "kipina-2017/p/"+would+"/H0001", matching.InterestWould)
	})
	if err != nil {
		t.Fatal(err)
	}
	accept(t, h, "H0001")
	people := ""
	for _, p := range append(mustMeet, would) {
		people += " @" + p
	}
	out := h.Run(":as nina\n/kipina day people add kipina-2017" + people + "\n" +
		"/kipina meetings schedule kipina-2017 slot=30 window=09:00-" + []string{"", "09:30", "10:00"}[len(mustMeet)] + " tables=1\n/kipina meetings publish kipina-2017\n")
	must(t, out, "Tapaamisia julkaistu: "+string(rune('0'+len(mustMeet))))
	d := loadDay(t, h)
	for _, mt := range d.Plan.Meetings {
		if mt.Person == would {
			t.Fatalf("%s got a meeting in the plan: %+v", would, d.Plan.Meetings)
		}
	}
	h.Clock.Set(time.Date(2027, 2, 10, 8, 30, 0, 0, time.FixedZone("EET", 2*3600)))
	return h
}

// meetingsOf counts the active meetings of person with H0001.
func meetingsOf(t *testing.T, h *bottest.Harness, person string) int {
	t.Helper()
	n := 0
	for _, mt := range loadDay(t, h).Plan.Meetings {
		if !mt.Cancelled && mt.Person == person && mt.App == "H0001" {
			n++
		}
	}
	return n
}

// Issue 21: two city people who must meet a company do not come, and a
// third is offered both freed slots. He takes the first; the second offer
// is withdrawn with a note at once, and accepting it is refused: he meets
// the company once.
func TestRepairNoDoubleBooking(t *testing.T) {
	h := repairDay(t, []string{"kaisa", "pekka"}, "ville")
	out := h.Run(":as nina\n/kipina noshow kipina-2017 @kaisa\n/kipina noshow kipina-2017 @pekka\n")
	offers := bottest.AllPosted(out, "── @ville")
	buttons := regexpAll(`\[(\d+)\] Hyväksy`, offers)
	if len(buttons) != 2 {
		t.Fatalf("ville got %d offers, want 2:\n%s", len(buttons), out)
	}
	first, second := buttons[0], buttons[1]

	out = h.Run(":as ville\n" + first + "\n")
	must(t, out, "Aika on sinun: klo 9.00, pöytä 1, tapaaminen Katuvalo Oy (H0001)", "── @anna", "Uusi tapaaminen klo 9.00, pöytä 1: @ville",
		"── @ville", h.Bot.Cat.T("fi", "day.offer.withdrawn.met", "Event", "Kipinä 2017 – avoin haku", "Start", "9.30", "End", "10.00", "Table", 1, "Other", "Katuvalo Oy (H0001)"))

	out = h.Run(":as ville\n" + second + "\n")
	must(t, out, h.Bot.Cat.T("fi", "day.offer.withdrawn.met", "Event", "Kipinä 2017 – avoin haku", "Start", "9.30", "End", "10.00", "Table", 1, "Other", "Katuvalo Oy (H0001)"))
	mustNot(t, out, "── @anna", "Aika on sinun")
	if n := meetingsOf(t, h, "ville"); n != 1 {
		t.Errorf("ville meets Katuvalo Oy %d times, want 1", n)
	}
	out = h.Run(":as ville\n/kipina my schedule kipina-2017\n")
	if n := len(regexpAll(`(Katuvalo Oy \(H0001\))`, out)); n != 1 {
		t.Errorf("ville's schedule names Katuvalo Oy %d times, want 1:\n%s", n, out)
	}
}

// Issue 21: a person is offered the slot one no-show freed, then the
// company itself is marked absent. The offer is withdrawn with a note,
// and accepting it is refused: no meeting, and the company's contact is
// not told of a new meeting.
func TestRepairWithdrawnWhenTheOtherSideIsAbsent(t *testing.T) {
	h := repairDay(t, []string{"kaisa"}, "ville")
	out := h.Run(":as nina\n/kipina noshow kipina-2017 @kaisa\n")
	// Issue 21: each count chooses its own plural ("offered once", fi "kerran").
	must(t, out, "@kaisa: 1 tapaaminen vapautettiin; aikaa tarjottiin kerran.")
	offer := control(t, section(t, out, "── @ville"), "Hyväksy")
	note := h.Bot.Cat.T("fi", "day.offer.withdrawn.absent", "Event", "Kipinä 2017 – avoin haku", "Start", "9.00", "End", "9.30", "Table", 1, "Other", "Katuvalo Oy (H0001)")

	out = h.Run(":as nina\n/kipina noshow kipina-2017 H0001\n")
	must(t, out, "── @ville", note)

	out = h.Run(":as ville\n" + offer + "\n")
	must(t, out, note)
	mustNot(t, out, "── @anna", "Uusi tapaaminen", "Aika on sinun")
	if n := meetingsOf(t, h, "ville"); n != 0 {
		t.Errorf("ville has %d meetings with the absent company", n)
	}
}

func regexpAll(re, s string) []string {
	var out []string
	for _, m := range regexp.MustCompile(re).FindAllStringSubmatch(s, -1) {
		out = append(out, m[1])
	}
	return out
}
