package privacy

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/kipina/kipina/bot"
	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/bot/round"
	"github.com/kipina/kipina/storage"
)

// Record is one stored record that names a subject, as stored.
type Record struct {
	// Scope is "workspace" (the workspace's data) or "system" (delivery:
	// the outbox and due items).
	Scope  string          `json:"scope"`
	Bucket string          `json:"bucket"`
	Key    string          `json:"key"`
	Value  json.RawMessage `json:"value"`
}

// Found is everything stored about a subject in one workspace.
type Found struct {
	Subject Subject `json:"subject"`
	// Users are the chat user ids whose records are the subject's.
	Users []string `json:"users"`
	// Apps are the applications whose personal data is the subject's
	// (erased in full); Linked are other applications of the same
	// business ids (exported; their mentions of the subject are erased).
	Apps   []string `json:"applications"`
	Linked []string `json:"linked_applications,omitempty"`
	// Records are the stored records naming the subject, by scope, bucket
	// and key.
	Records []Record `json:"records"`

	m *matcher
	// appIDs, when set, are the applications of an App subject (an
	// event's, for retention); else Subject.Value is.
	appIDs []string
}

// Counts returns how many records of each bucket name the subject.
func (f *Found) Counts() map[string]int {
	out := map[string]int{}
	for _, r := range f.Records {
		out[r.Bucket]++
	}
	return out
}

// CountLines formats Counts as "bucket: n" lines in bucket order.
func (f *Found) CountLines() string {
	c := f.Counts()
	names := make([]string, 0, len(c))
	for n := range c {
		names = append(names, n)
	}
	sort.Strings(names)
	var sb strings.Builder
	for _, n := range names {
		fmt.Fprintf(&sb, "• %s: %d\n", n, c[n])
	}
	return strings.TrimRight(sb.String(), "\n")
}

// minToken is the shortest text searched for as a name, an address or a
// company: shorter ones would match inside unrelated words.
const minToken = 3

// minText is the shortest free text (a summary, a reference) searched for
// where it was copied (messages quoting it).
const minText = 12

// Find returns every record of workspace ws naming s: the subject's
// applications (as owner, by e-mail, or the application named), the
// records keyed by or referring to them (reviews and their comments,
// matches and routing, day meetings and requests, follow-up pairs and
// answers, audit entries), records naming the subject's user ids, e-mail
// addresses, names, companies and business ids, and the outbox messages
// and due items of ws addressed to or naming them. An unknown application
// or a subject with no record at all is refused (privacy.not_found).
func Find(tx *storage.Tx, ws string, s Subject) (*Found, error) {
	return find(tx, ws, &Found{Subject: s, m: newMatcher()})
}

func find(tx *storage.Tx, ws string, f *Found) (*Found, error) {
	s := f.Subject
	if err := f.resolve(tx, ws); err != nil {
		return nil, err
	}
	if err := f.scan(tx, ws); err != nil {
		return nil, err
	}
	if len(f.Records) == 0 {
		return nil, bot.Refuse("privacy.not_found", "Subject", s.Value)
	}
	return f, nil
}

