// Package event carries typed domain events between flows, inside the
// store transaction that caused them.
//
// A publisher declares a Topic next to its event type (package round
// declares AppSubmitted, AppWithdrawn, …); subscribers register with
// Topic.Subscribe at start-up through the registry they are given, and the
// publisher calls Topic.Publish. A reader finds every subscriber of an event
// by searching for its topic's name: there is no other way to subscribe.
//
// Handlers run synchronously, in registration order, in the publisher's
// transaction: an error from any of them rolls the whole change back. A
// publisher that uses storage.DB.Batch may run its transaction more than
// once, so handlers must only read and write the transaction they are given.
package event

import (
	"context"
	"fmt"
	"sync"

	"github.com/kipina/kipina/storage"
)

// Bus holds the subscribers of every topic. Subscribing after Freeze is a
// programming error and panics, so that the wiring is fixed at start-up.
type Bus struct {
	mu     sync.RWMutex
	subs   map[string][]any
	frozen bool
}

// NewBus returns an empty bus.
func NewBus() *Bus { return &Bus{subs: map[string][]any{}} }

// Freeze ends registration.
func (b *Bus) Freeze() {
	b.mu.Lock()
	b.frozen = true
	b.mu.Unlock()
}

// Handler handles an event of type E inside the publisher's transaction.
type Handler[E any] func(ctx context.Context, tx *storage.Tx, e E) error

// Topic names an event of type E.
type Topic[E any] struct{ name string }

// NewTopic declares a topic; name is for logs and errors ("app.submitted").
func NewTopic[E any](name string) Topic[E] { return Topic[E]{name: name} }

// Name returns the topic's name.
func (t Topic[E]) Name() string { return t.name }

// Subscribe adds h to the topic's subscribers on b.
func (t Topic[E]) Subscribe(b *Bus, h Handler[E]) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.frozen {
		panic("event: subscribe to " + t.name + " after start-up")
	}
	b.subs[t.name] = append(b.subs[t.name], h)
}

// Publish runs every subscriber of the topic with e, in tx, and returns the
// first error, naming the topic.
func (t Topic[E]) Publish(ctx context.Context, b *Bus, tx *storage.Tx, e E) error {
	if b == nil {
		return nil
	}
	b.mu.RLock()
	hs := b.subs[t.name]
	b.mu.RUnlock()
	for _, h := range hs {
		if err := h.(Handler[E])(ctx, tx, e); err != nil {
			return fmt.Errorf("%s: %w", t.name, err)
		}
	}
	return nil
}
