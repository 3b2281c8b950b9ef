package jury

import "github.com/kipina/kipina/bot"

// AppRef names one application of an event on a juror's prompt: the event
// id and the application id ("kipina-2017", "H0002").
type AppRef struct{ Event, App string }

// appRefID is the codec of an id whose fields are an AppRef
// ("<prefix>:<event>:<app>").
func appRefID(prefix string) bot.IDCodec[AppRef] {
	return bot.NewIDCodec(prefix, 2, func(a AppRef) []string { return []string{a.Event, a.App} },
		func(f []string) (AppRef, bool) { return AppRef{Event: f[0], App: f[1]}, true })
}

// The ids of the flow's buttons and of the rubric form: each names what it
// acts on. They are exported for tests that press them on a platform.
var (
	PublishID     = bot.StringID("jury-publish")  // event id: publish the draft
	DecideID      = bot.StringID("jury-decide")   // event id: confirm the decisions
	FullID        = appRefID("jury-full")         // the full application text
	ScoreID       = appRefID("jury-score")        // open the rubric, and the rubric form itself
	AbstainID     = appRefID("jury-abstain")      // abstain from scoring
	ConflictID    = appRefID("jury-conflict")     // ask to confirm a conflict of interest
	ConflictYesID = appRefID("jury-conflict-yes") // the conflict, confirmed
)
