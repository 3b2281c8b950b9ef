package outbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/bot/reqid"
	"github.com/kipina/kipina/storage"
	"golang.org/x/time/rate"
)

// MaxAttempts is how many times a message is tried before it is recorded
// as failed.
const MaxAttempts = 8

// Limit is a platform's sending rate.
type Limit struct {
	Rate  rate.Limit
	Burst int
}

// Worker delivers the outbox.
type Worker struct {
	db        *storage.DB
	now       func() time.Time
	log       *slog.Logger
	platforms map[string]chat.Platform
	limits    map[string]Limit

	mu       sync.Mutex
	limiters map[string]*rate.Limiter // per platform:workspace
	paused   map[string]time.Time     // Retry-After per platform:workspace
	wake     chan struct{}
	pass     sync.Mutex // one delivery pass at a time

	// BeforeSend, when set, is called after an attempt is committed and
	// before the message is sent; AfterSend after a platform accepted a
	// message and before that is recorded. Tests use them to crash there.
	BeforeSend, AfterSend func(Item)
	// Observer, when set, hears about each attempt (for the ops metrics).
	Observer Observer
}

// NewWorker returns a worker reading db; now is the clock.
func NewWorker(db *storage.DB, now func() time.Time, log *slog.Logger) *Worker {
	return &Worker{
		db: db, now: now, log: log.With("component", "outbox"),
		platforms: map[string]chat.Platform{}, limits: map[string]Limit{},
		limiters: map[string]*rate.Limiter{}, paused: map[string]time.Time{},
		wake: make(chan struct{}, 1),
	}
}

// Register adds a platform with its sending limit per workspace.
func (w *Worker) Register(p chat.Platform, l Limit) {
	w.platforms[p.Name()] = p
	w.limits[p.Name()] = l
}

// Wake asks the worker to look at the outbox now (after an Enqueue).
func (w *Worker) Wake() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Run delivers until ctx ends, looking at the outbox when woken and at least
// every poll interval.
func (w *Worker) Run(ctx context.Context, poll time.Duration) error {
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-w.wake:
		case <-t.C:
		}
		if _, err := w.Deliver(ctx); err != nil && ctx.Err() == nil {
			w.log.Error("deliver", "err", err)
		}
		t.Reset(poll)
	}
}

// Deliver makes one pass over the due messages in order and returns how many
// were sent. Messages to a platform that is rate limited or paused wait.
func (w *Worker) Deliver(ctx context.Context) (int, error) {
	w.pass.Lock()
	defer w.pass.Unlock()
	var due []Item
	now := w.now()
	err := w.db.View(func(tx *storage.Tx) error {
		return pending.Scan(tx, "", "", func(k string, _ uint64) error {
			it, err := items.Get(tx, "", k)
			if err != nil {
				return err
			}
			if !it.NextAt.After(now) {
				due = append(due, it)
			}
			return nil
		})
	})
	if err != nil {
		return 0, err
	}
	sent := 0
	for _, it := range due {
		if ctx.Err() != nil {
			return sent, ctx.Err()
		}
		ok, err := w.deliver(ctx, it)
		if err != nil {
			return sent, err
		}
		if ok {
			sent++
		}
	}
	return sent, nil
}

func (w *Worker) limiter(a chat.Address) (*rate.Limiter, string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	k := a.Platform + ":" + a.Workspace
	l, ok := w.limiters[k]
	if !ok {
		lim := w.limits[a.Platform]
		if lim.Rate == 0 {
			lim = Limit{Rate: rate.Inf}
		}
		l = rate.NewLimiter(lim.Rate, max(lim.Burst, 1))
		w.limiters[k] = l
	}
	return l, k
}

