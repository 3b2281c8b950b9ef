package main

import (
	"context"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"testing"

	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/bot/export"
	"github.com/kipina/kipina/configs"
	"github.com/kipina/kipina/storage"
)

func mode(t *testing.T, path string) os.FileMode {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Mode().Perm()
}

// An existing data directory, store and log of wider modes are tightened
// at start; the admin socket, backups and exports are the bot user's only.
func TestDataModes(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	db, err := storage.Open(filepath.Join(dir, "kipina.db"))
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	for _, f := range []string{"kipina.db", "kipina.log"} {
		p := filepath.Join(dir, f)
		if err := os.WriteFile(p, nil, 0o644); err != nil && f != "kipina.db" {
			t.Fatal(err)
		}
		if err := os.Chmod(p, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	db, err = openData(dir, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	_, closeLog, err := openLog(dir, configs.Log{File: "kipina.log"}, false, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	defer closeLog()
	for path, want := range map[string]os.FileMode{dir: 0o700, filepath.Join(dir, "kipina.db"): 0o600, filepath.Join(dir, "kipina.log"): 0o600} {
		if m := mode(t, path); m != want {
			t.Errorf("%s: mode %o, want %o", path, m, want)
		}
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sock := filepath.Join(dir, "admin.sock")
	l, err := serveAdmin(ctx, sock, db, slog.New(slog.DiscardHandler), new(slog.LevelVar))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if m := mode(t, sock); m&0o077 != 0 {
		t.Errorf("admin socket mode %o: reachable by others", m)
	}
	c, err := net.Dial("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	backup := filepath.Join(dir, "backups", "b.db")
	if err := os.MkdirAll(filepath.Dir(backup), 0o700); err != nil {
		t.Fatal(err)
	}
	io.WriteString(c, "backup "+backup+"\n")
	if _, err := io.ReadAll(c); err != nil {
		t.Fatal(err)
	}
	c.Close()
	if m := mode(t, backup); m != 0o600 {
		t.Errorf("backup mode %o, want 600", m)
	}

	out := filepath.Join(dir, "exports")
	if err := os.Mkdir(out, 0o755); err != nil {
		t.Fatal(err)
	}
	paths, err := export.Save(out, []chat.File{{Name: "hakemukset.csv", Content: []byte("x")}})
	if err != nil {
		t.Fatal(err)
	}
	if m := mode(t, out); m != 0o700 {
		t.Errorf("export folder mode %o, want 700", m)
	}
	if m := mode(t, paths[0]); m != 0o600 {
		t.Errorf("export mode %o, want 600", m)
	}
}
