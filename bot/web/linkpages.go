package web

import (
	"errors"
	"net/http"

	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/storage"
)

// landingView is the page a link opens: one button (confirm) or the
// options of a select. Following a link changes nothing; pressing the
// button does (so mail scanners that fetch links do no harm).
type landingView struct {
	Path    string
	Label   string
	Button  string
	Error   string
	Options []chat.Option
}

// linkError renders why a link is refused: 400 forged, 410 expired or
// used.
func (a *Adapter) linkError(w http.ResponseWriter, r *http.Request, lang string, err error) {
	switch {
	case errors.Is(err, ErrExpired):
		a.message(w, r, http.StatusGone, lang, a.cat.T(lang, "web.link.expired"), "", nil)
	case errors.Is(err, ErrUsed):
		a.message(w, r, http.StatusGone, lang, a.cat.T(lang, "web.link.used"), "", nil)
	case errors.Is(err, ErrBadSignature), errors.Is(err, storage.ErrNotFound):
		a.message(w, r, http.StatusBadRequest, lang, a.cat.T(lang, "web.link.bad"), "", nil)
	default:
		a.internal(w, r, lang, "link", err)
	}
}

// linkPage shows what following a link will do.
func (a *Adapter) linkPage(w http.ResponseWriter, r *http.Request) {
	a.showLink(w, r, http.StatusOK, "")
}

func (a *Adapter) showLink(w http.ResponseWriter, r *http.Request, status int, choiceErr string) {
	tok := r.PathValue("token")
	t, l, err := a.readLink(tok)
	lang := a.lang(r, t.W)
	if errors.Is(err, ErrUsed) {
		// A used link still proves the mailbox: its holder can have their
		// data sent to it.
		v := a.newView(w, r, lang, a.cat.T(lang, "web.link.used"))
		v.Data = dataPath(tok)
		a.render(w, http.StatusGone, "message", v)
		return
	}
	if err != nil {
		a.linkError(w, r, lang, err)
		return
	}
	if l.Kind == linkData {
		v := a.newView(w, r, lang, a.cat.T(lang, "web.data.title"))
		v.Data = dataPath(tok)
		a.render(w, http.StatusOK, "message", v)
		return
	}
	lv := &landingView{Path: "/l/" + tok, Label: l.Label, Error: choiceErr}
	var v *view
	switch l.Kind {
	case linkVerify:
		v = a.newView(w, r, lang, a.cat.T(lang, "web.link.verify.heading"))
		v.Text = []string{a.cat.T(lang, "web.link.verify.text")}
		lv.Button = a.cat.T(lang, "web.link.continue.button")
	case linkSelect:
		v = a.newView(w, r, lang, a.cat.T(lang, "web.link.select.heading"))
		lv.Options, lv.Button = l.Options, a.cat.T(lang, "web.link.send.button")
		if choiceErr != "" {
			v.Errors = []summaryItem{{Href: "#choice-0", Label: l.Label, Message: choiceErr}}
		}
	default:
		v = a.newView(w, r, lang, a.cat.T(lang, "web.link.action.heading"))
		v.Text = []string{a.cat.T(lang, "web.link.action.text", "Label", l.Label)}
		lv.Button = a.cat.T(lang, "web.link.confirm.button")
	}
	v.Landing, v.Data = lv, dataPath(tok)
	a.render(w, status, "landing", v)
}

// linkUse follows a link: it is used up (single use), then the address is
// signed in and the link's work is done: the application form for a
// confirmation link, the action for a button or select.
func (a *Adapter) linkUse(w http.ResponseWriter, r *http.Request) {
	t, l, err := a.readLink(r.PathValue("token"))
	lang := a.lang(r, t.W)
	if err != nil {
		a.linkError(w, r, lang, err)
		return
	}
	if l.Kind == linkData {
		a.linkData(w, r)
		return
	}
	value := l.Value
	if l.Kind == linkSelect {
		value = r.PostForm.Get("value")
		if !hasOption(l.Options, value) {
			a.showLink(w, r, http.StatusUnprocessableEntity, a.cat.T(lang, "field.option"))
			return
		}
	}
	if l, err = a.useLink(t); err != nil {
		a.linkError(w, r, lang, err)
		return
	}
	if err := a.setSession(w, t.W, l.Address); err != nil {
		a.internal(w, r, lang, "session", err)
		return
	}
	if l.Kind == linkVerify {
		http.Redirect(w, r, callPath(t.W, l.Event)+"/apply", http.StatusSeeOther)
		return
	}
	who := chat.Origin{User: user(t.W, l.Address), Locale: lang}
	resp, ok := a.dispatch(r.Context(), &chat.Action{Origin: who, Message: l.Message, ActionID: l.Action, Value: value})
	if !ok {
		if err := a.releaseLink(t); err != nil {
			a.log.Error("release link", "err", err)
		}
		a.message(w, r, http.StatusServiceUnavailable, lang, a.cat.T(lang, "web.internal"), "", nil)
		return
	}
	if resp.Form != nil {
		// Opening a form changed nothing: the link stays usable.
		if err := a.releaseLink(t); err != nil {
			a.log.Error("release link", "err", err)
		}
	}
	a.respond(w, r, lang, who.User, resp, nil, nil)
}

func hasOption(opts []chat.Option, v string) bool {
	for _, o := range opts {
		if o.Value == v {
			return true
		}
	}
	return false
}
