package storage

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestScrub: a deleted value stays in the file's free pages until Scrub
// overwrites them.
func TestScrub(t *testing.T) {
	path := filepath.Join(t.TempDir(), "k.db")
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	secret := []byte("erase-me-0123456789-" + string(bytes.Repeat([]byte("x"), 200)))
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(db.Update(func(tx *Tx) error { return tx.PutRaw("w", "b", "k", secret) }))
	must(db.Update(func(tx *Tx) error { return tx.DeleteRaw("w", "b", "k") }))
	must(db.Update(func(tx *Tx) error { tx.ScrubAfterCommit(); return tx.PutRaw("w", "b", "other", []byte(`1`)) }))
	if _, err := db.Scrub(time.Second); err != nil {
		t.Fatal(err)
	}
	must(db.Check())
	must(db.Close())
	data, err := os.ReadFile(path)
	must(err)
	if bytes.Contains(data, secret[:20]) {
		t.Error("the file still holds the deleted value")
	}
}
