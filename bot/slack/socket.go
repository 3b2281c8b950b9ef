package slack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
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

// runSocket keeps a Socket Mode connection with ws's app-level token,
// reconnecting after a dropped socket, a missing ping or a "disconnect"
// (at once after a connection that worked, else with exponential backoff
// and jitter). It returns when ctx ends or Slack refuses the token.
func (a *Adapter) runSocket(ctx context.Context, ws *workspace) error {
	client := slack.New(ws.BotToken, slack.OptionAPIURL(a.opts.APIURL),
		slack.OptionHTTPClient(a.opts.HTTPClient), slack.OptionAppLevelToken(ws.AppToken))
	log := a.log.With("workspace", ws.WorkspaceID)
	failures := 0
	for n := 1; ; n++ {
		worked, err := a.connect(ctx, ws, client, log, n)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if errors.Is(err, errFatal) {
			return fmt.Errorf("%w: workspace %s: Socket Mode: %v (check %s and that Socket Mode is enabled for the app)",
				ErrConfig, ws.WorkspaceID, err, source(ws.AppTokenEnv, "app token"))
		}
		if worked {
			failures = 0
			log.Info("socket mode connection ended, reconnecting", "reason", err)
			continue
		}
		failures++
		wait := min(time.Second<<min(failures-1, 6), maxBackoff)
		wait += rand.N(wait / 2)
		log.Warn("socket mode connection failed, retrying", "err", err, "in", wait)
		if rl, ok := errors.AsType[*slack.RateLimitedError](err); ok {
			wait = max(wait, rl.RetryAfter)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
	}
}

// connect opens one connection and reads it until it ends; worked tells
// whether Slack said hello on it.
func (a *Adapter) connect(ctx context.Context, ws *workspace, client *slack.Client, log *slog.Logger, n int) (worked bool, err error) {
	_, url, err := client.StartSocketModeContext(ctx)
	if err != nil {
		switch slackCode(err) {
		case "invalid_auth", "not_authed", "account_inactive", "token_revoked", "not_allowed_token_type":
			return false, fmt.Errorf("%w: apps.connections.open: %v", errFatal, err)
		}
		return false, fmt.Errorf("apps.connections.open: %w", err)
	}
	dialer := websocket.Dialer{HandshakeTimeout: 30 * time.Second, WriteBufferSize: 32 * 1024}
	conn, resp, err := dialer.DialContext(ctx, url, nil)
	if resp != nil && resp.Body != nil {
		resp.Body.Close()
	}
	if err != nil {
		return false, fmt.Errorf("dial: %w", err)
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
			return worked, err
		}
		var e socketEnvelope
		if err := json.Unmarshal(msg, &e); err != nil {
			log.Warn("socket mode: unreadable message", "err", err)
			continue
		}
		switch e.Type {
		case "hello":
			if !worked {
				a.live.Add(1)
				defer a.live.Add(-1)
			}
			worked = true
			log.Info("socket mode connected", "connection", n)
			if n > 1 && a.opts.OnReconnect != nil {
				a.opts.OnReconnect()
			}
		case "disconnect":
			return worked, fmt.Errorf("disconnect requested by Slack (%s)", e.Reason)
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
			msg, _ = json.Marshal(map[string]string{"envelope_id": id})
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
