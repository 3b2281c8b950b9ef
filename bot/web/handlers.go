package web

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/bot/email"
	"github.com/kipina/kipina/bot/reqid"
	"github.com/kipina/kipina/storage"
)

// callView is the call page's own part.
type callView struct {
	CallPage
	Date, Deadline    string
	Path, ApplyPath   string
	Address           string // the confirmed address, when signed in
	Email, EmailError string
}

func (a *Adapter) notFound(w http.ResponseWriter, r *http.Request, lang string) {
	a.message(w, r, http.StatusNotFound, lang, a.cat.T(lang, "web.not_found"), "", nil)
}

func (a *Adapter) internal(w http.ResponseWriter, r *http.Request, lang, what string, err error) {
	a.log.Error(what, "err", err, reqid.Key, reqid.Of(r.Context()))
	a.message(w, r, http.StatusInternalServerError, lang, a.cat.T(lang, "web.internal"), "", nil)
}

// callPage shows an event's call and the e-mail step.
func (a *Adapter) callPage(w http.ResponseWriter, r *http.Request) {
	a.showCall(w, r, http.StatusOK, "", "")
}

func (a *Adapter) showCall(w http.ResponseWriter, r *http.Request, status int, typed, emailErr string) {
	ws, event, ok := a.target(r)
	lang := a.lang(r, ws)
	if !ok {
		a.notFound(w, r, lang)
		return
	}
	cp, ok := a.call(w, r, ws, event, lang)
	if !ok {
		return
	}
	v := a.newView(w, r, lang, cp.Event)
	loc := a.ws[ws].loc
	cv := &callView{CallPage: cp, Path: callPath(ws, event), ApplyPath: callPath(ws, event) + "/apply", Email: typed, EmailError: emailErr,
		Deadline: cp.Deadline.In(loc).Format(a.cat.T(lang, "format.datetime"))}
	if dateSet(cp.Date) {
		cv.Date = cp.Date.In(loc).Format(a.cat.T(lang, "format.date"))
	}
	cv.Address, _ = a.session(r, ws)
	if emailErr != "" {
		v.Errors = []summaryItem{{Href: "#email", Label: a.cat.T(lang, "web.call.email.label"), Message: emailErr}}
	}
	v.Call = cv
	a.render(w, status, "call", v)
}

// callStart takes the e-mail address and mails the confirmation link.
func (a *Adapter) callStart(w http.ResponseWriter, r *http.Request) {
	ws, event, ok := a.target(r)
	lang := a.lang(r, ws)
	if !ok {
		a.notFound(w, r, lang)
		return
	}
	typed := strings.TrimSpace(r.PostForm.Get("email"))
	f := chat.Form{Fields: []chat.Field{{ID: "email", Kind: chat.Email}}}
	if p, bad := f.Check(map[string]string{"email": typed})["email"]; bad {
		a.showCall(w, r, http.StatusUnprocessableEntity, typed, a.cat.T(lang, p.ID))
		return
	}
	addr := strings.ToLower(typed)
	cp, ok := a.call(w, r, ws, event, lang)
	if !ok {
		return
	}
	if !cp.Open {
		a.showCall(w, r, http.StatusConflict, typed, "")
		return
	}
	if !a.addrLim.allow(ws + "/" + addr) {
		a.message(w, r, http.StatusTooManyRequests, lang, a.cat.T(lang, "web.too_many"), "", nil)
		return
	}
	var path string
	err := a.db.Update(func(tx *storage.Tx) (err error) {
		if err := people.Put(tx, ws, addr, person{Lang: lang}); err != nil {
			return err
		}
		path, err = a.newLink(tx, ws, Link{Kind: linkVerify, Address: addr, Event: event, Lang: lang, Expires: a.now().Add(VerifyTTL)})
		return err
	})
	if err != nil {
		a.internal(w, r, lang, "store link", err)
		return
	}
	m := email.Mail{To: addr, Subject: a.cat.T(lang, "web.verify.subject", "Event", cp.Event),
		Text: a.cat.T(lang, "web.verify.mail", "Event", cp.Event, "URL", a.URL(path))}
	if err := a.mail.Send(r.Context(), m); err != nil {
		a.log.Warn("confirmation mail", "ws", ws, "err", err, reqid.Key, reqid.Of(r.Context()))
		a.message(w, r, http.StatusBadGateway, lang, a.cat.T(lang, "web.mail_failed"), "", &linkView{Href: callPath(ws, event), Label: a.cat.T(lang, "web.sent.back")})
		return
	}
	http.Redirect(w, r, callPath(ws, event)+"/sent", http.StatusSeeOther)
}

// callSent says to check the mailbox (it names no address: the URL and
// the page carry no personal data).
func (a *Adapter) callSent(w http.ResponseWriter, r *http.Request) {
	ws, event, ok := a.target(r)
	lang := a.lang(r, ws)
	if !ok {
		a.notFound(w, r, lang)
		return
	}
	a.message(w, r, http.StatusOK, lang, a.cat.T(lang, "web.sent.heading"), a.cat.T(lang, "web.sent.text"),
		&linkView{Href: callPath(ws, event), Label: a.cat.T(lang, "web.sent.back")})
}

