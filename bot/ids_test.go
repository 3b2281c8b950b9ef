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

// TestReopenID: a token formFailed makes reads back; an id that is not
// "form-reopen:" and 24 lower-case hex digits is refused as stale.
func TestReopenID(t *testing.T) {
	const tok = "0123456789abcdef01234567"
	if got, err := ReopenID.Of(&Request{Name: ReopenID.ID(tok)}); err != nil || got != tok {
		t.Errorf("round trip of %q: %q, %v", tok, got, err)
	}
	for _, bad := range []string{
		"form-reopen", "form-reopen:", "form-reopen:0123456789abcdef0123456",
		"form-reopen:0123456789abcdef012345678", "form-reopen:0123456789ABCDEF01234567",
		"form-reopen:0123456789abcdef0123456g", "form-reopen:0123456789abcdef01234567:x",
		"form-reopen:../../0123456789abcdef0123", "reopen:0123456789abcdef01234567",
	} {
		if _, err := ReopenID.Of(&Request{Name: bad}); err == nil {
			t.Errorf("%q read as an id", bad)
		} else if ref, ok := AsRefusal(err); !ok || ref.ID != "error.stale" {
			t.Errorf("%q: %v, want a stale refusal", bad, err)
		}
	}
}

// FuzzReopenID: whatever a click carries, ReopenID either refuses it as
// stale or reads a token that builds the same id again.
func FuzzReopenID(f *testing.F) {
	for _, s := range []string{"form-reopen:0123456789abcdef01234567", "form-reopen:", "form-reopen:x:y", "form-reopen:0123456789ABCDEF01234567"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, id string) {
		tok, err := ReopenID.Of(&Request{Name: id})
		if err != nil {
			if ref, ok := AsRefusal(err); !ok || ref.ID != "error.stale" {
				t.Fatalf("%q: %v, want a stale refusal", id, err)
			}
			return
		}
		if !isToken(tok) || ReopenID.ID(tok) != id {
			t.Fatalf("%q read as %q, which builds %q", id, tok, ReopenID.ID(tok))
		}
	})
}
