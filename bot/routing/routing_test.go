package routing_test

import (
	"context"
	"strings"
	"testing"

	"github.com/kipina/kipina/bot/bottest"
	"github.com/kipina/kipina/bot/call"
	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/bot/round"
	"github.com/kipina/kipina/bot/routing"
	"github.com/kipina/kipina/configs"
	"github.com/kipina/kipina/storage"
)

// Transcript helpers shared by the scenario tests.
var (
	must    = bottest.Must
	mustNot = bottest.MustNot
	button  = bottest.Button
)

func apply(company, bid, target, summary, lang string) string {
	return strings.Join([]string{company, bid, "Contact", "c@example.fi", "", target, summary, "1", "", "", "", lang, "no", "yes"}, "\n") + "\n"
}

// applySecret is apply for an application marked as holding trade secrets.
func applySecret(company, bid, target, summary, lang string) string {
	return strings.Join([]string{company, bid, "Contact", "c@example.fi", "", target, summary, "1", "", "", "", lang, "yes", "yes"}, "\n") + "\n"
}

// catalogue gives a test the demo workspace's texts in Finnish, built from
// message ids, and the kipina-2017 event's targets by name, so a change of
// wording changes the expectation with it.
type catalogue struct {
	T    func(id string, kv ...any) string
	upTo func(id, cutAt string, kv ...any) string
	name func(target string) string
	ev   round.Event
}

func catalogueOf(t *testing.T, h *bottest.Harness) catalogue {
	t.Helper()
	var ev round.Event
	view(t, h.DB, func(tx *storage.Tx) (err error) { ev, err = round.LoadEvent(tx, "demo", "kipina-2017"); return })
	return catalogue{
		T:    func(id string, kv ...any) string { return h.Bot.Cat.T("fi", id, kv...) },
		upTo: func(id, cutAt string, kv ...any) string { return bottest.UpTo(h.Bot.Cat, "fi", id, cutAt, kv...) },
		name: func(id string) string { return ev.TargetName(h.Config.Tracks, id, "fi") },
		ev:   ev,
	}
}

