package call_test

import (
	"context"
	"strings"
	"testing"

	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/bot/round"
	"github.com/kipina/kipina/configs"
	"github.com/kipina/kipina/storage"
)

// TestUndoKeepsOneLiveApplicationPerBusinessID: withdraw, re-apply with the
// same business ID, then undo the withdrawal: the undo is refused with a
// message that names the new application, and one application stays live.
func TestUndoKeepsOneLiveApplicationPerBusinessID(t *testing.T) {
	b, db := openBotWith(t, configs.Default())
	defer db.Close()
	ctx := context.Background()
	org := chat.Origin{User: chat.UserRef{Platform: "shell", Workspace: "demo", User: "nina"}, Channel: "c"}
	b.Handle(ctx, &chat.Action{Origin: org, ActionID: "call-post:kipina-2017"})
	first := submission(1)
	if r := b.Handle(ctx, first); r.Reply == nil || !strings.Contains(r.Reply.Text, "H0001") {
		t.Fatalf("apply: %+v", r)
	}
	act := func(id string) chat.Response {
		return b.Handle(ctx, &chat.Action{Origin: first.Origin, ActionID: id})
	}
	act("withdraw-yes:H0001")
	again := submission(1)
	if r := b.Handle(ctx, again); r.Reply == nil || !strings.Contains(r.Reply.Text, "H0002") {
		t.Fatalf("re-apply after withdrawing: %+v", r)
	}
	r := act("withdraw-undo:H0001")
	want := b.Cat.T("fi", "withdraw.undo.taken", "App", "H0001", "Other", "H0002")
	if r.Reply == nil || r.Reply.Text != want {
		t.Errorf("undo: %+v, want %q", r.Reply, want)
	}
	live := 0
	err := db.View(func(tx *storage.Tx) error {
		apps, err := round.EventApps(tx, "demo", "kipina-2017")
		for _, a := range apps {
			if a.State.Live() {
				live++
			}
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if live != 1 {
		t.Errorf("%d live applications with one business ID, want 1", live)
	}
}

// TestStateTransitions: the one table of allowed changes.
func TestStateTransitions(t *testing.T) {
	for _, c := range []struct {
		from, to round.State
		ok       bool
	}{
		{round.Submitted, round.Withdrawn, true},
		{round.Withdrawn, round.Submitted, true},
		{round.Submitted, round.Accepted, true},
		{round.Withdrawn, round.Accepted, false},
		{round.Withdrawn, round.Declined, false},
		{round.Accepted, round.Withdrawn, false},
	} {
		if got := c.from.CanBecome(c.to); got != c.ok {
			t.Errorf("%s → %s: %v, want %v", c.from, c.to, got, c.ok)
		}
	}
}
