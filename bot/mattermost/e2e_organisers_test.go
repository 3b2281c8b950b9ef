package mattermost

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kipina/kipina/bot"
	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/configs"
	"github.com/kipina/kipina/storage"
	"github.com/kipina/kipina/testtools/mmserver"
)

// TestOrganisersEndToEnd (issue 20): against a real Mattermost server, the
// organisers configuration names people by @username (any case) and by
// e-mail (with organisers_by_email); once the adapter has started they are
// looked up in the team and are organisers. A username nobody has, and a
// user outside the team, stop the start with an error naming the
// workspace, the key and the entry.
func TestOrganisersEndToEnd(t *testing.T) {
	s := mmserver.Start(t)
	suffix := fmt.Sprint(time.Now().UnixNano() % 1e6)
	admin := s.CreateAdmin(t, "kipina-admin", "Admin-pass-123!")
	teamName := "organisers-" + suffix
	teamID := s.CreateTeam(t, admin, teamName, "Organisers")
	botID, botTok := s.CreateBot(t, admin, "kipina-org-"+suffix)
	s.AddToTeam(t, admin, teamID, botID)
	s.SetTeamRoles(t, admin, teamID, botID, "team_user team_admin")
	liisa := s.CreateUser(t, admin, "liisa"+suffix, "Pass-word-123!")
	s.AddToTeam(t, admin, teamID, liisa)
	maija := s.CreateUser(t, admin, "maija"+suffix, "Pass-word-123!")
	s.AddToTeam(t, admin, teamID, maija)
	s.CreateUser(t, admin, "outsider"+suffix, "Pass-word-123!") // not in the team

	listen := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	a, err := New(Options{
		Workspaces: []Workspace{{ID: "tre", ServerURL: s.URL, TeamName: teamName, Token: botTok}},
		Listen:     listen, CallbackURL: "http://" + listen, Secret: []byte("0123456789abcdef-organisers"), Log: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx, &recorder{}) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("Run: %v", err)
		}
	})
	select {
	case <-a.Started():
	case <-time.After(patience):
		t.Fatal("the adapter did not start")
	}

	core := func(organisers ...string) *bot.Bot {
		t.Helper()
		cfg := configs.Default()
		yes := true
		cfg.Workspaces = append(cfg.Workspaces, configs.Workspace{ID: "tre", Name: "Tampere", Platform: Name, Organisers: organisers,
			OrganisersByEmail: &yes, Mattermost: &configs.MattermostSettings{URL: s.URL, TeamName: teamName}})
		db, err := storage.Open(filepath.Join(t.TempDir(), "k.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		b, err := bot.New(bot.Options{Config: cfg, DB: db, Log: slog.New(slog.DiscardHandler), Platforms: []chat.Platform{a}})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}

	b := core("@LIISA"+suffix, "maija"+suffix+"@kipina.test")
	if err := b.ResolveOrganisers(ctx, Name); err != nil {
		t.Fatalf("resolve: %v", err)
	}
	isOrganiser := func(text string) bool { // whoami answers in the profile's language
		for _, l := range []string{"fi", "en", "sv"} {
			if strings.Contains(text, b.Cat.T(l, "role.organiser")) {
				return true
			}
		}
		return false
	}
	for who, id := range map[string]string{"liisa": liisa, "maija": maija, "the bot": botID} {
		r := b.Handle(ctx, &chat.Command{Origin: chat.Origin{User: chat.UserRef{Platform: Name, Workspace: "tre", User: id}, Channel: "c"}, Text: "whoami"})
		if r.Reply == nil {
			t.Fatalf("whoami of %s: no reply", who)
		}
		if got := r.Reply.Text; isOrganiser(got) != (who != "the bot") {
			t.Errorf("whoami of %s: %q", who, got)
		}
	}

	for _, entry := range []string{"@nobody" + suffix, "@outsider" + suffix, "nobody" + suffix + "@kipina.test"} {
		err := core(entry).ResolveOrganisers(ctx, Name)
		var bad *bot.OrganiserError
		if !errors.As(err, &bad) || !errors.Is(err, chat.ErrNoSuchUser) {
			t.Fatalf("%s: %v, want an OrganiserError", entry, err)
		}
		for _, want := range []string{"workspace tre", "organisers", `"` + entry + `"`} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%s: %q lacks %q", entry, err, want)
			}
		}
	}
}
