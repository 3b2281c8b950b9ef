package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/kipina/kipina/bot"
	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/bot/email"
	"github.com/kipina/kipina/bot/ops"
	"github.com/kipina/kipina/bot/round"
	"github.com/kipina/kipina/bot/shell"
	"github.com/kipina/kipina/bot/web"
	"github.com/kipina/kipina/configs"
	"github.com/kipina/kipina/internal/private"
	"github.com/kipina/kipina/storage"
	"gopkg.in/natefinch/lumberjack.v2"
)

// dataDir picks the data directory: the flag, the configuration, ./data.
func dataDir(flagValue string, cfg *configs.Config) string {
	switch {
	case flagValue != "":
		return flagValue
	case cfg.DataDir != "":
		return cfg.DataDir
	default:
		return "data"
	}
}

// offsetClock is the real clock plus an offset the shell demo can move.
type offsetClock struct {
	mu  sync.Mutex
	off time.Duration
}

func (c *offsetClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.off)
}

func (c *offsetClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.off += d
	c.mu.Unlock()
}

// passTime moves the demo clock forward by d the way time passes: it
// stops at each scheduled item's due time on the way and runs what is due
// then, so a reminder comes on time instead of late at the end.
func passTime(ctx context.Context, b *bot.Bot, c *offsetClock, d time.Duration) {
	target := c.Now().Add(d)
	for range 10000 {
		next, ok, err := b.Sched.NextDue()
		if err != nil {
			b.Log.Error("next due item", "err", err)
			break
		}
		if !ok || next.After(target) {
			break
		}
		if now := c.Now(); next.After(now) {
			c.Advance(next.Sub(now))
		}
		b.Tick(ctx)
		if again, ok, err := b.Sched.NextDue(); err != nil || ok && !again.After(next) {
			break // an item that cannot run now: do not spin
		}
	}
	if now := c.Now(); target.After(now) {
		c.Advance(target.Sub(now))
	}
}

