package shell

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kipina/kipina/bot/chat"
)

// A terminal upload is written 0600 in a 0700 folder, even when the folder
// and an older file of the same name existed with wider modes.
func TestUploadModes(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "files")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "hakemukset.csv"), []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	a := New(strings.NewReader(""), io.Discard, "demo", "maija")
	a.FileDir = dir
	for _, name := range []string{"hakemukset.csv", "tulokset.xlsx"} {
		if err := a.Upload(context.Background(), chat.DM(a.me()), chat.File{Name: name, Content: []byte("x")}, "export"); err != nil {
			t.Fatal(err)
		}
		st, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if m := st.Mode().Perm(); m != 0o600 {
			t.Errorf("%s: mode %o, want 600", name, m)
		}
	}
	st, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if m := st.Mode().Perm(); m != 0o700 {
		t.Errorf("folder mode %o, want 700", m)
	}
}
