package locale

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// The rules of docs/messages.md that a test can check, over every message
// of every locale file.

// forms lists a message's text forms: the value itself, or each plural
// form ("one", "other") by name.
func forms(v any) map[string]string {
	switch x := v.(type) {
	case string:
		return map[string]string{"": x}
	case map[string]any:
		out := map[string]string{}
		for k, f := range x {
			out[k] = fmt.Sprint(f)
		}
		return out
	}
	return nil
}

// each calls fn for every form of every message, in a stable order.
func each(t *testing.T, fn func(module, lang, id, form, text string, plural bool)) {
	all := messages(t)
	var mods []string
	for m := range all {
		mods = append(mods, m)
	}
	sort.Strings(mods)
	for _, module := range mods {
		for lang, msgs := range all[module] {
			for id, v := range msgs {
				fs := forms(v)
				for form, text := range fs {
					fn(module, lang, id, form, text, form != "")
				}
			}
		}
	}
}

// command reports whether text is (or shows) a command a person types,
// where times and codes are input, not prose.
func command(id, text string) bool {
	return strings.Contains(text, "/kipina") || strings.Contains(text, ":wait") ||
		strings.HasSuffix(id, ".args") || strings.HasSuffix(id, ".example") || strings.HasPrefix(id, "format.")
}

// decimalValues are template values that are never whole counts.
var decimalValues = map[string]bool{"Average": true, "Mean": true}

// nameValues are template values that name something, never a number.
var nameValues = map[string]bool{"Event": true, "App": true, "Zone": true, "User": true, "Users": true, "Who": true,
	"Company": true, "Other": true, "Name": true, "Target": true, "Targets": true, "Apps": true}

// notCounted are messages where a noun after a number is not what it
// counts: "{{.Min}} tuomaria kohden" is a load per juror.
var notCounted = map[string]bool{"jury.infeasible.min_load": true}

// A count word after a number that is not the message's plural count
// cannot agree with it ("1 kertaa", "1 applications"): write the count
// with a count.* message (bot.Count) so each count picks its own form.
func TestEachCountHasItsPlural(t *testing.T) {
	nouns := `(kertaa|times|gånger|hakemusta|applications|ansökningar|arviota|reviews|bedömningar|tapaamista|meetings|möten|yritystä|companies|viestiä|messages|meddelanden|päivää|days|dagar)`
	// Every word the catalogue counts with, in either number: after a
	// number that is not the message's plural count it cannot agree
	// ("1 yritystä", "1 jurors", "1 godkända"); a label before the number
	// ("yrityksiä: 3") or a count.* phrase can.
	counted := `(` + strings.Join([]string{
		"kertaa", "kerta", "times?", "gånger", "gång",
		"hakemusta", "hakemus", "applications?", "ansökningar", "ansökan",
		"arviota", "arvio", "reviews?", "bedömningar", "bedömning",
		"tapaamista", "tapaaminen", "meetings?", "möten", "möte",
		"yritystä", "yritys", "compan(y|ies)", "företag",
		"hyväksyttyä", "hyväksytty", "hylättyä", "hylätty", "godkända", "godkänt", "avslagna", "avslaget",
		"osallistujaa", "osallistuja", "participants?", "deltagare",
		"viestiä", "viesti", "messages?", "meddelanden", "meddelande",
		"tuomaria", "tuomari", "jurors?", "jurymedlemmar", "jurymedlem",
		"päivää", "päivä", "days?", "dagar", "dag",
		"henkilöä", "henkilö", "people", "persons?", "personer",
		"kysyttyä", "kysytty", "tillfrågade", "tillfrågad",
		"tietuetta", "tietue", "records?", "poster", "kuukautta", "kuukausi", "months?", "månader", "månad",
		"esteellisiä", "have", "are", "review",
	}, "|") + `)(?:[^\p{L}]|$)` // \b is ASCII only: "päivää" would match in "päivään"
	other := regexp.MustCompile(`\{\{\.(\w+)\}\} (?:[a-zäöå]+ )?` + counted)
	each(t, func(module, lang, id, form, text string, plural bool) {
		if notCounted[id] {
			return
		}
		for _, m := range other.FindAllStringSubmatch(text, -1) {
			if decimalValues[m[1]] || nameValues[m[1]] {
				continue // "2,5 arviota": a decimal takes the plural; a name is not a number
			}
			if m[1] != "Count" || !plural {
				t.Errorf("%s.%s %s %s: %q: the noun after {{.%s}} does not follow its number; use a count.* message", module, lang, id, form, m[0], m[1])
			}
		}
		if form == "one" && regexp.MustCompile(`\{\{\.Count\}\} `+nouns+`(?:[^\p{L}]|$)`).MatchString(text) {
			t.Errorf("%s.%s %s one: %q: the singular form has a plural noun", module, lang, id, text)
		}
	})
}

