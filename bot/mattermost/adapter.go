// Package mattermost is kipina's Mattermost adapter: it turns slash
// commands, interactive dialog submissions, message button and select
// clicks and direct messages into the neutral events of package chat, and
// renders the core's answers as command responses, dialogs and posts.
//
// How the pieces travel:
//
//   - The bot logs in with a bot account's personal access token and reads
//     direct messages from the websocket (reconnecting with backoff).
//   - At start it registers its /kipina slash command on each configured
//     team (updating the one it made before, so restarts are idempotent) and
//     keeps the command's token; a command request without that token is
//     refused.
//   - Commands, dialog submissions and clicks reach one HTTP endpoint the
//     Mattermost server calls (Options.CallbackURL). Mattermost does not
//     sign those requests, so every button's context and every dialog's state
//     carries the bot's own HMAC-SHA256 signature and an expiry; a request
//     with a missing, forged or expired signature is refused.
//   - Files (exports, calendar files) are uploaded to the destination
//     channel, for a direct message the bot's direct channel with the user,
//     and attached to a post carrying the comment.
//
// Caveats: the 2024 servers (v8/v9) have no multi-select and no date
// element in dialogs. A multi-select is rendered as a text field taking
// comma-separated choices (listed in its help), a date as a text field with
// a YYYY-MM-DD placeholder; the core validates both. Ephemeral posts need
// the create_post_ephemeral permission (system admins only by default);
// without it PostEphemeral falls back to a direct message. SDK types
// (model.*) never leave this package.
package mattermost

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/bot/httpsrv"
	"github.com/mattermost/mattermost/server/public/model"
	"golang.org/x/time/rate"
)

// Name is the platform name in chat.UserRef and chat.Address.
const Name = "mattermost"

// Trigger is the slash command the adapter registers.
const Trigger = "kipina"

// The endpoint paths under Options.CallbackURL.
const (
	PathCommand = "/mattermost/command"
	PathDialog  = "/mattermost/dialog"
	PathAction  = "/mattermost/action"
)

// Workspace is one configured team.
type Workspace struct {
	// ID is our workspace id (chat.UserRef.Workspace).
	ID string
	// ServerURL is the Mattermost server, e.g. https://chat.example.fi.
	ServerURL string
	// TeamName is the team's name (the URL slug, not the display name).
	TeamName string
	// Token is the bot account's personal access token.
	Token string
	// TokenEnv names the environment variable Token came from, for error
	// messages; optional.
	TokenEnv string
	// NotifyChannel is the workspace's notify_channel (a channel name of
	// the team, "#name" or a channel id), checked at start (notify.go);
	// optional.
	NotifyChannel string
}

// Options configure an Adapter.
type Options struct {
	Workspaces []Workspace
	// Listen is the address the bot's HTTP endpoint listens on.
	Listen string
	// HTTPLimits bound the endpoint's requests (timeouts, body size);
	// zero fields take httpsrv.Default.
	HTTPLimits httpsrv.Limits
	// CallbackURL is where the Mattermost server reaches Listen, e.g.
	// http://10.0.0.5:8066, without a trailing slash.
	CallbackURL string
	// Secret signs button contexts and dialog states (≥ 16 bytes).
	Secret []byte
	// ActionTTL is how long the buttons of a post stay valid (default 30
	// days): a click on an older button is refused. 30 days is the longest
	// a flow waits for a click: a follow-up pair with no progress for 30
	// days (followup's StaleDays) is escalated and asked again with new
	// buttons; a jury is given days, not months, to score.
	// EphemeralTTL is the same for the buttons of an ephemeral post or a
	// command's answer, which vanish when the page reloads (default 24
	// hours). DialogTTL is the same for an open dialog (default 24 hours).
	ActionTTL, EphemeralTTL, DialogTTL time.Duration
	// Log receives the adapter's log; slog.Default() when nil.
	Log *slog.Logger
	// Now is the clock signatures use; time.Now when nil.
	Now func() time.Time
	// RecheckEvery is how often the self-check (selfcheck.go) runs again
	// while the server cannot reach the callback; a minute when zero.
	RecheckEvery time.Duration
	// OnReconnect, when set, is called each time a websocket connects
	// again after its first connection (for the ops metrics).
	OnReconnect func()

	// newAPI replaces the SDK client in unit tests.
	newAPI func(serverURL, token string) api
}

