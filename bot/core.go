package bot

import (
	"context"
	"fmt"
	"strings"

	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/bot/locale"
	"github.com/kipina/kipina/bot/outbox"
	"github.com/kipina/kipina/storage"
)

// core is the module of the commands every deployment has: help, language,
// organisers and the undelivered-message view.
type core struct{ b *Bot }

func (c core) Register(reg *Registry, _ *Env) error {
	b := c.b
	reg.Commands(
		Command{Name: "help", MaxArgs: 3, Run: func(_ context.Context, r *Request) (chat.Response, error) { return b.help(r, r.Args) }},
		Command{Name: "lang", MinArgs: 1, MaxArgs: 1, Run: setLang},
		Command{Name: "whoami", MaxArgs: 0, Run: whoami},
		Command{Name: "organiser add", Role: Organiser, MinArgs: 1, MaxArgs: -1, Run: organisers(true)},
		Command{Name: "organiser remove", Role: Organiser, MinArgs: 1, MaxArgs: -1, Run: organisers(false)},
		Command{Name: "undelivered", Role: Organiser, MaxArgs: 0, Run: undelivered},
	)
	reg.Action(ReopenID.Prefix(), Anyone, formReopen)
	return nil
}

// help lists the commands the user may run, or explains one.
func (b *Bot) help(r *Request, words []string) (chat.Response, error) {
	if len(words) > 0 {
		if c, _, ok := b.Router.find(words); ok {
			return r.ReplyText(b.usage(r, c))
		}
		if rel := b.Router.related(words[0]); len(rel) > 0 {
			return r.ReplyText(b.list(r, rel))
		}
		return b.unknown(r, strings.Join(words, " "))
	}
	var mine []Command
	for _, c := range b.Router.Commands() {
		if r.Roles.Has(c.Role) {
			mine = append(mine, c)
		}
	}
	list := b.list(r, mine)
	if len(mine) > compactHelp {
		list = b.grouped(r, mine)
	}
	return r.ReplyText(r.T("help.intro") + "\n" + list + "\n" + r.T("help.more"))
}

// compactHelp is how many commands are listed one per line with their
// summaries; beyond it, commands sharing a first word share a line.
const compactHelp = 15

// grouped lists commands by their first word: "event new · edit · …" on
// one line, a lone command with its summary.
func (b *Bot) grouped(r *Request, cs []Command) string {
	var lines []string
	for i := 0; i < len(cs); {
		first, _, _ := strings.Cut(cs[i].Name, " ")
		j := i
		for j < len(cs) && (cs[j].Name == first || strings.HasPrefix(cs[j].Name, first+" ")) {
			j++
		}
		group := cs[i:j]
		if group[0].Name == first { // the bare command keeps its own line
			lines = append(lines, b.list(r, group[:1]))
			group = group[1:]
		}
		switch len(group) {
		case 0:
		case 1:
			lines = append(lines, b.list(r, group))
		default:
			var subs []string
			for _, c := range group {
				subs = append(subs, strings.TrimPrefix(c.Name, first+" "))
			}
			lines = append(lines, "• /kipina "+first+" "+strings.Join(subs, " · "))
		}
		i = j
	}
	return strings.Join(lines, "\n")
}

func (b *Bot) list(r *Request, cs []Command) string {
	var sb strings.Builder
	for _, c := range cs {
		fmt.Fprintf(&sb, "• /kipina %s", c.Name)
		if b.Cat.Has(r.Lang, c.msgID("args")) {
			sb.WriteString(" " + r.T(c.msgID("args")))
		}
		sb.WriteString(" — " + r.T(c.msgID("summary")) + "\n")
	}
	return strings.TrimRight(sb.String(), "\n")
}

// usage is the full help of one command.
func (b *Bot) usage(r *Request, c Command) string {
	line := "/kipina " + c.Name
	if b.Cat.Has(r.Lang, c.msgID("args")) {
		line += " " + r.T(c.msgID("args"))
	}
	s := r.T("help.usage", "Usage", line) + "\n" + r.T(c.msgID("summary"))
	if c.Role != Anyone {
		s += "\n" + r.T("help.role", "Role", r.T("role."+string(c.Role)))
	}
	if b.Cat.Has(r.Lang, c.msgID("example")) {
		s += "\n" + r.T("help.example", "Example", r.T(c.msgID("example")))
	}
	return s
}

