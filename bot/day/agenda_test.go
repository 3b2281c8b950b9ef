package day

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"pgregory.net/rapid"
)

var base = time.Date(2027, 2, 10, 9, 0, 0, 0, time.UTC)

// genIDs draws distinct application ids and a track rank for each.
func genIDs(t *rapid.T, label string) ([]string, map[string]int) {
	n := rapid.IntRange(0, 30).Draw(t, label+"n")
	rank := map[string]int{}
	var ids []string
	for i := 0; i < n; i++ {
		id := fmt.Sprintf("H%04d", rapid.IntRange(1, 60).Draw(t, label+"id"))
		if _, dup := rank[id]; dup {
			continue
		}
		rank[id] = rapid.IntRange(0, 4).Draw(t, label+"rank")
		ids = append(ids, id)
	}
	return ids, rank
}

func sortedByRank(order []string, rank func(string) int) bool {
	for i := 1; i < len(order); i++ {
		if rank(order[i-1]) > rank(order[i]) {
			return false
		}
	}
	return true
}

// TestReconcileProperties: the order is a permutation of the accepted
// ids; without an old order it is by track; the old relative order is
// kept; an order by track stays by track when newcomers arrive.
func TestReconcileProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		ids, ranks := genIDs(t, "ids")
		rank := func(id string) int { return ranks[id] }
		fresh := reconcile(nil, ids, rank)
		if !sortedByRank(fresh, rank) {
			t.Fatalf("fresh order not by track: %v", fresh)
		}
		// An old order: a shuffled subset plus ids no longer accepted.
		old := slices.Clone(fresh)
		old = rapid.Permutation(old).Draw(t, "old")
		old = old[:rapid.IntRange(0, len(old)).Draw(t, "keep")]
		old = append(old, "H9998", "H9999")
		got := reconcile(old, ids, rank)
		a, b := slices.Clone(got), slices.Clone(ids)
		slices.Sort(a)
		slices.Sort(b)
		if !slices.Equal(a, b) {
			t.Fatalf("not a permutation: %v of %v", got, ids)
		}
		pos := map[string]int{}
		for i, id := range got {
			pos[id] = i
		}
		prev := -1
		for _, id := range old {
			if p, ok := pos[id]; ok {
				if p < prev {
					t.Fatalf("old relative order lost: old %v, got %v", old, got)
				}
				prev = p
			}
		}
		// Starting from an order by track, newcomers keep it by track.
		part := fresh[:rapid.IntRange(0, len(fresh)).Draw(t, "part")]
		if got := reconcile(part, ids, rank); !sortedByRank(got, rank) {
			t.Fatalf("newcomers broke the track order: from %v got %v", part, got)
		}
	})
}

// TestLayoutProperties: every pitch has the slot's length, overlaps no
// break and no other pitch of its room, rooms take contiguous shares in
// order, and positions are 1..n.
func TestLayoutProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		ids, _ := genIDs(t, "ids")
		a := Agenda{Start: base, SlotMin: rapid.IntRange(1, 30).Draw(t, "slot"), Order: ids}
		for i := rapid.IntRange(1, 4).Draw(t, "rooms"); i > 0; i-- {
			a.Rooms = append(a.Rooms, fmt.Sprint("R", i))
		}
		for i := rapid.IntRange(0, 3).Draw(t, "breaks"); i > 0; i-- {
			s := base.Add(time.Duration(rapid.IntRange(0, 300).Draw(t, "bs")) * time.Minute)
			a.Breaks = append(a.Breaks, Span{Start: s, End: s.Add(time.Duration(rapid.IntRange(1, 60).Draw(t, "bl")) * time.Minute)})
		}
		ps := layout(a)
		if len(ps) != len(ids) {
			t.Fatalf("%d pitches for %d ids", len(ps), len(ids))
		}
		roomIdx := map[string]int{}
		for i, r := range a.Rooms {
			roomIdx[r] = i
		}
		for i, p := range ps {
			if p.Pos != i+1 || p.App != ids[i] {
				t.Fatalf("pitch %d = %+v", i, p)
			}
			if p.End.Sub(p.Start) != time.Duration(a.SlotMin)*time.Minute || p.Start.Before(a.Start) {
				t.Fatalf("bad span %+v", p)
			}
			for _, b := range a.Breaks {
				if p.Overlaps(b) {
					t.Fatalf("pitch %+v overlaps break %+v", p, b)
				}
			}
			if i > 0 {
				q := ps[i-1]
				if roomIdx[q.Room] > roomIdx[p.Room] || (q.Room == p.Room && (q.Overlaps(p.Span) || p.Start.Before(q.Start))) {
					t.Fatalf("rooms out of order or overlapping: %+v then %+v", q, p)
				}
			}
		}
	})
}

