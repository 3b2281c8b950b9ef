package slack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime/debug"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/kipina/kipina/bot/chat"
	"github.com/slack-go/slack"
)

// afterAckTimeout bounds the work done after an ack (views.open, replies).
const afterAckTimeout = 30 * time.Second

// maxAckPayload keeps an ack under slack-go's 20 KB refusal.
const maxAckPayload = 19 * 1024

// envelope is one request from Slack, by Socket Mode or HTTP.
type envelope struct {
	received time.Time
	via      *workspace // the connection's workspace, when the payload names no team
	// socketType and raw are a Socket Mode payload still to be parsed.
	socketType string
	raw        json.RawMessage
	cmd        *slack.SlashCommand
	cb         *interaction
	event      *eventCallback
	// ack answers Slack with the payload (nil: an empty ack). It is
	// called exactly once.
	ack func(payload any)
}

// eventCallback is an Events API payload.
type eventCallback struct {
	Type      string `json:"type"` // event_callback, url_verification
	TeamID    string `json:"team_id"`
	EventID   string `json:"event_id"`
	Challenge string `json:"challenge"`
	Event     struct {
		Type        string `json:"type"`
		User        string `json:"user"`
		Text        string `json:"text"`
		Channel     string `json:"channel"`
		ChannelType string `json:"channel_type"`
		BotID       string `json:"bot_id"`
		Subtype     string `json:"subtype"`
	} `json:"event"`
}

// handledEvents are the Events API events the adapter turns into
// chat.Text, by the names the app manifest subscribes to (a "message" in a
// direct message is "message.im"). The manifest test checks that
// configs/slack-manifest*.yaml subscribe to each.
var handledEvents = map[string]bool{"app_mention": true, "message.im": true}

// eventName is the manifest's name of an event: its type, with the
// channel type for messages ("message.im", "message.channels").
func eventName(typ, channelType string) string {
	if typ == "message" && channelType != "" {
		return typ + "." + channelType
	}
	return typ
}

// kind is what an incoming event is, for rendering the core's answer.
type kind int

const (
	kindCommand kind = iota
	kindSubmit
	kindAction
	kindText
)

// incoming is an envelope turned into a neutral event, with what the
// adapter needs to answer it.
type incoming struct {
	ws          *workspace
	kind        kind
	event       chat.Event
	origin      chat.Origin
	responseURL string
	message     chat.MessageRef // the message an action came from
	ephemeral   bool            // … when it is an ephemeral message
	view        view            // the submitted view
	unknown     []string        // plain @names in a command that no member has
	text        string          // a command's text, its plain @names not yet resolved
	profiled    bool            // the sender's profile was cached
}

// dispatch hands an envelope to a goroutine of its own, bounded by
// MaxInFlight. When every slot is taken the envelope is acknowledged
// unhandled at once rather than left to miss its deadline.
func (a *Adapter) dispatch(ctx context.Context, env *envelope) {
	a.unacked.add()
	inner := env.ack
	env.ack = func(p any) { inner(p); a.unacked.done() }
	select {
	case a.slots <- struct{}{}:
	default:
		a.log.Error("overloaded: envelope acknowledged without handling it", "in_flight", cap(a.slots))
		env.ack(nil)
		return
	}
	a.wg.Add(1)
	go func() {
		defer func() { <-a.slots; a.wg.Done() }()
		a.process(ctx, env)
	}()
}

