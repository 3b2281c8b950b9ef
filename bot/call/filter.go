package call

import (
	"strings"
	"unicode/utf8"

	"github.com/kipina/kipina/bot/locale"
	"github.com/kipina/kipina/bot/round"
)

// filterStates are the application states a list filter can name.
var filterStates = round.States

// StateFilter maps a filter word a person typed to a state code: the code
// itself ("withdrawn"), or the word lists show for the state in any of the
// bot's languages ("peruttu", "återkallad"), also inflected as people type
// it ("perutut", "hyväksytyt", "återkallade": the word and the state's
// shown word agree but for at most their last two letters, four letters at
// least). It returns "" when the filter names no state.
func StateFilter(cat *locale.Catalog, filter string) round.State {
	f := strings.ToLower(strings.TrimSpace(filter))
	if f == "" {
		return ""
	}
	for _, s := range filterStates {
		if f == string(s) {
			return s
		}
		for _, lang := range locale.Languages {
			if sameWord(f, strings.ToLower(cat.T(lang, "state."+string(s)))) {
				return s
			}
		}
	}
	return ""
}

// sameWord reports whether a and b are one word up to an inflected ending.
func sameWord(a, b string) bool {
	if a == b {
		return true
	}
	ra, rb := []rune(a), []rune(b)
	n := 0
	for n < len(ra) && n < len(rb) && ra[n] == rb[n] {
		n++
	}
	return n >= 4 && n >= utf8.RuneCountInString(b)-2 && n >= len(ra)-3
}
