package bottest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/kipina/kipina/bot"
	"github.com/kipina/kipina/bot/locale"
)

// Cut is the marker UpTo, After and Pieces put in place of an argument to
// find where the fixed wording around it ends.
const Cut = "\x00"

// CountCut is the number UpTo puts in place of Count: Count chooses the
// plural form, so it cannot be a marker; 97 takes the "other" form in fi,
// en and sv.
const CountCut = 97

// UpTo renders message id in lang with kv and cutAt set to a marker, and
// returns the text before it: for a message whose tail a test does not
// pin. Expected texts are built this way from the catalogue, so a change
// of wording changes the expectation with it.
func UpTo(cat *locale.Catalog, lang, id, cutAt string, kv ...any) string {
	marker := any(Cut)
	if cutAt == "Count" {
		marker = CountCut
	}
	s, _, _ := strings.Cut(cat.T(lang, id, append(kv, cutAt, marker)...), fmt.Sprint(marker))
	return s
}

// After renders message id in lang with kv and cutAt set to a marker, and
// returns the text after it: for a message whose head a test does not pin.
func After(cat *locale.Catalog, lang, id, cutAt string, kv ...any) string {
	_, s, _ := strings.Cut(cat.T(lang, id, append(kv, cutAt, Cut)...), Cut)
	return s
}

// Pieces renders message id in lang with kv and each key of keys set to a
// marker, and returns the texts between the markers: the fixed wording
// around what varies.
func Pieces(cat *locale.Catalog, lang, id string, keys []string, kv ...any) []string {
	for _, k := range keys {
		kv = append(kv, k, Cut)
	}
	return strings.Split(cat.T(lang, id, kv...), Cut)
}

// ReadID reads name with codec as a handler would: ok is false when the
// id is refused as stale, and the test fails on any other error.
func ReadID[T any](t testing.TB, codec bot.IDCodec[T], name string) (v T, ok bool) {
	t.Helper()
	v, err := codec.Of(&bot.Request{Name: name})
	if err == nil {
		return v, true
	}
	if ref, isRefusal := bot.AsRefusal(err); !isRefusal || ref.ID != "error.stale" {
		t.Fatalf("%q: %v, want a stale refusal", name, err)
	}
	return v, false
}

// Indented is text as a transcript shows a message: each line after the
// first indented by the two spaces the terminal adapter puts before every
// line of a message, so a test can find a message of several lines whole.
func Indented(text string) string {
	return strings.ReplaceAll(text, "\n", "\n  ")
}
