package privacy

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// matcher finds and rewrites what names a subject in a record.
type matcher struct {
	apps  map[string]bool
	users map[string]bool
	// tokens are names, addresses, companies, business ids and copied
	// free texts, matched case-insensitively at word bounds.
	tokens map[string]bool
	pseudo map[string]string
}

func newMatcher() *matcher {
	return &matcher{apps: map[string]bool{}, users: map[string]bool{}, tokens: map[string]bool{}, pseudo: map[string]string{}}
}

func (m *matcher) token(s string, minLen int) {
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) >= minLen {
		m.tokens[strings.ToLower(s)] = true
	}
}

func (m *matcher) isToken(s string) bool { return m.tokens[strings.ToLower(strings.TrimSpace(s))] }

// pseudonym returns the stand-in of an erased value: the same within one
// erasure (so distinct people stay distinct in counts), random, so it
// cannot be traced back.
func (m *matcher) pseudonym(s string) string {
	key := strings.ToLower(s)
	if p, ok := m.pseudo[key]; ok {
		return p
	}
	var b [5]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(fmt.Sprintf("privacy: random: %v", err)) // crypto/rand does not fail on supported systems
	}
	p := "erased-" + hex.EncodeToString(b[:])
	m.pseudo[key] = p
	return p
}

// freeText are the record fields holding free text or contact details: in
// a record about a subject's application or by the subject they are
// emptied.
var freeText = map[string]bool{
	"company": true, "contact_name": true, "email": true, "business_id": true, "website": true,
	"summary": true, "references": true, "pilot": true, "deck": true,
	"comment": true, "reason": true, "text": true, "detail": true, "address": true,
	"name": true, "label": true, "value": true,
}

// personFields are the fields naming who a record's object is by or for.
var personFields = []string{"user", "juror", "person", "who", "owner", "by", "to", "taken"}

// keySeps split a key into its parts ("event/app/juror", "ws\x00app").
func keySep(r rune) bool { return r == '/' || r == 0 || r == ':' }

// record checks one stored record: its new key and value with the
// subject erased, whether they changed, and whether the record names the
// subject at all. whole says the record is about the subject as a whole
// (a system record: a message or a due item naming them).
func (m *matcher) record(k string, v []byte, whole bool) (string, []byte, bool) {
	nk, khit, about := m.key(k)
	dec := json.NewDecoder(bytes.NewReader(v))
	dec.UseNumber()
	var val any
	if err := dec.Decode(&val); err != nil {
		if m.hasToken(string(v)) || khit {
			return nk, nil, true // not JSON: the caller deletes it
		}
		return k, v, false
	}
	if whole && !about {
		_, probe := m.walk(val, false)
		about = probe || khit
	}
	nv, vhit := m.walk(val, about)
	if !khit && !vhit {
		return k, v, false
	}
	out, err := json.Marshal(nv)
	if err != nil {
		return nk, nil, true
	}
	return nk, out, true
}

// key returns the key with the subject's ids replaced, whether it names
// the subject, and whether it is keyed by a subject's application (the
// record is about it as a whole).
func (m *matcher) key(k string) (string, bool, bool) {
	hit, about := false, false
	var sb strings.Builder
	start := 0
	flush := func(end int) {
		seg := k[start:end]
		switch {
		case m.apps[seg]:
			hit, about = true, true
			sb.WriteString(seg)
		case m.users[seg] || (seg != "" && m.isToken(seg)):
			hit = true
			sb.WriteString(m.pseudonym(seg))
		default:
			sb.WriteString(seg)
		}
	}
	for i, r := range k {
		if keySep(r) {
			flush(i)
			sb.WriteRune(r)
			start = i + utf8.RuneLen(r)
		}
	}
	flush(len(k))
	if !hit && m.hasToken(k) {
		return m.replace(k), true, false
	}
	return sb.String(), hit, about
}

// about reports whether an object is about the subject: it names one of
// their applications as "app", or one of their user ids as who it is by
// or for.
func (m *matcher) about(o map[string]any) bool {
	if s, ok := o["app"].(string); ok && m.apps[s] {
		return true
	}
	for _, f := range personFields {
		switch x := o[f].(type) {
		case string:
			if m.users[x] || m.userIn(x) {
				return true
			}
		case map[string]any:
			if s, ok := x["user"].(string); ok && m.users[s] {
				return true
			}
		}
	}
	return false
}