func (f *Found) resolve(tx *storage.Tx, ws string) error {
	m := f.m
	var own []round.Application
	addOwn := func(a round.Application) {
		if !slices.ContainsFunc(own, func(o round.Application) bool { return o.ID == a.ID }) {
			own = append(own, a)
		}
	}
	person := func(u chat.UserRef) error {
		m.users[u.User] = true
		usr, found, err := bot.Users.Lookup(tx, ws, u.Platform+":"+u.User)
		if err != nil {
			return err
		}
		if found {
			m.token(usr.Profile.Name, minToken)
			m.token(usr.Profile.Email, minToken)
		}
		apps, err := round.PersonApps(tx, ws, u)
		if err != nil {
			return err
		}
		for _, a := range apps {
			if a.Owner == u {
				addOwn(a)
			}
		}
		return nil
	}
	all, err := round.EventApps(tx, ws, "")
	if err != nil {
		return err
	}
	switch f.Subject.Kind {
	case App:
		ids := f.appIDs
		if ids == nil {
			ids = []string{f.Subject.Value}
		}
		for _, id := range ids {
			i := slices.IndexFunc(all, func(a round.Application) bool { return strings.EqualFold(a.ID, id) })
			if i < 0 {
				return bot.Refuse("privacy.not_found", "Subject", id)
			}
			addOwn(all[i])
		}
	case Person:
		var refs []chat.UserRef
		err := bot.Users.Scan(tx, ws, "", func(_ string, u bot.User) error {
			if u.Ref.User == f.Subject.Value {
				refs = append(refs, u.Ref)
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, a := range all {
			for _, u := range append([]chat.UserRef{a.Owner}, a.Contacts...) {
				if u.User == f.Subject.Value && !slices.Contains(refs, u) {
					refs = append(refs, u)
				}
			}
		}
		m.users[f.Subject.Value] = true
		for _, u := range refs {
			if err := person(u); err != nil {
				return err
			}
		}
	case Email:
		m.token(f.Subject.Value, minToken)
		var refs []chat.UserRef
		err := bot.Users.Scan(tx, ws, "", func(_ string, u bot.User) error {
			if strings.EqualFold(u.Profile.Email, f.Subject.Value) {
				refs = append(refs, u.Ref)
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, u := range refs {
			if err := person(u); err != nil {
				return err
			}
		}
	}
	// Applications sent with the subject's e-mail are theirs too.
	for _, a := range all {
		if a.Email != "" && m.isToken(a.Email) {
			addOwn(a)
		}
	}
	bids := map[string]bool{}
	for _, a := range own {
		m.apps[a.ID] = true
		f.Apps = append(f.Apps, a.ID)
		for _, s := range []string{a.Contact, a.Email, a.Company, a.BusinessID, a.Website} {
			m.token(s, minToken)
		}
		for _, s := range []string{a.Summary, a.References, a.Pilot, a.Deck} {
			m.token(s, minText)
		}
		if a.BusinessID != "" {
			bids[a.BusinessID] = true
		}
	}
	// The people of the subject's applications are erased with them when
	// they have no other application (an application's contact who also
	// applied elsewhere keeps that one).
	for _, a := range own {
		for _, u := range append([]chat.UserRef{a.Owner}, a.Contacts...) {
			if u.User == "" || m.users[u.User] {
				continue
			}
			theirs, err := round.PersonApps(tx, ws, u)
			if err != nil {
				return err
			}
			if !slices.ContainsFunc(theirs, func(x round.Application) bool { return !m.apps[x.ID] }) {
				if err := person(u); err != nil {
					return err
				}
			}
		}
	}
	for _, a := range all {
		if !m.apps[a.ID] && bids[a.BusinessID] {
			f.Linked = append(f.Linked, a.ID)
		}
	}
	for u := range m.users {
		f.Users = append(f.Users, u)
	}
	sort.Strings(f.Users)
	sort.Strings(f.Apps)
	return nil
}

// sysBuckets are the system scope's buckets that hold a workspace's
// personal data: messages and due items.
var sysBuckets = []string{"outbox", "due"}

func (f *Found) scan(tx *storage.Tx, ws string) error {
	names, err := tx.BucketNames(ws)
	if err != nil {
		return err
	}
	for _, name := range names {
		err := tx.ScanRaw(ws, name, func(k string, v []byte) error {
			if _, _, hit := f.m.record(k, v, false); hit {
				f.Records = append(f.Records, Record{Scope: "workspace", Bucket: name, Key: k, Value: jsonOrString(v)})
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	for _, name := range sysBuckets {
		err := tx.ScanRaw("", name, func(k string, v []byte) error {
			if !ofWorkspace(v, ws) {
				return nil
			}
			if _, _, hit := f.m.record(k, v, true); hit {
				f.Records = append(f.Records, Record{Scope: "system", Bucket: name, Key: k, Value: jsonOrString(v)})
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// ofWorkspace reports whether a system record (an outbox item, a due
// item) belongs to ws.
func ofWorkspace(v []byte, ws string) bool {
	var probe struct {
		To        struct{ Workspace string } `json:"to"`
		Workspace string                     `json:"workspace"`
	}
	if err := json.Unmarshal(v, &probe); err != nil {
		return false
	}
	return probe.To.Workspace == ws || probe.Workspace == ws
}

func jsonOrString(v []byte) json.RawMessage {
	if json.Valid(v) {
		return v
	}
	b, err := json.Marshal(string(v))
	if err != nil {
		return json.RawMessage(`null`)
	}
	return b
}

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
