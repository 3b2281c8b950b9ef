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
	h.DB.View(func(tx *storage.Tx) error {
		if p := routing.Primary(tx, "demo", "H0001"); p != "health" {
			t.Errorf("primary = %q", p)
		}
		if s := routing.Score(tx, "demo", "H0001", "elderly"); s <= routing.Score(tx, "demo", "H0001", "energy") {
			t.Errorf("elderly score %v not above energy", s)
		}
		if ts := routing.TargetsOf(tx, "demo", routingUser("liisa")); len(ts) != 1 || ts[0] != "elderly" {
			t.Errorf("TargetsOf(liisa) = %v", ts)
		}
		return nil
	})
}

func routingUser(name string) chat.UserRef {
	return chat.UserRef{Platform: "shell", Workspace: "demo", User: name}
}

func TestDigestOncePerDay(t *testing.T) {
	h := bottest.New(t, call.Module{}, routing.Module{})
	out := h.Run("/kipina contacts add sensors @sami\n/kipina call open kipina-2017\n")
	applyBtn := button(t, out, "Hae mukaan")
	h.Run(":as anna\n" + applyBtn + "\n" + apply("Valoisa Oy", "1572860-0", "2",
		"Sensorit katuvaloissa mittaavat liikennettä ja ilmanlaatua reaaliajassa esineiden internetin avulla.", "2"))
	out = h.Run(":as nina\n/kipina digest\n/kipina digest\n")
	if n := strings.Count(out, "Päivän kooste – Älykkäät palvelut"); n != 1 {
		t.Errorf("digest sent %d times, want once:\n%s", n, out)
	}
	must(t, out, "── @sami", "H0001 Valoisa Oy")
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
	h.DB.View(func(tx *storage.Tx) error {
		if ts := routing.TargetsOf(tx, "demo", routingUser("hilkka")); len(ts) != 1 || ts[0] != "elderly" {
			t.Errorf("TargetsOf(hilkka) = %v", ts)
		}
		return nil
	})
}