// TestRoutingOverrideAndDigest: an application is ranked when submitted
// and routed to the target its applicant chose, even where the matcher
// disagrees; the organisers' notice flags the disagreement with a
// one-click Move, which re-routes it, is audited and learned; the override
// command does the same; the daily digest lists it.
func TestRoutingOverrideAndDigest(t *testing.T) {
	h := bottest.New(t, call.Module{}, routing.Module{})
	c := catalogueOf(t, h)
	T, upTo, name := c.T, c.upTo, c.name
	step := func(name string, f func(t *testing.T)) {
		t.Helper()
		if !t.Run(name, f) {
			t.FailNow()
		}
	}
	var applyBtn, move string

	step("contacts per target, an unknown target refused", func(t *testing.T) {
		out := h.Run("/kipina contacts add elderly @liisa\n/kipina contacts add health @heikki\n/kipina contacts add nosuch @x\n") + h.OpenCall("kipina-2017")
		must(t, out, T("routing.contacts.added", "Count", 1, "Users", "@liisa", "Target", "elderly"), upTo("routing.no_target", "Target", "Target", "nosuch"))
		applyBtn = button(t, out, T("call.apply.button"))
	})
	step("the applicant's choice routes; the notice flags a better fit", func(t *testing.T) {
		// The applicant picks Health (option 4) for a home-care product.
		out := h.Run(":as anna\n" + applyBtn + "\n" + apply("Turvaranneke Oy", "1572860-0", "4",
			"Kaatumisia tunnistava ranneke ikäihmisille, jotka asuvat kotona. Kotihoito saa hälytyksen, kun vanhus kaatuu.", "1"))
		must(t, out, "── @heikki", upTo("routing.routed.dm_choice", "Company", "App", "H0001", "Target", name("health")),
			T("routing.also_fits", "Targets", name("elderly")), upTo("apply.notice", "Event", "App", "H0001", "Company", "Turvaranneke Oy"),
			T("routing.routed", "Target", name("health"))+"\n  1. "+name("elderly"),
			upTo("routing.disagree", "Reasons", "Chosen", name("health"), "Best", name("elderly"))+"kotihoito")
		mustNot(t, out, "── @liisa", " ()", "0.00")
		// One notice per application: the match joins the call's notice.
		if n := strings.Count(out, "── #kipina-organisers"); n != 1 {
			t.Errorf("%d organiser notices, want 1:\n%s", n, out)
		}
		move = button(t, out, T("routing.move.button", "Target", name("elderly")))
	})
	step("the organisers' views", func(t *testing.T) {
		out := h.Run(":as nina\n/kipina matches kipina-2017\n/kipina match H0001\n")
		must(t, out, "*"+name("health")+"* (1)", "H0001 Turvaranneke Oy", "1. "+name("elderly"))
	})
	step("one click on Move re-routes and tells the new target", func(t *testing.T) {
		out := h.Run(move + "\n")
		must(t, out, T("routing.overridden", "App", "H0001", "Target", name("elderly")), "── @liisa",
			upTo("routing.routed.dm", "Score", "App", "H0001", "Target", name("elderly")))
		view(t, h.DB, func(tx *storage.Tx) error {
			if p, err := routing.Primary(tx, "demo", "H0001"); err != nil || p != "elderly" {
				t.Errorf("primary after Move = %q", p)
			}
			return nil
		})
	})
	step("the override command, audited and learned", func(t *testing.T) {
		out := h.Run("/kipina match set H0001 health\n/kipina match set H0001 nowhere\n/kipina app H0001\n")
		must(t, out, T("routing.overridden", "App", "H0001", "Target", name("health")), upTo("routing.no_target", "Target", "Target", "nowhere"),
			T("history.match.override")) // the history in words (issue 15)
		err := h.DB.View(func(tx *storage.Tx) error {
			if p, err := routing.Primary(tx, "demo", "H0001"); err != nil || p != "health" {
				t.Errorf("primary = %q, %v", p, err)
			}
			elderly, err1 := routing.Score(tx, "demo", "H0001", "elderly")
			energy, err2 := routing.Score(tx, "demo", "H0001", "energy")
			if err1 != nil || err2 != nil || elderly <= energy {
				t.Errorf("elderly score %v not above energy %v (%v, %v)", elderly, energy, err1, err2)
			}
			if ts, err := routing.TargetsOf(tx, "demo", routingUser("liisa")); err != nil || len(ts) != 1 || ts[0] != "elderly" {
				t.Errorf("TargetsOf(liisa) = %v, %v", ts, err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

// TestRoutingHonoursChoice: the target the applicant picks routes the
// application, a challenge as well as a process, with no flag where the
// matcher agrees; "not sure" lets the matcher route; an edit that changes
// the choice re-routes.
func TestRoutingHonoursChoice(t *testing.T) {
	h := bottest.New(t, call.Module{}, routing.Module{})
	c := catalogueOf(t, h)
	step := func(name string, f func(t *testing.T)) {
		t.Helper()
		if !t.Run(name, f) {
			t.FailNow()
		}
	}
	out := h.Run("/kipina contacts add urban-planning @kaisa\n/kipina contacts add children @lauri\n/kipina contacts add culture @kulle\n") + h.OpenCall("kipina-2017")
	applyBtn := button(t, out, c.T("call.apply.button"))

	step("a chosen challenge routes, with no flag where the matcher agrees", func(t *testing.T) {
		// A challenge (option 1), for a text that fits it and culture too.
		out := h.Run(":as anna\n" + applyBtn + "\n" + apply("Kaavapeli Oy", "1572860-0", "1",
			"Asukkaat suunnittelevat puistoa ja aukiota 3D-mallissa ja karttakyselyssä ennen asemakaavaa; taiteilijat tuovat mukaan julkista taidetta.", "1"))
		must(t, out, "── @kaisa", c.upTo("routing.routed.dm", "Score", "App", "H0001", "Target", c.name("urban-planning")),
			c.T("routing.routed", "Target", c.name("urban-planning")))
		mustNot(t, out, "⚠", c.upTo("routing.move.button", "Target"), "── @lauri")
	})
	step("not sure: the matcher routes a school product to children", func(t *testing.T) {
		// Not sure (option 9).
		out := h.Run(":as bertil\n" + applyBtn + "\n" + apply("Luokkaäly Oy", "2345678-0", "9",
			"Opettaja näkee luokan oppilaiden edistymisen matematiikassa, ja peruskoulun oppilas saa tehtäviä omalla tasollaan.", "1"))
		unsure := c.T("apply.target.unsure")
		must(t, out, bottest.Indented(c.upTo("apply.confirm.dm", "Summary", "App", "H0002", "Company", "Luokkaäly Oy", "Event", c.ev.NameIn("fi"), "Target", unsure)),
			"── @lauri", c.upTo("routing.routed.dm", "Score", "App", "H0002", "Target", c.name("children")),
			c.T("apply.notice", "App", "H0002", "Company", "Luokkaäly Oy", "Event", c.ev.NameIn("fi"), "Target", unsure),
			c.T("routing.unsure"))
		mustNot(t, out, "⚠", "── @kaisa")
	})
	step("the stored targets", func(t *testing.T) {
		view(t, h.DB, func(tx *storage.Tx) error {
			for app, want := range map[string]string{"H0001": "urban-planning", "H0002": "children"} {
				if p, err := routing.Primary(tx, "demo", app); err != nil || p != want {
					t.Errorf("primary of %s = %q, want %q", app, p, want)
				}
			}
			a, err := round.LoadApp(tx, "demo", "H0002")
			if err != nil {
				t.Fatal(err)
			}
			if a.Target != "" {
				t.Errorf("an unsure applicant's target is stored as %q, want empty", a.Target)
			}
			return nil
		})
	})
}

func routingUser(name string) chat.UserRef {
	return chat.UserRef{Platform: "shell", Workspace: "demo", User: name}
}

// TestDigestCarriesEveryApplicationOnce: a digest key names what it
// carries, not the day, so an application that arrives after the day's
// first digest reaches the next one, and running the digest again sends
// nothing twice.
func TestDigestCarriesEveryApplicationOnce(t *testing.T) {
	h := bottest.New(t, call.Module{}, routing.Module{})
	c := catalogueOf(t, h)
	out := h.Run("/kipina contacts add sensors @sami\n") + h.OpenCall("kipina-2017")
	applyBtn := button(t, out, c.T("call.apply.button"))
	const sensors = "Sensorit katuvaloissa mittaavat liikennettä ja ilmanlaatua reaaliajassa esineiden internetin avulla."
	h.Run(":as anna\n" + applyBtn + "\n" + apply("Valoisa Oy", "1572860-0", "2", sensors, "2"))
	out = h.Run(":as nina\n/kipina digest\n/kipina digest\n")
	if n := strings.Count(out, c.upTo("routing.digest", "Count", "Target", c.name("sensors"))); n != 1 {
		t.Errorf("digest sent %d times, want once:\n%s", n, out)
	}
	must(t, out, "── @sami", "H0001 Valoisa Oy")

	h.Run(":as otto\n" + applyBtn + "\n" + apply("Katuvalo Oy", bottest.BusinessID(2), "2", sensors, "2"))
	out = h.Run(":as nina\n/kipina digest\n")
	must(t, out, "H0002 Katuvalo Oy")
	mustNot(t, out, "H0001 Valoisa Oy")
}

// TestTradeSecretsStayOutOfNoticesAndDigests: a trade-secret application's
// summary and matched words reach no contact, channel or digest; they get
// its id, company and where to open it.
func TestTradeSecretsStayOutOfNoticesAndDigests(t *testing.T) {
	cfg := configs.Default()
	for i := range cfg.Tracks {
		if cfg.Tracks[i].ID == "elderly" {
			cfg.Tracks[i].Contacts = []string{"@hilkka", "#vanhuspalvelut"}
		}
	}
	h := bottest.NewWith(t, cfg, call.Module{}, routing.Module{})
	c := catalogueOf(t, h)
	out := h.OpenCall("kipina-2017")
	applyBtn := button(t, out, c.T("call.apply.button"))
	const secret = "Kaatumisia tunnistava ranneke ikäihmisille SALAINENMENETELMÄ, kotihoito saa hälytyksen kun vanhus kaatuu."
	out = h.Run(":as anna\n" + applyBtn + "\n" + applySecret("Turvaranneke Oy", "1572860-0", "6", secret, "1"))
	out += h.Run(":as nina\n/kipina digest\n")
	// Only the applicant's own confirmation carries the text.
	for _, to := range []string{"── @hilkka", "── #vanhuspalvelut", "── #kipina-organisers"} {
		got := bottest.AllPosted(out, to)
		mustNot(t, got, "SALAINENMENETELMÄ", "salainenmenetelm")
		must(t, got, "H0001")
	}
	must(t, out, "── #vanhuspalvelut\n  "+bottest.Indented(c.T("routing.routed.secret", "App", "H0001", "Company", "Turvaranneke Oy", "Target", c.name("elderly"))))
	out = h.Run("/kipina app H0001\n")
	must(t, out, "SALAINENMENETELMÄ")
}

// TestContactsFromConfiguration: contacts named in the configuration (a
// person and a channel) hear about matched applications alongside those
// added by command.
func TestContactsFromConfiguration(t *testing.T) {
	cfg := configs.Default()
	for i := range cfg.Tracks {
		if cfg.Tracks[i].ID == "elderly" {
			cfg.Tracks[i].Contacts = []string{"@hilkka", "#vanhuspalvelut"}
		}
	}
	h := bottest.NewWith(t, cfg, call.Module{}, routing.Module{})
	c := catalogueOf(t, h)
	out := h.Run("/kipina contacts\n") + h.OpenCall("kipina-2017")
	must(t, out, "• elderly: @hilkka, #vanhuspalvelut")
	applyBtn := button(t, out, c.T("call.apply.button"))
	out = h.Run(":as anna\n" + applyBtn + "\n" + apply("Turvaranneke Oy", "1572860-0", "6",
		"Kaatumisia tunnistava ranneke ikäihmisille, jotka asuvat kotona. Kotihoito saa hälytyksen, kun vanhus kaatuu.", "1"))
	routed := c.upTo("routing.routed.dm", "Score", "App", "H0001", "Target", c.name("elderly"))
	must(t, out, "── @hilkka\n  "+routed, "── #vanhuspalvelut\n  "+routed)
	err := h.DB.View(func(tx *storage.Tx) error {
		if ts, err := routing.TargetsOf(tx, "demo", routingUser("hilkka")); err != nil || len(ts) != 1 || ts[0] != "elderly" {
			t.Errorf("TargetsOf(hilkka) = %v, %v", ts, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestChallengeKeywords: an organiser adds a challenge with a Finnish name
// and description and keywords in several languages; an English
// application whose applicant is not sure is matched to it by the
// keywords, and its contact hears of it.
func TestChallengeKeywords(t *testing.T) {
	h := bottest.New(t, call.Module{}, routing.Module{})
	c := catalogueOf(t, h)
	form := strings.Join([]string{"drones", "Droonit kaupungin palveluissa", "Miehittämättömät lennokit kaupungin kunnossapidossa ja valvonnassa.",
		"", "", "", "", "drooni, lennokki; drone, UAV, flygdrönare"}, "\n") + "\n"
	out := h.Run("/kipina challenge add kipina-2017\n" + form + "/kipina challenge edit kipina-2017 drones\n\n\n\n\n\n\n\n\n")
	must(t, out, c.T("challenge.keywords.label"), "[drooni, lennokki, drone, uav, flygdrönar")
	out = h.Run("/kipina contacts add drones @dora\n") + h.OpenCall("kipina-2017")
	applyBtn := button(t, out, c.T("call.apply.button"))
	out = h.Run(":as anna\n" + applyBtn + "\n" + apply("SkyEye Oy", "1572860-0", "10",
		"Our UAV fleet inspects roofs after storms. Each drone flies a fixed route and uploads photos the same day.", "2"))
	must(t, out, "── @dora", "H0001", "Droonit kaupungin palveluissa")
	view(t, h.DB, func(tx *storage.Tx) error {
		if p, err := routing.Primary(tx, "demo", "H0001"); err != nil || p != "drones" {
			t.Errorf("primary = %q, want drones", p)
		}
		return nil
	})
}

// view runs fn in a read transaction and fails the test on its error.
func view(t *testing.T, db *storage.DB, fn func(tx *storage.Tx) error) {
	t.Helper()
	if err := db.View(fn); err != nil {
		t.Fatal(err)
	}
}

// TestDigestWithdrawnComesBack: a withdrawn application leaves the digest
// queue (withdrawn ones never pile up in it) and, withdrawn and then
// submitted again, reaches the next digest.
func TestDigestWithdrawnComesBack(t *testing.T) {
	h := bottest.New(t, call.Module{}, routing.Module{})
	out := h.Run("/kipina contacts add sensors @sami\n") + h.OpenCall("kipina-2017")
	applyBtn := button(t, out, "Hae mukaan")
	const sensors = "Sensorit katuvaloissa mittaavat liikennettä ja ilmanlaatua reaaliajassa esineiden internetin avulla."
	h.Run(":as anna\n" + applyBtn + "\n" + apply("Valoisa Oy", "1572860-0", "2", sensors, "2"))
	ctx := context.Background()
	anna := chat.Origin{User: bottest.User("anna"), Channel: "c"}
	if r := h.Bot.Handle(ctx, &chat.Action{Origin: anna, ActionID: "withdraw-yes:H0001"}); r.Reply == nil {
		t.Fatal("withdraw: no answer")
	}
	out = h.Run(":as nina\n/kipina digest\n")
	mustNot(t, out, "H0001 Valoisa Oy")
	if r := h.Bot.Handle(ctx, &chat.Action{Origin: anna, ActionID: "withdraw-undo:H0001"}); r.Reply == nil {
		t.Fatal("undo: no answer")
	}
	out = h.Run(":as nina\n/kipina digest\n/kipina digest\n")
	must(t, out, "── @sami", "H0001 Valoisa Oy")
	if n := strings.Count(out, "H0001 Valoisa Oy"); n != 1 {
		t.Errorf("H0001 in %d digests, want one:\n%s", n, out)
	}
}
