package slack

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/bot/locale"
	"github.com/slack-go/slack"
)

// Slack escapes a mention in a slash command (<@U123|liisa>, with the
// manifest's should_escape: true) only when the person picked the name
// from Slack's list. A name typed to the end and sent at once, or a command
// from an app installed with should_escape: false, arrives as plain
// "@liisa". The adapter looks such names up: "@name" among the workspace's
// members by username or display name (users.list, cached), "@name@host"
// by e-mail (users.lookupByEmail). A name it cannot resolve is not passed
// on as if it were a user id: the command is refused with the message
// mention.unknown, which lists the names.

// plainMention is "@word" after a space, an opening bracket or a
// separator; group 2 is the word, which may be an e-mail address.
var plainMention = regexp.MustCompile(`(^|[\s(,;])@([^\s,;()<>@]+(?:@[^\s,;()<>]+)?)`)

// userID is a Slack user id, as the adapter writes escaped mentions.
var userID = regexp.MustCompile(`^[UW][A-Z0-9]{2,}$`)

// broadcasts are Slack's @here, @channel and @everyone, left as typed.
var broadcasts = map[string]bool{"here": true, "channel": true, "everyone": true}

// memberListTTL is how long users.list is reused for plain mentions.
const memberListTTL = 10 * time.Minute

// members is a workspace's member list by lower-case username and display
// name; a display name two people share maps to "".
type members struct {
	mu    sync.Mutex
	byWS  map[string]map[string]string
	fresh map[string]time.Time
}

// plainMentions reports whether text has a plain "@name" that
// resolveMentions would look up.
func plainMentions(text string) bool {
	for _, sub := range plainMention.FindAllStringSubmatch(text, -1) {
		name := strings.TrimRight(sub[2], ".:!?")
		if !userID.MatchString(name) && !broadcasts[strings.ToLower(name)] && name != "" {
			return true
		}
	}
	return false
}

// resolveMentions rewrites every plain "@name" of a command's text as
// "@" + user id and returns the names it could not resolve, as typed.
func (a *Adapter) resolveMentions(ctx context.Context, ws *workspace, text string) (string, []string) {
	var unknown []string
	out := plainMention.ReplaceAllStringFunc(text, func(m string) string {
		sub := plainMention.FindStringSubmatch(m)
		lead, name := sub[1], sub[2]
		trimmed := strings.TrimRight(name, ".:!?")
		rest := name[len(trimmed):]
		if userID.MatchString(trimmed) || broadcasts[strings.ToLower(trimmed)] || trimmed == "" {
			return m
		}
		id := a.lookupName(ctx, ws, trimmed)
		if id == "" {
			unknown = append(unknown, "@"+trimmed)
			return m
		}
		return lead + "@" + id + rest
	})
	return out, unknown
}

// lookupName returns the user id of a username, display name or e-mail
// address, "" when none (or more than one) member has it.
func (a *Adapter) lookupName(ctx context.Context, ws *workspace, name string) string {
	if strings.Contains(name, "@") {
		u, err := a.LookupEmail(ctx, ws.WorkspaceID, name)
		if err != nil {
			a.log.Info("plain mention not resolved by e-mail", "workspace", ws.WorkspaceID, "name", name, "err", err)
			return ""
		}
		return u.User
	}
	key := strings.ToLower(name)
	m, err := a.memberList(ctx, ws, false)
	if err == nil && m[key] == "" {
		m, err = a.memberList(ctx, ws, true) // a new member since the list was read
	}
	if err != nil {
		a.log.Warn("users.list for a plain mention", "workspace", ws.WorkspaceID, "err", err)
		return ""
	}
	return m[key]
}

