package mattermost

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/kipina/kipina/bot/chat"
	"github.com/mattermost/mattermost/server/public/model"
)

// listen reads c's websocket until ctx ends, reconnecting with backoff
// when the connection or the server goes away.
func (a *Adapter) listen(ctx context.Context, c *conn, h chat.Handler) {
	wsURL := "ws" + strings.TrimPrefix(c.url, "http") // http→ws, https→wss
	for attempt := 0; ctx.Err() == nil; {
		start := time.Now()
		err := a.readSocket(ctx, c, wsURL, h)
		if ctx.Err() != nil {
			return
		}
		if time.Since(start) > time.Minute {
			attempt = 0 // it ran a while: start the backoff afresh
		}
		d := backoff(attempt)
		attempt++
		a.log.Warn("websocket lost; reconnecting", "server", c.url, "in", d, "err", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(d):
		}
	}
}

// readSocket connects once and handles events until the connection ends.
func (a *Adapter) readSocket(ctx context.Context, c *conn, wsURL string, h chat.Handler) error {
	ws, err := model.NewWebSocketClient4(wsURL, c.token)
	if err != nil {
		return err
	}
	ws.Listen()
	if c.connects.Add(1) > 1 && a.opts.OnReconnect != nil {
		a.opts.OnReconnect()
	}
	c.up.Store(true)
	defer c.up.Store(false)
	a.log.Info("websocket connected", "server", c.url)
	defer ws.Close()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-ws.PingTimeoutChannel:
			return errPingTimeout
		case ev, ok := <-ws.EventChannel:
			if !ok {
				if ws.ListenError != nil {
					return ws.ListenError
				}
				return errClosed
			}
			a.event(ctx, c, ev, h)
		}
	}
}

type wsError string

func (e wsError) Error() string { return string(e) }

const (
	errPingTimeout = wsError("mattermost: websocket ping timeout")
	errClosed      = wsError("mattermost: websocket closed")
)

// event handles a websocket event: a direct message to the bot becomes a
// chat.Text.
func (a *Adapter) event(ctx context.Context, c *conn, ev *model.WebSocketEvent, h chat.Handler) {
	if ev.EventType() != model.WebsocketEventPosted {
		return
	}
	data := ev.GetData()
	if ct, _ := data["channel_type"].(string); ct != string(model.ChannelTypeDirect) {
		return
	}
	raw, _ := data["post"].(string)
	var p model.Post
	if err := json.Unmarshal([]byte(raw), &p); err != nil {
		a.log.Warn("websocket post", "err", err)
		return
	}
	if p.UserId == "" || p.UserId == c.bot() || p.Type != "" || strings.TrimSpace(p.Message) == "" {
		return
	}
	t := a.teamOfUser(ctx, c, p.UserId)
	if t == nil {
		a.log.Info("direct message from a user of no configured team", "user", p.UserId)
		return
	}
	o := chat.Origin{User: t.user(p.UserId), Channel: p.ChannelId}
	c.mu.Lock()
	c.dms[p.UserId] = p.ChannelId
	c.mu.Unlock()
	select { // wait for a slot: the reader slows down with the answers
	case a.dmSlots <- struct{}{}:
	case <-ctx.Done():
		return
	}
	go func() {
		defer func() { <-a.dmSlots }()
		resp := h.Handle(ctx, &chat.Text{Origin: o, Text: a.mentions(ctx, c, p.Message)})
		if resp.Reply != nil {
			if err := a.replies.Wait(ctx); err != nil {
				return
			}
			if _, err := a.Post(ctx, chat.DM(o.User), *resp.Reply); err != nil {
				a.log.Error("answer a direct message", "user", o.User.String(), "err", err)
			}
		}
	}()
}

// teamOfUser picks the first of c's teams the user is a member of (a direct
// message belongs to no team).
func (a *Adapter) teamOfUser(ctx context.Context, c *conn, user string) *team {
	if len(c.teams) == 1 {
		return c.teams[0]
	}
	for _, t := range c.teams {
		if _, _, err := c.api.GetTeamMember(ctx, t.id, user, ""); err == nil {
			return t
		}
	}
	return nil
}
