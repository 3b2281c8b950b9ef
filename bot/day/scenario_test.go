package day_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kipina/kipina/bot/bottest"
	"github.com/kipina/kipina/bot/call"
	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/bot/day"
	"github.com/kipina/kipina/bot/format"
	"github.com/kipina/kipina/bot/jury"
	"github.com/kipina/kipina/bot/round"
	"github.com/kipina/kipina/bot/routing"
	"github.com/kipina/kipina/matching"
	"github.com/kipina/kipina/storage"
)

// Transcript helpers shared by the scenario tests.
var (
	section = bottest.Posted
	must    = bottest.Must
	mustNot = bottest.MustNot
)

// control finds the number of the last control whose label matches the
// regular expression re in out.
func control(t *testing.T, out, re string) string {
	t.Helper()
	m := regexp.MustCompile(`\[(\d+)\] `+re).FindAllStringSubmatch(out, -1)
	if len(m) == 0 {
		t.Fatalf("no control %q in:\n%s", re, out)
	}
	return m[len(m)-1][1]
}

// pick is the select of a prompt row naming who (a select then asks for
// an option: 1 must, 2 would, 3 no thanks).
func pick(t *testing.T, out, who string) string {
	t.Helper()
	return control(t, out, `\d+\. `+regexp.QuoteMeta(who))
}

func answers(a ...string) string { return strings.Join(a, "\n") + "\n" }

// apply submits an application as user through the call's form.
func apply(h *bottest.Harness, applyBtn, user, company, bid, target, summary, lang string) {
	h.Run(":as " + user + "\n" + applyBtn + "\n" + answers(company, bid, user, user+"@example.fi", "", target, summary, "2", "", "", "", lang, "no", "yes"))
}

func wantOf(t *testing.T, h *bottest.Harness, k string) (matching.Interest, bool) {
	t.Helper()
	var v matching.Interest
	var ok bool
	if err := h.DB.View(func(tx *storage.Tx) (err error) { v, ok, err = day.Wants.Lookup(tx, "demo", k); return }); err != nil {
		t.Fatal(err)
	}
	return v, ok
}

func loadDay(t *testing.T, h *bottest.Harness) day.Day {
	t.Helper()
	var d day.Day
	if err := h.DB.View(func(tx *storage.Tx) (err error) { d, err = day.Days.Get(tx, "demo", "kipina-2017"); return }); err != nil {
		t.Fatal(err)
	}
	return d
}

