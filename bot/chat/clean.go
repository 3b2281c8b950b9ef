package chat

import (
	"errors"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// ErrEncoding is Clean's error for text that is not valid UTF-8.
var ErrEncoding = errors.New("text is not valid UTF-8")

// Clean makes text a person typed safe to store and show, and equal to the
// same text typed or pasted another way:
//   - invalid UTF-8 is refused with ErrEncoding (not stored as U+FFFD);
//   - Unicode compatibility forms are folded (NFKC: full-width letters,
//     ligatures, non-breaking spaces become their plain forms);
//   - invisible characters are removed: zero-width spaces and joiners, the
//     byte-order mark, soft hyphens, bidirectional overrides and isolates
//     (Unicode category Cf);
//   - control characters are removed (category Cc: NUL, C1), with whole
//     ANSI escape sequences (ESC [ … final, ESC ] … BEL or ESC \);
//   - CR LF and lone CR become LF; in a multi-line text LF and tab stay, in
//     a single line each becomes a space.
//
// It does not trim spaces; Check and the flows do.
func Clean(s string, multiline bool) (string, error) {
	if !utf8.ValidString(s) {
		return "", ErrEncoding
	}
	s = stripANSI(s)
	s = norm.NFKC.String(s)
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		i += n
		switch {
		case r == '\r':
			if i < len(s) && s[i] == '\n' {
				continue
			}
			r = '\n'
		case r == '\n' || r == '\t':
		case unicode.Is(unicode.Cc, r), unicode.Is(unicode.Cf, r):
			continue
		}
		if (r == '\n' || r == '\t') && !multiline {
			r = ' '
		}
		b.WriteRune(r)
	}
	// NFKC of the cleaned text: removing a joiner may have made a new pair.
	return norm.NFKC.String(b.String()), nil
}

// CleanLine is Clean for a single line (a command's arguments) that
// replaces invalid UTF-8 instead of refusing it: a command has no field to
// show an error on, and what remains is still checked by its handler.
func CleanLine(s string) string {
	out, err := Clean(strings.ToValidUTF8(s, ""), false)
	if err != nil { // cannot happen: the input is valid UTF-8
		return ""
	}
	return out
}

// stripANSI removes ANSI escape sequences: CSI (ESC [ or U+009B, parameters,
// a final byte 0x40–0x7E), OSC, DCS, SOS, PM and APC strings (ESC ], P, X,
// ^, _ up to BEL or ESC \), and any other ESC with the character after it.
func stripANSI(s string) string {
	if !strings.ContainsAny(s, "\x1b\u009b") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == '\u009b' || (r == 0x1b && i+1 < len(s) && s[i+1] == '['):
			j := i + n
			if r == 0x1b {
				j = i + 2
			}
			for j < len(s) && (s[j] < 0x40 || s[j] > 0x7e) {
				j++
			}
			i = min(j+1, len(s))
		case r == 0x1b && i+1 < len(s) && strings.IndexByte("]PX^_", s[i+1]) >= 0:
			j := i + 2
			for j < len(s) && s[j] != 0x07 && !(s[j] == 0x1b && j+1 < len(s) && s[j+1] == '\\') {
				j++
			}
			switch {
			case j >= len(s):
				i = j
			case s[j] == 0x07:
				i = j + 1
			default:
				i = j + 2
			}
		case r == 0x1b:
			i += n
			if i < len(s) {
				_, m := utf8.DecodeRuneInString(s[i:])
				i += m
			}
		default:
			b.WriteString(s[i : i+n])
			i += n
		}
	}
	return b.String()
}

// CleanEvent cleans what a person typed into e before the core reads it: a
// command's arguments and a message's text (CleanLine; a message keeps its
// line breaks). A form's values are cleaned by Form.Check, which can refuse
// invalid UTF-8 with a field error.
func CleanEvent(e Event) {
	switch e := e.(type) {
	case *Command:
		e.Text = CleanLine(e.Text)
	case *Text:
		t, err := Clean(strings.ToValidUTF8(e.Text, ""), true)
		if err == nil {
			e.Text = t
		}
	}
}
