package mattermost

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/kipina/kipina/bot/chat"
	"github.com/mattermost/mattermost/server/public/model"
)

// The buttons of a direct message, an ephemeral post and a command's answer
// answer only the person they were shown to: a click forged with another
// user_id is refused before the core sees it. Channel buttons stay open to
// the channel. Ephemeral buttons live a day, posts' buttons 30 days.
func TestActionBoundToUser(t *testing.T) {
	f := newFake()
	f.ephemOK = true
	f.users["u2"] = &model.User{Id: "u2", Username: "eve"}
	clk := newClock()
	a := newTestAdapter(t, f, clk.Now)
	rec := &recorder{resp: chat.Response{Reply: &chat.Message{Text: "ok"}}}
	h := a.Handler(rec)
	msg := chat.Message{Text: "score", Controls: []chat.Control{{Kind: chat.Button, ID: "score:H0001", Label: "Score"}}}
	ctx := context.Background()
	nina := chat.UserRef{Platform: Name, Workspace: "ws1", User: "u1"}

	dm, err := a.Post(ctx, chat.DM(nina), msg)
	if err != nil {
		t.Fatal(err)
	}
	dmCtx := f.posts[dm.ID].Attachments()[0].Actions[0].Integration.Context
	ch := model.NewId()
	pub, err := a.Post(ctx, chat.Address{Platform: Name, Workspace: "ws1", Channel: ch}, msg)
	if err != nil {
		t.Fatal(err)
	}
	pubCtx := f.posts[pub.ID].Attachments()[0].Actions[0].Integration.Context

	// The answer to a slash command with buttons is bound too.
	rec.resp = chat.Response{Reply: &msg}
	tok := a.byWS["ws1"].cmdToken
	w := serve(h, commandRequest(tok, tok, "jury"))
	var out model.CommandResponse
	if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil || len(out.Attachments) != 1 {
		t.Fatalf("command answer %d %s", w.Code, w.Body)
	}
	cmdCtx := out.Attachments[0].Actions[0].Integration.Context
	rec.resp = chat.Response{Reply: &chat.Message{Text: "ok"}}

	click := func(c map[string]any, channel, user string) int {
		b, _ := json.Marshal(model.PostActionIntegrationRequest{UserId: user, ChannelId: channel, TeamId: "team1", PostId: "p", Context: c})
		return serve(h, httptest.NewRequest("POST", PathAction, bytes.NewReader(b))).Code
	}
	for _, c := range []struct {
		name          string
		ctx           map[string]any
		channel, user string
		want          int
	}{
		{"DM button clicked as another user", dmCtx, dm.Channel, "u2", http.StatusForbidden},
		{"command answer clicked as another user", cmdCtx, "ch1", "u2", http.StatusForbidden},
		{"DM button stripped of its user", func() map[string]any {
			c := map[string]any{}
			for k, v := range dmCtx {
				c[k] = v
			}
			delete(c, ctxUser)
			return c
		}(), dm.Channel, "u2", http.StatusForbidden},
		{"DM button by its user", dmCtx, dm.Channel, "u1", http.StatusOK},
		{"command answer by its user", cmdCtx, "ch1", "u1", http.StatusOK},
		{"channel button by anyone", pubCtx, ch, "u2", http.StatusOK},
	} {
		if code := click(c.ctx, c.channel, c.user); code != c.want {
			t.Errorf("%s: status %d, want %d", c.name, code, c.want)
		}
	}
	for _, e := range rec.events {
		if ac, ok := e.(*chat.Action); ok && ac.User.User == "u2" && ac.Message.Channel != ch {
			t.Fatalf("a forged click reached the core: %+v", ac)
		}
	}

	clk.add(25 * time.Hour)
	if code := click(cmdCtx, "ch1", "u1"); code != http.StatusForbidden {
		t.Errorf("command answer's button a day later: %d, want 403", code)
	}
	if code := click(dmCtx, dm.Channel, "u1"); code != http.StatusOK {
		t.Errorf("DM button a day later: %d, want 200", code)
	}
	clk.add(30 * 24 * time.Hour)
	if code := click(dmCtx, dm.Channel, "u1"); code != http.StatusForbidden {
		t.Errorf("DM button 31 days later: %d, want 403", code)
	}
}
