//go:build mattermosttools

// Package mattermost pins the Mattermost server used by the end-to-end tests.
// It is a separate module so the bot's own go.mod never depends on the
// server. scripts/mattermost.sh builds the binary from here.
package mattermost

import (
	_ "github.com/mattermost/mattermost/server/v8/cmd/mattermost"
)
