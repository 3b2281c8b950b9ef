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
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
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

// Key is an idempotency key: what a message is, so that enqueueing the
// same message twice sends it once, and a different message is never taken
// for a copy. It always names its workspace, first; NewKey is the only way
// to build one (a key read back from a stored record decodes as it was
// written).
type Key struct{ s string }

// NewKey builds the key ws/part/part/…; it returns the zero Key, which
// Enqueue refuses, when ws or a part is empty or a part holds a "/". Parts
// should name the content: the subject's id and, for a message that can be
// sent again with other content, its version.
func NewKey(ws string, parts ...string) Key {
	if ws == "" || strings.Contains(ws, "/") {
		return Key{}
	}
	for _, p := range parts {
		if p == "" || strings.Contains(p, "/") {
			return Key{}
		}
	}
	return Key{s: ws + "/" + strings.Join(parts, "/")}
}

// With returns the key with more parts: a follow-up of the same message.
func (k Key) With(parts ...string) Key {
	if k.s == "" {
		return k
	}
	ws, rest, _ := strings.Cut(k.s, "/")
	return NewKey(ws, append(strings.Split(rest, "/"), parts...)...)
}

// Workspace returns the key's workspace.
func (k Key) Workspace() string { ws, _, _ := strings.Cut(k.s, "/"); return ws }

// IsZero reports whether k is the zero key.
func (k Key) IsZero() bool { return k.s == "" }

// String returns the key as stored: "ws/part/…".
func (k Key) String() string { return k.s }

// MarshalText stores the key as its string.
func (k Key) MarshalText() ([]byte, error) { return []byte(k.s), nil }

// UnmarshalText reads a stored key.
func (k *Key) UnmarshalText(b []byte) error {
	s := string(b)
	if s != "" {
		if ws, rest, ok := strings.Cut(s, "/"); !ok || ws == "" || rest == "" {
			return fmt.Errorf("outbox key %q: want workspace/part…", s)
		}
	}
	k.s = s
	return nil
}

