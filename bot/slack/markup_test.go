package slack

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/kipina/kipina/bot/chat"
)

// Applicant text reaches Slack as text: <@U…>, <!channel>, @U… and &, <, >
// are escaped; only the mention the bot built is live.
func TestMarkupInApplicantText(t *testing.T) {
	f := newFakeSlack(t)
	a := newAdapter(t, f, nil)
	company := "Evil <@U999> <!channel> @U998 & <https://x.example|Open> Oy"
	msg := chat.Message{Text: "*Uusi hakemus* H0001: " + company + " — lähettäjä " + chat.Mention(chat.UserRef{Platform: "slack", Workspace: "tampere", User: "UAPP"}),
		Controls: []chat.Control{{Kind: chat.Button, ID: "app:H0001", Label: "Avaa " + company}}}
	if _, err := a.Post(context.Background(), chat.Address{Platform: "slack", Workspace: "tampere", Channel: "C1"}, msg); err != nil {
		t.Fatal(err)
	}
	p := f.waitCall("chat.postMessage", 1)
	// The notification text and the mrkdwn of the blocks; plain_text
	// (the button's label) is never parsed by Slack.
	var blocks []struct {
		Text struct{ Type, Text string } `json:"text"`
	}
	if err := json.Unmarshal([]byte(p.Form.Get("blocks")), &blocks); err != nil {
		t.Fatal(err)
	}
	texts := []string{p.Form.Get("text")}
	for _, b := range blocks {
		if b.Text.Type == "mrkdwn" {
			texts = append(texts, b.Text.Text)
		}
	}
	if len(texts) != 2 {
		t.Fatalf("blocks %s", p.Form.Get("blocks"))
	}
	for field, got := range texts {
		for _, bad := range []string{"<@U999>", "<!channel>", "<@U998>", "<https://x.example", "\u2063"} {
			if strings.Contains(got, bad) {
				t.Errorf("text %d holds %q: %s", field, bad, got)
			}
		}
		for _, want := range []string{"&lt;@U999&gt;", "&lt;!channel&gt;", "&amp;", "<@UAPP>"} {
			if !strings.Contains(got, want) {
				t.Errorf("text %d lacks %q: %s", field, want, got)
			}
		}
	}
	if got := mrkdwn(chat.MentionID("channel")); got != "@channel" {
		t.Errorf("a mention of a name that is no user id: %q", got)
	}
}
