package mattermost

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kipina/kipina/bot/chat"
	"github.com/mattermost/mattermost/server/public/model"
)

// fakeAPI is an in-memory Mattermost: one team, commands, posts, users.
type fakeAPI struct {
	mu       sync.Mutex
	commands []*model.Command
	posts    map[string]*model.Post
	order    []string
	dialogs  []model.OpenDialogRequest
	users    map[string]*model.User
	ephemOK  bool
	failNext *model.Response // the next post fails with this status
	files    map[string]*fakeFile
	// failUpload lists the statuses the next uploads fail with, in turn.
	failUpload []*model.Response
	n          int
	byName     int // GetUserByUsername calls
	// refuseToken makes GetMe answer 401, as for a token id.
	refuseToken bool
	// missingChannels are channel names the team has not (404);
	// notMember are channel ids the bot is not a member of (404).
	missingChannels, notMember map[string]bool
	// refuseCommands makes ListCommands answer 403, as for a bot that is
	// not a team admin.
	refuseCommands bool
}

// fakeFile is an uploaded file and the post it was attached to.
type fakeFile struct {
	channel, name, post string
	data                []byte
}

func newFake() *fakeAPI {
	return &fakeAPI{posts: map[string]*model.Post{}, files: map[string]*fakeFile{}, users: map[string]*model.User{
		"u1": {Id: "u1", Username: "nina", FirstName: "Nina", LastName: "N", Email: "nina@x.fi", Locale: "fi",
			Timezone: model.StringMap{"useAutomaticTimezone": "false", "manualTimezone": "Europe/Helsinki", "automaticTimezone": "UTC"}},
	}}
}

func (f *fakeAPI) id() string { f.n++; return fmt.Sprintf("%026d", f.n) }

func notFound() (*model.Response, error) {
	return &model.Response{StatusCode: 404}, model.NewAppError("fake", "not_found", nil, "", 404)
}

func (f *fakeAPI) GetMe(context.Context, string) (*model.User, *model.Response, error) {
	if f.refuseToken {
		return nil, &model.Response{StatusCode: 401}, model.NewAppError("Client4", "api.context.session_expired.app_error", nil, "Invalid or expired session, please login again.", 401)
	}
	return &model.User{Id: "bot", Username: "kipina"}, nil, nil
}
func (f *fakeAPI) GetTeamByName(_ context.Context, name, _ string) (*model.Team, *model.Response, error) {
	if name != "tre" {
		r, err := notFound()
		return nil, r, err
	}
	return &model.Team{Id: "team1", Name: name}, nil, nil
}
func (f *fakeAPI) ListCommands(context.Context, string, bool) ([]*model.Command, *model.Response, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.refuseCommands {
		return nil, &model.Response{StatusCode: 403}, model.NewAppError("Client4", "api.context.permissions.app_error", nil, "You do not have the appropriate permissions.", 403)
	}
	var out []*model.Command
	for _, c := range f.commands {
		cp := *c
		out = append(out, &cp)
	}
	return out, nil, nil
}
func (f *fakeAPI) CreateCommand(_ context.Context, c *model.Command) (*model.Command, *model.Response, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	cp := *c
	cp.Id, cp.Token = f.id(), fmt.Sprintf("tok%023d", f.n)
	f.commands = append(f.commands, &cp)
	return &cp, nil, nil
}
func (f *fakeAPI) UpdateCommand(_ context.Context, c *model.Command) (*model.Command, *model.Response, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, old := range f.commands {
		if old.Id == c.Id {
			cp := *c
			cp.Token = old.Token
			f.commands[i] = &cp
			return &cp, nil, nil
		}
	}
	r, err := notFound()
	return nil, r, err
}
func (f *fakeAPI) OpenInteractiveDialog(_ context.Context, req model.OpenDialogRequest) (*model.Response, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.dialogs = append(f.dialogs, req)
	return nil, nil
}
func (f *fakeAPI) CreatePost(_ context.Context, p *model.Post) (*model.Post, *model.Response, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if r := f.failNext; r != nil {
		f.failNext = nil
		return nil, r, model.NewAppError("fake", "fail", nil, "", r.StatusCode)
	}
	cp := p.Clone()
	cp.Id, cp.UserId = f.id(), "bot"
	for _, id := range p.FileIds { // as the server: the bot's own unattached uploads to this channel
		if fl := f.files[id]; fl == nil || fl.channel != p.ChannelId || fl.post != "" {
			return nil, &model.Response{StatusCode: http.StatusBadRequest}, model.NewAppError("fake", "bad_file", nil, id, 400)
		}
		f.files[id].post = cp.Id
	}
	f.posts[cp.Id] = cp
	f.order = append([]string{cp.Id}, f.order...)
	return cp, nil, nil
}
func (f *fakeAPI) UploadFile(_ context.Context, data []byte, channel, name string) (*model.FileUploadResponse, *model.Response, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.failUpload) > 0 {
		r := f.failUpload[0]
		f.failUpload = f.failUpload[1:]
		return nil, r, model.NewAppError("fake", "upload_fail", nil, "", r.StatusCode)
	}
	id := f.id()
	f.files[id] = &fakeFile{channel: channel, name: name, data: append([]byte(nil), data...)}
	return &model.FileUploadResponse{FileInfos: []*model.FileInfo{{Id: id, ChannelId: channel, Name: name, Size: int64(len(data))}}}, nil, nil
}
func (f *fakeAPI) CreatePostEphemeral(_ context.Context, p *model.PostEphemeral) (*model.Post, *model.Response, error) {
	if !f.ephemOK {
		return nil, &model.Response{StatusCode: http.StatusForbidden}, model.NewAppError("fake", "forbidden", nil, "", 403)
	}
	return p.Post, nil, nil
}
func (f *fakeAPI) PatchPost(_ context.Context, id string, patch *model.PostPatch) (*model.Post, *model.Response, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p := f.posts[id]
	if p == nil {
		r, err := notFound()
		return nil, r, err
	}
	p.Patch(patch)
	return p, nil, nil
}
func (f *fakeAPI) GetTeamsForUser(context.Context, string, string) ([]*model.Team, *model.Response, error) {
	return []*model.Team{{Id: "team1", Name: "tre", DisplayName: "Tampere"}}, nil, nil
}

