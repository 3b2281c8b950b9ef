package main

import (
	"context"
	"fmt"

	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/configs"
)

// slackPlatform builds the Slack adapter serving the given workspaces.
func slackPlatform(_ context.Context, _ *configs.Config, wss []configs.Workspace, _ string) (chat.Platform, error) {
	return nil, fmt.Errorf("workspace %s: Slack is not supported by this build yet", wss[0].ID)
}
