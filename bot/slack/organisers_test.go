package slack

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kipina/kipina/bot"
	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/configs"
	"github.com/kipina/kipina/storage"
)

// coreWithOrganisers builds the real core with the Slack workspace whose
// organisers configuration is organisers.
func coreWithOrganisers(t *testing.T, a *Adapter, organisers ...string) *bot.Bot {
	t.Helper()
	cfg := configs.Default()
	cfg.Workspaces = append(cfg.Workspaces, configs.Workspace{
		ID: "tampere", Name: "Tampere", Platform: "slack", Organisers: organisers,
		Slack: &configs.SlackSettings{TeamID: "T1", BotTokenEnv: "KIPINA_SLACK_BOT_TOKEN", AppTokenEnv: "KIPINA_SLACK_APP_TOKEN"},
	})
	db, err := storage.Open(filepath.Join(t.TempDir(), "kipina.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	b, err := bot.New(bot.Options{Config: cfg, DB: db, Log: testLog(), Platforms: []chat.Platform{a}})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestOrganisersByNameOverSlack (issue 20): the organisers configuration
// may name people by @username (or display name) and by e-mail; they are
// looked up at start-up with users.list and users.lookupByEmail, and are
// organisers when they type a command. An entry no member has stops the
// start with an error naming the workspace, the key and the entry.
func TestOrganisersByNameOverSlack(t *testing.T) {
	f := newFakeSlack(t)
	a := newAdapter(t, f, nil)
	b := coreWithOrganisers(t, a, "UORG", "@liisa", "maija@example.fi")
	if err := b.ResolveOrganisers(context.Background(), "slack"); err != nil {
		t.Fatalf("resolve: %v", err)
	}
	if f.callsTo("users.list") == nil || len(f.callsTo("users.lookupByEmail")) != 1 {
		t.Errorf("looked up with users.list %d and users.lookupByEmail %d times", len(f.callsTo("users.list")), len(f.callsTo("users.lookupByEmail")))
	}
	n := f.connections()
	run(t, a, b)
	f.waitConnected(n + 1)
	whoami := func(user string) string {
		got, _ := f.command(user, "C1", "whoami")["text"].(string)
		return got
	}
	organiser := b.Cat.T("fi", "role.organiser")
	for _, u := range []string{"UORG", "U43", "U77"} {
		if got := whoami(u); !strings.Contains(got, organiser) {
			t.Errorf("whoami of %s: %q, want an organiser", u, got)
		}
	}
	if got := whoami("U12"); strings.Contains(got, organiser) {
		t.Errorf("whoami of U12: %q, not an organiser", got)
	}

	for _, entry := range []string{"@ghost", "@nobody", "nobody@example.fi"} {
		a := newAdapter(t, f, nil)
		err := coreWithOrganisers(t, a, "UORG", entry).ResolveOrganisers(context.Background(), "slack")
		var bad *bot.OrganiserError
		if !errors.As(err, &bad) || !errors.Is(err, chat.ErrNoSuchUser) {
			t.Fatalf("%s: %v, want an OrganiserError", entry, err)
		}
		for _, want := range []string{"workspace tampere", "organisers", `"` + entry + `"`, "member ID"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%s: %q lacks %q", entry, err, want)
			}
		}
	}
}
