package mattermost

import (
	"encoding/json"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kipina/kipina/bot/bottest"
	"github.com/kipina/kipina/bot/jury"
	"github.com/kipina/kipina/bot/locale"
	"github.com/mattermost/mattermost/server/public/model"
)

// juryFlow drives the jury flow through the server, as TestEndToEnd's
// users would, on the application yritys submitted: the organiser (nina)
// adds juri to the jury, drafts an assignment of one review per
// application and publishes it with the confirm button of the ephemeral
// preview; juri scores the prompt in the bot's DM through the rubric
// dialog (first with a criterion missing: the dialog stays open with the
// error), and the prompt is rewritten with the scores; the organiser reads
// the results, shortlists the top one and confirms the decision; the
// prompt is closed and yritys gets the decision DM, once.
//
// The confirm buttons of an ephemeral command reply are not posts the API
// can read: they are clicked as the web client clicks them, with the
// encrypted cookie the server puts on each action of the ephemeral post it
// sends over the organiser's websocket.
func (e *e2e) juryFlow(tokens, users map[string]string, suffix string) {
	t := e.t
	nina := listenEphemerals(t, e.s.URL, tokens["nina"])
	juri := listenEphemerals(t, e.s.URL, tokens["juri"])
	juriDialogs := openDialogs(t, e.s.URL, tokens["juri"])
	// Expected texts from the catalogue: the workspace and juri read
	// English. Only fixed wording without markup the adapter rewrites
	// (*bold*, <, [, @) is compared.
	en := func(id string, kv ...any) string { return e2eCat.T("en", id, kv...) }
	upTo := func(id, cutAt string, kv ...any) string { return bottest.UpTo(e2eCat, "en", id, cutAt, kv...) }
	pieces := func(id string, keys []string, kv ...any) []string {
		return bottest.Pieces(e2eCat, "en", id, keys, kv...)
	}
	openState := upTo("jury.prompt.state.open", "Criteria")
	openHead, _, _ := strings.Cut(openState, ".") // its first sentence
	publishAsk := upTo("jury.publish.confirm", "Deadline", "Count", 1)
	preview := pieces("jury.decide.preview", []string{"Event"}, "Accepted", 1, "Declined", 0)[1]
	juriDM := e.dm(tokens["juri"], users["juri"])
	yritysDM := e.dm(tokens["yritys"], users["yritys"])

	ok := t.Run("jury: organiser adds a juror and drafts the assignment", func(t *testing.T) {
		text := e.execute(tokens["nina"], "/kipina jury add kipina-2017 @juri"+suffix)
		if !strings.Contains(text, pieces("jury.added", []string{"Users", "Event", "Targets"}, "Count", 1)[1]) || !strings.Contains(text, users["juri"]) {
			t.Fatalf("jury add: %q", text)
		}
		e.waitPost(tokens["juri"], juriDM, func(p *model.Post) bool {
			return strings.Contains(p.Message, upTo("jury.added.dm", "Event"))
		})
		text = e.execute(tokens["nina"], "/kipina jury assign kipina-2017 reviews=1")
		if !strings.Contains(text, upTo("jury.draft.head", "Event")) || !strings.Contains(text, en("jury.draft.publish_hint", "EventID", "kipina-2017")) {
			t.Fatalf("jury assign: %q", text)
		}
	})
	if !ok {
		t.FailNow()
	}

	ok = t.Run("jury: publish asks first, the confirm button publishes", func(t *testing.T) {
		text := e.execute(tokens["nina"], "/kipina jury publish kipina-2017")
		if !strings.Contains(text, publishAsk) {
			t.Fatalf("jury publish: %q", text)
		}
		ask := nina.wait(t, e.town, func(p *model.Post) bool {
			return strings.Contains(p.Message, publishAsk) && len(p.Attachments()) > 0
		})
		// Nothing reaches the juror before the button.
		if id := e.findPost(tokens["juri"], juriDM, func(p *model.Post) bool { return strings.Contains(p.Message, upTo("jury.list.dm", "Event")) }); id != "" {
			t.Fatalf("the juror got post %s before publishing was confirmed", id)
		}
		e.clickEphemeral(tokens["nina"], ask, en("jury.publish.button"))
		nina.wait(t, e.town, func(p *model.Post) bool {
			return strings.Contains(p.Message, upTo("jury.published", "Jurors", "Count", 1))
		})
	})
	if !ok {
		t.FailNow()
	}

	var prompt, app string
	ok = t.Run("jury: the juror gets the list and the prompt", func(t *testing.T) {
		e.waitPost(tokens["juri"], juriDM, func(p *model.Post) bool {
			return strings.Contains(p.Message, upTo("jury.list.dm", "Event")) &&
				strings.Contains(p.Message, pieces("jury.list.dm", []string{"Event", "Criteria", "Deadline"}, "Count", 1)[1])
		})
		prompt = e.waitPost(tokens["juri"], juriDM, func(p *model.Post) bool {
			return strings.Contains(p.Message, "Pajakulma Oy") && strings.Contains(p.Message, openState) && len(p.Attachments()) > 0
		})
		p := e.getPost(tokens["juri"], prompt)
		m := regexp.MustCompile(`(H\d{4}) Pajakulma Oy`).FindStringSubmatch(p.Message)
		if m == nil {
			t.Fatalf("prompt %q names no application", p.Message)
		}
		app = m[1]
		want := []string{en("jury.prompt.score.button"), en("jury.prompt.full.button"), en("jury.prompt.conflict.button"), en("jury.prompt.abstain.button")}
		if got := labels(p); strings.Join(got, "|") != strings.Join(want, "|") {
			t.Fatalf("prompt buttons %v", got)
		}
	})
	if !ok {
		t.FailNow()
	}

	var dlg model.OpenDialogRequest
	ok = t.Run("jury: Score opens the rubric dialog", func(t *testing.T) {
		e.clickLabel(tokens["juri"], prompt, en("jury.prompt.score.button"))
		dlg = nextDialog(t, juriDialogs)
		if dlg.Dialog.CallbackId != jury.ScoreID.ID(jury.AppRef{Event: "kipina-2017", App: app}) || dlg.URL != e.callback()+PathDialog {
			t.Fatalf("dialog %q at %q", dlg.Dialog.CallbackId, dlg.URL)
		}
		var names []string
		for _, el := range dlg.Dialog.Elements {
			names = append(names, el.Name+":"+el.Type)
			if el.Type == "select" && len(el.Options) != 5 {
				t.Errorf("criterion %s has %d options, want 5", el.Name, len(el.Options))
			}
		}
		want := "impact:select value:select fit:select feasibility:select novelty:select comment:textarea"
		if strings.Join(names, " ") != want {
			t.Fatalf("dialog elements %v, want %s", names, want)
		}
	})
	if !ok {
		t.FailNow()
	}

	scores := map[string]any{"impact": "4", "value": "3", "fit": "5", "feasibility": "4", "comment": "Hyvä pilotti."}
	t.Run("jury: a missing score keeps the dialog open", func(t *testing.T) {
		errs := e.submitIn(tokens["juri"], juriDM, dlg, scores)
		if errs["novelty"] == "" || len(errs) != 1 {
			t.Fatalf("errors %v, want novelty only", errs)
		}
		if p := e.getPost(tokens["juri"], prompt); !strings.Contains(p.Message, openState) {
			t.Fatalf("the prompt changed after a refused submission: %q", p.Message)
		}
	})

	ok = t.Run("jury: scores are saved and the prompt rewritten", func(t *testing.T) {
		scores["novelty"] = "2"
		if errs := e.submitIn(tokens["juri"], juriDM, dlg, scores); len(errs) > 0 {
			t.Fatalf("errors %v", errs)
		}
		var given []string
		for _, c := range e.cfg.Rubric {
			given = append(given, en("jury.criterion."+c.ID+".label")+" "+scores[c.ID].(string))
		}
		line := en("jury.prompt.state.scored", "Scores", strings.Join(given, " · "))
		var p *model.Post
		waitFor(t, "the prompt to show the scores", func() bool {
			p = e.getPost(tokens["juri"], prompt)
			return strings.Contains(p.Message, line)
		})
		if !strings.Contains(p.Message, en("jury.prompt.comment", "Comment", "Hyvä pilotti.")) || strings.Contains(p.Message, openHead) {
			t.Fatalf("rewritten prompt %q", p.Message)
		}
		if got := labels(p); len(got) == 0 || got[0] != en("jury.prompt.change.button") {
			t.Fatalf("rewritten prompt's buttons %v, want %s first", got, en("jury.prompt.change.button"))
		}
		// The answer to the dialog: ephemeral where the bot may post one,
		// else a direct message.
		e.waitReply(tokens["juri"], juriDM, juri, upTo("jury.score.saved", "Scores", "App", app, "Company", "Pajakulma Oy"))
	})
	if !ok {
		t.FailNow()
	}

	t.Run("jury: results and shortlist", func(t *testing.T) {
		text := e.execute(tokens["nina"], "/kipina results kipina-2017")
		if !strings.Contains(text, upTo("jury.results.head", "Event")) || !strings.Contains(text, pieces("jury.results.head", []string{"Event"}, "Count", 1)[1]) ||
			!strings.Contains(text, app) || !strings.Contains(text, "Pajakulma Oy") {
			t.Fatalf("results: %q", text)
		}
		text = e.execute(tokens["nina"], "/kipina shortlist kipina-2017 top 1")
		if !strings.Contains(text, upTo("jury.shortlist.saved", "Event", "Count", 1)) || !strings.Contains(text, "• "+app+" Pajakulma Oy") {
			t.Fatalf("shortlist: %q", text)
		}
	})

	t.Run("jury: decide, confirm, the company hears once", func(t *testing.T) {
		text := e.execute(tokens["nina"], "/kipina decide kipina-2017")
		if !strings.Contains(text, preview) {
			t.Fatalf("decide: %q", text)
		}
		ask := nina.wait(t, e.town, func(p *model.Post) bool {
			return strings.Contains(p.Message, preview) && len(p.Attachments()) > 0
		})
		if id := e.findPost(tokens["yritys"], yritysDM, decision); id != "" {
			t.Fatalf("the company got post %s before the decision was confirmed", id)
		}
		e.clickEphemeral(tokens["nina"], ask, en("jury.decide.confirm.button"))
		nina.wait(t, e.town, func(p *model.Post) bool { return strings.Contains(p.Message, upTo("jury.decided", "Event")) })
		id := e.waitPost(tokens["yritys"], yritysDM, decision)
		if p := e.getPost(tokens["yritys"], id); !strings.Contains(p.Message, app) {
			t.Fatalf("decision DM %q does not name %s", p.Message, app)
		}
		// Deciding closes scoring: the prompt loses its buttons.
		var p *model.Post
		waitFor(t, "the prompt to show that scoring has ended", func() bool {
			p = e.getPost(tokens["juri"], prompt)
			return strings.Contains(p.Message, en("jury.prompt.closed"))
		})
		if len(p.Attachments()) != 0 || !strings.Contains(p.Message, en("jury.criterion.novelty.label")+" 2") {
			t.Fatalf("closed prompt %q with buttons %v", p.Message, labels(p))
		}
		// A second confirmation is refused and sends nothing.
		e.clickEphemeral(tokens["nina"], ask, en("jury.decide.confirm.button"))
		nina.wait(t, e.town, func(p *model.Post) bool {
			return strings.Contains(p.Message, bottest.After(e2eCat, "en", "jury.decide.already", "Event"))
		})
		var list model.PostList
		e.s.MustGet(t, "/api/v4/channels/"+yritysDM+"/posts?per_page=100", tokens["yritys"], &list)
		n := 0
		for _, p := range list.Posts {
			if p.UserId == e.botID && decision(p) {
				n++
			}
		}
		if n != 1 {
			t.Fatalf("the company got %d decision messages, want 1", n)
		}
	})
}

