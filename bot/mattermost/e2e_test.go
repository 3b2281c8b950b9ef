package mattermost

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kipina/kipina/bot"
	"github.com/kipina/kipina/bot/call"
	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/bot/export"
	"github.com/kipina/kipina/bot/jury"
	"github.com/kipina/kipina/configs"
	"github.com/kipina/kipina/storage"
	"github.com/kipina/kipina/testtools/mmserver"
	"github.com/mattermost/mattermost/server/public/model"
)

// e2e is the state of the end-to-end scenario.
type e2e struct {
	t       *testing.T
	s       *mmserver.Server
	admin   string // admin session token
	teamID  string
	town    string // town-square channel id
	botID   string
	botTok  string
	port    int
	secret  []byte
	db      *storage.DB
	cfg     *configs.Config
	adapter *Adapter
	stop    func()
	proxy   *proxy // between the bot and the server, to take the server away
}

// TestEndToEnd drives the call → application flow through a real Mattermost
// server: slash commands, a button, a dialog with field errors, the
// confirmation DM, refused forgeries, file uploads (a CSV, and the export
// an organiser asks for) and a restart; then the jury flow on the
// application (see juryFlow).
func TestEndToEnd(t *testing.T) {
	begin := time.Now()
	s := mmserver.Start(t)
	started := time.Now()
	e := &e2e{t: t, s: s, secret: []byte("0123456789abcdef-e2e-secret"), stop: func() {}}
	suffix := fmt.Sprint(time.Now().UnixNano() % 1e6) // a reused server (KIPINA_MM_URL) gets fresh names
	e.admin = s.CreateAdmin(t, "kipina-admin", "Admin-pass-123!")
	e.teamID = s.CreateTeam(t, e.admin, "tampere-"+suffix, "Tampere")
	users := map[string]string{}
	tokens := map[string]string{}
	for _, name := range []string{"nina", "yritys", "juri"} {
		uname := name + suffix
		users[name] = s.CreateUser(t, e.admin, uname, "Pass-word-123!")
		s.AddToTeam(t, e.admin, e.teamID, users[name])
		tokens[name] = s.Login(t, uname, "Pass-word-123!")
	}
	e.botID, e.botTok = s.CreateBot(t, e.admin, "kipina-bot-"+suffix)
	s.AddToTeam(t, e.admin, e.teamID, e.botID)
	s.SetTeamRoles(t, e.admin, e.teamID, e.botID, "team_user team_admin")
	e.town = s.ChannelID(t, tokens["nina"], e.teamID, "town-square")
	e.port = freePort(t)
	e.proxy = newProxy(t, strings.TrimPrefix(s.URL, "http://"))
	e.cfg = configs.Default()
	e.cfg.Workspaces = append(e.cfg.Workspaces, configs.Workspace{
		ID: "tre", Name: "Tampere", Platform: Name, Organisers: []string{users["nina"]}, Language: "en",
		Mattermost: &configs.MattermostSettings{URL: s.URL, TeamName: "tampere-" + suffix},
	})
	var err error
	if e.db, err = storage.Open(filepath.Join(t.TempDir(), "k.db")); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.db.Close() })
	t.Cleanup(func() { e.stop() }) // before the server stops (cleanups run last first)
	e.start()
	if n := e.commands(); n != 1 {
		t.Fatalf("the team has %d /kipina commands, want 1", n)
	}
	dialogs := openDialogs(t, s.URL, tokens["yritys"])

	t.Run("command with a wrong token is refused", func(t *testing.T) {
		form := url.Values{"token": {"wrongwrongwrongwrongwrong1"}, "team_id": {e.teamID}, "user_id": {users["nina"]},
			"channel_id": {e.town}, "text": {"whoami"}}
		req, _ := http.NewRequest("POST", e.callback()+PathCommand, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Authorization", "Token wrongwrongwrongwrongwrong1")
		if code := do(t, req); code != http.StatusForbidden {
			t.Fatalf("status %d, want 403", code)
		}
	})

	t.Run("mention normalised to the user id", func(t *testing.T) {
		text := e.execute(tokens["nina"], "/kipina organiser add @juri"+suffix)
		if !strings.Contains(text, users["juri"]) {
			t.Fatalf("reply %q does not name juri's id %s", text, users["juri"])
		}
	})

	var callPost string
	t.Run("organiser opens the call in the channel", func(t *testing.T) {
		text := e.executeConfirm(tokens["nina"], users["nina"], "/kipina call open kipina-2017", "call-post:kipina-2017")
		if text == "" {
			t.Fatal("no reply to call open")
		}
		callPost = e.waitPost(tokens["nina"], e.town, func(p *model.Post) bool { return len(p.Attachments()) > 0 })
	})
	if callPost == "" {
		t.FailNow()
	}

	var dlg model.OpenDialogRequest
	t.Run("apply button opens the dialog", func(t *testing.T) {
		e.click(tokens["yritys"], callPost)
		dlg = nextDialog(t, dialogs)
		if !strings.HasPrefix(dlg.Dialog.CallbackId, "apply:kipina-2017") || dlg.URL != e.callback()+PathDialog {
			t.Fatalf("dialog %q at %q", dlg.Dialog.CallbackId, dlg.URL)
		}
	})
	if dlg.Dialog.CallbackId == "" {
		t.FailNow()
	}
	good := map[string]any{"company": "Pajakulma Oy", "business_id": "1572860-0", "contact_name": "Yrjö Yrittäjä",
		"email": "yrjo@pajakulma.fi", "summary": "Sensors that tell when a bus stop shelter needs cleaning.",
		"secrets": false, "consent": true}
	for _, el := range dlg.Dialog.Elements {
		if el.Type == "select" && good[el.Name] == nil && len(el.Options) > 0 {
			good[el.Name] = el.Options[0].Value
		}
	}

	t.Run("bad fields keep the dialog open with errors", func(t *testing.T) {
		bad := map[string]any{}
		for k, v := range good {
			bad[k] = v
		}
		bad["business_id"], bad["email"] = "1234567-8", "not-an-address"
		errs := e.submit(tokens["yritys"], dlg, bad)
		if errs["business_id"] == "" || errs["email"] == "" || len(errs) != 2 {
			t.Fatalf("errors %v, want business_id and email", errs)
		}
	})

	t.Run("good submission is confirmed by DM", func(t *testing.T) {
		if errs := e.submit(tokens["yritys"], dlg, good); len(errs) > 0 {
			t.Fatalf("errors %v", errs)
		}
		dm := e.dm(tokens["yritys"], users["yritys"])
		e.waitPost(tokens["yritys"], dm, func(p *model.Post) bool { return p.UserId == e.botID && p.GetProp(PropMessageID) != nil })
	})

	t.Run("tampered dialog state is refused", func(t *testing.T) {
		sub := model.SubmitDialogRequest{CallbackId: dlg.Dialog.CallbackId, State: dlg.Dialog.State + "x",
			UserId: users["yritys"], ChannelId: e.town, TeamId: e.teamID, Submission: good}
		if code := e.post(PathDialog, sub); code != http.StatusForbidden {
			t.Fatalf("status %d, want 403", code)
		}
		sub.State, sub.UserId = dlg.Dialog.State, users["juri"] // someone else's dialog
		if code := e.post(PathDialog, sub); code != http.StatusForbidden {
			t.Fatalf("status %d, want 403", code)
		}
	})

	t.Run("forged and expired actions are refused", func(t *testing.T) {
		a := action{ID: "apply:kipina-2017", Workspace: "tre", Channel: e.town}
		req := model.PostActionIntegrationRequest{UserId: users["juri"], ChannelId: e.town, TeamId: e.teamID, PostId: callPost}
		for name, ctx := range map[string]map[string]any{
			"no signature": {ctxAction: a.ID, ctxWorkspace: "tre", ctxChannel: e.town},
			"forged":       e.adapter.sign.signAction(a, time.Hour),
			"expired":      e.adapter.sign.signAction(a, -time.Minute),
		} {
			if name == "forged" {
				ctx[ctxAction] = "withdraw-yes:A1"
			}
			req.Context = ctx
			if code := e.post(PathAction, req); code != http.StatusForbidden {
				t.Errorf("%s: status %d, want 403", name, code)
			}
		}
		req.Context = e.adapter.sign.signAction(a, time.Hour) // the same, correctly signed, passes
		if code := e.post(PathAction, req); code != http.StatusOK {
			t.Errorf("signed: status %d, want 200", code)
		}
	})

	t.Run("direct message gets an answer", func(t *testing.T) {
		dm := e.dm(tokens["juri"], users["juri"])
		e.s.MustCall(t, "POST", "/api/v4/posts", tokens["juri"], map[string]any{"channel_id": dm, "message": "hello bot"}, nil)
		e.waitPost(tokens["juri"], dm, func(p *model.Post) bool { return p.UserId == e.botID })
	})

	t.Run("a file arrives as an attachment in the organiser's DM", func(t *testing.T) {
		name, comment := "kipina-e2e-"+suffix+".csv", "Kipinä export: e2e "+suffix
		csv := []byte("Yritys;Y-tunnus\nPajakulma Oy;1572860-0\nÄänekosken Sähkö;2345678-9\n")
		nina := chat.DM(chat.UserRef{Platform: Name, Workspace: "tre", User: users["nina"]})
		ctx, cancel := context.WithTimeout(context.Background(), patience)
		defer cancel()
		// Retried as the core would a message: a loaded server may answer
		// 5xx for a moment. A refusal (ErrPermanent) fails at once.
		for {
			err := e.adapter.Upload(ctx, nina, chat.File{Name: name, Title: "e2e", Content: csv}, comment)
			if err == nil {
				break
			}
			if errors.Is(err, chat.ErrPermanent) || ctx.Err() != nil {
				t.Fatal(err)
			}
			t.Logf("upload, retrying: %v", err)
			time.Sleep(time.Second)
		}
		dm := e.dm(tokens["nina"], users["nina"])
		id := e.waitPost(tokens["nina"], dm, func(p *model.Post) bool { return p.Message == comment })
		e.checkFile(tokens["nina"], id, name, csv)
	})

	t.Run("export arrives as attachments in the organiser's DM", func(t *testing.T) {
		text := e.execute(tokens["nina"], "/kipina export kipina-2017")
		if !strings.Contains(text, "direct message") {
			t.Fatalf("reply %q does not say the files were sent", text)
		}
		dm := e.dm(tokens["nina"], users["nina"])
		id := e.waitPost(tokens["nina"], dm, func(p *model.Post) bool {
			return len(p.FileIds) == 1 && strings.Contains(p.Message, "Applications")
		})
		content := e.checkFile(tokens["nina"], id, "kipina-2017-applications.csv", nil)
		if !strings.Contains(string(content), "Pajakulma Oy") {
			t.Fatalf("the applications export lacks the application: %q", content)
		}
		e.waitPost(tokens["nina"], dm, func(p *model.Post) bool {
			return len(p.FileIds) == 1 && strings.Contains(p.Message, "kipina-2017.xlsx")
		})
	})

	t.Run("server away: outbox waits, websocket reconnects", func(t *testing.T) {
		reconnects := e.adapter.conns[0].connects.Load()
		dm := e.dm(tokens["juri"], users["juri"])
		botPosts := func(channel, token string) int {
			var list model.PostList
			e.s.MustGet(t, "/api/v4/channels/"+channel+"/posts?per_page=100", token, &list)
			n := 0
			for _, p := range list.Posts {
				if p.UserId == e.botID && (channel != e.town || len(p.Attachments()) > 0) {
					n++
				}
			}
			return n
		}
		calls := botPosts(e.town, tokens["nina"])
		e.proxy.setDown(true)
		if text := e.executeConfirm(tokens["nina"], users["nina"], "/kipina call open kipina-2017", "call-post:kipina-2017"); text == "" {
			t.Fatal("no reply to call open while the bot cannot reach the server")
		}
		time.Sleep(3 * time.Second) // the outbox fails at least once
		e.proxy.restore(t)
		// A loaded server may answer 500 for a while after losing its
		// clients mid-request; what follows checks the bot, not that.
		e.s.WaitHealthy(t, patience)
		waitFor(t, "the call post after the outage", func() bool { return botPosts(e.town, tokens["nina"]) == calls+1 })
		waitFor(t, "the websocket to reconnect", func() bool { return e.adapter.conns[0].connects.Load() > reconnects })
		replies := botPosts(dm, tokens["juri"])
		e.s.MustCall(t, "POST", "/api/v4/posts", tokens["juri"], map[string]any{"channel_id": dm, "message": "still there?"}, nil)
		waitFor(t, "an answer to a DM after the reconnect", func() bool { return botPosts(dm, tokens["juri"]) > replies })
	})

	t.Run("restart keeps one command and old buttons", func(t *testing.T) {
		e.stop()
		e.start()
		if n := e.commands(); n != 1 {
			t.Fatalf("after a restart the team has %d /kipina commands, want 1", n)
		}
		if text := e.execute(tokens["nina"], "/kipina whoami"); !strings.Contains(text, users["nina"]) {
			t.Fatalf("whoami after restart: %q", text)
		}
		// The old Apply button still works; an applicant who already
		// applied gets the application sent, to edit.
		e.click(tokens["yritys"], callPost)
		if d := nextDialog(t, dialogs); d.Dialog.CallbackId != "apply:edit" {
			t.Fatalf("dialog after restart %q, want the application to edit", d.Dialog.CallbackId)
		}
	})

	e.juryFlow(tokens, users, suffix)
	t.Logf("e2e: server start %s, scenario %s", started.Sub(begin).Round(time.Millisecond), time.Since(started).Round(time.Millisecond))
}

