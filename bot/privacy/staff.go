package privacy

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/kipina/kipina/bot/followup"
	"github.com/kipina/kipina/bot/jury"
	"github.com/kipina/kipina/storage"
)

// notPeople are the audit log's "who" of the bot itself: not personal
// data, kept.
var notPeople = []string{"", "system", "retention"}

// eraseStaff erases, at an event's retention, the personal data the
// event's staff left about it (docs/privacy.md §4), with pseudonyms from
// pm (one per person, the same across records, so distinct people stay
// distinct in counts):
//
//   - the jury's conflict-of-interest declarations: their text emptied and
//     the juror pseudonymised, in the declarations and in the per-juror
//     conflicts (the applications a conflict was with stay);
//   - the event's review comments (scores and abstentions stay);
//   - the follow-up pairs' close reasons and the reasons of their changes,
//     and who made each change (stages and dates stay: the funnel);
//   - the audit log's personal fields for the event and its applications
//     (subject event/<id> or app/<id>): who (pseudonymised, unless it is
//     the bot) and the detail (emptied, except the counts-only entries of
//     privacy itself); time, action and subject stay.
//
// It returns how many records it changed.
func eraseStaff(tx *storage.Tx, ws, event string, apps []string, pm *matcher) (int, error) {
	who := func(s string) string {
		if slices.Contains(notPeople, s) || strings.HasPrefix(s, "erased-") {
			return s
		}
		return pm.pseudonym(s)
	}
	n := 0
	j, ok, err := jury.Juries.Lookup(tx, ws, event)
	if err != nil {
		return n, err
	}
	if ok && (len(j.Declared) > 0 || len(j.Conflicts) > 0) {
		for i := range j.Declared {
			j.Declared[i].Text, j.Declared[i].Juror = "", who(j.Declared[i].Juror)
		}
		if len(j.Conflicts) > 0 {
			c := make(map[string][]string, len(j.Conflicts))
			for u, as := range j.Conflicts {
				c[who(u)] = as
			}
			j.Conflicts = c
		}
		if err := jury.Juries.Put(tx, ws, event, j); err != nil {
			return n, err
		}
		n++
	}
	reviews := map[string]jury.Review{}
	err = jury.Reviews.Scan(tx, ws, event+"/", func(k string, rv jury.Review) error {
		if rv.Event == event && rv.Comment != "" {
			rv.Comment = ""
			reviews[k] = rv
		}
		return nil
	})
	if err != nil {
		return n, err
	}
	for k, rv := range reviews {
		if err := jury.Reviews.Put(tx, ws, k, rv); err != nil {
			return n, err
		}
		n++
	}
	pairs, err := followup.EventPairs(tx, ws, event)
	if err != nil {
		return n, err
	}
	for _, p := range pairs {
		changed := p.Reason != ""
		p.Reason = ""
		for i, c := range p.History {
			p.History[i].Reason, p.History[i].Who = "", who(c.Who)
			changed = changed || c != p.History[i]
		}
		if !changed {
			continue
		}
		if err := followup.Pairs.Put(tx, ws, followup.PairKey(event, p.App), p); err != nil {
			return n, err
		}
		n++
	}
	subjects := map[string]bool{"event/" + event: true}
	for _, a := range apps {
		subjects["app/"+a] = true
	}
	changed := map[string][]byte{}
	err = tx.ScanRaw(ws, "audit", func(k string, v []byte) error {
		subject, _, _ := strings.Cut(k, "\x00")
		if !subjects[subject] {
			return nil
		}
		var e storage.AuditEntry
		if err := json.Unmarshal(v, &e); err != nil {
			return fmt.Errorf("audit entry %q: %w", k, err)
		}
		ne := e
		ne.Who = who(e.Who)
		if !strings.HasPrefix(e.Action, "privacy.") {
			ne.Detail = ""
		}
		if ne == e {
			return nil
		}
		b, err := json.Marshal(ne)
		if err != nil {
			return err
		}
		changed[k] = b
		return nil
	})
	if err != nil {
		return n, err
	}
	for k, b := range changed {
		if err := tx.PutRaw(ws, "audit", k, b); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}
