package mattermost

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/kipina/kipina/testtools/mmserver"
)

// TestSelfCheckEndToEnd runs the start-up self-check against a real
// Mattermost server, whose AllowedUntrustedInternalConnections is
// "127.0.0.1/8 localhost" (scripts/mattermost.sh): a callback on ::1 is
// refused by the server as an untrusted internal address, and the
// self-check says which setting to fix and that ::1 must be listed as
// written, while the bot keeps running; a callback on 127.0.0.1 passes.
func TestSelfCheckEndToEnd(t *testing.T) {
	s := mmserver.Start(t)
	suffix := fmt.Sprint(time.Now().UnixNano() % 1e6)
	admin := s.CreateAdmin(t, "kipina-admin", "Admin-pass-123!")
	teamName := "selfcheck-" + suffix
	teamID := s.CreateTeam(t, admin, teamName, "Self-check")
	botID, botTok := s.CreateBot(t, admin, "kipina-check-"+suffix)
	s.AddToTeam(t, admin, teamID, botID)
	s.SetTeamRoles(t, admin, teamID, botID, "team_user team_admin")

	run := func(listen, callback string) (*Adapter, <-chan error) {
		t.Helper()
		log := slog.New(slog.DiscardHandler)
		if os.Getenv("KIPINA_TEST_LOG") != "" {
			log = slog.New(slog.NewTextHandler(os.Stderr, nil))
		}
		a, err := New(Options{
			Workspaces: []Workspace{{ID: "chk", ServerURL: s.URL, TeamName: teamName, Token: botTok}},
			Listen:     listen, CallbackURL: callback, Secret: []byte("0123456789abcdef-selfcheck"), Log: log,
		})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done, ended := make(chan error, 1), make(chan struct{})
		go func() { done <- a.Run(ctx, &recorder{}); close(ended) }()
		t.Cleanup(func() { cancel(); <-ended })
		return a, done
	}
	verdict := func(a *Adapter, done <-chan error) error {
		t.Helper()
		deadline := time.Now().Add(patience)
		for time.Now().Before(deadline) {
			select {
			case err := <-done:
				t.Fatalf("Run returned: %v", err)
			default:
			}
			if err := a.Reachable(); !errors.Is(err, errNotChecked) {
				return err
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Fatalf("no self-check verdict within %s", patience)
		return nil
	}

	t.Run("callback on ::1 is blocked", func(t *testing.T) {
		ln, err := net.Listen("tcp", "[::1]:0")
		if err != nil {
			t.Skipf("no IPv6 loopback: %v", err)
		}
		port := ln.Addr().(*net.TCPAddr).Port
		ln.Close()
		a, done := run(fmt.Sprintf("[::1]:%d", port), fmt.Sprintf("http://[::1]:%d", port))
		err = verdict(a, done)
		t.Logf("self-check: %v", err)
		if err == nil || !strings.Contains(err.Error(), "AllowedUntrustedInternalConnections") || !strings.Contains(err.Error(), "::1") {
			t.Fatalf("self-check = %v, want the setting and the host named", err)
		}
		select {
		case err := <-done:
			t.Fatalf("Run returned %v after a failed self-check; it should keep running", err)
		default:
		}
	})

	t.Run("callback on 127.0.0.1 passes", func(t *testing.T) {
		port := freePort(t)
		a, done := run(fmt.Sprintf("127.0.0.1:%d", port), fmt.Sprintf("http://127.0.0.1:%d", port))
		if err := verdict(a, done); err != nil {
			t.Fatalf("self-check: %v", err)
		}
	})
}
