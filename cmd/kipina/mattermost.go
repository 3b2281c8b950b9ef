package main

import (
	"context"
	"fmt"

	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/configs"
)

// mattermostPlatform builds the Mattermost adapter serving the given
// workspaces (teams).
func mattermostPlatform(_ context.Context, _ *configs.Config, wss []configs.Workspace, _ string) (chat.Platform, error) {
	return nil, fmt.Errorf("workspace %s: Mattermost is not supported by this build yet", wss[0].ID)
}
