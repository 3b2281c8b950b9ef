// Package slack is kipina's Slack adapter: one process serves every
// configured Slack workspace, over Socket Mode (the default: no public URL
// needed) or HTTP (slash command, interactivity and events endpoints with
// signed requests).
//
// Inbound, every envelope is acknowledged within Slack's 3 seconds, always:
// each envelope is handled on its own goroutine (bounded by
// Options.MaxInFlight), the core's handler gets Options.AckBudget (2.5 s by
// default) and the ack carries its answer — a slash-command reply, a modal's
// field errors, or "clear". A handler that takes longer is acknowledged
// without an answer and its answer is delivered afterwards as well as Slack
// allows (see late). Everything slow (views.open, chat.update, ephemeral
// replies, direct messages) happens after the ack.
//
// Outbound, the outbox calls Post and Update. A 429 becomes a
// *chat.RetryAfterError, errors retrying cannot fix (unknown channel or
// user, archived channel…) wrap chat.ErrPermanent, everything else is
// transient. Posts carry the outbox message id in the message metadata, so FindSent
// can look for a copy sent just before a crash (with the im:history scope;
// without it the outbox falls back to at-least-once delivery).
//
// Identity: UserRef.Workspace is kipina's workspace id from the
// configuration, found from the payload's team_id; UserRef.User is the
// Slack user id. Mentions in command text (<@U123|name>) reach the core as
// "@U123"; a plain "@name" is looked up (mentions.go) and a command naming
// someone who cannot be found is refused. SDK types never leave this
// package.
package slack

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/bot/httpsrv"
	"github.com/slack-go/slack"
	"golang.org/x/time/rate"
)

// Mode is how Slack reaches the bot.
type Mode string

// The modes.
const (
	// SocketMode opens a websocket to Slack with the app-level token.
	SocketMode Mode = "socket"
	// HTTPMode serves Slack's requests on Options.Listen.
	HTTPMode Mode = "http"
)

// Workspace is one Slack workspace the adapter serves.
type Workspace struct {
	// WorkspaceID is kipina's id of the workspace (UserRef.Workspace).
	WorkspaceID string
	// TeamID is Slack's team id (T…); when empty it is learned from
	// auth.test by Check.
	TeamID string
	// BotToken (xoxb-…) calls the Web API.
	BotToken string
	// AppToken (xapp-…) opens the Socket Mode connection.
	AppToken string
	// SigningSecret verifies HTTP mode requests.
	SigningSecret string
	// Mode is SocketMode (the default) or HTTPMode.
	Mode Mode
	// BotTokenEnv, AppTokenEnv and SigningSecretEnv name where the secrets
	// came from, for error messages; optional.
	BotTokenEnv, AppTokenEnv, SigningSecretEnv string
}

// Options configure an Adapter.
type Options struct {
	Workspaces []Workspace
	// APIURL is the Web API base URL, with a trailing slash; Slack's by
	// default. Tests point it at loopback; government workspaces use
	// another host.
	APIURL string
	// Listen is the HTTP mode listen address (":3000").
	Listen string
	// HTTPLimits bound HTTP mode requests (timeouts, body size); zero
	// fields take httpsrv.Default.
	HTTPLimits httpsrv.Limits
	// Log is the adapter's logger; slog.Default() when nil.
	Log *slog.Logger
	// HTTPClient makes the Web API calls; a client with a 10 s timeout when
	// nil.
	HTTPClient *http.Client
	// AckBudget is how long the core may take before an envelope is
	// acknowledged without its answer; 2.5 s when zero.
	AckBudget time.Duration
	// MaxInFlight bounds the envelopes handled at once; 1000 when zero.
	MaxInFlight int
	// PingInterval is how long Socket Mode waits for Slack's ping before it
	// reconnects; slack-go's 30 s when zero.
	PingInterval time.Duration
	// Now is the clock Retry-After holds are measured on (the outbox's);
	// time.Now when nil.
	Now func() time.Time
	// OnAck, when set, hears how long each Socket Mode envelope waited from
	// its arrival to its acknowledgement (for the ops metrics).
	OnAck func(time.Duration)
	// OnReconnect, when set, is called each time a Socket Mode connection
	// is opened again after the first (for the ops metrics).
	OnReconnect func()
}

