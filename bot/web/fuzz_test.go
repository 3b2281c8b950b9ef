package web

import (
	"testing"
	"time"
)

// FuzzOpen: whatever a link or cookie holds, open refuses it without
// panicking unless it was sealed with the key.
func FuzzOpen(f *testing.F) {
	s := signer{key: []byte("0123456789abcdef0123456789abcdef"), now: func() time.Time { return time.Unix(1e9, 0) }}
	good, err := s.seal("link", linkToken{W: "demo", N: "abc"}, time.Hour)
	if err != nil {
		f.Fatal(err)
	}
	for _, seed := range []string{good, "", ".", "..", "a.b.c", good + "x", "e30.zz.AAAA"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, tok string) {
		var v linkToken
		err := s.open("link", tok, &v)
		if err == nil && tok != good {
			t.Fatalf("accepted a token it did not make: %q", tok)
		}
		if err := s.open("session", tok, &v); err == nil {
			t.Fatalf("a link token opened as a session: %q", tok)
		}
	})
}
