package mattermost

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mattermost/mattermost/server/public/model"
)

// logBuffer collects a text log for tests.
type logBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func startupAdapter(t *testing.T, f *fakeAPI, notify string, log *slog.Logger) *Adapter {
	t.Helper()
	a, err := New(Options{
		Workspaces: []Workspace{{ID: "ws1", ServerURL: "http://mm.test", TeamName: "tre", Token: "t", NotifyChannel: notify}},
		Listen:     "127.0.0.1:0", CallbackURL: "http://bot.test", Secret: []byte("0123456789abcdef"),
		Log: log, RecheckEvery: time.Millisecond, newAPI: func(string, string) api { return f },
	})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestFailedStartLeavesCommandAlone (issue 20): the caller's check that
// runs before /kipina is registered (the organisers lookup) runs once the
// team is found, and when it fails Run ends with its error and the command
// an earlier start made is left as it was: no /kipina is made or rewritten
// to point at a bot that has stopped.
func TestFailedStartLeavesCommandAlone(t *testing.T) {
	for _, earlier := range []bool{false, true} {
		f := newFake()
		if earlier {
			f.commands = []*model.Command{{Id: "c1", TeamId: "team1", Trigger: Trigger, URL: "http://old.test/x", Token: "old"}}
		}
		a := startupAdapter(t, f, "", slog.New(slog.DiscardHandler))
		bad := errors.New(`workspace ws1: organisers: "@ghost": no member`)
		a.BeforeRegister(func(context.Context) error {
			if _, err := a.teamID(a.byWS["ws1"]); err != nil {
				t.Errorf("the hook ran before the team was found: %v", err)
			}
			return bad
		})
		if err := a.Run(context.Background(), &recorder{}); !errors.Is(err, bad) {
			t.Fatalf("Run = %v, want the hook's error", err)
		}
		f.mu.Lock()
		switch {
		case !earlier && len(f.commands) != 0:
			t.Errorf("a command was made: %+v", f.commands)
		case earlier && (len(f.commands) != 1 || f.commands[0].URL != "http://old.test/x"):
			t.Errorf("the earlier command was changed: %+v", f.commands)
		}
		f.mu.Unlock()
		select {
		case <-a.Started():
			t.Error("Started closed after a failed start")
		default:
		}
	}
}

// TestRolesHintWhenCommandsRefused (issue 20): a bot that may not manage
// slash commands is told the roles call that grants it, with the team's
// and the bot's ids.
func TestRolesHintWhenCommandsRefused(t *testing.T) {
	f := newFake()
	f.refuseCommands = true
	a := startupAdapter(t, f, "", slog.New(slog.DiscardHandler))
	err := a.setupOnce(context.Background(), a.conns[0])
	if err == nil {
		t.Fatal("setup passed with slash commands refused")
	}
	for _, want := range []string{"manage_slash_commands", "PUT", "http://mm.test/api/v4/teams/team1/members/bot/roles", `{"roles":"team_user team_admin"}`, "Team Admin", "HTTP 403"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q lacks %q", err, want)
		}
	}
}

// TestNotifyChannelCheck (issue 20): at start the notify_channel is
// checked: one the team has not, or one without the bot, is a warning
// naming the channel and the fix; the bot keeps checking and says when it
// passes.
func TestNotifyChannelCheck(t *testing.T) {
	f := newFake()
	f.missingChannels = map[string]bool{"hakemukset": true}
	a := startupAdapter(t, f, "hakemukset", slog.New(slog.DiscardHandler))
	if err := a.setupOnce(context.Background(), a.conns[0]); err != nil {
		t.Fatal(err)
	}
	t.Run("a channel the team has not", func(t *testing.T) {
		err := a.notifyProblem(context.Background(), a.byWS["ws1"])
		for _, want := range []string{"workspace ws1", `notify_channel "hakemukset"`, "display name", "http://mm.test/api/v4/channels", `"team_id":"team1","name":"hakemukset"`} {
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("%v lacks %q", err, want)
			}
		}
	})
	t.Run("a channel without the bot", func(t *testing.T) {
		f.mu.Lock()
		f.missingChannels, f.notMember = nil, map[string]bool{"channel-hakemukset": true}
		f.mu.Unlock()
		err := a.notifyProblem(context.Background(), a.byWS["ws1"])
		for _, want := range []string{`notify_channel "hakemukset"`, "not a member", "/invite @kipina", "http://mm.test/api/v4/channels/channel-hakemukset/members", `{"user_id":"bot"}`} {
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("%v lacks %q", err, want)
			}
		}
	})
	t.Run("warned once, then passes when fixed", func(t *testing.T) {
		var logs logBuffer
		a.log = slog.New(slog.NewTextHandler(&logs, nil))
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		done := make(chan struct{})
		go func() { a.checkNotify(ctx, a.byWS["ws1"]); close(done) }()
		waitFor(t, "the warning", func() bool { return strings.Contains(logs.String(), "notify_channel not usable") })
		f.mu.Lock()
		f.notMember = nil
		f.mu.Unlock()
		<-done
		if got := logs.String(); strings.Count(got, "notify_channel not usable") != 1 || !strings.Contains(got, "notify_channel check passed") {
			t.Errorf("log:\n%s", got)
		}
	})
}
