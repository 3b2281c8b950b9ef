package jury_test

import (
	"strings"
	"testing"
	"time"

	"github.com/kipina/kipina/bot/bottest"
	"github.com/kipina/kipina/bot/jury"
)

// Scenario tests of issue 14 (and the parts of issues 21 and 13 that live
// in the jury flow), through the terminal adapter.

// T is the Finnish catalogue text of id.
func T(h *bottest.Harness, id string, kv ...any) string { return h.Bot.Cat.T("fi", id, kv...) }

// dateFi writes a date as Finnish does (format.date).
func dateFi(h *bottest.Harness, y int, m time.Month, d int) string {
	return h.Bot.FormatTime("fi", "format.date", time.Date(y, m, d, 12, 0, 0, 0, helsinki), helsinki)
}

// tieWords are the words of the tie warning between the tied
// applications and the last chosen, in either plural form: present only
// when the shortlist warns of a tie.
func tieWords(h *bottest.Harness) []string {
	var out []string
	for _, n := range []int{1, 2} {
		out = append(out, pieces(h, "fi", "jury.shortlist.tie", []string{"Apps", "Last", "EventID"}, "Count", n)[1])
	}
	return out
}

// applyLate has a applicant send an application with the apply command.
func applyLate(t *testing.T, h *bottest.Harness, a applicant, want string) {
	t.Helper()
	out := h.Run(":as " + a.user + "\n/kipina apply kipina-2017\n" + answers(a.company, a.bid, a.user, a.user+"@example.fi", "", a.target,
		a.summary, "2", "", "", "", a.lang, "no", "yes"))
	if !strings.Contains(out, want) {
		t.Fatalf("application of %s not received as %s:\n%s", a.user, want, out)
	}
	h.Run(":as nina\n")
}

// publish builds the assignment with flags and publishes it.
func publish(t *testing.T, h *bottest.Harness, jurors, flags string) string {
	t.Helper()
	out := h.Run(":as nina\n/kipina jury add kipina-2017 " + jurors + "\n/kipina jury assign kipina-2017 " + flags + "\n/kipina jury publish kipina-2017\n")
	return h.Run(button(t, out, T(h, "jury.publish.button")) + "\n")
}

// A late application is topped up: publishing while the call is open
// asks first and says what happens; the late application needs a juror in
// the progress; one command drafts the top-up, its preview shows it, and
// publishing it sends only the new prompts, keeping every review.
func TestLateApplicationToppedUp(t *testing.T) {
	h := newHarness(t, demoApplicants[:3])
	out := h.Run("/kipina jury add kipina-2017 @liisa @pekka @olli @maija\n/kipina jury assign kipina-2017 reviews=2\n/kipina jury publish kipina-2017\n")
	callOpen := pieces(h, "fi", "jury.publish.call_open", []string{"Deadline"}, "EventID", "kipina-2017")
	must(t, out, callOpen[0], callOpen[1])
	out = h.Run(button(t, out, T(h, "jury.publish.button")) + "\n")
	before := loadJury(t, h).Published
	fi := prompts(out, "Arvioi")
	first := before.AppsOf("liisa")[0]
	must(t, h.Run(score("liisa", fi["liisa"][first], 4)), T(h, "jury.score.saved", "App", first, "Company", companyOf(first), "Scores", scoresIn(h, "fi", 4)))

	applyLate(t, h, demoApplicants[3], "H0004")
	out = h.Run("/kipina jury progress kipina-2017\n")
	must(t, out, T(h, "jury.progress.needs", "Apps", "H0004 (2)", "EventID", "kipina-2017"), "1/8")

	out = h.Run("/kipina jury assign kipina-2017\n")
	line := pieces(h, "fi", "jury.topup.line", []string{"Jurors"}, "App", "H0004", "Company", "Terveys Oy", "Count", 0)
	must(t, out, T(h, "jury.topup.head", "Event", demoEvent(t, h).NameIn("fi"), "Total", h.Bot.Count("fi", "count.reviews", 2),
		"Apps", h.Bot.Count("fi", "count.applications", 1)), "• "+line[0]+"@", line[1])
	mustNot(t, out, "── @")
	out = h.Run("/kipina jury publish kipina-2017\n")
	must(t, out, T(h, "jury.topup.confirm", "Count", 1))
	out = h.Run(button(t, out, T(h, "jury.publish.button")) + "\n")
	j := loadJury(t, h)
	if len(j.Published.ByApp["H0004"]) != 2 {
		t.Fatalf("H0004 not topped up: %v", j.Published.ByApp)
	}
	for app, js := range before.ByApp {
		if strings.Join(js, ",") != strings.Join(j.Published.ByApp[app], ",") {
			t.Errorf("%s changed by the top-up: %v → %v", app, js, j.Published.ByApp[app])
		}
	}
	for _, u := range j.Published.ByApp["H0004"] {
		must(t, out, "── @"+u)
	}
	if strings.Count(out, "*H0004 Terveys Oy*") != 2 || strings.Contains(out, "*"+first+" ") {
		t.Errorf("want exactly the two new prompts:\n%s", out)
	}
	counted := false
	for _, x := range ranking(t, h) {
		counted = counted || x.App == first && x.N == 1
	}
	if !counted {
		t.Errorf("liisa's review of %s lost by the top-up", first)
	}
	out = h.Run("/kipina jury assign kipina-2017\n")
	must(t, out, T(h, "jury.topup.nothing", "Event", demoEvent(t, h).NameIn("fi")))
}

