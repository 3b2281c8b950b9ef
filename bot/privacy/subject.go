// Package privacy is kipina's data-subject rights and retention (GDPR
// arts. 15, 17, 20 and 5(1)(e); docs/privacy.md §4): finding every stored
// record that names a subject, exporting them as one JSON file, erasing
// the subject's personal data everywhere while keeping the aggregates
// (counts, scores, the funnel), and erasing an event's applications when
// the retention period after its follow-up ends.
package privacy

import (
	"strings"
	"unicode"
)

// Kind is what a subject argument names.
type Kind string

// The kinds of subject.
const (
	// App is an application id ("H0001"): the application and its people.
	App Kind = "application"
	// Person is a chat user ("@anna").
	Person Kind = "person"
	// Email is an e-mail address, as typed in applications or profiles.
	Email Kind = "email"
)

// Subject is whom an export or an erasure is about.
type Subject struct {
	Kind Kind `json:"kind"`
	// Value is the application id, the user id (without "@", as
	// bot.Mention reads it) or the e-mail address in lower case.
	Value string `json:"value"`
}

// maxArg bounds a subject argument (an e-mail address is at most 254
// bytes, RFC 5321).
const maxArg = 254

// ParseSubject reads what a person typed after "privacy export" or
// "privacy erase": "@person" (a mention, read as bot.Mention does:
// sentence punctuation after it is dropped), an e-mail address (one "@"
// with text on both sides and a dot in the domain), or an application id
// (letters, digits, "-" and "_"). It reports false for anything else.
func ParseSubject(arg string) (Subject, bool) {
	arg = strings.TrimSpace(arg)
	if arg == "" || len(arg) > maxArg {
		return Subject{}, false
	}
	if strings.HasPrefix(arg, "@") {
		id := strings.TrimRight(strings.TrimPrefix(arg, "@"), ".,:;!?")
		if id == "" || strings.ContainsFunc(id, func(r rune) bool { return unicode.IsSpace(r) || r == '@' || r == ':' || r == '/' }) {
			return Subject{}, false
		}
		return Subject{Kind: Person, Value: id}, true
	}
	if local, domain, ok := strings.Cut(arg, "@"); ok {
		domain = strings.TrimRight(domain, ".,;!?")
		if local == "" || domain == "" || strings.Contains(domain, "@") || !strings.Contains(strings.Trim(domain, "."), ".") ||
			strings.ContainsFunc(arg, func(r rune) bool { return unicode.IsSpace(r) || r == '<' || r == '>' || r == ':' || r == '/' }) {
			return Subject{}, false
		}
		return Subject{Kind: Email, Value: strings.ToLower(local + "@" + domain)}, true
	}
	for _, r := range arg {
		if !(r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)) || r == '-' || r == '_') {
			return Subject{}, false
		}
	}
	return Subject{Kind: App, Value: arg}, true
}
