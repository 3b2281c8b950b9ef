package bot

import (
	"strings"
	"time"

	"github.com/kipina/kipina/bot/chat"
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
