package slack

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/kipina/kipina/bot/chat"
	"github.com/slack-go/slack"
	"golang.org/x/time/rate"
)

// metadataEvent is the event type of the metadata kipina attaches to the
// messages it posts; its payload holds the outbox message id.
const metadataEvent = "kipina_outbox"

// messageOptions renders m for chat.postMessage, chat.update and
// chat.postEphemeral.
func messageOptions(m chat.Message) []slack.MsgOption {
	opts := []slack.MsgOption{
		slack.MsgOptionText(truncate(mrkdwn(m.Text), maxFallback), false),
		slack.MsgOptionBlocks(messageBlocks(m)...),
	}
	if m.ID != "" {
		opts = append(opts, slack.MsgOptionMetadata(slack.SlackMetadata{
			EventType: metadataEvent, EventPayload: map[string]any{"id": m.ID},
		}))
	}
	return opts
}

// channel returns where to post: the address's channel, or the direct
// message channel with its user (conversations.open, cached).
func (a *Adapter) channel(ctx context.Context, ws *workspace, to chat.Address) (string, error) {
	if to.Channel != "" {
		return to.Channel, nil
	}
	if to.User == "" {
		return "", fmt.Errorf("%w: address %s has neither channel nor user", chat.ErrPermanent, to)
	}
	key := ws.WorkspaceID + ":" + to.User
	if ch, ok := a.dms.get(key); ok {
		return ch, nil
	}
	c, _, _, err := ws.api.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{to.User}})
	if err != nil {
		return "", deliveryError("conversations.open "+to.User, err)
	}
	a.dms.put(key, c.ID)
	return c.ID, nil
}

// pace waits for the channel's turn: Slack takes about one message a
// second per channel, with short bursts.
func (a *Adapter) pace(ctx context.Context, ws *workspace, channel string) error {
	key := ws.WorkspaceID + ":" + channel
	if d := a.heldFor(key); d > 0 {
		return &chat.RetryAfterError{Wait: d, Err: fmt.Errorf("slack: %s is held by an earlier Retry-After", key)}
	}
	a.chMu.Lock()
	l, ok := a.channels[key]
	if !ok {
		if len(a.channels) > 10000 {
			clear(a.channels)
		}
		l = rate.NewLimiter(1, 3)
		a.channels[key] = l
	}
	a.chMu.Unlock()
	return l.Wait(ctx)
}

// heldFor returns how long posts to workspace:channel key must still wait
// after a Retry-After.
func (a *Adapter) heldFor(key string) time.Duration {
	a.chMu.Lock()
	defer a.chMu.Unlock()
	return a.held[key].Sub(a.opts.Now())
}

// hold records a Retry-After answer for workspace ws's channel: nothing
// else is posted there, by the outbox or a reply, until it passes.
func (a *Adapter) hold(ws *workspace, channel string, err error) error {
	var ra *chat.RetryAfterError
	if errors.As(err, &ra) {
		a.chMu.Lock()
		if a.held == nil {
			a.held = map[string]time.Time{}
		}
		if len(a.held) > 10000 {
			clear(a.held)
		}
		key := ws.WorkspaceID + ":" + channel
		if until := a.opts.Now().Add(ra.Wait); until.After(a.held[key]) {
			a.held[key] = until
		}
		a.chMu.Unlock()
	}
	return err
}

// Post sends m to a channel or, when the address has no channel, as a
// direct message. The outbox message id travels in the message metadata.
func (a *Adapter) Post(ctx context.Context, to chat.Address, m chat.Message) (chat.MessageRef, error) {
	ws, err := a.workspaceOf(to.Workspace)
	if err != nil {
		return chat.MessageRef{}, err
	}
	ch, err := a.channel(ctx, ws, to)
	if err != nil {
		return chat.MessageRef{}, err
	}
	if err := a.pace(ctx, ws, ch); err != nil {
		return chat.MessageRef{}, err
	}
	got, ts, err := ws.api.PostMessageContext(ctx, ch, messageOptions(m)...)
	if err != nil {
		return chat.MessageRef{}, a.hold(ws, ch, deliveryError("chat.postMessage to "+to.String(), err))
	}
	if got == "" {
		got = ch
	}
	return chat.MessageRef{Channel: got, ID: ts}, nil
}