// Adapter is the Mattermost platform. It implements chat.Platform and the
// optional chat.Ephemeral, chat.FileUploader, chat.Directory,
// chat.SentFinder and chat.RateLimited.
type Adapter struct {
	opts   Options
	log    *slog.Logger
	sign   signer
	conns  []*conn
	byWS   map[string]*team
	ready  chan struct{}
	mu     sync.RWMutex
	byTeam map[string]*team // Mattermost team id → team, filled by Run
	forms  formCache
	// dmSlots bounds the direct messages handled at once: the websocket
	// reader waits for a slot, so a flood of messages is read no faster
	// than it is answered.
	dmSlots chan struct{}
	// replies paces the answers to direct messages at SendRate, like the
	// outbox's messages.
	replies *rate.Limiter
	check   selfCheck
	// beforeRegister runs once the teams are resolved, before /kipina is
	// registered (BeforeRegister).
	beforeRegister func(context.Context) error
}

// BeforeRegister sets fn to run in Run once the bot has logged in and
// found every team (LookupName and LookupEmail work from then on), before
// /kipina is created or updated on any team. An error from fn ends Run with
// that error and leaves the commands as they were, so a start that fails
// there (an organisers entry nobody has) leaves no new or rewritten
// /kipina pointing at a stopped bot. Call it before Run.
func (a *Adapter) BeforeRegister(fn func(ctx context.Context) error) { a.beforeRegister = fn }

// maxDMsInFlight bounds the direct messages handled at once.
const maxDMsInFlight = 8

// missTTL is how long a username that no user has is remembered as such.
const missTTL = 10 * time.Minute

var (
	_ chat.Platform     = (*Adapter)(nil)
	_ chat.Ephemeral    = (*Adapter)(nil)
	_ chat.FileUploader = (*Adapter)(nil)
	_ chat.Directory    = (*Adapter)(nil)
	_ chat.NameFinder   = (*Adapter)(nil)
	_ chat.SentFinder   = (*Adapter)(nil)
	_ chat.RateLimited  = (*Adapter)(nil)
	_ chat.Readiness    = (*Adapter)(nil)
)

// Ready reports whether workspace ws's team is resolved on its server and
// the bot logged in (chat.Readiness): before that the outbox waits.
func (a *Adapter) Ready(ws string) bool {
	t := a.byWS[ws]
	if t == nil {
		return false
	}
	_, err := a.teamID(t)
	return err == nil
}

// teamID returns t's Mattermost team id, or an error wrapping
// chat.ErrNotReady while setup has not resolved it.
func (a *Adapter) teamID(t *team) (string, error) {
	a.mu.Lock()
	id := t.id
	a.mu.Unlock()
	if id == "" || t.conn.bot() == "" {
		return "", fmt.Errorf("mattermost: team %q of workspace %s is not resolved yet: %w", t.ws.TeamName, t.ws.ID, chat.ErrNotReady)
	}
	return id, nil
}

// team is a configured workspace once resolved on its server.
type team struct {
	ws       Workspace
	conn     *conn
	id       string // Mattermost team id
	cmdToken string // the /kipina command's token
}

// conn is one server + bot account; workspaces on the same server with the
// same token share it (and its websocket).
type conn struct {
	url   string
	token string
	api   api
	teams []*team

	mu      sync.Mutex
	botID   string
	botName string               // the bot's username
	dms     map[string]string    // user id → direct channel id
	names   map[string]nameEntry // username → user id, or a miss
	noEphem bool                 // CreatePostEphemeral was refused

	connects atomic.Int64 // websocket connections made, for tests
	up       atomic.Bool  // the websocket is connected
}