// newID returns a random message id: 128 bits, hex. It is made at enqueue
// time and never repeats across stores, so a platform's copy of a message
// sent by another store (a reset, a restored backup) is never taken for
// this one.
func newID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("message id: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

// Item is one message in the outbox.
type Item struct {
	Seq uint64 `json:"seq"`
	// ID is the message's unique id (random, made at enqueue); adapters
	// store it with the post, and the "already sent?" check matches it.
	ID string `json:"id"`
	// Key is the idempotency key, unique in the outbox.
	Key Key          `json:"key"`
	To  chat.Address `json:"to"`
	Msg chat.Message `json:"msg"`
	// UpdateOf, when set, makes this item an update of the message sent
	// under that key instead of a new message.
	UpdateOf Key       `json:"update_of,omitzero"`
	State    State     `json:"state"`
	Attempts int       `json:"attempts"`
	NextAt   time.Time `json:"next_at"`
	Created  time.Time `json:"created"`
	Error    string    `json:"error,omitempty"`
	// Ref is the posted message, once sent.
	Ref chat.MessageRef `json:"ref"`
	// Sent is when the platform took the message (zero until then, and
	// for messages delivered before schema 2 recorded it).
	Sent time.Time `json:"sent,omitzero"`
	// Pruned reports that the message's content (Msg, Error) was dropped
	// after the retention (Prune): what stays is the receipt an audit
	// needs — key, id, recipient, created, sent, attempts, platform ref.
	Pruned bool `json:"pruned,omitempty"`
	// RequestID is the id of the request, cron run or due item whose
	// transaction enqueued the message (storage.Tx.RequestID; "" when it
	// had none): the worker logs it as "req" on delivery and failure.
	RequestID string `json:"req,omitempty"`
}

var (
	items   = storage.NewBucket[Item]("outbox")
	keys    = storage.NewBucket[uint64]("outbox-keys")
	pending = storage.NewBucket[uint64]("outbox-pending")
	// failed indexes failed messages by workspace (storage.OutboxFailed).
	failed = storage.NewBucket[uint64](storage.OutboxFailed)
	// delivered indexes delivered messages whose content is kept, by
	// delivery time (storage.OutboxDelivered).
	delivered = storage.NewBucket[uint64](storage.OutboxDelivered)
)

func failedKey(ws string, seq uint64) string { return ws + "\x00" + seqKey(seq) }

func seqKey(seq uint64) string { return fmt.Sprintf("%016x", seq) }

// Enqueue adds a message for delivery in tx. A key already in the outbox is
// left as it is and Enqueue returns false.
func Enqueue(tx *storage.Tx, key Key, to chat.Address, m chat.Message) (bool, error) {
	return add(tx, Item{Key: key, To: to, Msg: m})
}

// ErrKey is returned (wrapped) by Enqueue for a zero key or one whose
// workspace is not the recipient's.
var ErrKey = errors.New("outbox: bad idempotency key")

// EnqueueUpdate rewrites the message sent under key of, once it is sent
// (in place where the platform can update messages). key identifies this
// update and follows Enqueue's idempotency rule.
func EnqueueUpdate(tx *storage.Tx, key, of Key, m chat.Message) (bool, error) {
	orig, err := Lookup(tx, of)
	if err != nil {
		return false, fmt.Errorf("update of %q: %w", of, err)
	}
	return add(tx, Item{Key: key, To: orig.To, Msg: m, UpdateOf: of})
}

func add(tx *storage.Tx, it Item) (bool, error) {
	if it.Key.IsZero() {
		return false, fmt.Errorf("%w: empty", ErrKey)
	}
	if it.Key.Workspace() != it.To.Workspace {
		return false, fmt.Errorf("%w: %q is not of workspace %q", ErrKey, it.Key, it.To.Workspace)
	}
	_, exists, err := keys.Lookup(tx, "", it.Key.String())
	if err != nil || exists {
		return false, err
	}
	seq, err := tx.NextSeq("", items.Name())
	if err != nil {
		return false, err
	}
	if it.ID, err = newID(); err != nil {
		return false, err
	}
	it.Seq, it.State, it.Created, it.NextAt = seq, Pending, tx.Now(), tx.Now()
	it.RequestID = tx.RequestID()
	it.Msg.ID = it.ID
	for _, err := range []error{
		items.Put(tx, "", seqKey(seq), it),
		keys.Put(tx, "", it.Key.String(), seq),
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
func Amend(tx *storage.Tx, key Key, fn func(*chat.Message)) (bool, error) {
	it, err := Lookup(tx, key)
	if errors.Is(err, storage.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if it.State != Pending || it.Attempts > 0 {
		return false, nil
	}
	fn(&it.Msg)
	it.Msg.ID = it.ID
	return true, save(tx, it)
}

// Lookup returns the item enqueued under key; the error wraps
// storage.ErrNotFound when there is none.
func Lookup(tx *storage.Tx, key Key) (Item, error) {
	seq, err := keys.Get(tx, "", key.String())
	if err != nil {
		return Item{}, err
	}
	return items.Get(tx, "", seqKey(seq))
}

// Undelivered lists the messages of workspace ws that could not be delivered,
// newest first, for organisers to see. It reads the index of failed
// messages: O(ws's failed messages), whatever was ever delivered.
func Undelivered(tx *storage.Tx, ws string) ([]Item, error) {
	var out []Item
	err := failed.Scan(tx, "", ws+"\x00", func(_ string, seq uint64) error {
		it, err := items.Get(tx, "", seqKey(seq))
		if err != nil {
			return fmt.Errorf("failed index: %w", err)
		}
		out = append(out, it)
		return nil
	})
	slices.Reverse(out)
	return out, err
}

// FailedCount returns how many messages of workspace ws failed, from the
// index alone: O(ws's failed messages).
func FailedCount(tx *storage.Tx, ws string) (int, error) {
	return failed.Count(tx, "", ws+"\x00")
}

// PendingCount returns how many messages wait for delivery.
func PendingCount(tx *storage.Tx) (int, error) {
	return pending.Count(tx, "", "")
}

// save writes an item and keeps the indexes of its state: pending, failed
// (by workspace) and delivered with content (by delivery time).
func save(tx *storage.Tx, it Item) error {
	if err := items.Put(tx, "", seqKey(it.Seq), it); err != nil {
		return err
	}
	if it.State != Pending {
		if err := pending.Delete(tx, "", seqKey(it.Seq)); err != nil {
			return err
		}
	}
	if it.State == Failed {
		if err := failed.Put(tx, "", failedKey(it.To.Workspace, it.Seq), it.Seq); err != nil {
			return err
		}
	} else if err := failed.Delete(tx, "", failedKey(it.To.Workspace, it.Seq)); err != nil {
		return err
	}
	if it.State == Sent && !it.Pruned && !it.Sent.IsZero() {
		return delivered.Put(tx, "", storage.DeliveredKey(it.Sent, it.Seq), it.Seq)
	}
	return nil
}

// Remove deletes an item that is not delivered (pending or failed) with
// its index entries, so it is never sent: for the erasure of a data
// subject's personal data (package bot/privacy, GDPR art. 17). A
// delivered item is refused; its text is pseudonymised in place instead.
func Remove(tx *storage.Tx, it Item) error {
	if it.State == Sent {
		return fmt.Errorf("outbox: remove %s: already delivered", it.Key)
	}
	seq, found, err := keys.Lookup(tx, "", it.Key.String())
	if err != nil {
		return err
	}
	if found && seq == it.Seq {
		if err := keys.Delete(tx, "", it.Key.String()); err != nil {
			return err
		}
	}
	for _, err := range []error{
		pending.Delete(tx, "", seqKey(it.Seq)),
		failed.Delete(tx, "", failedKey(it.To.Workspace, it.Seq)),
		items.Delete(tx, "", seqKey(it.Seq)),
	} {
		if err != nil {
			return err
		}
	}
	return nil
}