// Adapter is the Slack platform.
type Adapter struct {
	opts   Options
	log    *slog.Logger
	budget time.Duration
	slots  chan struct{}
	// followSlots bounds the replies and updates sent after acks.
	followSlots chan struct{}
	unacked     ackGate        // envelopes not yet acknowledged
	wg          sync.WaitGroup // envelopes in flight and their after-ack work

	mu     sync.RWMutex
	byID   map[string]*workspace // by kipina workspace id
	byTeam map[string]*workspace // by Slack team id

	users   *ttlCache[chat.Profile]
	profMu  sync.Mutex
	profQ   map[string]*profileQueue // users.info queues by workspace id
	names   members                  // for plain @name mentions
	dms     *ttlCache[string]
	events  *seenSet     // events_api event ids already handled
	replays *replayCache // HTTP request signatures already accepted

	chMu     sync.Mutex
	channels map[string]*rate.Limiter // per workspace:channel
	held     map[string]time.Time     // Retry-After per workspace:channel

	socketClock socketClock // the reconnect loop's; realClock but in tests

	handler   chat.Handler    // set by Run
	afterCtx  context.Context // set by Run: handlers and after-ack work
	httpAddr  string          // HTTP mode: the address listened on
	listening chan struct{}   // closed once httpAddr is set

	// Readiness: sockets is how many Socket Mode connections Run keeps,
	// live how many said hello and still run, httpUp whether HTTP mode
	// listens (or is not used).
	sockets atomic.Int32
	live    atomic.Int32
	httpUp  atomic.Bool
	running atomic.Bool
}

// workspace is a configured workspace with its Web API client.
type workspace struct {
	Workspace
	api api
}

var (
	_ chat.Platform        = (*Adapter)(nil)
	_ chat.Ephemeral       = (*Adapter)(nil)
	_ chat.Directory       = (*Adapter)(nil)
	_ chat.NameFinder      = (*Adapter)(nil)
	_ chat.CachedDirectory = (*Adapter)(nil)
	_ chat.RateLimited     = (*Adapter)(nil)
	_ chat.FileUploader    = (*Adapter)(nil)
	_ chat.SentFinder      = (*Adapter)(nil)
)

// shutdownGrace is how long Run waits, once its context ends, for
// handlers and after-ack work before cancelling them.
const shutdownGrace = 3 * time.Second

// ErrConfig is wrapped by New's and Check's errors about the configuration:
// a missing or malformed token, a team mismatch.
var ErrConfig = errors.New("slack configuration")

// New checks the workspaces' settings (token prefixes, a signing secret for
// HTTP mode) and builds the adapter. It makes no network call; Check does.
func New(opts Options) (*Adapter, error) {
	if len(opts.Workspaces) == 0 {
		return nil, fmt.Errorf("%w: no workspaces", ErrConfig)
	}
	if opts.APIURL == "" {
		opts.APIURL = slack.APIURL
	}
	if !strings.HasSuffix(opts.APIURL, "/") {
		opts.APIURL += "/"
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	if opts.HTTPClient == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConnsPerHost = 32 // replies after a burst reuse connections
		opts.HTTPClient = &http.Client{Timeout: 10 * time.Second, Transport: tr}
	}
	if opts.AckBudget <= 0 {
		opts.AckBudget = 2500 * time.Millisecond
	}
	if opts.MaxInFlight <= 0 {
		opts.MaxInFlight = 1000
	}
	a := &Adapter{
		opts: opts, log: opts.Log.With("component", "slack"), budget: opts.AckBudget,
		slots: make(chan struct{}, opts.MaxInFlight), followSlots: make(chan struct{}, 16),
		byID: map[string]*workspace{}, byTeam: map[string]*workspace{},
		users: newTTLCache[chat.Profile](time.Hour), profQ: map[string]*profileQueue{}, dms: newTTLCache[string](24 * time.Hour),
		events: newSeenSet(10 * time.Minute), replays: newReplayCache(),
		channels: map[string]*rate.Limiter{}, listening: make(chan struct{}), socketClock: realClock{},
	}
	for _, w := range opts.Workspaces {
		if err := w.validate(); err != nil {
			return nil, err
		}
		if w.Mode == "" {
			w.Mode = SocketMode
		}
		if w.Mode == HTTPMode && opts.Listen == "" {
			return nil, fmt.Errorf("%w: workspace %s: HTTP mode needs a listen address", ErrConfig, w.WorkspaceID)
		}
		if _, dup := a.byID[w.WorkspaceID]; dup {
			return nil, fmt.Errorf("%w: workspace %s configured twice", ErrConfig, w.WorkspaceID)
		}
		ws := &workspace{Workspace: w, api: a.client(w)}
		a.byID[w.WorkspaceID] = ws
		if w.TeamID != "" {
			if other, dup := a.byTeam[w.TeamID]; dup {
				return nil, fmt.Errorf("%w: workspaces %s and %s have the same team_id %s", ErrConfig, other.WorkspaceID, w.WorkspaceID, w.TeamID)
			}
			a.byTeam[w.TeamID] = ws
		}
	}
	return a, nil
}

