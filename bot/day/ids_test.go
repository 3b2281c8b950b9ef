package day

import (
	"testing"

	"github.com/kipina/kipina/bot/bottest"
)

// TestIDs: every id the day's controls carry reads back as what built it;
// a wrong side, a page or offer that is not a canonical non-negative
// number, a missing or extra field and another prefix are stale.
func TestIDs(t *testing.T) {
	want := wantRef{"kipina-2017", SideCompany, "H0001", "U02ABC", 3}
	page := pageRef{"kipina-2017", SidePerson, "U02ABC", 0}
	cancel := cancelRef{"kipina-2017", party{SidePerson, "U02ABC"}}
	offer := offerRef{"kipina-2017", 12, "H0003"}
	t.Run("round trip", func(t *testing.T) {
		if got, ok := bottest.ReadID(t, wantID, wantID.ID(want)); !ok || got != want {
			t.Errorf("want: %+v %v", got, ok)
		}
		if got, ok := bottest.ReadID(t, pageID, pageID.ID(page)); !ok || got != page {
			t.Errorf("page: %+v %v", got, ok)
		}
		if got, ok := bottest.ReadID(t, cancelID, cancelID.ID(cancel)); !ok || got != cancel {
			t.Errorf("cancel: %+v %v", got, ok)
		}
		if got, ok := bottest.ReadID(t, acceptID, acceptID.ID(offer)); !ok || got != offer {
			t.Errorf("accept: %+v %v", got, ok)
		}
	})
	t.Run("wire form", func(t *testing.T) {
		for got, want := range map[string]string{
			wantID.ID(want):     "daywant:kipina-2017:c:H0001:U02ABC:3",
			pageID.ID(page):     "daypage:kipina-2017:p:U02ABC:0",
			cancelID.ID(cancel): "daycancel:kipina-2017:p:U02ABC",
			acceptID.ID(offer):  "dayaccept:kipina-2017:12:H0003",
		} {
			if got != want {
				t.Errorf("id %q, want %q (buttons already sent carry the old form)", got, want)
			}
		}
	})
	stale := []struct {
		name string
		read func(string) bool
		ids  []string
	}{
		{"want", func(s string) bool { _, ok := bottest.ReadID(t, wantID, s); return ok }, []string{
			"daywant:kipina-2017:x:H0001:U02ABC:3",  // no such side
			"daywant:kipina-2017:c:H0001:U02ABC:-1", // negative page
			"daywant:kipina-2017:c:H0001:U02ABC:+1", // not canonical
			"daywant:kipina-2017:c:H0001:U02ABC:01",
			"daywant:kipina-2017:c:H0001:U02ABC:x",
			"daywant:kipina-2017:c:H0001:U02ABC",    // a field short
			"daywant:kipina-2017:c:H0001:U02ABC:3:", // an empty extra field
			"daywant:kipina-2017:c::U02ABC:3",       // an empty field
			"daypage:kipina-2017:c:H0001:U02ABC:3",  // another prefix
		}},
		{"page", func(s string) bool { _, ok := bottest.ReadID(t, pageID, s); return ok }, []string{
			"daypage:kipina-2017:company:H0001:0",
			"daypage:kipina-2017:c:H0001:99999999999999999999",
			"daypage:kipina-2017:c:H0001",
			"daypage:kipina-2017:c:H0001:0:0",
		}},
		{"cancel", func(s string) bool { _, ok := bottest.ReadID(t, cancelID, s); return ok }, []string{
			"daycancel:kipina-2017:P:U02ABC",
			"daycancel:kipina-2017:p",
			"daycancel:kipina-2017:p:U02ABC:x",
			"daycancel",
		}},
		{"accept", func(s string) bool { _, ok := bottest.ReadID(t, acceptID, s); return ok }, []string{
			"dayaccept:kipina-2017:one:H0003",
			"dayaccept:kipina-2017:-2:H0003",
			"dayaccept:kipina-2017:12",
			"dayaccept:kipina-2017:12:H0003:c",
		}},
	}
	for _, c := range stale {
		t.Run("stale "+c.name, func(t *testing.T) {
			for _, id := range c.ids {
				if c.read(id) {
					t.Errorf("%q read as an id", id)
				}
			}
		})
	}
}

// FuzzIDs: whatever a client sends as an action id, each codec either
// refuses it as stale or reads a value whose id is exactly what was sent
// (so no two ids name the same thing, and building never panics).
func FuzzIDs(f *testing.F) {
	for _, s := range []string{"daywant:kipina-2017:c:H0001:U02ABC:3", "daypage:e:p:U1:0", "daycancel:e:c:H0001",
		"dayaccept:e:12:H0003", "daywant:e:c:a:b:+1", "dayaccept::1:x", "daypage:e:p:U1:01"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if v, ok := bottest.ReadID(t, wantID, s); ok && wantID.ID(v) != s {
			t.Errorf("%q read as %+v, built back as %q", s, v, wantID.ID(v))
		}
		if v, ok := bottest.ReadID(t, pageID, s); ok && pageID.ID(v) != s {
			t.Errorf("%q read as %+v, built back as %q", s, v, pageID.ID(v))
		}
		if v, ok := bottest.ReadID(t, cancelID, s); ok && cancelID.ID(v) != s {
			t.Errorf("%q read as %+v, built back as %q", s, v, cancelID.ID(v))
		}
		if v, ok := bottest.ReadID(t, acceptID, s); ok && acceptID.ID(v) != s {
			t.Errorf("%q read as %+v, built back as %q", s, v, acceptID.ID(v))
		}
	})
}