// applyPage asks the core for the application form as the signed-in
// address ("/kipina apply <event>") and shows it.
func (a *Adapter) applyPage(w http.ResponseWriter, r *http.Request) {
	ws, event, ok := a.target(r)
	lang := a.lang(r, ws)
	if !ok {
		a.notFound(w, r, lang)
		return
	}
	addr, ok := a.session(r, ws)
	if !ok {
		http.Redirect(w, r, callPath(ws, event)+"#apply", http.StatusSeeOther)
		return
	}
	who := chat.Origin{User: user(ws, addr), Locale: lang}
	resp, ok := a.dispatch(r.Context(), &chat.Command{Origin: who, Text: "apply " + event})
	if !ok {
		a.message(w, r, http.StatusServiceUnavailable, lang, a.cat.T(lang, "web.internal"), "", nil)
		return
	}
	a.respond(w, r, lang, who.User, resp, nil, nil)
}

// dispatch hands an event to the core; false when the core is not
// running yet.
func (a *Adapter) dispatch(ctx context.Context, e chat.Event) (chat.Response, bool) {
	h := a.core()
	if h == nil {
		return chat.Response{}, false
	}
	return h.Handle(ctx, e), true
}

// formToken is the signed hidden field of a form on a page: who may
// submit it, and the form's description (to show it again with errors).
type formToken struct {
	W    string     `json:"w"`
	A    string     `json:"a"`
	Form *chat.Form `json:"f"`
}

// respond renders the core's answer: a form, the previous form with
// errors (prev and values), or a reply.
func (a *Adapter) respond(w http.ResponseWriter, r *http.Request, lang string, who chat.UserRef, resp chat.Response, prev *chat.Form, values map[string]string) {
	switch {
	case resp.Form != nil:
		a.showForm(w, r, http.StatusOK, lang, who, resp.Form, nil, nil)
	case len(resp.Errors) > 0 && prev != nil:
		a.showForm(w, r, http.StatusUnprocessableEntity, lang, who, prev, values, resp.Errors)
	case resp.Reply != nil:
		a.answer(w, r, lang, who, *resp.Reply)
	case resp.Update != nil:
		a.answer(w, r, lang, who, *resp.Update)
	default:
		a.message(w, r, http.StatusOK, lang, a.cat.T(lang, "web.done.heading"), "", nil)
	}
}

// showForm renders f for who; the first e-mail field left empty is filled
// with the verified address.
func (a *Adapter) showForm(w http.ResponseWriter, r *http.Request, status int, lang string, who chat.UserRef, f *chat.Form, values, errs map[string]string) {
	cp := *f
	cp.Fields = slices.Clone(f.Fields)
	for i := range cp.Fields {
		if cp.Fields[i].Kind == chat.Email && cp.Fields[i].Value == "" {
			cp.Fields[i].Value = who.User
			break
		}
	}
	tok, err := a.sign.seal("form", formToken{W: who.Workspace, A: who.User, Form: f}, FormTTL)
	if err != nil {
		a.internal(w, r, lang, "seal form", err)
		return
	}
	v := a.newView(w, r, lang, f.Title)
	a.formPage(v, &cp, tok, values, errs)
	a.render(w, status, "form", v)
}

// formSubmit hands a submitted form to the core.
func (a *Adapter) formSubmit(w http.ResponseWriter, r *http.Request) {
	var t formToken
	err := a.sign.open("form", r.PostForm.Get("form"), &t)
	lang := a.lang(r, t.W)
	if errors.Is(err, ErrExpired) {
		a.message(w, r, http.StatusGone, lang, a.cat.T(lang, "web.form.expired"), "", nil)
		return
	}
	if err != nil || t.Form == nil {
		a.message(w, r, http.StatusBadRequest, lang, a.cat.T(lang, "web.session.expired"), "", nil)
		return
	}
	if _, on := a.ws[t.W]; !on {
		a.notFound(w, r, lang)
		return
	}
	who := chat.Origin{User: user(t.W, t.A), Locale: lang}
	values := formValues(t.Form, r.PostForm)
	resp, ok := a.dispatch(r.Context(), &chat.FormSubmit{Origin: who, FormID: t.Form.ID, State: t.Form.State, Values: values})
	if !ok {
		a.message(w, r, http.StatusServiceUnavailable, lang, a.cat.T(lang, "web.internal"), "", nil)
		return
	}
	a.respond(w, r, lang, who.User, resp, t.Form, values)
}

// answer shows the core's reply as a page; its buttons and selects become
// signed links for who (a follow-up's "Add a comment", for example).
func (a *Adapter) answer(w http.ResponseWriter, r *http.Request, lang string, who chat.UserRef, m chat.Message) {
	v := a.newView(w, r, lang, a.cat.T(lang, "web.done.heading"))
	v.Text = paragraphs(m.Text)
	if len(m.Controls) > 0 {
		err := a.db.Update(func(tx *storage.Tx) (err error) {
			v.Links, err = a.controlLinks(tx, who.Workspace, who.User, lang, chat.MessageRef{}, m.Controls)
			return err
		})
		if err != nil {
			a.internal(w, r, lang, "store links", err)
			return
		}
	}
	a.render(w, http.StatusOK, "message", v)
}

// call reads event's call page in lang, answering the request itself (not
// found, or the polite failure) when it cannot.
func (a *Adapter) call(w http.ResponseWriter, r *http.Request, ws, event, lang string) (CallPage, bool) {
	cp, err := a.calls.Call(r.Context(), ws, event, lang)
	if errors.Is(err, ErrNoCall) {
		a.notFound(w, r, lang)
		return cp, false
	}
	if err != nil {
		a.internal(w, r, lang, "call page", err)
		return cp, false
	}
	return cp, true
}