// unknown answers a command that does not exist, suggesting near ones.
func (b *Bot) unknown(r *Request, word string) (chat.Response, error) {
	s := r.T("error.unknown_command", "Command", word)
	if rel := b.Router.related(strings.ToLower(word)); len(rel) > 0 {
		s += "\n" + b.list(r, rel)
	}
	return r.ReplyText(s)
}

func setLang(_ context.Context, r *Request) (chat.Response, error) {
	l := locale.Normalize(r.Args[0])
	if l == "" {
		return chat.Response{}, Refuse("lang.unknown", "Lang", r.Args[0])
	}
	err := r.Update(func(tx *storage.Tx) error {
		u, err := LoadUser(tx, r.User)
		if err != nil {
			return err
		}
		u.Lang = l
		return SaveUser(tx, u)
	})
	if err != nil {
		return chat.Response{}, fmt.Errorf("set language: %w", err)
	}
	r.Lang = l
	return r.Reply("lang.set")
}

func whoami(_ context.Context, r *Request) (chat.Response, error) {
	var roles []string
	for _, role := range []Role{Organiser, Juror, Company, Process} {
		if r.Roles[role] {
			roles = append(roles, r.T("role."+string(role)))
		}
	}
	if len(roles) == 0 {
		roles = append(roles, r.T("role.none"))
	}
	return r.Reply("whoami", "User", r.User.User, "Roles", strings.Join(roles, ", "), "Lang", r.Lang)
}

// Mention reads a user argument: "@id" or "id" (adapters turn platform
// mentions into "@" + user id).
// Sentence punctuation after a mention ("@liisa.") is not part of the id.
func Mention(r *Request, arg string) chat.UserRef {
	id := strings.TrimRight(strings.TrimPrefix(arg, "@"), ".,:;!?")
	return chat.UserRef{Platform: r.User.Platform, Workspace: r.User.Workspace, User: id}
}

func organisers(add bool) Handler {
	return func(_ context.Context, r *Request) (chat.Response, error) {
		var names []string
		err := r.Update(func(tx *storage.Tx) error {
			for _, a := range r.Args {
				u := Mention(r, a)
				if !add && u == r.User {
					return Refuse("organiser.not_self")
				}
				action, f := "organiser.add", Grant
				if !add {
					action, f = "organiser.remove", Revoke
				}
				if err := f(tx, u, Organiser); err != nil {
					return err
				}
				if err := r.Audit(tx, action, "user/"+u.User, ""); err != nil {
					return err
				}
				names = append(names, chat.Mention(u))
			}
			return nil
		})
		switch {
		case err != nil:
			return chat.Response{}, err
		case add:
			return r.Reply("organiser.added", "Users", strings.Join(names, ", "))
		default:
			return r.Reply("organiser.removed", "Users", strings.Join(names, ", "))
		}
	}
}

func undelivered(_ context.Context, r *Request) (chat.Response, error) {
	var items []outbox.Item
	if err := r.Env.DB.View(func(tx *storage.Tx) (err error) { items, err = outbox.Undelivered(tx, r.WS.ID); return }); err != nil {
		return chat.Response{}, err
	}
	if len(items) == 0 {
		return r.Reply("undelivered.none")
	}
	var sb strings.Builder
	sb.WriteString(r.T("undelivered.title", "Count", len(items)) + "\n")
	for _, it := range items {
		fmt.Fprintf(&sb, "• %s → %s: %s (%s)\n", it.Created.In(r.WS.Loc).Format("2.1. 15:04"), it.To.String(), firstLine(it.Msg.Text), it.Error)
	}
	return r.ReplyText(strings.TrimRight(sb.String(), "\n"))
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	if r := []rune(s); len(r) > 60 {
		return string(r[:60]) + "…"
	}
	return s
}
