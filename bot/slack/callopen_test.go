package slack

// openCall does what an organiser does in channel: /kipina call open
// kipina-2017 (a preview, issue 15) and the button that opens and posts
// the call; it waits for the button's answer through the response URL.
func (f *fakeSlack) openCall(channel string) {
	f.t.Helper()
	f.roundTrip("slash_commands", f.slashCommand("UORG", channel, "call open kipina-2017"))
	before := len(f.callsTo("respond/action"))
	f.roundTrip("interactive", f.blockAction("UORG", channel, "", "call-post:kipina-2017", ""))
	f.waitCall("respond/action", before+1)
}
