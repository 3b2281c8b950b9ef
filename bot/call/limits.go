package call

import (
	"time"

	"github.com/kipina/kipina/bot"
	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/storage"
)

// Per-person application limits (issue 13, docs/security.md "Bounded work
// per request"): each application costs the bot three messages (the
// confirmation, the organisers' notice, the routing notice), so one person
// may send at most MaxAppsPerEvent applications to one event and at most
// MaxAppsPerDay in any 24 hours. Withdrawn applications count; edits do not.
const (
	MaxAppsPerEvent = 3
	MaxAppsPerDay   = 5
)

// sent is what the bot records of the applications a person has sent, by
// the person's user reference: only what the limits need.
type sent struct {
	Apps []sentApp `json:"apps"`
}

type sentApp struct {
	Event string    `json:"event"`
	At    time.Time `json:"at"`
}

// senders holds each person's sent applications by user reference.
var senders = storage.NewBucket[sent]("call-senders")

// withinLimits refuses with apply.limit.event or apply.limit.day when u
// may send no more applications to ev now; a failed read is an error.
func withinLimits(tx *storage.Tx, ws string, u chat.UserRef, ev, evName string, now time.Time) (sent, error) {
	s, _, err := senders.Lookup(tx, ws, u.String()) // none yet: nothing sent
	if err != nil {
		return s, err
	}
	inEvent, inDay := 0, 0
	for _, a := range s.Apps {
		if a.Event == ev {
			inEvent++
		}
		if now.Sub(a.At) < 24*time.Hour {
			inDay++
		}
	}
	switch {
	case inEvent >= MaxAppsPerEvent:
		return s, bot.Refuse("apply.limit.event", "Count", MaxAppsPerEvent, "Event", evName)
	case inDay >= MaxAppsPerDay:
		return s, bot.Refuse("apply.limit.day", "Count", MaxAppsPerDay)
	}
	return s, nil
}

// countSent records that u sent an application to ev at now, or refuses as
// withinLimits does. It runs in the transaction that stores the
// application, so concurrent submissions cannot pass the limit together.
func countSent(tx *storage.Tx, ws string, u chat.UserRef, ev, evName string, now time.Time) error {
	s, err := withinLimits(tx, ws, u, ev, evName, now)
	if err != nil {
		return err
	}
	s.Apps = append(s.Apps, sentApp{Event: ev, At: now})
	return senders.Put(tx, ws, u.String(), s)
}
