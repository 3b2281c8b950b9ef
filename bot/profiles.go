package bot

import (
	"context"
	"sync"
	"time"

	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/storage"
)

// profiles fetches platform profiles off the request path. identify asks
// for a refresh and goes on with what is known (the stored profile, the
// adapter's cached copy, else the workspace's language and zone); the
// fetch runs on a goroutine of its own, at most one per person at a time,
// and stores the profile when it arrives. Pacing is the Directory's: the
// Slack adapter keeps users.info within its rate tier and honours
// Retry-After, so a fetch may wait minutes on the morning a call opens.
type profiles struct {
	env *Env

	mu      sync.Mutex
	pending map[string]bool // workspace + "/" + userKey
	wg      sync.WaitGroup
}

// maxPendingProfiles bounds the fetches waiting at once; beyond it a
// refresh is skipped and the person's next request asks again.
const maxPendingProfiles = 10000

// profileFetchTimeout bounds one fetch, its wait for the platform's rate
// limit included.
const profileFetchTimeout = 10 * time.Minute

// refresh starts fetching u's profile from dir unless a fetch of it is
// already under way. It returns at once.
func (p *profiles) refresh(dir chat.Directory, u chat.UserRef) {
	key := u.Workspace + "/" + userKey(u)
	p.mu.Lock()
	if p.pending[key] || len(p.pending) >= maxPendingProfiles {
		p.mu.Unlock()
		return
	}
	p.pending[key] = true
	p.mu.Unlock()
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		defer func() {
			p.mu.Lock()
			delete(p.pending, key)
			p.mu.Unlock()
		}()
		ctx, cancel := context.WithTimeout(context.Background(), profileFetchTimeout)
		defer cancel()
		pr, err := dir.Profile(ctx, u)
		if err != nil {
			p.env.Log.Warn("profile not fetched; the workspace's defaults serve meanwhile", "user", u.String(), "err", err)
			return
		}
		if err := p.store(u, pr); err != nil {
			p.env.Log.Error("profile not stored", "user", u.String(), "err", err)
		}
	}()
}

// store saves a fetched profile into the person's record, keeping the
// rest of it. Batch: a burst of first-time users shares commits.
func (p *profiles) store(u chat.UserRef, pr chat.Profile) error {
	now := p.env.Now()
	return p.env.DB.Batch(func(tx *storage.Tx) error {
		cur, err := LoadUser(tx, u)
		if err != nil {
			return err
		}
		cur.Profile, cur.Fetched = pr, now
		return SaveUser(tx, cur)
	})
}

// WaitProfiles waits for the profile fetches under way to end: for tests
// and for a shutdown that wants them stored.
func (b *Bot) WaitProfiles() { b.profiles.wg.Wait() }
