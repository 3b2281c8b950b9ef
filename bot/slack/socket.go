package slack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

// runSocket keeps a Socket Mode connection with ws's app-level token and
// hands every envelope to dispatch. slack-go reconnects after a dropped
// socket, a missing ping or a "disconnect" (with backoff); runSocket
// returns when ctx ends or the token is refused.
func (a *Adapter) runSocket(ctx context.Context, ws *workspace) error {
	opts := []socketmode.Option{}
	if a.opts.PingInterval > 0 {
		opts = append(opts, socketmode.OptionPingInterval(a.opts.PingInterval))
	}
	client := slack.New(ws.BotToken, slack.OptionAPIURL(a.opts.APIURL),
		slack.OptionHTTPClient(a.opts.HTTPClient), slack.OptionAppLevelToken(ws.AppToken))
	smc := socketmode.New(client, opts...)
	log := a.log.With("workspace", ws.WorkspaceID)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- smc.RunContext(ctx) }()
	for {
		select {
		case err := <-done:
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("%w: workspace %s: Socket Mode stopped: %v (check %s and that Socket Mode is enabled for the app)",
				ErrConfig, ws.WorkspaceID, err, source(ws.AppTokenEnv, "app token"))
		case evt := <-smc.Events:
			a.socketEvent(ctx, ws, smc, evt, log)
		}
	}
}

// socketEvent handles one event of the Socket Mode client.
func (a *Adapter) socketEvent(ctx context.Context, ws *workspace, smc *socketmode.Client, evt socketmode.Event, log *slog.Logger) {
	switch evt.Type {
	case socketmode.EventTypeConnected:
		if c, ok := evt.Data.(*socketmode.ConnectedEvent); ok {
			log.Info("socket mode connected", "connection", c.ConnectionCount+1)
		}
		return
	case socketmode.EventTypeConnectionError:
		log.Warn("socket mode connection failed, retrying", "err", fmt.Sprint(evt.Data))
		return
	case socketmode.EventTypeInvalidAuth:
		log.Error("socket mode: the app-level token was refused", "token", source(ws.AppTokenEnv, "app token"))
		return
	case socketmode.EventTypeIncomingError, socketmode.EventTypeErrorBadMessage, socketmode.EventTypeErrorWriteFailed:
		log.Warn("socket mode", "event", string(evt.Type), "detail", fmt.Sprintf("%+v", evt.Data))
		return
	case socketmode.EventTypeSlashCommand, socketmode.EventTypeInteractive, socketmode.EventTypeEventsAPI:
	default: // connecting, hello, disconnect
		return
	}
	if evt.Request == nil {
		return
	}
	req := *evt.Request
	env := &envelope{received: time.Now(), via: ws, ack: func(payload any) {
		actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 3*time.Second)
		defer cancel()
		err := smc.AckCtx(actx, req.EnvelopeID, payload)
		if err != nil && payload != nil && !errors.Is(err, context.DeadlineExceeded) {
			log.Warn("ack refused, acknowledging without its payload", "err", err)
			err = smc.AckCtx(actx, req.EnvelopeID, nil)
		}
		if err != nil {
			log.Error("ack", "envelope", req.EnvelopeID, "err", err)
		}
	}}
	switch evt.Type {
	case socketmode.EventTypeSlashCommand:
		cmd, ok := evt.Data.(slack.SlashCommand)
		if !ok {
			env.ack(nil)
			return
		}
		env.cmd = &cmd
	case socketmode.EventTypeInteractive:
		cb, ok := evt.Data.(slack.InteractionCallback)
		if !ok {
			env.ack(nil)
			return
		}
		env.cb = &cb
	case socketmode.EventTypeEventsAPI:
		var e eventCallback
		if err := json.Unmarshal(req.Payload, &e); err != nil {
			log.Warn("events_api payload", "err", err)
			env.ack(nil)
			return
		}
		env.event = &e
	}
	a.dispatch(ctx, env)
}
