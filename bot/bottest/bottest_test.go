package bottest_test

import (
	"testing"

	"github.com/kipina/kipina/bot/bottest"
	"github.com/kipina/kipina/bot/call"
)

func TestBusinessIDsValidAndDistinct(t *testing.T) {
	seen := map[string]bool{}
	for n := range 2000 {
		id := bottest.BusinessID(n)
		if got, err := call.ParseBusinessID(id); err != nil || got != id || seen[id] {
			t.Fatalf("BusinessID(%d) = %s: %v (seen %v)", n, id, err, seen[id])
		}
		seen[id] = true
	}
}
