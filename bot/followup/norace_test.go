//go:build !race

package followup_test

// raceEnabled is false without the race detector.
const raceEnabled = false
