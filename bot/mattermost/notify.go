package mattermost

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/mattermost/mattermost/server/public/model"
)

// checkNotify checks, once t's /kipina is registered, that t's
// notify_channel (Workspace.NotifyChannel, when set) exists in the team and
// that the bot is a member: else every new-application notice fails. A
// problem is logged as a warning naming the channel and the fix; the bot
// keeps running and checks again every RecheckEvery until it passes (the
// channel may be made, or the bot added, later), then logs that it passed.
func (a *Adapter) checkNotify(ctx context.Context, t *team) {
	if t.ws.NotifyChannel == "" {
		return
	}
	warned := false
	for {
		err := a.notifyProblem(ctx, t)
		switch {
		case ctx.Err() != nil:
			return
		case err == nil:
			if warned {
				a.log.Info("notify_channel check passed", "workspace", t.ws.ID, "channel", t.ws.NotifyChannel)
			}
			return
		case !warned:
			a.log.Warn("notify_channel not usable: new-application notices will fail until this is fixed; checking again every "+a.opts.RecheckEvery.String(),
				"workspace", t.ws.ID, "channel", t.ws.NotifyChannel, "err", err)
			warned = true
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(a.opts.RecheckEvery):
		}
	}
}

// notifyProblem says what is wrong with t's notify_channel, nil if the
// channel exists and the bot is in it.
func (a *Adapter) notifyProblem(ctx context.Context, t *team) error {
	teamID, err := a.teamID(t)
	if err != nil {
		return err
	}
	c := t.conn
	c.mu.Lock()
	bot, botName := c.botID, c.botName
	c.mu.Unlock()
	name := strings.TrimPrefix(t.ws.NotifyChannel, "#")
	addBot := func(chID string) string {
		return fmt.Sprintf("add the bot to it: in the channel type /invite @%s, or as a team or system admin: "+
			"curl -X POST -H \"Authorization: Bearer $ADMIN_TOKEN\" %s/api/v4/channels/%s/members -d '{\"user_id\":\"%s\"}'",
			botName, c.url, chID, bot)
	}
	chID := name
	if !model.IsValidId(name) {
		ch, resp, err := c.api.GetChannelByName(ctx, name, teamID, "")
		if err != nil {
			switch status(resp, err) {
			case http.StatusNotFound, http.StatusForbidden:
				return fmt.Errorf("workspace %s: notify_channel %q: the bot sees no channel of that name in the team %q: "+
					"use the channel's name from its address (%s/%s/channels/<name>), not its display name; "+
					"if it does not exist, create it (in the web app, or POST %s/api/v4/channels with "+
					"{\"team_id\":\"%s\",\"name\":\"%s\",\"display_name\":\"…\",\"type\":\"O\"}); "+
					"if it is private, %s", t.ws.ID, name, t.ws.TeamName, c.url, t.ws.TeamName, c.url, teamID, name,
					strings.Replace(addBot("CHANNEL_ID"), "in the channel type", "a member types in the channel", 1))
			}
			return fmt.Errorf("workspace %s: notify_channel %q: %w", t.ws.ID, name, apiError("channel", resp, err))
		}
		chID = ch.Id
	}
	if _, resp, err := c.api.GetChannelMember(ctx, chID, bot, ""); err != nil {
		switch status(resp, err) {
		case http.StatusNotFound, http.StatusForbidden:
			return fmt.Errorf("workspace %s: notify_channel %q: the bot is not a member of the channel (or there is no such channel): %s",
				t.ws.ID, name, addBot(chID))
		}
		return fmt.Errorf("workspace %s: notify_channel %q: %w", t.ws.ID, name, apiError("the bot's membership", resp, err))
	}
	return nil
}
