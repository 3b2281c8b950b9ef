package call_test

import (
	"testing"

	"github.com/kipina/kipina/bot/bottest"
	"github.com/kipina/kipina/bot/call"
	"github.com/kipina/kipina/bot/round"
	"github.com/kipina/kipina/storage"
)

// TestEventNamesPerLanguage (issue 20): the event form takes a name and a
// description in English and Swedish after the Finnish defaults; a reader
// of English or Swedish is told the event's name in their language when
// the call opens and when their application is received, and a reader of
// a language without its own name gets the default.
func TestEventNamesPerLanguage(t *testing.T) {
	h := bottest.New(t, call.Module{})
	cat := h.Bot.Cat
	step := func(name string, f func(t *testing.T)) {
		t.Helper()
		if !t.Run(name, f) {
			t.FailNow()
		}
	}
	names := map[string]string{"fi": "Kipinä 2027", "en": "Spark 2027", "sv": "Gnista 2027"}

	step("a description in another language needs the default one", func(t *testing.T) {
		out := h.Run(":as nina\n/kipina event new\n" + answers("Kipinä 2027", "2027-03-01", "Tampere-talo", "2027-02-15", "",
			"Spark 2027", "Spring spark", "Gnista 2027", "Vårens gnista") + answers("Kevään kipinä"))
		must(t, out, cat.T("fi", "event.description.needed"), cat.T("fi", "event.name_en.label"), cat.T("fi", "event.description_sv.label"),
			upTo(cat, "fi", "event.saved", "Deadline", "Name", "Kipinä 2027", "Event", "kipina-2027"))
	})
	step("stored per language", func(t *testing.T) {
		err := h.DB.View(func(tx *storage.Tx) error {
			ev, err := round.LoadEvent(tx, "demo", "kipina-2027")
			if ev.Name != "Kipinä 2027" || ev.Description != "Kevään kipinä" || ev.Names["en"] != "Spark 2027" || ev.Names["sv"] != "Gnista 2027" ||
				ev.Descriptions["en"] != "Spring spark" || ev.Descriptions["sv"] != "Vårens gnista" || ev.Names["fi"] != "" {
				t.Errorf("stored %+v", ev)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	})
	step("editing shows the stored names and descriptions", func(t *testing.T) {
		out := h.Run("/kipina event edit kipina-2027\n" + answers("", "", "", "", "", "", "", "") + ":cancel\n")
		must(t, out, "[Spark 2027] > ", "[Gnista 2027] > ", "[Spring spark] > ", "[Vårens gnista] > ")
	})
	step("the call opened names it in the organiser's language", func(t *testing.T) {
		for _, lang := range []string{"en", "sv", "fi"} {
			h.Run("/kipina lang " + lang + "\n")
			out := h.OpenCall("kipina-2027")
			must(t, out, cat.T(lang, "call.opened", "Event", names[lang]))
		}
	})
	apply := button(t, h.OpenCall("kipina-2027"), cat.T("fi", "call.apply.button"))
	step("the application received names it in the applicant's language", func(t *testing.T) {
		for i, who := range []string{"anna", "sven"} {
			lang := []string{"en", "sv"}[i]
			bid := []string{"1572860-0", "0112038-9"}[i]
			out := h.Run(":as " + who + "\n/kipina lang " + lang + "\n" + apply + "\n" + answers("Yritys "+who, bid, who, who+"@example.fi", "", "2",
				"Katuvalot mittaavat liikennettä.", "2", "", "", "", "", "no", "yes") + ":cancel\n")
			must(t, out, cat.T(lang, "apply.received", "App", []string{"H0001", "H0002"}[i], "Event", names[lang]),
				upTo(cat, lang, "apply.intro", "Deadline", "Event", names[lang]))
		}
	})
	step("without its own name a reader gets the default", func(t *testing.T) {
		out := h.Run(":as nina\n/kipina lang fi\n/kipina event new\n" + answers("Kipinä 2028", "2028-03-01", "Tampere-talo", "2028-02-15", "", "", "", "", ""))
		must(t, out, upTo(cat, "fi", "event.saved", "Deadline", "Name", "Kipinä 2028", "Event", "kipina-2028"))
		h.Run("/kipina lang en\n")
		must(t, h.OpenCall("kipina-2028"), cat.T("en", "call.opened", "Event", "Kipinä 2028"))
		err := h.DB.View(func(tx *storage.Tx) error {
			ev, err := round.LoadEvent(tx, "demo", "kipina-2028")
			if ev.Names != nil || ev.Descriptions != nil {
				t.Errorf("empty optional fields stored %+v %+v", ev.Names, ev.Descriptions)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	})
	step("emptying a language's name removes it", func(t *testing.T) {
		out := h.Run("/kipina event edit kipina-2027\n" + answers("", "", "", "", "", "-", "", "", ""))
		must(t, out, upTo(cat, "en", "event.saved", "Deadline", "Name", "Kipinä 2027", "Event", "kipina-2027"))
	})
}
