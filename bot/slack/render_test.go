package slack

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/kipina/kipina/bot/chat"
)

func TestPlainTextMentions(t *testing.T) {
	for in, want := range map[string]string{
		"organiser add <@U123|nina> <@W456>":   "organiser add @U123 @W456",
		"see <#C1|kipina> <https://x.fi|site>": "see #C1 https://x.fi",
		"a &lt;b&gt; &amp; c":                  "a <b> & c",
	} {
		if got := plainText(in); got != want {
			t.Errorf("plainText(%q) = %q, want %q", in, got, want)
		}
	}
	if got := mrkdwn("*Hi* " + chat.MentionID("U123ABC") + " <x> & y @U9"); got != "*Hi* <@U123ABC> &lt;x&gt; &amp; y @U9" {
		t.Errorf("mrkdwn: %q", got)
	}
}

// TestModalRendering renders every field kind and reads the submission
// back as the core expects it.
func TestModalRendering(t *testing.T) {
	opts := []chat.Option{{Value: "a", Label: strings.Repeat("x", 100)}, {Value: "b", Label: "B"}}
	f := chat.Form{ID: "f:1", Title: "A title longer than twenty-four", Submit: "Send", State: "s", Intro: "Hello",
		Fields: []chat.Field{
			{ID: "t", Kind: chat.ShortText, Label: "T", Value: "v", MaxLen: 12},
			{ID: "l", Kind: chat.LongText, Label: "L"},
			{ID: "e", Kind: chat.Email, Label: "E", Optional: true},
			{ID: "u", Kind: chat.URL, Label: "U"},
			{ID: "n", Kind: chat.Number, Label: "N", Value: "1,5"},
			{ID: "s1", Kind: chat.SelectOne, Label: "S", Options: opts, Value: "b"},
			{ID: "sm", Kind: chat.SelectMany, Label: "M", Options: opts, Value: "a,b"},
			{ID: "yn", Kind: chat.YesNo, Label: "Y", Value: "no"},
			{ID: "d", Kind: chat.Date, Label: "D", Value: "24.12.2026"},
		}}
	m := modal(f, "sv-SE")
	raw, _ := json.Marshal(m)
	s := string(raw)
	for _, want := range []string{`"callback_id":"f:1"`, `"private_metadata":"s"`, `"text":"A title longer than twe…"`,
		`"type":"plain_text_input","action_id":"t","initial_value":"v","max_length":12`, `"multiline":true`,
		`"type":"email_text_input"`, `"type":"url_text_input"`, `"type":"number_input","is_decimal_allowed":true,"action_id":"n"`,
		`"initial_value":"1.5"`, `"type":"static_select"`, `"type":"multi_static_select"`, `"type":"radio_buttons"`,
		`"text":"Nej"`, `"type":"datepicker","action_id":"d"`, `"initial_date":"2026-12-24"`, `"optional":true`} {
		if !strings.Contains(s, want) {
			t.Errorf("modal lacks %s\n%s", want, s)
		}
	}
	if strings.Contains(s, strings.Repeat("x", 76)) {
		t.Error("option text not cut to 75 characters")
	}

	var v view
	json.Unmarshal([]byte(`{"callback_id":"f:1","state":{"values":{
		"sm":{"sm":{"type":"multi_static_select","selected_options":[{"value":"a"},{"value":"b"}]}},
		"d":{"d":{"type":"datepicker","selected_date":"2026-12-24"}},
		"yn":{"yn":{"type":"radio_buttons","selected_option":{"value":"yes"}}},
		"s1":{"s1":{"type":"static_select","selected_option":{"value":"b"}}},
		"t":{"t":{"type":"plain_text_input","value":"hei"}},
		"e":{"e":{"type":"email_text_input","value":null}}}}}`), &v)
	got := submittedValues(v)
	want := map[string]string{"sm": "a,b", "d": "2026-12-24", "yn": "yes", "s1": "b", "t": "hei", "e": ""}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("value %s = %q, want %q", k, got[k], w)
		}
	}
	if errs := f.Check(got); errs["sm"].ID != "" || errs["d"].ID != "" || errs["yn"].ID != "" {
		t.Errorf("the core refuses the adapter's values: %v", errs)
	}
}

func TestMessageBlocks(t *testing.T) {
	var ctrls []chat.Control
	for i := range 30 {
		ctrls = append(ctrls, chat.Control{Kind: chat.Button, ID: "b:" + string(rune('a'+i%26)), Label: "B", Style: "danger"})
	}
	ctrls = append(ctrls, chat.Control{Kind: chat.Select, ID: "pick", Label: "Pick", Options: []chat.Option{{Value: "1", Label: "One"}}, Value: "1"})
	blocks := messageBlocks(chat.Message{Text: strings.Repeat("rivi\n", 1000), Controls: ctrls})
	raw, _ := json.Marshal(blocks)
	s := string(raw)
	if n := strings.Count(s, `"type":"actions"`); n != 2 {
		t.Errorf("%d actions blocks for 31 controls, want 2", n)
	}
	if n := strings.Count(s, `"type":"section"`); n != 2 {
		t.Errorf("%d sections for 5000 characters, want 2", n)
	}
	for _, want := range []string{`"style":"danger"`, `"type":"static_select"`, `"initial_option":{"text":{"type":"plain_text","text":"One","emoji":false},"value":"1"}`} {
		if !strings.Contains(s, want) {
			t.Errorf("blocks lack %s", want)
		}
	}
}

func TestConfigErrorsNameTheVariable(t *testing.T) {
	for _, tc := range []struct {
		ws   Workspace
		want string
	}{
		{Workspace{WorkspaceID: "w", BotToken: "xoxp-1", AppToken: "xapp-1", BotTokenEnv: "BOT"}, "$BOT does not hold a bot token"},
		{Workspace{WorkspaceID: "w", BotToken: "xoxb-1", AppToken: "xoxb-2", AppTokenEnv: "APP"}, "$APP does not hold an app-level token"},
		{Workspace{WorkspaceID: "w", BotToken: "xoxb-1", AppTokenEnv: "APP"}, "set $APP"},
		{Workspace{WorkspaceID: "w", BotToken: "xoxb-1", Mode: HTTPMode, SigningSecretEnv: "SIG"}, "set $SIG"},
	} {
		_, err := New(Options{Workspaces: []Workspace{tc.ws}, Listen: ":0"})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want %q", tc.ws, err, tc.want)
		}
	}
}