// e2eCat is the catalogue the end-to-end tests build expected texts from.
var e2eCat = locale.MustLoad()

// decision matches the acceptance DM of Pajakulma Oy, whose application
// is in Finnish.
func decision(p *model.Post) bool {
	return strings.Contains(p.Message, bottest.UpTo(e2eCat, "fi", "jury.decision.accepted.dm", "App", "Company", "Pajakulma Oy"))
}

// getPost reads a post as the user.
func (e *e2e) getPost(token, id string) *model.Post {
	e.t.Helper()
	var p model.Post
	e.s.MustGet(e.t, "/api/v4/posts/"+id, token, &p)
	return &p
}

// findPost returns the latest post of the bot in a channel that ok
// accepts, or "", without waiting.
func (e *e2e) findPost(token, channel string, ok func(*model.Post) bool) string {
	e.t.Helper()
	var list model.PostList
	e.s.MustGet(e.t, "/api/v4/channels/"+channel+"/posts?per_page=100", token, &list)
	for _, id := range list.Order {
		if p := list.Posts[id]; p != nil && p.UserId == e.botID && ok(p) {
			return id
		}
	}
	return ""
}

// labels lists the button labels of a post.
func labels(p *model.Post) []string {
	var out []string
	for _, a := range p.Attachments() {
		for _, act := range a.Actions {
			out = append(out, act.Name)
		}
	}
	return out
}

