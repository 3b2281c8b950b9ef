//go:build race

package followup_test

// raceEnabled: the race detector slows every commit several times, so the
// crash test runs fewer rounds and the rate check allows more slack.
const raceEnabled = true
