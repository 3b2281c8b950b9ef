package bot

import (
	"strings"
	"time"

	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/bot/format"
)

// FormatDate writes a date the way lang writes dates (layout from the
// locale files).
func (r *Request) FormatDate(t time.Time) string {
	return r.Env.FormatTime(r.Lang, "format.date", t, r.WS.Loc)
}

// FormatDateTime writes a date and time in lang in the workspace's zone.
func (r *Request) FormatDateTime(t time.Time) string {
	return r.Env.FormatTime(r.Lang, "format.datetime", t, r.WS.Loc)
}

// FormatTime formats t in loc with the Go layout stored under id for lang.
// A time of day in the layout ("15.04" or "15:04") is written by
// format.Clock, without the leading zero Go's layouts cannot drop
// ("klo 9.15", not "klo 09.15").
func (e *Env) FormatTime(lang, id string, t time.Time, loc *time.Location) string {
	layout := e.Cat.T(lang, id)
	t = t.In(loc)
	for _, tok := range []string{"15.04", "15:04"} {
		if before, after, ok := strings.Cut(layout, tok); ok {
			return t.Format(before) + format.Clock(lang, t) + t.Format(after)
		}
	}
	return t.Format(layout)
}

// Clock writes the time of day of t in loc in lang's style: "9.15" in
// Finnish and Swedish, "9:15" in English (format.Clock).
func (e *Env) Clock(lang string, t time.Time, loc *time.Location) string {
	return format.Clock(lang, t.In(loc))
}

// ClockRange writes from–to in loc in lang's style: "9.00–9.15".
func (e *Env) ClockRange(lang string, from, to time.Time, loc *time.Location) string {
	return format.ClockRange(lang, from.In(loc), to.In(loc))
}

// Count writes n with the plural form of message id in lang (the message
// has one/other forms using {{.Count}}): for a message with two counts,
// each count is written by Count and passed as text, so each chooses its
// own plural ("kerran", "2 kertaa").
func (e *Env) Count(lang, id string, n int) string {
	return e.Cat.T(lang, id, "Count", n)
}

// Decimal writes x with prec decimals in lang's style ("0,51" in fi/sv).
func (r *Request) Decimal(x float64, prec int) string { return format.Decimal(r.Lang, x, prec) }

// Clock writes the time of day of t in the workspace zone in the asker's
// language.
func (r *Request) Clock(t time.Time) string { return r.Env.Clock(r.Lang, t, r.WS.Loc) }

// Option is a select option whose label comes from the locale files.
func (r *Request) Option(value, id string) chat.Option {
	return chat.Option{Value: value, Label: r.T(id)}
}

// Button is a button whose label comes from the locale files.
func (r *Request) Button(actionID, id string) chat.Control {
	return chat.Control{Kind: chat.Button, ID: actionID, Label: r.T(id)}
}

// Clip trims s and shortens it to at most n characters, ending in "…" when
// it was cut: for summaries in prompts and lists.
func Clip(s string, n int) string {
	s = strings.TrimSpace(s)
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