func runBot(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	f := newFlags("run", stderr)
	webListen := f.String("web", "127.0.0.1:8080", "in the terminal demo, the web page's loopback listen address (\"off\": no page); a configuration's web section overrides it")
	if code := f.parse(args); code >= 0 {
		return code
	}
	cfg, err := configs.Load(f.config)
	if err != nil {
		fmt.Fprintf(stderr, "kipina: the configuration needs fixing:\n%v\n", err)
		return 2
	}
	dir := dataDir(f.data, cfg)
	db, err := openData(dir, outboxRetention(cfg))
	if err != nil {
		fmt.Fprintf(stderr, "kipina: %v\n", err)
		return 1
	}
	defer func() {
		if err := db.Close(); err != nil {
			fmt.Fprintf(stderr, "kipina: closing the store: %v\n", err)
		}
	}()
	logOut, logClose, err := openLog(dir, cfg.Log, shellOnly(cfg), stderr)
	if err != nil {
		fmt.Fprintf(stderr, "kipina: %v\n", err)
		return 1
	}
	defer func() {
		if err := logClose(); err != nil {
			fmt.Fprintf(stderr, "kipina: closing the log: %v\n", err)
		}
	}()

	// On a chat platform the terminal shows the log too; in the shell it
	// would drown the conversation, so it goes to the file only. Adapters
	// log through the default logger.
	baseLevel, err := cfg.Log.SlogLevel()
	if err != nil { // validated with the configuration: a bug if seen
		fmt.Fprintf(stderr, "kipina: log level: %v\n", err)
		return 2
	}
	var level slog.LevelVar
	level.Set(baseLevel)
	log := ops.NewLogger(logOut, cfg.Log.Format, &level)
	prev := slog.Default()
	slog.SetDefault(log)
	defer slog.SetDefault(prev)
	stopLevel := watchLevel(&level, baseLevel, log)
	defer stopLevel()
	metrics := ops.NewMetrics()
	platforms, clock, sh, err := buildPlatforms(ctx, cfg, stdin, stdout, stderr, dir, metrics)
	if err != nil {
		fmt.Fprintf(stderr, "kipina: %v\n", err)
		return 2
	}
	// The public web page: configured, or in the terminal demo on a
	// loopback port with e-mail written to DATA/mail.
	var (
		webL   net.Listener
		folder *email.Folder
		webApp *web.Adapter
	)
	if sh != nil && cfg.Web == nil && *webListen != "off" {
		if webL, folder, err = demoWeb(cfg, *webListen, dir, clock.Now); err != nil {
			log.Warn("demo web page not available", "err", err)
		}
	}
	if webOn(cfg) {
		var mailer web.Mailer
		if folder != nil {
			mailer = folder
		}
		if webApp, err = webPlatform(cfg, db, clock.Now, log, mailer, webL); err != nil {
			fmt.Fprintf(stderr, "kipina: %v\n", err)
			return 2
		}
		platforms = append(platforms, webApp)
	}
	b, err := newBot(cfg, db, clock, log, platforms, dir)
	if err != nil {
		fmt.Fprintf(stderr, "kipina: %v\n", err)
		return 1
	}
	if sh != nil && folder != nil {
		lang := b.Config.Defaults.Language
		if ws, ok := b.Workspace(cfg.Workspaces[0].ID); ok {
			lang = ws.Lang
		}
		sh.Intro = func(u chat.UserRef) []string { return []string{demoWebLine(b, cfg, u, folder.Dir())} }
		folder.Notify = func(m email.Mail, path string) { sh.Note(mailNote(b.Cat, lang, m, path)) }
	}
	if sh != nil {
		if err := b.ResolveOrganisers(ctx, sh.Name()); err != nil {
			fmt.Fprintf(stderr, "kipina: the configuration needs fixing: %v\n", err)
			return 2
		}
		sh.T = func(u chat.UserRef, id string, kv ...any) string {
			lang := cfg.Defaults.Language
			if err := db.View(func(tx *storage.Tx) error { lang = b.LangOf(tx, u); return nil }); err != nil {
				log.Error("language of a terminal user", "user", u.String(), "err", err)
			}
			return b.Cat.T(lang, id, kv...)
		}
		sh.AfterLine = b.Tick
		if c, ok := clock.(*offsetClock); ok {
			sh.Advance = func(d time.Duration) { passTime(ctx, b, c, d) }
		}
	}
	metrics.WatchStore(db, b.Now)
	b.Outbox.Observer = metrics
	if err := scheduleBackups(b.Sched, cfg, db, dir, b.Now, log); err != nil {
		fmt.Fprintf(stderr, "kipina: %v\n", err)
		return 2
	}
	if err := schedulePrune(b.Sched, cfg, db, b.Now, log); err != nil {
		fmt.Fprintf(stderr, "kipina: %v\n", err)
		return 2
	}
	if srv, err := startOps(cfg, db, b.Now, platforms, metrics, log); err != nil {
		log.Warn("ops listener not available", "err", err)
	} else if srv != nil {
		defer func() {
			if err := srv.Close(); err != nil {
				log.Warn("ops listener close", "err", err)
			}
		}()
	}
	gate := &ops.Gate{Next: b, Metrics: metrics, Closed: func(e chat.Event) chat.Response {
		lang := cfg.Defaults.Language
		if ws, ok := b.Workspace(e.Who().User.Workspace); ok {
			lang = ws.Lang
		}
		return chat.Response{Reply: &chat.Message{Text: b.Cat.T(lang, "error.restarting")}}
	}}
	admin, err := serveAdmin(ctx, filepath.Join(dir, "admin.sock"), db, log, &level)
	if err != nil {
		log.Warn("admin socket not available", "err", err)
	} else {
		defer admin.Close()
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// In the terminal the shell drives the session; the web page runs
	// beside it until the shell ends.
	webDone := make(chan error, 1)
	if sh != nil && webApp != nil {
		go func() { webDone <- webApp.Run(ctx, gate) }()
	}
	if sh != nil {
		// The shell ends the program when its input ends.
		go func() {
			if err := b.RunBackground(ctx); err != nil {
				log.Error("outbox and scheduler stopped", "err", err)
			}
		}()
		err = sh.Run(ctx, gate)
		if ctx.Err() == nil && err != nil {
			fmt.Fprintf(stderr, "kipina: %v\n", err)
			err = errShell
		}
		if webApp != nil {
			cancel()
			if werr := <-webDone; werr != nil && !errors.Is(werr, context.Canceled) {
				log.Warn("web page", "err", werr)
			}
		}
		b.Tick(context.Background())
	} else {
		err = serve(ctx, b, platforms, gate, shutdownTimeout, log)
	}
	if errors.Is(err, errShell) {
		return 1
	}
	if err != nil && ctx.Err() == nil {
		fmt.Fprintf(stderr, "kipina: %v\n", err)
		return 1
	}
	return 0
}

// demoWebLine is the terminal demo's line about the public web page, for
// the user u the session starts as: in u's language, and saying to open
// the call first only while the demo event's call is not open.
func demoWebLine(b *bot.Bot, cfg *configs.Config, u chat.UserRef, mailDir string) string {
	event := cfg.DemoEvent.ID
	if event == "" {
		event = "EVENT"
	}
	link, _ := cfg.CallURL(u.Workspace, event)
	lang, open := cfg.Defaults.Language, false
	err := b.DB.View(func(tx *storage.Tx) error {
		lang = b.LangOf(tx, u)
		ev, found, err := round.Events.Lookup(tx, u.Workspace, event)
		open = found && ev.Open(b.Now())
		return err
	})
	if err != nil {
		b.Log.Error("the demo's web page line", "user", u.String(), "err", err)
	}
	id := "shell.web"
	if open {
		id = "shell.web.open"
	}
	return b.Cat.T(lang, id, "URL", link, "Event", event, "Dir", mailDir)
}

// errShell marks a terminal session that ended with an error already shown.
var errShell = errors.New("terminal session failed")

// buildPlatforms starts an adapter per configured platform; with none but
// the shell, it returns the terminal adapter on an offset clock.
func buildPlatforms(ctx context.Context, cfg *configs.Config, stdin io.Reader, stdout, _ io.Writer, dir string, m *ops.Metrics) ([]chat.Platform, bot.Clock, *shell.Adapter, error) {
	byPlatform := map[string][]configs.Workspace{}
	for _, w := range cfg.Workspaces {
		byPlatform[w.Platform] = append(byPlatform[w.Platform], w)
	}
	var out []chat.Platform
	for _, b := range []struct {
		name  string
		build func(context.Context, *configs.Config, []configs.Workspace, string, *ops.Metrics) (chat.Platform, error)
	}{{"slack", slackPlatform}, {"mattermost", mattermostPlatform}} {
		if wss := byPlatform[b.name]; len(wss) > 0 {
			p, err := b.build(ctx, cfg, wss, dir, m)
			if err != nil {
				return nil, nil, nil, err
			}
			out = append(out, p)
		}
	}
	shells := byPlatform["shell"]
	if len(out) > 0 || len(shells) == 0 {
		return out, bot.SystemClock{}, nil, nil
	}
	user := "nina"
	if len(shells[0].Organisers) > 0 { // "@nina" is nina in the terminal
		user = strings.TrimPrefix(strings.TrimSpace(shells[0].Organisers[0]), "@")
	}
	clock := &offsetClock{}
	sh := shell.New(stdin, stdout, shells[0].ID, user)
	sh.Echo = !isTerminal(stdin)
	sh.FileDir = filepath.Join(dir, "files")
	return []chat.Platform{sh}, clock, sh, nil
}

// shellOnly reports whether no workspace is on a chat platform.
func shellOnly(cfg *configs.Config) bool {
	for _, w := range cfg.Workspaces {
		if w.Platform != "shell" {
			return false
		}
	}
	return true
}

func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// openData makes the data directory private to the bot's user (created or
// tightened to 0700) and opens the log and the store in it, both 0600 even
// when they existed with a wider mode. retention is the outbox's
// (outboxRetention): the upgrade's migration prunes with it.
func openData(dir string, retention time.Duration) (*storage.DB, error) {
	if err := private.Dir(dir); err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	dbPath := filepath.Join(dir, "kipina.db")
	db, err := storage.OpenWith(dbPath, storage.Options{Retention: retention})
	if err != nil {
		return nil, err
	}
	if err := private.File(dbPath); err != nil {
		return nil, errors.Join(err, db.Close())
	}
	return db, nil
}

// openLog returns where the log goes: standard error by default, for
// journald or a container runtime to collect and rotate; the configured
// file (log.file, relative to dir) when set, or DATA/kipina.log in the
// terminal shell, rotated by size (lumberjack: at log.max_mb megabytes,
// keeping log.keep old files). close flushes and closes the file.
func openLog(dir string, lc configs.Log, shell bool, stderr io.Writer) (w io.Writer, close func() error, err error) {
	path := lc.File
	if path == "" && !shell {
		return stderr, func() error { return nil }, nil
	}
	if path == "" {
		path = "kipina.log"
	}
	if !filepath.IsAbs(path) {
		path = filepath.Join(dir, path)
	}
	// Create it private first: lumberjack keeps the mode of a file it finds.
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, private.FileMode)
	if err != nil {
		return nil, nil, fmt.Errorf("log file: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, nil, fmt.Errorf("log file: %w", err)
	}
	if err := private.File(path); err != nil {
		return nil, nil, err
	}
	lj := &lumberjack.Logger{Filename: path, MaxSize: cmp.Or(lc.MaxMB, 20), MaxBackups: cmp.Or(lc.Keep, 5)}
	return lj, lj.Close, nil
}
