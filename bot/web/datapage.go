package web

import (
	"errors"
	"net/http"

	"github.com/kipina/kipina/bot/chat"
)

// dataPath is where the "Send me my data" button of a link's page posts:
// /d/<the link's token>.
func dataPath(token string) string { return "/d/" + token }

// linkData is the "Send me my data" button of the page a link opens: it
// asks the core for the address's own export (the command "privacy my"
// from the link's verified address, GDPR art. 15), which the core sends as
// an e-mail attachment to that address, the one on file in the link's
// record, never one typed in the request. A link that was already used
// still works here (it proves the mailbox and only mails it); a forged or
// expired one is refused like any link (400, 410) and nothing is sent.
// Exports are limited per address like confirmation mails.
func (a *Adapter) linkData(w http.ResponseWriter, r *http.Request) {
	t, l, err := a.readLink(r.PathValue("token"))
	lang := a.lang(r, t.W)
	if err != nil && !errors.Is(err, ErrUsed) {
		a.linkError(w, r, lang, err)
		return
	}
	if !a.addrLim.allow(t.W + "/" + l.Address) {
		a.message(w, r, http.StatusTooManyRequests, lang, a.cat.T(lang, "web.too_many"), "", nil)
		return
	}
	who := chat.Origin{User: user(t.W, l.Address), Locale: lang}
	resp, ok := a.dispatch(r.Context(), &chat.Command{Origin: who, Text: "privacy my"})
	if !ok {
		a.message(w, r, http.StatusServiceUnavailable, lang, a.cat.T(lang, "web.internal"), "", nil)
		return
	}
	a.respond(w, r, lang, who.User, resp, nil, nil)
}
