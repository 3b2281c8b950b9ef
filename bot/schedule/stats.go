package schedule

import (
	"time"

	"github.com/kipina/kipina/storage"
)

// Backlog counts the stored due items, and those of them due more than
// grace before now (overdue: a sweep should have run them, unless quiet
// hours hold them). It reads the key index only: O(items).
func Backlog(tx *storage.Tx, now time.Time, grace time.Duration) (pending, overdue int, err error) {
	limit := dueKey(now.Add(-grace), "")
	err = dueKeys.Scan(tx, "", "", func(_ string, dk string) error {
		pending++
		if dk < limit {
			overdue++
		}
		return nil
	})
	return pending, overdue, err
}
