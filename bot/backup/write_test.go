package backup

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/kipina/kipina/storage"
)

// liveStore opens a store in a temporary data directory holding one note.
func liveStore(t *testing.T) (dir string, db *storage.DB) {
	t.Helper()
	dir = t.TempDir()
	db, err := storage.Open(filepath.Join(dir, "kipina.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Error(err)
		}
	})
	if err := db.Update(func(tx *storage.Tx) error { return note.Put(tx, "demo", "n", "before") }); err != nil {
		t.Fatal(err)
	}
	return dir, db
}

// Issue 21: "kipina backup DATA/kipina.db" while the bot runs replaced
// the live store. Every way of naming the store's file is refused, with
// or without force, and the store keeps working and keeps its data.
func TestWriteFileRefusesTheLiveStore(t *testing.T) {
	dir, db := liveStore(t)
	store := filepath.Join(dir, "kipina.db")
	other := t.TempDir()
	symlink := filepath.Join(other, "link.db")
	if err := os.Symlink(store, symlink); err != nil {
		t.Fatal(err)
	}
	hard := filepath.Join(dir, "hard.db")
	if err := os.Link(store, hard); err != nil {
		t.Fatal(err)
	}
	linkedDir := filepath.Join(other, "data")
	if err := os.Symlink(dir, linkedDir); err != nil {
		t.Fatal(err)
	}
	for name, dst := range map[string]string{
		"the store's path":                  store,
		"another spelling of the path":      filepath.Join(dir, "backups", "..", ".", "kipina.db"),
		"a symbolic link to the store":      symlink,
		"a hard link of the store":          hard,
		"its entry through a linked folder": filepath.Join(linkedDir, "kipina.db"),
	} {
		if err := os.MkdirAll(filepath.Join(dir, "backups"), 0o700); err != nil {
			t.Fatal(err)
		}
		for _, force := range []bool{false, true} {
			if _, err := WriteFile(db, dst, force); !errors.Is(err, ErrLiveStore) {
				t.Errorf("%s (force %v): %v, want ErrLiveStore", name, force, err)
			}
		}
	}
	// The bot writes on and reads back what it wrote.
	if err := db.Update(func(tx *storage.Tx) error { return note.Put(tx, "demo", "n", "after") }); err != nil {
		t.Fatal(err)
	}
	var v string
	if err := db.View(func(tx *storage.Tx) (err error) { v, err = note.Get(tx, "demo", "n"); return }); err != nil || v != "after" {
		t.Fatalf("note %q, %v", v, err)
	}
	if fi, err := os.Lstat(symlink); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the symbolic link was replaced: %v %v", fi, err)
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if filepath.Ext(e.Name()) == ".part" {
			t.Errorf("a temporary file was left: %s", e.Name())
		}
	}
}

// An existing file is overwritten only when asked; a new file is written,
// checked and holds the data.
func TestWriteFileOverwritesOnlyWithForce(t *testing.T) {
	_, db := liveStore(t)
	dst := filepath.Join(t.TempDir(), "copy.db")
	if err := os.WriteFile(dst, []byte("precious"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := WriteFile(db, dst, false); !errors.Is(err, ErrExists) {
		t.Fatalf("over an existing file without force: %v, want ErrExists", err)
	}
	if b, err := os.ReadFile(dst); err != nil || string(b) != "precious" {
		t.Fatalf("the existing file changed: %q %v", b, err)
	}
	dangling := filepath.Join(t.TempDir(), "dangling.db")
	if err := os.Symlink(filepath.Join(t.TempDir(), "nowhere.db"), dangling); err != nil {
		t.Fatal(err)
	}
	if _, err := WriteFile(db, dangling, false); !errors.Is(err, ErrExists) {
		t.Errorf("over a dangling link without force: %v, want ErrExists", err)
	}
	n, err := WriteFile(db, dst, true)
	if err != nil || n <= 0 {
		t.Fatalf("with force: %d %v", n, err)
	}
	fresh := filepath.Join(filepath.Dir(dst), "fresh.db")
	if _, err := WriteFile(db, fresh, false); err != nil {
		t.Fatalf("a new file: %v", err)
	}
	for _, p := range []string{dst, fresh} {
		copyDB, err := storage.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		var v string
		err = copyDB.View(func(tx *storage.Tx) (err error) { v, err = note.Get(tx, "demo", "n"); return })
		if cerr := copyDB.Close(); err == nil {
			err = cerr
		}
		if err != nil || v != "before" {
			t.Errorf("%s: note %q, %v", p, v, err)
		}
	}
}
