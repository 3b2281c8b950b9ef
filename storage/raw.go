package storage

import (
	"errors"
	"fmt"
	"os"
	"time"
)

// Raw access is for tools that must see every record whatever its type:
// the data-subject search and erasure (package bot/privacy) walks all
// buckets of a workspace and of the system scope. Flows use Bucket.

// BucketNames lists the buckets of ws's scope (ws "" is the system scope),
// by name. A scope with no data has none.
func (t *Tx) BucketNames(ws string) ([]string, error) {
	root := t.tx.Bucket(bucketWorkspaces)
	if ws == "" {
		root = t.tx.Bucket(bucketSystem)
	}
	if root == nil {
		return nil, errors.New("store not initialised")
	}
	if ws != "" {
		if root = root.Bucket([]byte(ws)); root == nil {
			return nil, nil
		}
	}
	var out []string
	err := root.ForEachBucket(func(k []byte) error {
		out = append(out, string(k))
		return nil
	})
	return out, err
}

// ScanRaw calls fn with every key and encoded value (JSON) of the bucket
// name in ws's scope, in key order. The value is a copy. Nested buckets
// are skipped.
func (t *Tx) ScanRaw(ws, name string, fn func(key string, value []byte) error) error {
	b, err := t.bucket(ws, name)
	if err != nil || b == nil {
		return err
	}
	return b.ForEach(func(k, v []byte) error {
		if v == nil {
			return nil
		}
		return fn(string(k), append([]byte(nil), v...))
	})
}

// PutRaw stores an encoded value as it is.
func (t *Tx) PutRaw(ws, name, key string, value []byte) error {
	b, err := t.bucket(ws, name)
	if err != nil {
		return err
	}
	return b.Put([]byte(key), value)
}

// DeleteRaw removes a key; a missing key is not an error.
func (t *Tx) DeleteRaw(ws, name, key string) error {
	b, err := t.bucket(ws, name)
	if err != nil || b == nil {
		return err
	}
	return b.Delete([]byte(key))
}

// Scrub overwrites the store file's free pages with zeros and returns how
// many it overwrote. bbolt never clears a page it frees, so a deleted or
// rewritten record stays readable in the file until its page is reused;
// after an erasure (GDPR art. 17) Scrub makes the file hold no copy of
// what was erased. It runs under the writer lock and overwrites only
// pages no reader can reach: it waits (up to wait) until no read
// transaction older than the call is open, and returns an error when one
// stays open.
func (db *DB) Scrub(wait time.Duration) (int, error) {
	deadline := time.Now().Add(wait)
	for {
		n, busy, err := db.scrubOnce()
		if err != nil || !busy {
			return n, err
		}
		if time.Now().After(deadline) {
			return 0, errors.New("scrub: read transactions stay open")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (db *DB) scrubOnce() (n int, busy bool, err error) {
	f, err := os.OpenFile(db.bolt.Path(), os.O_WRONLY, 0)
	if err != nil {
		return 0, false, fmt.Errorf("scrub: %w", err)
	}
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("scrub: %w", cerr)
		}
	}()
	size := db.bolt.Info().PageSize
	zero := make([]byte, size)
	err = db.Update(func(t *Tx) error {
		// Pages freed by a commit stay reachable to the read transactions
		// that began before it; with none open, every freed page is
		// unreachable (a reader that begins now sees only live pages).
		if db.bolt.Stats().OpenTxN > 0 {
			busy = true
			return nil
		}
		for id := 2; ; id++ {
			info, err := t.tx.Page(id)
			if err != nil {
				return err
			}
			if info == nil {
				break
			}
			if info.Type != "free" {
				continue
			}
			if _, err := f.WriteAt(zero, int64(id)*int64(size)); err != nil {
				return err
			}
			n++
		}
		return f.Sync()
	})
	if err != nil {
		return 0, false, fmt.Errorf("scrub: %w", err)
	}
	return n, busy, nil
}
