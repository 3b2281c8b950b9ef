package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kipina/kipina/bot"
	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/bot/ops"
	"github.com/kipina/kipina/configs"
	"github.com/kipina/kipina/storage"
)

// registrar is a platform that, like the Mattermost adapter, runs the
// caller's BeforeRegister check once connected and only then registers
// its command; it knows nobody by name.
type registrar struct {
	hook       func(context.Context) error
	registered bool
}

func (*registrar) Name() string                                    { return "shell" }
func (r *registrar) BeforeRegister(fn func(context.Context) error) { r.hook = fn }
func (r *registrar) Run(ctx context.Context, _ chat.Handler) error {
	if r.hook != nil {
		if err := r.hook(ctx); err != nil {
			return err
		}
	}
	r.registered = true
	<-ctx.Done()
	return ctx.Err()
}
func (*registrar) Post(context.Context, chat.Address, chat.Message) (chat.MessageRef, error) {
	return chat.MessageRef{}, nil
}
func (*registrar) Update(context.Context, chat.Address, chat.MessageRef, chat.Message) error {
	return nil
}
func (*registrar) LookupName(_ context.Context, _, name string) (chat.UserRef, error) {
	return chat.UserRef{}, fmt.Errorf("@%s: %w", name, chat.ErrNoSuchUser)
}

// TestOrganisersBeforeRegister (issue 20): on a platform that registers a
// command at start, serve looks the organisers up before the command is
// registered: an entry nobody has stops the bot with the configuration
// error, and the command was never touched.
func TestOrganisersBeforeRegister(t *testing.T) {
	cfg := configs.Default()
	cfg.Workspaces[0].Organisers = []string{"@ghost"}
	db, err := storage.Open(filepath.Join(t.TempDir(), "kipina.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Error(err)
		}
	})
	p := &registrar{}
	log := slog.New(slog.DiscardHandler)
	b, err := bot.New(bot.Options{Config: cfg, DB: db, Log: log, Platforms: []chat.Platform{p}, DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	err = serve(context.Background(), b, []chat.Platform{p}, &ops.Gate{Next: b}, shutdownTimeout, log)
	var bad *bot.OrganiserError
	if !errors.As(err, &bad) || !strings.Contains(err.Error(), "the configuration needs fixing") {
		t.Fatalf("serve = %v, want the organisers error", err)
	}
	if p.registered {
		t.Error("the command was registered before the organisers were looked up")
	}
}
