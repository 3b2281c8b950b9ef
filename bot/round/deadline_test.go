package round

import (
	"testing"
	"time"
)

// A deadline date means the whole day in the workspace's zone, up to
// 24:00 exclusive (issue 21), and the call ends before the event day
// (issue 15).
func TestDeadlineDay(t *testing.T) {
	hel, err := time.LoadLocation("Europe/Helsinki")
	if err != nil {
		t.Fatal(err)
	}
	dl := EndOfDay(time.Date(2026, 12, 14, 12, 0, 0, 0, hel), hel)
	if got := dl.Format("15.04"); got != "23.59" {
		t.Errorf("shown as %s, want 23.59", got)
	}
	for _, x := range []struct {
		at     time.Time
		passed bool
	}{
		{time.Date(2026, 12, 14, 23, 59, 20, 0, hel), false},
		{time.Date(2026, 12, 14, 23, 59, 59, 0, hel), false},
		{time.Date(2026, 12, 14, 23, 59, 59, 999999999, hel), false},
		{time.Date(2026, 12, 15, 0, 0, 0, 0, hel), true},
		{time.Date(2026, 12, 14, 22, 0, 0, 0, time.UTC), true}, // 0.00 in Helsinki
	} {
		if got := DeadlinePassed(dl, x.at); got != x.passed {
			t.Errorf("passed at %s = %v, want %v", x.at, got, x.passed)
		}
		// a record written before this rule held 23:59:00
		if got := DeadlinePassed(time.Date(2026, 12, 14, 23, 59, 0, 0, hel), x.at); got != x.passed {
			t.Errorf("old record: passed at %s = %v, want %v", x.at, got, x.passed)
		}
	}
	event := time.Date(2026, 12, 30, 9, 0, 0, 0, hel)
	for day, fits := range map[int]bool{29: true, 14: true, 30: false, 31: false} {
		if got := DeadlineFits(time.Date(2026, 12, day, 12, 0, 0, 0, hel), event, hel); got != fits {
			t.Errorf("deadline %d.12. for an event on 30.12.: %v, want %v", day, got, fits)
		}
	}
	if DeadlineFits(time.Date(2028, 2, 29, 12, 0, 0, 0, hel), event, hel) {
		t.Error("29.2.2028 fits an event on 30.12.2026")
	}
}
