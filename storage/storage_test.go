package storage

import (
	"errors"
	"fmt"
	"path/filepath"
	"testing"

	"time"

	bolt "go.etcd.io/bbolt"
)

type rec struct {
	Name string
	N    int
}

var recs = NewBucket[rec]("recs")

// openTest opens a store in a temporary directory and checks it on cleanup.
func openTest(t *testing.T) *DB {
	t.Helper()
	db, err := Open(filepath.Join(t.TempDir(), "kipina.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := db.Check(); err != nil {
			t.Errorf("consistency check: %v", err)
		}
		db.Close()
	})
	return db
}

func TestBucketRoundTripAndScopes(t *testing.T) {
	db := openTest(t)
	err := db.Update(func(tx *Tx) error {
		for _, r := range []struct{ ws, key string }{{"tampere", "a1"}, {"tampere", "a2"}, {"tampere", "b1"}, {"turku", "a1"}} {
			if err := recs.Put(tx, r.ws, r.key, rec{Name: r.ws + "/" + r.key}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	db.View(func(tx *Tx) error {
		got, err := recs.Get(tx, "turku", "a1")
		if err != nil || got.Name != "turku/a1" {
			t.Errorf("turku a1 = %v, %v", got, err)
		}
		var keys []string
		recs.Scan(tx, "tampere", "a", func(k string, v rec) error { keys = append(keys, k); return nil })
		if len(keys) != 2 || keys[0] != "a1" || keys[1] != "a2" {
			t.Errorf("scan tampere a* = %v", keys)
		}
		if _, err := recs.Get(tx, "turku", "a2"); !errors.Is(err, ErrNotFound) {
			t.Errorf("turku a2 leaked from tampere: err = %v", err)
		}
		if _, err := recs.Get(tx, "oulu", "a1"); !errors.Is(err, ErrNotFound) {
			t.Errorf("missing workspace: err = %v", err)
		}
		if ws, err := tx.Workspaces(); err != nil || len(ws) != 2 {
			t.Errorf("workspaces = %v", ws)
		}
		return nil
	})
}

func TestAuditInSameTransaction(t *testing.T) {
	db := openTest(t)
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	db.Now = func() time.Time { return at }
	boom := errors.New("boom")
	// A failed change leaves neither the record nor its audit entry.
	err := db.Update(func(tx *Tx) error {
		recs.Put(tx, "w", "x", rec{N: 1})
		tx.Audit("w", AuditEntry{Who: "nina", Action: "create", Subject: "x"})
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatal(err)
	}
	for i, action := range []string{"create", "edit"} {
		if err := db.Update(func(tx *Tx) error {
			if err := recs.Put(tx, "w", "x", rec{N: i}); err != nil {
				return err
			}
			return tx.Audit("w", AuditEntry{Who: "nina", Action: action, Subject: "x"})
		}); err != nil {
			t.Fatal(err)
		}
	}
	db.Update(func(tx *Tx) error { return tx.Audit("w", AuditEntry{Who: "o", Action: "other", Subject: "x2"}) })
	db.View(func(tx *Tx) error {
		log, err := tx.AuditLog("w", "x")
		if err != nil {
			t.Fatal(err)
		}
		if len(log) != 2 || log[0].Action != "create" || log[1].Action != "edit" || !log[0].At.Equal(at) {
			t.Errorf("audit log = %+v", log)
		}
		return nil
	})
}

func TestSchemaVersionAndNewerFileRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "k.db")
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := db.SchemaVersion(); v != len(Migrations) {
		t.Errorf("schema = %d, want %d", v, len(Migrations))
	}
	db.Close()
	// A later kipina adds a migration: it runs once on open.
	ran := 0
	Migrations = append(Migrations, func(*bolt.Tx, Options) error { ran++; return nil })
	t.Cleanup(func() { Migrations = Migrations[:len(Migrations)-1] })
	for range 2 {
		db, err = Open(path)
		if err != nil {
			t.Fatal(err)
		}
		db.Close()
	}
	if ran != 1 {
		t.Errorf("migration ran %d times, want 1", ran)
	}
	// An older kipina refuses the newer file instead of damaging it.
	Migrations = Migrations[:len(Migrations)-1]
	if _, err := Open(path); !errors.Is(err, ErrNewerSchema) {
		t.Errorf("open newer file: %v", err)
	}
	Migrations = append(Migrations, func(*bolt.Tx, Options) error { return nil })
}

func TestSecondOpenFailsClearly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "k.db")
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := Open(path); err == nil {
		t.Fatal("second open of a locked file succeeded")
	}
}

func TestBackupRestore(t *testing.T) {
	db := openTest(t)
	db.Update(func(tx *Tx) error { return recs.Put(tx, "w", "k", rec{Name: "kept"}) })
	dst := filepath.Join(t.TempDir(), "backup.db")
	if n, err := db.BackupFile(dst); err != nil || n == 0 {
		t.Fatalf("backup: %d, %v", n, err)
	}
	// Writes after the backup are not in it.
	db.Update(func(tx *Tx) error { return recs.Put(tx, "w", "later", rec{}) })
	restored, err := Open(dst)
	if err != nil {
		t.Fatal(err)
	}
	defer restored.Close()
	restored.View(func(tx *Tx) error {
		if r, err := recs.Get(tx, "w", "k"); err != nil || r.Name != "kept" {
			t.Errorf("restored k = %v, %v", r, err)
		}
		if has, err := recs.Has(tx, "w", "later"); err != nil || has {
			t.Error("backup contains a later write")
		}
		return nil
	})
	if err := restored.Check(); err != nil {
		t.Error(err)
	}
}

// TestBatchGroupsAndIsolatesFailures: concurrent Batch callers all commit;
// a failing or panicking caller gets its own error and the others are kept.
func TestBatchGroupsAndIsolatesFailures(t *testing.T) {
	db := openTest(t)
	const n = 200
	errs := make(chan error, n)
	for i := range n {
		go func() {
			errs <- db.Batch(func(tx *Tx) error {
				switch i {
				case 7:
					return errors.New("refused")
				case 8:
					panic("bug")
				}
				return recs.Put(tx, "w", fmt.Sprint(i), rec{N: i})
			})
		}()
	}
	failed := 0
	for range n {
		if err := <-errs; err != nil {
			failed++
		}
	}
	if failed != 2 {
		t.Errorf("%d callers failed, want 2", failed)
	}
	db.View(func(tx *Tx) error {
		all, _ := recs.All(tx, "w")
		if len(all) != n-2 {
			t.Errorf("%d stored, want %d", len(all), n-2)
		}
		return nil
	})
}
