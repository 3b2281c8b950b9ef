package mattermost

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/kipina/kipina/bot/chat"
	"github.com/mattermost/mattermost/server/public/model"
)

// api is the part of the SDK's *model.Client4 the adapter uses, in small
// interfaces so tests can fake it.
type api interface {
	setupAPI
	postAPI
	fileAPI
	userAPI
	OpenInteractiveDialog(ctx context.Context, req model.OpenDialogRequest) (*model.Response, error)
}

// setupAPI is what start-up needs.
type setupAPI interface {
	GetMe(ctx context.Context, etag string) (*model.User, *model.Response, error)
	GetTeamByName(ctx context.Context, name, etag string) (*model.Team, *model.Response, error)
	ListCommands(ctx context.Context, teamID string, customOnly bool) ([]*model.Command, *model.Response, error)
	CreateCommand(ctx context.Context, cmd *model.Command) (*model.Command, *model.Response, error)
	UpdateCommand(ctx context.Context, cmd *model.Command) (*model.Command, *model.Response, error)
	GetTeamsForUser(ctx context.Context, userID, etag string) ([]*model.Team, *model.Response, error)
	ExecuteCommandWithTeam(ctx context.Context, channelID, teamID, command string) (*model.CommandResponse, *model.Response, error)
	GetChannelMember(ctx context.Context, channelID, userID, etag string) (*model.ChannelMember, *model.Response, error)
}

// postAPI is what sending needs.
type postAPI interface {
	CreatePost(ctx context.Context, post *model.Post) (*model.Post, *model.Response, error)
	CreatePostEphemeral(ctx context.Context, post *model.PostEphemeral) (*model.Post, *model.Response, error)
	PatchPost(ctx context.Context, postID string, patch *model.PostPatch) (*model.Post, *model.Response, error)
	CreateDirectChannel(ctx context.Context, userID1, userID2 string) (*model.Channel, *model.Response, error)
	GetChannelByName(ctx context.Context, channelName, teamID string, etag string) (*model.Channel, *model.Response, error)
	GetPostsForChannel(ctx context.Context, channelID string, page, perPage int, etag string, collapsedThreads bool, includeDeleted bool) (*model.PostList, *model.Response, error)
}

// fileAPI is what Upload needs besides postAPI.
type fileAPI interface {
	UploadFile(ctx context.Context, data []byte, channelID string, filename string) (*model.FileUploadResponse, *model.Response, error)
}

// userAPI is what the directory and mentions need.
type userAPI interface {
	GetUser(ctx context.Context, userID, etag string) (*model.User, *model.Response, error)
	GetUserByUsername(ctx context.Context, userName, etag string) (*model.User, *model.Response, error)
	GetUserByEmail(ctx context.Context, email, etag string) (*model.User, *model.Response, error)
	GetTeamMember(ctx context.Context, teamID, userID, etag string) (*model.TeamMember, *model.Response, error)
}

// newClient builds the SDK client with the bot's token and a timeout.
func newClient(serverURL, token string) api {
	c := model.NewAPIv4Client(serverURL)
	c.SetToken(token)
	c.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	return c
}

// apiError describes a failed call and classifies it for the outbox: 429
// becomes a *chat.RetryAfterError, 400/403/404/413 wrap chat.ErrPermanent,
// and anything else (network errors, 5xx, 401) stays transient.
func apiError(what string, resp *model.Response, err error) error {
	status := 0
	if resp != nil {
		status = resp.StatusCode
	}
	var ae *model.AppError
	if errors.As(err, &ae) && ae.StatusCode != 0 && status == 0 {
		status = ae.StatusCode
	}
	e := fmt.Errorf("mattermost: %s: %w", what, err)
	switch status {
	case http.StatusTooManyRequests:
		return &chat.RetryAfterError{Wait: retryAfter(resp), Err: e}
	case http.StatusBadRequest, http.StatusForbidden, http.StatusNotFound, http.StatusRequestEntityTooLarge:
		return fmt.Errorf("%w (HTTP %d): %w", chat.ErrPermanent, status, e)
	}
	return e
}

// retryAfter reads how long the server asked to wait (Retry-After, else
// X-Ratelimit-Reset), one second when it did not say.
func retryAfter(resp *model.Response) time.Duration {
	if resp != nil && resp.Header != nil {
		for _, h := range []string{"Retry-After", "X-Ratelimit-Reset"} {
			if n, err := strconv.Atoi(resp.Header.Get(h)); err == nil && n > 0 {
				return time.Duration(n) * time.Second
			}
		}
	}
	return time.Second
}

// transient reports whether retrying may help: not a permanent error and
// not a refused token.
func transient(err error) bool {
	if _, ok := errors.AsType[*configError](err); ok || errors.Is(err, chat.ErrPermanent) || errors.Is(err, context.Canceled) {
		return false
	}
	var ae *model.AppError
	if errors.As(err, &ae) && ae.StatusCode == http.StatusUnauthorized {
		return false
	}
	return true
}