// New checks the options and builds the adapter; Run connects.
func New(opts Options) (*Adapter, error) {
	if len(opts.Workspaces) == 0 {
		return nil, errors.New("mattermost: no workspace configured")
	}
	if len(opts.Secret) < 16 {
		return nil, errors.New("mattermost: the signing secret must be at least 16 bytes")
	}
	if opts.Listen == "" {
		return nil, errors.New("mattermost: listen address missing")
	}
	cb, err := url.Parse(opts.CallbackURL)
	if err != nil || (cb.Scheme != "http" && cb.Scheme != "https") || cb.Host == "" {
		return nil, fmt.Errorf("mattermost: callback_url %q: want http(s)://host:port of the bot as the server sees it", opts.CallbackURL)
	}
	opts.CallbackURL = strings.TrimRight(opts.CallbackURL, "/")
	if opts.ActionTTL <= 0 {
		opts.ActionTTL = 30 * 24 * time.Hour
	}
	if opts.EphemeralTTL <= 0 {
		opts.EphemeralTTL = 24 * time.Hour
	}
	if opts.DialogTTL <= 0 {
		opts.DialogTTL = 24 * time.Hour
	}
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.RecheckEvery <= 0 {
		opts.RecheckEvery = time.Minute
	}
	if opts.newAPI == nil {
		opts.newAPI = newClient
	}
	a := &Adapter{
		opts: opts, log: opts.Log.With("component", "mattermost"),
		sign: signer{key: append([]byte(nil), opts.Secret...), now: opts.Now},
		byWS: map[string]*team{}, byTeam: map[string]*team{}, ready: make(chan struct{}),
		dmSlots: make(chan struct{}, maxDMsInFlight),
		check:   selfCheck{problem: errNotChecked},
	}
	perSecond, burst := a.SendRate()
	a.replies = rate.NewLimiter(rate.Limit(perSecond), burst)
	conns := map[string]*conn{}
	for _, w := range opts.Workspaces {
		w.ServerURL = strings.TrimRight(w.ServerURL, "/")
		switch {
		case w.ID == "" || w.TeamName == "":
			return nil, fmt.Errorf("mattermost: workspace %q: id and team name are needed", w.ID)
		case w.Token == "":
			return nil, fmt.Errorf("mattermost: workspace %s: the bot's access token is empty", w.ID)
		case a.byWS[w.ID] != nil:
			return nil, fmt.Errorf("mattermost: workspace %s configured twice", w.ID)
		}
		u, err := url.Parse(w.ServerURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("mattermost: workspace %s: server url %q: want http(s)://host", w.ID, w.ServerURL)
		}
		key := w.ServerURL + "\x00" + w.Token
		c := conns[key]
		if c == nil {
			c = &conn{url: w.ServerURL, token: w.Token, api: opts.newAPI(w.ServerURL, w.Token),
				dms: map[string]string{}, names: map[string]nameEntry{}}
			conns[key] = c
			a.conns = append(a.conns, c)
		}
		for _, t := range c.teams {
			if strings.EqualFold(t.ws.TeamName, w.TeamName) {
				return nil, fmt.Errorf("mattermost: workspaces %s and %s are the same team", t.ws.ID, w.ID)
			}
		}
		t := &team{ws: w, conn: c}
		c.teams = append(c.teams, t)
		a.byWS[w.ID] = t
	}
	return a, nil
}

// Name returns "mattermost".
func (a *Adapter) Name() string { return Name }

// SendRate is a modest pace the default server rate limit (10 requests a
// second per user) absorbs with room for the interactive answers.
func (a *Adapter) SendRate() (perSecond float64, burst int) { return 4, 8 }

// Started is closed once Run has logged in and registered the slash
// commands.
func (a *Adapter) Started() <-chan struct{} { return a.ready }

