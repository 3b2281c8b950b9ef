package schedule

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/storage"
)

var helsinki, _ = time.LoadLocation("Europe/Helsinki")

var office = Quiet{Start: 20 * 60, End: 8 * 60, Weekends: true}

func hel(y int, m time.Month, d, hh, mm int) time.Time {
	return time.Date(y, m, d, hh, mm, 0, 0, helsinki)
}

func TestQuietHours(t *testing.T) {
	xmas := func(y int, m time.Month, d int) bool { return m == 12 && (d == 24 || d == 25 || d == 26) }
	q := office
	q.Holiday = xmas
	for _, c := range []struct {
		name    string
		at      time.Time
		allowed bool
		next    time.Time
	}{
		{"weekday noon", hel(2026, 11, 25, 12, 0), true, hel(2026, 11, 25, 12, 0)},
		{"weekday evening", hel(2026, 11, 25, 21, 30), false, hel(2026, 11, 26, 8, 0)},
		{"early morning", hel(2026, 11, 25, 6, 59), false, hel(2026, 11, 25, 8, 0)},
		{"at eight", hel(2026, 11, 25, 8, 0), true, hel(2026, 11, 25, 8, 0)},
		{"at twenty", hel(2026, 11, 25, 20, 0), false, hel(2026, 11, 26, 8, 0)},
		{"friday night", hel(2026, 11, 27, 22, 0), false, hel(2026, 11, 30, 8, 0)},
		{"saturday noon", hel(2026, 11, 28, 12, 0), false, hel(2026, 11, 30, 8, 0)},
		{"christmas eve thursday", hel(2026, 12, 24, 10, 0), false, hel(2026, 12, 28, 8, 0)},
	} {
		if got := q.Allowed(c.at, helsinki); got != c.allowed {
			t.Errorf("%s: Allowed = %v", c.name, got)
		}
		if got := q.Next(c.at, helsinki); !got.Equal(c.next) {
			t.Errorf("%s: Next = %v, want %v", c.name, got, c.next)
		}
	}
	// Nothing quiet: always allowed.
	if !(Quiet{}).Allowed(hel(2026, 11, 28, 3, 0), helsinki) {
		t.Error("zero Quiet refused a time")
	}
}

// TestAtAcrossDaylightSaving: Finland moves clocks forward on 29 March
// 2026; "3 days before, at 09:00" stays 09:00 local, 23 hours shorter in
// absolute time than three 24-hour days would say.
func TestAtAcrossDaylightSaving(t *testing.T) {
	deadline := hel(2026, 3, 31, 16, 0)
	got := At(deadline, -3, 9, 0, helsinki)
	if want := hel(2026, 3, 28, 9, 0); !got.Equal(want) {
		t.Fatalf("At = %v, want %v", got, want)
	}
	if _, off := got.Zone(); off != 2*3600 {
		t.Errorf("28 March offset = %d, want +2h (EET)", off)
	}
	if _, off := deadline.Zone(); off != 3*3600 {
		t.Errorf("31 March offset = %d, want +3h (EEST)", off)
	}
	// Naive arithmetic (72 hours) would land at 15:00 local: why At exists.
	if naive := deadline.Add(-72 * time.Hour).In(helsinki); naive.Hour() != 15 {
		t.Errorf("naive = %v", naive)
	}
}

type world struct {
	mu  sync.Mutex
	now time.Time
	db  *storage.DB
	s   *Scheduler
	ran []string
}

func (w *world) Now() time.Time  { w.mu.Lock(); defer w.mu.Unlock(); return w.now }
func (w *world) set(t time.Time) { w.mu.Lock(); w.now = t; w.mu.Unlock() }