// process handles one envelope: the core's handler gets what is left of
// the ack budget; the ack goes out with its answer or, when the budget
// runs out first, without it. What the answer needs beyond the ack
// happens afterwards.
func (a *Adapter) process(ctx context.Context, env *envelope) {
	var once sync.Once
	ack := func(p any) (sent bool) {
		once.Do(func() { sent = true; env.ack(p) })
		return sent
	}
	deadline := time.AfterFunc(a.budget-time.Since(env.received), func() {
		if ack(nil) {
			a.log.Warn("handler slow: acknowledged without its answer", "budget", a.budget)
		}
	})
	defer deadline.Stop()
	defer func() {
		if v := recover(); v != nil {
			ack(nil)
			a.log.Error("panic handling an envelope", "panic", v, "stack", string(debug.Stack()))
		}
	}()
	if env.socketType != "" {
		if err := env.parse(); err != nil {
			a.log.Warn("unreadable envelope", "type", env.socketType, "err", err)
			ack(nil)
			return
		}
	}
	in := a.decode(env)
	if in == nil {
		ack(nil)
		return
	}
	// Nothing slow before the ack: an action's or an event's ack carries
	// nothing, so it goes at once; a slash command that needs Slack first
	// (a profile not cached, plain @names to look up) is acknowledged
	// empty and answered through response_url.
	early := in.kind == kindAction || in.kind == kindText ||
		(in.kind == kindCommand && (!in.profiled || plainMentions(in.text)))
	hctx, cancel := context.WithTimeout(a.afterCtx, afterAckTimeout)
	defer cancel()
	if early {
		ack(nil)
		deadline.Stop()
		// The acks still due go first; then a few workers at a time.
		a.unacked.wait(hctx, maxDefer)
		a.followSlots <- struct{}{}
		defer func() { <-a.followSlots }()
	}
	if in.kind == kindCommand {
		a.prepareCommand(hctx, in, env.received)
	}
	var resp chat.Response
	if len(in.unknown) > 0 {
		resp = a.refuseUnknown(hctx, in)
	} else {
		resp = a.handler.Handle(hctx, in.event)
	}
	var payload any
	acked := true
	if !early {
		payload = a.ackPayload(in, resp)
		acked = ack(payload)
		deadline.Stop()
		if acked && shownInModal(in, resp, payload) {
			resp.Reply = nil // the modal shows it: no direct message besides
		}
	}
	// A form opens at once: its trigger expires in 3 s. Replies and
	// updates queue for a few workers, so a burst's follow-ups do not
	// crowd out the envelopes still to be acknowledged.
	if resp.Form != nil && in.kind != kindSubmit {
		a.openForm(hctx, in, *resp.Form, env.received)
		resp.Form = nil
	}
	if !early {
		a.followSlots <- struct{}{}
		defer func() { <-a.followSlots }()
	}
	if acked {
		a.after(hctx, in, resp, payload != nil)
		return
	}
	a.late(hctx, in, resp)
}

// decode turns an envelope into an incoming event; nil when there is
// nothing for the core (a closed modal, a bot's own message, a retry). It
// makes no Web API call: a command's plain @names are resolved by
// prepareCommand.
func (a *Adapter) decode(env *envelope) *incoming {
	switch {
	case env.cmd != nil:
		c := env.cmd
		ws, ok := a.teamOf(c.TeamID, env.via)
		if !ok {
			return nil
		}
		in := &incoming{ws: ws, kind: kindCommand, responseURL: c.ResponseURL, text: plainText(c.Text)}
		in.origin, in.profiled = a.origin(ws, c.UserID, c.ChannelID, c.TriggerID)
		in.event = &chat.Command{Origin: in.origin, Text: in.text}
		return in
	case env.cb != nil:
		return a.decodeInteraction(env)
	case env.event != nil:
		e := env.event
		ws, ok := a.teamOf(e.TeamID, env.via)
		if !ok || e.Type != "event_callback" || (e.EventID != "" && !a.events.first(ws.TeamID+":"+e.EventID)) {
			return nil
		}
		ev := e.Event
		if !handledEvents[eventName(ev.Type, ev.ChannelType)] || ev.BotID != "" || ev.Subtype != "" || ev.User == "" {
			return nil
		}
		in := &incoming{ws: ws, kind: kindText}
		in.origin, in.profiled = a.origin(ws, ev.User, ev.Channel, "")
		in.event = &chat.Text{Origin: in.origin, Text: plainText(ev.Text)}
		return in
	}
	return nil
}

func (a *Adapter) decodeInteraction(env *envelope) *incoming {
	cb := env.cb
	team := cb.Team.ID
	if team == "" {
		team = cb.View.TeamID
	}
	ws, ok := a.teamOf(team, env.via)
	if !ok {
		return nil
	}
	in := &incoming{ws: ws, responseURL: cb.ResponseURL}
	switch cb.Type {
	case string(slack.InteractionTypeViewSubmission):
		in.kind, in.view = kindSubmit, cb.View
		in.origin, in.profiled = a.origin(ws, cb.User.ID, "", cb.TriggerID)
		in.event = &chat.FormSubmit{Origin: in.origin, FormID: cb.View.CallbackID,
			State: cb.View.PrivateMetadata, Values: submittedValues(cb.View)}
	case string(slack.InteractionTypeBlockActions):
		if len(cb.Actions) == 0 {
			return nil
		}
		act := cb.Actions[0]
		ch := cb.Channel.ID
		if ch == "" {
			ch = cb.Container.ChannelID
		}
		ts := cb.Container.MessageTs
		if ts == "" {
			ts = cb.Message.Ts
		}
		in.kind, in.ephemeral = kindAction, cb.Container.IsEphemeral
		in.message = chat.MessageRef{Channel: ch, ID: ts}
		in.origin, in.profiled = a.origin(ws, cb.User.ID, ch, cb.TriggerID)
		in.event = &chat.Action{Origin: in.origin, Message: in.message, ActionID: act.ActionID, Value: act.value()}
	default: // view_closed and the rest: nothing to do
		return nil
	}
	return in
}

