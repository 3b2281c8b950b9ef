package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/bot/mattermost"
	"github.com/kipina/kipina/bot/ops"
	"github.com/kipina/kipina/configs"
)

// mattermostPlatform builds the Mattermost adapter serving the given
// workspaces (teams). Tokens and the signing key come from the environment
// variables the configuration names; without secret_env a random key is
// kept in dataDir/mattermost.key (mode 0600), so buttons stay valid across
// restarts.
func mattermostPlatform(_ context.Context, _ *configs.Config, wss []configs.Workspace, dataDir string, m *ops.Metrics) (chat.Platform, error) {
	opts := mattermost.Options{Log: slog.Default(), OnReconnect: m.Reconnected(mattermost.Name)}
	var secretEnv string
	for _, w := range wss {
		m := w.Mattermost
		if m == nil {
			return nil, fmt.Errorf("workspace %s: the mattermost section is missing", w.ID)
		}
		token := os.Getenv(m.TokenEnv)
		if token == "" {
			return nil, fmt.Errorf("workspace %s: set %s to the Mattermost bot account's access token", w.ID, m.TokenEnv)
		}
		opts.Workspaces = append(opts.Workspaces, mattermost.Workspace{ID: w.ID, ServerURL: m.URL, TeamName: m.TeamName, Token: token, TokenEnv: m.TokenEnv, NotifyChannel: w.NotifyChannel})
		// One endpoint serves every team: the first workspace's settings
		// win and the others must agree.
		if opts.Listen == "" {
			opts.Listen, opts.CallbackURL, secretEnv = m.Listen, m.CallbackURL, m.SecretEnv
		} else if m.Listen != opts.Listen || m.CallbackURL != opts.CallbackURL || m.SecretEnv != secretEnv {
			return nil, fmt.Errorf("workspace %s: all Mattermost workspaces share one endpoint: listen, callback_url and secret_env must be the same as in %s", w.ID, wss[0].ID)
		}
	}
	secret, err := mattermostSecret(secretEnv, dataDir)
	if err != nil {
		return nil, err
	}
	opts.Secret = secret
	return mattermost.New(opts)
}

// mattermostSecret reads the signing key from the environment variable
// env, or from dataDir/mattermost.key, creating it when missing.
func mattermostSecret(env, dataDir string) ([]byte, error) {
	if env != "" {
		s := os.Getenv(env)
		if len(s) < 16 {
			return nil, fmt.Errorf("mattermost: set %s to a random string of at least 16 characters (it signs buttons and dialogs)", env)
		}
		return []byte(s), nil
	}
	path := filepath.Join(dataDir, "mattermost.key")
	key, err := os.ReadFile(path)
	if err == nil {
		if len(key) < 16 {
			return nil, fmt.Errorf("mattermost: %s is too short: delete it to make a new one", path)
		}
		return key, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("mattermost: signing key: %w", err)
	}
	key = make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("mattermost: signing key: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("mattermost: signing key: %w", err)
	}
	if _, err := f.Write(key); err != nil {
		return nil, fmt.Errorf("mattermost: signing key: %w", errors.Join(err, f.Close()))
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("mattermost: signing key: %w", err)
	}
	return key, nil
}
