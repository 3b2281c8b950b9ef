package slack

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/kipina/kipina/bot/bottest"
	"github.com/kipina/kipina/bot/call"
	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/bot/jury"
	"github.com/kipina/kipina/bot/outbox"
	"github.com/kipina/kipina/bot/round"
	"github.com/kipina/kipina/bot/routing"
	"github.com/kipina/kipina/storage"
)

// TestJuryFlowOverSlack runs the whole jury flow through Socket Mode with
// the real core (call, routing and jury modules): two companies apply
// through the modal, the organiser adds two jurors by Slack mention (one
// reads English), drafts and publishes the assignment with the confirm
// button, the jurors get their prompts as direct messages with buttons,
// score through the rubric modal, and each prompt is rewritten with
// chat.update; the organiser reads the results, shortlists the top one,
// previews and confirms the decisions, each company hears once in its own
// language, the prompts close, and a second confirmation sends nothing.
func TestJuryFlowOverSlack(t *testing.T) {
	f := newFakeSlack(t)
	a := newAdapter(t, f, nil)
	b := newCore(t, a, nil, call.Module{}, routing.Module{}, jury.Module{})
	n := f.connections()
	run(t, a, b)
	f.waitConnected(n + 1)
	ctx := context.Background()
	// Expected texts come from the catalogue: the organisers' workspace
	// reads Finnish, UJURB and Care Robotics Ltd English.
	T := func(lang, id string, kv ...any) string { return b.Cat.T(lang, id, kv...) }
	upTo := func(lang, id, cutAt string, kv ...any) string { return bottest.UpTo(b.Cat, lang, id, cutAt, kv...) }
	// step runs one named step of the scenario; the steps share the fake
	// Slack and the bot, so the first failing step ends the scenario.
	// The fake's own checks (waitCall, roundTrip, command) report to
	// f.t, so a step hands it its t while it runs: a FailNow there ends
	// the step, not its parent from the step's goroutine.
	step := func(name string, fn func(t *testing.T)) {
		t.Helper()
		ok := t.Run(name, func(st *testing.T) {
			f.t = st
			fn(st)
		})
		f.t = t
		if !ok {
			t.FailNow()
		}
	}

	// The helpers take the running step's t, so that a failure is
	// reported by, and ends, that step.
	deliver := func(t *testing.T) {
		t.Helper()
		if _, err := b.Outbox.Deliver(ctx); err != nil {
			t.Fatal(err)
		}
	}
	// cmd sends /kipina text as user in C1 and returns the ack's reply.
	cmd := func(t *testing.T, user, text string) juryReply {
		t.Helper()
		got := f.command(user, "C1", text)
		if got["response_type"] != "ephemeral" {
			t.Fatalf("/kipina %s: ack %v", text, got)
		}
		blocks, err := json.Marshal(got["blocks"])
		if err != nil {
			t.Fatalf("/kipina %s: blocks %v: %v", text, got["blocks"], err)
		}
		return juryReply{text: got["text"].(string), blocks: string(blocks)}
	}
	// press sends a button press from an organiser's ephemeral reply in C1
	// and returns the reply that comes through the response URL.
	press := func(t *testing.T, user, actionID string) string {
		t.Helper()
		before := len(f.callsTo("respond/action"))
		if got := f.roundTrip("interactive", f.blockAction(user, "C1", "", actionID, "")); len(got.Payload) != 0 {
			t.Errorf("ack of %s carries %s", actionID, got.Payload)
		}
		return responseText(f.waitCall("respond/action", before+1))
	}
	promptItem := func(t *testing.T, user, app string) outbox.Item {
		t.Helper()
		var it outbox.Item
		err := b.DB.View(func(tx *storage.Tx) (err error) {
			it, err = outbox.Lookup(tx, jury.PromptKey("tampere", "kipina-2017", user, app))
			return
		})
		if err != nil || it.State != outbox.Sent || !strings.HasPrefix(it.Ref.ID, "1700000000.") {
			t.Fatalf("prompt %s/%s in the outbox: %+v, %v", user, app, it, err)
		}
		return it
	}
	promptRef := func(t *testing.T, user, app string) chat.MessageRef {
		t.Helper()
		return promptItem(t, user, app).Ref
	}

	// State the steps share, set by the step that makes it.
	var (
		ev         round.Event
		app1, app2 string // Katuvalo Oy's and Care Robotics Ltd's application ids
		rubric     []string
		// accepted and declined are the decision DMs' openings.
		accepted = upTo("fi", "jury.decision.accepted.dm", "Company")
		declined = upTo("en", "jury.decision.declined.dm", "App")
	)
	type juror struct {
		user, score, scored, change, closed string
		names                               []string
		q                                   map[string]int
	}
	jurorIn := func(user, lang string, q map[string]int) juror {
		return juror{user, T(lang, "jury.prompt.score.button"),
			upTo(lang, "jury.prompt.state.scored", "Scores") + T(lang, "jury.criterion."+b.Config.Rubric[0].ID+".label") + " ",
			T(lang, "jury.prompt.change.button"), T(lang, "jury.prompt.closed"),
			[]string{upTo(lang, "jury.prompt.state.open", "Criteria")}, q}
	}
	var jurors []juror // set once the applications are stored

	step("call opened in the channel", func(t *testing.T) {
		cmd(t, "UORG", "call open kipina-2017")
		press(t, "UORG", "call-post:kipina-2017")
		deliver(t)
		if err := b.DB.View(func(tx *storage.Tx) (err error) { ev, err = round.LoadEvent(tx, "tampere", "kipina-2017"); return }); err != nil {
			t.Fatal(err)
		}
	})

	step("two companies apply through the modal, one in English", func(t *testing.T) {
		companies := []struct{ user, company, lang string }{
			{"UAPP1", "Katuvalo Oy", "fi"},
			{"UAPP2", "Care Robotics Ltd", "en"},
		}
		for i, c := range companies {
			opens := len(f.callsTo("views.open"))
			f.roundTrip("interactive", f.blockAction(c.user, "C1", "1700000000.000001", "apply:kipina-2017", ""))
			view := viewOf(t, f.waitCall("views.open", opens+1))
			values := application(t, view, businessID(t, i))
			values["company"], values["lang"] = c.company, c.lang
			values["email"] = strings.ToLower(c.user) + "@example.fi"
			if got := decode(t, f.roundTrip("interactive", viewSubmission(c.user, view, values)).Payload); got["response_action"] != "update" {
				t.Fatalf("application of %s: ack %v", c.company, got)
			}
		}
		appID := map[string]string{}
		err := b.DB.View(func(tx *storage.Tx) error {
			apps, err := round.Apps.All(tx, "tampere")
			for _, x := range apps {
				appID[x.Company] = x.ID
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		app1, app2 = appID["Katuvalo Oy"], appID["Care Robotics Ltd"]
		if app1 == "" || app2 == "" || app1 == app2 {
			t.Fatalf("applications stored: %v", appID)
		}
		jurors = []juror{
			jurorIn("UJURA", "fi", map[string]int{app1: 5, app2: 2}),
			jurorIn("UJURB", "en", map[string]int{app1: 4, app2: 1}),
		}
		deliver(t)
	})

	// The jury: UJURB reads English; both are added with one command, by
	// Slack mentions, which the adapter turns into @U… for the core.
	step("two jurors added by Slack mention, each told in their language", func(t *testing.T) {
		if r := cmd(t, "UJURB", "lang en"); r.text == "" {
			t.Fatal("no answer to /kipina lang en")
		}
		r := cmd(t, "UORG", "jury add kipina-2017 <@UJURA|liisa> <@UJURB|olli> urban-planning")
		r.must(t, "<@UJURA>", "<@UJURB>", "Kipinä 2017")
		deliver(t)
		f.onePost(t, "DUJURA", upTo("fi", "jury.added.dm", "Targets", "Event", ev.NameIn("fi")))
		f.onePost(t, "DUJURB", upTo("en", "jury.added.dm", "Targets", "Event", ev.NameIn("en")))
	})

	// Draft, then publish: the command asks first and nothing is sent
	// before the button.
	step("assignment drafted, published only with the button", func(t *testing.T) {
		r := cmd(t, "UORG", "jury assign kipina-2017 reviews=2")
		r.must(t, upTo("fi", "jury.draft.head", "Event"), T("fi", "jury.draft.publish_hint", "EventID", "kipina-2017"))
		r = cmd(t, "UORG", "jury publish kipina-2017")
		r.must(t, upTo("fi", "jury.publish.confirm", "Count"))
		r.mustButton(t, jury.PublishID.ID("kipina-2017"), T("fi", "jury.publish.button"))
		deliver(t)
		if ps := f.postsWith("DUJURA", `"action_id":"`+jury.ScoreID.Prefix()+`:`); len(ps) != 0 {
			t.Fatalf("prompts sent before the publish button: %v", ps)
		}
		reply := press(t, "UORG", jury.PublishID.ID("kipina-2017"))
		mustHave(t, "publish reply", reply, T("fi", "jury.published", "Count", 4, "Jurors", 2))
		deliver(t)
	})

	// Each juror gets the list and one prompt per application, in their
	// language, with the prompt's buttons.
	step("each juror gets the list and a prompt per application", func(t *testing.T) {
		f.onePost(t, "DUJURA", upTo("fi", "jury.list.dm", "Count", "Event", ev.NameIn("fi")))
		f.onePost(t, "DUJURB", upTo("en", "jury.list.dm", "Count", "Event", ev.NameIn("en")))
		for _, j := range jurors {
			for _, app := range []string{app1, app2} {
				arg := jury.AppRef{Event: "kipina-2017", App: app}
				p := f.onePost(t, "D"+j.user, `"action_id":"`+jury.ScoreID.ID(arg)+`"`)
				mustHave(t, "prompt of "+app+" to "+j.user, p.Form.Get("blocks"), "*"+app+" ", j.names[0],
					`"action_id":"`+jury.FullID.ID(arg)+`"`, `"action_id":"`+jury.ConflictID.ID(arg)+`"`, `"action_id":"`+jury.AbstainID.ID(arg)+`"`,
					`"text":"`+j.score+`"`)
				if !strings.Contains(p.Form.Get("metadata"), promptItem(t, j.user, app).ID) {
					t.Errorf("prompt without its outbox message id: %s", p.Form.Get("metadata"))
				}
				if ref := promptRef(t, j.user, app); ref.Channel != "D"+j.user {
					t.Errorf("prompt of %s sent to %s", j.user, ref.Channel)
				}
			}
		}
	})

	// The jurors score: Score opens the rubric modal (a select per
	// criterion and a comment), the submission clears it and is saved.
	step("jurors score through the rubric modal", func(t *testing.T) {
		for _, c := range b.Config.Rubric {
			rubric = append(rubric, c.ID)
		}
		for _, j := range jurors {
			for _, app := range []string{app1, app2} {
				ref := promptRef(t, j.user, app)
				scoreID := jury.ScoreID.ID(jury.AppRef{Event: "kipina-2017", App: app})
				opens := len(f.callsTo("views.open"))
				if got := f.roundTrip("interactive", f.blockAction(j.user, ref.Channel, ref.ID, scoreID, "")); len(got.Payload) != 0 {
					t.Errorf("Score ack carries %s", got.Payload)
				}
				open := f.waitCall("views.open", opens+1)
				if open.JSON["trigger_id"] != "trig-a-"+j.user {
					t.Errorf("rubric opened with trigger %v", open.JSON["trigger_id"])
				}
				view := viewOf(t, open)
				if view["callback_id"] != scoreID {
					t.Fatalf("rubric modal: callback %v, metadata %v", view["callback_id"], view["private_metadata"])
				}
				var inputs []string
				for _, bl := range view["blocks"].([]any) {
					blk := bl.(map[string]any)
					if blk["type"] != "input" {
						continue
					}
					id := blk["block_id"].(string)
					inputs = append(inputs, id)
					el := blk["element"].(map[string]any)
					if slices.Contains(rubric, id) {
						if opts, _ := el["options"].([]any); el["type"] != "static_select" || len(opts) != 5 {
							t.Errorf("criterion %s: %s with %d options", id, el["type"], len(opts))
						}
					}
				}
				if want := append(slices.Clone(rubric), "comment"); !slices.Equal(inputs, want) {
					t.Fatalf("rubric blocks %v, want %v", inputs, want)
				}
				values := map[string]any{"comment": "Hyvä pilotti."}
				for _, c := range rubric {
					values[c] = strconv.Itoa(j.q[app])
				}
				if got := decode(t, f.roundTrip("interactive", viewSubmission(j.user, view, values)).Payload); !receivedModal(got, app) {
					t.Fatalf("score submission of %s by %s: ack %v", app, j.user, got)
				}
			}
		}
		var reviews int
		err := b.DB.View(func(tx *storage.Tx) error {
			return jury.Reviews.Scan(tx, "tampere", "kipina-2017/", func(_ string, rv jury.Review) error {
				if len(rv.Scores) == len(rubric) && rv.Comment == "Hyvä pilotti." {
					reviews++
				}
				return nil
			})
		})
		if err != nil {
			t.Fatal(err)
		}
		if reviews != 4 {
			t.Fatalf("%d complete reviews stored, want 4", reviews)
		}
	})

	// The prompts are rewritten in place with what was given (the saved
	// answers were shown in the modal, in place of the form).
	step("prompts rewritten in place with the scores", func(t *testing.T) {
		deliver(t)
		for _, j := range jurors {
			for _, app := range []string{app1, app2} {
				u := f.lastUpdate(t, promptRef(t, j.user, app))
				mustHave(t, "updated prompt of "+app+" to "+j.user, u.Form.Get("blocks"),
					j.scored+strconv.Itoa(j.q[app]), `"action_id":"`+jury.ScoreID.ID(jury.AppRef{Event: "kipina-2017", App: app})+`"`, `"text":"`+j.change+`"`)
			}
		}
	})

	// Results, normalised: Katuvalo Oy first.
	step("results ranked by score, the top one shortlisted", func(t *testing.T) {
		r := cmd(t, "UORG", "results kipina-2017")
		r.must(t, T("fi", "jury.results.head", "Event", ev.NameIn("fi"), "Count", 2), "Katuvalo Oy", "Care Robotics Ltd")
		if strings.Index(r.text, app1) > strings.Index(r.text, app2) {
			t.Errorf("ranking does not follow the scores:\n%s", r.text)
		}
		r = cmd(t, "UORG", "shortlist kipina-2017 top 1")
		r.must(t, T("fi", "jury.shortlist.saved", "Event", ev.NameIn("fi"), "Count", 1, "EventID", "kipina-2017"), app1+" Katuvalo Oy")
		if strings.Contains(r.text, app2) {
			t.Errorf("shortlist names %s:\n%s", app2, r.text)
		}
	})

	// The decision preview asks first; nothing is sent before the button.
	step("decisions previewed, sent only with the button", func(t *testing.T) {
		r := cmd(t, "UORG", "decide kipina-2017")
		r.must(t, T("fi", "jury.decide.preview", "Event", ev.NameIn("fi"), "Accepted", 1, "Declined", 1), accepted,
			T("fi", "jury.decide.languages", "English", 1, "Swedish", 0))
		r.mustButton(t, jury.DecideID.ID("kipina-2017"), T("fi", "jury.decide.confirm.button"))
		deliver(t)
		if ps := append(f.postsWith("DUAPP1", accepted), f.postsWith("DUAPP2", declined)...); len(ps) != 0 {
			t.Fatalf("decisions sent before the button: %v", ps)
		}
		reply := press(t, "UORG", jury.DecideID.ID("kipina-2017"))
		mustHave(t, "decide reply", reply, T("fi", "jury.decided", "Event", ev.NameIn("fi"), "Accepted", 1, "Declined", 1))
		deliver(t)
	})

	step("each company hears once, in its own language", func(t *testing.T) {
		acc := f.onePost(t, "DUAPP1", accepted)
		mustHave(t, "decision to Katuvalo Oy", acc.Form.Get("text"), upTo("fi", "jury.decision.accepted.dm", "App", "Company", "Katuvalo Oy"), app1)
		dec := f.onePost(t, "DUAPP2", declined)
		mustHave(t, "decision to Care Robotics Ltd", dec.Form.Get("text"), upTo("en", "jury.decision.declined.dm", "Event", "App", app2, "Company", "Care Robotics Ltd"))
		err := b.DB.View(func(tx *storage.Tx) error {
			for app, want := range map[string]round.State{app1: round.Accepted, app2: round.Declined} {
				if x, err := round.LoadApp(tx, "tampere", app); err != nil || x.State != want {
					t.Errorf("%s is %v (%v), want %s", app, x.State, err, want)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})

	// Deciding closes the jury: the prompts lose their buttons.
	step("deciding closes the prompts, without buttons", func(t *testing.T) {
		for _, j := range jurors {
			for _, app := range []string{app1, app2} {
				u := f.lastUpdate(t, promptRef(t, j.user, app))
				mustHave(t, "closed prompt of "+app+" to "+j.user, u.Form.Get("blocks"), j.closed)
				if strings.Contains(u.Form.Get("blocks"), `"action_id"`) {
					t.Errorf("closed prompt of %s to %s keeps buttons: %s", app, j.user, u.Form.Get("blocks"))
				}
			}
		}
	})

	step("a second confirmation sends nothing", func(t *testing.T) {
		posts := len(f.callsTo("chat.postMessage"))
		reply := press(t, "UORG", jury.DecideID.ID("kipina-2017"))
		mustHave(t, "second decide reply", reply, T("fi", "jury.decide.already", "Event", ev.NameIn("fi")))
		deliver(t)
		if got := f.callsTo("chat.postMessage"); len(got) != posts {
			t.Errorf("a second confirmation posted %d messages: %v", len(got)-posts, got[posts:])
		}
	})
}

// juryReply is a slash command's ephemeral answer in its ack.
type juryReply struct{ text, blocks string }

func (r juryReply) must(t *testing.T, want ...string) {
	t.Helper()
	mustHave(t, "command reply", r.text+"\n"+r.blocks, want...)
}

// mustButton checks that the reply has a button with the action id and
// label.
func (r juryReply) mustButton(t *testing.T, actionID, label string) {
	t.Helper()
	var blocks []map[string]any
	json.Unmarshal([]byte(r.blocks), &blocks)
	for _, bl := range blocks {
		els, _ := bl["elements"].([]any)
		for _, e := range els {
			el := e.(map[string]any)
			if el["type"] == "button" && el["action_id"] == actionID {
				if txt, _ := el["text"].(map[string]any); txt["text"] != label {
					t.Errorf("button %s reads %v, want %q", actionID, txt["text"], label)
				}
				return
			}
		}
	}
	t.Fatalf("no button %s in %s", actionID, r.blocks)
}

func mustHave(t *testing.T, what, s string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(s, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, s)
		}
	}
}

// responseText reads the text of a reply posted to a response URL.
func responseText(c apiCall) string {
	if c.JSON != nil {
		raw, _ := json.Marshal(c.JSON)
		return string(raw)
	}
	return c.Form.Encode()
}

// postsWith returns the chat.postMessage calls to channel whose text or
// blocks contain every one of want.
func (f *fakeSlack) postsWith(channel string, want ...string) []apiCall {
	var out []apiCall
	for _, p := range f.callsTo("chat.postMessage") {
		if p.Form.Get("channel") != channel {
			continue
		}
		s := p.Form.Get("text") + "\n" + p.Form.Get("blocks")
		ok := true
		for _, w := range want {
			ok = ok && strings.Contains(s, w)
		}
		if ok {
			out = append(out, p)
		}
	}
	return out
}

// onePost returns the one post to channel with every one of want, and
// fails unless there is exactly one.
func (f *fakeSlack) onePost(t *testing.T, channel string, want ...string) apiCall {
	t.Helper()
	ps := f.postsWith(channel, want...)
	if len(ps) != 1 {
		var got []string
		for _, p := range f.callsTo("chat.postMessage") {
			if p.Form.Get("channel") == channel {
				got = append(got, p.Form.Get("text"))
			}
		}
		t.Fatalf("%d posts to %s with %q, want 1; posts there:\n%s", len(ps), channel, want, strings.Join(got, "\n---\n"))
	}
	return ps[0]
}

// lastUpdate returns the latest chat.update of a message.
func (f *fakeSlack) lastUpdate(t *testing.T, ref chat.MessageRef) apiCall {
	t.Helper()
	var last *apiCall
	for _, u := range f.callsTo("chat.update") {
		if u.Form.Get("channel") == ref.Channel && u.Form.Get("ts") == ref.ID {
			last = &u
		}
	}
	if last == nil {
		t.Fatalf("no chat.update of %s/%s; calls: %v", ref.Channel, ref.ID, f.methods())
	}
	return *last
}