func (a *Adapter) client(w Workspace) *slack.Client {
	opts := []slack.Option{slack.OptionAPIURL(a.opts.APIURL), slack.OptionHTTPClient(a.opts.HTTPClient)}
	if w.AppToken != "" {
		opts = append(opts, slack.OptionAppLevelToken(w.AppToken))
	}
	return slack.New(w.BotToken, opts...)
}

// source names where a secret came from.
func source(env, what string) string {
	if env != "" {
		return "$" + env
	}
	return "the " + what
}

func (w Workspace) validate() error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: workspace %s: %s", ErrConfig, w.WorkspaceID, fmt.Sprintf(format, a...))
	}
	switch {
	case w.WorkspaceID == "":
		return fmt.Errorf("%w: a workspace without an id", ErrConfig)
	case w.BotToken == "":
		return bad("the bot token is empty: set %s to the Bot User OAuth Token (xoxb-…)", source(w.BotTokenEnv, "bot token"))
	case !strings.HasPrefix(w.BotToken, "xoxb-"):
		return bad("%s does not hold a bot token: it must start with xoxb- (OAuth & Permissions → Bot User OAuth Token)", source(w.BotTokenEnv, "bot token"))
	}
	switch w.Mode {
	case "", SocketMode:
		if w.AppToken == "" {
			return bad("Socket Mode needs the app-level token: set %s (xapp-…, Basic Information → App-Level Tokens, scope connections:write)", source(w.AppTokenEnv, "app token"))
		}
		if !strings.HasPrefix(w.AppToken, "xapp-") {
			return bad("%s does not hold an app-level token: it must start with xapp-", source(w.AppTokenEnv, "app token"))
		}
	case HTTPMode:
		if w.SigningSecret == "" {
			return bad("HTTP mode needs the signing secret: set %s (Basic Information → Signing Secret)", source(w.SigningSecretEnv, "signing secret"))
		}
	default:
		return bad("mode %q is not socket or http", w.Mode)
	}
	return nil
}

// Check calls auth.test with every workspace's bot token, learns team ids
// not configured and refuses a token of another team than the one
// configured; for a Socket Mode workspace it also tries the app-level
// token with apps.connections.open (the connection URL it gets is not
// used). An error names the environment variable of the token Slack
// refused or, when Slack could not be reached or did not answer as Slack,
// the URL tried and the api_url setting.
func (a *Adapter) Check(ctx context.Context) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, ws := range a.byID {
		res, err := ws.api.AuthTestContext(ctx)
		if err != nil {
			return a.checkError(ws, "auth.test", source(ws.BotTokenEnv, "bot token"), err)
		}
		switch {
		case ws.TeamID == "":
			if other, dup := a.byTeam[res.TeamID]; dup {
				return fmt.Errorf("%w: workspaces %s and %s are the same Slack team %s", ErrConfig, other.WorkspaceID, ws.WorkspaceID, res.TeamID)
			}
			ws.TeamID = res.TeamID
			a.byTeam[res.TeamID] = ws
		case res.TeamID != ws.TeamID:
			return fmt.Errorf("%w: workspace %s: %s belongs to team %s, not the configured team_id %s",
				ErrConfig, ws.WorkspaceID, source(ws.BotTokenEnv, "bot token"), res.TeamID, ws.TeamID)
		}
		if ws.Mode != HTTPMode {
			if _, _, err := ws.api.StartSocketModeContext(ctx); err != nil {
				return a.checkError(ws, "apps.connections.open", source(ws.AppTokenEnv, "app token"), err)
			}
		}
		a.log.Info("workspace ready", "workspace", ws.WorkspaceID, "team", res.TeamID, "bot", res.UserID, "mode", ws.Mode)
	}
	return nil
}

