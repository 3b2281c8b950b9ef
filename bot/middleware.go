package bot

import (
	"context"
	"fmt"
	"runtime/debug"
	"strings"
	"time"

	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/bot/reqid"
)

// chain wraps h in the middleware, outermost last.
func chain(h Handler, mw ...Middleware) Handler {
	for _, m := range mw {
		h = m(h)
	}
	return h
}

// logger logs every request with who, what, how long, and its refusal or
// failure: the one place a handler's error is logged. It is the outermost
// middleware: the error, already answered (answer), ends here.
func (b *Bot) logger(next Handler) Handler {
	return func(ctx context.Context, r *Request) (chat.Response, error) {
		start := time.Now()
		resp, err := next(ctx, r)
		attrs := []any{reqid.Key, r.ID, "user", r.User.String(), "event", fmt.Sprintf("%T", r.Event), "name", r.Name,
			"lang", r.Lang, "errors", len(resp.Errors), "took", time.Since(start)}
		if ref, ok := AsRefusal(err); ok {
			b.Log.Info("request", append(attrs, "refused", ref.ID)...)
		} else if err != nil {
			b.Log.Error("request failed", append(attrs, "err", err)...)
		} else {
			b.Log.Info("request", attrs...)
		}
		return resp, nil
	}
}

// answer renders a handler's error as the person's answer: a Refusal as
// its catalogue message in their language, anything else as one polite
// message (the error itself is logged by logger, never shown). The error
// is passed on for logging.
func (b *Bot) answer(next Handler) Handler {
	return func(ctx context.Context, r *Request) (chat.Response, error) {
		resp, err := next(ctx, r)
		if err == nil {
			return resp, nil
		}
		if ref, ok := AsRefusal(err); ok {
			return chat.Response{Reply: &chat.Message{Text: r.T(ref.ID, ref.Args...)}}, err
		}
		return r.internal(), err
	}
}

// recoverer turns a panic in a handler into a logged error and a polite
// answer; the transaction it was in did not commit, so nothing half-done
// is stored.
func (b *Bot) recoverer(next Handler) Handler {
	return func(ctx context.Context, r *Request) (resp chat.Response, err error) {
		defer func() {
			if v := recover(); v != nil {
				resp, err = chat.Response{}, fmt.Errorf("panic in handler: %v\n%s", v, debug.Stack())
			}
		}()
		return next(ctx, r)
	}
}

// route finds the handler of the event, checks the role it needs and runs
// it.
func (b *Bot) route(ctx context.Context, r *Request) (chat.Response, error) {
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
	case *chat.FormFailed:
		r.Name = "form-failed"
		return b.formFailed(r, e)
	default:
		return r.Reply("hint.use_command")
	}
}

func (b *Bot) authorised(ctx context.Context, r *Request, rt route, ok bool) (chat.Response, error) {
	if !ok {
		b.Log.Warn("no route", "name", r.Name)
		return r.Reply("error.stale")
	}
	if !r.Roles.Has(rt.role) {
		return chat.Response{}, Refuse("error.forbidden", "Role", r.T("role."+string(rt.role)))
	}
	return rt.run(ctx, r)
}

func (b *Bot) command(ctx context.Context, r *Request, e *chat.Command) (chat.Response, error) {
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
		return chat.Response{}, Refuse("error.forbidden_command", "Command", c.Name, "Role", r.T("role."+string(c.Role)))
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
