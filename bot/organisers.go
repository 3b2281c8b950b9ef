package bot

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/kipina/kipina/bot/chat"
)

// An entry of a workspace's organisers (configs.Workspace.Organisers) is
// one of:
//   - a platform user id ("U0123ABCD" on Slack, "xk3j7d9b…" on
//     Mattermost, the name in the terminal), used as written;
//   - "@username", looked up once the platform is connected
//     (chat.NameFinder: Slack's users.list by username or display name,
//     Mattermost's users/username in the workspace's team; in the terminal
//     the name is the user id);
//   - an e-mail address, looked up the same way (chat.Directory's
//     LookupEmail) where an e-mail grants the role
//     (configs.Workspace.EmailGrantsOrganiser), and also matched against
//     the profile's e-mail at each request, for a member who joins later.
//
// An entry nobody has is an OrganiserError: the bot does not start.

// OrganiserError is an organisers entry the platform has no member for,
// or one that cannot grant the role: the configuration must change.
type OrganiserError struct {
	// Workspace is the workspace's id, Platform its platform, Entry the
	// entry as written.
	Workspace, Platform, Entry string
	// Fix says what to change.
	Fix string
	// Err is the platform's answer, if any.
	Err error
}

func (e *OrganiserError) Error() string {
	s := fmt.Sprintf("workspace %s: organisers: %q: %s", e.Workspace, e.Entry, e.Fix)
	if e.Err != nil {
		s += " (" + e.Platform + " said: " + e.Err.Error() + ")"
	}
	return s
}

func (e *OrganiserError) Unwrap() error { return e.Err }

// organiserIDs are the user ids a workspace's "@username" and e-mail
// organiser entries resolved to.
type organiserIDs struct {
	mu  sync.RWMutex
	ids map[string]string // entry → user id
}

// has reports whether user is a resolved organiser.
func (o *organiserIDs) has(user string) bool {
	if o == nil {
		return false
	}
	o.mu.RLock()
	defer o.mu.RUnlock()
	for _, id := range o.ids {
		if id == user {
			return true
		}
	}
	return false
}

func (o *organiserIDs) set(entry, id string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.ids == nil {
		o.ids = map[string]string{}
	}
	o.ids[entry] = id
}

func (o *organiserIDs) get(entry string) (string, bool) {
	o.mu.RLock()
	defer o.mu.RUnlock()
	id, ok := o.ids[entry]
	return id, ok
}

// isEmail reports whether an organisers entry is an e-mail address: an
// "@" inside, not first.
func isEmail(entry string) bool {
	i := strings.Index(entry, "@")
	return i > 0 && i < len(entry)-1
}

// ResolveOrganisers looks up the "@username" and e-mail organiser entries
// of every workspace on platform (a platform name: "slack", "mattermost",
// "shell"), once that platform's adapter can answer (for Mattermost, once
// its teams are found: its BeforeRegister hook). Entries already resolved
// are not asked again, so a caller may retry after an error. It returns an *OrganiserError for an entry no
// member has or that cannot grant the role, and the platform's error when
// it could not answer (the caller retries that).
func (b *Bot) ResolveOrganisers(ctx context.Context, platform string) error {
	p := b.platforms[platform]
	for _, ws := range b.sortedWorkspaces() {
		if ws.Platform != platform {
			continue
		}
		for _, entry := range ws.Organisers {
			if err := b.resolveOrganiser(ctx, p, ws, strings.TrimSpace(entry)); err != nil {
				return err
			}
		}
	}
	return nil
}

// resolveOrganiser resolves one entry of ws's organisers on p (nil when
// the platform does not run).
func (b *Bot) resolveOrganiser(ctx context.Context, p chat.Platform, ws *Workspace, entry string) error {
	if _, done := ws.organisers.get(entry); done {
		return nil
	}
	bad := func(fix string, err error) error {
		return &OrganiserError{Workspace: ws.ID, Platform: ws.Platform, Entry: entry, Fix: fix, Err: err}
	}
	var (
		u   chat.UserRef
		err error
	)
	switch {
	case strings.HasPrefix(entry, "@"):
		name := strings.TrimPrefix(entry, "@")
		if name == "" || strings.ContainsAny(name, " \t@") {
			return bad("write a username after the @ (\"@liisa\"), an e-mail address or a user id", nil)
		}
		nf, ok := p.(chat.NameFinder)
		if !ok { // the terminal: people are their names
			ws.organisers.set(entry, name)
			return nil
		}
		if u, err = nf.LookupName(ctx, ws.ID, name); errors.Is(err, chat.ErrNoSuchUser) {
			return bad(noSuchOrganiser(ws, "username", name), err)
		}
	case isEmail(entry):
		if !ws.EmailGrantsOrganiser() {
			return bad(fmt.Sprintf("an e-mail address grants the organiser role on %s only with organisers_by_email: true on the workspace, "+
				"which is safe only if the server verifies e-mail addresses; write the person's @username instead", ws.Platform), nil)
		}
		dir, ok := p.(chat.Directory)
		if !ok { // matched against the profile's e-mail at each request
			return nil
		}
		if u, err = dir.LookupEmail(ctx, ws.ID, entry); errors.Is(err, chat.ErrNoSuchUser) {
			return bad(noSuchOrganiser(ws, "e-mail address", ""), err)
		}
	default: // a user id
		return nil
	}
	if err != nil {
		return fmt.Errorf("workspace %s: organisers: look up %q: %w", ws.ID, entry, err)
	}
	ws.organisers.set(entry, u.User)
	b.Log.Info("organiser resolved", "workspace", ws.ID, "entry", entry, "user", u.User)
	return nil
}

// noSuchOrganiser is the remedy for an organisers entry that no member of
// ws has: what (a "username" or an "e-mail address") was not found; name is
// the username, for the lookup it suggests. The bot stops on it, so the
// remedy names only what works while the bot is down, and only entries
// the platform accepts (an e-mail address only where it grants the role).
func noSuchOrganiser(ws *Workspace, what, name string) string {
	if name == "" {
		name = "NAME"
	}
	var check, member, id string
	switch ws.Platform {
	case "mattermost":
		check = "check its spelling in the person's profile"
		if what == "username" {
			check += " (the username, not the full name)"
		}
		member = "and that the person is a member of the team (System Console → User Management → Teams → the team → Add Members, " +
			"or POST /api/v4/teams/TEAM_ID/members with {\"team_id\":\"TEAM_ID\",\"user_id\":\"USER_ID\"})"
		id = "their user id (System Console → User Management → Users → the person, or GET /api/v4/users/username/" + name + " → .id)"
	case "slack":
		check = "check its spelling in the person's profile (Slack matches the username or the display name)"
		member = "and that the person is a member of the Slack workspace"
		id = "their member ID (the person's profile → ⋮ → Copy member ID)"
	default:
		check, member, id = "check its spelling", "", "their user id"
	}
	alt := "their @username or " + id
	if what == "username" {
		alt = id
		if ws.EmailGrantsOrganiser() {
			alt = "their e-mail address or " + id
		}
	}
	s := fmt.Sprintf("no member of the %s workspace has this %s; %s", ws.Platform, what, check)
	if member != "" {
		s += ", " + member
	}
	return s + "; or write " + alt
}
