// Package schedule keeps scheduled work as data: a reminder or follow-up is
// a stored due Item (recipient, kind, due time, payload). A Scheduler sweeps
// the items that are due and hands each to the handler registered for its
// kind, in the same store transaction that removes it, so an item runs once
// even across crashes; the handler enqueues what it says in the outbox in
// that transaction. Items due while the bot was down run at the first sweep
// after start. Recurring jobs (sweeps, digests) run from cron expressions
// with robfig/cron in the workspace's time zone.
//
// Time is injected: the scheduler reads the clock it is given, and cron runs
// on the runtime's timers, which testing/synctest fakes.
package schedule

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/bot/reqid"
	"github.com/kipina/kipina/storage"
	"github.com/robfig/cron/v3"
)

// Item is a piece of scheduled work.
type Item struct {
	// Key identifies the item: adding the same key again replaces it, and
	// Cancel removes it.
	Key       string          `json:"key"`
	Workspace string          `json:"workspace"`
	User      chat.UserRef    `json:"user"`
	Kind      string          `json:"kind"`
	Due       time.Time       `json:"due"`
	Payload   json.RawMessage `json:"payload,omitempty"`
	// AnyHour lets the item run in quiet hours (a meeting reminder on the
	// day of the event).
	AnyHour bool `json:"any_hour,omitempty"`
	// Reminder marks a reminder: quiet hours apply to it even for a
	// recipient the Scheduler's NoQuiet exempts (issue 18: "quiet hours do
	// not apply to e-mail, except for reminders").
	Reminder bool `json:"reminder,omitempty"`
	// Group names items that supersede one another, such as the 3-day and
	// the 1-day reminder of one juror's deadline: of two items of a group,
	// the one planned later says all the earlier one would. An item is
	// dropped, not sent, when a later-planned item of its group is due at
	// or before the moment it would run — after quiet hours held it (the
	// 3-day reminder due on Christmas Day and the 1-day reminder due on
	// Sunday both wait for Monday: only the 1-day one goes), or because the
	// bot was down. Empty: the item stands alone. The rule is the
	// scheduler's, so every kind of reminder and follow-up that sets a
	// group follows it (issue 15).
	Group string `json:"group,omitempty"`
	// Planned is the due time the item was first given (Add sets it from
	// Due when zero); holding it in quiet hours moves Due, not Planned.
	// Items of a group are ordered by it.
	Planned time.Time `json:"planned,omitzero"`
}

var (
	due     = storage.NewBucket[Item]("due")
	dueKeys = storage.NewBucket[string]("due-keys")
)

func dueKey(t time.Time, key string) string {
	return fmt.Sprintf("%020d/%s", t.UTC().UnixNano(), key)
}

// Add stores it, replacing an item with the same key.
func Add(tx *storage.Tx, it Item) error {
	if it.Key == "" || it.Kind == "" {
		return fmt.Errorf("schedule: item needs a key and a kind")
	}
	if err := Cancel(tx, it.Key); err != nil {
		return err
	}
	if it.Planned.IsZero() {
		it.Planned = it.Due
	}
	k := dueKey(it.Due, it.Key)
	if err := due.Put(tx, "", k, it); err != nil {
		return err
	}
	return dueKeys.Put(tx, "", it.Key, k)
}

// Cancel removes the item with key, if any.
func Cancel(tx *storage.Tx, key string) error {
	k, err := dueKeys.Get(tx, "", key)
	if err != nil {
		return nil //nolint:nilerr // nothing to cancel
	}
	if err := due.Delete(tx, "", k); err != nil {
		return err
	}
	return dueKeys.Delete(tx, "", key)
}

// Pending lists the items of workspace ws with the given key prefix, in due
// order.
func Pending(tx *storage.Tx, ws, keyPrefix string) ([]Item, error) {
	var out []Item
	err := due.Scan(tx, "", "", func(_ string, it Item) error {
		if it.Workspace == ws && len(it.Key) >= len(keyPrefix) && it.Key[:len(keyPrefix)] == keyPrefix {
			out = append(out, it)
		}
		return nil
	})
	return out, err
}

// supersededBy returns the key of a pending item of it's group that was
// planned later than it and is due at or before at, or "" when none is.
func supersededBy(tx *storage.Tx, it Item, at time.Time) (string, error) {
	if it.Group == "" {
		return "", nil
	}
	by := ""
	err := due.Range(tx, "", "", dueKey(at.Add(time.Nanosecond), ""), func(_ string, o Item) error {
		if o.Key != it.Key && o.Group == it.Group && o.Workspace == it.Workspace && planned(o).After(planned(it)) {
			by = o.Key
			return storage.ErrStop
		}
		return nil
	})
	return by, err
}

// planned is an item's first due time (items stored before Planned
// existed have only Due).
func planned(it Item) time.Time {
	if it.Planned.IsZero() {
		return it.Due
	}
	return it.Planned
}

// NextDue returns the due time of the earliest item, if any, or the error
// of a store that cannot be read.
func (s *Scheduler) NextDue() (time.Time, bool, error) {
	var next time.Time
	found := false
	err := s.db.View(func(tx *storage.Tx) error {
		return due.Scan(tx, "", "", func(_ string, it Item) error {
			next, found = it.Due, true
			return storage.ErrStop
		})
	})
	return next, found, err
}

