package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	kbackup "github.com/kipina/kipina/bot/backup"
	"github.com/kipina/kipina/configs"
	"github.com/kipina/kipina/internal/private"
	"github.com/kipina/kipina/storage"
)

// serveAdmin listens on a Unix socket in the data directory, reachable only
// by the bot's own user (created under the umask 0o077, so never wider than
// 0700, in a 0700 folder), for host commands that need the running process:
// "backup PATH" writes a consistent copy of the store to a new file PATH
// ("backup-force PATH" may replace a file; neither ever the live store, see
// kbackup.WriteFile); "log-level LEVEL"
// sets the log level (debug, info, warn, error).
func serveAdmin(ctx context.Context, path string, db *storage.DB, log *slog.Logger, lv *slog.LevelVar) (io.Closer, error) {
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) { // a socket left by a crash
		return nil, err
	}
	var l net.Listener
	err := private.WithUmask(func() error {
		var err error
		l, err = net.Listen("unix", path)
		return err
	})
	if err != nil {
		return nil, err
	}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go handleAdmin(c, db, log, lv)
		}
	}()
	go func() { <-ctx.Done(); l.Close() }()
	return l, nil
}

func handleAdmin(c net.Conn, db *storage.DB, log *slog.Logger, lv *slog.LevelVar) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Minute))
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return
	}
	cmd, arg, _ := strings.Cut(strings.TrimSpace(line), " ")
	switch cmd {
	case "backup", "backup-force":
		n, err := kbackup.WriteFile(db, arg, cmd == "backup-force")
		if err != nil {
			fmt.Fprintf(c, "error %v\n", err)
			return
		}
		log.Info("backup", "path", arg, "bytes", n)
		fmt.Fprintf(c, "ok %d\n", n)
	case "log-level":
		var l slog.Level
		if err := l.UnmarshalText([]byte(arg)); err != nil {
			fmt.Fprintf(c, "error %v\n", err)
			return
		}
		lv.Set(l)
		log.Warn("log level changed", "level", l.String())
		fmt.Fprintf(c, "ok %s\n", l)
	default:
		fmt.Fprintf(c, "error unknown command %q\n", cmd)
	}
}

// runBackup is "kipina backup FILE": through the running bot's admin socket
// when it runs, else straight from the file.
func runBackup(_ context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) int {
	f := newFlags("backup", stderr)
	force := f.Bool("force", false, "overwrite FILE if it exists (never the live store)")
	f.Usage = func() {
		fmt.Fprintln(stderr, "Usage: kipina backup FILE [--force] [--data DIR] [--config FILE]")
		f.PrintDefaults()
	}
	if code := f.parse(args); code >= 0 {
		return code
	}
	if len(f.positional) != 1 {
		f.Usage()
		return 2
	}
	cfg, err := configs.Load(f.config)
	if err != nil {
		fmt.Fprintf(stderr, "kipina: the configuration needs fixing:\n%v\n", err)
		return 2
	}
	dir := dataDir(f.data, cfg)
	dst, err := filepath.Abs(f.positional[0])
	if err != nil {
		fmt.Fprintf(stderr, "kipina backup: %v\n", err)
		return 1
	}
	n, how, err := backup(dir, dst, *force)
	if err != nil {
		fmt.Fprintf(stderr, "kipina backup: %v\n", err)
		if strings.Contains(err.Error(), kbackup.ErrExists.Error()) {
			fmt.Fprintln(stderr, "kipina backup: give another FILE, or --force to overwrite it")
		}
		return 1
	}
	fmt.Fprintf(stdout, "backup written to %s (%d bytes, %s)\n", dst, n, how)
	return 0
}

// backup writes a copy of the store in dir to dst (absolute), through the
// running bot's admin socket when it answers, else from the file; force
// allows replacing an existing dst, never the live store. It returns the
// size in bytes and how the copy was made.
func backup(dir, dst string, force bool) (n int64, how string, err error) {
	c, err := net.DialTimeout("unix", filepath.Join(dir, "admin.sock"), 2*time.Second)
	if err == nil {
		defer func() { err = errors.Join(err, ignoreClosed(c.Close())) }()
		cmd := "backup"
		if force {
			cmd = "backup-force"
		}
		if _, err := fmt.Fprintf(c, "%s %s\n", cmd, dst); err != nil {
			return 0, "", fmt.Errorf("running bot: %w", err)
		}
		reply, err := bufio.NewReader(c).ReadString('\n')
		if err != nil {
			return 0, "", fmt.Errorf("running bot: %w", err)
		}
		if _, err := fmt.Sscanf(reply, "ok %d", &n); err != nil {
			return 0, "", fmt.Errorf("running bot: %s", strings.TrimSpace(strings.TrimPrefix(reply, "error ")))
		}
		return n, "through the running bot", nil
	}
	src := filepath.Join(dir, "kipina.db")
	if _, err := os.Stat(src); errors.Is(err, os.ErrNotExist) {
		return 0, "", fmt.Errorf("no store at %s (use --data)", src)
	}
	db, err := storage.Open(src)
	if err != nil {
		return 0, "", err
	}
	defer func() { err = errors.Join(err, db.Close()) }()
	n, err = kbackup.WriteFile(db, dst, force)
	return n, "from the file; the bot was not running", err
}

// ignoreClosed drops the error of closing a connection the other side
// already closed.
func ignoreClosed(err error) error {
	if errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}

// closeInto closes c and, when *err is nil, keeps the close's error there:
// for a deferred close whose failure matters.
func closeInto(err *error, c io.Closer) {
	if cerr := c.Close(); *err == nil {
		*err = cerr
	}
}
