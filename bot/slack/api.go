package slack

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/kipina/kipina/bot/chat"
	"github.com/slack-go/slack"
)

// api is the part of slack-go's client the adapter uses, in small pieces.
// Every Web API call the adapter makes goes through it: the manifest test
// (manifest_test.go) lists its methods and checks that
// configs/slack-manifest*.yaml grant each one's scope.
type api interface {
	messenger
	viewer
	directory
	uploader
	socketOpener
}

// socketOpener opens Socket Mode connections with the app-level token.
type socketOpener interface {
	StartSocketModeContext(ctx context.Context) (*slack.SocketModeConnection, string, error)
}

// messenger posts and rewrites messages.
type messenger interface {
	PostMessageContext(ctx context.Context, channel string, options ...slack.MsgOption) (string, string, error)
	UpdateMessageContext(ctx context.Context, channel, ts string, options ...slack.MsgOption) (string, string, string, error)
	PostEphemeralContext(ctx context.Context, channel, user string, options ...slack.MsgOption) (string, error)
	SendMessageContext(ctx context.Context, channel string, options ...slack.MsgOption) (string, string, string, error)
	OpenConversationContext(ctx context.Context, params *slack.OpenConversationParameters) (*slack.Channel, bool, bool, error)
	GetConversationHistoryContext(ctx context.Context, params *slack.GetConversationHistoryParameters) (*slack.GetConversationHistoryResponse, error)
}

// viewer opens and updates modals.
type viewer interface {
	OpenViewContext(ctx context.Context, triggerID string, view slack.ModalViewRequest) (*slack.ViewResponse, error)
}

// directory reads users and checks the token.
type directory interface {
	AuthTestContext(ctx context.Context) (*slack.AuthTestResponse, error)
	GetUserInfoContext(ctx context.Context, user string, options ...slack.GetUserInfoOption) (*slack.User, error)
	GetUserByEmailContext(ctx context.Context, email string) (*slack.User, error)
	GetUsersContext(ctx context.Context, options ...slack.GetUsersOption) ([]slack.User, error)
}

// uploader uploads files.
type uploader interface {
	UploadFileContext(ctx context.Context, params slack.UploadFileParameters) (*slack.FileSummary, error)
}

var _ api = (*slack.Client)(nil)

// permanentCodes are Slack error codes that retrying the same call cannot
// fix.
var permanentCodes = map[string]bool{
	"channel_not_found": true, "user_not_found": true, "users_not_found": true,
	"not_in_channel": true, "is_archived": true, "msg_too_long": true,
	"no_text": true, "invalid_blocks": true, "invalid_blocks_format": true,
	"cant_update_message": true, "message_not_found": true, "edit_window_closed": true,
	"user_disabled": true, "cannot_dm_bot": true, "restricted_action": true,
	"invalid_metadata_format": true, "invalid_metadata_schema": true,
	"messages_tab_disabled": true, "too_many_attachments": true,
}

// deliveryError turns a Web API error into the outbox's vocabulary: a 429
// is a *chat.RetryAfterError, a permanent code wraps chat.ErrPermanent,
// anything else is returned as a transient error.
func deliveryError(what string, err error) error {
	if err == nil {
		return nil
	}
	if rl, ok := errors.AsType[*slack.RateLimitedError](err); ok {
		return &chat.RetryAfterError{Wait: max(rl.RetryAfter, time.Second), Err: fmt.Errorf("%s: %w", what, err)}
	}
	if sc, ok := errors.AsType[slack.StatusCodeError](err); ok && sc.Code == http.StatusTooManyRequests {
		return &chat.RetryAfterError{Wait: time.Second, Err: fmt.Errorf("%s: %w", what, err)}
	}
	if se, ok := errors.AsType[slack.SlackErrorResponse](err); ok && permanentCodes[se.Err] {
		return fmt.Errorf("%s: %w: %w", what, chat.ErrPermanent, err)
	}
	return fmt.Errorf("%s: %w", what, err)
}

// slackCode returns the Slack error code of err, if any.
func slackCode(err error) string {
	if se, ok := errors.AsType[slack.SlackErrorResponse](err); ok {
		return se.Err
	}
	return ""
}

// ttlCache keeps values for a while.
type ttlCache[T any] struct {
	ttl time.Duration
	mu  sync.Mutex
	m   map[string]ttlEntry[T]
}

type ttlEntry[T any] struct {
	v  T
	at time.Time
}

func newTTLCache[T any](ttl time.Duration) *ttlCache[T] {
	return &ttlCache[T]{ttl: ttl, m: map[string]ttlEntry[T]{}}
}

func (c *ttlCache[T]) get(k string) (T, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[k]
	if !ok || time.Since(e.at) > c.ttl {
		var zero T
		return zero, false
	}
	return e.v, true
}

func (c *ttlCache[T]) put(k string, v T) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) > 50000 { // a crude bound: drop everything old
		for k, e := range c.m {
			if time.Since(e.at) > c.ttl {
				delete(c.m, k)
			}
		}
	}
	c.m[k] = ttlEntry[T]{v: v, at: time.Now()}
}

// seenSet remembers keys for a while: event ids already handled, request
// signatures already accepted.
type seenSet struct {
	ttl  time.Duration
	mu   sync.Mutex
	m    map[string]time.Time
	next time.Time // when to prune next
}

func newSeenSet(ttl time.Duration) *seenSet { return &seenSet{ttl: ttl, m: map[string]time.Time{}} }

// first records k and reports whether it was not seen within the ttl.
func (s *seenSet) first(k string) bool {
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if now.After(s.next) {
		for k, at := range s.m {
			if now.Sub(at) > s.ttl {
				delete(s.m, k)
			}
		}
		s.next = now.Add(s.ttl / 4)
	}
	if at, ok := s.m[k]; ok && now.Sub(at) <= s.ttl {
		return false
	}
	s.m[k] = now
	return true
}
