package call

import "github.com/kipina/kipina/bot/bizid"

// ErrBusinessID is returned for a malformed Finnish business ID.
var ErrBusinessID = bizid.ErrFormat

// ErrBusinessIDCheck is returned when the format is right but the check
// digit is wrong (usually a typo).
var ErrBusinessIDCheck = bizid.ErrCheck

// ParseBusinessID reads a Finnish business ID (Y-tunnus) as a person types
// or pastes it and returns the canonical form "1572860-0"; see
// bizid.Parse for what it accepts.
func ParseBusinessID(s string) (string, error) { return bizid.Parse(s) }
