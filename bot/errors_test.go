package bot_test

import (
	"strings"
	"testing"

	"github.com/kipina/kipina/bot"
	"github.com/kipina/kipina/bot/bottest"
	"github.com/kipina/kipina/storage"
)

// TestErrorsAreValues: a handler's refusal is rendered in the person's
// language and logged as a refusal; any other error is answered with the
// one polite message, its text never reaches the person, and it is logged
// exactly once with the request's context.
func TestErrorsAreValues(t *testing.T) {
	h := bottest.New(t, testModule{})
	t.Run("refusal in the person's language", func(t *testing.T) {
		bottest.Must(t, h.Run("/kipina refuse de\n"), h.Bot.Cat.T("fi", "lang.unknown", "Lang", "de"))
		bottest.Must(t, h.Run("/kipina lang en\n/kipina refuse de\n"), h.Bot.Cat.T("en", "lang.unknown", "Lang", "de"))
		bottest.Must(t, h.Logs(), `"refused":"lang.unknown"`)
	})
	t.Run("failure answered politely, logged once", func(t *testing.T) {
		out := h.Run("/kipina fail\n")
		bottest.Must(t, out, h.Bot.Cat.T("en", "error.internal"))
		bottest.MustNot(t, out, "disk on fire")
		if n := strings.Count(h.Logs(), "disk on fire"); n != 1 {
			t.Errorf("the error was logged %d times, want once:\n%s", n, h.Logs())
		}
		bottest.Must(t, h.Logs(), `"name":"fail"`, `"user":"shell:demo:nina"`)
	})
	t.Run("a panic is an error too", func(t *testing.T) {
		out := h.Run(":as mikko\n/kipina organiser add @mikko\n")
		bottest.MustNot(t, out, "handler bug")
	})
}

// TestUnreadableUserIsNeverWiped: a stored user record that fails to
// decode is an error, not a blank user: granting a role must not save a
// blank record over it (it held the person's roles), and the person is
// answered politely.
func TestUnreadableUserIsNeverWiped(t *testing.T) {
	h := bottest.New(t)
	raw := storage.NewBucket[string](bot.Users.Name())
	if err := h.DB.Update(func(tx *storage.Tx) error { return raw.Put(tx, "demo", "shell:mikko", "not a user") }); err != nil {
		t.Fatal(err)
	}
	out := h.Run("/kipina organiser add @mikko\n")
	bottest.Must(t, out, h.Bot.Cat.T("fi", "error.internal"))
	err := h.DB.View(func(tx *storage.Tx) error {
		got, err := raw.Get(tx, "demo", "shell:mikko")
		if err != nil || got != "not a user" {
			t.Errorf("the unreadable record was overwritten: %q, %v", got, err)
		}
		_, err = bot.LoadUser(tx, bottest.User("mikko"))
		if err == nil {
			t.Error("LoadUser of an unreadable record: no error")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	out = h.Run(":as mikko\n/kipina whoami\n")
	bottest.Must(t, out, h.Bot.Cat.T("fi", "error.internal"))
}
