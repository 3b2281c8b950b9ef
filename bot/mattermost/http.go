package mattermost

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/bot/httpsrv"
	"github.com/mattermost/mattermost/server/public/model"
)

// serve runs the HTTP endpoint on ln until ctx ends.
func (a *Adapter) serve(ctx context.Context, ln net.Listener, h chat.Handler) error {
	srv := httpsrv.New(a.Handler(h), a.opts.HTTPLimits, context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() {
		defer close(done)
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(sctx); err != nil {
			a.log.Warn("HTTP server shutdown", "err", err)
		}
	}()
	a.log.Info("listening for Mattermost", "listen", ln.Addr().String(), "callback_url", a.opts.CallbackURL)
	err := srv.Serve(ln)
	<-done
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// Handler returns the HTTP handler of the three endpoints, passing events to
// h. Run serves it on Options.Listen; it is exported for tests and for
// mounting behind another server.
func (a *Adapter) Handler(h chat.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+PathCommand, func(w http.ResponseWriter, r *http.Request) { a.command(w, r, h) })
	mux.HandleFunc("POST "+PathDialog, func(w http.ResponseWriter, r *http.Request) { a.submit(w, r, h) })
	mux.HandleFunc("POST "+PathAction, func(w http.ResponseWriter, r *http.Request) { a.click(w, r, h) })
	return httpsrv.LimitBody(mux, a.maxBody())
}

// maxBody is the endpoint's body limit, bytes.
func (a *Adapter) maxBody() int64 {
	if a.opts.HTTPLimits.MaxBody > 0 {
		return a.opts.HTTPLimits.MaxBody
	}
	return httpsrv.Default.MaxBody
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	if err := json.NewEncoder(w).Encode(v); err != nil {
		slog.Debug("answer not written", "err", err) // the server went away
	}
}

// command handles a slash command after checking its token.
func (a *Adapter) command(w http.ResponseWriter, r *http.Request, h chat.Handler) {
	if err := r.ParseForm(); err != nil {
		httpsrv.Refuse(w, err)
		return
	}
	t, want := a.teamOf(r.PostForm.Get("team_id")), ""
	if t != nil {
		a.mu.RLock()
		want = t.cmdToken // set once /kipina is registered: until then nothing is accepted
		a.mu.RUnlock()
	}
	auth, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Token ")
	if t == nil || !sameToken(want, r.PostForm.Get("token")) || !sameToken(want, auth) {
		a.log.Warn("slash command refused: unknown team or bad token", "team_id", r.PostForm.Get("team_id"), "remote", r.RemoteAddr)
		http.Error(w, "forbidden", http.StatusForbidden)
		return
	}
	ctx := r.Context()
	channel, userID := r.PostForm.Get("channel_id"), r.PostForm.Get("user_id")
	if a.probeArrived(t.conn, userID, r.PostForm.Get("text")) {
		writeJSON(w, model.CommandResponse{ResponseType: model.CommandResponseTypeEphemeral, Text: "ok"})
		return
	}
	o := chat.Origin{User: t.user(userID), Channel: channel, Trigger: r.PostForm.Get("trigger_id")}
	text := a.mentions(ctx, t.conn, r.PostForm.Get("text"))
	resp := h.Handle(ctx, &chat.Command{Origin: o, Text: text})
	out := model.CommandResponse{ResponseType: model.CommandResponseTypeEphemeral}
	if resp.Form != nil {
		a.openForm(ctx, t, o, *resp.Form)
	}
	if m := resp.Reply; m != nil {
		out.Text = markdown(m.Text)
		out.Attachments = a.attachments(t.ws.ID, channel, a.onlyFor(userID), *m)
	}
	writeJSON(w, out)
}

func sameToken(want, got string) bool {
	return want != "" && subtle.ConstantTimeCompare([]byte(want), []byte(got)) == 1
}

// openForm opens f as a dialog with o's trigger; a failure is answered
// with a direct message, as the trigger cannot be retried.
func (a *Adapter) openForm(ctx context.Context, t *team, o chat.Origin, f chat.Form) {
	if err := f.Validate(); err != nil {
		a.log.Error("form", "err", err)
		return
	}
	a.remember(o.User.User, f)
	req := model.OpenDialogRequest{TriggerId: o.Trigger, URL: a.opts.CallbackURL + PathDialog,
		Dialog: a.dialog(t.ws.ID, o.User.User, f)}
	if resp, err := t.conn.api.OpenInteractiveDialog(ctx, req); err != nil {
		a.log.Error("open dialog", "form", f.ID, "user", o.User.String(), "err", apiError("open dialog", resp, err))
	}
}

// submit handles a dialog submission after checking the state's signature.
func (a *Adapter) submit(w http.ResponseWriter, r *http.Request, h chat.Handler) {
	var req model.SubmitDialogRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		httpsrv.Refuse(w, err)
		return
	}
	wsID, state, err := a.sign.openState(req.State, req.UserId, req.CallbackId)
	t := a.byWS[wsID]
	if err != nil || t == nil {
		a.log.Warn("dialog submission refused", "callback_id", req.CallbackId, "user", req.UserId, "remote", r.RemoteAddr, "err", err)
		http.Error(w, "forbidden", http.StatusForbidden)
		return
	}
	if req.Cancelled {
		writeJSON(w, struct{}{})
		return
	}
	ctx := r.Context()
	o := chat.Origin{User: t.user(req.UserId), Channel: req.ChannelId}
	f := a.recall(req.UserId, req.CallbackId)
	resp := h.Handle(ctx, &chat.FormSubmit{Origin: o, FormID: req.CallbackId, State: state, Values: values(f, req.Submission)})
	if len(resp.Errors) > 0 {
		errs := make(map[string]string, len(resp.Errors))
		for k, v := range resp.Errors {
			errs[k] = clip(v, maxHelp)
		}
		writeJSON(w, model.SubmitDialogResponse{Errors: errs})
		return
	}
	a.forget(req.UserId, req.CallbackId)
	if m := resp.Reply; m != nil {
		to := chat.Address{Platform: Name, Workspace: t.ws.ID, Channel: req.ChannelId}
		if err := a.PostEphemeral(ctx, to, o.User, *m); err != nil {
			a.log.Error("reply to a dialog", "user", o.User.String(), "err", err)
		}
	}
	writeJSON(w, struct{}{})
}

