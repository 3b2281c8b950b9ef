package bot

import (
	"context"
	"fmt"
	"runtime"
	"sort"
	"strings"

	"github.com/kipina/kipina/bot/chat"
)

// Handler handles one routed request. It returns the person's answer, or
// an error: a Refusal (Refuse) is rendered in the person's language; any
// other error is logged once with the request's context and answered with
// one polite message.
type Handler func(ctx context.Context, r *Request) (chat.Response, error)

// Middleware wraps a handler.
type Middleware func(Handler) Handler

// Command is a slash subcommand: "/kipina " + Name + arguments. Its summary,
// argument synopsis and example come from the locale files under
// "cmd.<name with dots>.summary", ".args" and ".example" (optional).
type Command struct {
	Name string
	// Role is who may run it; Anyone when empty.
	Role Role
	// MinArgs and MaxArgs bound the arguments after the name (MaxArgs -1:
	// no limit). Outside them the user is shown the usage.
	MinArgs, MaxArgs int
	Run              Handler
}

func (c Command) msgID(part string) string {
	return "cmd." + strings.ReplaceAll(c.Name, " ", ".") + "." + part
}

type route struct {
	role Role
	run  Handler
}

// Router maps commands, actions and forms to handlers. Registration
// problems are collected with their source location and reported by Err.
type Router struct {
	commands map[string]Command
	actions  map[string]route
	forms    map[string]route
	errs     []string
}

// NewRouter returns an empty router.
func NewRouter() *Router {
	return &Router{commands: map[string]Command{}, actions: map[string]route{}, forms: map[string]route{}}
}

func (rt *Router) fail(format string, a ...any) {
	_, file, line, _ := runtime.Caller(2)
	rt.errs = append(rt.errs, fmt.Sprintf("%s:%d: %s", file, line, fmt.Sprintf(format, a...)))
}

// Command registers a command.
func (rt *Router) Command(c Command) {
	c.Name = strings.Join(strings.Fields(c.Name), " ")
	switch {
	case c.Name == "" || c.Run == nil:
		rt.fail("command %q needs a name and a handler", c.Name)
	case rt.commands[c.Name].Run != nil:
		rt.fail("command %q registered twice", c.Name)
	default:
		rt.commands[c.Name] = c
	}
}

// Action registers the handler of controls whose id is prefix or starts
// with prefix + ":".
func (rt *Router) Action(prefix string, role Role, h Handler) {
	rt.add(rt.actions, "action", prefix, role, h)
}

// Form registers the handler of forms whose id is prefix or starts with
// prefix + ":".
func (rt *Router) Form(prefix string, role Role, h Handler) {
	rt.add(rt.forms, "form", prefix, role, h)
}

func (rt *Router) add(m map[string]route, what, prefix string, role Role, h Handler) {
	if prefix == "" || strings.Contains(prefix, ":") || h == nil {
		rt.fail("%s %q: prefix must be non-empty without ':' and have a handler", what, prefix)
		return
	}
	if _, dup := m[prefix]; dup {
		rt.fail("%s %q registered twice", what, prefix)
		return
	}
	m[prefix] = route{role: role, run: h}
}

// Err returns the registration problems, if any.
func (rt *Router) Err() error {
	if len(rt.errs) == 0 {
		return nil
	}
	return fmt.Errorf("router:\n%s", strings.Join(rt.errs, "\n"))
}

// find returns the longest command whose name is a prefix of words, and
// the words left as its arguments.
func (rt *Router) find(words []string) (Command, []string, bool) {
	for n := min(len(words), 3); n > 0; n-- {
		if c, ok := rt.commands[strings.ToLower(strings.Join(words[:n], " "))]; ok {
			return c, words[n:], true
		}
	}
	return Command{}, nil, false
}

// lookup finds the route of an action or form id.
func lookup(m map[string]route, id string) (route, bool) {
	prefix, _, _ := strings.Cut(id, ":")
	r, ok := m[prefix]
	return r, ok
}

// Commands returns the commands sorted by name.
func (rt *Router) Commands() []Command {
	out := make([]Command, 0, len(rt.commands))
	for _, c := range rt.commands {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// related returns the commands that start with the given first word.
func (rt *Router) related(word string) []Command {
	var out []Command
	for _, c := range rt.Commands() {
		if first, _, _ := strings.Cut(c.Name, " "); first == word {
			out = append(out, c)
		}
	}
	return out
}

// SplitArgs splits a command line into words. Double or single quotes keep
// spaces inside a word ("Kipinä 2027"); typographic quotes count too, as
// phones type them. An unclosed quote runs to the end.
func SplitArgs(s string) []string {
	var out []string
	var cur strings.Builder
	inWord := false
	var quote rune
	for _, r := range s {
		switch {
		case quote != 0:
			if r == quote || (quote == '”' && r == '“') {
				quote = 0
				continue
			}
			cur.WriteRune(r)
		case r == '"' || r == '\'' || r == '“' || r == '”':
			quote, inWord = r, true
			if r == '“' {
				quote = '”'
			}
		case r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\u00a0':
			if inWord {
				out = append(out, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if inWord {
		out = append(out, cur.String())
	}
	return out
}
