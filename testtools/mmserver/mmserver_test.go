package mmserver

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

// received is one request the Mattermost server made to our fake bot endpoint.
type received struct {
	path, auth, contentType string
	form                    url.Values
	body                    []byte
}

// TestServerSmoke proves the whole path the Mattermost adapter needs against a
// real server: bot account and token, a slash command delivered to a loopback
// HTTP endpoint with "Authorization: Token <command token>", an interactive
// dialog opened with the command's trigger id and submitted back, and a
// message button whose click reaches the integration URL.
func TestServerSmoke(t *testing.T) {
	start := time.Now()
	s := Start(t)
	started := time.Now()

	adminTok := s.CreateAdmin(t, "kipina-admin", "Admin-pass-123!")
	teamID := s.CreateTeam(t, adminTok, "kipina-e2e", "Kipina E2E")
	aliceID := s.CreateUser(t, adminTok, "alice", "Alice-pass-123!")
	s.AddToTeam(t, adminTok, teamID, aliceID)
	aliceTok := s.Login(t, "alice", "Alice-pass-123!")
	botID, botTok := s.CreateBot(t, adminTok, "kipina-bot")
	s.AddToTeam(t, adminTok, teamID, botID)
	channelID := s.ChannelID(t, aliceTok, teamID, "town-square")

	// The bot's token works.
	var me User
	s.MustGet(t, "/api/v4/users/me", botTok, &me)
	if me.ID != botID || !me.IsBot {
		t.Fatalf("users/me with the bot token = %+v, want bot %s", me, botID)
	}

	// Our fake bot endpoint, on 127.0.0.1.
	got := make(chan received, 10)
	bot := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rec := received{path: r.URL.Path, auth: r.Header.Get("Authorization"), contentType: r.Header.Get("Content-Type"), body: body}
		if strings.HasPrefix(rec.contentType, "application/x-www-form-urlencoded") {
			rec.form, _ = url.ParseQuery(string(body))
		}
		got <- rec
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/command":
			io.WriteString(w, `{"response_type":"ephemeral","text":"pong `+rec.form.Get("text")+`"}`)
		case "/dialog":
			io.WriteString(w, `{"errors":{"answer":"try again"}}`)
		case "/action":
			io.WriteString(w, `{"ephemeral_text":"clicked","update":{"message":"approved"}}`)
		default:
			http.NotFound(w, r)
		}
	}))
	defer bot.Close()
	next := func(what string) received {
		t.Helper()
		select {
		case r := <-got:
			return r
		case <-time.After(90 * time.Second): // only a wait: a loaded CI machine is slow
			t.Fatalf("%s: the server did not call our endpoint within 90 s", what)
			return received{}
		}
	}

	// Slash command, created with the bot's own token (the adapter does this
	// at startup). A plain bot gets 403 there: it needs manage_slash_commands,
	// which team_admin has. The trigger is unique so that the test can rerun
	// against a reused server (KIPINA_MM_URL).
	s.SetTeamRoles(t, adminTok, teamID, botID, "team_user team_admin")
	trigger := fmt.Sprintf("kipina%d", time.Now().UnixNano()%1e9)
	var cmd struct {
		ID    string `json:"id"`
		Token string `json:"token"`
	}
	s.MustCall(t, "POST", "/api/v4/commands", botTok, map[string]any{
		"team_id":       teamID,
		"trigger":       trigger,
		"method":        "P",
		"url":           bot.URL + "/command",
		"display_name":  "Kipina",
		"description":   "Kipina bot",
		"auto_complete": true,
	}, &cmd)
	t.Cleanup(func() { s.Call("DELETE", "/api/v4/commands/"+cmd.ID, botTok, nil, nil) })
	if len(cmd.Token) != 26 {
		t.Fatalf("command token %q, want 26 chars", cmd.Token)
	}

	var cmdResp struct {
		Text         string `json:"text"`
		ResponseType string `json:"response_type"`
		TriggerID    string `json:"trigger_id"`
	}
	s.MustCall(t, "POST", "/api/v4/commands/execute", aliceTok, map[string]string{
		"channel_id": channelID,
		"team_id":    teamID,
		"command":    "/" + trigger + " hello world",
	}, &cmdResp)
	req := next("slash command")
	if req.path != "/command" || req.auth != "Token "+cmd.Token {
		t.Fatalf("slash command request: path %q, Authorization %q; want /command, %q", req.path, req.auth, "Token "+cmd.Token)
	}
	f := req.form
	if f.Get("token") != cmd.Token || f.Get("text") != "hello world" || f.Get("command") != "/"+trigger ||
		f.Get("user_id") != aliceID || f.Get("channel_id") != channelID || f.Get("team_id") != teamID ||
		f.Get("trigger_id") == "" || f.Get("response_url") == "" {
		t.Fatalf("slash command form fields: %v", f)
	}
	if cmdResp.Text != "pong hello world" {
		t.Fatalf("execute answered %+v, want text %q", cmdResp, "pong hello world")
	}

	// Interactive dialog: the bot opens it with the trigger id it received;
	// the user's client submits it; our endpoint answers with a field error.
	s.MustCall(t, "POST", "/api/v4/actions/dialogs/open", botTok, map[string]any{
		"trigger_id": f.Get("trigger_id"),
		"url":        bot.URL + "/dialog",
		"dialog": map[string]any{
			"callback_id":  "cb1",
			"title":        "Kipina",
			"submit_label": "Send",
			"state":        "st1",
			"elements": []map[string]any{
				{"display_name": "Answer", "name": "answer", "type": "text"},
			},
		},
	}, nil)
	var dlgResp struct {
		Errors map[string]string `json:"errors"`
	}
	s.MustCall(t, "POST", "/api/v4/actions/dialogs/submit", aliceTok, map[string]any{
		"url":         bot.URL + "/dialog",
		"callback_id": "cb1",
		"state":       "st1",
		"channel_id":  channelID,
		"team_id":     teamID,
		"submission":  map[string]any{"answer": "42"},
	}, &dlgResp)
	req = next("dialog submission")
	var sub struct {
		Type       string         `json:"type"`
		CallbackID string         `json:"callback_id"`
		State      string         `json:"state"`
		UserID     string         `json:"user_id"`
		Submission map[string]any `json:"submission"`
	}
	if err := json.Unmarshal(req.body, &sub); err != nil || req.path != "/dialog" {
		t.Fatalf("dialog submission: path %q body %s: %v", req.path, req.body, err)
	}
	if sub.CallbackID != "cb1" || sub.State != "st1" || sub.UserID != aliceID || sub.Submission["answer"] != "42" {
		t.Fatalf("dialog submission = %+v", sub)
	}
	if dlgResp.Errors["answer"] != "try again" {
		t.Fatalf("dialog submit answered %+v, want the field error", dlgResp)
	}

	// Message button: the bot posts it, the user clicks it.
	var post struct {
		ID    string `json:"id"`
		Props struct {
			Attachments []struct {
				Actions []struct {
					ID string `json:"id"`
				} `json:"actions"`
			} `json:"attachments"`
		} `json:"props"`
	}
	s.MustCall(t, "POST", "/api/v4/posts", botTok, map[string]any{
		"channel_id": channelID,
		"message":    "approve?",
		"props": map[string]any{"attachments": []map[string]any{{
			"text": "choose",
			"actions": []map[string]any{{
				"id": "approve", "name": "Approve", "type": "button",
				"integration": map[string]any{"url": bot.URL + "/action", "context": map[string]any{"k": "v"}},
			}},
		}}},
	}, &post)
	if len(post.Props.Attachments) != 1 || len(post.Props.Attachments[0].Actions) != 1 {
		t.Fatalf("created post has no action: %+v", post)
	}
	actionID := post.Props.Attachments[0].Actions[0].ID
	s.MustCall(t, "POST", "/api/v4/posts/"+post.ID+"/actions/"+actionID, aliceTok, map[string]any{}, nil)
	req = next("button click")
	var click struct {
		UserID  string         `json:"user_id"`
		PostID  string         `json:"post_id"`
		Context map[string]any `json:"context"`
	}
	if err := json.Unmarshal(req.body, &click); err != nil || req.path != "/action" {
		t.Fatalf("button click: path %q body %s: %v", req.path, req.body, err)
	}
	if click.UserID != aliceID || click.PostID != post.ID || click.Context["k"] != "v" {
		t.Fatalf("button click = %+v", click)
	}
	var updated struct {
		Message string `json:"message"`
	}
	s.MustGet(t, "/api/v4/posts/"+post.ID, aliceTok, &updated)
	if updated.Message != "approved" {
		t.Fatalf("post after the click: message %q, want %q", updated.Message, "approved")
	}

	t.Logf("server start %s, scenario %s", started.Sub(start).Round(time.Millisecond), time.Since(started).Round(time.Millisecond))
}

// TestGetRetriesTransient needs no Mattermost: Get retries 5xx answers (a
// loaded server's query timeouts) but returns a 4xx at once.
func TestGetRetriesTransient(t *testing.T) {
	var calls int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		switch {
		case r.URL.Path == "/missing":
			w.WriteHeader(http.StatusNotFound)
			io.WriteString(w, `{"id":"app.missing","message":"no"}`)
		case calls <= 2:
			w.WriteHeader(http.StatusInternalServerError)
			io.WriteString(w, `{"id":"app.post.get_root_posts.app_error","message":"busy"}`)
		default:
			io.WriteString(w, `{"id":"ok"}`)
		}
	}))
	defer srv.Close()
	s := &Server{URL: srv.URL}
	var got struct{ ID string }
	if err := s.Get("/posts", "", &got); err != nil || got.ID != "ok" || calls != 3 {
		t.Fatalf("Get = %v, %+v after %d calls; want ok after 3", err, got, calls)
	}
	calls = 0
	var apiErr *APIError
	if err := s.Get("/missing", "", nil); !errors.As(err, &apiErr) || apiErr.Status != 404 || calls != 1 {
		t.Fatalf("Get of a 404 = %v after %d calls; want the 404 at once", err, calls)
	}
}
