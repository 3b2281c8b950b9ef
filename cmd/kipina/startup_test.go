package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/bot/round"
	"github.com/kipina/kipina/storage"
)

func TestMain(m *testing.M) {
	if dir := os.Getenv("KIPINA_SHUTDOWN_CHILD"); dir != "" {
		os.Exit(shutdownChild(dir))
	}
	if dir := os.Getenv("KIPINA_STARTUP_CHILD"); dir != "" {
		// Start the bot on dir, answer one status command, and report the
		// peak resident memory.
		code := run(context.Background(), []string{"run", "--data", dir}, strings.NewReader(os.Getenv("KIPINA_STARTUP_INPUT")), io.Discard, os.Stderr)
		b, _ := os.ReadFile("/proc/self/status")
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(l, "VmHWM:") {
				fmt.Println(strings.Fields(l)[1])
			}
		}
		os.Exit(code)
	}
	os.Exit(m.Run())
}

// fillStore writes n applications with their audit entries into a data
// directory, as a real round would leave them.
func fillStore(tb testing.TB, dir string, n int) {
	tb.Helper()
	db, err := storage.Open(filepath.Join(dir, "kipina.db"))
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	summary := strings.Repeat("Sensors in street lights measure traffic and air quality. ", 12)
	for start := 0; start < n; start += 1000 {
		err := db.Update(func(tx *storage.Tx) error {
			for i := start; i < min(start+1000, n); i++ {
				id := fmt.Sprintf("H%05d", i+1)
				a := round.Application{ID: id, Event: "kipina-2017", State: round.Submitted, Company: fmt.Sprintf("Company %d", i),
					BusinessID: fmt.Sprintf("%07d-0", i), Owner: chat.UserRef{Platform: "shell", Workspace: "demo", User: fmt.Sprint("u", i)},
					Summary: summary, Target: "sensors", Maturity: "idea", Lang: "fi", Submitted: time.Now()}
				if err := round.Put(tx, "demo", a); err != nil {
					return err
				}
				if err := tx.Audit("demo", storage.AuditEntry{Who: a.Owner.String(), Action: "app.submit", Subject: "app/" + id}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			tb.Fatal(err)
		}
	}
}

// BenchmarkStartup10k starts the whole kipina process on a store holding
// 10,000 applications and exits when its (empty) input ends; it reports
// the time per start and the peak resident memory.
func BenchmarkStartup10k(b *testing.B) { benchStartup(b, "") }

// BenchmarkStartup10kStatus does the same and answers /kipina status,
// which reads every application.
func BenchmarkStartup10kStatus(b *testing.B) { benchStartup(b, "/kipina status\n") }

func benchStartup(b *testing.B, input string) {
	dir := b.TempDir()
	fillStore(b, dir, 10000)
	var rss float64
	b.ResetTimer()
	for range b.N {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), "KIPINA_STARTUP_CHILD="+dir, "KIPINA_STARTUP_INPUT="+input)
		out, err := cmd.Output()
		if err != nil {
			b.Fatalf("child: %v", err)
		}
		kb, _ := strconv.ParseFloat(strings.TrimSpace(string(out)), 64)
		rss = max(rss, kb/1024)
	}
	b.ReportMetric(rss, "peak-rss-MB")
}

func TestRunBackupRestore(t *testing.T) {
	dir := t.TempDir()
	stdinR, stdinW := io.Pipe()
	done := make(chan int)
	go func() {
		done <- run(context.Background(), []string{"run", "--data", dir}, stdinR, io.Discard, io.Discard)
	}()
	// Wait for the admin socket, then back up through the running bot.
	sock := filepath.Join(dir, "admin.sock")
	for i := 0; i < 200; i++ {
		if _, err := os.Stat(sock); err == nil {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	fmt.Fprintln(stdinW, "/kipina event new")
	for _, l := range []string{"Varmuus 2027", "2030-05-01", "Tampere", "2030-04-01", "", "", "", "", ""} { // the last four: the name and description in English and Swedish
		fmt.Fprintln(stdinW, l)
	}
	var out strings.Builder
	live := filepath.Join(t.TempDir(), "live.db")
	var code int
	for i := 0; i < 100; i++ { // the event is committed when its line is read; --force: a retry replaces its own earlier copy
		out.Reset()
		if code = run(context.Background(), []string{"backup", live, "--force", "--data", dir}, nil, &out, io.Discard); code == 0 && backupHas(t, live, "varmuus-2027") {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if code != 0 || !strings.Contains(out.String(), "through the running bot") {
		t.Fatalf("live backup: %d %s", code, out.String())
	}
	stdinW.Close()
	if c := <-done; c != 0 {
		t.Fatalf("bot exited %d", c)
	}
	// With the bot stopped the same command reads the file.
	cold := filepath.Join(t.TempDir(), "cold.db")
	out.Reset()
	if code := run(context.Background(), []string{"backup", cold, "--data", dir}, nil, &out, io.Discard); code != 0 || !strings.Contains(out.String(), "bot was not running") {
		t.Fatalf("cold backup: %d %s", code, out.String())
	}
	// Restore: the backup file becomes the store of a new data directory.
	restored := t.TempDir()
	data, _ := os.ReadFile(live)
	os.WriteFile(filepath.Join(restored, "kipina.db"), data, 0o600)
	var shown strings.Builder
	run(context.Background(), []string{"run", "--data", restored}, strings.NewReader("/kipina events\n"), &shown, io.Discard)
	if !strings.Contains(shown.String(), "varmuus-2027") {
		t.Fatalf("restored store lacks the event:\n%s", shown.String())
	}
}

func backupHas(t *testing.T, path, event string) bool {
	db, err := storage.Open(path)
	if err != nil {
		return false
	}
	defer db.Close()
	found := false
	if err := db.View(func(tx *storage.Tx) (err error) { found, err = round.Events.Has(tx, "demo", event); return }); err != nil {
		return false
	}
	return found
}
