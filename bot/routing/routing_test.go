package routing_test

import (
	"strings"
	"testing"

	"github.com/kipina/kipina/bot/bottest"
	"github.com/kipina/kipina/bot/call"
	"github.com/kipina/kipina/bot/chat"
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

// TestRoutingOverrideAndDigest: an application is ranked when submitted,
// routed to the primary target's contacts, shown by target; an organiser's
// override re-routes it and is audited; the daily digest lists it.
func TestRoutingOverrideAndDigest(t *testing.T) {
	h := bottest.New(t, call.Module{}, routing.Module{})
	out := h.Run("/kipina contacts add elderly @liisa\n/kipina contacts add health @heikki\n/kipina contacts add nosuch @x\n/kipina call open kipina-2017\n")
	must(t, out, "@liisa saa nyt kohteen elderly hakemukset", "Kohdetta ”nosuch” ei ole")
	applyBtn := button(t, out, "Hae mukaan")

	out = h.Run(":as anna\n" + applyBtn + "\n" + apply("Turvaranneke Oy", "1572860-0", "4",
		"Kaatumisia tunnistava ranneke ikäihmisille, jotka asuvat kotona. Kotihoito saa hälytyksen, kun vanhus kaatuu.", "1"))
	must(t, out, "── @liisa", "Uusi hakemus H0001 kohteellesi Ikäihmisten hyvinvointi",
		"Uusi hakemus H0001: Turvaranneke Oy", "Ohjattiin kohteeseen Ikäihmisten hyvinvointi. Parhaat osumat:\n  1. Ikäihmisten hyvinvointi")
	// One notice per application: the match joins the call's notice.
	if n := strings.Count(out, "── #kipina-organisers"); n != 1 {
		t.Errorf("%d organiser notices, want 1:\n%s", n, out)
	}
	mustNot(t, out, " ()", "0.00")

	out = h.Run(":as nina\n/kipina matches kipina-2017\n/kipina match H0001\n")
	must(t, out, "*Ikäihmisten hyvinvointi* (1)", "H0001 Turvaranneke Oy", "1. Ikäihmisten hyvinvointi")

	// The override select on the organisers' notice, then the command.
	out = h.Run("/kipina match set H0001 health\n/kipina match set H0001 nowhere\n/kipina app H0001\n")
	must(t, out, "kohde on nyt Terveys ja toimintakyky", "── @heikki", "Kohdetta ”nowhere” ei ole", "match.override")
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
	out := h.Run("/kipina contacts add sensors @sami\n/kipina call open kipina-2017\n")
	applyBtn := button(t, out, "Hae mukaan")
	const sensors = "Sensorit katuvaloissa mittaavat liikennettä ja ilmanlaatua reaaliajassa esineiden internetin avulla."
	h.Run(":as anna\n" + applyBtn + "\n" + apply("Valoisa Oy", "1572860-0", "2", sensors, "2"))
	out = h.Run(":as nina\n/kipina digest\n/kipina digest\n")
	if n := strings.Count(out, "Päivän kooste – Älykkäät palvelut"); n != 1 {
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
	out := h.Run("/kipina call open kipina-2017\n")
	applyBtn := button(t, out, "Hae mukaan")
	const secret = "Kaatumisia tunnistava ranneke ikäihmisille SALAINENMENETELMÄ, kotihoito saa hälytyksen kun vanhus kaatuu."
	out = h.Run(":as anna\n" + applyBtn + "\n" + applySecret("Turvaranneke Oy", "1572860-0", "4", secret, "1"))
	out += h.Run(":as nina\n/kipina digest\n")
	// Only the applicant's own confirmation carries the text.
	for _, to := range []string{"── @hilkka", "── #vanhuspalvelut", "── #kipina-organisers"} {
		got := bottest.AllPosted(out, to)
		mustNot(t, got, "SALAINENMENETELMÄ", "salainenmenetelm")
		must(t, got, "H0001")
	}
	must(t, out, "── #vanhuspalvelut\n  Uusi hakemus H0001", "🔒", "/kipina app H0001")
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
	out := h.Run("/kipina contacts\n/kipina call open kipina-2017\n")
	must(t, out, "• elderly: @hilkka, #vanhuspalvelut")
	applyBtn := button(t, out, "Hae mukaan")
	out = h.Run(":as anna\n" + applyBtn + "\n" + apply("Turvaranneke Oy", "1572860-0", "4",
		"Kaatumisia tunnistava ranneke ikäihmisille, jotka asuvat kotona. Kotihoito saa hälytyksen, kun vanhus kaatuu.", "1"))
	must(t, out, "── @hilkka\n  Uusi hakemus H0001", "── #vanhuspalvelut\n  Uusi hakemus H0001")
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
