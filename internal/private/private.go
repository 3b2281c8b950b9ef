// Package private creates the bot's files and folders so that only the
// bot's own user can read them: folders 0700, files 0600. The store, its
// backups, exports, the log, terminal uploads and the admin socket go
// through it. An existing folder or file is tightened, not trusted: a data
// directory made by hand with 0755 becomes 0700 when the bot starts.
package private

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// Modes of the bot's folders and files.
const (
	DirMode  os.FileMode = 0o700
	FileMode os.FileMode = 0o600
)

// Dir creates dir and its missing parents with DirMode and tightens dir
// itself to DirMode if it exists with a wider mode. Parents that exist are
// left as they are (they may be shared, such as /var/lib).
func Dir(dir string) error {
	if err := os.MkdirAll(dir, DirMode); err != nil {
		return err
	}
	return tighten(dir, DirMode)
}

// tighten removes group and other permissions from path.
func tighten(path string, want os.FileMode) error {
	st, err := os.Stat(path)
	if err != nil {
		return err
	}
	if st.Mode().Perm()&^want == 0 {
		return nil
	}
	if err := os.Chmod(path, st.Mode().Perm()&want); err != nil {
		return fmt.Errorf("restrict %s to its owner: %w", path, err)
	}
	return nil
}

// File tightens an existing file to FileMode (the store and the log are
// opened by others' code, with 0600 only when they create the file).
func File(path string) error { return tighten(path, FileMode) }

// WriteFile writes data to path with FileMode, in a private folder (Dir):
// through a temporary file in the same folder, renamed into place, so an
// existing file of a wider mode is replaced, not rewritten in place.
func WriteFile(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := Dir(dir); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*") // 0600
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", path, errors.Join(err, os.Remove(tmp)))
	}
	return nil
}
