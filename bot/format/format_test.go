package format

import (
	"math"
	"testing"
	"time"
)

func TestDecimal(t *testing.T) {
	for _, c := range []struct {
		lang string
		x    float64
		prec int
		want string
	}{
		{"fi", 0.51, 2, "0,51"}, {"sv", 0.27, 2, "0,27"}, {"en", 0.51, 2, "0.51"},
		{"fi", 2.345, 2, "2,35"}, {"fi", -0.001, 2, "0,00"}, {"fi", 300, 0, "300"},
		{"fi", math.NaN(), 2, "–"}, {"xx", 1.5, 1, "1,5"},
	} {
		if got := Decimal(c.lang, c.x, c.prec); got != c.want {
			t.Errorf("Decimal(%s, %v, %d) = %q, want %q", c.lang, c.x, c.prec, got, c.want)
		}
	}
}

func TestPercent(t *testing.T) {
	for _, c := range []struct {
		lang        string
		part, whole int
		want        string
	}{
		{"fi", 9, 11, "82 %"}, // rounded, not truncated to 81
		{"sv", 9, 11, "82 %"}, {"en", 9, 11, "82%"},
		{"fi", 1, 3, "33 %"}, {"fi", 2, 3, "67 %"}, {"fi", 0, 0, "0 %"}, {"fi", 11, 11, "100 %"},
	} {
		if got := Percent(c.lang, c.part, c.whole); got != c.want {
			t.Errorf("Percent(%s, %d/%d) = %q, want %q", c.lang, c.part, c.whole, got, c.want)
		}
	}
	if got := PercentValue("fi", 99.95, 1); got != "100,0 %" {
		t.Errorf("PercentValue = %q", got)
	}
	if RoundPercent(9, 11) != 82 || RoundPercent(1, 200) != 1 || RoundPercent(0, 0) != 0 {
		t.Error("RoundPercent")
	}
}

func TestClock(t *testing.T) {
	at := time.Date(2027, 2, 10, 9, 5, 0, 0, time.UTC)
	for lang, want := range map[string]string{"fi": "9.05", "sv": "9.05", "en": "9:05"} {
		if got := Clock(lang, at); got != want {
			t.Errorf("Clock(%s) = %q, want %q", lang, got, want)
		}
	}
	if got := ClockRange("fi", at, at.Add(14*time.Hour+55*time.Minute)); got != "9.05–0.00" {
		t.Errorf("ClockRange = %q", got)
	}
	if got := ClockRange("fi", at.Add(-9*time.Hour-5*time.Minute), at.Add(time.Hour)); got != "0.00–10.05" {
		t.Errorf("ClockRange = %q", got)
	}
}

func TestIntRange(t *testing.T) {
	if IntRange(4, 4) != "4" || IntRange(3, 4) != "3–4" {
		t.Error(IntRange(4, 4), IntRange(3, 4))
	}
}

func TestAnd(t *testing.T) {
	for _, c := range []struct {
		lang  string
		items []string
		want  string
	}{
		{"fi", []string{"@liisa", "@pekka"}, "@liisa ja @pekka"},
		{"fi", []string{"a", "b", "c"}, "a, b ja c"},
		{"sv", []string{"a", "b", "c"}, "a, b och c"},
		{"en", []string{"a", "b", "c"}, "a, b and c"},
		{"en", []string{"@olli"}, "@olli"},
		{"fi", nil, ""},
	} {
		if got := And(c.lang, c.items); got != c.want {
			t.Errorf("And(%s, %q) = %q, want %q", c.lang, c.items, got, c.want)
		}
	}
}
