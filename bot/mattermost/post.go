package mattermost

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/kipina/kipina/bot/chat"
	"github.com/mattermost/mattermost/server/public/model"
)

// findDepth is how many of a channel's latest posts FindSent looks at.
const findDepth = 100

// Post sends m to a channel (id, or name of the workspace's team) or, when
// to.Channel is empty, as a direct message from the bot to to.User.
func (a *Adapter) Post(ctx context.Context, to chat.Address, m chat.Message) (chat.MessageRef, error) {
	t, channel, err := a.channel(ctx, to)
	if err != nil {
		return chat.MessageRef{}, err
	}
	aud := a.inChannel()
	if to.Channel == "" {
		aud = a.dmTo(to.User)
	}
	p, resp, err := t.conn.api.CreatePost(ctx, a.post(t.ws.ID, channel, aud, m))
	if again, werr := retryDM(ctx, to, resp, err); werr != nil {
		return chat.MessageRef{}, werr
	} else if again {
		p, resp, err = t.conn.api.CreatePost(ctx, a.post(t.ws.ID, channel, aud, m))
	}
	if err != nil {
		return chat.MessageRef{}, apiError("post to "+to.String(), resp, err)
	}
	return chat.MessageRef{Channel: channel, ID: p.Id}, nil
}

// retryDM reports whether a call to a direct message address that the
// server refused (403) should be tried once more, after waiting a second:
// a direct channel created at the same moment by the user and the bot may
// lack a membership for a moment. It returns ctx's error if ctx ends first.
func retryDM(ctx context.Context, to chat.Address, resp *model.Response, err error) (bool, error) {
	if err == nil || to.Channel != "" || resp == nil || resp.StatusCode != http.StatusForbidden {
		return false, nil
	}
	select {
	case <-ctx.Done():
		return false, ctx.Err()
	case <-time.After(time.Second):
		return true, nil
	}
}

// Update rewrites a post of the bot, its controls signed afresh (for
// to.User when to is a direct message).
func (a *Adapter) Update(ctx context.Context, to chat.Address, ref chat.MessageRef, m chat.Message) error {
	t, err := a.workspace(to.Workspace)
	if err != nil {
		return err
	}
	aud := a.inChannel()
	if to.Channel == "" {
		aud = a.dmTo(to.User)
	}
	msg, props := markdown(m.Text), a.props(t.ws.ID, ref.Channel, aud, m)
	_, resp, err := t.conn.api.PatchPost(ctx, ref.ID, &model.PostPatch{Message: &msg, Props: &props})
	if err != nil {
		return apiError("update post "+ref.ID, resp, err)
	}
	return nil
}

// PostEphemeral shows m to user only, in to's channel (or the direct
// channel). Without the create_post_ephemeral permission (system admins
// have it) it sends a direct message instead.
func (a *Adapter) PostEphemeral(ctx context.Context, to chat.Address, user chat.UserRef, m chat.Message) error {
	t, err := a.workspace(to.Workspace)
	if err != nil {
		return err
	}
	c := t.conn
	c.mu.Lock()
	fallback := c.noEphem
	c.mu.Unlock()
	if to.Channel == "" || fallback {
		_, err := a.Post(ctx, chat.DM(user), m)
		return err
	}
	_, channel, err := a.channel(ctx, to)
	if err != nil {
		return err
	}
	_, resp, err := c.api.CreatePostEphemeral(ctx, &model.PostEphemeral{UserID: user.User, Post: a.post(t.ws.ID, channel, a.onlyFor(user.User), m)})
	if err != nil && resp != nil && resp.StatusCode == http.StatusForbidden {
		a.log.Info("the bot may not post ephemeral messages; sending direct messages instead (give it the system admin role to change this)")
		c.mu.Lock()
		c.noEphem = true
		c.mu.Unlock()
		_, err := a.Post(ctx, chat.DM(user), m)
		return err
	}
	if err != nil {
		return apiError("ephemeral post to "+user.String(), resp, err)
	}
	return nil
}

// FindSent looks among the bot's latest posts in to's channel for one
// carrying the outbox message id.
func (a *Adapter) FindSent(ctx context.Context, to chat.Address, id string) (chat.MessageRef, bool, error) {
	t, channel, err := a.channel(ctx, to)
	if err != nil {
		return chat.MessageRef{}, false, err
	}
	c := t.conn
	list, resp, err := c.api.GetPostsForChannel(ctx, channel, 0, findDepth, "", false, false)
	if err != nil {
		return chat.MessageRef{}, false, apiError("read posts of "+channel, resp, err)
	}
	bot := c.bot()
	for _, postID := range list.Order {
		p := list.Posts[postID]
		if p == nil || p.UserId != bot {
			continue
		}
		if got, ok := p.GetProp(PropMessageID).(string); ok && got == id {
			return chat.MessageRef{Channel: channel, ID: p.Id}, true, nil
		}
	}
	return chat.MessageRef{}, false, nil
}

func (c *conn) bot() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.botID
}

// channel resolves an address to its team and Mattermost channel id: a
// channel id as is, "#name" or "name" in the team, or the direct channel
// with to.User.
func (a *Adapter) channel(ctx context.Context, to chat.Address) (*team, string, error) {
	t, err := a.workspace(to.Workspace)
	if err != nil {
		return nil, "", err
	}
	c := t.conn
	teamID, err := a.teamID(t)
	if err != nil {
		return nil, "", err // our own missing state: never permanent
	}
	switch {
	case to.Channel != "" && model.IsValidId(to.Channel):
		return t, to.Channel, nil
	case to.Channel != "":
		name := strings.TrimPrefix(to.Channel, "#")
		ch, resp, err := c.api.GetChannelByName(ctx, name, teamID, "")
		if err != nil {
			return nil, "", apiError(fmt.Sprintf("channel %q of team %s", name, t.ws.TeamName), resp, err)
		}
		return t, ch.Id, nil
	case to.User == "":
		return nil, "", fmt.Errorf("mattermost: address %s has neither channel nor user: %w", to, chat.ErrPermanent)
	}
	c.mu.Lock()
	id, ok := c.dms[to.User]
	bot := c.botID
	c.mu.Unlock()
	if ok {
		return t, id, nil
	}
	ch, resp, err := c.api.CreateDirectChannel(ctx, bot, to.User)
	if err != nil {
		return nil, "", apiError("direct channel with "+to.User, resp, err)
	}
	c.mu.Lock()
	c.dms[to.User] = ch.Id
	c.mu.Unlock()
	return t, ch.Id, nil
}