// accept decides applications as accepted, as the jury would.
func accept(t *testing.T, h *bottest.Harness, ids ...string) {
	t.Helper()
	err := h.DB.Update(func(tx *storage.Tx) error {
		for _, id := range ids {
			if _, _, err := round.Transition(t.Context(), h.Bot.Events, tx, "demo", id, round.Accepted, bottest.User("nina")); err != nil {
				return fmt.Errorf("%s: %w", id, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestTheDay runs the event day through the shell with a fake clock:
// agenda → publish (DMs in each company's language) → a move that tells
// only those it moves → meeting requests answered through the prompts by
// companies and city people → draft and preview → publish → personal
// schedules and .ics files → reminders at the right minute → a no-show
// re-paired (first accept wins, the second is told it is taken) → Cancel
// from a reminder.
func TestTheDay(t *testing.T) {
	h := bottest.New(t, call.Module{}, routing.Module{}, day.Module{})
	out := h.OpenCall("kipina-2017")
	applyBtn := control(t, out, "Hae mukaan")
	apply(h, applyBtn, "anna", "Katuvalo Oy", "1572860-0", "2", "Katuvalojen sensoriverkko mittaa liikennettä, melua ja ilmanlaatua; älykäs infrastruktuuri ja avoin data.", "1")
	apply(h, applyBtn, "sven", "Vård Ab", "0112038-9", "4", "Distansmottagning och fjärrövervakning för patienter med diabetes inom hälsovården.", "3")
	apply(h, applyBtn, "olli", "Koulu Oy", "1234567-1", "7", "A learning app for school pupils and teachers, with library reading challenges.", "2")
	accept(t, h, "H0001", "H0002", "H0003")

	// The city's people: two process contacts, a juror and a staff member.
	err := h.DB.Update(func(tx *storage.Tx) error {
		return jury.Juries.Put(tx, "demo", "kipina-2017", jury.Jury{Event: "kipina-2017", Jurors: []jury.Juror{
			{User: chat.UserRef{Platform: "shell", Workspace: "demo", User: "jaana"}, Targets: []string{"energy"}},
			{User: chat.UserRef{Platform: "shell", Workspace: "demo", User: "removed"}, Removed: true},
		}})
	})
	if err != nil {
		t.Fatal(err)
	}
	out = h.Run(":as nina\n/kipina contacts add health @kaisa\n/kipina contacts add sensors @pekka\n/kipina day people add kipina-2017 @ville\n/kipina day people kipina-2017\n")
	must(t, out, "4 kaupungin osallistujaa, yrityksiä 3", "@jaana — raadin jäsen: Energiatehokas kaupunginosa", "@kaisa — prosessin yhteyshenkilö: Terveys ja toimintakyky", "@ville — kaupungin edustaja")

	// Agenda: ordered by track (health, then education, then the sensors
	// challenge), the break skipped.
	out = h.Run("/kipina agenda kipina-2017 start=nine\n/kipina agenda kipina-2017 start=09:00 slot=10 break=09:20-09:30\n")
	must(t, out, "En ymmärrä kohtaa ”start=nine”", "Esimerkki: /kipina agenda kipina-2017",
		"1. 9.00–9.10 Vård Ab (H0002)", "2. 9.10–9.20 Koulu Oy (H0003)", "3. 9.30–9.40 Katuvalo Oy (H0001)", "Tauko 9.20–9.30", "Ei vielä julkaistu")

	// Publish: the post here, each company its slot in its own language.
	out = h.Run("/kipina agenda publish kipina-2017\n")
	mustNot(t, out, "Muutoksesta")
	must(t, out, "── #shell", "*Pitchausohjelma: Kipinä 2017",
		"── @anna", "Katuvalo Oy (H0001) esittäytyy 10.2.2027 klo 9.30–9.40",
		"── @sven", "Vård Ab (H0002) pitchar 10.2.2027 kl. 9.00–9.10",
		"── @olli", "Koulu Oy (H0003) pitches on 10 Feb 2027 at 9:10–9:20")

	// A move tells exactly those whose slot changed and updates the post.
	out = h.Run("/kipina agenda move kipina-2017 H0002 2\n")
	must(t, out, "1. 9.00–9.10 Koulu Oy (H0003)", "2. 9.10–9.20 Vård Ab (H0002)", "Muutoksesta kerrottiin 2 yritykselle",
		"── @sven", "pitchtiden för Vård Ab (H0002) har ändrats: nu 10.2.2027 kl. 9.10–9.20",
		"── @olli", "now 10 Feb 2027 at 9:00–9:10", "── #shell (~")
	mustNot(t, out, "── @anna")

	// Meeting requests.
	out = h.Run("/kipina meetings open kipina-2017\n")
	must(t, out, "Kysyttiin 3 yritykseltä ja 4 kaupungin osallistujalta", "── @jaana", "── @kaisa", "Keitä yrityksiä haluat tavata", "── @anna", "Keitä haluatte tavata",
		"── @olli", "Whom do you want to meet", "── @sven", "Vem vill ni träffa")
	kaisa, pekka, ville := section(t, out, "── @kaisa"), section(t, out, "── @pekka"), section(t, out, "── @ville")
	anna, sven, olli := section(t, out, "── @anna"), section(t, out, "── @sven"), section(t, out, "── @olli")
	// The best match first: kaisa (health) sees Vård Ab first with its score.
	if !regexp.MustCompile(`1\. \*Vård Ab \(H0002\)\* — Terveys ja toimintakyky: .*\(sopivuus \d+ %\)`).MatchString(kaisa) {
		t.Errorf("kaisa's prompt does not start with Vård Ab and a score:\n%s", kaisa)
	}

	// Someone else's select is refused.
	out = h.Run(":as anna\n" + pick(t, kaisa, "Vård Ab") + "\n1\n")
	must(t, out, "Tämä valinta kuuluu toiselle osallistujalle")

	out = h.Run(":as kaisa\n" + pick(t, kaisa, "Vård Ab") + "\n1\n")
	must(t, out, "Vård Ab (H0002)* — ", "→ Pakko tavata")
	h.Run(pick(t, out, "Katuvalo Oy") + "\n2\n")
	h.Run(":as pekka\n" + pick(t, pekka, "Katuvalo Oy") + "\n1\n")
	h.Run(":as ville\n" + pick(t, ville, "Koulu Oy") + "\n1\n")
	out = h.Run(pick(t, ville, "Katuvalo Oy") + "\n3\n") // no thanks … then changed
	h.Run(pick(t, out, "Katuvalo Oy") + "\n2\n")
	h.Run(":as anna\n" + pick(t, anna, "@pekka") + "\n1\n")
	out = h.Run(pick(t, anna, "@kaisa") + "\n2\n")
	must(t, out, "@kaisa* — prosessin yhteyshenkilö: Terveys ja toimintakyky", "→ Haluaisin tavata")
	h.Run(":as sven\n" + pick(t, sven, "@kaisa") + "\n1\n")
	h.Run(":as olli\n" + pick(t, olli, "@ville") + "\n1\n")
	out = h.Run(pick(t, olli, "@kaisa") + "\n1\n")
	must(t, out, "→ Must meet")
	if v, ok := wantOf(t, h, "kipina-2017/p/ville/H0001"); !ok || v != matching.InterestWould {
		t.Errorf("ville's changed answer = %v, %v; want would", v, ok)
	}
	if v, _ := wantOf(t, h, "kipina-2017/c/H0001/pekka"); v != matching.InterestMust {
		t.Errorf("anna's answer for pekka = %v", v)
	}

	out = h.Run(":as nina\n/kipina meetings close kipina-2017\n:as kaisa\n" + pick(t, kaisa, "Koulu Oy") + "\n1\n")
	must(t, out, "Tapaamistoiveet on suljettu (10 vastausta)", "Tapaamistoiveita ei nyt oteta vastaan")

	// The draft: 3 slots (09:15 would overlap the break), one table; the
	// pitches block H0003 and H0002 at 09:00 and H0001 at 09:30, so
	// every mutual must-meet fits only as H0001–pekka at 09:00.
	out = h.Run(":as nina\n/kipina meetings schedule kipina-2017 slot=15 window=09:00-10:00 tables=1\n")
	must(t, out, "*Luonnos: Kipinä 2017 – avoin haku*", "tapaamisia 3, aikavälejä 3 à 15 min, pöytiä: 1", "Paino 300 / yläraja 300 (100,0 %)",
		"Tapaamiset klo 9.00–10.00", "H0001 1, H0002 1, H0003 1", "@jaana 0, @kaisa 1, @pekka 1, @ville 1",
		"1 pakko tavata -toive jäi ilman tapaamista:", "Koulu Oy (H0003) – @kaisa (vain toinen pakko)", "/kipina meetings publish kipina-2017")
	d := loadDay(t, h)
	if d.Draft == nil || d.Plan != nil || len(d.Draft.Meetings) != 3 {
		t.Fatalf("draft = %+v", d.Draft)
	}

	// Publish: a personal schedule per person, in their language and zone,
	// and an .ics file saved by the shell.
	out = h.Run("/kipina meetings publish kipina-2017\n")
	must(t, out, "Tapaamisia julkaistu: 3",
		"── @anna", "*Oma aikataulusi: Kipinä 2017 – avoin haku*", "9.00–9.15 pöytä 1: @pekka — prosessin yhteyshenkilö", "9.30–9.40 oma esitys",
		"── @sven", "*Ditt schema: Kipinä 2017 – öppen ansökan*", "── @olli", "*Your schedule: Kipinä 2017 – open call*", "9:00–9:10 your pitch",
		"── @pekka", "9.00–9.15 pöytä 1: Katuvalo Oy (H0001)", "Ajat aikavyöhykkeellä Europe/Helsinki (EET)",
		"kipina-kipina-2017-anna.ics")
	ics, err := os.ReadFile(filepath.Join(h.Dir, "files", "kipina-kipina-2017-anna.ics"))
	if err != nil {
		t.Fatal(err)
	}
	must(t, string(ics), "BEGIN:VCALENDAR\r\n", "BEGIN:VEVENT\r\n", "DTSTART:20270210T070000Z\r\n", "SUMMARY:Tapaaminen: @pekka\r\n", "SUMMARY:Esitys: Kipinä 2017 – avoin haku\r\n",
		"METHOD:PUBLISH\r\n", "SEQUENCE:0\r\n", "UID:demo-kipina-2017-meeting-H0001-pekka@kipina\r\n", "UID:demo-kipina-2017-pitch-H0001@kipina\r\n")
	mustNot(t, strings.ReplaceAll(string(ics), "\r\n", ""), "\n", "\r")

	// Publishing the same plan again tells nobody anew.
	out = h.Run("/kipina meetings schedule kipina-2017 slot=15 window=09:00-10:00 tables=1\n/kipina meetings publish kipina-2017\n")
	must(t, out, "aikataulu lähti 0 henkilölle")
	mustNot(t, out, "── @anna")

	// A new plan moves anna's meeting to another table: her calendar file
	// keeps the UIDs and raises SEQUENCE, so her calendar moves the event
	// instead of adding a second one. Back to the first plan: SEQUENCE 2.
	for i, opts := range []string{"window=09:45-10:45 tables=2", "window=09:00-10:00 tables=1"} {
		h.Clock.Advance(time.Minute) // a new draft is a new version
		out = h.Run("/kipina meetings schedule kipina-2017 slot=15 " + opts + "\n/kipina meetings publish kipina-2017\n")
		ics, err = os.ReadFile(filepath.Join(h.Dir, "files", "kipina-kipina-2017-anna.ics"))
		if err != nil {
			t.Fatal(err)
		}
		must(t, string(ics), fmt.Sprintf("SEQUENCE:%d\r\n", i+1), "UID:demo-kipina-2017-meeting-H0001-pekka@kipina\r\n", "UID:demo-kipina-2017-pitch-H0001@kipina\r\n")
		if i == 0 {
			must(t, out, "── @anna", "10.00–10.15 pöytä 2")
		}
	}

	// The event day. Reminders come 5 minutes before, at any hour.
	day0 := time.Date(2027, 2, 10, 8, 50, 0, 0, time.FixedZone("EET", 2*3600))
	h.Clock.Set(day0)
	h.Tick(0)
	// pekka cannot come: his 09:00 meeting is freed and offered to kaisa
	// and ville, who are free then and wanted to meet Katuvalo Oy.
	out = h.Run(":as nina\n/kipina noshow kipina-2017 @pekka\n")
	must(t, out, "@pekka: 1 tapaaminen vapautettiin; aikaa tarjottiin 2 kertaa",
		"── @anna", "@pekka ei pääse tapaamiseenne klo 9.00 (pöytä 1). Aikaa tarjotaan 2 muulle",
		"── @kaisa", "*Vapautui aika* (Kipinä 2017 – avoin haku): klo 9.00–9.15, pöytä 1, tapaaminen Katuvalo Oy (H0001)", "── @ville")
	offerK, offerV := control(t, section(t, out, "── @kaisa"), "Hyväksy"), control(t, section(t, out, "── @ville"), "Hyväksy")
	out = h.Run(":as kaisa\n" + offerK + "\n")
	must(t, out, "Aika on sinun: klo 9.00, pöytä 1, tapaaminen Katuvalo Oy (H0001)", "── @anna", "Uusi tapaaminen klo 9.00, pöytä 1: @kaisa")
	out = h.Run(":as ville\n" + offerV + "\n")
	must(t, out, "joku ehti ensin")

	out = h.Tick(4*time.Minute + 30*time.Second)
	mustNot(t, out, "minuutin päästä", "minutes")
	out = h.Tick(30 * time.Second) // 08:55
	must(t, out, "── @kaisa", "*5 minuutin päästä* klo 9.00, pöytä 1: tapaaminen Katuvalo Oy (H0001)", "── @anna", "tapaaminen @kaisa", "En pääse")
	mustNot(t, out, "── @pekka")

	// ville cancels from his reminder: his meeting is freed, Koulu Oy told.
	d = loadDay(t, h)
	var villeAt time.Time
	for _, mt := range d.Plan.Meetings {
		if mt.Person == "ville" && !mt.Cancelled {
			villeAt = mt.Start
		}
	}
	h.Clock.Set(villeAt.Add(-5 * time.Minute))
	out = h.Tick(0)
	must(t, out, "── @ville", "*5 minuutin päästä*", "Koulu Oy (H0003)")
	mustNot(t, out, "*-", "Om -") // a reminder swept after its meeting began is dropped, not sent as "in -10 minutes"
	out = h.Run(":as ville\n" + control(t, section(t, out, "── @ville"), "En pääse") + "\n")
	must(t, out, "Kiitos tiedosta. 1 tapaamisesi peruttiin", "── @olli", "@ville cannot come to your meeting at "+format.Clock("en", villeAt.In(day0.Location())))

	d = loadDay(t, h)
	if !d.Absent["p/pekka"] || !d.Absent["p/ville"] || len(d.Offers) != 2 || d.Offers[0].Taken != "kaisa" {
		t.Errorf("absent %v, offers %+v", d.Absent, d.Offers)
	}
	var log []storage.AuditEntry
	if err := h.DB.View(func(tx *storage.Tx) (err error) { log, err = tx.AuditLog("demo", "c/H0001"); return }); err != nil {
		t.Fatal(err)
	}
	if len(log) != 1 || log[0].Action != "meetings.repair" || log[0].Detail != "p/kaisa" {
		t.Errorf("audit of the re-pairing = %+v", log)
	}
}

// TestPromptPages: a long list is paged in place (10 rows a page) with
// Next and Previous buttons, and an answer on page 2 stays on page 2.
func TestPromptPages(t *testing.T) {
	h := bottest.New(t, call.Module{}, routing.Module{}, day.Module{})
	err := h.DB.Update(func(tx *storage.Tx) error {
		a := round.Application{Event: "kipina-2017", State: round.Submitted, Company: "Katuvalo Oy", BusinessID: "1572860-0",
			Owner: bottest.User("anna"), Lang: "en", Summary: "Sensors."}
		return round.Submit(tx, "demo", round.Submission{App: &a}, "")
	})
	if err != nil {
		t.Fatal(err)
	}
	accept(t, h, "H0001")
	people := ""
	for i := 1; i <= 12; i++ {
		people += fmt.Sprintf(" @p%02d", i)
	}
	out := h.Run("/kipina day people add kipina-2017" + people + "\n/kipina meetings open kipina-2017\n")
	anna := section(t, out, "── @anna")
	must(t, anna, "(page 1/2)", "10. *@p10*", "Next ▶")
	mustNot(t, anna, "@p11", "Previous")
	if n := strings.Count(anna, "] "); n != 11 {
		t.Errorf("page 1 has %d controls, want 10 selects and Next:\n%s", n, anna)
	}
	out = h.Run(":as anna\n" + control(t, anna, "Next") + "\n")
	must(t, out, "(page 2/2)", "11. *@p11*", "12. *@p12*", "◀ Previous")
	mustNot(t, out, "@p10*", "Next ▶")
	out = h.Run(pick(t, out, "@p12") + "\n1\n")
	must(t, out, "(page 2/2)", "12. *@p12* — city representative → Must meet")
	if v, _ := wantOf(t, h, "kipina-2017/c/H0001/p12"); v != matching.InterestMust {
		t.Errorf("answer on page 2 = %v", v)
	}
}
