// Package backup takes verified hot copies of the store into a directory
// and keeps the newest few: what the backup schedule (schedules.backup) and
// the /kipina backup command both do, so they share one retention.
//
// A copy is written while the bot runs (storage.DB.BackupFile), then opened
// and checked with bbolt's consistency check before older copies are
// removed; a copy that fails the check is removed and the older ones stay.
// The last successful backup is recorded in the store for /kipina status.
package backup

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/kipina/kipina/storage"
)

// Record is the last successful backup.
type Record struct {
	At    time.Time `json:"at"`
	Path  string    `json:"path"`
	Bytes int64     `json:"bytes"`
}

var last = storage.NewBucket[Record]("backup")

const (
	lastKey = "last"
	prefix  = "kipina-"
	suffix  = ".db"
)

// Dir is where backups go inside a data directory.
func Dir(dataDir string) string { return filepath.Join(dataDir, "backups") }

// Take writes a copy of db to dir as kipina-YYYYMMDD-HHMMSS.db (UTC time
// now) with WriteFile (checked; never over the live store), records it as the last backup and then keeps only the
// newest keep copies in dir (keep ≤ 0 keeps all). It returns the record.
// Errors: the directory, the copy, a copy that fails bbolt's check (the
// copy is removed), ErrLiveStore, or the store.
func Take(db *storage.DB, dir string, now time.Time, keep int) (Record, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return Record{}, fmt.Errorf("backup: %w", err)
	}
	path := filepath.Join(dir, prefix+now.UTC().Format("20060102-150405")+suffix)
	// A copy of the same second is replaced; the live store never is.
	n, err := WriteFile(db, path, true)
	if err != nil {
		return Record{}, err
	}
	rec := Record{At: now, Path: path, Bytes: n}
	if err := db.Update(func(tx *storage.Tx) error { return last.Put(tx, "", lastKey, rec) }); err != nil {
		return Record{}, err
	}
	if keep > 0 {
		if err := Prune(dir, keep); err != nil {
			return rec, err
		}
	}
	return rec, nil
}

// Verify opens the copy at path and runs bbolt's consistency check on it.
func Verify(path string) error {
	db, err := storage.Open(path)
	if err != nil {
		return fmt.Errorf("backup %s: %w", path, err)
	}
	err = db.Check()
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("backup %s fails the check: %w", path, err)
	}
	return nil
}

// List returns the backups in dir, oldest first (their names sort by time).
func List(dir string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range ents {
		if n := e.Name(); e.Type().IsRegular() && strings.HasPrefix(n, prefix) && strings.HasSuffix(n, suffix) {
			out = append(out, filepath.Join(dir, n))
		}
	}
	slices.Sort(out)
	return out, nil
}

// Prune removes all but the newest keep backups in dir.
func Prune(dir string, keep int) error {
	all, err := List(dir)
	if err != nil {
		return err
	}
	var errs []error
	for _, p := range all[:max(len(all)-keep, 0)] {
		if err := os.Remove(p); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Last returns the last successful backup; ok is false when none was taken.
// A store failure is an error.
func Last(tx *storage.Tx) (rec Record, ok bool, err error) {
	rec, err = last.Get(tx, "", lastKey)
	if errors.Is(err, storage.ErrNotFound) {
		return Record{}, false, nil
	}
	return rec, err == nil, err
}
