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

// TestEventNameInReadersLanguage (issue 20): the demo event is named in
// the reader's language: in English to an English reader, in Finnish to a
// Finnish one. The channel post quoted in the preview stays in the
// workspace's language.
func TestEventNameInReadersLanguage(t *testing.T) {
	h := bottest.New(t, call.Module{})
	out := h.Run("/kipina lang en\n/kipina call open kipina-2017\n")
	bottest.Must(t, out, h.Bot.Cat.T("en", "call.preview", "Event", "Kipinä 2017 – open call"))
	out = h.Run("/kipina lang fi\n/kipina call open kipina-2017\n")
	bottest.Must(t, out, h.Bot.Cat.T("fi", "call.preview", "Event", "Kipinä 2017 – avoin haku"))
}
