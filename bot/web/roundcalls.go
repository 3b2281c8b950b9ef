package web

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/kipina/kipina/bot/round"
	"github.com/kipina/kipina/configs"
	"github.com/kipina/kipina/storage"
)

// RoundCalls is the Calls of the running bot: an event as the domain
// package stores it (round.Events), its challenges in the page's
// language, the city's core processes from the configuration (tracks),
// and the workspace's privacy notice. The page shows the deadline in the
// workspace's zone.
type RoundCalls struct {
	Config *configs.Config
	DB     *storage.DB
	// Now is the clock that decides whether the call is open (the bot's).
	Now func() time.Time
}

// Call reads event eventID of workspace ws. A missing or cancelled event
// is ErrNoCall; a failed read is returned wrapped.
func (c RoundCalls) Call(_ context.Context, ws, eventID, lang string) (CallPage, error) {
	w, ok := c.Config.Workspace(ws)
	if !ok || !w.Web {
		return CallPage{}, ErrNoCall
	}
	var ev round.Event
	err := c.DB.View(func(tx *storage.Tx) (err error) { ev, err = round.LoadEvent(tx, ws, eventID); return })
	if errors.Is(err, storage.ErrNotFound) {
		return CallPage{}, fmt.Errorf("event %s: %w", eventID, ErrNoCall)
	}
	if err != nil {
		return CallPage{}, fmt.Errorf("read event %s: %w", eventID, err)
	}
	if ev.Cancelled {
		return CallPage{}, fmt.Errorf("event %s is cancelled: %w", eventID, ErrNoCall)
	}
	p := CallPage{Event: ev.NameIn(lang), Place: ev.Place, Date: ev.Date, Deadline: ev.Deadline, Open: ev.Open(c.Now()), PrivacyURL: w.PrivacyURL}
	if d := ev.DescriptionIn(lang); d != p.Event {
		p.Description = d
	}
	for _, ch := range ev.Challenges {
		p.Challenges = append(p.Challenges, Item{Name: ch.Name.Get(lang), Description: ch.Description.Get(lang)})
	}
	for _, tr := range c.Config.Tracks {
		p.Processes = append(p.Processes, Item{Name: tr.Name.Get(lang), Description: tr.Description.Get(lang)})
	}
	return p, nil
}

var _ Calls = RoundCalls{}
