package main

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kipina/kipina/storage"
)

// backupCmd runs "kipina backup args..." and returns its exit code and
// what it wrote.
func backupCmd(t *testing.T, args ...string) (int, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := runBackup(context.Background(), args, nil, &out, &errb)
	return code, out.String() + errb.String()
}

// Issue 21: "kipina backup DATA/kipina.db --data DATA" while the bot runs
// reported success and replaced the live store. Through the running bot
// and from the file alike, the live store is refused (also through a
// symbolic link), an existing file is kept unless --force is given, and
// --force still never means the live store.
func TestBackupRefusesLiveStoreAndExistingFile(t *testing.T) {
	for _, running := range []bool{true, false} {
		dir := t.TempDir()
		store := filepath.Join(dir, "kipina.db")
		if running {
			db, err := openData(dir, 0)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			l, err := serveAdmin(ctx, filepath.Join(dir, "admin.sock"), db, slog.New(slog.DiscardHandler), new(slog.LevelVar))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { cancel(); l.Close(); db.Close() })
		} else {
			db, err := storage.Open(store)
			if err != nil {
				t.Fatal(err)
			}
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}
		}
		how := map[bool]string{true: "through the running bot", false: "from the file"}[running]
		link := filepath.Join(t.TempDir(), "link.db")
		if err := os.Symlink(store, link); err != nil {
			t.Fatal(err)
		}
		before, err := os.Stat(store)
		if err != nil {
			t.Fatal(err)
		}
		for _, args := range [][]string{{store}, {store, "--force"}, {link, "--force"}} {
			code, out := backupCmd(t, append(args, "--data", dir)...)
			if code != 1 || !strings.Contains(out, "the destination is the live store") {
				t.Errorf("%s: backup %v: exit %d, %q; want a refusal", how, args, code, out)
			}
		}
		if after, err := os.Stat(store); err != nil || !os.SameFile(before, after) {
			t.Fatalf("%s: the live store was replaced", how)
		}

		dst := filepath.Join(t.TempDir(), "copy.db")
		if err := os.WriteFile(dst, []byte("precious"), 0o600); err != nil {
			t.Fatal(err)
		}
		code, out := backupCmd(t, dst, "--data", dir)
		if b, err := os.ReadFile(dst); code != 1 || !strings.Contains(out, "--force to overwrite") || err != nil || string(b) != "precious" {
			t.Errorf("%s: over an existing file: exit %d, %q; file %q %v", how, code, out, b, err)
		}
		code, out = backupCmd(t, dst, "--force", "--data", dir)
		if code != 0 || !strings.Contains(out, "backup written to "+dst) || !strings.Contains(out, how) {
			t.Errorf("%s: --force: exit %d, %q", how, code, out)
		}
		code, out = backupCmd(t, filepath.Join(filepath.Dir(dst), "new.db"), "--data", dir)
		if code != 0 {
			t.Errorf("%s: a new file: exit %d, %q", how, code, out)
		}
	}
}