// teamOf finds the workspace of a payload's team; an unknown team is
// logged and ignored.
func (a *Adapter) teamOf(team string, via *workspace) (*workspace, bool) {
	ws, ok := a.team(team, via)
	if !ok {
		a.log.Warn("envelope from a team not configured", "team", team)
	}
	return ws, ok
}

// origin builds the sender of an event with the locale of the cached
// profile; profiled is false when there is none, and the profile is then
// fetched in the background (profiles.go). It makes no Web API call.
func (a *Adapter) origin(ws *workspace, user, channel, trigger string) (o chat.Origin, profiled bool) {
	o = chat.Origin{User: chat.UserRef{Platform: "slack", Workspace: ws.WorkspaceID, User: user}, Channel: channel, Trigger: trigger}
	if p, ok := a.users.get(ws.WorkspaceID + ":" + user); ok {
		o.Locale = p.Locale
		return o, true
	}
	a.prefetch(ws, user)
	return o, false
}

// prepareCommand does, after a command's ack, what it needs from Slack:
// the sender's profile, when it can come within profileWait of the
// command's arrival (else the workspace's language serves), and the
// command's plain @names.
func (a *Adapter) prepareCommand(ctx context.Context, in *incoming, received time.Time) {
	if !in.profiled && a.soon(in.ws, in.origin.User.User) {
		if wait := profileWait - time.Since(received); wait > 0 {
			pctx, cancel := context.WithTimeout(ctx, wait)
			if p, err := a.Profile(pctx, in.origin.User); err == nil {
				in.origin.Locale = p.Locale
			}
			cancel()
		}
	}
	text := in.text
	if plainMentions(text) {
		text, in.unknown = a.resolveMentions(ctx, in.ws, text)
	}
	in.event = &chat.Command{Origin: in.origin, Text: text}
}

// commandReply is a slash command's answer in its ack.
type commandReply struct {
	ResponseType string        `json:"response_type"`
	Text         string        `json:"text"`
	Blocks       []slack.Block `json:"blocks,omitempty"`
}

// ackPayload renders the part of the core's answer that rides on the ack:
// a command's reply, a submission's errors, "clear" or a next modal.
func (a *Adapter) ackPayload(in *incoming, r chat.Response) any {
	switch in.kind {
	case kindCommand:
		if r.Reply == nil {
			return nil
		}
		p := &commandReply{ResponseType: slack.ResponseTypeEphemeral, Text: mrkdwn(r.Reply.Text), Blocks: messageBlocks(*r.Reply)}
		if b, err := json.Marshal(p); err != nil || len(b) > maxAckPayload {
			return nil // sent through response_url after the ack
		}
		return p
	case kindSubmit:
		switch {
		case len(r.Errors) > 0:
			return slack.NewErrorsViewSubmissionResponse(blockErrors(in.view, r.Errors))
		case r.Form != nil:
			v := modal(*r.Form, in.origin.Locale)
			if b, err := json.Marshal(v); err == nil && len(b) <= maxAckPayload {
				return slack.NewUpdateViewSubmissionResponse(&v)
			}
		case r.Reply != nil && len(r.Reply.Controls) == 0 && r.Reply.File == nil:
			// The answer (an application received) replaces the form in
			// the modal, so that the applicant's only message is the
			// confirmation the flow sends.
			v := modal(chat.Form{ID: doneView, Title: in.view.Title.Text, Intro: r.Reply.Text}, in.origin.Locale)
			if b, err := json.Marshal(v); err == nil && len(b) <= maxAckPayload {
				return slack.NewUpdateViewSubmissionResponse(&v)
			}
		}
		return slack.NewClearViewSubmissionResponse()
	}
	return nil
}

// doneView is the callback id of the modal that shows a submission's
// answer; it has no submit button.
const doneView = "kipina-done"

// shownInModal reports whether payload, a submission's ack, shows the
// answer's reply in the modal.
func shownInModal(in *incoming, r chat.Response, payload any) bool {
	vr, ok := payload.(*slack.ViewSubmissionResponse)
	return ok && in.kind == kindSubmit && r.Form == nil && r.Reply != nil && vr.View != nil && vr.View.CallbackID == doneView
}

