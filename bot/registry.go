package bot

import (
	"context"

	"github.com/kipina/kipina/bot/event"
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
	router *Router
	sched  *schedule.Scheduler
	events *event.Bus
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

// Cron runs fn on a five-field cron schedule in the default zone.
func (g *Registry) Cron(name, spec string, fn func(ctx context.Context)) error {
	return g.sched.Cron(name, spec, fn)
}

// Due registers the handler of stored due items of a kind.
func (g *Registry) Due(kind string, fn schedule.Func) { g.sched.Handle(kind, fn) }

// Events returns the domain event bus to subscribe on:
// round.AppSubmitted.Subscribe(reg.Events(), fn).
func (g *Registry) Events() *event.Bus { return g.events }
