package bot_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/kipina/kipina/bot"
	"github.com/kipina/kipina/bot/bottest"
	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/storage"
)

func TestSplitArgs(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"  help  ", []string{"help"}},
		{"event extend kipina-2017 31.12.2026", []string{"event", "extend", "kipina-2017", "31.12.2026"}},
		{`apps "Acme Oy" x`, []string{"apps", "Acme Oy", "x"}},
		{"apps “Acme Oy”", []string{"apps", "Acme Oy"}},
		{"apps 'a b", []string{"apps", "a b"}},
		{`x ""`, []string{"x", ""}},
		{"a\u00a0b\tc\nd", []string{"a", "b", "c", "d"}},
	} {
		got := bot.SplitArgs(c.in)
		if strings.Join(got, "|") != strings.Join(c.want, "|") || len(got) != len(c.want) {
			t.Errorf("SplitArgs(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// FuzzSplitArgs: whatever a person types, splitting never panics and never
// invents characters: every word's runes come from the input.
func FuzzSplitArgs(f *testing.F) {
	for _, s := range []string{"help", `apps "a b" c`, "“x”", "'", "\u00a0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, w := range bot.SplitArgs(s) {
			for _, r := range w {
				if !strings.ContainsRune(s, r) {
					t.Fatalf("word %q has %q, not in %q", w, r, s)
				}
			}
		}
	})
}

func TestRouterRegistrationErrors(t *testing.T) {
	rt := bot.NewRouter()
	h := func(context.Context, *bot.Request) (chat.Response, error) { return chat.Response{}, nil }
	rt.Command(bot.Command{Name: "x", Run: h})
	rt.Command(bot.Command{Name: "x", Run: h})
	rt.Action("a:b", bot.Anyone, h)
	rt.Form("", bot.Anyone, h)
	err := rt.Err()
	if err == nil {
		t.Fatal("no registration error")
	}
	for _, want := range []string{`command "x" registered twice`, `action "a:b"`, `form ""`, "bot_test.go:"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}

// testModule adds commands that exercise roles, arguments and a panic.
type testModule struct{}

func (testModule) Register(reg *bot.Registry, _ *bot.Env) error {
	reg.Command(bot.Command{Name: "boom", Role: bot.Juror, Run: func(context.Context, *bot.Request) (chat.Response, error) {
		panic("handler bug")
	}})
	reg.Command(bot.Command{Name: "fail", Run: func(context.Context, *bot.Request) (chat.Response, error) {
		return chat.Response{}, errors.New("disk on fire: /var/lib/kipina")
	}})
	reg.Command(bot.Command{Name: "refuse", MinArgs: 1, MaxArgs: 1, Run: func(_ context.Context, r *bot.Request) (chat.Response, error) {
		return chat.Response{}, bot.Refuse("lang.unknown", "Lang", r.Args[0])
	}})
	return nil
}

func TestHelpRolesAndErrorsFinnishAndEnglish(t *testing.T) {
	h := bottest.New(t, testModule{})
	T := func(id string, kv ...any) string { return h.Bot.Cat.T("fi", id, kv...) }
	E := func(id string, kv ...any) string { return h.Bot.Cat.T("en", id, kv...) }
	// help writes a command's line as "/kipina <name> <args> — <summary>".
	usage := "/kipina lang " + T("cmd.lang.args")
	for _, c := range []struct {
		name, script string
		want, not    []string
	}{
		{"organiser help", "/kipina help", []string{T("help.intro"), "/kipina organiser add " + T("cmd.organiser.add.args") + " — " + T("cmd.organiser.add.summary"), "/kipina undelivered"}, nil},
		{"help of one", "/kipina help lang", []string{T("help.usage", "Usage", usage), T("help.example", "Example", T("cmd.lang.example"))}, nil},
		{"related help", "/kipina help organiser", []string{"organiser add", "organiser remove"}, []string{"/kipina lang"}},
		{"unknown", "/kipina frobnicate", []string{T("error.unknown_command", "Command", "frobnicate")}, nil},
		{"unknown with suggestions", "/kipina organiser promote", []string{"organiser add", "organiser remove"}, nil},
		{"usage", "/kipina lang", []string{T("error.usage"), T("help.usage", "Usage", usage)}, nil},
		{"bad language", "/kipina lang de", []string{T("lang.unknown", "Lang", "de")}, nil},
		{"refused", ":as mikko\n/kipina undelivered", []string{T("error.forbidden_command", "Command", "undelivered", "Role", T("role.organiser"))}, nil},
		{"help hides what one may not run", ":as mikko\n/kipina help", []string{"/kipina lang"}, []string{"undelivered", "organiser add"}},
		{"english", ":as mikko\n/kipina lang en\n/kipina undelivered\n/kipina help\n/kipina nope",
			[]string{E("lang.set"), E("error.forbidden_command", "Command", "undelivered", "Role", E("role.organiser")), E("help.intro"), E("error.unknown_command", "Command", "nope")}, nil},
		{"a panic is answered, not crashed", ":as nina\n/kipina boom", []string{T("error.internal")}, nil},
		{"organiser adds another", ":as nina\n/kipina organiser add @mikko\n:as mikko\n/kipina undelivered", []string{T("organiser.added", "Users", "@mikko"), E("undelivered.none")}, nil},
		{"not oneself", ":as nina\n/kipina organiser remove @nina", []string{T("organiser.not_self")}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			out := h.Run(c.script)
			for _, w := range c.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			for _, w := range c.not {
				if strings.Contains(out, w) {
					t.Errorf("output has %q:\n%s", w, out)
				}
			}
		})
	}
}

func TestLanguageFromProfileLocale(t *testing.T) {
	h := bottest.New(t)
	ask := func(user, locale string) string {
		r := h.Bot.Handle(context.Background(), &chat.Command{Origin: chat.Origin{
			User: chat.UserRef{Platform: "shell", Workspace: "demo", User: user}, Locale: locale}, Text: "whoami"})
		return r.Reply.Text
	}
	// whoami starts by naming the person in their language.
	youAre := func(lang, user string) string { return bottest.UpTo(h.Bot.Cat, lang, "whoami", "Roles", "User", user) }
	if got := ask("sven", "sv_SE"); !strings.HasPrefix(got, youAre("sv", "sven")) {
		t.Errorf("Swedish profile: %q", got)
	}
	if got := ask("pekka", "de_DE"); !strings.HasPrefix(got, youAre("fi", "pekka")) {
		t.Errorf("unsupported locale falls back to the workspace's Finnish: %q", got)
	}
	h.Run(":as sven\n/kipina lang en")
	if got := ask("sven", "sv_SE"); !strings.HasPrefix(got, youAre("en", "sven")) {
		t.Errorf("a chosen language wins over the profile: %q", got)
	}
}

func TestUnknownWorkspaceRefused(t *testing.T) {
	h := bottest.New(t)
	r := h.Bot.Handle(context.Background(), &chat.Command{Origin: chat.Origin{
		User: chat.UserRef{Platform: "shell", Workspace: "elsewhere", User: "x"}}, Text: "help"})
	if r.Reply == nil || !strings.Contains(r.Reply.Text, h.Bot.Cat.T("fi", "error.workspace")) {
		t.Fatalf("reply = %+v", r.Reply)
	}
	err := h.DB.View(func(tx *storage.Tx) error {
		if ws, err := tx.Workspaces(); err != nil || len(ws) != 0 {
			t.Errorf("an unknown workspace left data: %v", ws)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// manyModule registers enough commands for help to group them.
type manyModule struct{}

func (manyModule) Register(reg *bot.Registry, _ *bot.Env) error {
	h := func(context.Context, *bot.Request) (chat.Response, error) { return chat.Response{}, nil }
	for _, n := range []string{"alpha", "alpha one", "alpha two", "beta one", "beta two", "beta three", "gamma", "delta", "epsilon", "zeta one"} {
		reg.Command(bot.Command{Name: n, Role: bot.Organiser, MaxArgs: -1, Run: h})
	}
	return nil
}

func TestHelpGroupsManyCommands(t *testing.T) {
	h := bottest.New(t, manyModule{})
	T := func(id string, kv ...any) string { return h.Bot.Cat.T("fi", id, kv...) }
	out := h.Run("/kipina help\n")
	for _, w := range []string{"• /kipina alpha — [cmd.alpha.summary]", "• /kipina alpha one · two", "• /kipina beta one · three · two",
		"• /kipina zeta one — [cmd.zeta.one.summary]", "• /kipina lang " + T("cmd.lang.args") + " — " + T("cmd.lang.summary")} {
		if !strings.Contains(out, w) {
			t.Errorf("help lacks %q:\n%s", w, out)
		}
	}
	// Someone who may run few commands still sees each with its summary.
	out = h.Run(":as mikko\n/kipina help\n")
	if strings.Contains(out, "alpha") || !strings.Contains(out, "/kipina whoami — "+T("cmd.whoami.summary")) {
		t.Errorf("help for a non-organiser:\n%s", out)
	}
}
