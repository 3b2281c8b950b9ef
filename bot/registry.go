package bot

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/kipina/kipina/bot/event"
	"github.com/kipina/kipina/bot/reqid"
	"github.com/kipina/kipina/bot/schedule"
)

// Module is a part of the bot (a flow). Register adds what it handles to
// reg and keeps what it uses of env; it is called once, at start-up.
type Module interface {
	Register(reg *Registry, env *Env) error
}

// Registry is what a module registers with at start-up: commands, actions,
// forms, cron jobs, due-item kinds and domain event subscriptions. It is
// not kept after start-up.
type Registry struct {
	router     *Router
	sched      *schedule.Scheduler
	events     *event.Bus
	workspaces []*Workspace
	now        func() time.Time
	log        *slog.Logger
}

// Command registers a slash subcommand.
func (g *Registry) Command(c Command) { g.router.Command(c) }

// Commands registers several commands.
func (g *Registry) Commands(cs ...Command) {
	for _, c := range cs {
		g.router.Command(c)
	}
}

// Action registers the handler of controls whose id is prefix or starts
// with prefix + ":".
func (g *Registry) Action(prefix string, role Role, h Handler) { g.router.Action(prefix, role, h) }

// Form registers the handler of forms whose id is prefix or starts with
// prefix + ":".
func (g *Registry) Form(prefix string, role Role, h Handler) { g.router.Form(prefix, role, h) }

// Cron runs fn for each configured workspace on a five-field cron
// schedule read in that workspace's time zone ("0 8 * * 1-5" is 08:00 on
// weekdays in Helsinki for a Helsinki workspace, in New York for a New
// York one), and skips the workspace's days off (its quiet hours'
// weekends and public holidays): a job that messages people does not
// write to them on Christmas Day; what it would have said waits for its
// next run. A bad spec is an error. (Issue 15: every scheduled job runs in
// its workspace's zone.)
func (g *Registry) Cron(name, spec string, fn func(ctx context.Context, ws *Workspace)) error {
	for _, ws := range g.workspaces {
		err := g.sched.CronIn(name+"/"+ws.ID, spec, ws.Loc, func(ctx context.Context) {
			if ws.Quiet.DayOff(g.now(), ws.Loc) {
				return
			}
			id := reqid.New()
			g.log.Info("cron", "job", name, "workspace", ws.ID, reqid.Key, id)
			fn(reqid.With(ctx, id), ws)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// Due registers the handler of stored due items of a kind.
func (g *Registry) Due(kind string, fn schedule.Func) { g.sched.Handle(kind, fn) }

// Events returns the domain event bus to subscribe on:
// round.AppSubmitted.Subscribe(reg.Events(), fn).
func (g *Registry) Events() *event.Bus { return g.events }

// sortedWorkspaces lists the configured workspaces by id.
func (b *Bot) sortedWorkspaces() []*Workspace {
	out := make([]*Workspace, 0, len(b.workspaces))
	for _, ws := range b.workspaces {
		out = append(out, ws)
	}
	slices.SortFunc(out, func(a, b *Workspace) int { return strings.Compare(a.ID, b.ID) })
	return out
}
