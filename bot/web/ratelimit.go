package web

import (
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// limiters are token buckets by key (a client address or an e-mail
// address). Idle ones are forgotten when the map grows past maxKeys.
type limiters struct {
	mu    sync.Mutex
	m     map[string]*limiter
	r     rate.Limit
	burst int
	now   func() time.Time
}

type limiter struct {
	l    *rate.Limiter
	seen time.Time
}

const maxKeys = 10000

func newLimiters(perSecond float64, burst int, now func() time.Time) *limiters {
	return &limiters{m: map[string]*limiter{}, r: rate.Limit(perSecond), burst: burst, now: now}
}

// allow takes a token for key, reporting false when there is none.
func (ls *limiters) allow(key string) bool {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	now := ls.now()
	if len(ls.m) >= maxKeys {
		for k, l := range ls.m {
			if now.Sub(l.seen) > time.Hour {
				delete(ls.m, k)
			}
		}
	}
	l, ok := ls.m[key]
	if !ok {
		l = &limiter{l: rate.NewLimiter(ls.r, ls.burst)}
		ls.m[key] = l
	}
	l.seen = now
	return l.l.AllowN(now, 1)
}

// clientIP is the request's client address: the peer's, or, when the peer
// is a trusted reverse proxy, the last address of X-Forwarded-For that is
// not itself a trusted proxy.
func (a *Adapter) clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	if !a.isTrusted(host) {
		return host
	}
	hops := strings.Split(r.Header.Get("X-Forwarded-For"), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		h := strings.TrimSpace(hops[i])
		if h == "" {
			continue
		}
		if !a.isTrusted(h) {
			return h
		}
	}
	return host
}

func (a *Adapter) isTrusted(host string) bool {
	ip := net.ParseIP(host)
	if ip == nil {
		return false
	}
	for _, n := range a.trusted {
		if n.Contains(ip) {
			return true
		}
	}
	return false
}
