package web

import (
	"context"
	"errors"
	"time"
)

// ErrNoCall is returned by Calls when the workspace has no such event; the
// page answers 404.
var ErrNoCall = errors.New("web: no such call")

// Calls gives the call page what it shows of an event. The domain package
// implements it; the page only renders. Texts are in lang (fi, en or sv).
type Calls interface {
	// Call returns the page of eventID in workspace, or an error wrapping
	// ErrNoCall.
	Call(ctx context.Context, workspace, eventID, lang string) (CallPage, error)
}

// CallPage is what the public page of one call shows.
type CallPage struct {
	Event       string    // the event's name
	Description string    // a paragraph about the event; may be empty
	Place       string    // where the event is held; may be empty
	Date        time.Time // when the event is held; zero when not set
	Deadline    time.Time // the application deadline (shown in the workspace's zone)
	Open        bool      // whether applications are accepted now
	Challenges  []Item    // the call's challenges
	Processes   []Item    // the city's core processes an application may aim at
	PrivacyURL  string    // the privacy notice applicants consent to
}

// Item is a challenge or core process: a name and a description.
type Item struct {
	Name        string
	Description string
}

// CallsFunc adapts a function to Calls.
type CallsFunc func(ctx context.Context, workspace, eventID, lang string) (CallPage, error)

// Call calls f.
func (f CallsFunc) Call(ctx context.Context, workspace, eventID, lang string) (CallPage, error) {
	return f(ctx, workspace, eventID, lang)
}

// ensure the zero time is obviously unset in templates.
func dateSet(t time.Time) bool { return !t.IsZero() }
