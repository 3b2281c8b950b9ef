// Package web is the "email" chat platform: the public web page on which
// companies outside the city's chat apply to a call, and the e-mail through
// which the bot reaches them afterwards. It is one more adapter, like
// bot/slack and bot/mattermost.
//
// Inbound, the HTTP server turns requests into the core's neutral events
// (chat.Command, chat.FormSubmit, chat.Action) from the user
// email:<workspace>:<verified address> and renders the chat.Response as a
// page: a Reply as text, a Form as an HTML form, Errors as the same form
// with an error summary and per-field messages.
//
// Outbound, Post sends a chat.Message as an e-mail (package bot/email); its
// buttons and selects become signed links back to the page, and its file
// becomes an attachment.
//
// Flow of an application: the call page (GET /<ws>/calls/<event>) asks
// for an e-mail address and mails a signed, single-use link valid for an
// hour. Following it (and pressing Continue, so that mail scanners that
// fetch links change nothing) sets a signed session cookie naming the
// address and opens the application form: the form the core returns for
// "/kipina apply <event>".
//
// Security: every POST carries a CSRF token tied to a cookie; bodies are
// limited (MaxBody); the server has read, write and idle timeouts; POSTs are
// rate-limited per client address and confirmation mails per e-mail
// address; forms carry a honeypot field; every page is sent with a
// Content-Security-Policy without inline script and frame-ancestors 'none';
// URLs carry no personal data (a link is a workspace id and a random nonce,
// signed; its record stays in the store).
package web

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/bot/email"
	"github.com/kipina/kipina/bot/locale"
	"github.com/kipina/kipina/configs"
	"github.com/kipina/kipina/storage"
)

// Platform is the platform name of e-mail applicants in chat.UserRef and
// chat.Address.
const Platform = "email"

// Mailer sends one e-mail; *email.Sender implements it.
type Mailer interface {
	Send(ctx context.Context, m email.Mail) error
	From() string
}

// Options configure an Adapter. Config, DB and Calls are required.
type Options struct {
	Config *configs.Config
	DB     *storage.DB
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	Log *slog.Logger
	// Calls gives the call pages.
	Calls Calls
	// Mailer sends e-mail; nil builds an email.Sender from Config.Email
	// with credentials from Getenv.
	Mailer Mailer
	// Getenv reads secrets (os.Getenv when nil).
	Getenv func(string) string
	// Listener, when set, is served instead of listening on
	// Config.Web.Listen (tests pass a loopback listener).
	Listener net.Listener
}

// Adapter is the web page and e-mail platform.
type Adapter struct {
	cfg      *configs.Config
	db       *storage.DB
	now      func() time.Time
	log      *slog.Logger
	calls    Calls
	mail     Mailer
	cat      *locale.Catalog
	sign     signer
	base     *url.URL
	listener net.Listener
	linkTTL  time.Duration
	trusted  []*net.IPNet
	ws       map[string]wsInfo
	ipLimit  *limiters
	addrLim  *limiters
	pages    *pages

	mu      sync.RWMutex
	handler chat.Handler
}

// wsInfo is what the page needs of a workspace.
type wsInfo struct {
	lang string
	loc  *time.Location
}

// Timeouts and limits of the HTTP server.
const (
	// MaxBody is the largest request body accepted, in bytes: the
	// application form's longest texts (3000 + 2 × 1500 characters,
	// percent-encoded) and its signed description fit with room to spare.
	MaxBody = 128 << 10
	// VerifyTTL is how long an address-confirmation link works.
	VerifyTTL = time.Hour
	// SessionTTL is how long a confirmed address stays signed in.
	SessionTTL = 12 * time.Hour
	// FormTTL is how long a form on a page can be submitted.
	FormTTL = 12 * time.Hour

	readHeaderTimeout = 5 * time.Second
	readTimeout       = 20 * time.Second
	writeTimeout      = 30 * time.Second
	idleTimeout       = 60 * time.Second
)

var keyBucket = storage.NewBucket[[]byte]("web_keys")