func newWorld(t *testing.T, start time.Time) *world {
	t.Helper()
	db, err := storage.Open(filepath.Join(t.TempDir(), "k.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	w := &world{now: start, db: db}
	db.Now = w.Now
	w.s = New(db, w.Now, helsinki, slog.New(slog.NewTextHandler(io.Discard, nil)))
	w.s.Zone = func(chat.UserRef) (*time.Location, Quiet) { return helsinki, office }
	w.s.Handle("remind", func(tx *storage.Tx, it Item, late time.Duration) error {
		w.ran = append(w.ran, it.Key+"@"+w.Now().In(helsinki).Format("Mon 15:04"))
		return nil
	})
	return w
}

func (w *world) add(t *testing.T, key string, at time.Time, anyHour bool) {
	t.Helper()
	if err := w.db.Update(func(tx *storage.Tx) error {
		return Add(tx, Item{Key: key, Workspace: "w", Kind: "remind", Due: at, AnyHour: anyHour, Payload: json.RawMessage(`{}`)})
	}); err != nil {
		t.Fatal(err)
	}
}

func TestSweepRunsOnceRespectingQuietHours(t *testing.T) {
	w := newWorld(t, hel(2026, 11, 25, 9, 0)) // a Wednesday
	w.add(t, "a", hel(2026, 11, 25, 10, 0), false)
	w.add(t, "evening", hel(2026, 11, 25, 21, 0), false)
	w.add(t, "meeting", hel(2026, 11, 28, 9, 55), true) // Saturday event
	w.add(t, "cancelled", hel(2026, 11, 25, 11, 0), false)
	w.add(t, "a", hel(2026, 11, 25, 10, 30), false) // re-added: replaces
	w.db.Update(func(tx *storage.Tx) error { return Cancel(tx, "cancelled") })
	ctx := context.Background()
	for _, step := range []time.Time{
		hel(2026, 11, 25, 10, 0), hel(2026, 11, 25, 10, 30), hel(2026, 11, 25, 10, 31),
		hel(2026, 11, 25, 21, 0), hel(2026, 11, 26, 7, 0), hel(2026, 11, 26, 8, 0),
		hel(2026, 11, 28, 9, 55), hel(2026, 11, 28, 10, 0),
	} {
		w.set(step)
		if _, err := w.s.Sweep(ctx); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{"a@Wed 10:30", "evening@Thu 08:00", "meeting@Sat 09:55"}
	if len(w.ran) != len(want) {
		t.Fatalf("ran %v, want %v", w.ran, want)
	}
	for i := range want {
		if w.ran[i] != want[i] {
			t.Errorf("ran[%d] = %s, want %s", i, w.ran[i], want[i])
		}
	}
}

// TestDowntimeCatchUp: the bot is down from Monday to Thursday; the items
// that fell due meanwhile run once at the first sweep after start.
func TestDowntimeCatchUp(t *testing.T) {
	w := newWorld(t, hel(2026, 11, 23, 9, 0))
	for i, d := range []int{23, 24, 25} {
		w.add(t, string(rune('a'+i)), hel(2026, 11, d, 12, 0), false)
	}
	w.add(t, "future", hel(2026, 12, 1, 12, 0), false)
	w.set(hel(2026, 11, 26, 9, 0)) // back up on Thursday
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- w.s.Run(ctx) }()
	// Run sweeps once at start; stop it and check.
	time.Sleep(50 * time.Millisecond)
	cancel()
	<-done
	if len(w.ran) != 3 {
		t.Fatalf("ran %v, want a, b and c once", w.ran)
	}
	if n, _ := w.s.Sweep(context.Background()); n != 0 {
		t.Errorf("second sweep ran %d", n)
	}
	w.db.View(func(tx *storage.Tx) error {
		p, _ := Pending(tx, "w", "")
		if len(p) != 1 || p[0].Key != "future" {
			t.Errorf("pending = %v", p)
		}
		return nil
	})
}

// TestCronInFakeTime runs a week of a cron job in a synctest bubble.
func TestCronInFakeTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t, time.Time{})
		w.s.now = time.Now // the bubble's fake clock
		var mu sync.Mutex
		var fired []time.Time
		if err := w.s.Cron("digest", "0 8 * * 1-5", func(context.Context) {
			mu.Lock()
			fired = append(fired, time.Now().In(helsinki))
			mu.Unlock()
		}); err != nil {
			t.Fatal(err)
		}
		if err := w.s.Cron("bad", "61 * * * *", func(context.Context) {}); err == nil {
			t.Error("a bad cron expression was accepted")
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error)
		go func() { done <- w.s.Run(ctx) }()
		time.Sleep(7 * 24 * time.Hour)
		cancel()
		<-done
		mu.Lock()
		defer mu.Unlock()
		if len(fired) != 5 {
			t.Fatalf("digest fired %d times in a week, want 5 (weekdays): %v", len(fired), fired)
		}
		for _, f := range fired {
			if f.Hour() != 8 || f.Minute() != 0 || f.Weekday() == time.Saturday || f.Weekday() == time.Sunday {
				t.Errorf("fired at %v", f)
			}
		}
	})
}