// Finnish and Swedish write times "klo 9.15" / "kl. 9.15": no "09:15",
// no "HH:MM", no leading zero after klo/kl., outside commands.
func TestTimesFinnishSwedish(t *testing.T) {
	colon := regexp.MustCompile(`\b\d{1,2}:\d\d\b`)
	zero := regexp.MustCompile(`\bkl(o|\.) 0\d`)
	each(t, func(module, lang, id, form, text string, _ bool) {
		if lang == "en" || command(id, text) {
			return
		}
		if m := colon.FindString(text); m != "" {
			t.Errorf("%s.%s %s: %q writes a time with a colon", module, lang, id, m)
		}
		if m := zero.FindString(text); m != "" {
			t.Errorf("%s.%s %s: %q has a leading zero", module, lang, id, m)
		}
	})
}

// A percent sign after a template value is the code's job (format.Percent
// writes "82 %" or "82%" by language); a message writes {{.Percent}} alone.
func TestPercentFromFormat(t *testing.T) {
	sign := regexp.MustCompile(`\}\}\s?%`)
	each(t, func(module, lang, id, form, text string, _ bool) {
		if sign.MatchString(text) {
			t.Errorf("%s.%s %s: %q puts a percent sign after a value", module, lang, id, text)
		}
	})
}

// One word, one meaning: in Finnish "jätetty" is a submitted application
// only, never an abstention, and "jäävätty" (recused) never names an
// abstention; the Swedish "jävig" (recused) likewise.
func TestTerminology(t *testing.T) {
	before := regexp.MustCompile(`(\S+) \{\{\.Abstained\}\}`)
	each(t, func(module, lang, id, form, text string, _ bool) {
		low := strings.ToLower(text)
		// the words that name an abstention: the label before the value,
		// or the whole text of an abstain label or column
		var words []string
		for _, m := range before.FindAllStringSubmatch(low, -1) {
			words = append(words, m[1])
		}
		if strings.Contains(id, "abstain") && (strings.HasPrefix(id, "export.col.") || strings.HasSuffix(id, ".label")) {
			words = append(words, low)
		}
		for _, w := range words {
			if lang == "fi" && (strings.Contains(w, "jätetty") || strings.Contains(w, "jäävä")) ||
				lang == "sv" && strings.Contains(w, "jäv") {
				t.Errorf("%s.%s %s: %q names an abstention with a word for submitted or recused", module, lang, id, text)
			}
		}
		if lang == "fi" && strings.TrimSpace(low) == "jätetty" && !strings.HasSuffix(id, ".submitted") {
			t.Errorf("fi %s: “jätetty” alone means a submitted application", id)
		}
	})
}

// Several people are a plural subject: a message naming {{.Users}} has
// one/other forms so the verb agrees ("@liisa ja @pekka saavat").
func TestVerbAgreesWithPeople(t *testing.T) {
	verb := regexp.MustCompile(`\{\{\.Users\}\} (saa|receive|receives|now receive|now receives) `)
	each(t, func(module, lang, id, form, text string, plural bool) {
		if verb.MatchString(text) && !plural {
			t.Errorf("%s.%s %s: %q: a verb after {{.Users}} needs one/other forms", module, lang, id, text)
		}
		if plural && form == "other" && lang == "fi" && strings.Contains(text, "{{.Users}} saa ") {
			t.Errorf("%s.fi %s other: %q: several people ”saavat”", module, id, text)
		}
	})
}

// The counts the bot writes with bot.Count agree in every language.
func TestCountPhrases(t *testing.T) {
	c := MustLoad()
	for _, x := range []struct {
		lang, id string
		n        int
		want     string
	}{
		{"fi", "count.times", 1, "kerran"}, {"fi", "count.times", 2, "2 kertaa"},
		{"en", "count.times", 1, "once"}, {"sv", "count.times", 3, "3 gånger"},
		{"fi", "count.applications", 1, "1 hakemus"}, {"en", "count.applications", 1, "1 application"}, {"en", "count.applications", 6, "6 applications"},
		{"sv", "count.reviews", 1, "1 bedömning"},
	} {
		if got := c.T(x.lang, x.id, "Count", x.n); got != x.want {
			t.Errorf("%s %s %d = %q, want %q", x.lang, x.id, x.n, got, x.want)
		}
	}
}
