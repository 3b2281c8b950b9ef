package slack

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/kipina/kipina/bot/outbox"
	"github.com/kipina/kipina/bot/round"
	"github.com/kipina/kipina/storage"
)

// TestApplicationFlow drives the foundation flow through Socket Mode with
// the real core and the application module: an organiser opens the call
// with a slash command, the call is posted with its Apply button, the
// button opens the modal, a bad business ID comes back as an error on its
// block, the corrected form is stored, the modal clears, and the
// confirmation arrives as a direct message.
func TestApplicationFlow(t *testing.T) {
	f := newFakeSlack(t)
	_, b := startBot(t, f, nil)
	ctx := context.Background()

	// /kipina call open kipina-2017, in channel C1.
	got := f.command("UORG", "C1", "call open kipina-2017")
	if got["response_type"] != "ephemeral" || !strings.Contains(got["text"].(string), "Kipinä 2017") {
		t.Fatalf("ack of the command: %v", got)
	}
	// It is a preview (issue 15); the button opens and posts the call.
	before := len(f.callsTo("respond/action"))
	f.roundTrip("interactive", f.blockAction("UORG", "C1", "", "call-post:kipina-2017", ""))
	f.waitCall("respond/action", before+1)
	if _, err := b.Outbox.Deliver(ctx); err != nil {
		t.Fatal(err)
	}
	post := f.waitCall("chat.postMessage", 1)
	if post.Form.Get("channel") != "C1" || !strings.Contains(post.Form.Get("blocks"), `"action_id":"apply:kipina-2017"`) {
		t.Fatalf("call post: %v", post.Form)
	}
	if !strings.Contains(post.Form.Get("metadata"), "kipina_outbox") {
		t.Errorf("post without the outbox key: %v", post.Form.Get("metadata"))
	}

	// The applicant presses Apply: the modal opens with the trigger.
	a := f.roundTrip("interactive", f.blockAction("UAPP", "C1", "1700000000.000001", "apply:kipina-2017", ""))
	if len(a.Payload) != 0 {
		t.Errorf("button ack carries %s", a.Payload)
	}
	open := f.waitCall("views.open", 1)
	if open.JSON["trigger_id"] != "trig-a-UAPP" {
		t.Errorf("views.open trigger %v", open.JSON["trigger_id"])
	}
	view := viewOf(t, open)
	if view["callback_id"] != "apply:kipina-2017" || view["private_metadata"] != "kipina-2017" {
		t.Fatalf("modal: callback %v, metadata %v", view["callback_id"], view["private_metadata"])
	}
	raw, _ := json.Marshal(view)
	for _, want := range []string{`"block_id":"business_id"`, `"type":"email_text_input"`, `"type":"url_text_input"`,
		`"type":"static_select"`, `"type":"radio_buttons"`, `"multiline":true`} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("modal lacks %s", want)
		}
	}

	// A bad business ID: the ack keeps the modal open with the error on
	// the business_id block.
	values := application(t, view, "1234567-8")
	got = decode(t, f.roundTrip("interactive", viewSubmission("UAPP", view, values)).Payload)
	errs, _ := got["errors"].(map[string]any)
	if got["response_action"] != "errors" || errs["business_id"] == nil || len(errs) != 1 {
		t.Fatalf("ack of the bad submission: %v", got)
	}

	// Corrected: the ack shows the answer in the modal, the application
	// is stored, and the one message is the confirmation.
	values["business_id"] = businessID(t, 0)
	got = decode(t, f.roundTrip("interactive", viewSubmission("UAPP", view, values)).Payload)
	if !receivedModal(got, "H0001") {
		t.Fatalf("ack of the good submission: %v", got)
	}
	var apps []round.Application
	b.DB.View(func(tx *storage.Tx) (err error) { apps, err = round.Apps.All(tx, "tampere"); return })
	if len(apps) != 1 || apps[0].BusinessID != values["business_id"] || apps[0].Owner.User != "UAPP" || apps[0].Owner.Platform != "slack" {
		t.Fatalf("stored: %+v", apps)
	}
	if _, err := b.Outbox.Deliver(ctx); err != nil {
		t.Fatal(err)
	}
	var received outbox.Item
	if err := b.DB.View(func(tx *storage.Tx) (err error) {
		received, err = outbox.Lookup(tx, outbox.NewKey("tampere", "app", "H0001", "received"))
		return
	}); err != nil {
		t.Fatal(err)
	}
	var confirm apiCall
	for _, p := range f.callsTo("chat.postMessage") {
		if strings.Contains(p.Form.Get("metadata"), received.ID) {
			confirm = p
		}
	}
	if confirm.Form.Get("channel") != "DUAPP" {
		t.Errorf("confirmation to %s", confirm.Form.Get("channel"))
	}
	if dms := postsTo(f, "DUAPP"); len(dms) != 1 {
		t.Errorf("%d direct messages to the applicant, want 1 (the confirmation)", len(dms))
	}
	if n := len(f.callsTo("conversations.open")); n != 1 {
		t.Errorf("conversations.open %d times, want 1 (cached)", n)
	}
}

// receivedModal reports whether a submission's ack replaces the form
// with the answer naming application app.
func receivedModal(ack map[string]any, app string) bool {
	v, _ := ack["view"].(map[string]any)
	raw, _ := json.Marshal(v)
	return ack["response_action"] == "update" && v["callback_id"] == doneView && strings.Contains(string(raw), app)
}

// postsTo returns the chat.postMessage calls to a channel.
func postsTo(f *fakeSlack, channel string) []apiCall {
	var out []apiCall
	for _, c := range f.callsTo("chat.postMessage") {
		if c.Form.Get("channel") == channel {
			out = append(out, c)
		}
	}
	return out
}
