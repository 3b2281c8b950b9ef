package routing

import (
	"testing"

	"github.com/kipina/kipina/bot"
)

// TestMatchIDs: the select and the Move button of one notice have
// distinct ids and both read back as the application; anything else under
// "match" is refused as stale.
func TestMatchIDs(t *testing.T) {
	sel, move := overrideID.ID("H0001"), moveID.ID("H0001")
	if sel == move {
		t.Fatalf("select and Move share the id %q", sel)
	}
	for _, id := range []string{sel, move} {
		if app, err := matchedApp(&bot.Request{Name: id}); err != nil || app != "H0001" {
			t.Errorf("%q read as %q, %v", id, app, err)
		}
	}
	for _, bad := range []string{"match", "match:", "match:H0001:", "match:H0001:moved", "match:H0001:move:x",
		"match::move", "matches:H0001", "jury-score:H0001"} {
		_, err := matchedApp(&bot.Request{Name: bad})
		if ref, ok := bot.AsRefusal(err); !ok || ref.ID != "error.stale" {
			t.Errorf("%q: %v, want a stale refusal", bad, err)
		}
	}
}

// FuzzMatchIDs: whatever a click carries, it is refused as stale or read
// as an application whose select or Move id it is.
func FuzzMatchIDs(f *testing.F) {
	for _, s := range []string{"match:H0001", "match:H0001:move", "match:H0001:x", "match::", "match"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, id string) {
		app, err := matchedApp(&bot.Request{Name: id})
		if err != nil {
			if ref, ok := bot.AsRefusal(err); !ok || ref.ID != "error.stale" {
				t.Fatalf("%q: %v, want a stale refusal", id, err)
			}
			return
		}
		if id != overrideID.ID(app) && id != moveID.ID(app) {
			t.Fatalf("%q read as %q", id, app)
		}
	})
}
