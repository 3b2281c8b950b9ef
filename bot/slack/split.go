package slack

import (
	"strings"
	"unicode/utf8"

	"github.com/rivo/uniseg"
)

// atoms cuts mrkdwn text into the pieces a split must keep whole: an
// entity ("&amp;", "&#8203;"), a mention, channel or link in angle
// brackets ("<@U123>", "<https://x|label>"), or one grapheme cluster
// (a letter with its combining marks, an emoji with its modifiers).
func atoms(s string) []string {
	var out []string
	for s != "" {
		n := 0
		switch s[0] {
		case '&':
			if i := strings.IndexByte(s, ';'); i > 1 && i <= 10 && entityName(s[1:i]) {
				n = i + 1
			}
		case '<':
			if i := strings.IndexByte(s, '>'); i > 0 && !strings.Contains(s[:i], "\n") {
				n = i + 1
			}
		}
		if n == 0 {
			g, _, _, _ := uniseg.FirstGraphemeClusterInString(s, -1)
			n = len(g)
		}
		out = append(out, s[:n])
		s = s[n:]
	}
	return out
}

// entityName reports whether s is the inside of an HTML entity: letters,
// or '#' and digits.
func entityName(s string) bool {
	num := s[0] == '#'
	if num {
		s = s[1:]
	}
	if s == "" {
		return false
	}
	for _, r := range s {
		if num && (r < '0' || r > '9') || !num && !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}

// splitText cuts mrkdwn text into parts of at most max characters
// (runes, as Slack counts a section's text), never inside an atom (see
// atoms). A part ends at the last line break of its second half, else at
// the last space there, else at the last atom that fits; the line break
// or space at a cut is dropped. An atom longer than max (a huge link) is
// the only thing ever cut, by runes.
func splitText(s string, max int) []string {
	var out []string
	as := atoms(s)
	for len(as) > 0 {
		n, size, nl, sp := 0, 0, -1, -1
		for n < len(as) {
			w := utf8.RuneCountInString(as[n])
			if size+w > max {
				break
			}
			switch as[n] {
			case "\n":
				nl = n
			case " ":
				sp = n
			}
			size += w
			n++
		}
		if n == len(as) {
			out = append(out, strings.Join(as, ""))
			break
		}
		if n == 0 { // one atom longer than max
			r := []rune(as[0])
			out = append(out, string(r[:max]))
			as[0] = string(r[max:])
			continue
		}
		cut, skip := n, 0
		switch {
		case nl > n/2:
			cut, skip = nl, 1
		case sp > n/2:
			cut, skip = sp, 1
		}
		out = append(out, strings.Join(as[:cut], ""))
		as = as[cut+skip:]
		for len(as) > 0 && as[0] == "\n" {
			as = as[1:]
		}
	}
	return out
}
