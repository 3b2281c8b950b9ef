package day

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/kipina/kipina/bot/schedule"
)

// badWord is an argument word that does not read: Word is what the person
// typed (shown back to them in a usage message), Why the reason for logs
// and tests.
type badWord struct{ Word, Why string }

func (e *badWord) Error() string { return fmt.Sprintf("%q: %s", e.Word, e.Why) }

// wordOf returns the word err blames, or def when err is not a badWord.
func wordOf(err error, def string) string {
	var bw *badWord
	if errors.As(err, &bw) {
		return bw.Word
	}
	return def
}

// options are a command's key=value arguments; a key given more than once
// (break=…) keeps every value.
type options map[string][]string

// parseOptions reads key=value words; allowed lists the keys accepted. It
// returns the first offending word.
func parseOptions(words []string, allowed ...string) (options, string) {
	out := options{}
	for _, w := range words {
		k, v, ok := strings.Cut(w, "=")
		k = strings.ToLower(strings.TrimSpace(k))
		if !ok || strings.TrimSpace(v) == "" || !contains(allowed, k) {
			return nil, w
		}
		out[k] = append(out[k], strings.TrimSpace(v))
	}
	return out, ""
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// last returns the last value of key, or def.
func (o options) last(key, def string) string {
	if v := o[key]; len(v) > 0 {
		return v[len(v)-1]
	}
	return def
}

// minutes reads a positive number of minutes of key (def when absent)
// within [lo, hi]; the error is a *badWord.
func (o options) minutes(key string, def, lo, hi int) (int, error) {
	s := o.last(key, "")
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(strings.TrimSuffix(s, "min"))
	if err != nil || n < lo || n > hi {
		return 0, &badWord{Word: key + "=" + s, Why: fmt.Sprintf("want %d–%d", lo, hi)}
	}
	return n, nil
}

// parseClock reads "09:00", "9.00" or "9"; the error is a *badWord.
func parseClock(s string) (hh, mm int, err error) {
	word := strings.TrimSpace(s)
	s = strings.ReplaceAll(word, ".", ":")
	h, m, hasMin := strings.Cut(s, ":")
	if hh, err = strconv.Atoi(h); err != nil || hh < 0 || hh > 23 {
		return 0, 0, &badWord{Word: word, Why: "want HH:MM"}
	}
	if hasMin {
		if mm, err = strconv.Atoi(m); err != nil || mm < 0 || mm > 59 || len(m) != 2 {
			return 0, 0, &badWord{Word: word, Why: "want HH:MM"}
		}
	}
	return hh, mm, nil
}

// onDay turns a wall-clock time into a moment on the event's day.
func onDay(day time.Time, loc *time.Location, clock string) (time.Time, error) {
	hh, mm, err := parseClock(clock)
	if err != nil {
		return time.Time{}, err
	}
	return schedule.At(day, 0, hh, mm, loc), nil
}

// parseSpans reads "10:30-10:45,12:00-12:45" (one or more values) on the
// event's day; the error is a *badWord naming the span that does not read.
func parseSpans(day time.Time, loc *time.Location, values []string) ([]Span, error) {
	var out []Span
	for _, v := range values {
		for _, part := range strings.Split(v, ",") {
			a, b, ok := strings.Cut(strings.TrimSpace(part), "-")
			if !ok {
				return nil, &badWord{Word: part, Why: "want HH:MM-HH:MM"}
			}
			s, err := onDay(day, loc, a)
			if err != nil {
				return nil, &badWord{Word: part, Why: err.Error()}
			}
			e, err := onDay(day, loc, b)
			if err != nil {
				return nil, &badWord{Word: part, Why: err.Error()}
			}
			if !e.After(s) {
				return nil, &badWord{Word: part, Why: "the end must come after the start"}
			}
			out = append(out, Span{Start: s, End: e})
		}
	}
	return out, nil
}

// afterBreaks returns the first moment from t at which a slot of length d
// overlaps no break.
func afterBreaks(t time.Time, d time.Duration, breaks []Span) time.Time {
	for moved := true; moved; {
		moved = false
		for _, b := range breaks {
			if (Span{Start: t, End: t.Add(d)}).Overlaps(b) {
				t, moved = b.End, true
			}
		}
	}
	return t
}

// slotsIn cuts the window into slots of d that overlap no break, at most
// max of them.
func slotsIn(window Span, d time.Duration, breaks []Span, max int) []Span {
	var out []Span
	for t := afterBreaks(window.Start, d, breaks); !t.Add(d).After(window.End) && len(out) < max; t = afterBreaks(t.Add(d), d, breaks) {
		out = append(out, Span{Start: t, End: t.Add(d)})
	}
	return out
}