// start builds a new adapter and bot on the same store and runs them.
func (e *e2e) start() {
	t := e.t
	ws := e.cfg.Workspaces[len(e.cfg.Workspaces)-1]
	a, err := New(Options{
		Workspaces: []Workspace{{ID: ws.ID, ServerURL: e.proxy.url(), TeamName: ws.Mattermost.TeamName, Token: e.botTok}},
		Listen:     fmt.Sprintf("127.0.0.1:%d", e.port), CallbackURL: e.callback(), Secret: e.secret,
	})
	if err != nil {
		t.Fatal(err)
	}
	b, err := bot.New(bot.Options{Config: e.cfg, DB: e.db, Platforms: []chat.Platform{a}}, call.Module{}, export.Module{}, jury.Module{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx) }()
	e.adapter = a
	e.stop = func() {
		e.stop = func() {}
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("bot.Run: %v", err)
			}
		case <-time.After(patience):
			t.Errorf("bot.Run did not return within %s of its cancellation", patience)
		}
	}
	// The adapter retries an unreachable or failing server with backoff
	// (up to a minute between attempts): wait long enough for that.
	select {
	case <-a.Started():
	case err := <-done:
		done <- err // for e.stop
		t.Fatalf("bot stopped: %v", err)
	case <-time.After(patience):
		t.Fatalf("adapter not ready in %s", patience)
	}
	// The start-up self-check: the server reaches the callback.
	deadline := time.Now().Add(patience)
	for errors.Is(a.Reachable(), errNotChecked) && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if err := a.Reachable(); err != nil {
		t.Fatalf("self-check: %v", err)
	}
}

