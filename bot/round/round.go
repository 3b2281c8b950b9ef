// Package round is the domain of a Kipinä round: events, their
// challenges, and the applications companies send to an event's call, with
// their buckets, their states and the transitions between them, and the
// invariants every flow relies on (one live application per business ID
// per event; ids unique per workspace).
//
// Flows read these records freely but change applications only through
// this package (Submit, Transition), and learn of changes through the typed
// events declared here (AppSubmitted, AppChanged), published in the
// transaction that made the change.
package round

import (
	"fmt"
	"time"

	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/configs"
	"github.com/kipina/kipina/storage"
)

// Event is one Kipinä round.
type Event struct {
	ID          string      `json:"id"`
	Name        string      `json:"name"`
	Date        time.Time   `json:"date"`
	Place       string      `json:"place"`
	Deadline    time.Time   `json:"deadline"`
	Description string      `json:"description"`
	Challenges  []Challenge `json:"challenges"`
	CallOpen    bool        `json:"call_open"`
	Cancelled   bool        `json:"cancelled"`
	Created     time.Time   `json:"created"`
}

// Challenge is a problem the city brings to a call. Matching keywords are
// configuration, not event data: a challenge whose id is in the
// configuration gets its keywords from there (routing).
type Challenge struct {
	ID          string       `json:"id"`
	Name        configs.Text `json:"name"`
	Description configs.Text `json:"description"`
	// Keywords are words and phrases an organiser added for matching, in
	// any of the languages, as typed (call.ParseKeywords).
	Keywords []string `json:"keywords,omitempty"`
}

// Open reports whether applications are accepted at now: the call is
// open, the event not cancelled and the deadline not Passed.
func (e Event) Open(now time.Time) bool { return e.CallOpen && !e.Cancelled && !e.Passed(now) }

// Passed reports whether the call's deadline is over at now. A deadline is
// a date: the call takes applications for the whole of that day in the
// workspace's zone, up to 24:00 exclusive (issue 21), whatever time of day
// the record holds (records written before held 23:59).
func (e Event) Passed(now time.Time) bool { return DeadlinePassed(e.Deadline, now) }

// EndOfDay returns the last instant (23:59:59.999999999) of t's date in
// loc: the value a deadline date is stored as, which displays as "23.59".
// A deadline is over only after it (DeadlinePassed), that is at 24:00.
func EndOfDay(t time.Time, loc *time.Location) time.Time {
	y, m, d := t.In(loc).Date()
	return time.Date(y, m, d, 23, 59, 59, int(time.Second-time.Nanosecond), loc)
}

// DeadlinePassed reports whether the deadline dated by deadline's date (in
// deadline's own zone, the workspace's when it was set) is over at now:
// from 24:00 of that day on.
func DeadlinePassed(deadline, now time.Time) bool {
	return now.After(EndOfDay(deadline, deadline.Location()))
}

// DeadlineFits reports whether a call deadline on date deadline suits an
// event on date event (both dates, compared in loc): the call must end
// before the event day begins, so the deadline is a day before the event
// (issue 15). The form, "event edit" and "event extend" all use it.
func DeadlineFits(deadline, event time.Time, loc *time.Location) bool {
	dy, dm, dd := deadline.In(loc).Date()
	ey, em, ed := event.In(loc).Date()
	return time.Date(dy, dm, dd, 0, 0, 0, 0, time.UTC).Before(time.Date(ey, em, ed, 0, 0, 0, 0, time.UTC))
}

// Application is a company's application to an event's call.
type Application struct {
	ID         string         `json:"id"`
	Event      string         `json:"event"`
	Owner      chat.UserRef   `json:"owner"`
	Contacts   []chat.UserRef `json:"contacts,omitempty"`
	State      State          `json:"state"`
	Submitted  time.Time      `json:"submitted"`
	Updated    time.Time      `json:"updated"`
	Company    string         `json:"company"`
	BusinessID string         `json:"business_id"`
	Contact    string         `json:"contact_name"`
	Email      string         `json:"email"`
	Website    string         `json:"website"`
	// Target is the challenge or process the applicant chose; "" when
	// not sure (the matcher routes it).
	Target     string `json:"target"`
	Summary    string `json:"summary"`
	Maturity   string `json:"maturity"`
	References string `json:"references,omitempty"`
	Pilot      string `json:"pilot,omitempty"`
	Deck       string `json:"deck,omitempty"`
	Lang       string `json:"lang"`
	Secrets    bool   `json:"secrets"`
	Consent    bool   `json:"consent"`
}

// MayEdit reports whether u created the application or is one of its
// contacts.
func (a Application) MayEdit(u chat.UserRef) bool {
	if a.Owner == u {
		return true
	}
	for _, c := range a.Contacts {
		if c == u {
			return true
		}
	}
	return false
}

var (
	// Events holds the events of a workspace by id.
	Events = storage.NewBucket[Event]("events")
	// Apps holds the applications of a workspace by id. Write them through
	// Submit and Transition only.
	Apps = storage.NewBucket[Application]("apps")
	// byBusiness maps event + "/" + business ID to an application id.
	byBusiness = storage.NewBucket[string]("apps-by-business")
)

func businessKey(event, bid string) string { return event + "/" + bid }

// appID formats the n-th application id of a workspace.
func appID(n uint64) string { return fmt.Sprintf("H%04d", n) }

// LoadEvent reads an event; the error wraps storage.ErrNotFound when there
// is none.
func LoadEvent(tx *storage.Tx, ws, id string) (Event, error) { return Events.Get(tx, ws, id) }

// LoadApp reads an application; the error wraps storage.ErrNotFound when
// there is none.
func LoadApp(tx *storage.Tx, ws, id string) (Application, error) { return Apps.Get(tx, ws, id) }

// EventApps lists the applications of an event (all events when event is
// empty) in id order.
func EventApps(tx *storage.Tx, ws, event string) ([]Application, error) {
	var out []Application
	err := Apps.Scan(tx, ws, "", func(_ string, a Application) error {
		if event == "" || a.Event == event {
			out = append(out, a)
		}
		return nil
	})
	return out, err
}

// TargetName names a challenge of the event or a core process (tracks) in
// lang; an unknown id is shown as it is, a missing one as "–".
func (e Event) TargetName(tracks []configs.Target, id, lang string) string {
	if id == "" {
		return "–"
	}
	for _, c := range e.Challenges {
		if c.ID == id {
			return c.Name.Get(lang)
		}
	}
	for _, t := range tracks {
		if t.ID == id {
			return t.Name.Get(lang)
		}
	}
	return id
}
