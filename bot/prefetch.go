package bot

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/storage"
	"golang.org/x/time/rate"
)

// Profile look-ups before a first message (issue 15: on Mattermost a juror
// whose profile locale is English got the invitation in Finnish, because
// the bot read a profile only after that person had written to it).
const (
	// ProfileWait bounds how long KnowPeople waits for profiles in all;
	// who is not read by then is written to in the workspace's defaults.
	ProfileWait = 3 * time.Second
	// profileRetry is how long a failed read is not tried again.
	profileRetry = 10 * time.Minute
	// profileRate and profileBurst limit directory reads per platform:
	// well under Slack's users.info tier (100+ a minute) and Mattermost's
	// default limit.
	profileRate  = rate.Limit(1)
	profileBurst = 10
)

// profileFetcher holds KnowPeople's per-platform rate limits and its
// memory of failed reads. The zero value is ready.
type profileFetcher struct {
	mu     sync.Mutex
	limits map[string]*rate.Limiter
	failed map[chat.UserRef]time.Time
}

func (f *profileFetcher) limiter(platform string) *rate.Limiter {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.limits == nil {
		f.limits = map[string]*rate.Limiter{}
	}
	l, ok := f.limits[platform]
	if !ok {
		l = rate.NewLimiter(profileRate, profileBurst)
		f.limits[platform] = l
	}
	return l
}

func (f *profileFetcher) failedRecently(u chat.UserRef, now time.Time) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	at, ok := f.failed[u]
	return ok && now.Sub(at) < profileRetry
}

func (f *profileFetcher) fail(u chat.UserRef, now time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failed == nil {
		f.failed = map[chat.UserRef]time.Time{}
	}
	f.failed[u] = now
}

// KnowPeople reads the platform profiles (locale, time zone, name) of the
// people in us that the bot has not read within profileTTL, and stores
// them, so the first message the bot writes to them — an invitation, a
// routed application — is in their profile's language and zone. A command
// that names people for the first time (jury add, contacts add, contact
// add, followup people add) calls it before the transaction that
// enqueues their messages.
//
// It is a cache in front of the platform's chat.Directory: a stored
// profile younger than profileTTL is not read again; reads are
// rate-limited per platform (profileRate, profileBurst); the whole call
// waits at most ProfileWait; a failed read is logged and not retried for
// profileRetry. It never fails: whoever is not read is written to in the
// workspace's language, as before. Platforms without a directory (the
// terminal, e-mail) are skipped.
func (e *Env) KnowPeople(ctx context.Context, us ...chat.UserRef) {
	ctx, cancel := context.WithTimeout(ctx, ProfileWait)
	defer cancel()
	for _, u := range us {
		dir, ok := e.platforms[u.Platform].(chat.Directory)
		if !ok || u.User == "" || e.profiles.failedRecently(u, e.Now()) {
			continue
		}
		var usr User
		if err := e.DB.View(func(tx *storage.Tx) (err error) { usr, err = LoadUser(tx, u); return err }); err != nil {
			e.Log.Warn("profile before first message", "user", u.String(), "err", err)
			continue
		}
		if !usr.Fetched.IsZero() && e.Now().Sub(usr.Fetched) < profileTTL {
			continue
		}
		if err := e.profiles.limiter(u.Platform).Wait(ctx); err != nil {
			e.Log.Info("profiles not read in time; defaults serve", "user", u.String())
			return
		}
		p, err := dir.Profile(ctx, u)
		if err != nil {
			e.profiles.fail(u, e.Now())
			e.Log.Warn("profile before first message", "user", u.String(), "err", err)
			continue
		}
		now := e.Now()
		err = e.DB.Batch(func(tx *storage.Tx) error {
			cur, err := LoadUser(tx, u)
			if err != nil {
				return err
			}
			cur.Profile, cur.Fetched = p, now
			return SaveUser(tx, cur)
		})
		if err != nil {
			e.Log.Warn("store profile", "user", u.String(), "err", err)
		}
	}
}

// KnowMentioned is KnowPeople for the arguments of a command that name
// people ("@olli"); other arguments are ignored.
func (r *Request) KnowMentioned(ctx context.Context, args ...string) {
	var us []chat.UserRef
	for _, a := range args {
		if strings.HasPrefix(a, "@") {
			us = append(us, Mention(r, a))
		}
	}
	r.Env.KnowPeople(ctx, us...)
}