func (e *e2e) callback() string { return fmt.Sprintf("http://127.0.0.1:%d", e.port) }

// commands counts the team's /kipina commands.
func (e *e2e) commands() int {
	var cmds []model.Command
	e.s.MustGet(e.t, "/api/v4/commands?custom_only=true&team_id="+e.teamID, e.admin, &cmds)
	n := 0
	for _, c := range cmds {
		if c.Trigger == Trigger && c.DeleteAt == 0 {
			n++
		}
	}
	return n
}

// execute runs a slash command as a user in town-square and returns the
// ephemeral reply.
func (e *e2e) execute(token, command string) string {
	var resp model.CommandResponse
	e.s.MustCall(e.t, "POST", "/api/v4/commands/execute", token,
		map[string]string{"channel_id": e.town, "team_id": e.teamID, "command": command}, &resp)
	return resp.Text
}

// click presses the first button of a post as a user.
func (e *e2e) click(token, postID string) {
	var p model.Post
	e.s.MustGet(e.t, "/api/v4/posts/"+postID, token, &p)
	att := p.Attachments()
	if len(att) == 0 || len(att[0].Actions) == 0 {
		e.t.Fatalf("post %s has no button", postID)
	}
	e.s.MustCall(e.t, "POST", "/api/v4/posts/"+postID+"/actions/"+att[0].Actions[0].Id, token, map[string]any{}, nil)
}

