package bot

import (
	"testing"

	"pgregory.net/rapid"
)

type pair struct{ Event, App string }

var pairID = NewIDCodec("score", 2, func(p pair) []string { return []string{p.Event, p.App} },
	func(f []string) (pair, bool) { return pair{f[0], f[1]}, true })

// TestIDCodecRoundTrip: what ID builds, Of reads back; anything else is
// refused as stale.
func TestIDCodecRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		p := pair{rapid.StringMatching(`[a-z0-9-]{1,20}`).Draw(t, "event"), rapid.StringMatching(`H[0-9]{4}`).Draw(t, "app")}
		got, err := pairID.Of(&Request{Name: pairID.ID(p)})
		if err != nil || got != p {
			t.Fatalf("round trip of %+v: %+v, %v", p, got, err)
		}
	})
	for _, bad := range []string{"score", "score:x", "score:x:y:z", "other:x:y", "score::y"} {
		if _, err := pairID.Of(&Request{Name: bad}); err == nil {
			t.Errorf("%q read as an id", bad)
		} else if ref, ok := AsRefusal(err); !ok || ref.ID != "error.stale" {
			t.Errorf("%q: %v, want a stale refusal", bad, err)
		}
	}
}