// deliver sends one item and records the outcome. It returns whether the
// item was sent; an error means the store failed.
func (w *Worker) deliver(ctx context.Context, it Item) (bool, error) {
	p, ok := w.platforms[it.To.Platform]
	if !ok {
		return false, nil // its adapter is not running: the message waits.
	}
	if rd, can := p.(chat.Readiness); can && !rd.Ready(it.To.Workspace) {
		return false, nil // not connected yet: the message waits.
	}
	lim, lk := w.limiter(it.To)
	w.mu.Lock()
	pausedUntil := w.paused[lk]
	w.mu.Unlock()
	if w.now().Before(pausedUntil) {
		return false, nil
	}
	if err := lim.Wait(ctx); err != nil {
		return false, nil
	}

	// Commit the attempt before sending: after a crash, an item with
	// attempts is looked up on the platform before it is sent again.
	it.Attempts++
	if err := w.db.Update(func(tx *storage.Tx) error { return save(tx, it) }); err != nil {
		return false, err
	}
	if w.BeforeSend != nil {
		w.BeforeSend(it)
	}
	ref, found := chat.MessageRef{}, false
	var err error
	if f, can := p.(chat.SentFinder); can && it.Attempts > 1 && it.UpdateOf.IsZero() {
		ref, found, err = f.FindSent(ctx, it.To, it.ID)
	}
	if w.Observer != nil {
		w.Observer.Sending(it)
	}
	if err == nil && !found {
		ref, err = w.send(reqid.With(ctx, it.RequestID), p, it)
	}
	if err == nil && w.AfterSend != nil {
		w.AfterSend(it)
	}
	rerr := w.db.Update(func(tx *storage.Tx) error { return w.record(tx, it, ref, err, lk) })
	if w.Observer != nil {
		w.Observer.Attempted(it, err, w.now())
	}
	return err == nil, rerr
}

func (w *Worker) send(ctx context.Context, p chat.Platform, it Item) (chat.MessageRef, error) {
	if f := it.Msg.File; f != nil && it.UpdateOf.IsZero() {
		if up, ok := p.(chat.FileUploader); ok {
			return chat.MessageRef{}, up.Upload(ctx, it.To, *f, it.Msg.Text)
		}
		m := it.Msg
		m.File = nil
		return p.Post(ctx, it.To, m)
	}
	if it.UpdateOf.IsZero() {
		return p.Post(ctx, it.To, it.Msg)
	}
	var orig Item
	err := w.db.View(func(tx *storage.Tx) (err error) { orig, err = Lookup(tx, it.UpdateOf); return })
	if err != nil {
		return chat.MessageRef{}, fmt.Errorf("%w: %v", chat.ErrPermanent, err)
	}
	if orig.State != Sent {
		return chat.MessageRef{}, errors.New("the message to update is not sent yet")
	}
	return orig.Ref, p.Update(ctx, it.To, orig.Ref, it.Msg)
}

// record stores the outcome of an attempt.
func (w *Worker) record(tx *storage.Tx, it Item, ref chat.MessageRef, err error, lk string) error {
	now := w.now()
	var ra *chat.RetryAfterError
	switch {
	case err == nil:
		it.State, it.Ref, it.Error, it.Sent = Sent, ref, "", now
		w.log.Info("delivered", "key", it.Key, "to", it.To.String(), "attempt", it.Attempts, reqid.Key, it.RequestID)
	case errors.As(err, &ra):
		w.mu.Lock()
		w.paused[lk] = now.Add(ra.Wait)
		w.mu.Unlock()
		it.Attempts-- // being told to wait is not a failed attempt
		it.NextAt, it.Error = now.Add(ra.Wait), err.Error()
		w.log.Warn("rate limited", "key", it.Key, "to", it.To.String(), "wait", ra.Wait, reqid.Key, it.RequestID)
	case errors.Is(err, chat.ErrNotReady):
		it.Attempts-- // our own missing state is not the message's fault
		it.NextAt, it.Error = now.Add(notReadyWait), err.Error()
		w.log.Warn("platform not ready, will retry", "key", it.Key, "to", it.To.String(), "err", err, reqid.Key, it.RequestID)
	case errors.Is(err, chat.ErrPermanent) || it.Attempts >= MaxAttempts:
		it.State, it.Error = Failed, err.Error()
		w.log.Error("message failed", "key", it.Key, "to", it.To.String(), "attempts", it.Attempts, "err", err, reqid.Key, it.RequestID)
	default:
		it.NextAt, it.Error = now.Add(Backoff(it.Attempts)), err.Error()
		w.log.Warn("delivery failed, will retry", "key", it.Key, "attempt", it.Attempts, "err", err, reqid.Key, it.RequestID)
	}
	return save(tx, it)
}

// notReadyWait is how long a message waits after its adapter said it was
// not ready to deliver it.
const notReadyWait = 5 * time.Second

// Backoff is the wait after the n-th failed attempt: 2s, 4s, 8s, … capped at
// ten minutes.
func Backoff(n int) time.Duration {
	d := 2 * time.Second << min(n-1, 10)
	return min(d, 10*time.Minute)
}
