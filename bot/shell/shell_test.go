package shell

import (
	"testing"
	"time"
)

func TestParseWait(t *testing.T) {
	for in, want := range map[string]time.Duration{"90m": 90 * time.Minute, "2h": 2 * time.Hour, "3d": 72 * time.Hour, "2w": 14 * 24 * time.Hour, " 1d ": 24 * time.Hour} {
		if got, err := ParseWait(in); err != nil || got != want {
			t.Errorf("ParseWait(%q) = %v, %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "d", "-1d", "3x", "-5m", "99999d"} {
		if _, err := ParseWait(bad); err == nil {
			t.Errorf("ParseWait(%q) accepted", bad)
		}
	}
}

func FuzzParseWait(f *testing.F) {
	for _, s := range []string{"90m", "3d", "2w", "x", "-1d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if d, err := ParseWait(s); err == nil && d < 0 {
			t.Fatalf("%q → negative %v", s, d)
		}
	})
}
