package bot

import (
	"context"
	"log/slog"
	"time"

	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/bot/event"
	"github.com/kipina/kipina/bot/locale"
	"github.com/kipina/kipina/bot/outbox"
	"github.com/kipina/kipina/bot/reqid"
	"github.com/kipina/kipina/configs"
	"github.com/kipina/kipina/storage"
)

// Env is what a flow may use: the store, the catalogue, the clock, the
// logger, the configuration, the domain event bus, and the outbox's wake-up
// after a commit. Modules receive it in Register; handlers reach it as
// Request.Env. It holds no router and no scheduler: those are the
// Registry's, and only at start-up.
type Env struct {
	Config *configs.Config
	DB     *storage.DB
	Cat    *locale.Catalog
	Log    *slog.Logger
	// Events is the domain event bus; topics live with their event types
	// (package round).
	Events *event.Bus
	// DataDir is where files the platform cannot take are saved.
	DataDir string

	clock      Clock
	outbox     *outbox.Worker
	platforms  map[string]chat.Platform
	workspaces map[string]*Workspace
	profiles   profileFetcher
}

// Now reads the bot's clock.
func (e *Env) Now() time.Time { return e.clock.Now() }

// Workspace returns a configured workspace.
func (e *Env) Workspace(id string) (*Workspace, bool) {
	ws, ok := e.workspaces[id]
	return ws, ok
}

// Platform returns the adapter of a platform, if it runs.
func (e *Env) Platform(name string) (chat.Platform, bool) {
	p, ok := e.platforms[name]
	return p, ok
}

// Update runs fn in one store transaction and wakes the outbox after it
// commits.
func (e *Env) Update(fn func(tx *storage.Tx) error) error {
	if err := e.DB.Update(fn); err != nil {
		return err
	}
	e.outbox.Wake()
	return nil
}

// UpdateFor is Update for the request, cron run or due item whose id ctx
// carries (reqid.With): the outbox messages fn enqueues record that id.
func (e *Env) UpdateFor(ctx context.Context, fn func(tx *storage.Tx) error) error {
	id := reqid.Of(ctx)
	return e.Update(func(tx *storage.Tx) error { return fn(tx.ForRequest(id)) })
}

// Batch is Update through bbolt's group commit, for bursts of submissions;
// fn may run more than once and must be idempotent within its transaction.
func (e *Env) Batch(fn func(tx *storage.Tx) error) error {
	if err := e.DB.Batch(fn); err != nil {
		return err
	}
	e.outbox.Wake()
	return nil
}
