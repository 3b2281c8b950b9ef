package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/bot/ops"
	"github.com/kipina/kipina/bot/slack"
	"github.com/kipina/kipina/configs"
)

// slackPlatform builds the Slack adapter serving the given workspaces: it
// reads the secrets from the environment variables the configuration
// names, checks their prefixes and, with auth.test, that Slack accepts
// them.
func slackPlatform(ctx context.Context, _ *configs.Config, wss []configs.Workspace, _ string, m *ops.Metrics) (chat.Platform, error) {
	opts := slack.Options{Log: slog.Default(), OnAck: m.SlackAck, OnReconnect: m.Reconnected("slack")}
	for _, w := range wss {
		s := w.Slack
		if s == nil {
			return nil, fmt.Errorf("workspace %s: platform slack needs a slack: section (team_id, bot_token_env, app_token_env)", w.ID)
		}
		ws := slack.Workspace{
			WorkspaceID: w.ID, TeamID: s.TeamID, Mode: slack.Mode(s.Mode),
			BotTokenEnv: s.BotTokenEnv, AppTokenEnv: s.AppTokenEnv, SigningSecretEnv: s.SigningSecretEnv,
		}
		var err error
		if ws.BotToken, err = secret(w.ID, "bot_token_env", s.BotTokenEnv); err != nil {
			return nil, err
		}
		if ws.Mode == slack.HTTPMode {
			if ws.SigningSecret, err = secret(w.ID, "signing_secret_env", s.SigningSecretEnv); err != nil {
				return nil, err
			}
			if s.Listen == "" {
				return nil, fmt.Errorf("workspace %s: slack.listen: HTTP mode needs a listen address such as \":3000\"", w.ID)
			}
			if opts.Listen != "" && opts.Listen != s.Listen {
				return nil, fmt.Errorf("workspace %s: slack.listen: all HTTP mode workspaces share one listen address (%s, not %s)", w.ID, opts.Listen, s.Listen)
			}
			opts.Listen = s.Listen
		} else if ws.AppToken, err = secret(w.ID, "app_token_env", s.AppTokenEnv); err != nil {
			return nil, err
		}
		if s.APIURL != "" {
			if opts.APIURL != "" && opts.APIURL != s.APIURL {
				return nil, fmt.Errorf("workspace %s: slack.api_url: all Slack workspaces share one API URL", w.ID)
			}
			opts.APIURL = s.APIURL
		}
		opts.Workspaces = append(opts.Workspaces, ws)
	}
	a, err := slack.New(opts)
	if err != nil {
		return nil, err
	}
	if err := a.Check(ctx); err != nil {
		return nil, err
	}
	return a, nil
}

// secret reads the environment variable a workspace's configuration names.
func secret(ws, key, env string) (string, error) {
	if env == "" {
		return "", fmt.Errorf("workspace %s: slack.%s: name the environment variable that holds the secret", ws, key)
	}
	v := strings.TrimSpace(os.Getenv(env))
	if v == "" {
		return "", fmt.Errorf("workspace %s: environment variable %s (slack.%s) is not set or empty", ws, env, key)
	}
	return v, nil
}
