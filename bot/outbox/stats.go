package outbox

import (
	"time"

	"github.com/kipina/kipina/storage"
)

// Observer hears about delivery attempts, for metrics. Sending is called
// before the platform is asked; Attempted after the outcome is recorded,
// with the error of the attempt (nil when the platform took the message)
// and the time it was recorded. An attempt whose error is a
// chat.RetryAfterError waits without counting; one that is chat.ErrPermanent
// or reaches MaxAttempts failed for good; any other error is retried.
// Methods are called from the delivery goroutine and must not block.
type Observer interface {
	Sending(it Item)
	Attempted(it Item, err error, at time.Time)
}

// Stats is the outbox's backlog at one moment.
type Stats struct {
	// Pending counts the messages waiting for delivery by platform.
	Pending map[string]int
	// Retrying counts the pending messages already tried at least once, by
	// platform.
	Retrying map[string]int
	// OldestDue is the earliest next-attempt time among pending messages;
	// zero when none waits.
	OldestDue time.Time
}

// Backlog reads the pending messages' counts and the oldest due time in tx.
// It reads every pending item: O(pending).
func Backlog(tx *storage.Tx) (Stats, error) {
	s := Stats{Pending: map[string]int{}, Retrying: map[string]int{}}
	err := pending.Scan(tx, "", "", func(k string, _ uint64) error {
		it, err := items.Get(tx, "", k)
		if err != nil {
			return err
		}
		s.Pending[it.To.Platform]++
		if it.Attempts > 0 {
			s.Retrying[it.To.Platform]++
		}
		if s.OldestDue.IsZero() || it.NextAt.Before(s.OldestDue) {
			s.OldestDue = it.NextAt
		}
		return nil
	})
	return s, err
}