// A conflict with no spare juror: the juror is told the truth, the
// organisers are told the fixing command, the review stays visible as
// "needs a juror", and adding a juror then topping up restores it.
func TestConflictWithoutSpareRestored(t *testing.T) {
	h := newHarness(t, demoApplicants[:1])
	out := publish(t, h, "@liisa @pekka @olli", "reviews=3")
	conflict := prompts(out, T(h, "jury.prompt.conflict.button"))
	out = h.Run(":as olli\n" + conflict["olli"]["H0001"] + "\n")
	out = h.Run(button(t, out, T(h, "jury.conflict.yes.button")) + "\n")
	// The organisers' notice ends with the commands that fix it.
	fix := pieces(h, "fi", "jury.reassign.none", []string{"User", "App", "Reviewing", "Conflicted", "Max", "Full"}, "EventID", "kipina-2017")
	must(t, out, T(h, "jury.conflict.recorded_unmoved", "App", "H0001", "Company", "Katuvalo Oy"),
		"── #kipina-organisers", fix[len(fix)-1], T(h, "jury.prompt.state.moved"))
	recorded := pieces(h, "fi", "jury.conflict.recorded", []string{"App", "Company"})
	mustNot(t, out, recorded[len(recorded)-1], T(h, "jury.conflict.mine_moved"), "no juror", "matching:", "moved to another")
	// The prompt of a juror who is no longer assigned keeps no text of the
	// application.
	olli := bottest.AllPosted(out, "── @olli")
	must(t, olli, T(h, "jury.prompt.state.moved"))
	mustNot(t, olli, "Katuvalot mittaavat")

	out = h.Run(":as nina\n/kipina jury progress kipina-2017\n")
	must(t, out, "0/3", T(h, "jury.progress.needs", "Apps", "H0001 (1)", "EventID", "kipina-2017"))

	out = h.Run("/kipina jury add kipina-2017 @maija\n")
	name := demoEvent(t, h).NameIn("fi")
	must(t, out, T(h, "jury.added.topup_hint", "Count", 1, "EventID", "kipina-2017"), "── @maija",
		T(h, "jury.added.dm_published", "Event", name, "Targets", T(h, "jury.targets.none"), "EventID", "kipina-2017"))
	mustNot(t, out, upTo(h, "fi", "jury.added.dm", "Targets", "Event", name))
	out = h.Run("/kipina jury assign kipina-2017\n")
	must(t, out, "• "+T(h, "jury.topup.line", "App", "H0001", "Company", "Katuvalo Oy", "Jurors", "@maija", "Count", 2))
	out = h.Run("/kipina jury publish kipina-2017\n")
	out = h.Run(button(t, out, T(h, "jury.publish.button")) + "\n")
	must(t, out, "── @maija", "*H0001 Katuvalo Oy*")
	j := loadJury(t, h)
	if js := j.Published.ByApp["H0001"]; len(js) != 3 || j.Published.Has("olli", "H0001") || !j.Published.Has("maija", "H0001") {
		t.Errorf("H0001 jurors after the top-up: %v", js)
	}
	out = h.Run("/kipina jury progress kipina-2017\n")
	must(t, out, "0/3")
	mustNot(t, out, upTo(h, "fi", "jury.progress.needs", "Apps"))
}

