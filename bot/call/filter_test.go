package call

import (
	"testing"

	"github.com/kipina/kipina/bot/locale"
	"github.com/kipina/kipina/bot/round"
)

// Status filters accept the words lists show, in all three languages.
func TestStateFilter(t *testing.T) {
	cat := locale.MustLoad()
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