// Connected reports whether every team is resolved (Run logged in and
// registered the commands), every server's websocket is connected and the
// server reaches the bot's callback (the start-up self-check). It
// implements chat.Connected.
func (a *Adapter) Connected() bool {
	select {
	case <-a.ready:
	default:
		return false
	}
	for _, c := range a.conns {
		if !c.up.Load() {
			return false
		}
	}
	// A server that cannot reach the callback makes every slash command
	// fail for people: not ready until the self-check passes (selfcheck.go).
	return a.Reachable() == nil
}

// Run binds the listen address, connects to every server, registers the
// slash command on every team, serves the HTTP endpoint and reads direct
// messages until ctx ends. Once the commands are registered it checks that
// the server reaches the callback (selfcheck.go): a failure is logged with
// the setting to fix and reported by Reachable, and the bot keeps running.
// An unreachable server is retried with backoff; a busy listen address
// (before any command is touched), a refused token or an unknown team end
// Run with an error. Run is called once. Its errors do not start with
// "mattermost:": the caller names the platform.
func (a *Adapter) Run(ctx context.Context, h chat.Handler) error {
	ln, err := net.Listen("tcp", a.opts.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s (the mattermost listen setting) for the server's requests: %w (is another kipina running?)", a.opts.Listen, err)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	served := make(chan error, 1)
	go func() { served <- a.serve(ctx, ln, h) }()
	// Log in and find the teams, then let the caller check what needs them
	// (the organisers) before /kipina is touched: a start that fails there
	// leaves no live command pointing at a stopped bot.
	for _, c := range a.conns {
		if err := a.setup(ctx, c, a.resolveOnce); err != nil {
			cancel()
			return errors.Join(err, <-served)
		}
	}
	if a.beforeRegister != nil {
		if err := a.beforeRegister(ctx); err != nil {
			cancel()
			return errors.Join(err, <-served)
		}
	}
	for _, c := range a.conns {
		if err := a.setup(ctx, c, a.registerOnce); err != nil {
			cancel()
			return errors.Join(err, <-served)
		}
	}
	close(a.ready)
	for _, c := range a.conns {
		for _, t := range c.teams {
			wg.Go(func() { a.checkNotify(ctx, t) })
		}
	}
	for _, c := range a.conns {
		wg.Go(func() { a.listen(ctx, c, h) })
	}
	wg.Go(func() { a.runSelfCheck(ctx) })
	err = <-served // when ctx ends or the server fails
	cancel()
	wg.Wait()
	if err != nil {
		return fmt.Errorf("serve %s: %w", a.opts.Listen, err)
	}
	return ctx.Err()
}

// setup runs step (resolveOnce: log in and find the teams; registerOnce:
// register /kipina) on c, retrying while the server cannot be reached.
func (a *Adapter) setup(ctx context.Context, c *conn, step func(context.Context, *conn) error) error {
	for attempt := 0; ; attempt++ {
		err := step(ctx, c)
		if err == nil || !transient(err) {
			return err
		}
		d := backoff(attempt)
		a.log.Warn("Mattermost not reachable; retrying", "server", c.url, "in", d, "err", err)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(d):
		}
	}
}

// tokenSource names where a workspace's token came from.
func tokenSource(w Workspace) string {
	if w.TokenEnv != "" {
		return "$" + w.TokenEnv
	}
	return "the bot token"
}

// status is the HTTP status of a failed SDK call, 0 if none.
func status(resp *model.Response, err error) int {
	if resp != nil && resp.StatusCode != 0 {
		return resp.StatusCode
	}
	var ae *model.AppError
	if errors.As(err, &ae) {
		return ae.StatusCode
	}
	return 0
}

// setupOnce resolves c's teams and registers /kipina on them, in one go.
func (a *Adapter) setupOnce(ctx context.Context, c *conn) error {
	if err := a.resolveOnce(ctx, c); err != nil {
		return err
	}
	return a.registerOnce(ctx, c)
}

