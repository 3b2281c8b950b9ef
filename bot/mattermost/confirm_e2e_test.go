package mattermost

import (
	"bytes"
	"encoding/json"
	"net/http"
	"time"

	"github.com/mattermost/mattermost/server/public/model"
)

// executeConfirm runs a command that answers with a preview and a button
// (issue 15: /kipina call open previews the post), then presses the
// preview's first button as userID: the preview is an ephemeral answer,
// which has no post to click through the API, so this posts the button's
// signed context to the bot's action URL as the server does on a click.
// It returns the command's answer.
func (e *e2e) executeConfirm(token, userID, command, controlID string) string {
	e.t.Helper()
	var resp model.CommandResponse
	e.s.MustCall(e.t, "POST", "/api/v4/commands/execute", token,
		map[string]string{"channel_id": e.town, "team_id": e.teamID, "command": command}, &resp)
	if len(resp.Attachments) == 0 || len(resp.Attachments[0].Actions) == 0 {
		e.t.Fatalf("%s: no button in the answer %q", command, resp.Text)
	}
	// The server keeps a button's context to itself (it hands the client
	// a cookie), so the test signs the press as the bot signed the button:
	// bound to this user, as a click on an ephemeral answer is.
	ctx := e.adapter.sign.signAction(action{ID: controlID, Workspace: e.cfg.Workspaces[len(e.cfg.Workspaces)-1].ID, Channel: e.town, User: userID}, time.Hour)
	body, err := json.Marshal(model.PostActionIntegrationRequest{UserId: userID, ChannelId: e.town, TeamId: e.teamID, Context: ctx})
	if err != nil {
		e.t.Fatal(err)
	}
	req, err := http.NewRequest("POST", e.callback()+PathAction, bytes.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if code := do(e.t, req); code != http.StatusOK {
		e.t.Fatalf("%s: pressing the preview's button: status %d", command, code)
	}
	return resp.Text
}