// Func handles a due item inside the transaction that removes it. late is
// how long after its due time it runs. Returning an error keeps the item
// for the next sweep.
type Func func(tx *storage.Tx, it Item, late time.Duration) error

// Scheduler runs due items and cron jobs.
type Scheduler struct {
	db  *storage.DB
	now func() time.Time
	log *slog.Logger
	// Zone returns a recipient's time zone and quiet hours.
	Zone func(u chat.UserRef) (*time.Location, Quiet)
	// NoQuiet, when set, names recipients whose items other than
	// reminders run in quiet hours too (people reached by e-mail, which
	// waits in their mailbox).
	NoQuiet func(u chat.UserRef) bool

	mu       sync.Mutex
	handlers map[string]Func
	cron     *cron.Cron
}

// New returns a scheduler. zone tells each recipient's time zone and quiet
// hours; loc is the time zone cron expressions are read in.
func New(db *storage.DB, now func() time.Time, loc *time.Location, log *slog.Logger) *Scheduler {
	return &Scheduler{
		db: db, now: now, log: log.With("component", "schedule"),
		handlers: map[string]Func{},
		Zone:     func(chat.UserRef) (*time.Location, Quiet) { return loc, Quiet{} },
		cron:     cron.New(cron.WithLocation(loc), cron.WithParser(cron.NewParser(cron.Minute|cron.Hour|cron.Dom|cron.Month|cron.Dow|cron.Descriptor))),
	}
}

// Handle registers the handler of a kind of item.
func (s *Scheduler) Handle(kind string, fn Func) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.handlers[kind] = fn
}

// Cron runs fn on the cron schedule spec; a bad spec is an error.
func (s *Scheduler) Cron(name, spec string, fn func(ctx context.Context)) error {
	_, err := s.cron.AddFunc(spec, func() { fn(context.Background()) })
	if err != nil {
		return fmt.Errorf("schedule %s %q: %w", name, spec, err)
	}
	return nil
}

// CronIn runs fn on the cron schedule spec read in loc's wall clock, so
// "0 8 * * 1-5" is 08:00 on weekdays where loc is, across its daylight
// saving changes. A bad spec, or a spec that names its own CRON_TZ, is an
// error.
func (s *Scheduler) CronIn(name, spec string, loc *time.Location, fn func(ctx context.Context)) error {
	if strings.HasPrefix(spec, "CRON_TZ=") || strings.HasPrefix(spec, "TZ=") {
		return fmt.Errorf("schedule %s %q: the zone is the workspace's, not the expression's", name, spec)
	}
	return s.Cron(name, "CRON_TZ="+loc.String()+" "+spec, fn)
}

// Run starts the cron jobs, sweeps once at once (items due while the bot
// was down), and stops when ctx ends.
func (s *Scheduler) Run(ctx context.Context) error {
	if _, err := s.Sweep(ctx); err != nil {
		s.log.Error("sweep at start", "err", err)
	}
	s.cron.Start()
	<-ctx.Done()
	<-s.cron.Stop().Done()
	return ctx.Err()
}

// Sweep runs every item due now. An item in its recipient's quiet hours is
// moved to the next allowed moment instead. It returns how many ran.
func (s *Scheduler) Sweep(ctx context.Context) (int, error) {
	now := s.now()
	var list []string
	err := s.db.View(func(tx *storage.Tx) error {
		return due.Range(tx, "", "", dueKey(now.Add(time.Nanosecond), ""), func(k string, _ Item) error {
			list = append(list, k)
			return nil
		})
	})
	if err != nil {
		return 0, err
	}
	ran := 0
	for _, k := range list {
		if ctx.Err() != nil {
			return ran, ctx.Err()
		}
		id := reqid.New()
		did, err := s.run(k, now, id)
		if err != nil {
			s.log.Error("due item", "key", k, "err", err, reqid.Key, id)
			continue
		}
		if did {
			ran++
		}
	}
	return ran, nil
}

// run runs the due item k, if still there, in a transaction working for
// the id req.
func (s *Scheduler) run(k string, now time.Time, id string) (bool, error) {
	did := false
	err := s.db.Update(func(tx *storage.Tx) error {
		tx = tx.ForRequest(id)
		it, err := due.Get(tx, "", k)
		if err != nil {
			return nil //nolint:nilerr // taken meanwhile
		}
		loc, q := s.Zone(it.User)
		at := now
		exempt := it.AnyHour || (!it.Reminder && s.NoQuiet != nil && s.NoQuiet(it.User))
		if !exempt && !q.Allowed(now, loc) {
			at = q.Next(now, loc)
		}
		by, err := supersededBy(tx, it, at)
		if err != nil {
			return err
		}
		if by != "" {
			s.log.Info("due item superseded", "key", it.Key, "by", by, "kind", it.Kind)
			return Cancel(tx, it.Key)
		}
		if at != now {
			it.Due = at
			return Add(tx, it)
		}
		s.mu.Lock()
		fn := s.handlers[it.Kind]
		s.mu.Unlock()
		if fn == nil {
			return fmt.Errorf("no handler for kind %q", it.Kind)
		}
		if err := fn(tx, it, now.Sub(it.Due)); err != nil {
			return err
		}
		s.log.Info("due item", "kind", it.Kind, "key", it.Key, "late", now.Sub(it.Due), reqid.Key, id)
		did = true
		return Cancel(tx, it.Key)
	})
	return did, err
}
