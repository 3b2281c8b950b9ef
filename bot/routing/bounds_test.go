package routing_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/kipina/kipina/bot/bottest"
	"github.com/kipina/kipina/bot/call"
	"github.com/kipina/kipina/bot/routing"
)

// contacts add with 30,000 mentions is refused at once with a clear
// message; 200 mentions (the bound), some repeated, are added once each.
func TestContactsAddBounded(t *testing.T) {
	h := bottest.New(t, call.Module{}, routing.Module{})
	var many strings.Builder
	for i := range 30000 {
		fmt.Fprintf(&many, " @u%d", i)
	}
	out := h.Run("/kipina contacts add elderly" + many.String() + "\n")
	must(t, out, h.Bot.Cat.T("fi", "error.too_many_mentions", "Count", 30000, "Max", 200))
	mustNot(t, out, "nyt kohteen")

	var bound strings.Builder
	for i := range 200 {
		fmt.Fprintf(&bound, " @u%d", i%150)
	}
	out = h.Run("/kipina contacts add elderly" + bound.String() + "\n/kipina contacts elderly\n")
	must(t, out, "saavat nyt kohteen elderly hakemukset")
	last := out[strings.LastIndex(out, "@u0"):]
	if n := strings.Count(last, "@u149"); n != 1 {
		t.Errorf("@u149 listed %d times in the contacts, want 1:\n%s", n, last)
	}
}

// BenchmarkContactsAdd: adding the bound's worth of people in one command.
func BenchmarkContactsAdd(b *testing.B) {
	var args strings.Builder
	for i := range 200 {
		fmt.Fprintf(&args, " @u%d", i)
	}
	h := bottest.New(b, call.Module{}, routing.Module{})
	for b.Loop() {
		h.Run("/kipina contacts add elderly" + args.String() + "\n")
	}
}
