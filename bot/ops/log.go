package ops

import (
	"io"
	"log/slog"
	"strings"
)

// NewLogger returns a structured logger writing to w: JSON when format is
// "json", else text, at the level lv holds (changeable while running). A
// value under a key that names a secret (token, secret, password,
// authorization, cookie) is replaced with "[redacted]" as a last defence:
// callers never log secrets in the first place.
func NewLogger(w io.Writer, format string, lv *slog.LevelVar) *slog.Logger {
	o := &slog.HandlerOptions{Level: lv, ReplaceAttr: redact}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, o))
	}
	return slog.New(slog.NewTextHandler(w, o))
}

var secretKeys = []string{"token", "secret", "password", "authorization", "cookie"}

func redact(_ []string, a slog.Attr) slog.Attr {
	k := strings.ToLower(a.Key)
	for _, s := range secretKeys {
		if strings.Contains(k, s) {
			return slog.String(a.Key, "[redacted]")
		}
	}
	return a
}

// ToggleDebug switches lv between debug and base and returns the new
// level: what SIGUSR1 does.
func ToggleDebug(lv *slog.LevelVar, base slog.Level) slog.Level {
	if lv.Level() == slog.LevelDebug {
		lv.Set(base)
	} else {
		lv.Set(slog.LevelDebug)
	}
	return lv.Level()
}
