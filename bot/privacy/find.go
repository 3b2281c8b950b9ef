package privacy

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"

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
