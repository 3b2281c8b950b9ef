package jury

import (
	"fmt"
	"slices"
	"testing"
	"unicode/utf8"

	"github.com/kipina/kipina/bot/bizid"
	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/bot/round"
	"pgregory.net/rapid"
)

func TestDeclMatches(t *testing.T) {
	for _, tt := range []struct {
		text, company, bid string
		want               bool
	}{
		{"1572860-0", "Katuvalo Oy", "1572860-0", true},
		{" 1572860-0 ", "Katuvalo Oy", "1572860-0", true},
		{"katuvalo", "Katuvalo Oy", "1572860-0", true},
		{"Katuvalo Oy", "KATUVALO OY", "", true},
		{"Katuvalo Ltd", "Katuvalo Oy", "", true},
		{"Energi Ab", "Energi", "", true},
		{"Katu", "Katuvalo Oy", "", false},
		{"Oy", "Katuvalo Oy", "", false},
		{"0112038-9", "Katuvalo Oy", "1572860-0", false},
		{"1572860\u22120", "Katuvalo Oy", "1572860-0", true},               // minus sign
		{"1572860\uff0d0", "Katuvalo Oy", "1572860-0", true},               // fullwidth hyphen
		{"1572860\u200b-0", "Katuvalo Oy", "1572860-0", true},              // zero-width space
		{"157\u202f2860-0", "Katuvalo Oy", "1572860-0", true},              // narrow no-break space
		{"Y-tunnus 15728600 (hallitus)", "Katuvalo Oy", "1572860-0", true}, // inside a sentence
		{"", "Katuvalo Oy", "", false},
		// Issue 14: significant words, legal forms ignored.
		{"Aurinko", "Aurinko Energia Oy", "", true},
		{"aurinko energia", "Aurinko Energia Oy", "", true},
		{"Aurinko Oyj", "Aurinko Energia Oy", "", true},
		{"Aurinko Sähkö", "Aurinko Energia Oy", "", false},
		{"Tmi", "Aurinko Tmi", "", false},
		{"01120389", "Energi Ab", "0112038-9", true}, // unhyphenated
		{"FI01120389", "Energi Ab", "0112038-9", true},
	} {
		if got := declMatches(tt.text, tt.company, tt.bid); got != tt.want {
			t.Errorf("declMatches(%q, %q, %q) = %v", tt.text, tt.company, tt.bid, got)
		}
	}
}

func TestDefaultLoads(t *testing.T) {
	for _, tt := range []struct{ r, apps, jurors, lo, hi int }{
		{3, 6, 4, 3, 6},      // 4.5 on average
		{3, 300, 40, 16, 29}, // 22.5
		{3, 20, 5, 9, 15},    // 12
		{4, 4, 3, 4, 4},      // capped at the number of applications
		{3, 1, 10, 0, 1},
		{3, 5, 0, 0, 0},
	} {
		lo, hi := defaultLoads(tt.r, tt.apps, tt.jurors)
		if lo != tt.lo || hi != tt.hi {
			t.Errorf("defaultLoads(%d, %d, %d) = %d, %d; want %d, %d", tt.r, tt.apps, tt.jurors, lo, hi, tt.lo, tt.hi)
		}
	}
}

func TestParseFlags(t *testing.T) {
	r, lo, hi, bad := parseFlags([]string{"reviews=2", "MIN=1", "max=9"})
	if r != 2 || lo != 1 || hi != 9 || bad != "" {
		t.Errorf("got %d %d %d %q", r, lo, hi, bad)
	}
	if _, lo, hi, _ := parseFlags(nil); lo != -1 || hi != -1 {
		t.Errorf("no flags: %d %d", lo, hi)
	}
	for _, b := range []string{"max=-1", "max", "x=1", "max=a"} {
		if _, _, _, bad := parseFlags([]string{b}); bad != b {
			t.Errorf("%q accepted", b)
		}
	}
}

