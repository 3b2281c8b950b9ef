package mattermost

import (
	"context"
	"fmt"
	"strings"

	"github.com/kipina/kipina/bot/chat"
	"github.com/mattermost/mattermost/server/public/model"
)

// Upload shares a file in a channel or, when to.Channel is empty, in the
// bot's direct channel with to.User: the file goes up to that channel
// (POST /files) and a post carrying it follows, with comment as its
// message (the file's title when comment is empty). The server needs
// FileSettings.EnableFileAttachments (on by default) and refuses files over
// FileSettings.MaxFileSize (100 MB by default); both refusals are
// permanent. A file uploaded whose post then fails stays unattached, which
// no user sees.
func (a *Adapter) Upload(ctx context.Context, to chat.Address, f chat.File, comment string) error {
	name := strings.TrimSpace(f.Name)
	if name == "" {
		return fmt.Errorf("mattermost: upload to %s: the file has no name: %w", to, chat.ErrPermanent)
	}
	t, channel, err := a.channel(ctx, to)
	if err != nil {
		return err
	}
	c := t.conn
	up, resp, err := c.api.UploadFile(ctx, f.Content, channel, name)
	if again, werr := retryDM(ctx, to, resp, err); werr != nil {
		return werr
	} else if again {
		up, resp, err = c.api.UploadFile(ctx, f.Content, channel, name)
	}
	if err != nil {
		return apiError(fmt.Sprintf("upload %s to %s", name, to), resp, err)
	}
	if up == nil || len(up.FileInfos) == 0 || up.FileInfos[0] == nil || up.FileInfos[0].Id == "" {
		return fmt.Errorf("mattermost: upload %s to %s: the server answered without a file id", name, to)
	}
	msg := comment
	if strings.TrimSpace(msg) == "" {
		msg = f.Title
	}
	p := &model.Post{ChannelId: channel, Message: markdown(msg), FileIds: model.StringArray{up.FileInfos[0].Id}}
	if _, resp, err = c.api.CreatePost(ctx, p); err != nil {
		return apiError(fmt.Sprintf("post file %s to %s", name, to), resp, err)
	}
	return nil
}
