package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/kipina/kipina/bot"
	kbackup "github.com/kipina/kipina/bot/backup"
	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/bot/ops"
	"github.com/kipina/kipina/bot/outbox"
	"github.com/kipina/kipina/bot/schedule"
	"github.com/kipina/kipina/configs"
	"github.com/kipina/kipina/storage"
	"golang.org/x/sync/errgroup"
)

// shutdownTimeout bounds a graceful shutdown: handlers in flight and the
// last delivery pass. The systemd unit's TimeoutStopSec leaves room for it.
const shutdownTimeout = 20 * time.Second

// serve runs the platforms (through gate), the outbox worker and the
// scheduler until ctx ends (SIGTERM, SIGINT) or a platform fails for good.
// Then it shuts down in order: the platforms stop reading events; the
// handlers in flight finish; one more delivery pass sends what they
// enqueued; the worker and scheduler stop. The last two steps share
// timeout. What a handler committed and did not get delivered stays in the
// store's outbox for the next start.
func serve(ctx context.Context, b *bot.Bot, platforms []chat.Platform, gate *ops.Gate, timeout time.Duration, log *slog.Logger) error {
	bg, stopBG := context.WithCancel(context.WithoutCancel(ctx))
	defer stopBG()
	background := make(chan error, 1)
	go func() { background <- b.RunBackground(bg) }()

	g, pctx := errgroup.WithContext(ctx)
	// A platform that registers a command at start (Mattermost) looks the
	// organisers up before it does, so a wrong entry leaves no live command
	// pointing at a stopped bot; the others as soon as they can answer.
	var later []chat.Platform
	for _, p := range platforms {
		if h, ok := p.(beforeRegister); ok {
			h.BeforeRegister(func(ctx context.Context) error { return lookupOrganisers(ctx, b, p.Name(), log) })
			continue
		}
		later = append(later, p)
	}
	for _, p := range platforms {
		g.Go(func() error {
			if err := p.Run(pctx, gate); err != nil && !errors.Is(err, context.Canceled) {
				return fmt.Errorf("%s: %w", p.Name(), err)
			}
			return nil
		})
	}
	for _, p := range later {
		g.Go(func() error { return resolveOrganisers(pctx, b, p, log) })
	}
	err := g.Wait()
	log.Info("shutting down: no new events; finishing handlers and deliveries", "timeout", timeout)
	drain, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
	defer cancel()
	if !gate.Drain(drain) {
		log.Warn("shutdown: handlers still running at the timeout")
	}
	if n, derr := b.Outbox.Deliver(drain); derr != nil && drain.Err() == nil {
		log.Error("shutdown: last delivery", "err", derr)
	} else {
		log.Info("shutdown: last delivery pass", "sent", n)
	}
	stopBG()
	if berr := <-background; err == nil {
		err = berr
	}
	return err
}

// organiserRetries are the waits between attempts to look up the
// organisers of a platform's workspaces when the platform does not answer
// (about a minute in all); then the bot stops, naming the entry.
var organiserRetries = []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 15 * time.Second, 30 * time.Second}

// resolveOrganisers looks up the "@username" and e-mail entries of the
// organisers of p's workspaces (bot.ResolveOrganisers) once p can answer:
// for an adapter with Started, after it has started. (Mattermost looks
// them up earlier, through BeforeRegister: see serve.) An entry no member
// has returns its *bot.OrganiserError at once, which stops the bot; a
// lookup the platform does not answer is retried (organiserRetries) and
// then stops the bot too. It returns nil when ctx ends first.
func resolveOrganisers(ctx context.Context, b *bot.Bot, p chat.Platform, log *slog.Logger) error {
	if s, ok := p.(interface{ Started() <-chan struct{} }); ok {
		select {
		case <-ctx.Done():
			return nil
		case <-s.Started():
		}
	}
	return lookupOrganisers(ctx, b, p.Name(), log)
}

// beforeRegister is a platform that runs a check of the caller's after it
// has connected and before it registers its command (the Mattermost
// adapter's BeforeRegister).
type beforeRegister interface {
	BeforeRegister(fn func(ctx context.Context) error)
}

