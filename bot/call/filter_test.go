package call

import (
	"testing"

	"github.com/kipina/kipina/bot/locale"
	"github.com/kipina/kipina/bot/round"
)

// Status filters accept the words lists show, in all three languages.
func TestStateFilter(t *testing.T) {
	cat := locale.MustLoad()
	// Each state's word as the lists show it, in every language.
	for _, want := range []round.State{round.Submitted, round.Withdrawn, round.Accepted, round.Declined} {
		for _, lang := range locale.Languages {
			if w := cat.T(lang, "state."+string(want)); StateFilter(cat, w) != want {
				t.Errorf("StateFilter(%q) = %q, want %q", w, StateFilter(cat, w), want)
			}
		}
	}
	// Words as a person types them: other cases and inflected forms
	// (input, so literal).
	for in, want := range map[string]round.State{
		"withdrawn": round.Withdrawn, "peruttu": round.Withdrawn, "Perutut": round.Withdrawn, "återkallad": round.Withdrawn, "återkallade": round.Withdrawn,
		"jätetty": round.Submitted, "jätetyt": round.Submitted, "inlämnad": round.Submitted, "submitted": round.Submitted,
		"hyväksytty": round.Accepted, "hyväksytyt": round.Accepted, "antagen": round.Accepted, "antagna": round.Accepted, "accepted": round.Accepted,
		"hylätty": round.Declined, "hylätyt": round.Declined, "avböjd": round.Declined, "declined": round.Declined,
		"per": "", "katuvalo": "", "": "", "hyvä": "",
	} {
		if got := StateFilter(cat, in); got != want {
			t.Errorf("StateFilter(%q) = %q, want %q", in, got, want)
		}
	}
}
