package storage

import (
	"fmt"
	"sync"

	bolt "go.etcd.io/bbolt"
)

// group is a group commit: callers queue their changes and one committer
// runs everything queued in one transaction, then everything that queued
// meanwhile in the next. A lone caller commits at once; under a burst each
// commit (and fsync) carries all that arrived during the previous one.
// Unlike bbolt's own Batch there is no timer: nobody waits for company, and
// batches do not queue up behind each other.
type group struct {
	mu      sync.Mutex
	queue   []groupCall
	running bool
}

type groupCall struct {
	fn  func(*Tx) error
	err chan error
}

// Batch runs fn in a read-write transaction shared with other concurrent
// Batch callers: one commit, one fsync for the group. If one fn fails, the
// transaction is rolled back, that caller gets its error and the others run
// again; so fn may run more than once and must only read and write the
// transaction.
func (db *DB) Batch(fn func(*Tx) error) error {
	c := groupCall{fn: fn, err: make(chan error, 1)}
	g := &db.group
	g.mu.Lock()
	g.queue = append(g.queue, c)
	if !g.running {
		g.running = true
		go db.commitLoop()
	}
	g.mu.Unlock()
	return <-c.err
}

func (db *DB) commitLoop() {
	g := &db.group
	for {
		g.mu.Lock()
		calls := g.queue
		g.queue = nil
		if len(calls) == 0 {
			g.running = false
			g.mu.Unlock()
			return
		}
		g.mu.Unlock()
		for len(calls) > 0 {
			failed := -1
			err := db.bolt.Update(func(tx *bolt.Tx) error {
				t := &Tx{tx: tx, db: db}
				for i, c := range calls {
					if err := safeCall(c.fn, t); err != nil {
						failed = i
						return err
					}
				}
				return nil
			})
			if failed < 0 { // committed, or the commit itself failed: all share it
				for _, c := range calls {
					c.err <- err
				}
				break
			}
			calls[failed].err <- err
			calls = append(calls[:failed:failed], calls[failed+1:]...)
		}
	}
}

// safeCall turns a panic in fn into an error for its caller alone.
func safeCall(fn func(*Tx) error, t *Tx) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic in transaction: %v", p)
		}
	}()
	return fn(t)
}