// submit sends a dialog through the server as the user and returns the
// field errors.
func (e *e2e) submit(token string, d model.OpenDialogRequest, sub map[string]any) map[string]string {
	var resp model.SubmitDialogResponse
	e.s.MustCall(e.t, "POST", "/api/v4/actions/dialogs/submit", token, map[string]any{
		"url": d.URL, "callback_id": d.Dialog.CallbackId, "state": d.Dialog.State,
		"channel_id": e.town, "team_id": e.teamID, "submission": sub}, &resp)
	return resp.Errors
}

// dm returns the direct channel of a user with the bot.
func (e *e2e) dm(token, user string) string {
	var ch model.Channel
	e.s.MustCall(e.t, "POST", "/api/v4/channels/direct", token, []string{user, e.botID}, &ch)
	return ch.Id
}

// waitPost waits for a post in a channel that ok accepts and returns its id.
func (e *e2e) waitPost(token, channel string, ok func(*model.Post) bool) string {
	e.t.Helper()
	deadline := time.Now().Add(patience)
	for time.Now().Before(deadline) {
		var list model.PostList
		// A direct channel the user and the bot opened at the same moment
		// may answer 403 for a moment: retry until the deadline. (Get
		// itself retries 5xx and network errors.)
		if err := e.s.Get("/api/v4/channels/"+channel+"/posts?per_page=30", token, &list); err != nil {
			e.t.Logf("read posts: %v", err)
		}
		for _, id := range list.Order {
			if p := list.Posts[id]; p != nil && p.UserId == e.botID && ok(p) {
				return id
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	e.t.Fatalf("no matching post of the bot in channel %s within %s", channel, patience)
	return ""
}

// checkFile checks that post postID carries one file named name, reads it
// back through the API as the user and returns its content; with want
// non-nil the content must be want.
func (e *e2e) checkFile(token, postID, name string, want []byte) []byte {
	t := e.t
	t.Helper()
	var p model.Post
	e.s.MustGet(t, "/api/v4/posts/"+postID, token, &p)
	if len(p.FileIds) != 1 {
		t.Fatalf("post %s has files %v, want one", postID, p.FileIds)
	}
	if md := p.Metadata; md == nil || len(md.Files) != 1 || md.Files[0].Name != name {
		t.Fatalf("post %s metadata %+v, want the file %s", postID, md, name)
	}
	var info model.FileInfo
	e.s.MustGet(t, "/api/v4/files/"+p.FileIds[0]+"/info", token, &info)
	if info.Name != name || info.PostId != postID || info.ChannelId != p.ChannelId || info.CreatorId != e.botID {
		t.Fatalf("file info %+v, want %s of the bot on post %s", info, name, postID)
	}
	content := e.download(token, p.FileIds[0])
	if want != nil && !bytes.Equal(content, want) {
		t.Fatalf("file %s holds %q, want %q", name, content, want)
	}
	if info.Size != int64(len(content)) {
		t.Fatalf("file %s: info says %d bytes, download gave %d", name, info.Size, len(content))
	}
	return content
}

// download reads a file's bytes (GET /api/v4/files/{id}) as the user,
// retrying network errors and 5xx answers as mmserver.Get does.
func (e *e2e) download(token, fileID string) []byte {
	t := e.t
	t.Helper()
	deadline := time.Now().Add(mmserver.ReadPatience)
	wait := 250 * time.Millisecond
	for {
		b, status, err := get(e.s.URL+"/api/v4/files/"+fileID, token)
		switch {
		case err == nil && status == http.StatusOK:
			return b
		case err == nil && status < 500:
			t.Fatalf("download file %s: HTTP %d: %s", fileID, status, b)
		case time.Now().Add(wait).After(deadline):
			t.Fatalf("download file %s: HTTP %d, %v (retried for %s)", fileID, status, err, mmserver.ReadPatience)
		}
		time.Sleep(wait)
		wait = min(2*wait, 5*time.Second)
	}
}

func get(u, token string) ([]byte, int, error) {
	req, err := http.NewRequest("GET", u, nil)
	if err != nil {
		return nil, 0, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("X-Requested-With", "XMLHttpRequest")
	resp, err := (&http.Client{Timeout: 60 * time.Second}).Do(req)
	if err != nil {
		return nil, 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return b, resp.StatusCode, err
}

// post sends a JSON request straight to the bot's endpoint, as an attacker
// who reached it would, and returns the status.
func (e *e2e) post(path string, body any) int {
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest("POST", e.callback()+path, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	return do(e.t, req)
}

func do(t *testing.T, req *http.Request) int {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func freePort(t *testing.T) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// openDialogs listens on a user's websocket for the dialogs the server asks
// the user's client to open.
func openDialogs(t *testing.T, serverURL, token string) <-chan model.OpenDialogRequest {
	ws, err := model.NewWebSocketClient4("ws"+strings.TrimPrefix(serverURL, "http"), token)
	if err != nil {
		t.Fatal(err)
	}
	ws.Listen()
	t.Cleanup(ws.Close)
	out := make(chan model.OpenDialogRequest, 10)
	go func() {
		for ev := range ws.EventChannel {
			if ev.EventType() != model.WebsocketEventOpenDialog {
				continue
			}
			var d model.OpenDialogRequest
			if s, _ := ev.GetData()["dialog"].(string); json.Unmarshal([]byte(s), &d) == nil {
				out <- d
			}
		}
	}()
	return out
}

func nextDialog(t *testing.T, c <-chan model.OpenDialogRequest) model.OpenDialogRequest {
	t.Helper()
	select {
	case d := <-c:
		return d
	case <-time.After(90 * time.Second):
		t.Fatal("no dialog opened within 90 s")
		return model.OpenDialogRequest{}
	}
}
