package outbox

import (
	"fmt"
	"strings"
	"time"

	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/storage"
)

// DefaultRetention is how long a delivered message keeps its content when
// the configuration does not say (outbox.retention_days); see
// storage.DefaultRetention, whose value it is (migration 3 prunes with it).
const DefaultRetention = storage.DefaultRetention

// pruneBatch is how many messages one Prune transaction compacts at most,
// so that pruning a long history never holds the writer for long.
const pruneBatch = 2000

// Prune drops the content of messages delivered before before, at most
// max of them (the oldest first), and returns how many it compacted. What
// stays of each is its receipt: key, id, recipient, created, sent,
// attempts and the platform's reference, so that
//   - idempotency holds for ever: the key stays in the key index, so
//     enqueueing the same key again, at any later time, still sends
//     nothing (Enqueue);
//   - an update of the message (EnqueueUpdate) still finds where it was
//     posted;
//   - an audit still shows who got which message when.
//
// Pending and failed messages are never pruned. Prune reads only the
// messages it compacts (the index of delivered messages is in time
// order): its cost is what it prunes, not the history.
func Prune(tx *storage.Tx, before time.Time, max int) (int, error) {
	var seqs []string
	end := storage.DeliveredKey(before, 0)
	err := delivered.Range(tx, "", "", end, func(k string, seq uint64) error {
		if len(seqs) >= max {
			return storage.ErrStop
		}
		seqs = append(seqs, k)
		return nil
	})
	if err != nil {
		return 0, err
	}
	for _, k := range seqs {
		_, sk, _ := strings.Cut(k, "\x00")
		it, found, err := items.Lookup(tx, "", sk)
		if err != nil {
			return 0, err
		}
		if err := delivered.Delete(tx, "", k); err != nil {
			return 0, err
		}
		if !found || it.Pruned {
			continue
		}
		it.Msg, it.Error, it.Pruned = chat.Message{ID: it.ID}, "", true
		if err := items.Put(tx, "", sk, it); err != nil {
			return 0, fmt.Errorf("prune %s: %w", it.Key, err)
		}
	}
	return len(seqs), nil
}

// PruneAll prunes every message delivered before before, in transactions
// of at most pruneBatch messages, and returns how many it compacted.
func PruneAll(db *storage.DB, before time.Time) (int, error) {
	total := 0
	for {
		n := 0
		err := db.Update(func(tx *storage.Tx) (err error) {
			n, err = Prune(tx, before, pruneBatch)
			return err
		})
		total += n
		if err != nil || n < pruneBatch {
			return total, err
		}
	}
}

// Delivered records a message delivered outside the worker — a history
// imported from an earlier system, or a fixture — as sent at at through
// ref, under key, so that the key is never sent again. It returns false,
// changing nothing, when the key is already in the outbox.
func Delivered(tx *storage.Tx, key Key, to chat.Address, m chat.Message, ref chat.MessageRef, at time.Time) (bool, error) {
	added, err := add(tx, Item{Key: key, To: to, Msg: m})
	if err != nil || !added {
		return added, err
	}
	it, err := Lookup(tx, key)
	if err != nil {
		return false, err
	}
	it.State, it.Attempts, it.Ref, it.Sent, it.Created, it.NextAt = Sent, 1, ref, at, at, at
	return true, save(tx, it)
}