// lookupOrganisers looks up the organisers of platform's workspaces now,
// retrying (organiserRetries) while the platform does not answer; see
// resolveOrganisers.
func lookupOrganisers(ctx context.Context, b *bot.Bot, platform string, log *slog.Logger) error {
	for attempt := 0; ; attempt++ {
		err := b.ResolveOrganisers(ctx, platform)
		var bad *bot.OrganiserError
		switch {
		case err == nil || ctx.Err() != nil:
			return nil
		case errors.As(err, &bad):
			return fmt.Errorf("the configuration needs fixing: %w", err)
		case attempt >= len(organiserRetries):
			return fmt.Errorf("%w; the organisers could not be looked up: fix the entry or the platform's settings and start kipina again", err)
		}
		log.Warn("organisers not looked up; retrying", "platform", platform, "in", organiserRetries[attempt], "err", err)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(organiserRetries[attempt]):
		}
	}
}

// watchLevel toggles the log level between debug and base on SIGUSR1
// until the returned stop is called.
func watchLevel(lv *slog.LevelVar, base slog.Level, log *slog.Logger) (stop func()) {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGUSR1)
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-done:
				return
			case <-ch:
				log.Warn("log level changed", "level", ops.ToggleDebug(lv, base).String())
			}
		}
	}()
	return func() { signal.Stop(ch); close(done) }
}

// startOps starts the ops listener unless ops.listen is "off" (then it
// returns nil, nil).
func startOps(cfg *configs.Config, db *storage.DB, now func() time.Time, platforms []chat.Platform, m *ops.Metrics, log *slog.Logger) (*ops.Server, error) {
	addr := cfg.Ops.Listen
	if addr == "off" {
		return nil, nil
	}
	if addr == "" {
		addr = defaultOpsListen
	}
	stuck, err := cfg.Ops.StuckDuration()
	if err != nil {
		return nil, err
	}
	checks := []ops.Check{ops.StoreCheck(db), ops.OutboxCheck(db, now, stuck)}
	for _, p := range platforms {
		checks = append(checks, ops.PlatformCheck(p))
	}
	return ops.Serve(addr, ops.Handler(m, checks), log)
}

// defaultOpsListen is the ops listener's address when ops.listen is empty.
const defaultOpsListen = "127.0.0.1:9464"

// scheduleBackups registers the "backup" schedule, when configured: a
// verified copy into DATA/backups, keeping backups.keep.
func scheduleBackups(s *schedule.Scheduler, cfg *configs.Config, db *storage.DB, dir string, now func() time.Time, log *slog.Logger) error {
	spec := cfg.Schedules["backup"]
	if spec == "" {
		return nil
	}
	return s.Cron("backup", spec, func(context.Context) {
		rec, err := kbackup.Take(db, kbackup.Dir(dir), now(), cfg.Backups.Keep)
		if err != nil {
			log.Error("scheduled backup", "err", err)
			return
		}
		log.Info("scheduled backup", "path", rec.Path, "bytes", rec.Bytes)
	})
}

// outboxRetention is how long a delivered message keeps its content:
// outbox.retention_days, default outbox.DefaultRetention (30 days).
func outboxRetention(cfg *configs.Config) time.Duration {
	if d := cfg.Outbox.RetentionDays; d > 0 {
		return time.Duration(d) * 24 * time.Hour
	}
	return outbox.DefaultRetention
}

// schedulePrune compacts delivered messages older than the outbox
// retention (outboxRetention) to receipts: once at start (what came due
// while the bot was down; the upgrade that added pruning prunes the
// history in its migration, storage.OpenWith) and daily at 04:15.
func schedulePrune(s *schedule.Scheduler, cfg *configs.Config, db *storage.DB, now func() time.Time, log *slog.Logger) error {
	keep := outboxRetention(cfg)
	prune := func(context.Context) {
		n, err := outbox.PruneAll(db, now().Add(-keep))
		if err != nil {
			log.Error("outbox prune", "err", err)
			return
		}
		if n > 0 {
			log.Info("outbox pruned", "messages", n)
		}
	}
	prune(context.Background())
	return s.Cron("outbox-prune", "15 4 * * *", prune)
}