// New builds the adapter from the configuration's web and email sections.
// The signing key comes from the variable web.secret_env names, else a
// random key kept in the store (so links survive a restart).
func New(o Options) (*Adapter, error) {
	if o.Config == nil || o.Config.Web == nil || o.DB == nil || o.Calls == nil {
		return nil, errors.New("web: config with a web section, store and calls are needed")
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	if o.Getenv == nil {
		o.Getenv = os.Getenv
	}
	a := &Adapter{cfg: o.Config, db: o.DB, now: o.Now, log: o.Log.With("component", "web"), calls: o.Calls, mail: o.Mailer,
		listener: o.Listener, ws: map[string]wsInfo{}}
	var err error
	if a.cat, err = locale.Load(); err != nil {
		return nil, err
	}
	if a.mail == nil {
		if o.Config.Email == nil {
			return nil, errors.New("web: the email section is needed to send links")
		}
		if a.mail, err = email.New(*o.Config.Email, o.Getenv); err != nil {
			return nil, err
		}
	}
	if a.base, err = url.Parse(strings.TrimRight(o.Config.Web.BaseURL, "/")); err != nil {
		return nil, fmt.Errorf("web.base_url: %w", err)
	}
	key, err := a.key(o.Config.Web.SecretEnv, o.Getenv)
	if err != nil {
		return nil, err
	}
	a.sign = signer{key: key, now: o.Now}
	days := o.Config.Web.LinkDays
	if days == 0 {
		days = 60
	}
	a.linkTTL = time.Duration(days) * 24 * time.Hour
	for _, p := range o.Config.Web.TrustedProxies {
		if !strings.Contains(p, "/") {
			if strings.Contains(p, ":") {
				p += "/128"
			} else {
				p += "/32"
			}
		}
		_, n, err := net.ParseCIDR(p)
		if err != nil {
			return nil, fmt.Errorf("web.trusted_proxies: %w", err)
		}
		a.trusted = append(a.trusted, n)
	}
	for _, w := range o.Config.Workspaces {
		if !w.Web {
			continue
		}
		info := wsInfo{lang: w.Language, loc: time.UTC}
		if info.lang == "" {
			info.lang = o.Config.Defaults.Language
		}
		tz := w.Timezone
		if tz == "" {
			tz = o.Config.Defaults.Timezone
		}
		if info.loc, err = time.LoadLocation(tz); err != nil {
			return nil, fmt.Errorf("workspace %s: %w", w.ID, err)
		}
		a.ws[w.ID] = info
	}
	a.ipLimit = newLimiters(1, 30, o.Now)          // POSTs per client address
	a.addrLim = newLimiters(1.0/(10*60), 3, o.Now) // confirmation mails per e-mail address
	if a.pages, err = loadPages(a.cat); err != nil {
		return nil, err
	}
	return a, nil
}

// key reads the signing key from env, else from the store (made once).
func (a *Adapter) key(env string, getenv func(string) string) ([]byte, error) {
	if env != "" {
		k := getenv(env)
		if len(k) < 32 {
			return nil, fmt.Errorf("web: environment variable %s must hold a key of at least 32 characters", env)
		}
		return []byte(k), nil
	}
	var key []byte
	err := a.db.Update(func(tx *storage.Tx) error {
		k, err := keyBucket.Get(tx, "", "signing")
		if err == nil {
			key = k
			return nil
		}
		if !errors.Is(err, storage.ErrNotFound) {
			return err
		}
		key = make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return err
		}
		return keyBucket.Put(tx, "", "signing", key)
	})
	return key, err
}

// Name returns "email".
func (a *Adapter) Name() string { return Platform }

// SendRate lets the outbox send at most two e-mails a second, in bursts
// of ten (a city's relay usually throttles harder than that).
func (a *Adapter) SendRate() (perSecond float64, burst int) { return 2, 10 }

// Run serves the page until ctx ends, handing events to h.
func (a *Adapter) Run(ctx context.Context, h chat.Handler) error {
	a.mu.Lock()
	a.handler = h
	a.mu.Unlock()
	l := a.listener
	if l == nil {
		var err error
		if l, err = net.Listen("tcp", a.cfg.Web.Listen); err != nil {
			return fmt.Errorf("web: listen: %w", err)
		}
	}
	srv := &http.Server{
		Handler: a.Handler(), ReadHeaderTimeout: readHeaderTimeout, ReadTimeout: readTimeout,
		WriteTimeout: writeTimeout, IdleTimeout: idleTimeout, MaxHeaderBytes: 16 << 10,
		ErrorLog: slog.NewLogLogger(a.log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(l) }()
	go a.sweepLoop(ctx)
	a.log.Info("web page listening", "addr", l.Addr().String(), "base_url", a.base.String())
	select {
	case err := <-errc:
		return fmt.Errorf("web: serve: %w", err)
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(sctx); err != nil {
			a.log.Warn("shutdown", "err", err)
		}
		return ctx.Err()
	}
}

func (a *Adapter) core() chat.Handler {
	a.mu.RLock()
	defer a.mu.RUnlock()
	return a.handler
}

// URL returns the public address of path.
func (a *Adapter) URL(path string) string { return a.base.String() + path }

// CallURL returns the public address of an event's call page, for the
// organisers to publish (/kipina call open will show it).
func (a *Adapter) CallURL(workspace, eventID string) string {
	return a.URL("/" + url.PathEscape(workspace) + "/calls/" + url.PathEscape(eventID))
}

// user is the chat identity of a verified address.
func user(ws, address string) chat.UserRef {
	return chat.UserRef{Platform: Platform, Workspace: ws, User: strings.ToLower(address)}
}

var _ chat.Platform = (*Adapter)(nil)
var _ chat.RateLimited = (*Adapter)(nil)
