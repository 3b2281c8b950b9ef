package call

import (
	"testing"

	"github.com/kipina/kipina/bot/locale"
)

// Status filters accept the words lists show, in all three languages.
func TestStateFilter(t *testing.T) {
	cat := locale.MustLoad()
	for in, want := range map[string]string{
		"withdrawn": Withdrawn, "peruttu": Withdrawn, "Perutut": Withdrawn, "återkallad": Withdrawn, "återkallade": Withdrawn,
		"jätetty": Submitted, "jätetyt": Submitted, "inlämnad": Submitted, "submitted": Submitted,
		"hyväksytty": Accepted, "hyväksytyt": Accepted, "antagen": Accepted, "antagna": Accepted, "accepted": Accepted,
		"hylätty": Declined, "hylätyt": Declined, "avböjd": Declined, "declined": Declined,
		"per": "", "katuvalo": "", "": "", "hyvä": "",
	} {
		if got := StateFilter(cat, in); got != want {
			t.Errorf("StateFilter(%q) = %q, want %q", in, got, want)
		}
	}
}
