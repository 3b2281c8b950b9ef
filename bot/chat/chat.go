// Package chat is kipina's platform port: the neutral types every adapter
// (shell, Slack, Mattermost) turns its payloads into, and the few operations
// the core needs from a platform.
//
// One way in: an adapter turns each slash command, form submission, button or
// select click and plain message into an Event and asks the Handler for a
// Response, which it renders as the platform's immediate answer (a Slack ack
// payload, a Mattermost HTTP response, terminal output). One way out:
// everything else the bot says goes through the outbox, which calls
// Platform.Post and Platform.Update.
//
// What only some platforms do is an optional capability, checked with a type
// assertion: Ephemeral, FileUploader, Directory, SentFinder. Each documents
// the fallback the core uses when a platform lacks it.
package chat

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// UserRef identifies a person: platform + workspace (Slack team, Mattermost
// team, shell demo) + the platform's user id. Data never crosses workspaces.
type UserRef struct {
	Platform  string `json:"platform"`
	Workspace string `json:"workspace"`
	User      string `json:"user"`
}

// String encodes the reference as platform:workspace:user, the form used
// in store keys.
func (u UserRef) String() string { return u.Platform + ":" + u.Workspace + ":" + u.User }

// ParseUserRef is the inverse of UserRef.String.
func ParseUserRef(s string) (UserRef, error) {
	p := strings.SplitN(s, ":", 3)
	if len(p) != 3 || p[0] == "" || p[1] == "" || p[2] == "" {
		return UserRef{}, fmt.Errorf("user reference %q: want platform:workspace:user", s)
	}
	return UserRef{Platform: p[0], Workspace: p[1], User: p[2]}, nil
}

// Address is where a message goes: a channel, or a direct message to a user
// when Channel is empty.
type Address struct {
	Platform  string `json:"platform"`
	Workspace string `json:"workspace"`
	Channel   string `json:"channel,omitempty"`
	User      string `json:"user,omitempty"`
}

// DM returns the address of a direct message to u.
func DM(u UserRef) Address {
	return Address{Platform: u.Platform, Workspace: u.Workspace, User: u.User}
}

// String describes the address for logs and organiser views.
func (a Address) String() string {
	if a.Channel != "" {
		return a.Platform + ":" + a.Workspace + ":#" + a.Channel
	}
	return a.Platform + ":" + a.Workspace + ":@" + a.User
}

// MessageRef identifies a posted message so it can be updated later.
type MessageRef struct {
	Channel string `json:"channel"`
	ID      string `json:"id"`
}

// Message is a neutral chat message: text (plain, with *bold* and line
// breaks; adapters convert), optional section fields, and controls.
type Message struct {
	Text     string    `json:"text"`
	Controls []Control `json:"controls,omitempty"`
	// File, when set, is attached where the platform takes files
	// (FileUploader), with Text as its comment; elsewhere only Text is
	// posted. Files are for the outbox; immediate replies carry none.
	File *File `json:"file,omitempty"`
	// ID is the outbox message's unique id (random, made when it was
	// enqueued); adapters that can look for an earlier copy (SentFinder)
	// store it with the post. Immediate replies have none.
	ID string `json:"id,omitempty"`
}

// ControlKind is a button or a select.
type ControlKind string

// The control kinds.
const (
	Button ControlKind = "button"
	Select ControlKind = "select"
)

// Control is a button or a select on a message. ID routes the click (see
// Action); it must be ≤ MaxIDLen characters.
type Control struct {
	Kind    ControlKind `json:"kind"`
	ID      string      `json:"id"`
	Label   string      `json:"label"`
	Value   string      `json:"value,omitempty"`
	Style   string      `json:"style,omitempty"` // "primary", "danger" or ""
	Options []Option    `json:"options,omitempty"`
}

// Option is one choice of a select.
type Option struct {
	Value string `json:"value"`
	Label string `json:"label"`
}

// MaxIDLen bounds action, callback and field ids. Slack allows 255; the
// Mattermost adapter appends a signature and an expiry, so ids stay short.
const MaxIDLen = 120

// MaxStateLen bounds Form.State (Slack private_metadata allows 3000).
const MaxStateLen = 2500

// Event is what an adapter hands the core. It is one of *Command,
// *FormSubmit, *Action, *Text or *FormFailed.
type Event interface{ Who() Origin }

// Origin is who sent an event, from where, with what they know of them.
type Origin struct {
	User    UserRef
	Channel string
	// Locale is the platform profile's locale ("fi_FI", "en-US"), if known.
	Locale string
	// Trigger lets the core open a form in answer (single-use, short-lived).
	Trigger string
}

// Who returns the origin.
func (o Origin) Who() Origin { return o }

// Command is a slash command: "/kipina " + Text.
type Command struct {
	Origin
	Text string
}

// FormSubmit is a submitted form. Values holds each field's value by field
// id; a multi-select's values are joined with commas; yes/no is "yes" or "no".
type FormSubmit struct {
	Origin
	FormID string
	State  string
	Values map[string]string
}

// Action is a click on a button or a choice in a select.
type Action struct {
	Origin
	Message  MessageRef
	ActionID string
	Value    string
}

// Text is a plain message sent to the bot.
type Text struct {
	Origin
	Text string
}

// FormFailed tells the core that a form it answered with could not be
// opened (the platform refused or rate-limited it until the trigger
// expired). The core answers with a Reply, which the adapter delivers as a
// direct message: a button that opens the form again.
type FormFailed struct {
	Origin
	Form Form
}

