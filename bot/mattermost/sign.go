package mattermost

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"time"
)

// Errors of signed payloads. The HTTP handlers refuse a request with any of
// them before the core sees it.
var (
	// ErrBadSignature means a context or dialog state was not signed by
	// this bot (missing, forged or tampered with).
	ErrBadSignature = errors.New("mattermost: missing or bad signature")
	// ErrExpired means a correctly signed context or state is past its
	// expiry.
	ErrExpired = errors.New("mattermost: signature expired")
)

// signer makes and checks HMAC-SHA256 signatures. Mattermost does not sign
// the requests it forwards to the bot, so everything the bot hands out (a
// button's context, a dialog's state) carries the bot's own signature and
// an expiry, and a request with a missing, forged or expired one is
// refused.
type signer struct {
	key []byte
	now func() time.Time
}

// sign returns the signature of kind, exp and parts; each is prefixed by
// its length so that no two lists share a message.
func (s signer) sign(kind, exp string, parts ...string) string {
	m := hmac.New(sha256.New, s.key)
	for _, p := range append([]string{kind, exp}, parts...) {
		m.Write([]byte(strconv.Itoa(len(p)) + ":" + p))
	}
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// expiry returns the time ttl from now, as base-36 Unix seconds.
func (s signer) expiry(ttl time.Duration) string {
	return strconv.FormatInt(s.now().Add(ttl).Unix(), 36)
}

// verify checks sig over kind, exp and parts, then that exp is ahead.
func (s signer) verify(sig, kind, exp string, parts ...string) error {
	if sig == "" || !hmac.Equal([]byte(sig), []byte(s.sign(kind, exp, parts...))) {
		return ErrBadSignature
	}
	n, err := strconv.ParseInt(exp, 36, 64)
	if err != nil {
		return ErrBadSignature
	}
	if !s.now().Before(time.Unix(n, 0)) {
		return ErrExpired
	}
	return nil
}

// action is what a button or select carries in its integration context.
type action struct {
	ID        string // the core's action id
	Value     string // the control's value
	Workspace string // our workspace id
	Channel   string // the channel the message is in
	// User, when set, is the only user whose click is accepted: the one
	// person a direct message or an ephemeral post was shown to.
	User string
}

// Context keys of a signed action.
const (
	ctxAction    = "action_id"
	ctxValue     = "value"
	ctxWorkspace = "ws"
	ctxChannel   = "channel"
	ctxUser      = "user"
	ctxExpiry    = "exp"
	ctxSig       = "sig"
	ctxSelected  = "selected_option" // added by Mattermost for selects
)

// signAction returns the integration context of a control.
func (s signer) signAction(a action, ttl time.Duration) map[string]any {
	exp := s.expiry(ttl)
	return map[string]any{
		ctxAction: a.ID, ctxValue: a.Value, ctxWorkspace: a.Workspace, ctxChannel: a.Channel, ctxUser: a.User,
		ctxExpiry: exp, ctxSig: s.sign("action", exp, a.ID, a.Value, a.Workspace, a.Channel, a.User),
	}
}

// ErrOtherUser means a correctly signed context bound to one user came
// with another user's id: a forged click.
var ErrOtherUser = errors.New("mattermost: a control shown to another user")

// openAction checks a context Mattermost sent back: its signature, its
// expiry, that the click came from the channel it was signed for and, for
// a context bound to a user, from that user.
func (s signer) openAction(ctx map[string]any, channel, user string) (action, error) {
	str := func(k string) string { v, _ := ctx[k].(string); return v }
	a := action{ID: str(ctxAction), Value: str(ctxValue), Workspace: str(ctxWorkspace), Channel: str(ctxChannel), User: str(ctxUser)}
	if err := s.verify(str(ctxSig), "action", str(ctxExpiry), a.ID, a.Value, a.Workspace, a.Channel, a.User); err != nil {
		return action{}, err
	}
	if a.Channel != channel {
		return action{}, ErrBadSignature
	}
	if a.User != "" && a.User != user {
		return action{}, ErrOtherUser
	}
	return a, nil
}

// signState wraps a form's state for the dialog: signature, expiry and
// workspace in front of the payload, bound to the user the dialog is for
// and to its callback id:
//
//	<sig>.<exp>.<base64url workspace>.<payload>
func (s signer) signState(ws, user, callback, payload string, ttl time.Duration) string {
	exp := s.expiry(ttl)
	sig := s.sign("dialog", exp, ws, user, callback, payload)
	return sig + "." + exp + "." + base64.RawURLEncoding.EncodeToString([]byte(ws)) + "." + payload
}

// openState checks a submitted dialog's state and returns the workspace
// and the form's own state.
func (s signer) openState(state, user, callback string) (ws, payload string, err error) {
	p := strings.SplitN(state, ".", 4)
	if len(p) != 4 {
		return "", "", ErrBadSignature
	}
	b, err := base64.RawURLEncoding.DecodeString(p[2])
	if err != nil {
		return "", "", ErrBadSignature
	}
	ws, payload = string(b), p[3]
	if err := s.verify(p[0], "dialog", p[1], ws, user, callback, payload); err != nil {
		return "", "", err
	}
	return ws, payload, nil
}
