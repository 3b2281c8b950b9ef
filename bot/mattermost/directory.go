package mattermost

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/kipina/kipina/bot/chat"
	"github.com/mattermost/mattermost/server/public/model"
)

// Profile reads a user's name, e-mail (empty unless the server shows
// e-mail addresses to the bot), locale and time zone.
func (a *Adapter) Profile(ctx context.Context, u chat.UserRef) (chat.Profile, error) {
	t, err := a.workspace(u.Workspace)
	if err != nil {
		return chat.Profile{}, err
	}
	usr, resp, err := t.conn.api.GetUser(ctx, u.User, "")
	if err != nil {
		return chat.Profile{}, apiError("profile of "+u.String(), resp, err)
	}
	return profile(usr), nil
}

func profile(u *model.User) chat.Profile {
	name := strings.TrimSpace(u.FirstName + " " + u.LastName)
	if name == "" {
		name = u.Nickname
	}
	if name == "" {
		name = u.Username
	}
	tz := u.Timezone["manualTimezone"]
	if u.Timezone["useAutomaticTimezone"] == "true" || tz == "" {
		tz = u.Timezone["automaticTimezone"]
	}
	return chat.Profile{Name: name, Email: u.Email, Locale: u.Locale, Timezone: tz}
}

// LookupEmail finds the member of the workspace's team with an e-mail
// address. No user with the address (HTTP 404), or one outside the team,
// wraps chat.ErrNoSuchUser.
func (a *Adapter) LookupEmail(ctx context.Context, workspace, email string) (chat.UserRef, error) {
	t, err := a.workspace(workspace)
	if err != nil {
		return chat.UserRef{}, err
	}
	usr, resp, err := t.conn.api.GetUserByEmail(ctx, email, "")
	if err != nil {
		return chat.UserRef{}, noSuchUser(apiError("user with e-mail "+email, resp, err), resp, err)
	}
	return a.member(ctx, t, usr, email)
}

// LookupName finds the member of the workspace's team with a username
// (without "@", any case; chat.NameFinder). No user with the name (HTTP
// 404), or one outside the team, wraps chat.ErrNoSuchUser. It needs the
// team resolved: call it once Started is closed.
func (a *Adapter) LookupName(ctx context.Context, workspace, name string) (chat.UserRef, error) {
	t, err := a.workspace(workspace)
	if err != nil {
		return chat.UserRef{}, err
	}
	name = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(name), "@"))
	usr, resp, err := t.conn.api.GetUserByUsername(ctx, name, "")
	if err != nil {
		return chat.UserRef{}, noSuchUser(apiError("user @"+name, resp, err), resp, err)
	}
	return a.member(ctx, t, usr, "@"+name)
}

// member returns usr's reference when usr is in t's team; one outside it
// wraps chat.ErrNoSuchUser.
func (a *Adapter) member(ctx context.Context, t *team, usr *model.User, as string) (chat.UserRef, error) {
	a.mu.RLock()
	teamID := t.id
	a.mu.RUnlock()
	if _, resp, err := t.conn.api.GetTeamMember(ctx, teamID, usr.Id, ""); err != nil {
		e := apiError("membership of "+as+" in "+t.ws.TeamName, resp, err)
		if status(resp, err) == http.StatusNotFound {
			return chat.UserRef{}, fmt.Errorf("%s is not a member of the team %q: %w (%w)", as, t.ws.TeamName, chat.ErrNoSuchUser, e)
		}
		return chat.UserRef{}, e
	}
	return t.user(usr.Id), nil
}

// noSuchUser wraps e with chat.ErrNoSuchUser when the server answered 404.
func noSuchUser(e error, resp *model.Response, err error) error {
	if status(resp, err) == http.StatusNotFound {
		return fmt.Errorf("%w (%w)", chat.ErrNoSuchUser, e)
	}
	return e
}

var mentionRE = regexp.MustCompile(`(^|[\s(,])@([A-Za-z0-9][A-Za-z0-9._-]*)`)

// mentions rewrites "@username" as "@" + user id, the core's form. Names
// no user has stay as typed.
func (a *Adapter) mentions(ctx context.Context, c *conn, text string) string {
	return mentionRE.ReplaceAllStringFunc(text, func(m string) string {
		sub := mentionRE.FindStringSubmatch(m)
		lead, name := sub[1], strings.TrimRight(sub[2], ".-_")
		rest := sub[2][len(name):]
		id := a.userID(ctx, c, strings.ToLower(name))
		if id == "" {
			return m
		}
		return lead + "@" + id + rest
	})
}

// nameEntry is a cached username lookup: the user's id, or "" for a name
// no user has, remembered until missTTL after at.
type nameEntry struct {
	id string
	at time.Time
}

// userID returns the id of a username ("" if none), cached; a name the
// server does not know (404) is cached as a miss for missTTL, so repeating
// an unknown @name costs one API call, not one per mention.
func (a *Adapter) userID(ctx context.Context, c *conn, name string) string {
	now := a.opts.Now()
	c.mu.Lock()
	e, ok := c.names[name]
	c.mu.Unlock()
	if ok && (e.id != "" || now.Sub(e.at) < missTTL) {
		return e.id
	}
	u, resp, err := c.api.GetUserByUsername(ctx, name, "")
	id := ""
	switch {
	case err == nil:
		id = u.Id
	case resp != nil && resp.StatusCode == 404:
	default: // not known to be a miss: not cached
		a.log.Warn("look up a mention", "username", name, "err", err)
		return ""
	}
	c.mu.Lock()
	if len(c.names) > 10000 {
		clear(c.names)
	}
	c.names[name] = nameEntry{id: id, at: now}
	c.mu.Unlock()
	return id
}
