package day

import (
	"fmt"
	"strconv"
	"time"

	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/bot/outbox"
	"github.com/kipina/kipina/matching"
	"github.com/kipina/kipina/storage"
)

// Day is everything the bot keeps of one event's day, stored as one record
// per event: the pitch agenda, the meeting requests' state, the draft and
// the published meetings, the open re-pairing offers and who is absent.
// The interest answers are kept apart (Wants), one record per answer.
type Day struct {
	Event    string   `json:"event"`
	Agenda   Agenda   `json:"agenda"`
	Requests Requests `json:"requests"`
	// Draft is the last schedule built by "meetings schedule"; Plan is the
	// published one.
	Draft *Plan `json:"draft,omitempty"`
	Plan  *Plan `json:"plan,omitempty"`
	// Offers are freed slots offered to others after a no-show.
	Offers []Offer `json:"offers,omitempty"`
	// Absent marks no-shows by party key ("c/H0001", "p/kaisa").
	Absent map[string]bool `json:"absent,omitempty"`
	// LastOffer is the id of the last offer made, across published plans:
	// an offer id never comes back, so an old offer's button cannot take a
	// newer offer and their messages never share an outbox key.
	LastOffer int `json:"last_offer,omitempty"`
}

// Span is a time interval [Start, End).
type Span struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

// Overlaps reports whether s and o share a moment.
func (s Span) Overlaps(o Span) bool { return s.Start.Before(o.End) && o.Start.Before(s.End) }

// Agenda is the pitch programme: equal slots from Start, skipping breaks,
// in one or more rooms that run in parallel. Order is the pitching order
// (application ids); room k takes the k-th contiguous share of it.
type Agenda struct {
	Start   time.Time `json:"start"`
	SlotMin int       `json:"slot_min"`
	Breaks  []Span    `json:"breaks,omitempty"`
	Rooms   []string  `json:"rooms"`
	Order   []string  `json:"order"`
	// Channel is where the agenda was published and PostKey the outbox key
	// of that post, updated in place on every later change.
	Channel   *chat.Address `json:"channel,omitempty"`
	PostKey   outbox.Key    `json:"post_key,omitzero"`
	Published bool          `json:"published"`
	// Sent is the pitch each company was last told, by application id.
	Sent    map[string]Pitch `json:"sent,omitempty"`
	Version int              `json:"version"`
}

// Pitch is one company's place in the agenda.
type Pitch struct {
	App  string `json:"app"`
	Pos  int    `json:"pos"` // 1-based position in Order
	Room string `json:"room"`
	Span
}

// Requests is the state of the meeting requests.
type Requests struct {
	Open   bool      `json:"open"`
	Opened time.Time `json:"opened,omitempty"`
	Closed time.Time `json:"closed,omitempty"`
	Round  int       `json:"round"`
}

// Plan is a meeting schedule, draft or published.
type Plan struct {
	Slots     []Span    `json:"slots"`
	SlotMin   int       `json:"slot_min"`
	Tables    int       `json:"tables"`
	RemindMin int       `json:"remind_min"`
	Meetings  []Meeting `json:"meetings"`
	Weight    float64   `json:"weight"`
	Bound     float64   `json:"bound"`
	Unplaced  []Miss    `json:"unplaced,omitempty"`
	Built     time.Time `json:"built"`
	// Sent is a digest of the schedule last sent to each recipient (user
	// id), so a re-publication tells only those whose schedule changed.
	Sent map[string]string `json:"sent,omitempty"`
	// Cal is the calendar file last sent to each recipient, keyed as Sent.
	Cal    map[string]CalSent `json:"cal,omitempty"`
	NextID int                `json:"next_id"`
	// Version counts the publications of the event's meetings (1 for the
	// first; 0 for a draft and for plans published before it was kept).
	// Meeting ids start again in every plan, so the outbox keys of
	// messages about a meeting name the version.
	Version int `json:"version,omitempty"`
}

// ver names the plan's publication in outbox keys.
func (p *Plan) ver() string { return "v" + strconv.Itoa(p.Version) }

// Meeting is one scheduled meeting between a company and a city person.
type Meeting struct {
	ID     int    `json:"id"`
	App    string `json:"app"`
	Person string `json:"person"` // platform user id
	Slot   int    `json:"slot"`
	Table  int    `json:"table"` // from 1
	Span
	// Cancelled is set when one side did not come.
	Cancelled bool `json:"cancelled,omitempty"`
}

// Miss is an interesting pair the schedule could not place.
type Miss struct {
	App    string  `json:"app"`
	Person string  `json:"person"`
	Weight float64 `json:"weight"`
	Reason string  `json:"reason"`
}

// Offer is a freed slot offered to the people who may take it: Stay keeps
// its place (a company's application id when Side is "c", a person's user
// id when Side is "p") and one of Candidates (the other side) gets it.
type Offer struct {
	ID         int      `json:"id"`
	Slot       int      `json:"slot"`
	Table      int      `json:"table"`
	Side       string   `json:"side"`
	Stay       string   `json:"stay"`
	Candidates []string `json:"candidates"`
	Taken      string   `json:"taken,omitempty"`
	// Withdrawn is why the whole offer was withdrawn before anyone took it
	// (one of the withdraw* reasons), "" while it stands.
	Withdrawn string `json:"withdrawn,omitempty"`
	// Dropped are the candidates for whom the offer no longer holds, with
	// the reason (withdraw*): they took another meeting with the same side
	// or at the same time, or were marked absent.
	Dropped map[string]string `json:"dropped,omitempty"`
	Span
}

// Why an offer, or one candidate's offer, was withdrawn; each names the
// message day.offer.withdrawn.<reason>.
const (
	withdrawAbsent  = "absent"     // the side that stays did not come
	withdrawFilled  = "filled"     // the side that stays is no longer free then
	withdrawMet     = "met"        // the candidate already meets the side that stays
	withdrawBusy    = "busy"       // the candidate has another meeting then
	withdrawYouGone = "you_absent" // the candidate was marked absent
)

var (
	// Days holds the Day of each event, by event id.
	Days = storage.NewBucket[Day]("day")
	// Wants holds the interest answers by wantKey.
	Wants = storage.NewBucket[matching.Interest]("day-wants")
	// Staff holds the city people added to an event's day by command, by
	// event + "/" + user id.
	Staff = storage.NewBucket[chat.UserRef]("day-staff")
)

// Sides of an answer: a company about a person, or a person about a
// company.
const (
	SideCompany = "c"
	SidePerson  = "p"
)

// wantKey is the key of an answer by the side's party who about other.
func wantKey(event, side, who, other string) string {
	return event + "/" + side + "/" + who + "/" + other
}

// loadDay returns the day of an event (a fresh one when there is none);
// a record that cannot be read is an error.
func loadDay(tx *storage.Tx, ws, event string) (Day, error) {
	d, ok, err := Days.Lookup(tx, ws, event)
	if err != nil {
		return d, fmt.Errorf("day of %s: %w", event, err)
	}
	if !ok {
		return Day{Event: event}, nil
	}
	return d, nil
}

// nextOffer returns a new offer id of the day.
func (d *Day) nextOffer() int {
	for _, o := range d.Offers {
		d.LastOffer = max(d.LastOffer, o.ID)
	}
	d.LastOffer++
	return d.LastOffer
}

func saveDay(tx *storage.Tx, ws string, d Day) error { return Days.Put(tx, ws, d.Event, d) }