// blockErrors keys errors by the submitted view's block ids; an error
// about a field the view does not have goes to its first input, so Slack
// does not refuse the whole answer.
func blockErrors(v view, errs map[string]string) map[string]string {
	blocks := map[string]bool{}
	first := ""
	for _, b := range v.Blocks {
		if b.Type == "input" {
			blocks[b.BlockID] = true
			if first == "" {
				first = b.BlockID
			}
		}
	}
	ids := make([]string, 0, len(v.State.Values))
	for id := range v.State.Values {
		blocks[id] = true
		ids = append(ids, id)
	}
	sort.Strings(ids)
	if first == "" && len(ids) > 0 {
		first = ids[0]
	}
	out := map[string]string{}
	var stray []string
	for id, msg := range errs {
		if blocks[id] {
			out[id] = msg
		} else {
			stray = append(stray, id+": "+msg)
		}
	}
	if len(stray) > 0 && first != "" {
		sort.Strings(stray)
		out[first] = strings.TrimSpace(out[first] + " " + strings.Join(stray, " "))
	}
	return out
}

// after does what the answer needs beyond the ack: open a form, update the
// message an action came from, show a reply.
func (a *Adapter) after(ctx context.Context, in *incoming, r chat.Response, replied bool) {
	if r.Form != nil && in.kind != kindSubmit {
		a.openForm(ctx, in, *r.Form, time.Now())
	}
	if r.Update != nil {
		a.updateOrigin(ctx, in, *r.Update)
	}
	if r.Reply != nil && !(in.kind == kindCommand && replied) {
		a.reply(ctx, in, *r.Reply)
	}
}

