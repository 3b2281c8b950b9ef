// Package storage keeps kipina's data in one bbolt file.
//
// Data is scoped by workspace: every aggregate lives in a bucket nested
// under its workspace's bucket, so one city's data never mixes with
// another's. Delivery machinery (outbox, due items) lives under the system
// scope, the empty workspace "". Records are encoded as JSON in one place
// (Bucket); bytes are copied out before a transaction ends.
//
// Caveats, as bbolt's: one process holds the file (an exclusive lock), so
// backups are taken through the running bot (Backup) or, when it is not
// running, from the file. Every Update or Batch is one fsync'd transaction;
// Batch groups concurrent callers into one commit and may run fn more than
// once, so fn must not have side effects outside the transaction.
package storage

import (
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// ErrNotFound is returned (wrapped) when a key is not in the store.
var ErrNotFound = errors.New("not found")

// ErrNewerSchema is returned by Open when the file was written by a newer
// kipina whose schema this one does not know.
var ErrNewerSchema = errors.New("data file has a newer schema than this kipina")

// DB is an open store.
type DB struct {
	bolt  *bolt.DB
	group group
	// Now is the clock used for audit entries; time.Now by default.
	Now func() time.Time
}

// Migration upgrades the store by one schema version inside a
// transaction, given what it needs of the configuration. Each runs in its
// own transaction; a long one may work in steps (errAgain).
type Migration func(tx *bolt.Tx, o Options) error

// Options are what Open's migrations need of the configuration.
type Options struct {
	// Retention is how long a delivered message keeps its content
	// (outbox.retention_days); 0 means DefaultRetention. Migration 3
	// compacts what was delivered before Now − Retention to receipts.
	Retention time.Duration
	// Now is the clock of the migrations; time.Now when nil.
	Now func() time.Time
}

// DefaultRetention is how long a delivered message keeps its content when
// the configuration does not say (outbox.retention_days): long enough for
// an organiser to look into a complaint about a message, and far longer
// than any retry, crash recovery or "already sent?" check (those end
// within the outbox's MaxAttempts backoffs, under an hour).
const DefaultRetention = 30 * 24 * time.Hour

func (o Options) cutoff() time.Time {
	now, keep := time.Now, o.Retention
	if o.Now != nil {
		now = o.Now
	}
	if keep <= 0 {
		keep = DefaultRetention
	}
	return now().Add(-keep)
}

// Migrations are applied in order; the store records how many ran. Append
// new ones, never change old ones.
var Migrations = []Migration{
	func(tx *bolt.Tx, _ Options) error { // 1: the root buckets.
		for _, name := range [][]byte{bucketWorkspaces, bucketSystem} {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		return nil
	},
	func(tx *bolt.Tx, _ Options) error { return migrateIndexes(tx) }, // 2: indexes by event, by person, of failed and of delivered messages.
	migratePrune, // 3: delivered messages older than the retention compacted to receipts.
}

var (
	bucketMeta       = []byte("meta")
	bucketWorkspaces = []byte("ws")
	bucketSystem     = []byte("sys")
	keySchema        = []byte("schema")
)

// Open opens or creates the store at path and brings its schema up to date.
// It waits at most a second for the file lock, so a second process gets a
// clear error instead of hanging.
func Open(path string) (*DB, error) { return OpenWith(path, Options{}) }

// OpenWith is Open with what the migrations need of the configuration
// (the outbox retention).
func OpenWith(path string, o Options) (*DB, error) {
	b, err := bolt.Open(path, 0o600, &bolt.Options{
		Timeout: time.Second,
		// Map generously at once: growing the map waits for every reader,
		// which stalls a burst of submissions.
		InitialMmapSize: 256 << 20,
		FreelistType:    bolt.FreelistMapType,
		// The free list is rebuilt at open (a scan of the file) instead of
		// written at every commit: after pruning a long history it holds
		// thousands of pages, and writing it made every commit slower.
		NoFreelistSync: true,
	})
	if err != nil {
		if errors.Is(err, berrors.ErrTimeout) {
			return nil, fmt.Errorf("open %s: the file is in use by another kipina process: %w", path, err)
		}
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	db := &DB{bolt: b, Now: time.Now}
	if err := db.migrate(o); err != nil {
		return nil, fmt.Errorf("open %s: %w", path, errors.Join(err, b.Close()))
	}
	return db, nil
}

// errAgain, returned by a migration, commits what it did so far and runs
// it again, in a new transaction, before the schema moves on: a long
// migration (pruning ten years of messages) in bounded steps, so that it
// never holds its whole work in memory. Such a migration must be safe to
// run again from any step.
var errAgain = errors.New("migration: again")

// migrate runs the migrations the file has not had, each in its own
// transaction (and a step of one that returns errAgain in its own), the
// schema version moving on with each.
func (db *DB) migrate(o Options) error {
	for {
		done := false
		err := db.bolt.Update(func(tx *bolt.Tx) error {
			meta, err := tx.CreateBucketIfNotExists(bucketMeta)
			if err != nil {
				return err
			}
			have := 0
			if v := meta.Get(keySchema); v != nil {
				if _, err := fmt.Sscan(string(v), &have); err != nil {
					return fmt.Errorf("schema version %q: %w", v, err)
				}
			}
			if have > len(Migrations) {
				return fmt.Errorf("%w (file: %d, known: %d)", ErrNewerSchema, have, len(Migrations))
			}
			if have == len(Migrations) {
				done = true
				return meta.Put(keySchema, fmt.Appendf(nil, "%d", have))
			}
			switch err := Migrations[have](tx, o); {
			case errors.Is(err, errAgain):
				return nil
			case err != nil:
				return fmt.Errorf("migration %d: %w", have+1, err)
			}
			return meta.Put(keySchema, fmt.Appendf(nil, "%d", have+1))
		})
		if err != nil || done {
			return err
		}
	}
}

// SchemaVersion returns the schema version stored in the file.
func (db *DB) SchemaVersion() (int, error) {
	v := 0
	err := db.bolt.View(func(tx *bolt.Tx) error {
		_, err := fmt.Sscan(string(tx.Bucket(bucketMeta).Get(keySchema)), &v)
		return err
	})
	return v, err
}

// Close closes the file.
func (db *DB) Close() error { return db.bolt.Close() }

// Update runs fn in a read-write transaction, committed when fn returns nil.
// When fn called ScrubAfterCommit, the file's free pages are overwritten
// after the commit (Scrub); an error of that step is returned although the
// transaction committed.
func (db *DB) Update(fn func(*Tx) error) error {
	scrub := false
	err := db.bolt.Update(func(tx *bolt.Tx) error { return fn(&Tx{tx: tx, db: db, scrub: &scrub}) })
	if err == nil && scrub {
		_, err = db.Scrub(scrubWait)
	}
	return err
}

// scrubWait bounds how long a scrub after a commit waits for older readers.
const scrubWait = 10 * time.Second

// ScrubAfterCommit asks Update to overwrite the free pages once this
// transaction commits, so what it deleted or rewrote leaves no copy in the
// file (data-subject erasure). Batch transactions ignore it.
func (t *Tx) ScrubAfterCommit() {
	if t.scrub != nil {
		*t.scrub = true
	}
}

// View runs fn in a read-only transaction.
func (db *DB) View(fn func(*Tx) error) error {
	return db.bolt.View(func(tx *bolt.Tx) error { return fn(&Tx{tx: tx, db: db}) })
}

// Backup writes a consistent copy of the whole file to w while the store
// stays in use, and returns the bytes written.
func (db *DB) Backup(w io.Writer) (int64, error) {
	var n int64
	err := db.bolt.View(func(tx *bolt.Tx) error {
		var err error
		n, err = tx.WriteTo(w)
		return err
	})
	return n, err
}

// BackupFile writes a consistent copy to path (via a temporary file renamed
// into place, so a half-written backup never has the final name).
func (db *DB) BackupFile(path string) (int64, error) {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return 0, fmt.Errorf("backup: %w", err)
	}
	if err := f.Chmod(0o600); err != nil { // a leftover temporary file of a wider mode
		return 0, fmt.Errorf("backup: %w", errors.Join(err, f.Close()))
	}
	n, err := db.Backup(f)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		return 0, fmt.Errorf("backup to %s: %w", path, errors.Join(err, os.Remove(tmp)))
	}
	return n, nil
}

// Path returns the file the store was opened from, as given to Open.
func (db *DB) Path() string { return db.bolt.Path() }

// Check runs bbolt's consistency check and returns every problem found.
func (db *DB) Check() error {
	return db.bolt.View(func(tx *bolt.Tx) error {
		var errs []error
		for err := range tx.Check() {
			errs = append(errs, err)
		}
		return errors.Join(errs...)
	})
}

// Tx is a transaction. Its methods and Bucket's read and write the
// workspace-scoped buckets; ws "" is the system scope.
type Tx struct {
	tx    *bolt.Tx
	db    *DB
	req   string
	scrub *bool // shared by the copies ForRequest makes; nil outside Update
}

// ForRequest returns the same transaction working for the request (or
// cron run, or due item) with the id req: what it enqueues in the outbox
// records req, so the delivery's log line names the request that caused it
// (package bot/reqid).
func (t *Tx) ForRequest(req string) *Tx {
	c := *t
	c.req = req
	return &c
}

// RequestID returns the id given by ForRequest, "" when none.
func (t *Tx) RequestID() string { return t.req }

// Now returns the store's clock reading.
func (t *Tx) Now() time.Time { return t.db.Now() }

// bucket returns ws's bucket name, creating it on writable transactions.
// It returns nil when a read finds nothing.
func (t *Tx) bucket(ws, name string) (*bolt.Bucket, error) {
	root := t.tx.Bucket(bucketWorkspaces)
	if ws == "" {
		root = t.tx.Bucket(bucketSystem)
	}
	if root == nil {
		return nil, errors.New("store not initialised")
	}
	if !t.tx.Writable() {
		if ws != "" {
			if root = root.Bucket([]byte(ws)); root == nil {
				return nil, nil
			}
		}
		return root.Bucket([]byte(name)), nil
	}
	if ws != "" {
		var err error
		if root, err = root.CreateBucketIfNotExists([]byte(ws)); err != nil {
			return nil, err
		}
	}
	return root.CreateBucketIfNotExists([]byte(name))
}

// NextSeq returns the next number of a per-workspace sequence (1, 2, …).
func (t *Tx) NextSeq(ws, name string) (uint64, error) {
	b, err := t.bucket(ws, name)
	if err != nil {
		return 0, err
	}
	return b.NextSequence()
}

// Workspaces lists the workspaces that have data.
func (t *Tx) Workspaces() ([]string, error) {
	var out []string
	err := t.tx.Bucket(bucketWorkspaces).ForEachBucket(func(k []byte) error {
		out = append(out, string(k))
		return nil
	})
	return out, err
}

// IgnoreNotFound returns err unless it wraps ErrNotFound: for a read whose
// absence is an answer, while a failure to read is still an error.
func IgnoreNotFound(err error) error {
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	return err
}

// WriteStats are the store's cumulative write costs since it was opened
// (bbolt's transaction statistics): what a commit costs beyond the reads.
type WriteStats struct {
	// Pages is the number of pages allocated by write transactions (each
	// page a commit rewrites is allocated anew: copy on write).
	Pages int64
	// Writes is the number of page-run writes to the file.
	Writes int64
	// WriteTime is the time spent writing pages, their fsync included.
	WriteTime time.Duration
}

// WriteStats returns the write costs since the store was opened.
func (db *DB) WriteStats() WriteStats {
	s := db.bolt.Stats()
	return WriteStats{Pages: s.TxStats.GetPageCount(), Writes: s.TxStats.GetWrite(), WriteTime: s.TxStats.GetWriteTime()}
}
