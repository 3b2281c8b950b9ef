package schedule

import "time"

// Quiet says when a person is not to be disturbed: daily from Start to End
// (minutes after local midnight; End ≤ Start means past midnight), all of
// Saturday and Sunday when Weekends, and the days Holiday reports.
type Quiet struct {
	Start, End int
	Weekends   bool
	// Holiday, when set, reports public holidays (treated as weekend days).
	Holiday func(y int, m time.Month, d int) bool
}

// Allowed reports whether t (in loc) is outside quiet hours.
func (q Quiet) Allowed(t time.Time, loc *time.Location) bool {
	t = t.In(loc)
	if q.dayOff(t) {
		return false
	}
	if q.Start == q.End {
		return true
	}
	m := t.Hour()*60 + t.Minute()
	if q.Start < q.End {
		return m < q.Start || m >= q.End
	}
	return m >= q.End && m < q.Start
}

// DayOff reports whether t's date in loc is a whole day off: a weekend
// day when Weekends, or a day Holiday reports.
func (q Quiet) DayOff(t time.Time, loc *time.Location) bool { return q.dayOff(t.In(loc)) }

func (q Quiet) dayOff(t time.Time) bool {
	if q.Weekends && (t.Weekday() == time.Saturday || t.Weekday() == time.Sunday) {
		return true
	}
	return q.Holiday != nil && q.Holiday(t.Year(), t.Month(), t.Day())
}

// Next returns the first allowed moment at or after t, in loc's wall clock:
// the end of the quiet period, or the first allowed minute of the next
// working day.
func (q Quiet) Next(t time.Time, loc *time.Location) time.Time {
	t = t.In(loc)
	for range 400 { // a year of days off at most
		if q.Allowed(t, loc) {
			return t
		}
		y, mo, d := t.Date()
		m := t.Hour()*60 + t.Minute()
		switch {
		case q.dayOff(t):
			t = time.Date(y, mo, d+1, 0, 0, 0, 0, loc)
		case q.Start > q.End && m >= q.Start: // evening: next morning
			t = time.Date(y, mo, d+1, q.End/60, q.End%60, 0, 0, loc)
		default: // quiet until End the same day
			t = time.Date(y, mo, d, q.End/60, q.End%60, 0, 0, loc)
		}
	}
	return t
}

// At returns the moment days after (negative: before) the date of base, at
// the wall-clock time hh:mm in loc, so "3 days before the deadline at 09:00"
// stays at 09:00 across a daylight-saving change.
func At(base time.Time, days, hh, mm int, loc *time.Location) time.Time {
	y, mo, d := base.In(loc).Date()
	return time.Date(y, mo, d+days, hh, mm, 0, 0, loc)
}