// Results, shortlist and decide warn about missing reviews, and deciding
// on incomplete reviews asks with its own button.
func TestIncompleteReviewsWarned(t *testing.T) {
	h := newHarness(t, demoApplicants[:2])
	out := publish(t, h, "@liisa @pekka", "reviews=2")
	fi := prompts(out, T(h, "jury.prompt.score.button"))
	h.Run(score("liisa", fi["liisa"]["H0001"], 5) + score("liisa", fi["liisa"]["H0002"], 2) + score("pekka", fi["pekka"]["H0001"], 4))
	warn := "⚠ " + T(h, "jury.missing.head", "Count", 1) + " " + T(h, "jury.missing.app", "App", "H0002", "Open", 1, "Unassigned", 0)
	out = h.Run(":as nina\n/kipina results kipina-2017\n")
	must(t, out, warn)
	out = h.Run("/kipina shortlist kipina-2017 top 1\n")
	must(t, out, warn, upTo(h, "fi", "jury.shortlist.confidence", "Percent", "Last", "H0001"))
	out = h.Run("/kipina decide kipina-2017\n")
	must(t, out, warn, T(h, "jury.decide.incomplete", "EventID", "kipina-2017"), T(h, "jury.decide.confirm_incomplete.button"))
	mustNot(t, out, T(h, "jury.decide.confirm.button"), "── @anna")

	// Once complete, no warning.
	h.Run(score("pekka", fi["pekka"]["H0002"], 1))
	out = h.Run(":as nina\n/kipina results kipina-2017\n/kipina decide kipina-2017\n")
	mustNot(t, out, "⚠", T(h, "jury.decide.confirm_incomplete.button"))
	must(t, out, T(h, "jury.decide.confirm.button"))
}

// A juror lists their own reviews, pending then done, with buttons.
func TestJurorsOwnList(t *testing.T) {
	h := newHarness(t, demoApplicants[:2])
	out := h.Run("/kipina jury add kipina-2017 @liisa\n:as liisa\n/kipina jury my\n")
	name := demoEvent(t, h).NameIn("fi")
	must(t, out, T(h, "jury.my.unpublished", "Event", name))
	publish(t, h, "@pekka", "reviews=2")
	// The default deadline: a week before the event, 3.2.2027 23.59.
	deadline := h.Bot.FormatTime("fi", "format.datetime", time.Date(2027, 2, 3, 23, 59, 0, 0, helsinki), helsinki)
	scoreBtn := func(app string) string { return T(h, "jury.remind.score.button", "App", app) }
	out = h.Run(":as liisa\n/kipina jury my\n")
	must(t, out, T(h, "jury.my.head", "Event", name, "Pending", 2, "Done", 0, "Deadline", deadline), T(h, "jury.my.pending")+"\n",
		"• H0001 Katuvalo Oy", "• H0002 Energi Ab", scoreBtn("H0001"), scoreBtn("H0002"))
	out = h.Run(score("liisa", button(t, out, scoreBtn("H0001")), 4))
	must(t, out, T(h, "jury.score.saved", "App", "H0001", "Company", "Katuvalo Oy", "Scores", scoresIn(h, "fi", 4)))
	out = h.Run("/kipina jury my kipina-2017\n")
	must(t, out, T(h, "jury.my.head", "Event", name, "Pending", 1, "Done", 1, "Deadline", deadline), T(h, "jury.my.done"),
		"H0001 Katuvalo Oy — "+scoresIn(h, "fi", 4), T(h, "jury.my.change.button", "App", "H0001"), scoreBtn("H0002"))
	out = h.Run(":as anna\n/kipina jury my\n")
	mustNot(t, out, "H0001", "H0002")
}

