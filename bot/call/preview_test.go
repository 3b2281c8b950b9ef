package call_test

import (
	"testing"

	"github.com/kipina/kipina/bot/bottest"
	"github.com/kipina/kipina/bot/call"
)

// TestCallOpenPreviewsFirst (issue 15): /kipina call open shows the post
// as the channel will read it and posts nothing until the button.
func TestCallOpenPreviewsFirst(t *testing.T) {
	h := bottest.New(t, call.Module{})
	out := h.Run("/kipina call open kipina-2017\n")
	bottest.Must(t, out, h.Bot.Cat.T("fi", "call.preview", "Event", "Kipinä 2017 – avoin haku"), "> ", h.Bot.Cat.T("fi", "call.post.button"))
	bottest.MustNot(t, out, "── #", "Hae mukaan")
	out = h.Run(bottest.Button(t, out, h.Bot.Cat.T("fi", "call.post.button")) + "\n")
	bottest.Must(t, out, h.Bot.Cat.T("fi", "call.opened", "Event", "Kipinä 2017 – avoin haku"), "── #", "Hae mukaan")
}
