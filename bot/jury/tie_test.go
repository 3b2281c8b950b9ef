package jury

import (
	"testing"

	"github.com/kipina/kipina/matching"
)

func TestTieAtCut(t *testing.T) {
	r := []matching.AppResult{{App: "A", Normalised: 1, N: 3}, {App: "B", Normalised: 0.5, N: 3}, {App: "C", Normalised: 0.499, N: 3}, {App: "D", Normalised: 0.2, N: 3}, {App: "E", Normalised: 0.2, N: 0}}
	for last, want := range map[string]string{"A": "", "B": "C", "C": "", "D": "", "X": ""} {
		if got := tieAtCut(r, last); got != want {
			t.Errorf("tieAtCut(%s) = %q, want %q", last, got, want)
		}
	}
}
