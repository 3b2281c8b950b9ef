package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	kbackup "github.com/kipina/kipina/bot/backup"
	"github.com/kipina/kipina/bot/ops"
	"github.com/kipina/kipina/bot/schedule"
	"github.com/kipina/kipina/configs"
	"github.com/kipina/kipina/storage"
)

// TestVersionShowsBuildInfo: "kipina version" names the module and the Go
// version from the build information.
func TestVersionShowsBuildInfo(t *testing.T) {
	var out strings.Builder
	if code := run(context.Background(), []string{"version"}, strings.NewReader(""), &out, io.Discard); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if s := out.String(); !strings.HasPrefix(s, "kipina dev (module ") || !strings.Contains(s, "go1.") {
		t.Fatalf("version: %q", s)
	}
}

// TestHealthcheckAsksTheListener: "kipina healthcheck" exits 0 when the ops
// listener answers, 1 when /readyz fails or nothing listens.
func TestHealthcheckAsksTheListener(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	failing := ops.Check{Name: "platform slack", Fn: func(context.Context) error { return errors.New("not connected") }}
	srv, err := ops.Serve("127.0.0.1:0", ops.Handler(ops.NewMetrics(), []ops.Check{failing}), log)
	if err != nil {
		t.Fatal(err)
	}
	hc := func(args ...string) (int, string) {
		var out strings.Builder
		code := run(context.Background(), append([]string{"healthcheck"}, args...), strings.NewReader(""), &out, io.Discard)
		return code, out.String()
	}
	if code, out := hc("--addr", srv.Addr); code != 0 || !strings.HasPrefix(out, "200 OK") {
		t.Fatalf("healthz: %d %q", code, out)
	}
	if code, out := hc("--addr", srv.Addr, "--ready"); code != 1 || !strings.Contains(out, "not connected") {
		t.Fatalf("readyz: %d %q", code, out)
	}
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	if code, _ := hc("--addr", srv.Addr); code != 1 {
		t.Fatalf("nothing listening: %d", code)
	}
}

// TestBackupSchedule: with schedules.backup at 03:00 and backups.keep 2,
// four nights leave the two newest verified copies and the last one
// recorded. Time is testing/synctest's.
func TestBackupSchedule(t *testing.T) {
	dir := t.TempDir()
	synctest.Test(t, func(t *testing.T) {
		db, err := storage.Open(filepath.Join(dir, "kipina.db"))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		cfg := configs.Default()
		cfg.Schedules = map[string]string{"backup": "0 3 * * *"}
		cfg.Backups.Keep = 2
		log := slog.New(slog.NewTextHandler(io.Discard, nil))
		s := schedule.New(db, time.Now, time.UTC, log)
		if err := scheduleBackups(s, cfg, db, dir, time.Now, log); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error)
		go func() { done <- s.Run(ctx) }()
		time.Sleep(4*24*time.Hour + time.Hour)
		cancel()
		<-done
		files, err := kbackup.List(kbackup.Dir(dir))
		if err != nil {
			t.Fatal(err)
		}
		if len(files) != 2 {
			t.Fatalf("backups: %v", files)
		}
		for _, f := range files {
			if !strings.HasSuffix(f, "-030000.db") {
				t.Errorf("backup %s not taken at 03:00", f)
			}
			if err := kbackup.Verify(f); err != nil {
				t.Error(err)
			}
		}
		var rec kbackup.Record
		var ok bool
		if err := db.View(func(tx *storage.Tx) (err error) { rec, ok, err = kbackup.Last(tx); return }); err != nil || !ok || rec.Path != files[1] {
			t.Fatalf("last %+v %v %v, files %v", rec, ok, err, files)
		}
	})
}