// ExecuteCommandWithTeam calls the command's URL as a server would: a
// form with the command's token, as user "bot"; a refused or failed call
// is the server's 500 "Command with a trigger of … failed".
func (f *fakeAPI) ExecuteCommandWithTeam(ctx context.Context, channel, team, command string) (*model.CommandResponse, *model.Response, error) {
	trigger, text, _ := strings.Cut(strings.TrimPrefix(command, "/"), " ")
	f.mu.Lock()
	var cmd *model.Command
	for _, c := range f.commands {
		if c.Trigger == trigger && c.TeamId == team {
			cmd = c
		}
	}
	f.mu.Unlock()
	if cmd == nil {
		r, err := notFound()
		return nil, r, err
	}
	form := url.Values{"token": {cmd.Token}, "team_id": {team}, "channel_id": {channel}, "user_id": {"bot"}, "text": {text}}
	req, err := http.NewRequestWithContext(ctx, "POST", cmd.URL, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "Token "+cmd.Token)
	resp, err := http.DefaultClient.Do(req)
	if err == nil {
		resp.Body.Close()
	}
	if err != nil || resp.StatusCode != 200 {
		return nil, &model.Response{StatusCode: 500}, model.NewAppError("command", "api.command.execute_command.failed.app_error", nil, fmt.Sprint(err), 500)
	}
	return &model.CommandResponse{Text: "ok"}, &model.Response{StatusCode: 200}, nil
}

func (f *fakeAPI) CreateDirectChannel(_ context.Context, a, b string) (*model.Channel, *model.Response, error) {
	return &model.Channel{Id: "dm" + a + b + fmt.Sprintf("%020d", 0)}, nil, nil
}
func (f *fakeAPI) GetChannelByName(_ context.Context, name, _, _ string) (*model.Channel, *model.Response, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.missingChannels[name] {
		r, err := notFound()
		return nil, r, err
	}
	return &model.Channel{Id: "channel-" + name}, nil, nil
}

// GetChannelMember knows the bot in every channel but those in notMember.
func (f *fakeAPI) GetChannelMember(_ context.Context, channel, user, _ string) (*model.ChannelMember, *model.Response, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.notMember[channel] {
		r, err := notFound()
		return nil, r, err
	}
	return &model.ChannelMember{ChannelId: channel, UserId: user}, nil, nil
}
func (f *fakeAPI) GetPostsForChannel(_ context.Context, ch string, _, _ int, _ string, _, _ bool) (*model.PostList, *model.Response, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	l := model.NewPostList()
	for _, id := range f.order {
		if p := f.posts[id]; p.ChannelId == ch {
			l.AddPost(p.Clone())
			l.AddOrder(id)
		}
	}
	return l, nil, nil
}
func (f *fakeAPI) GetUser(_ context.Context, id, _ string) (*model.User, *model.Response, error) {
	if u := f.users[id]; u != nil {
		return u, nil, nil
	}
	r, err := notFound()
	return nil, r, err
}
func (f *fakeAPI) GetUserByUsername(_ context.Context, name, _ string) (*model.User, *model.Response, error) {
	f.mu.Lock()
	f.byName++
	f.mu.Unlock()
	for _, u := range f.users {
		if u.Username == name {
			return u, nil, nil
		}
	}
	r, err := notFound()
	return nil, r, err
}
func (f *fakeAPI) GetUserByEmail(_ context.Context, email, _ string) (*model.User, *model.Response, error) {
	for _, u := range f.users {
		if u.Email == email {
			return u, nil, nil
		}
	}
	r, err := notFound()
	return nil, r, err
}
func (f *fakeAPI) GetTeamMember(_ context.Context, team, user, _ string) (*model.TeamMember, *model.Response, error) {
	return &model.TeamMember{TeamId: team, UserId: user}, nil, nil
}

// newTestAdapter returns an adapter on a fake whose setup has run (no
// websocket, no listener).
func newTestAdapter(t *testing.T, f *fakeAPI, now func() time.Time) *Adapter {
	t.Helper()
	a, err := New(Options{
		Workspaces: []Workspace{{ID: "ws1", ServerURL: "http://mm.test", TeamName: "tre", Token: "t"}},
		Listen:     "127.0.0.1:0", CallbackURL: "http://bot.test/", Secret: []byte("0123456789abcdef"),
		Now: now, newAPI: func(string, string) api { return f },
		Log: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.setupOnce(context.Background(), a.conns[0]); err != nil {
		t.Fatal(err)
	}
	return a
}

// recorder is a chat.Handler that records events and answers with resp.
type recorder struct {
	mu     sync.Mutex
	events []chat.Event
	resp   chat.Response
}

func (r *recorder) Handle(_ context.Context, e chat.Event) chat.Response {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
	return r.resp
}

func (r *recorder) last() chat.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.events) == 0 {
		return nil
	}
	return r.events[len(r.events)-1]
}