// resolveOnce logs in on c and finds its teams (their ids), registering
// nothing.
func (a *Adapter) resolveOnce(ctx context.Context, c *conn) error {
	first := c.teams[0].ws
	me, resp, err := c.api.GetMe(ctx, "")
	if err != nil {
		switch code := status(resp, err); code {
		case http.StatusUnauthorized, http.StatusForbidden:
			return configErrorf("workspace %s: %s refused %s (HTTP %d): it must hold the bot account's access token, "+
				"the one shown once when the token was made, not the token id listed under it "+
				"(in the web app: Integrations → Bot Accounts → the bot → Create New Token; the System Console only switches bot accounts and tokens on)",
				first.ID, c.url, tokenSource(first), code)
		case 0:
			return fmt.Errorf("workspace %s: cannot reach the Mattermost server %s (mattermost.url): %w", first.ID, c.url, err)
		default:
			return fmt.Errorf("workspace %s: log in to %s with %s: HTTP %d: %w", first.ID, c.url, tokenSource(first), code, err)
		}
	}
	c.mu.Lock()
	c.botID, c.botName = me.Id, me.Username
	c.mu.Unlock()
	for _, t := range c.teams {
		tm, resp, err := c.api.GetTeamByName(ctx, t.ws.TeamName, "")
		if err != nil {
			if status(resp, err) == http.StatusNotFound || status(resp, err) == http.StatusForbidden {
				return a.noSuchTeam(ctx, c, t.ws, me.Username)
			}
			return fmt.Errorf("workspace %s: team %q: %w", t.ws.ID, t.ws.TeamName, err)
		}
		a.mu.Lock()
		if old := a.byTeam[tm.Id]; old != nil && old != t {
			a.mu.Unlock()
			return configErrorf("workspaces %s and %s are the same team", old.ws.ID, t.ws.ID)
		}
		t.id = tm.Id
		a.byTeam[tm.Id] = t
		a.mu.Unlock()
		a.log.Info("team found", "workspace", t.ws.ID, "team", t.ws.TeamName, "team_id", tm.Id)
	}
	return nil
}

// registerOnce creates or updates /kipina on each of c's teams (found
// by resolveOnce) and keeps the commands' tokens.
func (a *Adapter) registerOnce(ctx context.Context, c *conn) error {
	for _, t := range c.teams {
		teamID, err := a.teamID(t)
		if err != nil {
			return err
		}
		tok, err := a.register(ctx, c, teamID)
		if err != nil {
			return fmt.Errorf("workspace %s: %w", t.ws.ID, unprefixed{err})
		}
		a.mu.Lock()
		t.cmdToken = tok
		a.mu.Unlock()
		a.log.Info("team ready", "workspace", t.ws.ID, "team", t.ws.TeamName, "team_id", teamID)
	}
	return nil
}

// unprefixed is an apiError without its "mattermost: ": Run's errors are
// prefixed by the caller.
type unprefixed struct{ err error }

func (u unprefixed) Error() string { return strings.Replace(u.err.Error(), "mattermost: ", "", 1) }
func (u unprefixed) Unwrap() error { return u.err }

// configError is a start-up error retrying cannot fix: the message says
// what to change.
type configError struct{ msg string }

func (e *configError) Error() string { return e.msg }

// configErrorf formats a configError.
func configErrorf(format string, args ...any) error {
	return &configError{msg: fmt.Sprintf(format, args...)}
}