// Update rewrites a message the bot posted (chat.update).
func (a *Adapter) Update(ctx context.Context, to chat.Address, ref chat.MessageRef, m chat.Message) error {
	ws, err := a.workspaceOf(to.Workspace)
	if err != nil {
		return err
	}
	if ref.Channel == "" || ref.ID == "" {
		return fmt.Errorf("%w: update of %s: no message reference", chat.ErrPermanent, to)
	}
	opts := messageOptions(m)
	_, _, _, err = ws.api.UpdateMessageContext(ctx, ref.Channel, ref.ID, opts...)
	return deliveryError("chat.update in "+to.String(), err)
}

// PostEphemeral shows m to user only, in the address's channel; without a
// channel it is a direct message.
func (a *Adapter) PostEphemeral(ctx context.Context, to chat.Address, user chat.UserRef, m chat.Message) error {
	if to.Channel == "" {
		_, err := a.Post(ctx, chat.DM(user), m)
		return err
	}
	ws, err := a.workspaceOf(to.Workspace)
	if err != nil {
		return err
	}
	m.ID = ""
	if err := a.pace(ctx, ws, to.Channel); err != nil {
		return err
	}
	_, err = ws.api.PostEphemeralContext(ctx, to.Channel, user.User, messageOptions(m)...)
	return a.hold(ws, to.Channel, deliveryError("chat.postEphemeral in "+to.String(), err))
}

// Upload shares a file in a channel or a direct message (files:write).
func (a *Adapter) Upload(ctx context.Context, to chat.Address, f chat.File, comment string) error {
	ws, err := a.workspaceOf(to.Workspace)
	if err != nil {
		return err
	}
	ch, err := a.channel(ctx, ws, to)
	if err != nil {
		return err
	}
	title := f.Title
	if title == "" {
		title = f.Name
	}
	_, err = ws.api.UploadFileContext(ctx, slack.UploadFileParameters{
		Reader: bytes.NewReader(f.Content), FileSize: len(f.Content), Filename: f.Name,
		Title: title, InitialComment: comment, Channel: ch,
	})
	return deliveryError("file upload to "+to.String(), err)
}

func profileOf(su *slack.User) chat.Profile {
	name := su.RealName
	if name == "" {
		name = su.Profile.DisplayName
	}
	if name == "" {
		name = su.Name
	}
	return chat.Profile{Name: name, Email: su.Profile.Email, Locale: su.Locale, Timezone: su.TZ}
}

// LookupEmail finds a workspace member by e-mail (users.lookupByEmail).
func (a *Adapter) LookupEmail(ctx context.Context, workspace, email string) (chat.UserRef, error) {
	ws, err := a.workspaceOf(workspace)
	if err != nil {
		return chat.UserRef{}, err
	}
	su, err := ws.api.GetUserByEmailContext(ctx, strings.TrimSpace(email))
	if err != nil {
		if err.Error() == "users_not_found" {
			err = fmt.Errorf("%w (%w)", chat.ErrNoSuchUser, err)
		}
		return chat.UserRef{}, fmt.Errorf("users.lookupByEmail %s: %w", email, err)
	}
	a.users.put(ws.WorkspaceID+":"+su.ID, profileOf(su))
	return chat.UserRef{Platform: "slack", Workspace: ws.WorkspaceID, User: su.ID}, nil
}

// FindSent looks for a message the bot posted with the outbox message id in the
// last 100 messages of the conversation (conversations.history with
// metadata). Without the history scope it finds nothing, and the outbox
// delivers at least once.
func (a *Adapter) FindSent(ctx context.Context, to chat.Address, id string) (chat.MessageRef, bool, error) {
	ws, err := a.workspaceOf(to.Workspace)
	if err != nil {
		return chat.MessageRef{}, false, err
	}
	ch, err := a.channel(ctx, ws, to)
	if err != nil {
		return chat.MessageRef{}, false, err
	}
	h, err := ws.api.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{
		ChannelID: ch, Limit: 100, IncludeAllMetadata: true,
	})
	if err != nil {
		switch slackCode(err) {
		case "missing_scope", "not_in_channel", "channel_not_found", "not_allowed_token_type":
			a.log.Debug("cannot look for a sent copy", "to", to.String(), "err", err)
			return chat.MessageRef{}, false, nil
		}
		return chat.MessageRef{}, false, deliveryError("conversations.history of "+to.String(), err)
	}
	for _, m := range h.Messages {
		if m.Metadata.EventType == metadataEvent && fmt.Sprint(m.Metadata.EventPayload["id"]) == id {
			return chat.MessageRef{Channel: ch, ID: m.Timestamp}, true, nil
		}
	}
	return chat.MessageRef{}, false, nil
}
