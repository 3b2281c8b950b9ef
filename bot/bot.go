// Package bot is kipina's platform-neutral core: it routes the neutral
// events of package chat to the flows (commands, forms, actions), knows who
// people are (workspace, roles, language), and owns the store, the outbox
// worker and the scheduler.
//
// The flows live in their own packages (call, jury, day, followup) as
// Modules that register commands, actions, forms and scheduled work.
package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/bot/event"
	"github.com/kipina/kipina/bot/locale"
	"github.com/kipina/kipina/bot/outbox"
	"github.com/kipina/kipina/bot/reqid"
	"github.com/kipina/kipina/bot/schedule"
	"github.com/kipina/kipina/configs"
	"github.com/kipina/kipina/storage"
	"golang.org/x/sync/errgroup"
	"golang.org/x/time/rate"
)

// Clock tells the time. Tests inject a fake one.
type Clock interface{ Now() time.Time }

// SystemClock is the real clock.
type SystemClock struct{}

// Now returns time.Now().
func (SystemClock) Now() time.Time { return time.Now() }

// EmailPlatform is the platform name of people reached by e-mail (the web
// page's applicants, package bot/web): chat.UserRef{Platform: "email",
// User: their address}.
const EmailPlatform = "email"

// Workspace is a configured workspace with its parsed settings.
type Workspace struct {
	configs.Workspace
	Loc   *time.Location
	Lang  string
	Quiet schedule.Quiet
	// organisers holds what the "@username" and e-mail entries of
	// Organisers resolved to (Bot.ResolveOrganisers).
	organisers *organiserIDs
}

// Channel is the address of one of the workspace's chat channels (the
// notify channel, a target's contact channel, the channel a command was
// typed in) on the workspace's chat platform (configs: workspace.platform).
// Organiser-facing messages are addressed with it, never with the
// requesting person's platform: a company that applied on the web page is
// an "email" user, and e-mail has no channels.
func (w *Workspace) Channel(name string) chat.Address {
	return chat.Address{Platform: w.Platform, Workspace: w.ID, Channel: name}
}

// Options configure a Bot.
type Options struct {
	Config *configs.Config
	DB     *storage.DB
	Clock  Clock
	Log    *slog.Logger
	// Platforms are the adapters the bot answers on and delivers through.
	Platforms []chat.Platform
	// Limits are the outbox's sending limits per platform name; a platform
	// that is chat.RateLimited supplies its own otherwise.
	Limits map[string]outbox.Limit
	// DataDir is where files the platform cannot take are saved.
	DataDir string
}

// Bot is the core: the environment flows use, the router, the outbox
// worker and the scheduler.
type Bot struct {
	*Env
	Router *Router
	Outbox *outbox.Worker
	Sched  *schedule.Scheduler

	handler  Handler
	profiles *profiles
}

