package slack

import (
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Slack's request signing rules
// (https://api.slack.com/authentication/verifying-requests-from-slack):
// a request is valid while its X-Slack-Request-Timestamp is within
// replayWindow of the local clock, in either direction.
const (
	// replayWindow is the signature's validity either side of its
	// timestamp; slack-go's verifier refuses anything further.
	replayWindow = 5 * time.Minute
	// replaySkew is kept on top of the window, for a clock that moves
	// (NTP steps) while an entry is kept.
	replaySkew = time.Minute
)

// replayCache remembers the signatures of accepted HTTP mode requests until
// their timestamp can no longer pass verification. It keys on the decoded
// signature bytes, so one signature written in upper- or lower-case hex is
// one entry.
type replayCache struct {
	mu   sync.Mutex
	m    map[string]time.Time // decoded signature → keep until
	next time.Time            // when to prune next
}

func newReplayCache() *replayCache { return &replayCache{m: map[string]time.Time{}} }

var errSignatureFormat = errors.New("malformed signature or timestamp")

// first records the request signed with sig ("v0=<hex HMAC-SHA256>") at
// stamp (Unix seconds) and reports whether it was not seen before. The
// entry is kept until stamp + replayWindow + replaySkew.
func (c *replayCache) first(sig, stamp string, now time.Time) (bool, error) {
	raw, ok := strings.CutPrefix(sig, "v0=")
	if !ok {
		return false, errSignatureFormat
	}
	key, err := hex.DecodeString(raw)
	if err != nil {
		return false, errSignatureFormat
	}
	ts, err := strconv.ParseInt(stamp, 10, 64)
	if err != nil {
		return false, errSignatureFormat
	}
	until := time.Unix(ts, 0).Add(replayWindow + replaySkew)
	c.mu.Lock()
	defer c.mu.Unlock()
	if now.After(c.next) {
		for k, u := range c.m {
			if now.After(u) {
				delete(c.m, k)
			}
		}
		c.next = now.Add(time.Minute)
	}
	if u, ok := c.m[string(key)]; ok && !now.After(u) {
		return false, nil
	}
	c.m[string(key)] = until
	return true, nil
}
