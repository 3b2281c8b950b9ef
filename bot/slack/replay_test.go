package slack

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// The same signed request with its signature in upper-case hex is the same
// request, and is refused as a replay at the wire.
func TestHTTPModeReplayUpperCaseHex(t *testing.T) {
	f := newFakeSlack(t)
	h := &recorder{}
	base := httpBot(t, f, h)
	cmd := url.Values{"command": {"/kipina"}, "text": {"help"}, "team_id": {"T1"}, "user_id": {"U1"},
		"channel_id": {"C1"}, "trigger_id": {"trig"}, "response_url": {f.url() + "respond/x"}}.Encode()
	now := time.Now()
	if code, body := do(t, signed(t, base, PathCommands, cmd, now, testSecret)); code != http.StatusOK {
		t.Fatalf("first request: %d %s", code, body)
	}
	upper := signed(t, base, PathCommands, cmd, now, testSecret)
	upper.Header.Set("X-Slack-Signature", "v0="+strings.ToUpper(strings.TrimPrefix(upper.Header.Get("X-Slack-Signature"), "v0=")))
	if code, body := do(t, upper); code != http.StatusUnauthorized {
		t.Errorf("upper-case replay: %d %s, want 401", code, body)
	}
	if n := h.count(); n != 1 {
		t.Errorf("handler called %d times, want 1", n)
	}
}

// An entry is kept until its timestamp stops being valid: a request stamped
// 5 minutes ahead stays refused 7 minutes after it was first accepted.
func TestReplayCacheKeepsUntilTimestampExpires(t *testing.T) {
	c := newReplayCache()
	now := time.Unix(1_700_000_000, 0)
	stamp := "1700000300" // now + 5 min: valid until now + 10 min
	sig := "v0=" + strings.Repeat("ab", 32)
	for _, tc := range []struct {
		at   time.Duration
		sig  string
		want bool
	}{
		{0, sig, true},
		{time.Minute, strings.ToUpper(sig[3:]), false}, // no prefix: malformed below
		{7 * time.Minute, sig, false},
		{7 * time.Minute, "v0=" + strings.ToUpper(sig[3:]), false},
		{10*time.Minute + replaySkew + time.Second, sig, true}, // the timestamp is no longer valid anyway
	} {
		got, err := c.first(tc.sig, stamp, now.Add(tc.at))
		if !strings.HasPrefix(tc.sig, "v0=") {
			if err == nil {
				t.Errorf("%v: a signature without v0= accepted", tc.at)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("at +%v %s: first = %v, %v; want %v", tc.at, tc.sig, got, err, tc.want)
		}
	}
	if _, err := c.first("v0=zz", stamp, now); err == nil {
		t.Error("non-hex signature accepted")
	}
}