// Response is the core's immediate answer to an event. At most one of Form
// and Errors is set. Adapters render it as their platform allows.
type Response struct {
	// Reply is shown to the user who acted only (ephemeral where the
	// platform has it, else a direct message).
	Reply *Message
	// Form is opened with the event's trigger.
	Form *Form
	// Errors keeps a submitted form open with an error per field id.
	Errors map[string]string
	// Update replaces the message an Action came from.
	Update *Message
}

// Handler handles events. The core implements it; adapters call it.
type Handler interface {
	Handle(ctx context.Context, e Event) Response
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(ctx context.Context, e Event) Response

// Handle calls f.
func (f HandlerFunc) Handle(ctx context.Context, e Event) Response { return f(ctx, e) }

// Platform is the port every adapter implements.
type Platform interface {
	// Name is the platform's name in UserRef and Address: shell, slack,
	// mattermost.
	Name() string
	// Run receives events until ctx ends, passing each to h.
	Run(ctx context.Context, h Handler) error
	// Post sends a message to a channel or a direct message.
	Post(ctx context.Context, to Address, m Message) (MessageRef, error)
	// Update rewrites a message the bot posted.
	Update(ctx context.Context, to Address, ref MessageRef, m Message) error
}

// Ephemeral is the optional capability to show a message to one user in a
// channel. Fallback: a direct message.
type Ephemeral interface {
	PostEphemeral(ctx context.Context, to Address, user UserRef, m Message) error
}

// File is a file to hand to a user.
type File struct {
	Name    string
	Title   string
	Content []byte
}

// FileUploader is the optional capability to upload files. Fallback: the
// core saves the file in its data directory and tells the path.
type FileUploader interface {
	Upload(ctx context.Context, to Address, f File, comment string) error
}

// Profile is what a platform knows of a person.
type Profile struct {
	Name     string
	Email    string
	Locale   string
	Timezone string
}

// Directory is the optional capability to read profiles and find users by
// e-mail. Fallback: the workspace's language and time zone, and organisers
// bootstrapped by user id only.
type Directory interface {
	Profile(ctx context.Context, u UserRef) (Profile, error)
	LookupEmail(ctx context.Context, workspace, email string) (UserRef, error)
}

// NameFinder is the optional capability to find a member of a workspace
// by the username people mention them with, given without the "@" (the
// organisers configuration: "@liisa"). It returns an error wrapping
// ErrNoSuchUser when no member (or more than one) has the name, and any
// other error when the platform could not answer. LookupEmail returns
// ErrNoSuchUser the same way. Fallback: the name is the user id (the
// terminal, where people are their names).
type NameFinder interface {
	LookupName(ctx context.Context, workspace, name string) (UserRef, error)
}

// ErrNoSuchUser is wrapped by NameFinder.LookupName and
// Directory.LookupEmail when the workspace has no such member.
var ErrNoSuchUser = errors.New("no such member")

// CachedDirectory is the optional capability of a Directory to answer from
// what it already holds, without a network call: the core reads it on the
// request path and leaves Directory.Profile to a background fetch.
// Fallback: the profile stored by an earlier fetch, if any.
type CachedDirectory interface {
	// CachedProfile returns u's profile when the adapter holds a fresh
	// copy; false otherwise. It never blocks on the network.
	CachedProfile(u UserRef) (Profile, bool)
}

// SentFinder is the optional capability to find a message the bot already
// posted with a given outbox message id (Message.ID), so a message sent
// just before a crash is not sent again. Ids are random per message, so a
// post made by another store (a reset, a restored backup) never matches.
// Fallback: at-least-once delivery.
type SentFinder interface {
	FindSent(ctx context.Context, to Address, id string) (MessageRef, bool, error)
}

// Readiness is the optional capability to say whether the adapter can
// deliver to a workspace yet (its team resolved, its connection up). The
// outbox does not deliver to a workspace until it is ready. Fallback:
// always ready.
type Readiness interface {
	Ready(workspace string) bool
}

// ErrNotReady marks a delivery error caused by the adapter's own missing
// state (a team not yet resolved, a channel name not yet looked up). It is
// never permanent: the outbox retries without counting the attempt.
var ErrNotReady = errors.New("platform not ready")

// RetryAfterError is returned by Post and Update when the platform asked
// the bot to slow down; the outbox waits that long before the next call.
type RetryAfterError struct {
	Wait time.Duration
	Err  error
}

func (e *RetryAfterError) Error() string {
	return fmt.Sprintf("rate limited, retry after %s: %v", e.Wait, e.Err)
}

func (e *RetryAfterError) Unwrap() error { return e.Err }

// ErrPermanent marks a delivery error that retrying cannot fix (unknown
// user, channel not found); the outbox records it as failed at once. An
// error that also wraps ErrNotReady is not permanent.
var ErrPermanent = errors.New("permanent delivery error")

// RateLimited is the optional capability to tell the outbox how fast the
// platform accepts messages per workspace. Fallback: no limit beyond the
// platform's own Retry-After answers.
type RateLimited interface {
	SendRate() (perSecond float64, burst int)
}

// Connected is the optional capability to tell whether the adapter is
// connected to its platform and takes events now (its sockets up, its
// workspaces resolved). The ops listener's /readyz asks it; the outbox asks
// Readiness instead, per workspace. Fallback: the adapter is taken as
// connected once it runs.
type Connected interface {
	Connected() bool
}