// LookupName finds the member whose username or display name is name
// (without "@", any case) in users.list (chat.NameFinder), read afresh at
// most once a minute. No such member, or a display name two members share,
// wraps chat.ErrNoSuchUser.
func (a *Adapter) LookupName(ctx context.Context, workspace, name string) (chat.UserRef, error) {
	ws, err := a.workspaceOf(workspace)
	if err != nil {
		return chat.UserRef{}, err
	}
	m, err := a.memberList(ctx, ws, true)
	if err != nil {
		return chat.UserRef{}, fmt.Errorf("users.list: %w", err)
	}
	id := m[strings.ToLower(strings.ReplaceAll(strings.TrimPrefix(strings.TrimSpace(name), "@"), " ", ""))]
	if id == "" {
		return chat.UserRef{}, fmt.Errorf("users.list has no member with the username or display name %q, or several share it: %w", name, chat.ErrNoSuchUser)
	}
	return chat.UserRef{Platform: "slack", Workspace: ws.WorkspaceID, User: id}, nil
}

// memberList returns the workspace's members by name, read with users.list
// at most once per memberListTTL unless refresh, and then at most once a
// minute.
func (a *Adapter) memberList(ctx context.Context, ws *workspace, refresh bool) (map[string]string, error) {
	a.names.mu.Lock()
	defer a.names.mu.Unlock()
	if a.names.byWS == nil {
		a.names.byWS, a.names.fresh = map[string]map[string]string{}, map[string]time.Time{}
	}
	age := time.Since(a.names.fresh[ws.WorkspaceID])
	if m, ok := a.names.byWS[ws.WorkspaceID]; ok && (age < time.Minute || (!refresh && age < memberListTTL)) {
		return m, nil
	}
	users, err := ws.api.GetUsersContext(ctx, slack.GetUsersOptionLimit(200))
	if err != nil {
		return nil, err
	}
	m := map[string]string{}
	display := map[string]string{}
	for _, u := range users {
		if u.Deleted || u.IsBot {
			continue
		}
		m[strings.ToLower(u.Name)] = u.ID
		for _, d := range []string{u.Profile.DisplayName, u.Profile.DisplayNameNormalized} {
			if d = strings.ToLower(strings.ReplaceAll(d, " ", "")); d == "" {
				continue
			}
			if other, dup := display[d]; dup && other != u.ID {
				display[d] = ""
			} else {
				display[d] = u.ID
			}
		}
	}
	for d, id := range display {
		if _, taken := m[d]; !taken {
			m[d] = id
		}
	}
	a.names.byWS[ws.WorkspaceID], a.names.fresh[ws.WorkspaceID] = m, time.Now()
	return m, nil
}

// Texts is what the adapter asks of the core when it answers on its own
// (a command with a mention it cannot resolve): a catalogue message
// (configs/locales) in the language the core would answer the person in.
// *bot.Bot implements it; with a handler that does not, the adapter uses
// the catalogue in the language of the person's Slack locale, Finnish
// when that is not fi, en or sv.
type Texts interface {
	TextFor(ctx context.Context, o chat.Origin, id string, kv ...any) string
}

var (
	catOnce sync.Once
	cat     *locale.Catalog
	catErr  error
)

// text returns a catalogue message for o.
func (a *Adapter) text(ctx context.Context, o chat.Origin, id string, kv ...any) string {
	if t, ok := a.handler.(Texts); ok {
		return t.TextFor(ctx, o, id, kv...)
	}
	catOnce.Do(func() { cat, catErr = locale.Load() })
	if catErr != nil {
		a.log.Error("locale catalogue", "err", catErr)
		return id
	}
	lang := locale.Normalize(o.Locale)
	if lang == "" {
		lang = locale.Languages[0]
	}
	return cat.T(lang, id, kv...)
}

// refuseUnknown is the answer to a command naming people the adapter could
// not resolve.
func (a *Adapter) refuseUnknown(ctx context.Context, in *incoming) chat.Response {
	return chat.Response{Reply: &chat.Message{Text: a.text(ctx, in.origin, "mention.unknown",
		"Names", strings.Join(in.unknown, ", "), "Count", len(in.unknown))}}
}
