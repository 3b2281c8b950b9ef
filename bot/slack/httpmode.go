package slack

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/kipina/kipina/bot/httpsrv"
	"github.com/slack-go/slack"
)

// The HTTP mode endpoints, to enter in the app's configuration as
// https://<public host><path>.
const (
	PathCommands     = "/slack/commands"
	PathInteractions = "/slack/interactivity"
	PathEvents       = "/slack/events"
)

// listen opens the HTTP mode listener.
func (a *Adapter) listen() (net.Listener, error) {
	ln, err := net.Listen("tcp", a.opts.Listen)
	if err != nil {
		return nil, fmt.Errorf("slack HTTP mode: listen on %s: %w", a.opts.Listen, err)
	}
	a.log.Info("HTTP mode listening", "addr", ln.Addr().String())
	return ln, nil
}

// serveHTTP serves Slack's requests on ln until ctx ends.
func (a *Adapter) serveHTTP(ctx context.Context, ln net.Listener) error {
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+PathCommands, a.endpoint(ctx, parseCommand))
	mux.HandleFunc("POST "+PathInteractions, a.endpoint(ctx, parseInteraction))
	mux.HandleFunc("POST "+PathEvents, a.endpoint(ctx, parseEvent))
	srv := httpsrv.New(mux, a.opts.HTTPLimits, nil)
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(sctx); err != nil {
			a.log.Warn("HTTP server shutdown", "err", err)
		}
	}()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("slack HTTP mode: %w", err)
	}
	return ctx.Err()
}

// parser reads a verified body into an envelope and names its team; a
// non-nil direct answer is written as is (url_verification).
type parser func(body []byte, env *envelope) (team string, direct any, err error)

func parseCommand(body []byte, env *envelope) (string, any, error) {
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return "", nil, err
	}
	r := &http.Request{Method: http.MethodPost, Header: http.Header{"Content-Type": {"application/x-www-form-urlencoded"}},
		Body: io.NopCloser(bytes.NewReader(body))}
	cmd, err := slack.SlashCommandParse(r)
	if err != nil {
		return "", nil, err
	}
	env.cmd = &cmd
	return form.Get("team_id"), nil, nil
}

func parseInteraction(body []byte, env *envelope) (string, any, error) {
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return "", nil, err
	}
	var cb interaction
	if err := json.Unmarshal([]byte(form.Get("payload")), &cb); err != nil {
		return "", nil, fmt.Errorf("interaction payload: %w", err)
	}
	env.cb = &cb
	team := cb.Team.ID
	if team == "" {
		team = cb.View.TeamID
	}
	return team, nil, nil
}

func parseEvent(body []byte, env *envelope) (string, any, error) {
	var e eventCallback
	if err := json.Unmarshal(body, &e); err != nil {
		return "", nil, fmt.Errorf("event payload: %w", err)
	}
	if e.Type == "url_verification" {
		return "", map[string]string{"challenge": e.Challenge}, nil
	}
	env.event = &e
	return e.TeamID, nil, nil
}

// endpoint verifies a request's signature (v0 HMAC-SHA256 of the signing
// secret, timestamp within 5 minutes, the same signed request only once),
// parses it and answers with the envelope's ack.
func (a *Adapter) endpoint(ctx context.Context, parse parser) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		received := time.Now()
		body, err := io.ReadAll(r.Body) // limited by httpsrv.LimitBody
		if err != nil {
			httpsrv.Refuse(w, err)
			return
		}
		secret, err := a.verify(r.Header, body)
		if err != nil {
			a.log.Warn("refused an HTTP request", "path", r.URL.Path, "remote", r.RemoteAddr, "err", err)
			http.Error(w, "invalid signature", http.StatusUnauthorized)
			return
		}
		env := &envelope{received: received}
		team, direct, err := parse(body, env)
		if err != nil {
			a.log.Warn("unreadable request", "path", r.URL.Path, "err", err)
			http.Error(w, "unreadable request", http.StatusBadRequest)
			return
		}
		if direct != nil {
			writeJSON(w, direct)
			return
		}
		ws, ok := a.team(team, nil)
		if !ok || ws.Mode != HTTPMode || ws.SigningSecret != secret {
			a.log.Warn("HTTP request for a team not configured for HTTP mode", "team", team)
			http.Error(w, "unknown team", http.StatusUnauthorized)
			return
		}
		env.via = ws
		acked := make(chan any, 1)
		env.ack = func(p any) { acked <- p }
		a.dispatch(ctx, env)
		select {
		case p := <-acked:
			if p == nil {
				w.WriteHeader(http.StatusOK)
				return
			}
			writeJSON(w, p)
		case <-r.Context().Done():
		}
	}
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	if err := json.NewEncoder(w).Encode(v); err != nil {
		slog.Debug("answer not written", "err", err) // the server went away
	}
}

// errReplay is a signed request seen before.
var errReplay = errors.New("replay of a request already accepted")

// verify checks the signature against every HTTP mode signing secret and
// returns the one that matches. A request accepted once is refused if it
// comes again while its timestamp is valid.
func (a *Adapter) verify(h http.Header, body []byte) (string, error) {
	a.mu.RLock()
	var secrets []string
	for _, ws := range a.byID {
		if ws.Mode == HTTPMode {
			secrets = append(secrets, ws.SigningSecret)
		}
	}
	a.mu.RUnlock()
	err := error(slack.ErrInvalidSignature)
	for _, s := range secrets {
		sv, verr := slack.NewSecretsVerifier(h, s)
		if verr != nil {
			return "", verr // missing headers, bad timestamp: the same for every secret
		}
		if _, err := sv.Write(body); err != nil {
			return "", err
		}
		if sv.Ensure() != nil {
			continue
		}
		fresh, rerr := a.replays.first(h.Get("X-Slack-Signature"), h.Get("X-Slack-Request-Timestamp"), time.Now())
		if rerr != nil {
			return "", rerr
		}
		if !fresh {
			return "", errReplay
		}
		return s, nil
	}
	return "", err
}
