package bot

import "time"

// FinnishHoliday reports whether a date is a Finnish public holiday on which
// the bot does not disturb people: New Year, Epiphany, Good Friday, Easter
// Monday, May Day, Ascension Day, Midsummer Eve and Day, All Saints' Day
// (Saturday), Independence Day, Christmas Eve, Christmas and Boxing Day.
// Easter, Ascension, Midsummer and All Saints' move from year to year.
func FinnishHoliday(y int, m time.Month, d int) bool {
	date := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	switch {
	case m == 1 && (d == 1 || d == 6), m == 5 && d == 1, m == 12 && (d == 6 || d == 24 || d == 25 || d == 26):
		return true
	}
	easter := Easter(y)
	for _, off := range []int{-2, 1, 39} { // Good Friday, Easter Monday, Ascension
		if date.Equal(easter.AddDate(0, 0, off)) {
			return true
		}
	}
	// Midsummer Eve is the Friday between 19 and 25 June, Midsummer Day the
	// Saturday after; All Saints' Day the Saturday between 31 Oct and 6 Nov.
	if m == 6 && ((d >= 19 && d <= 25 && date.Weekday() == time.Friday) || (d >= 20 && d <= 26 && date.Weekday() == time.Saturday)) {
		return true
	}
	return date.Weekday() == time.Saturday && ((m == 10 && d == 31) || (m == 11 && d <= 6))
}

// Easter returns Easter Sunday of year y (Gregorian, anonymous algorithm).
func Easter(y int) time.Time {
	a, b, c := y%19, y/100, y%100
	d, e := b/4, b%4
	f := (b + 8) / 25
	g := (b - f + 1) / 3
	h := (19*a + b - d - g + 15) % 30
	i, k := c/4, c%4
	l := (32 + 2*e + 2*i - h - k) % 7
	m := (a + 11*h + 22*l) / 451
	month := (h + l - 7*m + 114) / 31
	day := (h+l-7*m+114)%31 + 1
	return time.Date(y, time.Month(month), day, 0, 0, 0, 0, time.UTC)
}