// checkError explains a failed start-up call: Slack's refusal of a token
// names the token's variable, anything else the URL tried.
func (a *Adapter) checkError(ws *workspace, method, token string, err error) error {
	url := a.opts.APIURL + method
	if code := slackCode(err); code != "" {
		hint := "is the token current and the app installed in the workspace?"
		switch {
		case method == "apps.connections.open" && code == "not_allowed_token_type":
			hint = "it must be the app-level token (xapp-…, Basic Information → App-Level Tokens), not the bot token"
		case code == "too_many_websockets":
			hint = "another process holds the app's Socket Mode connections: is kipina already running with this token?"
		case method == "apps.connections.open":
			hint = "is Socket Mode enabled for the app, and does the app-level token have the scope connections:write?"
		}
		return fmt.Errorf("%w: workspace %s: Slack refused %s at %s: %s (%s)", ErrConfig, ws.WorkspaceID, token, method, code, hint)
	}
	return fmt.Errorf("%w: workspace %s: %s with %s at %s failed: %v (is slack.api_url right? leave it out for Slack's own %s)",
		ErrConfig, ws.WorkspaceID, method, token, url, err, slack.APIURL)
}

// Name returns "slack".
func (a *Adapter) Name() string { return "slack" }

// SendRate is the outbox's pace per workspace: chat.postMessage allows
// about one message a second per channel (Post paces each channel) and a
// few hundred a minute per workspace.
func (a *Adapter) SendRate() (perSecond float64, burst int) { return 4, 8 }

// Run serves every workspace until ctx ends: one Socket Mode connection per
// distinct app-level token and, when a workspace uses HTTP mode, the HTTP
// endpoints. It returns when ctx ends or a connection fails for good
// (revoked token), after the envelopes in flight are handled.
func (a *Adapter) Run(ctx context.Context, h chat.Handler) error {
	a.handler = h
	// Work after an ack outlives ctx by a grace period at most.
	after, stopAfter := context.WithCancel(context.WithoutCancel(ctx))
	defer stopAfter()
	a.afterCtx = after
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errc := make(chan error, len(a.byID)+1)
	var loops sync.WaitGroup
	byToken := map[string]*workspace{}
	httpMode := false
	for _, ws := range a.byID {
		if ws.Mode == HTTPMode {
			httpMode = true
		} else if _, ok := byToken[ws.AppToken]; !ok {
			byToken[ws.AppToken] = ws
		}
	}
	a.sockets.Store(int32(len(byToken)))
	a.httpUp.Store(!httpMode)
	a.running.Store(true)
	for _, ws := range byToken {
		loops.Go(func() { errc <- a.runSocket(ctx, ws) })
	}
	if httpMode {
		ln, err := a.listen()
		if err != nil {
			cancel()
			loops.Wait()
			return err
		}
		a.httpAddr = ln.Addr().String()
		a.httpUp.Store(true)
		close(a.listening)
		loops.Go(func() { errc <- a.serveHTTP(ctx, ln) })
	}
	err := <-errc
	cancel()
	loops.Wait()
	a.running.Store(false)
	grace := time.AfterFunc(shutdownGrace, stopAfter)
	defer grace.Stop()
	a.wg.Wait()
	if errors.Is(err, context.Canceled) {
		return ctx.Err()
	}
	return err
}

// Ready reports whether Run serves every workspace: each Socket Mode
// connection said hello and still runs, and HTTP mode, if used, listens.
// It implements chat.Connected.
func (a *Adapter) Connected() bool {
	return a.running.Load() && a.live.Load() >= a.sockets.Load() && a.httpUp.Load()
}

// team returns the workspace of a Slack team, or fallback when the payload
// names none.
func (a *Adapter) team(teamID string, fallback *workspace) (*workspace, bool) {
	a.mu.RLock()
	defer a.mu.RUnlock()
	if ws, ok := a.byTeam[teamID]; ok {
		return ws, true
	}
	if teamID == "" && fallback != nil {
		return fallback, true
	}
	return nil, false
}

// workspaceOf returns a configured workspace by kipina id.
func (a *Adapter) workspaceOf(id string) (*workspace, error) {
	a.mu.RLock()
	defer a.mu.RUnlock()
	ws, ok := a.byID[id]
	if !ok {
		return nil, fmt.Errorf("%w: workspace %q is not a configured Slack workspace", chat.ErrPermanent, id)
	}
	return ws, nil
}