// TestMoveAndDiffProperties: a move puts the id at the position and keeps
// the others' order; the diff names exactly the companies whose time or
// room changed, plus those that left.
func TestMoveAndDiffProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		ids, _ := genIDs(t, "ids")
		if len(ids) == 0 {
			return
		}
		a := Agenda{Start: base, SlotMin: 10, Order: ids, Rooms: []string{"A", "B"}[:rapid.IntRange(1, 2).Draw(t, "rooms")]}
		sent := map[string]Pitch{}
		for _, p := range layout(a) {
			sent[p.App] = p
		}
		id := rapid.SampledFrom(ids).Draw(t, "id")
		pos := rapid.IntRange(1, len(ids)+2).Draw(t, "pos")
		moved, ok := move(ids, id, pos)
		if !ok || moved[min(pos, len(ids))-1] != id || len(moved) != len(ids) {
			t.Fatalf("move %s to %d: %v", id, pos, moved)
		}
		if !slices.Equal(slices.DeleteFunc(slices.Clone(moved), func(x string) bool { return x == id }),
			slices.DeleteFunc(slices.Clone(ids), func(x string) bool { return x == id })) {
			t.Fatalf("others' order changed: %v → %v", ids, moved)
		}
		// Sometimes one company also leaves the agenda.
		if rapid.Bool().Draw(t, "drop") {
			moved = moved[:len(moved)-1]
		}
		a.Order = moved
		now := layout(a)
		changed, removed := diffPitches(sent, now)
		told := map[string]bool{}
		for _, p := range changed {
			told[p.App] = true
		}
		for _, p := range now {
			old := sent[p.App]
			differs := !old.Start.Equal(p.Start) || old.Room != p.Room
			if differs != told[p.App] {
				t.Fatalf("%s: differs %v, told %v (old %+v new %+v)", p.App, differs, told[p.App], old, p)
			}
		}
		if len(removed) != len(sent)-len(now) {
			t.Fatalf("removed %v for %d → %d", removed, len(sent), len(now))
		}
		if _, ok := move(ids, "H9999", 1); ok {
			t.Fatal("moved an id not in the order")
		}
	})
}

// TestSlotsSkipBreaks: meeting slots lie in the window, do not overlap one
// another or a break, and at most max are made.
func TestSlotsSkipBreaks(t *testing.T) {
	win := Span{Start: base.Add(4 * time.Hour), End: base.Add(7 * time.Hour)}
	breaks := []Span{{Start: base.Add(5 * time.Hour), End: base.Add(5*time.Hour + 20*time.Minute)}}
	got := slotsIn(win, 15*time.Minute, breaks, 64)
	// 13:00–14:00 gives 4, 14:20–16:00 gives 6 (14:00–14:15 overlaps the break).
	if len(got) != 10 || !got[4].Start.Equal(base.Add(5*time.Hour+20*time.Minute)) || !got[9].End.Equal(base.Add(6*time.Hour+50*time.Minute)) {
		t.Fatalf("slots = %+v", got)
	}
	if n := len(slotsIn(win, 15*time.Minute, nil, 5)); n != 5 {
		t.Fatalf("max not respected: %d", n)
	}
}

func TestParseOptions(t *testing.T) {
	o, bad := parseOptions([]string{"start=09:00", "break=10:30-10:45", "break=12:00-12:30,14:00-14:15", "rooms=Sali A,Sali B"}, "start", "break", "rooms")
	if bad != "" || o.last("start", "") != "09:00" || len(o["break"]) != 2 || o.last("rooms", "") != "Sali A,Sali B" {
		t.Fatalf("options = %v, bad %q", o, bad)
	}
	spans, err := parseSpans(base, time.UTC, o["break"])
	if err != nil || len(spans) != 3 || spans[2].End.Hour() != 14 || spans[2].End.Minute() != 15 {
		t.Fatalf("spans = %v, %v", spans, err)
	}
	for _, w := range [][]string{{"start"}, {"colour=red"}, {"start="}} {
		if _, bad := parseOptions(w, "start"); bad == "" {
			t.Errorf("%v accepted", w)
		}
	}
	for _, s := range []string{"25:00", "9:5", "x", "10:60"} {
		if _, _, err := parseClock(s); err == nil {
			t.Errorf("clock %q accepted", s)
		}
	}
	if _, err := parseSpans(base, time.UTC, []string{"12:00-11:00"}); err == nil {
		t.Error("backwards span accepted")
	}
}
