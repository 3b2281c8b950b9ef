package slack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
	"github.com/slack-go/slack"
)

// Socket Mode is spoken here rather than through slack-go's socketmode
// client, which decodes every envelope (a view_submission with its whole
// view) on one goroutine before handing it on: under a burst the acks
// queued behind that decoding. This reader only splits envelopes; each is
// decoded on its own goroutine (dispatch), and acks are written as soon as
// they are ready.

const (
	defaultPingInterval = 30 * time.Second
	maxBackoff          = time.Minute
	writeTimeout        = 5 * time.Second
	maxAck              = 20 * 1024 // Slack drops larger Socket Mode answers
)

// socketEnvelope is a Socket Mode message from Slack.
type socketEnvelope struct {
	Type         string          `json:"type"`
	EnvelopeID   string          `json:"envelope_id"`
	Payload      json.RawMessage `json:"payload"`
	RetryAttempt int             `json:"retry_attempt"`
	Reason       string          `json:"reason"`
}

// errFatal marks a connection error that retrying will not fix.
var errFatal = errors.New("refused")

// minHealthy is how long a Socket Mode connection must have lived after
// Slack's hello for the next one to be opened at once. A connection that
// ends sooner (a server that says hello and at once disconnect) counts as
// a failure, so a misbehaving server gets exponential backoff instead of a
// reconnect storm.
const minHealthy = 30 * time.Second

// tooManyBackoff is the least wait after Slack reports too many
// connections for the app (too_many_websockets): another process with the
// same app-level token holds them, and hurrying makes it worse.
const tooManyBackoff = 30 * time.Second