// TestSupersededAfterHolidays is issue 15's example: the jury deadline is
// Monday 28 December 2026; the 3-day reminder is due on Christmas Day and
// the 1-day reminder on Sunday. Quiet days hold both until Monday morning;
// only one reminder — the later-planned one — goes out.
func TestSupersededAfterHolidays(t *testing.T) {
	w := newWorld(t, hel(2026, 12, 20, 12, 0))
	q := office
	q.Holiday = func(y int, m time.Month, d int) bool { return m == 12 && (d == 24 || d == 25 || d == 26) }
	w.s.Zone = func(chat.UserRef) (*time.Location, Quiet) { return helsinki, q }
	add := func(key, group string, at time.Time) {
		t.Helper()
		if err := w.db.Update(func(tx *storage.Tx) error {
			return Add(tx, Item{Key: key, Workspace: "w", Kind: "remind", Due: at, Group: group})
		}); err != nil {
			t.Fatal(err)
		}
	}
	add("remind/3", "juror-anna", hel(2026, 12, 25, 9, 0))
	add("remind/1", "juror-anna", hel(2026, 12, 27, 9, 0))
	add("other/3", "juror-olli", hel(2026, 12, 22, 9, 0)) // a working day: goes as planned
	add("other/1", "juror-olli", hel(2026, 12, 27, 9, 0))
	add("alone", "", hel(2026, 12, 25, 9, 0)) // no group: held, then sent
	for _, at := range []time.Time{
		hel(2026, 12, 22, 9, 0), hel(2026, 12, 25, 9, 0), hel(2026, 12, 27, 9, 0),
		hel(2026, 12, 28, 8, 0), hel(2026, 12, 28, 9, 0),
	} {
		w.set(at)
		if _, err := w.s.Sweep(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{"other/3@Tue 09:00", "alone@Mon 08:00", "other/1@Mon 08:00", "remind/1@Mon 08:00"}
	if fmt.Sprint(w.ran) != fmt.Sprint(want) {
		t.Errorf("ran %v, want %v", w.ran, want)
	}
}

// TestSupersededAfterDowntime: the same rule when the bot was down rather
// than quiet: the earlier item of a group, found due together with a later
// one, is dropped.
func TestSupersededAfterDowntime(t *testing.T) {
	w := newWorld(t, hel(2026, 11, 23, 9, 0))
	for _, d := range []int{23, 25} {
		if err := w.db.Update(func(tx *storage.Tx) error {
			return Add(tx, Item{Key: fmt.Sprint("r/", d), Workspace: "w", Kind: "remind", Due: hel(2026, 11, d, 10, 0), Group: "g"})
		}); err != nil {
			t.Fatal(err)
		}
	}
	w.set(hel(2026, 11, 25, 12, 0)) // down from Monday 9:00 to Wednesday noon
	if _, err := w.s.Sweep(context.Background()); err != nil {
		t.Fatal(err)
	}
	if want := "[r/25@Wed 12:00]"; fmt.Sprint(w.ran) != want {
		t.Errorf("ran %v, want %s", w.ran, want)
	}
}

// TestCronInWorkspaceZone: a workspace in New York gets its 08:00 digest
// at 08:00 New York time, not Helsinki's (issue 15).
func TestCronInWorkspaceZone(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t, time.Time{})
		var mu sync.Mutex
		var fired []time.Time
		if err := w.s.CronIn("digest", "0 8 * * *", ny, func(context.Context) {
			mu.Lock()
			fired = append(fired, time.Now())
			mu.Unlock()
		}); err != nil {
			t.Fatal(err)
		}
		if err := w.s.CronIn("digest", "CRON_TZ=UTC 0 8 * * *", ny, func(context.Context) {}); err == nil {
			t.Error("a spec with its own zone was accepted")
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error)
		go func() { done <- w.s.Run(ctx) }()
		time.Sleep(3 * 24 * time.Hour)
		cancel()
		<-done
		mu.Lock()
		defer mu.Unlock()
		if len(fired) != 3 {
			t.Fatalf("fired %d times in 3 days: %v", len(fired), fired)
		}
		for _, f := range fired {
			if f.In(ny).Hour() != 8 || f.In(helsinki).Hour() == 8 {
				t.Errorf("fired at %v (New York %v)", f.In(helsinki), f.In(ny))
			}
		}
	})
}

// TestQuietHoursSpareEmail: an item for a person reached by e-mail runs in
// quiet hours, except a reminder, which waits like any other.
func TestQuietHoursSpareEmail(t *testing.T) {
	w := newWorld(t, hel(2026, 11, 25, 19, 0)) // a Wednesday
	w.s.NoQuiet = func(u chat.UserRef) bool { return u.Platform == "email" }
	anna := chat.UserRef{Platform: "email", Workspace: "w", User: "anna@example.fi"}
	nina := chat.UserRef{Platform: "shell", Workspace: "w", User: "nina"}
	for _, it := range []Item{
		{Key: "mail", User: anna, Due: hel(2026, 11, 25, 21, 0)},
		{Key: "mail-reminder", User: anna, Due: hel(2026, 11, 25, 21, 0), Reminder: true},
		{Key: "chat", User: nina, Due: hel(2026, 11, 25, 21, 0)},
	} {
		it.Workspace, it.Kind, it.Payload = "w", "remind", json.RawMessage(`{}`)
		if err := w.db.Update(func(tx *storage.Tx) error { return Add(tx, it) }); err != nil {
			t.Fatal(err)
		}
	}
	for _, step := range []time.Time{hel(2026, 11, 25, 21, 0), hel(2026, 11, 26, 8, 0)} {
		w.set(step)
		if _, err := w.s.Sweep(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	want := map[string]string{"mail": "Wed 21:00", "mail-reminder": "Thu 08:00", "chat": "Thu 08:00"}
	if len(w.ran) != len(want) {
		t.Fatalf("ran %v", w.ran)
	}
	for _, r := range w.ran {
		k, at, _ := strings.Cut(r, "@")
		if want[k] != at {
			t.Errorf("%s ran at %s, want %s", k, at, want[k])
		}
	}
}
