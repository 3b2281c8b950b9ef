package round

import (
	"context"
	"errors"
	"fmt"

	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/bot/event"
	"github.com/kipina/kipina/storage"
)

// State is where an application is in the round.
type State string

// The states of an application. A new application is Submitted; its
// sender may withdraw it and undo that while the call is open; the jury's
// decision makes it Accepted or Declined (and may be changed until the
// decisions are sent, see package jury).
const (
	Submitted State = "submitted"
	Withdrawn State = "withdrawn"
	Accepted  State = "accepted"
	Declined  State = "declined"
)

// States lists every state in the order the round reaches them.
var States = []State{Submitted, Withdrawn, Accepted, Declined}

// Live reports whether an application in state s takes part in the round
// (it holds its business ID for its event).
func (s State) Live() bool { return s != Withdrawn && s != "" }

// transitions is the one table of allowed changes of state.
var transitions = map[State][]State{
	Submitted: {Withdrawn, Accepted, Declined},
	Withdrawn: {Submitted},
	Accepted:  {Declined, Submitted},
	Declined:  {Accepted, Submitted},
}

// CanBecome reports whether an application may go from s to t.
func (s State) CanBecome(t State) bool {
	for _, x := range transitions[s] {
		if x == t {
			return true
		}
	}
	return false
}

// ErrTransition is returned (wrapped) by Transition for a change the
// table does not allow, such as deciding on a withdrawn application.
var ErrTransition = errors.New("state change not allowed")

// DuplicateError is returned by Submit and Transition when another live
// application of the same event holds the business ID.
type DuplicateError struct {
	// Other is the live application that holds the business ID.
	Other Application
}

func (e *DuplicateError) Error() string {
	return fmt.Sprintf("business ID %s already applied as %s", e.Other.BusinessID, e.Other.ID)
}

// AppSubmitted is published by the call flow in the transaction that
// stores a new or edited application, after its confirmation and the
// organisers' notice are enqueued (so a subscriber may amend the notice).
// Subscribers: routing (matching and routing).
var AppSubmitted = event.NewTopic[Submission]("app.submitted")

// AppChanged is published in the transaction that changes an
// application's state (withdrawn, restored, decided).
var AppChanged = event.NewTopic[Change]("app.changed")

// Submission is a stored application with its event as read before the
// transaction, and who sent it (in their language).
type Submission struct {
	Event   Event
	App     *Application
	By      chat.UserRef
	Lang    string
	Editing bool
}

// Change is a change of an application's state.
type Change struct {
	App      Application
	From, To State
	By       chat.UserRef
}

// Submit stores a new application (s.Editing false: it gets the next id)
// or an edit of one, keeping the business-ID index. The caller publishes
// AppSubmitted once its own messages are enqueued. It returns *DuplicateError when another live application of the event
// holds the business ID. oldBID is the business ID before an edit.
func Submit(tx *storage.Tx, ws string, s Submission, oldBID string) error {
	a := s.App
	if err := checkUnique(tx, ws, *a); err != nil {
		return err
	}
	if !s.Editing {
		n, err := tx.NextSeq(ws, "app-ids")
		if err != nil {
			return err
		}
		a.ID = appID(n)
	}
	if s.Editing {
		old, found, err := Apps.Lookup(tx, ws, a.ID)
		if err != nil {
			return err
		}
		if found && old.Event != a.Event {
			if err := byEvent.Delete(tx, ws, eventKey(old.Event, a.ID)); err != nil {
				return err
			}
		}
	}
	if s.Editing && oldBID != a.BusinessID {
		if err := dropIndex(tx, ws, a.Event, oldBID, a.ID); err != nil {
			return err
		}
	}
	if err := Apps.Put(tx, ws, a.ID, *a); err != nil {
		return err
	}
	if err := index(tx, ws, *a); err != nil {
		return err
	}
	return byBusiness.Put(tx, ws, businessKey(a.Event, a.BusinessID), a.ID)
}

// checkUnique returns *DuplicateError when another live application of
// a's event holds a's business ID.
func checkUnique(tx *storage.Tx, ws string, a Application) error {
	id, ok, err := byBusiness.Lookup(tx, ws, businessKey(a.Event, a.BusinessID))
	if err != nil || !ok || id == a.ID {
		return err
	}
	other, err := LoadApp(tx, ws, id)
	if err != nil {
		return err
	}
	if other.State.Live() {
		return &DuplicateError{Other: other}
	}
	return nil
}

// dropIndex removes the business-ID entry of event/bid if it points at id.
func dropIndex(tx *storage.Tx, ws, event, bid, id string) error {
	cur, ok, err := byBusiness.Lookup(tx, ws, businessKey(event, bid))
	if err != nil || !ok || cur != id {
		return err
	}
	return byBusiness.Delete(tx, ws, businessKey(event, bid))
}

// Transition changes application id's state from one of from to `to`,
// publishes AppChanged, and returns the application as stored. It reports
// changed == false, with no error, when the application is already in
// `to` (a double click changes nothing). Restoring a withdrawn application
// fails with *DuplicateError when another live application took its
// business ID meanwhile; a change the table does not allow wraps
// ErrTransition.
func Transition(ctx context.Context, bus *event.Bus, tx *storage.Tx, ws, id string, to State, by chat.UserRef) (Application, bool, error) {
	a, err := LoadApp(tx, ws, id)
	if err != nil {
		return a, false, err
	}
	if a.State == to {
		return a, false, nil
	}
	if !a.State.CanBecome(to) {
		return a, false, fmt.Errorf("%s %s → %s: %w", id, a.State, to, ErrTransition)
	}
	from := a.State
	if !from.Live() && to.Live() {
		if err := checkUnique(tx, ws, a); err != nil {
			return a, false, err
		}
		if err := byBusiness.Put(tx, ws, businessKey(a.Event, a.BusinessID), a.ID); err != nil {
			return a, false, err
		}
	}
	a.State, a.Updated = to, tx.Now()
	if err := Apps.Put(tx, ws, a.ID, a); err != nil {
		return a, false, err
	}
	if err := byEvent.Put(tx, ws, eventKey(a.Event, a.ID), a.State); err != nil {
		return a, false, err
	}
	return a, true, AppChanged.Publish(ctx, bus, tx, Change{App: a, From: from, To: to, By: by})
}

// AddContact adds u to application id's contacts (kept once): a colleague
// of the sender who may then see and edit it.
func AddContact(tx *storage.Tx, ws, id string, u chat.UserRef) error {
	a, err := LoadApp(tx, ws, id)
	if err != nil {
		return err
	}
	if a.MayEdit(u) {
		return nil
	}
	a.Contacts = append(a.Contacts, u)
	if err := Apps.Put(tx, ws, a.ID, a); err != nil {
		return err
	}
	return byPerson.Put(tx, ws, personPrefix(u)+a.ID, a.Event)
}

// ChangeEmail sets application id's e-mail address to addr (lower-case,
// already checked by the caller). For an application made on the web page
// the address is the applicant's identity, so its owner becomes
// email:<addr> too: the old address loses access, the new one gains it.
// It returns the changed application and the previous address;
// storage.ErrNotFound when there is no such application.
func ChangeEmail(tx *storage.Tx, ws, id, addr string) (Application, string, error) {
	a, err := LoadApp(tx, ws, id)
	if err != nil {
		return a, "", err
	}
	old := a.Email
	a.Email = addr
	if a.Owner.Platform == "email" {
		old = a.Owner.User
		a.Owner.User = addr
	}
	return a, old, Apps.Put(tx, ws, a.ID, a)
}