func TestBar(t *testing.T) {
	for _, tt := range []struct {
		mean, se float64
		want     string
	}{
		{0, 0, "········●········"},
		{1, 0.25, "········|··─●─···"},
		{-5, 0, "●·······|········"},
		{2, 3, "····────────────●"},
	} {
		got := bar(tt.mean, tt.se, 17)
		if utf8.RuneCountInString(got) != 17 {
			t.Errorf("bar(%v, %v) = %q has %d runes", tt.mean, tt.se, got, utf8.RuneCountInString(got))
		}
		if got != tt.want {
			t.Errorf("bar(%v, %v) = %q, want %q", tt.mean, tt.se, got, tt.want)
		}
	}
}

// TestPlanRoundTrip: a plan survives matching's index form unchanged, and
// Load and AppsOf agree with ByApp.
func TestPlanRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		nA := rapid.IntRange(1, 30).Draw(t, "apps")
		nJ := rapid.IntRange(1, 10).Draw(t, "jurors")
		p := &problem{appIx: map[string]int{}, jurIx: map[string]int{}}
		for j := range nJ {
			u := fmt.Sprintf("u%d", j)
			p.jurUs = append(p.jurUs, u)
			p.jurIx[u] = j
			p.in.Jurors = append(p.in.Jurors, "@"+u)
		}
		pl := &Plan{ByApp: map[string][]string{}}
		total := 0
		for a := range nA {
			id := fmt.Sprintf("H%04d", a+1)
			p.appIx[id] = a
			p.in.Apps = append(p.in.Apps, id)
			for j := range nJ {
				if rapid.Bool().Draw(t, "pair") {
					pl.ByApp[id] = append(pl.ByApp[id], p.jurUs[j])
					total++
				}
			}
		}
		back := p.fromAssignment(p.toAssignment(pl), pl.Created)
		for _, id := range p.in.Apps {
			if !slices.Equal(back.ByApp[id], pl.ByApp[id]) {
				t.Fatalf("%s: %v → %v", id, pl.ByApp[id], back.ByApp[id])
			}
		}
		sum := 0
		for u, n := range pl.Load() {
			sum += n
			if len(pl.AppsOf(u)) != n {
				t.Fatalf("%s: load %d, apps %v", u, n, pl.AppsOf(u))
			}
			for _, a := range pl.AppsOf(u) {
				if !pl.Has(u, a) {
					t.Fatalf("Has(%s, %s) false", u, a)
				}
			}
		}
		if sum != total {
			t.Fatalf("loads sum to %d, want %d", sum, total)
		}
	})
}

// A draft's loads read as one number when every juror has the same load
// (the "3–4" when all were 4).
func TestLoadRange(t *testing.T) {
	js := []Juror{{User: chat.UserRef{User: "a"}}, {User: chat.UserRef{User: "b"}}}
	if got := loadRange(js, map[string]int{"a": 4, "b": 4}); got != "4" {
		t.Errorf("all 4: %q", got)
	}
	if got := loadRange(js, map[string]int{"a": 3, "b": 4}); got != "3–4" {
		t.Errorf("3 and 4: %q", got)
	}
}

// TestConflictedOwnApplication: the sender of an application and the
// contacts they added are conflicted with it automatically (issue 13).
func TestConflictedOwnApplication(t *testing.T) {
	u := func(id string) chat.UserRef { return chat.UserRef{Platform: "shell", Workspace: "demo", User: id} }
	a := round.Application{ID: "H0001", Company: "Katuvalo Oy", BusinessID: "1572860-0", Owner: u("anna"), Contacts: []chat.UserRef{u("ari")}}
	var j Jury
	for juror, want := range map[string]bool{"anna": true, "ari": true, "liisa": false} {
		if got := j.conflicted(juror, a); got != want {
			t.Errorf("conflicted(%s) = %v, want %v", juror, got, want)
		}
	}
}

// FuzzDeclMatches: whatever a juror types as a declaration, matching
// never panics, and a company name always matches itself when it has a
// significant word.
func FuzzDeclMatches(f *testing.F) {
	for _, s := range []string{"Aurinko", "Aurinko Energia Oy", "01120389", "FI1572860-0", "Oy Ab", "", "Ä Ö"} {
		f.Add(s, "Aurinko Energia Oy")
	}
	f.Fuzz(func(t *testing.T, text, company string) {
		declMatches(text, company, "1572860-0")
		if len(sigWords(company)) > 0 && len(bizid.Find(company)) == 0 && !declMatches(company, company, "") {
			t.Errorf("%q does not match itself", company)
		}
	})
}
