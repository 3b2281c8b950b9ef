package jury

import (
	"slices"
	"testing"

	"github.com/kipina/kipina/matching"
)

func TestTiesAtCut(t *testing.T) {
	r := []matching.AppResult{{App: "A", Normalised: 1, N: 3}, {App: "B", Normalised: 0.5, N: 3}, {App: "C", Normalised: 0.499, N: 3},
		{App: "D", Normalised: 0.2, N: 3}, {App: "F", Normalised: 0.2, N: 3}, {App: "G", Normalised: 0.201, N: 3}, {App: "E", Normalised: 0.2, N: 0}}
	for last, want := range map[string][]string{"A": nil, "B": {"C"}, "C": {"B"}, "D": {"F", "G"}, "X": nil} {
		if got := tiesAtCut(r, last); !slices.Equal(got, want) {
			t.Errorf("tiesAtCut(%s) = %q, want %q", last, got, want)
		}
	}
}
