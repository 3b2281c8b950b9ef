package shell

import (
	"testing"

	"github.com/kipina/kipina/bot/chat"
)

// TestDefaultsShowWords: a choice's current value is shown by its labels,
// never its codes (issue 15: forms showed "prototype", "[children]").
func TestDefaultsShowWords(t *testing.T) {
	opts := []chat.Option{{Value: "prototype", Label: "Prototyyppi"}, {Value: "children", Label: "Lapset ja nuoret"}, {Value: "yes", Label: "kyllä"}}
	for cur, want := range map[string]string{
		"prototype":          "Prototyyppi",
		"children,prototype": "Lapset ja nuoret, Prototyyppi",
		"yes":                "kyllä",
		"other":              "other",
	} {
		if got := labelsOf(opts, cur); got != want {
			t.Errorf("labelsOf(%q) = %q, want %q", cur, got, want)
		}
	}
}
