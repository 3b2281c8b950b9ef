package privacy

import (
	"encoding/json"
	"fmt"

	"github.com/kipina/kipina/bot/outbox"
	"github.com/kipina/kipina/bot/schedule"
	"github.com/kipina/kipina/storage"
)

// Erase removes the personal data of the subject f was found for, in tx:
// it empties the free text and contact details of the subject's
// applications and of the records about them or by the subject (review
// and survey comments, change reasons, audit details), replaces the
// subject's user ids, names, addresses, companies and business ids
// wherever they stand (keys included) by random pseudonyms, deletes their
// user records, removes the undelivered outbox messages and the due items
// addressed to or naming them, and asks the store to overwrite its free
// pages after the commit (storage.Tx.ScrubAfterCommit), so the file keeps
// no copy. Counts, scores, states and the funnel stay. It returns how many
// records it changed or removed. Nothing is audited here: the caller
// records that an erasure happened, without its content.
func Erase(tx *storage.Tx, ws string, f *Found) (int, error) {
	type change struct {
		scope, bucket, key, newKey string
		value                      []byte
	}
	var changes []change
	names, err := tx.BucketNames(ws)
	if err != nil {
		return 0, err
	}
	for _, name := range names {
		err := tx.ScanRaw(ws, name, func(k string, v []byte) error {
			nk, nv, hit := f.m.record(k, v, false)
			if !hit {
				return nil
			}
			if name == "users" {
				nv = nil
			}
			changes = append(changes, change{ws, name, k, nk, nv})
			return nil
		})
		if err != nil {
			return 0, err
		}
	}
	n := 0
	for _, c := range changes {
		if err := tx.DeleteRaw(c.scope, c.bucket, c.key); err != nil {
			return n, err
		}
		if c.value != nil {
			if err := tx.PutRaw(c.scope, c.bucket, c.newKey, c.value); err != nil {
				return n, err
			}
		}
		n++
	}
	var msgs []outbox.Item
	var sent []change
	err = tx.ScanRaw("", "outbox", func(k string, v []byte) error {
		if !ofWorkspace(v, ws) {
			return nil
		}
		nk, nv, hit := f.m.record(k, v, true)
		if !hit {
			return nil
		}
		var it outbox.Item
		if err := json.Unmarshal(v, &it); err != nil {
			return fmt.Errorf("outbox item %s: %w", k, err)
		}
		if it.State == outbox.Sent {
			sent = append(sent, change{"", "outbox", k, nk, nv})
		} else {
			msgs = append(msgs, it)
		}
		return nil
	})
	if err != nil {
		return n, err
	}
	for _, it := range msgs {
		if err := outbox.Remove(tx, it); err != nil {
			return n, err
		}
		n++
	}
	for _, c := range sent {
		if c.value == nil || c.newKey != c.key {
			return n, fmt.Errorf("outbox item %s: cannot rewrite", c.key)
		}
		if err := tx.PutRaw("", "outbox", c.key, c.value); err != nil {
			return n, err
		}
		n++
	}
	var due []string
	err = tx.ScanRaw("", "due", func(k string, v []byte) error {
		if !ofWorkspace(v, ws) {
			return nil
		}
		if _, _, hit := f.m.record(k, v, true); !hit {
			return nil
		}
		var it schedule.Item
		if err := json.Unmarshal(v, &it); err != nil {
			return fmt.Errorf("due item %s: %w", k, err)
		}
		due = append(due, it.Key)
		return nil
	})
	if err != nil {
		return n, err
	}
	for _, key := range due {
		if err := schedule.Cancel(tx, key); err != nil {
			return n, err
		}
		n++
	}
	tx.ScrubAfterCommit()
	return n, nil
}