// noSuchTeam explains a team name the server does not know: it may be the
// display name; the teams the bot is in are listed.
func (a *Adapter) noSuchTeam(ctx context.Context, c *conn, w Workspace, bot string) error {
	teams, resp, err := c.api.GetTeamsForUser(ctx, c.botID, "")
	if err != nil {
		return fmt.Errorf("workspace %s: mattermost.team %q: the bot (@%s) sees no such team, and its teams cannot be listed: %w",
			w.ID, w.TeamName, bot, unprefixed{apiError("teams of the bot", resp, err)})
	}
	var names []string
	for _, t := range teams {
		if strings.EqualFold(t.DisplayName, w.TeamName) {
			return configErrorf("workspace %s: mattermost.team %q is the display name of the team %q: set team: %s (the name in the team's address, %s/%s/…)",
				w.ID, w.TeamName, t.Name, t.Name, c.url, t.Name)
		}
		names = append(names, fmt.Sprintf("%s (%q)", t.Name, t.DisplayName))
	}
	member := "the bot is a member of no team"
	if len(names) > 0 {
		member = "the bot is a member of: " + strings.Join(names, ", ")
	}
	return configErrorf("workspace %s: mattermost.team %q: the bot (@%s) sees no team of that name; it may be the display name, not the name in the team's address (%s/<name>/…), or the bot may not be in the team; %s",
		w.ID, w.TeamName, bot, c.url, member)
}

// register creates the /kipina command on a team, or updates the one
// there, and returns its token.
func (a *Adapter) register(ctx context.Context, c *conn, teamID string) (string, error) {
	want := &model.Command{
		TeamId: teamID, Trigger: Trigger, Method: model.CommandMethodPost,
		URL: a.opts.CallbackURL + PathCommand, DisplayName: "Kipinä", Username: "",
		Description: "Kipinä pitch events", AutoComplete: true,
		AutoCompleteDesc: "Kipinä: /kipina help", AutoCompleteHint: "[help]",
	}
	c.mu.Lock()
	bot := c.botID
	c.mu.Unlock()
	// How to grant what a refused call lacks, with this team's and bot's ids.
	grant := fmt.Sprintf("the bot needs the manage_slash_commands permission: make it a team admin, "+
		"as a system admin: curl -X PUT -H \"Authorization: Bearer $ADMIN_TOKEN\" %s/api/v4/teams/%s/members/%s/roles -d '{\"roles\":\"team_user team_admin\"}' "+
		"(or System Console → User Management → Teams → the team → the bot → Team Admin)", c.url, teamID, bot)
	cmds, resp, err := c.api.ListCommands(ctx, teamID, true)
	if err != nil {
		return "", apiError("list slash commands ("+grant+")", resp, err)
	}
	for _, old := range cmds {
		if !strings.EqualFold(old.Trigger, Trigger) || old.DeleteAt != 0 {
			continue
		}
		upd := *old
		upd.Method, upd.URL, upd.DisplayName, upd.Description = want.Method, want.URL, want.DisplayName, want.Description
		upd.AutoComplete, upd.AutoCompleteDesc, upd.AutoCompleteHint = want.AutoComplete, want.AutoCompleteDesc, want.AutoCompleteHint
		got, resp, err := c.api.UpdateCommand(ctx, &upd)
		if err != nil {
			return "", apiError("update the /"+Trigger+" command", resp, err)
		}
		if got.Token == "" {
			got.Token = old.Token
		}
		return got.Token, nil
	}
	got, resp, err := c.api.CreateCommand(ctx, want)
	if err != nil {
		return "", apiError("create the /"+Trigger+" command ("+grant+")", resp, err)
	}
	return got.Token, nil
}

// teamOf returns the configured team with Mattermost id id.
func (a *Adapter) teamOf(id string) *team {
	a.mu.RLock()
	defer a.mu.RUnlock()
	return a.byTeam[id]
}

// workspace returns the configured team of our workspace id ws.
func (a *Adapter) workspace(ws string) (*team, error) {
	t := a.byWS[ws]
	if t == nil {
		return nil, fmt.Errorf("mattermost: workspace %q is not configured: %w", ws, chat.ErrPermanent)
	}
	return t, nil
}

// user returns the reference of Mattermost user id in t's workspace.
func (t *team) user(id string) chat.UserRef {
	return chat.UserRef{Platform: Name, Workspace: t.ws.ID, User: id}
}

// backoff is the wait before retry attempt n (0-based): 1 s doubling to a
// minute.
func backoff(n int) time.Duration {
	d := time.Second << min(n, 6)
	return min(d, time.Minute)
}