// button returns the button of p labelled label.
func button(t *testing.T, p *model.Post, label string) *model.PostAction {
	t.Helper()
	for _, a := range p.Attachments() {
		for _, act := range a.Actions {
			if act.Name == label {
				return act
			}
		}
	}
	t.Fatalf("post %s has no button %q (buttons %v)", p.Id, label, labels(p))
	return nil
}

// clickLabel presses the button labelled label on a post as the user.
func (e *e2e) clickLabel(token, postID, label string) {
	e.t.Helper()
	act := button(e.t, e.getPost(token, postID), label)
	e.s.MustCall(e.t, "POST", "/api/v4/posts/"+postID+"/actions/"+act.Id, token, map[string]any{}, nil)
}

// clickEphemeral presses a button of an ephemeral post as the web client
// does: the post is not stored, so the server takes the action from the
// encrypted cookie it put on the button.
func (e *e2e) clickEphemeral(token string, p *model.Post, label string) {
	e.t.Helper()
	act := button(e.t, p, label)
	if act.Cookie == "" {
		e.t.Fatalf("button %q of ephemeral post %s has no cookie", label, p.Id)
	}
	e.s.MustCall(e.t, "POST", "/api/v4/posts/"+p.Id+"/actions/"+act.Id, token, map[string]any{"cookie": act.Cookie}, nil)
}

