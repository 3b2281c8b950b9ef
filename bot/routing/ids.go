package routing

import "github.com/kipina/kipina/bot"

// The ids of the controls on the organisers' notice of an application.
// Both are read by overrideSelect, with the chosen target as the action's
// value.
var (
	// overrideID is the select of targets: "match:<app>".
	overrideID = bot.StringID("match")
	// moveID is the one-click Move: "match:<app>:move". It has an id of
	// its own, since the controls of one message need distinct ids, under
	// the same prefix, so that buttons already posted keep working.
	moveID = bot.NewIDCodec("match", 2, func(app string) []string { return []string{app, "move"} },
		func(f []string) (string, bool) { return f[0], f[1] == "move" })
)

// matchedApp reads the application id of a press on either control; any
// other id is refused as stale.
func matchedApp(r *bot.Request) (string, error) {
	if app, err := moveID.Of(r); err == nil {
		return app, nil
	}
	return overrideID.Of(r)
}
