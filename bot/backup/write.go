package backup

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/kipina/kipina/storage"
)

// ErrLiveStore is returned (wrapped) by CheckDest and WriteFile when the
// destination is the live store: the same file, whatever the path says
// (the store's own path, a symbolic link to it, a hard link of it, or its
// directory entry reached through a linked directory). Writing a copy
// there would replace the file the running bot writes to, and what it
// writes afterwards would be lost at the next start (issue 21).
var ErrLiveStore = errors.New("the destination is the live store")

// ErrExists is returned (wrapped) by CheckDest and WriteFile when the
// destination exists and overwriting was not asked for.
var ErrExists = errors.New("the destination exists")

// CheckDest reports whether a backup of the store at store may be written
// to dst: never when dst is the store's file (compared with os.SameFile,
// not by path), and only with force when dst exists (a dangling symbolic
// link counts as existing). Errors: ErrLiveStore, ErrExists, or a failure
// to look at either file.
func CheckDest(store, dst string, force bool) error {
	sfi, err := os.Stat(store)
	if err != nil {
		return fmt.Errorf("backup: the store: %w", err)
	}
	dfi, err := os.Stat(dst)
	switch {
	case err == nil && os.SameFile(sfi, dfi):
		return fmt.Errorf("backup to %s: %w (%s)", dst, ErrLiveStore, store)
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("backup to %s: %w", dst, err)
	}
	if _, err := os.Lstat(dst); err == nil && !force {
		return fmt.Errorf("backup to %s: %w", dst, ErrExists)
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("backup to %s: %w", dst, err)
	}
	return nil
}

// WriteFile writes a consistent copy of db to dst and returns its size in
// bytes. The copy is written to a temporary file beside dst and checked
// (Verify) before it takes dst's name, so a copy that fails the check never
// appears at dst. dst is refused as CheckDest says (db.Path() is the
// store); without force the copy takes the name only if it is still free
// (a hard link, so a file that appears meanwhile is not overwritten).
func WriteFile(db *storage.DB, dst string, force bool) (n int64, err error) {
	if err := CheckDest(db.Path(), dst, force); err != nil {
		return 0, err
	}
	f, err := os.CreateTemp(filepath.Dir(dst), "."+filepath.Base(dst)+".*.part")
	if err != nil {
		return 0, fmt.Errorf("backup: %w", err)
	}
	tmp := f.Name()
	if err := f.Close(); err != nil {
		return 0, errors.Join(fmt.Errorf("backup: %w", err), removeIfThere(tmp))
	}
	defer func() { err = errors.Join(err, removeIfThere(tmp)) }()
	if n, err = db.BackupFile(tmp); err != nil {
		return 0, err
	}
	if err := Verify(tmp); err != nil {
		return 0, err
	}
	// The destination may have changed while the copy was written.
	if err := CheckDest(db.Path(), dst, force); err != nil {
		return 0, err
	}
	if force {
		err = os.Rename(tmp, dst)
	} else if err = os.Link(tmp, dst); errors.Is(err, fs.ErrExist) {
		err = ErrExists
	}
	if err != nil {
		return 0, fmt.Errorf("backup to %s: %w", dst, err)
	}
	return n, nil
}

// removeIfThere removes path; a path already gone is no error.
func removeIfThere(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}