// late delivers an answer whose ack already went out without it: a
// submission's errors and reply come as a direct message (the modal is
// closed), the rest as after the ack.
func (a *Adapter) late(ctx context.Context, in *incoming, r chat.Response) {
	if in.kind != kindSubmit {
		a.after(ctx, in, r, false)
		return
	}
	if len(r.Errors) > 0 {
		labels := fieldLabels(in.view)
		ids := make([]string, 0, len(r.Errors))
		for id := range r.Errors {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		var sb strings.Builder
		for _, id := range ids {
			label := labels[id]
			if label == "" {
				label = id
			}
			fmt.Fprintf(&sb, "• *%s*: %s\n", label, r.Errors[id])
		}
		a.reply(ctx, in, chat.Message{Text: sb.String()})
	}
	if r.Reply != nil {
		a.reply(ctx, in, *r.Reply)
	}
}

// triggerLife is how long a Slack trigger_id can open a view.
const triggerLife = 3 * time.Second

// openForm opens f with the event's trigger (received at when). A
// transient failure is retried once while the trigger is still valid;
// when the form cannot be opened, the core is told (chat.FormFailed) and
// its answer, a button that opens the form again, goes to the person as a
// direct message.
func (a *Adapter) openForm(ctx context.Context, in *incoming, f chat.Form, when time.Time) {
	if err := f.Validate(); err != nil {
		a.log.Error("form not opened", "form", f.ID, "err", err)
		return
	}
	err := a.openView(ctx, in, f)
	if err != nil {
		wait := time.Second / 4
		var ra *chat.RetryAfterError
		if errors.As(err, &ra) {
			wait = ra.Wait
		}
		if time.Since(when)+wait < triggerLife && !errors.Is(err, chat.ErrPermanent) {
			select {
			case <-ctx.Done():
			case <-time.After(wait):
				err = a.openView(ctx, in, f)
			}
		}
	}
	if err == nil {
		return
	}
	a.log.Warn("views.open failed; offering the form by direct message", "form", f.ID, "user", in.origin.User.String(), "err", err)
	resp := a.handler.Handle(ctx, &chat.FormFailed{Origin: in.origin, Form: f})
	if resp.Reply != nil {
		a.sendRetrying(ctx, "form offer", in.origin.User, func() error {
			_, err := a.Post(ctx, chat.DM(in.origin.User), *resp.Reply)
			return err
		})
	}
}

func (a *Adapter) openView(ctx context.Context, in *incoming, f chat.Form) error {
	_, err := in.ws.api.OpenViewContext(ctx, in.origin.Trigger, modal(f, in.origin.Locale))
	return deliveryError("views.open", err)
}

// replyAttempts bounds how often an immediate reply is tried.
const replyAttempts = 4

// sendRetrying runs send until it succeeds, retrying transient failures
// (a 429 after its Retry-After, a 5xx or network error after a short
// backoff) up to replyAttempts times within ctx. A permanent failure, or
// the last one, is logged: the person already has the ack.
func (a *Adapter) sendRetrying(ctx context.Context, what string, u chat.UserRef, send func() error) {
	for attempt := 1; ; attempt++ {
		err := send()
		if err == nil {
			return
		}
		if errors.Is(err, chat.ErrPermanent) || attempt == replyAttempts {
			a.log.Error(what+" not delivered", "user", u.String(), "attempts", attempt, "err", err)
			return
		}
		wait := time.Duration(attempt) * 500 * time.Millisecond
		var ra *chat.RetryAfterError
		if errors.As(err, &ra) {
			wait = ra.Wait
		}
		a.log.Warn(what+" failed, will retry", "user", u.String(), "in", wait, "err", err)
		select {
		case <-ctx.Done():
			a.log.Error(what+" not delivered", "user", u.String(), "err", ctx.Err())
			return
		case <-time.After(wait):
		}
	}
}

// updateOrigin rewrites the message an action came from: chat.update, or
// the response URL for an ephemeral message.
func (a *Adapter) updateOrigin(ctx context.Context, in *incoming, m chat.Message) {
	var err error
	switch {
	case in.ephemeral && in.responseURL != "":
		_, _, _, err = in.ws.api.SendMessageContext(ctx, "", append(messageOptions(m), slack.MsgOptionReplaceOriginal(in.responseURL))...)
	case in.message.ID != "":
		err = a.Update(ctx, chat.Address{Platform: "slack", Workspace: in.ws.WorkspaceID, Channel: in.message.Channel}, in.message, m)
	default:
		return
	}
	if err != nil {
		a.log.Error("update the message of an action", "user", in.origin.User.String(), "err", err)
	}
}

// reply shows m to the user who acted: through the response URL where
// there is one, else ephemeral in the channel, else (and when those fail)
// as a direct message.
func (a *Adapter) reply(ctx context.Context, in *incoming, m chat.Message) {
	m.ID = ""
	a.sendRetrying(ctx, "reply", in.origin.User, func() error { return a.replyOnce(ctx, in, m) })
}

// replyOnce tries the ways of replying in order and returns the last
// error: a Retry-After from any of them holds that channel (hold).
func (a *Adapter) replyOnce(ctx context.Context, in *incoming, m chat.Message) error {
	u := in.origin.User
	if in.responseURL != "" && in.kind != kindSubmit {
		_, _, _, err := in.ws.api.SendMessageContext(ctx, "", append(messageOptions(m), slack.MsgOptionResponseURL(in.responseURL, slack.ResponseTypeEphemeral))...)
		err = deliveryError("reply by response_url", err)
		if err == nil {
			return nil
		}
		if errors.As(err, new(*chat.RetryAfterError)) {
			return a.hold(in.ws, in.origin.Channel, err)
		}
		a.log.Warn("reply by response_url", "user", u.String(), "err", err)
	}
	if ch := in.origin.Channel; ch != "" && in.kind != kindText && !strings.HasPrefix(ch, "D") {
		err := a.PostEphemeral(ctx, chat.Address{Platform: "slack", Workspace: u.Workspace, Channel: ch}, u, m)
		if err == nil {
			return nil
		}
		if errors.As(err, new(*chat.RetryAfterError)) {
			return err
		}
		a.log.Warn("ephemeral reply", "user", u.String(), "err", err)
	}
	_, err := a.Post(ctx, chat.DM(u), m)
	return err
}

// maxDefer is the longest work after an ack waits for the acks still due
// (ackGate): in a burst the acks go first, and replies still come within
// about a second.
const maxDefer = 400 * time.Millisecond

// ackGate counts the envelopes received and not yet acknowledged.
type ackGate struct {
	mu   sync.Mutex
	n    int
	idle chan struct{} // closed when n drops to 0
}

func (g *ackGate) add() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.n == 0 {
		g.idle = make(chan struct{})
	}
	g.n++
}

func (g *ackGate) done() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.n--
	if g.n == 0 {
		close(g.idle)
	}
}

// wait returns when no envelope awaits its ack, after max at most, or
// when ctx ends.
func (g *ackGate) wait(ctx context.Context, max time.Duration) {
	g.mu.Lock()
	if g.n == 0 {
		g.mu.Unlock()
		return
	}
	idle := g.idle
	g.mu.Unlock()
	t := time.NewTimer(max)
	defer t.Stop()
	select {
	case <-idle:
	case <-t.C:
	case <-ctx.Done():
	}
}
