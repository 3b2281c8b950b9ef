package backup

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/kipina/kipina/storage"
)

var note = storage.NewBucket[string]("note")

// TestTakeKeepsNewest takes four backups with keep 2: two stay, each passes
// the check and holds the data of its moment, and the last is recorded.
func TestTakeKeepsNewest(t *testing.T) {
	dir := t.TempDir()
	db, err := storage.Open(filepath.Join(dir, "kipina.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	at := time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC)
	var rec Record
	for i := range 4 {
		if err := db.Update(func(tx *storage.Tx) error { return note.Put(tx, "demo", "n", string(rune('a'+i))) }); err != nil {
			t.Fatal(err)
		}
		if rec, err = Take(db, Dir(dir), at.Add(time.Duration(i)*24*time.Hour), 2); err != nil {
			t.Fatal(err)
		}
	}
	files, err := List(Dir(dir))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 2 || filepath.Base(files[0]) != "kipina-20260303-020000.db" || files[1] != rec.Path {
		t.Fatalf("backups %v, last %s", files, rec.Path)
	}
	for _, f := range files {
		if err := Verify(f); err != nil {
			t.Error(err)
		}
	}
	var got Record
	var ok bool
	if err := db.View(func(tx *storage.Tx) (err error) { got, ok, err = Last(tx); return }); err != nil || !ok || !got.At.Equal(rec.At) || got.Bytes <= 0 {
		t.Fatalf("last = %+v %v %v", got, ok, err)
	}
	// Restore: the newest copy opens as a store with the newest data.
	restored, err := storage.Open(rec.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer restored.Close()
	var v string
	if err := restored.View(func(tx *storage.Tx) (err error) { v, err = note.Get(tx, "demo", "n"); return }); err != nil || v != "d" {
		t.Fatalf("restored note %q, %v", v, err)
	}
}

// TestVerifyRefusesGarbage: a file that is not a store fails the check.
func TestVerifyRefusesGarbage(t *testing.T) {
	p := filepath.Join(t.TempDir(), "kipina-20260101-000000.db")
	if err := os.WriteFile(p, []byte("not a bbolt file, just text that is long enough to be read"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := Verify(p); err == nil {
		t.Fatal("garbage passed the check")
	}
}

// TestLastNone: no backup yet is not an error.
func TestLastNone(t *testing.T) {
	db, err := storage.Open(filepath.Join(t.TempDir(), "kipina.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var ok bool
	if err := db.View(func(tx *storage.Tx) (err error) { _, ok, err = Last(tx); return }); err != nil || ok {
		t.Fatalf("ok %v err %v", ok, err)
	}
}