// Conflicts declared by a short name and by an unhyphenated business ID
// match; the confirmation says how, and names only the juror's own
// reviews.
func TestConflictByShortNameAndUnhyphenatedID(t *testing.T) {
	apps := []applicant{
		{"anna", "Aurinko Energia Oy", "1572860-0", "2", "Aurinkopaneelit ja energiatehokkuus taloyhtiöille.", "1"},
		demoApplicants[1], // Energi Ab 0112038-9
		demoApplicants[2], // Care Robotics Ltd
	}
	h := newHarness(t, apps)
	out := h.Run("/kipina jury add kipina-2017 @liisa @pekka @olli\n:as liisa\n/kipina conflict kipina-2017 Aurinko\n")
	must(t, out, T(h, "jury.conflict.by_words", "Words", "aurinko"))
	mustNot(t, out, "H0001", "Aurinko Energia")
	out = h.Run(":as pekka\n/kipina conflict kipina-2017 01120389\n")
	must(t, out, T(h, "jury.conflict.by_id", "IDs", "0112038-9"))
	mustNot(t, out, "H0002", "Energi Ab ")
	publish(t, h, "@olli", "reviews=2")
	j := loadJury(t, h)
	if j.Published.Has("liisa", "H0001") || j.Published.Has("pekka", "H0002") {
		t.Fatalf("conflicted pairs assigned: %v", j.Published.ByApp)
	}
	// After publishing, a short name that matches one of the juror's own
	// reviews is listed with what happened to it.
	var who string
	for _, u := range j.Published.ByApp["H0003"] {
		who = u
	}
	out = h.Run(":as " + who + "\n/kipina conflict kipina-2017 care\n")
	must(t, out, "H0003 Care Robotics Ltd — ")
	if loadJury(t, h).Published.Has(who, "H0003") {
		t.Errorf("%s still reviews H0003", who)
	}
}

// Issue 21: a juror with one review has no spread to normalise. Two
// applications, two jurors, one review each: 1s against 5s. The ranking
// falls back to the plain mean, says so, and top 1 is the 5.
func TestSingleReviewJurorsRankByMean(t *testing.T) {
	h := newHarness(t, demoApplicants[:2])
	out := publish(t, h, "@liisa @pekka", "reviews=1 min=1 max=1")
	j := loadJury(t, h)
	fi := prompts(out, T(h, "jury.prompt.score.button"))
	low, high := j.Published.ByApp["H0001"][0], j.Published.ByApp["H0002"][0]
	h.Run(score(low, fi[low]["H0001"], 1) + score(high, fi[high]["H0002"], 5))
	out = h.Run(":as nina\n/kipina results kipina-2017\n/kipina shortlist kipina-2017 top 1\n")
	must(t, out, T(h, "jury.results.basis_mean"), "• H0002 Energi Ab")
	mustNot(t, out, append(tieWords(h), "• H0001 Katuvalo Oy")...)
	if got := loadJury(t, h).Shortlist; len(got) != 1 || got[0] != "H0002" {
		t.Errorf("shortlist %v, want [H0002]", got)
	}
}

