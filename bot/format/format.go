// Package format writes numbers, times, ranges and lists the way each of
// the bot's languages writes them, so every message uses one style per
// language. The rules are in docs/messages.md; the sources are the
// Institute for the Languages of Finland (Kotus, "Kielitoimiston ohjepankki":
// decimal comma, "klo 9.15", "82 %", "a, b ja c") and the Swedish Language
// Council's "Svenska skrivregler" ("kl. 9.15", decimal comma, "82 %").
// English follows common British usage ("9:15", "82%", "a, b and c").
//
// lang is "fi", "sv" or "en"; anything else is written as Finnish, the
// bot's default language.
package format

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// comma reports whether lang writes decimals with a comma.
func comma(lang string) bool { return lang != "en" }

// Decimal writes x with prec decimals, rounded half away from zero:
// "0,51" in fi and sv, "0.51" in en. NaN and infinities are "–".
func Decimal(lang string, x float64, prec int) string {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return "–"
	}
	p := math.Pow(10, float64(prec))
	x = math.Round(x*p) / p
	if x == 0 {
		x = 0 // no "-0,00"
	}
	s := strconv.FormatFloat(x, 'f', prec, 64)
	if comma(lang) {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

// Percent writes part/whole as a whole percentage rounded to nearest (9/11
// is "82 %", not the truncated 81): "82 %" in fi and sv (a space before
// the sign), "82%" in en. A whole of 0 is 0 %.
func Percent(lang string, part, whole int) string {
	if whole == 0 {
		return PercentValue(lang, 0, 0)
	}
	return PercentValue(lang, 100*float64(part)/float64(whole), 0)
}

// PercentValue writes a percentage already computed (0–100) with prec
// decimals: "99,5 %" in fi and sv, "99.5%" in en.
func PercentValue(lang string, pct float64, prec int) string {
	if lang == "en" {
		return Decimal(lang, pct, prec) + "%"
	}
	return Decimal(lang, pct, prec) + " %"
}

// RoundPercent is part/whole in whole percent rounded to nearest, for a
// message that writes the sign itself.
func RoundPercent(part, whole int) int {
	if whole == 0 {
		return 0
	}
	return int(math.Round(100 * float64(part) / float64(whole)))
}

// Clock writes the time of day of t (in t's own zone) without a leading
// zero on the hour: "9.15" in fi and sv, "9:15" in en.
func Clock(lang string, t time.Time) string {
	sep := "."
	if lang == "en" {
		sep = ":"
	}
	return fmt.Sprintf("%d%s%02d", t.Hour(), sep, t.Minute())
}

// ClockRange writes a span of the same day with an en dash: "9.00–10.15".
func ClockRange(lang string, from, to time.Time) string {
	return Clock(lang, from) + "–" + Clock(lang, to)
}

// IntRange writes a range of counts with an en dash, or one number when
// both ends are equal: "3–4", "4".
func IntRange(lo, hi int) string {
	if lo == hi {
		return strconv.Itoa(lo)
	}
	return strconv.Itoa(lo) + "–" + strconv.Itoa(hi)
}

// And joins items into a list with the language's "and" before the last
// one and no serial comma: "a, b ja c", "a, b och c", "a, b and c".
func And(lang string, items []string) string {
	word := map[string]string{"en": " and ", "sv": " och "}[lang]
	if word == "" {
		word = " ja "
	}
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + word + items[len(items)-1]
}
