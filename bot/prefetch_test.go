package bot_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/kipina/kipina/bot"
	"github.com/kipina/kipina/bot/call"
	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/bot/jury"
	"github.com/kipina/kipina/bot/shell"
	"github.com/kipina/kipina/configs"
	"github.com/kipina/kipina/storage"
)

// directoryShell is the terminal adapter with a directory of profiles, as
// Mattermost and Slack have: the bot can read a person's locale before
// they have ever written to it.
type directoryShell struct {
	*shell.Adapter
	mu       sync.Mutex
	profiles map[string]chat.Profile
	reads    map[string]int
}

func (d *directoryShell) Profile(_ context.Context, u chat.UserRef) (chat.Profile, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.reads[u.User]++
	p, ok := d.profiles[u.User]
	if !ok {
		return chat.Profile{}, errors.New("no such user")
	}
	return p, nil
}

func (d *directoryShell) LookupEmail(context.Context, string, string) (chat.UserRef, error) {
	return chat.UserRef{}, errors.New("not supported")
}

// TestInvitationInProfileLanguageBeforeFirstInteraction is issue 15's
// example: olli's profile locale is English and he has never written to
// the bot; the jury invitation reaches him in English, pekka's (no profile
// locale) in the workspace's Finnish. The profile is read once (cached),
// and a failed read falls back to the workspace's language.
func TestInvitationInProfileLanguageBeforeFirstInteraction(t *testing.T) {
	cfg := configs.Default()
	db, err := storage.Open(filepath.Join(t.TempDir(), "k.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var out bytes.Buffer
	sh := &directoryShell{Adapter: shell.New(nil, &out, "demo", "nina"),
		profiles: map[string]chat.Profile{"olli": {Name: "Olli", Locale: "en-GB"}, "pekka": {Name: "Pekka"}}, reads: map[string]int{}}
	b, err := bot.New(bot.Options{Config: cfg, DB: db, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Platforms: []chat.Platform{sh}}, call.Module{}, jury.Module{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	nina := chat.UserRef{Platform: "shell", Workspace: "demo", User: "nina"}
	resp := b.Handle(ctx, &chat.Command{Origin: chat.Origin{User: nina}, Text: "jury add kipina-2017 @olli @pekka @ghost"})
	if resp.Reply == nil || !strings.Contains(resp.Reply.Text, "@olli") {
		t.Fatalf("jury add: %+v", resp.Reply)
	}
	b.Tick(ctx)
	got := out.String()
	en := b.Cat.T("en", "jury.added.dm", "Event", "x", "EventID", "x", "Targets", "x")[:20]
	fi := b.Cat.T("fi", "jury.added.dm", "Event", "x", "EventID", "x", "Targets", "x")[:20]
	for user, want := range map[string]string{"olli": en, "pekka": fi, "ghost": fi} {
		msg := posted(got, "── @"+user)
		if !strings.Contains(msg, want) {
			t.Errorf("%s's invitation does not start %q:\n%s", user, want, got)
		}
	}
	// Named again: the stored profile serves, the directory is not asked.
	b.Handle(ctx, &chat.Command{Origin: chat.Origin{User: nina}, Text: "jury add kipina-2017 @olli @ghost"})
	if sh.reads["olli"] != 1 || sh.reads["ghost"] != 1 {
		t.Errorf("directory reads = %v, want olli and ghost once each", sh.reads)
	}
}

// posted is the text of the first message under header in a shell
// transcript.
func posted(out, header string) string {
	_, after, ok := strings.Cut(out, header+"\n")
	if !ok {
		return ""
	}
	if i := strings.Index(after, "── "); i >= 0 {
		after = after[:i]
	}
	return after
}