// Issue 21: the tie warning names every live application tied at the
// cut. Three applications all scored 3 by one juror; H0002 is withdrawn;
// top 1 picks H0001 and names H0003, not the withdrawn H0002.
func TestTieWarningNamesLiveApplications(t *testing.T) {
	h := newHarness(t, demoApplicants[:3])
	out := publish(t, h, "@liisa", "reviews=1")
	fi := prompts(out, T(h, "jury.prompt.score.button"))
	for _, app := range []string{"H0001", "H0002", "H0003"} {
		h.Run(score("liisa", fi["liisa"][app], 3))
	}
	out = h.Run(":as sven\n/kipina my\n")
	out = h.Run(button(t, out, T(h, "my.withdraw.button")) + "\n")
	out = h.Run(button(t, out, T(h, "withdraw.yes.button")) + "\n")
	must(t, out, T(h, "withdraw.done", "App", "H0002"))
	out = h.Run(":as nina\n/kipina shortlist kipina-2017 top 1\n")
	must(t, out, T(h, "jury.shortlist.tie", "Count", 1, "Apps", "H0003", "Last", "H0001", "EventID", "kipina-2017"))
	mustNot(t, out, "H0002")
}

// Issue 21: the jury deadline must end before the event (10.2.2027): at
// the latest the day before, and the refusal says so.
func TestJuryDeadlineBeforeEvent(t *testing.T) {
	h := newHarness(t, nil)
	out := h.Run("/kipina jury deadline kipina-2017 29.2.2028\n/kipina jury deadline kipina-2017 10.2.2027\n")
	name := demoEvent(t, h).NameIn("fi")
	want := T(h, "jury.deadline.after_event", "Event", name, "Date", dateFi(h, 2027, 2, 10),
		"Latest", T(h, "jury.deadline.latest_date", "Date", dateFi(h, 2027, 2, 9)))
	if strings.Count(out, want) != 2 {
		t.Errorf("want the refusal twice, %q:\n%s", want, out)
	}
	out = h.Run("/kipina jury deadline kipina-2017 9.2.2027\n")
	must(t, out, upTo(h, "fi", "jury.deadline.set", "Deadline", "Event", name)+dateFi(h, 2027, 2, 9))
}

// Issue 13: a juror with no assignments cannot learn who applied from a
// conflict confirmation; declarations are bounded in length and number;
// nobody is given their own application.
func TestConflictDeclarationsBoundedAndPrivate(t *testing.T) {
	h := newHarness(t, demoApplicants[:2])
	out := h.Run("/kipina jury add kipina-2017 @liisa @anna @pekka\n:as liisa\n/kipina conflict kipina-2017 1572860-0\n/kipina conflict kipina-2017 Katuvalo\n")
	mustNot(t, out, "H0001", "Katuvalo Oy")
	out = h.Run("/kipina conflict kipina-2017 " + strings.Repeat("x", jury.MaxDeclarationLen+1) + "\n")
	must(t, out, T(h, "jury.conflict.too_long", "Max", jury.MaxDeclarationLen))
	for i := 2; i < jury.MaxDeclarations; i++ {
		h.Run("/kipina conflict kipina-2017 Yritys" + string(rune('a'+i)) + "\n")
	}
	out = h.Run("/kipina conflict kipina-2017 Viimeinen\n")
	must(t, out, T(h, "jury.conflict.too_many", "Max", jury.MaxDeclarations))
	if n := len(loadJury(t, h).Declared); n != jury.MaxDeclarations {
		t.Errorf("%d declarations stored, want %d", n, jury.MaxDeclarations)
	}
	// anna sent H0001 and is a juror: she is never given it.
	publish(t, h, "@olli", "reviews=2")
	if j := loadJury(t, h); j.Published.Has("anna", "H0001") {
		t.Errorf("anna reviews her own application: %v", j.Published.ByApp["H0001"])
	}
}
