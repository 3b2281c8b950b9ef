package slack

import (
	"context"
	"errors"
	"time"

	"github.com/kipina/kipina/bot/chat"
	"github.com/slack-go/slack"
	"golang.org/x/time/rate"
)

// Profiles (users.info) are read off the ack path: an envelope from a
// person whose profile is not cached is handled with what is known (the
// workspace's language) or, for a slash command, after its ack; the
// profile is fetched in the background. Per workspace one queue calls
// users.info one person at a time, at most usersInfoPerMinute a minute
// (Slack's Tier 4) after a burst of usersInfoBurst, and calls nothing
// while a 429's Retry-After holds. A person asked for twice is fetched
// once.

// usersInfoPerMinute is users.info's pace per workspace: Slack's Tier 4
// allows "100+" calls a minute.
const usersInfoPerMinute = 100

// usersInfoBurst is how many users.info calls may go at once after a quiet
// spell (the first people of a burst get their language at once).
const usersInfoBurst = 10

// maxProfileQueue bounds the people waiting for a profile per workspace;
// beyond it a background fetch is skipped (the core asks again later).
const maxProfileQueue = 20000

// usersInfoTimeout bounds one users.info call.
const usersInfoTimeout = 10 * time.Second

// profileWait is how long after its arrival a slash command from a person
// without a cached profile waits (after the ack) for the profile, when it
// is near the front of the queue, before it is handled in the workspace's
// language: its reply still comes within a second.
const profileWait = 700 * time.Millisecond

// profileQueue is one workspace's users.info queue.
type profileQueue struct {
	ws      *workspace
	lim     *rate.Limiter
	held    time.Time // no call before this (Retry-After)
	order   []string  // user ids, front first
	waiters map[string][]chan profileResult
	running bool
	calls   int // users.info calls made, for tests and logs
}

type profileResult struct {
	p   chat.Profile
	err error
}

// profileQueueOf returns ws's queue; a.profMu is held.
func (a *Adapter) profileQueueOf(ws *workspace) *profileQueue {
	q, ok := a.profQ[ws.WorkspaceID]
	if !ok {
		q = &profileQueue{ws: ws, lim: rate.NewLimiter(rate.Limit(float64(usersInfoPerMinute)/60), usersInfoBurst),
			waiters: map[string][]chan profileResult{}}
		a.profQ[ws.WorkspaceID] = q
	}
	return q
}

// enqueue puts user in ws's queue unless already there and returns a
// channel for the result when wait is set. ok is false when the queue is
// full.
func (a *Adapter) enqueue(ws *workspace, user string, wait bool) (<-chan profileResult, bool) {
	a.profMu.Lock()
	defer a.profMu.Unlock()
	q := a.profileQueueOf(ws)
	if _, queued := q.waiters[user]; !queued {
		if len(q.order) >= maxProfileQueue {
			return nil, false
		}
		q.waiters[user] = nil
		q.order = append(q.order, user)
	}
	var ch chan profileResult
	if wait {
		ch = make(chan profileResult, 1)
		q.waiters[user] = append(q.waiters[user], ch)
	}
	if !q.running {
		q.running = true
		go a.fetchProfiles(q)
	}
	return ch, true
}

// soon reports whether user's profile can be expected within a moment:
// the queue is not held by a Retry-After and at most a burst's worth of
// people are ahead.
func (a *Adapter) soon(ws *workspace, user string) bool {
	a.profMu.Lock()
	defer a.profMu.Unlock()
	q := a.profileQueueOf(ws)
	if time.Now().Before(q.held) {
		return false
	}
	for i, u := range q.order {
		if u == user {
			return float64(i) < q.lim.Tokens()
		}
	}
	return q.lim.Tokens() >= 1
}

// prefetch starts fetching user's profile in the background unless it is
// cached or under way.
func (a *Adapter) prefetch(ws *workspace, user string) {
	if _, ok := a.users.get(ws.WorkspaceID + ":" + user); ok {
		return
	}
	if _, ok := a.enqueue(ws, user, false); !ok {
		a.log.Warn("profile queue full; profile not fetched", "workspace", ws.WorkspaceID, "user", user)
	}
}

// fetchProfiles works through q until it is empty: one users.info call at
// a time, paced by q.lim, none while a Retry-After holds.
func (a *Adapter) fetchProfiles(q *profileQueue) {
	for {
		a.profMu.Lock()
		if len(q.order) == 0 {
			q.running = false
			a.profMu.Unlock()
			return
		}
		user, held := q.order[0], q.held
		a.profMu.Unlock()
		key := q.ws.WorkspaceID + ":" + user
		if p, ok := a.users.get(key); ok { // found meanwhile (users.lookupByEmail)
			a.finishProfile(q, user, profileResult{p: p})
			continue
		}
		if d := time.Until(held); d > 0 {
			time.Sleep(d)
		}
		if err := q.lim.Wait(context.Background()); err != nil {
			a.finishProfile(q, user, profileResult{err: err})
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), usersInfoTimeout)
		su, err := q.ws.api.GetUserInfoContext(ctx, user, slack.GetUserInfoOptionIncludeLocale(true))
		cancel()
		a.profMu.Lock()
		q.calls++
		a.profMu.Unlock()
		err = deliveryError("users.info "+user, err)
		if ra, ok := errors.AsType[*chat.RetryAfterError](err); ok {
			a.profMu.Lock()
			q.held = time.Now().Add(ra.Wait)
			a.profMu.Unlock()
			a.log.Warn("users.info rate limited; profiles wait", "workspace", q.ws.WorkspaceID, "for", ra.Wait)
			continue // the same person, after the wait
		}
		if err != nil {
			a.finishProfile(q, user, profileResult{err: err})
			continue
		}
		p := profileOf(su)
		a.users.put(key, p)
		a.finishProfile(q, user, profileResult{p: p})
	}
}

// finishProfile takes user off the front of q and hands r to its waiters.
func (a *Adapter) finishProfile(q *profileQueue, user string, r profileResult) {
	a.profMu.Lock()
	defer a.profMu.Unlock()
	q.order = q.order[1:]
	for _, ch := range q.waiters[user] {
		ch <- r
	}
	delete(q.waiters, user)
}

// usersInfoCalls returns how many users.info calls were made for ws.
func (a *Adapter) usersInfoCalls(ws string) int {
	a.profMu.Lock()
	defer a.profMu.Unlock()
	if q, ok := a.profQ[ws]; ok {
		return q.calls
	}
	return 0
}

// Profile reads a user's name, e-mail, locale and time zone: the cached
// copy (an hour), else users.info through the workspace's queue, waiting
// as long as ctx allows for the person's turn.
func (a *Adapter) Profile(ctx context.Context, u chat.UserRef) (chat.Profile, error) {
	ws, err := a.workspaceOf(u.Workspace)
	if err != nil {
		return chat.Profile{}, err
	}
	if p, ok := a.users.get(ws.WorkspaceID + ":" + u.User); ok {
		return p, nil
	}
	ch, ok := a.enqueue(ws, u.User, true)
	if !ok {
		return chat.Profile{}, errors.New("users.info: too many profiles waiting")
	}
	select {
	case r := <-ch:
		return r.p, r.err
	case <-ctx.Done():
		return chat.Profile{}, ctx.Err()
	}
}

// CachedProfile returns u's cached profile without calling Slack
// (chat.CachedDirectory).
func (a *Adapter) CachedProfile(u chat.UserRef) (chat.Profile, bool) {
	return a.users.get(u.Workspace + ":" + u.User)
}