// socketClock is the time source of the reconnect loop; tests replace it
// to count reconnects under a virtual clock.
type socketClock interface {
	Now() time.Time
	// Sleep waits for d or until ctx ends, and returns ctx.Err() then.
	Sleep(ctx context.Context, d time.Duration) error
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// backoff returns the wait before attempt failures+1: 1 s doubling up to
// maxBackoff, plus up to half again of jitter.
func backoff(failures int) time.Duration {
	wait := min(time.Second<<min(failures-1, 6), maxBackoff)
	return wait + rand.N(wait/2+1)
}

// runSocket keeps a Socket Mode connection with ws's app-level token,
// reconnecting after a dropped socket, a missing ping or a "disconnect".
// A connection that lived minHealthy after its hello is followed at once;
// anything else (a refused dial, an error from apps.connections.open, a
// connection dropped soon after hello) waits with exponential backoff and
// jitter, at least tooManyBackoff after too_many_websockets and at least a
// 429's Retry-After. It returns when ctx ends or Slack refuses the token.
func (a *Adapter) runSocket(ctx context.Context, ws *workspace) error {
	log := a.log.With("workspace", ws.WorkspaceID)
	clock := a.socketClock
	failures := 0
	for n := 1; ; n++ {
		hello, err := a.connect(ctx, ws, log, n)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if errors.Is(err, errFatal) {
			return fmt.Errorf("%w: workspace %s: Socket Mode: %v (check %s and that Socket Mode is enabled for the app)",
				ErrConfig, ws.WorkspaceID, err, source(ws.AppTokenEnv, "app token"))
		}
		tooMany := strings.Contains(err.Error(), "too_many_websockets")
		if !hello.IsZero() && clock.Now().Sub(hello) >= minHealthy && !tooMany {
			failures = 0
			log.Info("socket mode connection ended, reconnecting", "reason", err)
			continue
		}
		failures++
		wait := backoff(failures)
		if tooMany {
			wait = max(wait, tooManyBackoff)
		}
		if rl, ok := errors.AsType[*slack.RateLimitedError](err); ok {
			wait = max(wait, rl.RetryAfter)
		}
		log.Warn("socket mode connection failed or ended early, retrying", "err", err, "in", wait, "failures", failures)
		if err := clock.Sleep(ctx, wait); err != nil {
			return err
		}
	}
}

// connect opens one connection and reads it until it ends; hello is when
// Slack said hello on it (zero if it did not). The error is never nil.
func (a *Adapter) connect(ctx context.Context, ws *workspace, log *slog.Logger, n int) (hello time.Time, err error) {
	_, url, err := ws.api.StartSocketModeContext(ctx)
	if err != nil {
		switch slackCode(err) {
		case "invalid_auth", "not_authed", "account_inactive", "token_revoked", "not_allowed_token_type":
			return hello, fmt.Errorf("%w: apps.connections.open: %v", errFatal, err)
		}
		return hello, fmt.Errorf("apps.connections.open: %w", err)
	}
	dialer := websocket.Dialer{HandshakeTimeout: 30 * time.Second, WriteBufferSize: 32 * 1024}
	conn, resp, err := dialer.DialContext(ctx, url, nil)
	if resp != nil && resp.Body != nil {
		resp.Body.Close()
	}
	if err != nil {
		return hello, fmt.Errorf("dial %s: %w", url, err)
	}
	sock := &socket{conn: conn}
	defer conn.Close()

	interval := a.opts.PingInterval
	if interval <= 0 {
		interval = defaultPingInterval
	}
	var lastPing atomic.Int64
	lastPing.Store(time.Now().UnixNano())
	conn.SetPingHandler(func(data string) error {
		lastPing.Store(time.Now().UnixNano())
		err := conn.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(writeTimeout))
		if errors.Is(err, websocket.ErrCloseSent) {
			return nil
		}
		return err
	})
	done := make(chan struct{})
	defer close(done)
	go func() { // close on shutdown or when Slack stops pinging
		t := time.NewTicker(interval / 4)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				conn.Close()
				return
			case <-t.C:
				if time.Since(time.Unix(0, lastPing.Load())) > interval {
					log.Warn("socket mode: no ping from Slack, reconnecting", "for", interval)
					conn.Close()
					return
				}
			}
		}
	}()

	for {
		_, msg, err := conn.ReadMessage()
		if err != nil {
			return hello, err
		}
		var e socketEnvelope
		if err := json.Unmarshal(msg, &e); err != nil {
			log.Warn("socket mode: unreadable message", "err", err)
			continue
		}
		switch e.Type {
		case "hello":
			if hello.IsZero() {
				a.live.Add(1)
				defer a.live.Add(-1)
			}
			hello = a.socketClock.Now()
			log.Info("socket mode connected", "connection", n)
			if n > 1 && a.opts.OnReconnect != nil {
				a.opts.OnReconnect()
			}
		case "disconnect":
			return hello, fmt.Errorf("disconnect requested by Slack (%s)", e.Reason)
		case "slash_commands", "interactive", "events_api":
			received := time.Now()
			ack := sock.acker(e.EnvelopeID, log)
			if on := a.opts.OnAck; on != nil {
				inner := ack
				ack = func(p any) { inner(p); on(time.Since(received)) }
			}
			a.dispatch(ctx, &envelope{received: received, via: ws, socketType: e.Type, raw: e.Payload, ack: ack})
		default:
			log.Debug("socket mode: message ignored", "type", e.Type)
		}
	}
}

// socket is one Socket Mode connection; writes are serialised.
type socket struct {
	mu   sync.Mutex
	conn *websocket.Conn
}

// acker returns the ack of one envelope: its id and, when not nil and
// small enough, the payload.
func (s *socket) acker(id string, log *slog.Logger) func(any) {
	return func(payload any) {
		msg, err := json.Marshal(struct {
			EnvelopeID string `json:"envelope_id"`
			Payload    any    `json:"payload,omitempty"`
		}{id, payload})
		if err != nil || len(msg) >= maxAck {
			log.Warn("ack payload too large or unencodable, acknowledging without it", "size", len(msg), "err", err)
			msg = []byte(`{"envelope_id":` + strconv.Quote(id) + `}`)
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		s.conn.SetWriteDeadline(time.Now().Add(writeTimeout))
		if err := s.conn.WriteMessage(websocket.TextMessage, msg); err != nil {
			log.Error("ack not sent", "envelope", id, "err", err)
		}
	}
}

// parse decodes a Socket Mode payload into the envelope, on the
// envelope's own goroutine.
func (env *envelope) parse() error {
	var err error
	switch env.socketType {
	case "slash_commands":
		env.cmd = new(slack.SlashCommand)
		err = json.Unmarshal(env.raw, env.cmd)
	case "interactive":
		env.cb = new(interaction)
		err = json.Unmarshal(env.raw, env.cb)
	case "events_api":
		env.event = new(eventCallback)
		err = json.Unmarshal(env.raw, env.event)
	}
	return err
}