// userIn reports whether s names a subject's user id as one of its
// "/"-separated parts ("shell/demo/anna").
func (m *matcher) userIn(s string) bool {
	for _, p := range strings.FieldsFunc(s, keySep) {
		if m.users[p] {
			return true
		}
	}
	return false
}

// walk returns v with the subject erased and whether it named the
// subject. In scope (an object about the subject), free-text fields are
// emptied.
func (m *matcher) walk(v any, scope bool) (any, bool) {
	switch x := v.(type) {
	case map[string]any:
		hit := false
		if !scope && m.about(x) {
			scope, hit = true, true
		}
		out := make(map[string]any, len(x))
		for k, val := range x {
			nk := k
			if m.users[k] || m.isToken(k) {
				nk, hit = m.pseudonym(k), true
			} else if m.apps[k] {
				hit = true
			}
			if s, ok := val.(string); ok && scope && freeText[strings.ToLower(k)] && s != "" {
				out[nk], hit = "", true
				continue
			}
			nv, h := m.walk(val, scope)
			out[nk], hit = nv, hit || h
		}
		return out, hit
	case []any:
		hit := false
		out := make([]any, len(x))
		for i, val := range x {
			nv, h := m.walk(val, scope)
			out[i], hit = nv, hit || h
		}
		return out, hit
	case string:
		if m.apps[x] || m.appIn(x) {
			return m.replace(x), true
		}
		if m.users[x] {
			return m.pseudonym(x), true
		}
		ns := m.replace(x)
		return ns, ns != x
	}
	return v, false
}

// appIn reports whether s mentions one of the subject's applications as a
// word ("demo/confirm/H0001", "Hakemus H0001 …").
func (m *matcher) appIn(s string) bool {
	for a := range m.apps {
		if indexWord(s, a, 0) >= 0 {
			return true
		}
	}
	return false
}

func (m *matcher) hasToken(s string) bool { return m.replace(s) != s }

// replace returns s with each token and user id, where it stands as a
// word, replaced by its pseudonym; longest first, tokens case-insensitively.
func (m *matcher) replace(s string) string {
	type tok struct {
		s    string
		fold bool
	}
	var toks []tok
	for t := range m.tokens {
		toks = append(toks, tok{t, true})
	}
	for u := range m.users {
		if utf8.RuneCountInString(u) >= 2 {
			toks = append(toks, tok{u, false})
		}
	}
	sort.Slice(toks, func(i, j int) bool {
		if len(toks[i].s) != len(toks[j].s) {
			return len(toks[i].s) > len(toks[j].s)
		}
		return toks[i].s < toks[j].s
	})
	for _, t := range toks {
		s = replaceWord(s, t.s, t.fold, m.pseudonym(t.s))
	}
	return s
}

// replaceWord replaces each occurrence of tok in s that stands as a word
// (no letter, digit or "_" right before or after it) with repl; fold
// matches ASCII and simple Unicode case-insensitively.
func replaceWord(s, tok string, fold bool, repl string) string {
	hay := s
	if fold {
		hay = strings.ToLower(s)
		if len(hay) != len(s) { // a case mapping changed lengths: match exactly
			hay = s
		}
	}
	var sb strings.Builder
	last := 0
	for from := 0; ; {
		i := indexWord(hay, tok, from)
		if i < 0 {
			break
		}
		sb.WriteString(s[last:i])
		sb.WriteString(repl)
		last = i + len(tok)
		from = last
	}
	if last == 0 {
		return s
	}
	sb.WriteString(s[last:])
	return sb.String()
}

// indexWord returns the first index at or after from where tok stands in
// s as a word, or -1.
func indexWord(s, tok string, from int) int {
	if tok == "" {
		return -1
	}
	for from <= len(s)-len(tok) {
		i := strings.Index(s[from:], tok)
		if i < 0 {
			return -1
		}
		i += from
		before, _ := utf8.DecodeLastRuneInString(s[:i])
		after, _ := utf8.DecodeRuneInString(s[i+len(tok):])
		if (i == 0 || !wordRune(before)) && (i+len(tok) == len(s) || !wordRune(after)) {
			return i
		}
		from = i + 1
	}
	return -1
}

func wordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' }
