package bot

import (
	"context"
	"fmt"
	"runtime/debug"
	"strings"
	"time"

	"github.com/kipina/kipina/bot/chat"
)

// chain wraps h in the middleware, outermost last.
func chain(h Handler, mw ...Middleware) Handler {
	for _, m := range mw {
		h = m(h)
	}
	return h
}

// logger logs every request with who, what and how long.
func (b *Bot) logger(next Handler) Handler {
	return func(ctx context.Context, r *Request) chat.Response {
		start := time.Now()
		resp := next(ctx, r)
		b.Log.Info("request", "user", r.User.String(), "event", fmt.Sprintf("%T", r.Event), "name", r.Name,
			"lang", r.Lang, "errors", len(resp.Errors), "took", time.Since(start))
		return resp
	}
}

// recoverer turns a panic in a handler into a logged error and a polite
// answer; the transaction it was in did not commit, so nothing half-done
// is stored.
func (b *Bot) recoverer(next Handler) Handler {
	return func(ctx context.Context, r *Request) (resp chat.Response) {
		defer func() {
			if v := recover(); v != nil {
				b.Log.Error("panic in handler", "user", r.User.String(), "name", r.Name, "panic", v, "stack", string(debug.Stack()))
				resp = r.Reply("error.internal")
			}
		}()
		return next(ctx, r)
	}
}

// route finds the handler of the event, checks the role it needs and runs
// it.
func (b *Bot) route(ctx context.Context, r *Request) chat.Response {
	switch e := r.Event.(type) {
	case *chat.Command:
		return b.command(ctx, r, e)
	case *chat.FormSubmit:
		rt, ok := lookup(b.Router.forms, e.FormID)
		r.Name = e.FormID
		return b.authorised(ctx, r, rt, ok)
	case *chat.Action:
		rt, ok := lookup(b.Router.actions, e.ActionID)
		r.Name = e.ActionID
		if _, rest, found := strings.Cut(e.ActionID, ":"); found {
			r.Args = strings.Split(rest, ":")
		}
		return b.authorised(ctx, r, rt, ok)
	default:
		return r.Reply("hint.use_command")
	}
}

func (b *Bot) authorised(ctx context.Context, r *Request, rt route, ok bool) chat.Response {
	if !ok {
		b.Log.Warn("no route", "name", r.Name)
		return r.Reply("error.stale")
	}
	if !r.Roles.Has(rt.role) {
		return r.Reply("error.forbidden", "Role", r.T("role."+string(rt.role)))
	}
	return rt.run(ctx, r)
}

func (b *Bot) command(ctx context.Context, r *Request, e *chat.Command) chat.Response {
	words := SplitArgs(e.Text)
	if len(words) == 0 {
		return b.help(r, nil)
	}
	if n := countMentions(words); n > MaxMentions {
		return r.Reply("error.too_many_mentions", "Count", n, "Max", MaxMentions)
	}
	c, args, ok := b.Router.find(words)
	if !ok {
		return b.unknown(r, words[0])
	}
	r.Name, r.Args = c.Name, args
	if !r.Roles.Has(c.Role) {
		return r.Reply("error.forbidden_command", "Command", c.Name, "Role", r.T("role."+string(c.Role)))
	}
	if len(args) < c.MinArgs || (c.MaxArgs >= 0 && len(args) > c.MaxArgs) {
		return r.ReplyText(r.T("error.usage") + "\n" + b.usage(r, c))
	}
	return c.Run(ctx, r)
}

// MaxMentions bounds the people one command names ("@user" arguments): a
// command that adds people does work per person in one transaction, and
// a programme's team, jury or contact list is tens of people.
const MaxMentions = 200

func countMentions(words []string) int {
	n := 0
	for _, w := range words {
		if strings.HasPrefix(w, "@") {
			n++
		}
	}
	return n
}
