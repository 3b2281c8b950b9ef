// Package outbox is the one way out for every message that matters:
// confirmations, prompts, decisions, reminders and follow-ups.
//
// A flow writes a message into the outbox with Enqueue in the same store
// transaction as the state change that caused it, under an idempotency key:
// enqueueing the same key twice keeps the first. A Worker delivers due
// messages through the platform adapters with a rate limit per platform
// workspace, honours Retry-After, backs off on transient errors and records
// a message that finally fails, for organisers to see (Failed).
//
// Delivery is at least once and, on platforms that can look for an earlier
// copy (chat.SentFinder), exactly once: before sending, the attempt is
// committed; a message whose attempt was committed but whose success was
// not (a crash between send and mark) is looked up on the platform before it
// is sent again.
package outbox

import (
	"fmt"
	"time"

	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/storage"
)

// State is where a message is in its delivery.
type State string

// The states of an item.
const (
	Pending State = "pending"
	Sent    State = "sent"
	Failed  State = "failed"
)

// Item is one message in the outbox.
type Item struct {
	Seq uint64 `json:"seq"`
	// Key is the idempotency key, unique in the outbox.
	Key string       `json:"key"`
	To  chat.Address `json:"to"`
	Msg chat.Message `json:"msg"`
	// UpdateOf, when set, makes this item an update of the message sent
	// under that key instead of a new message.
	UpdateOf string    `json:"update_of,omitempty"`
	State    State     `json:"state"`
	Attempts int       `json:"attempts"`
	NextAt   time.Time `json:"next_at"`
	Created  time.Time `json:"created"`
	Error    string    `json:"error,omitempty"`
	// Ref is the posted message, once sent.
	Ref chat.MessageRef `json:"ref"`
}

var (
	items   = storage.NewBucket[Item]("outbox")
	keys    = storage.NewBucket[uint64]("outbox-keys")
	pending = storage.NewBucket[uint64]("outbox-pending")
)

func seqKey(seq uint64) string { return fmt.Sprintf("%016x", seq) }

// Enqueue adds a message for delivery in tx. A key already in the outbox is
// left as it is and Enqueue returns false.
func Enqueue(tx *storage.Tx, key string, to chat.Address, m chat.Message) (bool, error) {
	return add(tx, Item{Key: key, To: to, Msg: m})
}

// EnqueueUpdate rewrites the message sent under key of, once it is sent
// (in place where the platform can update messages). key identifies this
// update and follows Enqueue's idempotency rule.
func EnqueueUpdate(tx *storage.Tx, key, of string, m chat.Message) (bool, error) {
	orig, err := Lookup(tx, of)
	if err != nil {
		return false, fmt.Errorf("update of %q: %w", of, err)
	}
	return add(tx, Item{Key: key, To: orig.To, Msg: m, UpdateOf: of})
}

func add(tx *storage.Tx, it Item) (bool, error) {
	if it.Key == "" {
		return false, fmt.Errorf("outbox: empty idempotency key")
	}
	if keys.Has(tx, "", it.Key) {
		return false, nil
	}
	seq, err := tx.NextSeq("", items.Name())
	if err != nil {
		return false, err
	}
	it.Seq, it.State, it.Created, it.NextAt = seq, Pending, tx.Now(), tx.Now()
	it.Msg.Key = it.Key
	for _, err := range []error{
		items.Put(tx, "", seqKey(seq), it),
		keys.Put(tx, "", it.Key, seq),
		pending.Put(tx, "", seqKey(seq), seq),
	} {
		if err != nil {
			return false, err
		}
	}
	return true, nil
}

// Amend changes the message enqueued under key while nobody has tried to
// send it yet, and reports whether it did: a flow adds to another's message
// instead of sending a second one. Once a send was tried, it returns false
// and the caller sends its own message (or EnqueueUpdate).
func Amend(tx *storage.Tx, key string, fn func(*chat.Message)) (bool, error) {
	it, err := Lookup(tx, key)
	if err != nil || it.State != Pending || it.Attempts > 0 {
		return false, nil //nolint:nilerr // nothing to amend
	}
	fn(&it.Msg)
	it.Msg.Key = it.Key
	return true, save(tx, it)
}

// Lookup returns the item enqueued under key.
func Lookup(tx *storage.Tx, key string) (Item, error) {
	seq, err := keys.Get(tx, "", key)
	if err != nil {
		return Item{}, err
	}
	return items.Get(tx, "", seqKey(seq))
}

// Undelivered lists the messages of workspace ws that could not be delivered,
// newest first, for organisers to see.
func Undelivered(tx *storage.Tx, ws string) ([]Item, error) {
	var out []Item
	err := items.Scan(tx, "", "", func(_ string, it Item) error {
		if it.State == Failed && it.To.Workspace == ws {
			out = append([]Item{it}, out...)
		}
		return nil
	})
	return out, err
}

// PendingCount returns how many messages wait for delivery.
func PendingCount(tx *storage.Tx) (int, error) {
	n := 0
	err := pending.Scan(tx, "", "", func(string, uint64) error { n++; return nil })
	return n, err
}

func save(tx *storage.Tx, it Item) error {
	if err := items.Put(tx, "", seqKey(it.Seq), it); err != nil {
		return err
	}
	if it.State != Pending {
		return pending.Delete(tx, "", seqKey(it.Seq))
	}
	return nil
}