// submitIn is submit for a dialog opened in channel.
func (e *e2e) submitIn(token, channel string, d model.OpenDialogRequest, sub map[string]any) map[string]string {
	var resp model.SubmitDialogResponse
	e.s.MustCall(e.t, "POST", "/api/v4/actions/dialogs/submit", token, map[string]any{
		"url": d.URL, "callback_id": d.Dialog.CallbackId, "state": d.Dialog.State,
		"channel_id": channel, "team_id": e.teamID, "submission": sub}, &resp)
	return resp.Errors
}

// waitReply waits for an answer of the bot containing text shown to the
// user in channel: an ephemeral post, or a post in channel (the
// adapter's fallback when the bot may not post ephemeral messages).
func (e *e2e) waitReply(token, channel string, eph *ephemerals, text string) {
	e.t.Helper()
	has := func(p *model.Post) bool { return strings.Contains(p.Message, text) }
	waitFor(e.t, "an answer "+text, func() bool {
		return eph.find(channel, has) != nil || e.findPost(token, channel, has) != ""
	})
}

// ephemerals collects the ephemeral posts the server sends over a user's
// websocket.
type ephemerals struct {
	mu    sync.Mutex
	posts []*model.Post
}

// listenEphemerals connects a user's websocket and collects the ephemeral
// posts sent to it; it returns once the server has registered the
// connection (its hello), so that nothing sent later is missed.
func listenEphemerals(t *testing.T, serverURL, token string) *ephemerals {
	t.Helper()
	ws, err := model.NewWebSocketClient4("ws"+strings.TrimPrefix(serverURL, "http"), token)
	if err != nil {
		t.Fatal(err)
	}
	ws.Listen()
	t.Cleanup(ws.Close)
	eph := &ephemerals{}
	hello := make(chan struct{})
	go func() {
		greeted := false
		for ev := range ws.EventChannel {
			switch ev.EventType() {
			case model.WebsocketEventHello:
				if !greeted {
					greeted = true
					close(hello)
				}
			case model.WebsocketEventEphemeralMessage:
				var p model.Post
				if s, _ := ev.GetData()["post"].(string); json.Unmarshal([]byte(s), &p) == nil {
					eph.mu.Lock()
					eph.posts = append(eph.posts, &p)
					eph.mu.Unlock()
				}
			}
		}
	}()
	select {
	case <-hello:
	case <-time.After(patience):
		t.Fatalf("no hello on the websocket within %s", patience)
	}
	return eph
}

// find returns the latest ephemeral post in channel that ok accepts.
func (eph *ephemerals) find(channel string, ok func(*model.Post) bool) *model.Post {
	eph.mu.Lock()
	defer eph.mu.Unlock()
	for i := len(eph.posts) - 1; i >= 0; i-- {
		if p := eph.posts[i]; p.ChannelId == channel && ok(p) {
			return p
		}
	}
	return nil
}

// wait waits for an ephemeral post in channel that ok accepts.
func (eph *ephemerals) wait(t *testing.T, channel string, ok func(*model.Post) bool) *model.Post {
	t.Helper()
	var p *model.Post
	waitFor(t, "an ephemeral post", func() bool { p = eph.find(channel, ok); return p != nil })
	return p
}
