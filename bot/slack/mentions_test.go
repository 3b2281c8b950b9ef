package slack

import (
	"strings"
	"testing"

	"github.com/kipina/kipina/bot/bottest"
	"github.com/kipina/kipina/bot/call"
)

// TestMentionsOverSlack: a command naming people reaches the core with
// user ids whether Slack escaped the mention (<@U42|liisa>) or sent it as
// typed (@liisa, a display name, @maija@example.fi); a name no member has
// is refused with a catalogue message in the person's language, and the
// command is not run.
func TestMentionsOverSlack(t *testing.T) {
	f := newFakeSlack(t)
	a := newAdapter(t, f, nil)
	b := newCore(t, a, nil, call.Module{})
	n := f.connections()
	run(t, a, b)
	f.waitConnected(n + 1)
	cmd := func(user, text string) string {
		t.Helper()
		got := f.command(user, "C1", text)
		s, _ := got["text"].(string)
		return s
	}
	T := func(lang, id string, kv ...any) string { return b.Cat.T(lang, id, kv...) }
	added := bottest.UpTo(b.Cat, "fi", "organiser.added", "Users")
	// whoami names the roles after the fixed text before them.
	organiser := bottest.Pieces(b.Cat, "fi", "whoami", []string{"User", "Roles", "Lang"})[1] + T("fi", "role.organiser")

	for _, tc := range []struct{ text, want string }{
		{"organiser add <@U42|liisa>", "<@U42>"},
		{"organiser add @liisa", "<@U43>"},
		{"organiser add @LiisaV.", "<@U43>"}, // a display name, any case, sentence punctuation
		{"organiser add @maija@example.fi", "<@U77>"},
		{"organiser add <@U42|liisa> @maija", "<@U42>, <@U77>"},
	} {
		if got := cmd("UORG", tc.text); !strings.Contains(got, added+tc.want) {
			t.Errorf("/kipina %s: %q, want the organisers %s added", tc.text, got, tc.want)
		}
	}
	// The people added are organisers now: the core got their ids.
	if got := cmd("U43", "whoami"); !strings.Contains(got, organiser) {
		t.Errorf("whoami of U43: %q", got)
	}

	// Unknown names: refused, nothing done, in the person's language.
	got := cmd("UORG", "organiser add @ghost @liisa @nobody@example.fi")
	if want := T("fi", "mention.unknown", "Count", 2, "Names", "@ghost, @nobody@example.fi"); !strings.Contains(got, want) {
		t.Errorf("unknown names: %q", got)
	}
	if got := cmd("U99", "whoami"); strings.Contains(got, T("fi", "role.organiser")) {
		t.Errorf("a refused command added someone: %q", got)
	}
	f.mu.Lock()
	f.locale = "en-GB"
	f.mu.Unlock()
	if got := cmd("UNEW", "organiser add @nobody"); !strings.Contains(got, T("en", "mention.unknown", "Count", 1, "Names", "@nobody")) {
		t.Errorf("in English: %q", got)
	}
	// users.list was read once for all of it (cached); the e-mails were
	// looked up one by one.
	if n := len(f.callsTo("users.list")); n > 2 {
		t.Errorf("users.list called %d times", n)
	}
	if n := len(f.callsTo("users.lookupByEmail")); n != 2 {
		t.Errorf("users.lookupByEmail called %d times, want 2", n)
	}
}
