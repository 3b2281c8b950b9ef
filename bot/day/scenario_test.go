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

const (
	cut      = bottest.Cut
	countCut = bottest.CountCut
)

// upTo renders message id in lang with kv and cutAt set to a marker, and
// returns the text before it: for a message whose tail the test does not
// pin.
func upTo(h *bottest.Harness, lang, id, cutAt string, kv ...any) string {
	return bottest.UpTo(h.Bot.Cat, lang, id, cutAt, kv...)
}

// shape is the pattern of message id in lang (its "other" plural form):
// the count matches count (a regular expression) and each argument given
// as cut any text.
func shape(h *bottest.Harness, lang, id, count string, kv ...any) *regexp.Regexp {
	s := regexp.QuoteMeta(h.Bot.Cat.T(lang, id, append(kv, "Count", countCut)...))
	s = strings.ReplaceAll(strings.ReplaceAll(s, fmt.Sprint(countCut), count), cut, ".*?")
	return regexp.MustCompile(s)
}

// dateIn writes the day of the demo event as lang writes it (format.date).
func dateIn(h *bottest.Harness, lang string) string {
	return time.Date(2027, 2, 10, 12, 0, 0, 0, time.UTC).Format(h.Bot.Cat.T(lang, "format.date"))
}

// TestTheDay runs the event day through the shell with a fake clock:
// agenda → publish (DMs in each company's language) → a move that tells
// only those it moves → meeting requests answered through the prompts by
// companies and city people → draft and preview → publish → personal
// schedules and .ics files → reminders at the right minute → a no-show
// re-paired (first accept wins, the second is told it is taken) → Cancel
// from a reminder. Expected texts are built from message ids through the
// catalogue; names, times and counts are the scenario's data.
func TestTheDay(t *testing.T) {
	h := bottest.New(t, call.Module{}, routing.Module{}, day.Module{})
	T := func(lang, id string, kv ...any) string { return h.Bot.Cat.T(lang, id, kv...) }
	fi := func(id string, kv ...any) string { return T("fi", id, kv...) }
	var name func(lang string) string // the event's name in lang
	// step runs one named step of the scenario; the steps share the bot,
	// so the first failing step ends the scenario.
	step := func(name string, f func(t *testing.T)) {
		t.Helper()
		if !t.Run(name, f) {
			t.FailNow()
		}
	}
	health, sensors := "Terveys ja toimintakyky", "Energiatehokas kaupunginosa"
	var kaisa, pekka, ville, anna, sven, olli string // the meeting-request prompts
	day0 := time.Date(2027, 2, 10, 8, 50, 0, 0, time.FixedZone("EET", 2*3600))

	step("three companies accepted and the city's people", func(t *testing.T) {
		out := h.OpenCall("kipina-2017")
		applyBtn := control(t, out, regexp.QuoteMeta(fi("call.apply.button")))
		apply(h, applyBtn, "anna", "Katuvalo Oy", "1572860-0", "2", "Katuvalojen sensoriverkko mittaa liikennettä, melua ja ilmanlaatua; älykäs infrastruktuuri ja avoin data.", "1")
		apply(h, applyBtn, "sven", "Vård Ab", "0112038-9", "4", "Distansmottagning och fjärrövervakning för patienter med diabetes inom hälsovården.", "3")
		apply(h, applyBtn, "olli", "Koulu Oy", "1234567-1", "7", "A learning app for school pupils and teachers, with library reading challenges.", "2")
		accept(t, h, "H0001", "H0002", "H0003")
		var ev round.Event
		if err := h.DB.View(func(tx *storage.Tx) (err error) { ev, err = round.LoadEvent(tx, "demo", "kipina-2017"); return }); err != nil {
			t.Fatal(err)
		}
		name = ev.NameIn

		// Two process contacts, a juror and a staff member.
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
		must(t, out, fi("day.people.head", "Event", name("fi"), "Count", 4, "Companies", 3), "@jaana — "+fi("day.role.juror_of", "Targets", sensors),
			"@kaisa — "+fi("day.role.process", "Targets", health), "@ville — "+fi("day.role.staff"))
	})
	step("agenda by track with a break; a bad option explained", func(t *testing.T) {
		// Ordered by track (health, then education, then the sensors
		// challenge), the break skipped.
		out := h.Run("/kipina agenda kipina-2017 start=nine\n/kipina agenda kipina-2017 start=09:00 slot=10 break=09:20-09:30\n")
		must(t, out, fi("day.agenda.usage", "Word", "start=nine"),
			"1. 9.00–9.10 Vård Ab (H0002)", "2. 9.10–9.20 Koulu Oy (H0003)", "3. 9.30–9.40 Katuvalo Oy (H0001)",
			fi("day.agenda.break", "Start", "9.20", "End", "9.30"), fi("day.agenda.draft", "Event", "kipina-2017"))
	})
	slot := func(lang, id, company, app, start, end string) string {
		return upTo(h, lang, id, "Room", "Event", name(lang), "Company", company, "App", app, "Date", dateIn(h, lang), "Start", start, "End", end)
	}
	step("published: the post here, each company its slot in its language", func(t *testing.T) {
		out := h.Run("/kipina agenda publish kipina-2017\n")
		mustNot(t, out, upTo(h, "fi", "day.agenda.told", "Count"))
		must(t, out, "── #shell", upTo(h, "fi", "day.agenda.head", "Date", "Event", name("fi")),
			"── @anna", slot("fi", "day.pitch.slot", "Katuvalo Oy", "H0001", "9.30", "9.40"),
			"── @sven", slot("sv", "day.pitch.slot", "Vård Ab", "H0002", "9.00", "9.10"),
			"── @olli", slot("en", "day.pitch.slot", "Koulu Oy", "H0003", "9:10", "9:20"))
	})
	step("a move tells exactly those whose slot changed and updates the post", func(t *testing.T) {
		out := h.Run("/kipina agenda move kipina-2017 H0002 2\n")
		must(t, out, "1. 9.00–9.10 Koulu Oy (H0003)", "2. 9.10–9.20 Vård Ab (H0002)", fi("day.agenda.told", "Count", 2),
			"── @sven", slot("sv", "day.pitch.changed", "Vård Ab", "H0002", "9.10", "9.20"),
			"── @olli", slot("en", "day.pitch.changed", "Koulu Oy", "H0003", "9:00", "9:10"), "── #shell (~")
		mustNot(t, out, "── @anna")
	})
	step("meeting requests asked, the best match first", func(t *testing.T) {
		out := h.Run("/kipina meetings open kipina-2017\n")
		ask := func(lang, id string) string { return T(lang, id, "Event", name(lang), "Page", 1, "Pages", 1) }
		must(t, out, fi("day.ask.opened", "Companies", 3, "People", 4, "Event", "kipina-2017"), "── @jaana", "── @kaisa", ask("fi", "day.ask.person"),
			"── @anna", ask("fi", "day.ask.company"), "── @olli", ask("en", "day.ask.company"), "── @sven", ask("sv", "day.ask.company"))
		kaisa, pekka, ville = section(t, out, "── @kaisa"), section(t, out, "── @pekka"), section(t, out, "── @ville")
		anna, sven, olli = section(t, out, "── @anna"), section(t, out, "── @sven"), section(t, out, "── @olli")
		// kaisa (health) sees Vård Ab first with its score.
		before, after, _ := strings.Cut(fi("day.ask.score", "Percent", cut), cut)
		score := regexp.QuoteMeta(before) + `\d+ %` + regexp.QuoteMeta(after)
		if !regexp.MustCompile(`1\. \*Vård Ab \(H0002\)\* — ` + regexp.QuoteMeta(health) + `: .*` + score).MatchString(kaisa) {
			t.Errorf("kaisa's prompt does not start with Vård Ab and a score:\n%s", kaisa)
		}
	})
	chose := func(lang, label string) string { return "→ " + T(lang, label) }
	step("answered through the prompts; someone else's select refused", func(t *testing.T) {
		out := h.Run(":as anna\n" + pick(t, kaisa, "Vård Ab") + "\n1\n")
		must(t, out, fi("day.not_yours"))

		out = h.Run(":as kaisa\n" + pick(t, kaisa, "Vård Ab") + "\n1\n")
		must(t, out, "Vård Ab (H0002)* — ", chose("fi", "day.want.must.label"))
		h.Run(pick(t, out, "Katuvalo Oy") + "\n2\n")
		h.Run(":as pekka\n" + pick(t, pekka, "Katuvalo Oy") + "\n1\n")
		h.Run(":as ville\n" + pick(t, ville, "Koulu Oy") + "\n1\n")
		out = h.Run(pick(t, ville, "Katuvalo Oy") + "\n3\n") // no thanks … then changed
		h.Run(pick(t, out, "Katuvalo Oy") + "\n2\n")
		h.Run(":as anna\n" + pick(t, anna, "@pekka") + "\n1\n")
		out = h.Run(pick(t, anna, "@kaisa") + "\n2\n")
		must(t, out, "@kaisa* — "+fi("day.role.process", "Targets", health), chose("fi", "day.want.would.label"))
		h.Run(":as sven\n" + pick(t, sven, "@kaisa") + "\n1\n")
		h.Run(":as olli\n" + pick(t, olli, "@ville") + "\n1\n")
		out = h.Run(pick(t, olli, "@kaisa") + "\n1\n")
		must(t, out, chose("en", "day.want.must.label"))
		if v, ok := wantOf(t, h, "kipina-2017/p/ville/H0001"); !ok || v != matching.InterestWould {
			t.Errorf("ville's changed answer = %v, %v; want would", v, ok)
		}
		if v, _ := wantOf(t, h, "kipina-2017/c/H0001/pekka"); v != matching.InterestMust {
			t.Errorf("anna's answer for pekka = %v", v)
		}
	})
	step("closed: answers no longer taken", func(t *testing.T) {
		out := h.Run(":as nina\n/kipina meetings close kipina-2017\n:as kaisa\n" + pick(t, kaisa, "Koulu Oy") + "\n1\n")
		must(t, out, fi("day.ask.closed", "Count", 10, "Event", "kipina-2017"), fi("day.ask.not_open"))
	})
	step("a draft and its preview", func(t *testing.T) {
		// 3 slots (09:15 would overlap the break), one table; the pitches
		// block H0003 and H0002 at 09:00 and H0001 at 09:30, so every
		// mutual must-meet fits only as H0001–pekka at 09:00.
		out := h.Run(":as nina\n/kipina meetings schedule kipina-2017 slot=15 window=09:00-10:00 tables=1\n")
		must(t, out, fi("day.plan.head", "Event", name("fi"), "Meetings", 3, "Slots", 3, "Slot", 15, "Tables", 1, "Weight", 300, "Bound", 300, "Percent", "100,0 %"),
			fi("day.plan.window", "Start", "9.00", "End", "10.00"), "H0001 1, H0002 1, H0003 1", "@jaana 0, @kaisa 1, @pekka 1, @ville 1",
			fi("day.plan.must_left", "Count", 1), "Koulu Oy (H0003) – @kaisa ("+fi("day.weight.must_none")+")", fi("day.plan.next", "Event", "kipina-2017"))
		d := loadDay(t, h)
		if d.Draft == nil || d.Plan != nil || len(d.Draft.Meetings) != 3 {
			t.Fatalf("draft = %+v", d.Draft)
		}
	})
	schedHead := func(lang string) string { return upTo(h, lang, "day.sched.head", "Date", "Event", name(lang)) }
	meeting := func(lang, at string, table int, other string) string {
		return upTo(h, lang, "day.sched.meeting", "About", "Time", at, "Table", table, "Other", other)
	}
	step("published: a personal schedule per person, in their language and zone, and an .ics file", func(t *testing.T) {
		out := h.Run("/kipina meetings publish kipina-2017\n")
		must(t, out, upTo(h, "fi", "day.plan.published", "Event", "Meetings", 3, "Count", 2),
			"── @anna", schedHead("fi"), meeting("fi", "9.00–9.15", 1, "@pekka")+upTo(h, "fi", "day.role.process", "Targets"),
			upTo(h, "fi", "day.sched.pitch", "Room", "Time", "9.30–9.40"),
			"── @sven", schedHead("sv"), "── @olli", schedHead("en"), upTo(h, "en", "day.sched.pitch", "Room", "Time", "9:00–9:10"),
			"── @pekka", meeting("fi", "9.00–9.15", 1, "Katuvalo Oy (H0001)"), fi("day.sched.zone", "Zone", "Europe/Helsinki", "Abbr", "EET"),
			"kipina-kipina-2017-anna.ics")
		ics, err := os.ReadFile(filepath.Join(h.Dir, "files", "kipina-kipina-2017-anna.ics"))
		if err != nil {
			t.Fatal(err)
		}
		must(t, string(ics), "BEGIN:VCALENDAR\r\n", "BEGIN:VEVENT\r\n", "DTSTART:20270210T070000Z\r\n",
			"SUMMARY:"+fi("day.ics.meeting", "Other", "@pekka")+"\r\n", "SUMMARY:"+fi("day.ics.pitch", "Event", name("fi"))+"\r\n",
			"METHOD:PUBLISH\r\n", "SEQUENCE:0\r\n", "UID:demo-kipina-2017-meeting-H0001-pekka@kipina\r\n", "UID:demo-kipina-2017-pitch-H0001@kipina\r\n")
		mustNot(t, strings.ReplaceAll(string(ics), "\r\n", ""), "\n", "\r")
	})
	step("the same plan again tells nobody anew", func(t *testing.T) {
		out := h.Run("/kipina meetings schedule kipina-2017 slot=15 window=09:00-10:00 tables=1\n/kipina meetings publish kipina-2017\n")
		must(t, out, fi("day.plan.published", "Meetings", 3, "Event", name("fi"), "Count", 0))
		mustNot(t, out, "── @anna")
	})
	step("a new plan keeps the calendar's UIDs and raises SEQUENCE", func(t *testing.T) {
		// A new plan moves anna's meeting to another table: her calendar
		// file keeps the UIDs and raises SEQUENCE, so her calendar moves
		// the event instead of adding a second one. Back to the first
		// plan: SEQUENCE 2.
		for i, opts := range []string{"window=09:45-10:45 tables=2", "window=09:00-10:00 tables=1"} {
			h.Clock.Advance(time.Minute) // a new draft is a new version
			out := h.Run("/kipina meetings schedule kipina-2017 slot=15 " + opts + "\n/kipina meetings publish kipina-2017\n")
			ics, err := os.ReadFile(filepath.Join(h.Dir, "files", "kipina-kipina-2017-anna.ics"))
			if err != nil {
				t.Fatal(err)
			}
			must(t, string(ics), fmt.Sprintf("SEQUENCE:%d\r\n", i+1), "UID:demo-kipina-2017-meeting-H0001-pekka@kipina\r\n", "UID:demo-kipina-2017-pitch-H0001@kipina\r\n")
			if i == 0 {
				must(t, out, "── @anna", upTo(h, "fi", "day.sched.meeting", "Other", "Time", "10.00–10.15", "Table", 2))
			}
		}
	})
	var offerV string
	step("a no-show: the freed slot offered, the first to accept gets it", func(t *testing.T) {
		// Reminders come 5 minutes before, at any hour. pekka cannot come:
		// his 09:00 meeting is freed and offered to kaisa and ville, who
		// are free then and wanted to meet Katuvalo Oy.
		h.Clock.Set(day0)
		h.Tick(0)
		out := h.Run(":as nina\n/kipina noshow kipina-2017 @pekka\n")
		must(t, out, fi("day.noshow.done", "Who", "@pekka", "Count", 1, "Offered", fi("count.times", "Count", 2)),
			"── @anna", fi("day.freed.text", "Other", "@pekka", "Time", "9.00", "Table", 1, "Count", 2),
			"── @kaisa", fi("day.offer.text", "Event", name("fi"), "Start", "9.00", "End", "9.15", "Table", 1, "Other", "Katuvalo Oy (H0001)"), "── @ville")
		accept := regexp.QuoteMeta(fi("day.offer.accept.button"))
		offerK := control(t, section(t, out, "── @kaisa"), accept)
		offerV = control(t, section(t, out, "── @ville"), accept)
		out = h.Run(":as kaisa\n" + offerK + "\n")
		must(t, out, fi("day.offer.yours", "Time", "9.00", "Table", 1, "Other", "Katuvalo Oy (H0001)"),
			"── @anna", fi("day.offer.new_meeting", "Time", "9.00", "Table", 1, "Other", "@kaisa"))
	})
	step("the second to accept is told it is taken", func(t *testing.T) {
		out := h.Run(":as ville\n" + offerV + "\n")
		must(t, out, fi("day.offer.taken"))
	})
	step("reminders 5 minutes before, not earlier", func(t *testing.T) {
		out := h.Tick(4*time.Minute + 30*time.Second)
		for _, lang := range []string{"fi", "sv", "en"} {
			if re := shape(h, lang, "day.remind.text", `\d+`, "Time", cut, "Table", cut, "Other", cut, "About", cut); re.MatchString(out) {
				t.Errorf("a reminder (%s) before its minute:\n%s", re, out)
			}
		}
		out = h.Tick(30 * time.Second) // 08:55
		if re := shape(h, "fi", "day.remind.text", `\d+`, "Time", cut, "Table", cut, "Other", cut, "About", cut); !re.MatchString(out) {
			t.Errorf("the pattern %s of a reminder misses the reminders:\n%s", re, out) // so the checks above cannot pass vacuously
		}
		must(t, out, "── @kaisa", upTo(h, "fi", "day.remind.text", "About", "Count", 5, "Time", "9.00", "Table", 1, "Other", "Katuvalo Oy (H0001)"),
			"── @anna", upTo(h, "fi", "day.remind.text", "About", "Count", 5, "Time", "9.00", "Table", 1, "Other", "@kaisa"),
			fi("day.remind.cancel.button"))
		mustNot(t, out, "── @pekka")
	})
	step("Cancel from a reminder frees the meeting and tells the other side", func(t *testing.T) {
		d := loadDay(t, h)
		var villeAt time.Time
		for _, mt := range d.Plan.Meetings {
			if mt.Person == "ville" && !mt.Cancelled {
				villeAt = mt.Start
			}
		}
		h.Clock.Set(villeAt.Add(-5 * time.Minute))
		out := h.Tick(0)
		must(t, out, "── @ville", upTo(h, "fi", "day.remind.text", "Time", "Count", 5), "Koulu Oy (H0003)")
		// A reminder swept after its meeting began is dropped, not sent as
		// "in -10 minutes".
		for _, lang := range []string{"fi", "sv", "en"} {
			if re := shape(h, lang, "day.remind.text", `-\d+`, "Time", cut, "Table", cut, "Other", cut, "About", cut); re.MatchString(out) {
				t.Errorf("a reminder (%s) after its meeting began:\n%s", re, out)
			}
		}
		out = h.Run(":as ville\n" + control(t, section(t, out, "── @ville"), regexp.QuoteMeta(fi("day.remind.cancel.button"))) + "\n")
		must(t, out, fi("day.cancel.done", "Count", 1), "── @olli",
			upTo(h, "en", "day.freed.text", "Table", "Other", "@ville", "Time", format.Clock("en", villeAt.In(day0.Location())), "Count", 1))

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
	})
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
	en := func(id string, kv ...any) string { return h.Bot.Cat.T("en", id, kv...) }
	page := func(n int) string { // the page's mark at the end of the intro
		s := en("day.ask.company", "Event", cut, "Page", n, "Pages", 2)
		return s[strings.LastIndex(s, cut)+len(cut):]
	}
	next, prev := en("day.ask.next.button"), en("day.ask.prev.button")
	anna := section(t, out, "── @anna")
	must(t, anna, page(1), "10. *@p10*", next)
	mustNot(t, anna, "@p11", prev)
	if n := strings.Count(anna, "] "); n != 11 {
		t.Errorf("page 1 has %d controls, want 10 selects and Next:\n%s", n, anna)
	}
	out = h.Run(":as anna\n" + control(t, anna, regexp.QuoteMeta(next)) + "\n")
	must(t, out, page(2), "11. *@p11*", "12. *@p12*", prev)
	mustNot(t, out, "@p10*", next)
	out = h.Run(pick(t, out, "@p12") + "\n1\n")
	must(t, out, page(2), "12. *@p12* — "+en("day.role.staff")+" → "+en("day.want.must.label"))
	if v, _ := wantOf(t, h, "kipina-2017/c/H0001/p12"); v != matching.InterestMust {
		t.Errorf("answer on page 2 = %v", v)
	}
}
