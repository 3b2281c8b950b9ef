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
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Date        time.Time `json:"date"`
	Place       string    `json:"place"`
	Deadline    time.Time `json:"deadline"`
	Description string    `json:"description"`
	// Names and Descriptions hold the name and description per language
	// ("fi", "en", "sv"), like a challenge's (issue 20); Name and
	// Description are the default shown when a language has none.
	Names        configs.Text `json:"names,omitempty"`
	Descriptions configs.Text `json:"descriptions,omitempty"`
	Challenges   []Challenge  `json:"challenges"`
	CallOpen     bool         `json:"call_open"`
	Cancelled    bool         `json:"cancelled"`
	Created      time.Time    `json:"created"`
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

// NameIn returns the event's name in lang ("fi", "en", "sv"), or the
// default Name when none is given in that language.
func (e Event) NameIn(lang string) string {
	if s := e.Names[lang]; s != "" {
		return s
	}
	return e.Name
}

// DescriptionIn returns the event's description in lang, or the default
// Description when none is given in that language.
func (e Event) DescriptionIn(lang string) string {
	if s := e.Descriptions[lang]; s != "" {
		return s
	}
	return e.Description
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
	// Events holds the events of a workspace by id; its Put keeps the
	// index by date (EventsFrom).
	Events = eventBucket{storage.NewBucket[Event]("events")}
	// byDate indexes events by date: storage.EventKey(date, id) → id.
	byDate = storage.NewBucket[string](storage.EventsByDate)
	// Apps holds the applications of a workspace by id. Write them through
	// Submit and Transition only.
	Apps = storage.NewBucket[Application]("apps")
	// byBusiness maps event + "/" + business ID to an application id.
	byBusiness = storage.NewBucket[string]("apps-by-business")
	// byEvent indexes applications by event: key event + "\x00" + app id,
	// value the application's state (so counts by state read only the
	// index). Kept in the transaction that writes the application; built
	// for older stores by storage migration 2.
	byEvent = storage.NewBucket[State](storage.AppsByEvent)
	// byPerson indexes applications by the people who may edit them (owner
	// and contacts): key platform + "\x00" + user + "\x00" + app id.
	byPerson = storage.NewBucket[string](storage.AppsByPerson)
)

// eventBucket is the events' bucket: Put keeps the index by date.
type eventBucket struct{ storage.Bucket[Event] }

// Put writes an event and its entry in the index by date, dropping the
// entry of its former date.
func (b eventBucket) Put(tx *storage.Tx, ws, id string, ev Event) error {
	old, found, err := b.Lookup(tx, ws, id)
	if err != nil {
		return err
	}
	if found && !old.Date.Equal(ev.Date) {
		if err := byDate.Delete(tx, ws, storage.EventKey(old.Date, id)); err != nil {
			return err
		}
	}
	if err := b.Bucket.Put(tx, ws, id, ev); err != nil {
		return err
	}
	return byDate.Put(tx, ws, storage.EventKey(ev.Date, id), id)
}

// EventsFrom returns the ids of ws's events dated at or after from, by
// date, the id of the latest event, and how many events there are in all,
// reading only the index by date (no event is decoded).
func EventsFrom(tx *storage.Tx, ws string, from time.Time) (ids []string, latest string, total int, err error) {
	keys, err := byDate.Keys(tx, ws, "", "")
	if err != nil || len(keys) == 0 {
		return nil, "", 0, err
	}
	start := storage.EventKey(from, "")
	for _, k := range keys {
		if k >= start {
			ids = append(ids, storage.EventKeyID(k))
		}
	}
	return ids, storage.EventKeyID(keys[len(keys)-1]), len(keys), nil
}

func eventKey(event, id string) string { return event + "\x00" + id }

func personPrefix(u chat.UserRef) string { return u.Platform + "\x00" + u.User + "\x00" }

// index writes a's entries in the event and person indexes.
func index(tx *storage.Tx, ws string, a Application) error {
	if err := byEvent.Put(tx, ws, eventKey(a.Event, a.ID), a.State); err != nil {
		return err
	}
	for _, u := range append([]chat.UserRef{a.Owner}, a.Contacts...) {
		if err := byPerson.Put(tx, ws, personPrefix(u)+a.ID, a.Event); err != nil {
			return err
		}
	}
	return nil
}

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
// empty) in id order. For one event it reads the event index and then only
// that event's applications: O(the event's applications), whatever the
// workspace's history.
func EventApps(tx *storage.Tx, ws, event string) ([]Application, error) {
	var out []Application
	if event == "" {
		err := Apps.Scan(tx, ws, "", func(_ string, a Application) error {
			out = append(out, a)
			return nil
		})
		return out, err
	}
	err := byEvent.Scan(tx, ws, eventKey(event, ""), func(k string, _ State) error {
		a, err := LoadApp(tx, ws, k[len(event)+1:])
		if err != nil {
			return fmt.Errorf("event index: %w", err)
		}
		out = append(out, a)
		return nil
	})
	return out, err
}

// CountByState counts an event's applications by state from the event
// index alone (no application is decoded): O(the event's applications).
func CountByState(tx *storage.Tx, ws, event string) (map[State]int, error) {
	out := map[State]int{}
	err := byEvent.Scan(tx, ws, eventKey(event, ""), func(_ string, s State) error {
		out[s]++
		return nil
	})
	return out, err
}

// PersonApps lists the applications u may edit (as owner or contact), in
// id order, from the person index: O(u's applications).
func PersonApps(tx *storage.Tx, ws string, u chat.UserRef) ([]Application, error) {
	var out []Application
	p := personPrefix(u)
	err := byPerson.Scan(tx, ws, p, func(k string, _ string) error {
		a, err := LoadApp(tx, ws, k[len(p):])
		if err != nil {
			return fmt.Errorf("person index: %w", err)
		}
		out = append(out, a)
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

// Put writes an application as it is, with its id, state and indexes, but
// without Submit's checks or any event: for imports, fixtures and tools that
// restore stored records. Flows use Submit and Transition.
func Put(tx *storage.Tx, ws string, a Application) error {
	if err := Apps.Put(tx, ws, a.ID, a); err != nil {
		return err
	}
	if err := index(tx, ws, a); err != nil {
		return err
	}
	if !a.State.Live() {
		return nil
	}
	return byBusiness.Put(tx, ws, businessKey(a.Event, a.BusinessID), a.ID)
}