// click handles a button or select after checking the context's signature.
func (a *Adapter) click(w http.ResponseWriter, r *http.Request, h chat.Handler) {
	var req model.PostActionIntegrationRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		httpsrv.Refuse(w, err)
		return
	}
	act, err := a.sign.openAction(req.Context, req.ChannelId, req.UserId)
	t := a.byWS[act.Workspace]
	if err != nil || t == nil || req.UserId == "" {
		a.log.Warn("action refused", "user", req.UserId, "post", req.PostId, "remote", r.RemoteAddr, "err", err)
		http.Error(w, "forbidden", http.StatusForbidden)
		return
	}
	value := act.Value
	if sel, ok := req.Context[ctxSelected].(string); ok && sel != "" {
		value = sel
	}
	ctx := r.Context()
	o := chat.Origin{User: t.user(req.UserId), Channel: req.ChannelId, Trigger: req.TriggerId}
	resp := h.Handle(ctx, &chat.Action{Origin: o, Message: chat.MessageRef{Channel: req.ChannelId, ID: req.PostId},
		ActionID: act.ID, Value: value})
	var out model.PostActionIntegrationResponse
	if resp.Form != nil {
		a.openForm(ctx, t, o, *resp.Form)
	}
	if m := resp.Update; m != nil {
		// The updated post keeps its audience: a direct message stays
		// bound to the one it was shown to.
		aud := a.inChannel()
		if act.User != "" {
			aud = a.dmTo(act.User)
		}
		out.Update = a.post(t.ws.ID, req.ChannelId, aud, *m)
	}
	if m := resp.Reply; m != nil {
		if len(m.Controls) == 0 {
			out.EphemeralText = markdown(m.Text)
		} else if err := a.PostEphemeral(ctx, chat.Address{Platform: Name, Workspace: t.ws.ID, Channel: req.ChannelId}, o.User, *m); err != nil {
			a.log.Error("reply to an action", "user", o.User.String(), "err", err)
		}
	}
	writeJSON(w, out)
}

// formCache keeps the forms opened lately, so a submission's multi-select
// labels and unticked checkboxes map back to the fields' kinds. Without
// the entry (the bot restarted) values pass as typed.
type formCache struct {
	mu    sync.Mutex
	forms map[string]cachedForm
}

type cachedForm struct {
	form chat.Form
	at   time.Time
}

const maxCachedForms = 2000

func (a *Adapter) remember(user string, f chat.Form) {
	a.forms.mu.Lock()
	defer a.forms.mu.Unlock()
	if a.forms.forms == nil {
		a.forms.forms = map[string]cachedForm{}
	}
	now := a.opts.Now()
	if len(a.forms.forms) >= maxCachedForms {
		for k, c := range a.forms.forms {
			if now.Sub(c.at) > a.opts.DialogTTL || len(a.forms.forms) >= maxCachedForms {
				delete(a.forms.forms, k)
			}
		}
	}
	a.forms.forms[user+"\x00"+f.ID] = cachedForm{form: f, at: now}
}

func (a *Adapter) recall(user, id string) *chat.Form {
	a.forms.mu.Lock()
	defer a.forms.mu.Unlock()
	if c, ok := a.forms.forms[user+"\x00"+id]; ok {
		return &c.form
	}
	return nil
}

func (a *Adapter) forget(user, id string) {
	a.forms.mu.Lock()
	defer a.forms.mu.Unlock()
	delete(a.forms.forms, user+"\x00"+id)
}