// New builds a bot and registers the core commands and the given modules.
func New(o Options, modules ...Module) (*Bot, error) {
	if o.Clock == nil {
		o.Clock = SystemClock{}
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	// A line logged with a context (InfoContext, …) names the request,
	// cron run or due item it works for.
	o.Log = slog.New(reqid.Handler(o.Log.Handler()))
	cat, err := locale.Load()
	if err != nil {
		return nil, err
	}
	env := &Env{
		Config: o.Config, DB: o.DB, Cat: cat, Log: o.Log, Events: event.NewBus(), DataDir: o.DataDir,
		clock: o.Clock, platforms: map[string]chat.Platform{}, workspaces: map[string]*Workspace{},
	}
	b := &Bot{Env: env, Router: NewRouter()}
	b.profiles = &profiles{env: env, pending: map[string]bool{}}
	o.DB.Now = b.Now
	quietStart, quietEnd, err := o.Config.Defaults.QuietHours.Clock()
	if err != nil {
		return nil, fmt.Errorf("quiet hours: %w", err)
	}
	for _, w := range o.Config.Workspaces {
		ws := &Workspace{Workspace: w, Lang: w.Language, organisers: &organiserIDs{}, Quiet: schedule.Quiet{
			Start: quietStart, End: quietEnd, Weekends: o.Config.Defaults.QuietHours.Weekends, Holiday: FinnishHoliday,
		}}
		if ws.Lang == "" {
			ws.Lang = o.Config.Defaults.Language
		}
		tz := w.Timezone
		if tz == "" {
			tz = o.Config.Defaults.Timezone
		}
		if ws.Loc, err = time.LoadLocation(tz); err != nil {
			return nil, fmt.Errorf("workspace %s: %w", w.ID, err)
		}
		b.workspaces[w.ID] = ws
	}
	defLoc, err := time.LoadLocation(o.Config.Defaults.Timezone)
	if err != nil {
		return nil, fmt.Errorf("defaults.timezone: %w", err)
	}
	b.Outbox = outbox.NewWorker(o.DB, b.Now, o.Log)
	env.outbox = b.Outbox
	b.Sched = schedule.New(o.DB, b.Now, defLoc, o.Log)
	b.Sched.Zone = func(u chat.UserRef) (*time.Location, schedule.Quiet) {
		loc := defLoc
		q := schedule.Quiet{}
		if ws, ok := b.workspaces[u.Workspace]; ok {
			q = ws.Quiet
		}
		if err := b.DB.View(func(tx *storage.Tx) error { loc = b.Zone(tx, u); return nil }); err != nil {
			b.Log.Error("zone", "user", u.String(), "err", err)
		}
		return loc, q
	}
	// Quiet hours do not apply to e-mail, except for reminders (issue 18).
	b.Sched.NoQuiet = func(u chat.UserRef) bool { return u.Platform == EmailPlatform }
	for _, p := range o.Platforms {
		b.platforms[p.Name()] = p
		lim, ok := o.Limits[p.Name()]
		if rl, can := p.(chat.RateLimited); can && !ok {
			perSecond, burst := rl.SendRate()
			lim = outbox.Limit{Rate: rate.Limit(perSecond), Burst: burst}
		}
		b.Outbox.Register(p, lim)
	}
	b.handler = chain(b.route, b.recoverer, b.answer, b.logger)
	reg := &Registry{router: b.Router, sched: b.Sched, events: env.Events, workspaces: b.sortedWorkspaces(), now: b.Now, log: b.Log}
	for _, m := range append([]Module{core{b: b}}, modules...) {
		if err := m.Register(reg, env); err != nil {
			return nil, fmt.Errorf("register %T: %w", m, err)
		}
	}
	env.Events.Freeze()
	if err := b.Router.Err(); err != nil {
		return nil, err
	}
	for name, spec := range o.Config.Schedules {
		if name == "sweep" {
			if err := b.Sched.Cron(name, spec, func(ctx context.Context) { b.Tick(ctx) }); err != nil { // each due item gets its own id
				return nil, err
			}
		}
	}
	return b, nil
}

// Tick runs due scheduled items and delivers the outbox once: what the
// cron sweep does, and what the shell and tests call after moving a fake
// clock.
func (b *Bot) Tick(ctx context.Context) {
	if _, err := b.Sched.Sweep(ctx); err != nil {
		b.Log.Error("sweep", "err", err)
	}
	if _, err := b.Outbox.Deliver(ctx); err != nil {
		b.Log.Error("deliver", "err", err)
	}
}

// Handle implements chat.Handler.
func (b *Bot) Handle(ctx context.Context, e chat.Event) chat.Response {
	chat.CleanEvent(e)
	o := e.Who()
	ws, ok := b.workspaces[o.User.Workspace]
	if !ok {
		b.Log.Warn("event from an unconfigured workspace", "user", o.User.String())
		return chat.Response{Reply: &chat.Message{Text: b.Cat.T(b.Config.Defaults.Language, "error.workspace")}}
	}
	u, err := b.identify(o)
	if err != nil {
		b.Log.Error("identify", "user", o.User.String(), "err", err)
		return chat.Response{Reply: &chat.Message{Text: b.Cat.T(ws.langOf(User{}, o.Locale), "error.internal")}}
	}
	id := reqid.Of(ctx) // an adapter that logs the request itself (the web page) made it
	if id == "" {
		id = reqid.New()
	}
	r := &Request{Env: b.Env, Event: e, Origin: o, User: o.User, WS: ws, Lang: ws.langOf(u, o.Locale), Roles: ws.rolesOf(u), ID: id}
	resp, err := b.handler(reqid.With(ctx, r.ID), r)
	if err != nil { // answer renders every error; this is a safety net
		b.Log.Error("unanswered error", "user", o.User.String(), "err", err, reqid.Key, r.ID)
		return r.internal()
	}
	return resp
}

// Run runs the platforms, the outbox worker and the scheduler until ctx
// ends or one of them fails.
func (b *Bot) Run(ctx context.Context) error {
	g, ctx := errgroup.WithContext(ctx)
	for _, p := range b.platforms {
		g.Go(func() error {
			if err := p.Run(ctx, b); err != nil && !errors.Is(err, context.Canceled) {
				return fmt.Errorf("%s: %w", p.Name(), err)
			}
			return nil
		})
	}
	g.Go(func() error { return b.RunBackground(ctx) })
	return g.Wait()
}

// RunBackground runs the outbox worker and the scheduler, not the
// platforms' event loops: for a caller that drives an adapter itself.
func (b *Bot) RunBackground(ctx context.Context) error {
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { return ignoreCancel(b.Outbox.Run(ctx, 5*time.Second)) })
	g.Go(func() error { return ignoreCancel(b.Sched.Run(ctx)) })
	return g.Wait()
}

func ignoreCancel(err error) error {
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}
