package mattermost

import (
	"context"
	"strings"
	"testing"

	"github.com/kipina/kipina/bot/chat"
	"github.com/mattermost/mattermost/server/public/model"
)

// A company name holding @channel, @all, @here, a link and an image reaches
// the organisers' channel as text; only the bot's own mention is live, and
// the post cannot notify the whole channel.
func TestMarkupInApplicantText(t *testing.T) {
	f := newFake()
	a := newTestAdapter(t, f, nil)
	company := `@channel @all @here [link](https://x.example/) ![img](https://x.example/i.png) <https://x.example> \[x](y) Oy`
	sender := model.NewId()
	msg := chat.Message{Text: "*Uusi hakemus* H0001: " + company + " — lähettäjä " + chat.MentionID(sender) + ", a@b.fi",
		Controls: []chat.Control{{Kind: chat.Button, ID: "app:H0001", Label: "Avaa"}}}
	ch := model.NewId()
	ref, err := a.Post(context.Background(), chat.Address{Platform: Name, Workspace: "ws1", Channel: ch}, msg)
	if err != nil {
		t.Fatal(err)
	}
	p := f.posts[ref.ID]
	got := p.Message
	for _, bad := range []string{"@channel", "@all", "@here", "[link](", "![img](", "<https:", `\\[x](y)`, "\u2063"} {
		if strings.Contains(strings.ReplaceAll(got, `\<`, ""), bad) { // \< is an escaped <
			t.Errorf("post holds %q live: %q", bad, got)
		}
	}
	for _, want := range []string{"**Uusi hakemus**", "@" + sender, "a@b.fi", `\[link\](https://x.example/)`, `!\[img\]`} {
		if !strings.Contains(got, want) {
			t.Errorf("post lacks %q: %q", want, got)
		}
	}
	if v, _ := p.GetProp(model.PostPropsGroupHighlightDisabled).(bool); !v {
		t.Errorf("group mentions not disabled: %v", p.GetProps())
	}
	if got := markdown(chat.MentionID("channel")); strings.Contains(got, "@channel") {
		t.Errorf("a mention of a name that is no user id is live: %q", got)
	}
}
