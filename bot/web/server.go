package web

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/kipina/kipina/bot/locale"
	"github.com/kipina/kipina/bot/reqid"
	"golang.org/x/text/language"
)

// Cookie names.
const (
	cookieCSRF    = "kipina_csrf"
	cookieSession = "kipina_session"
	cookieLang    = "kipina_lang"
)

// securityHeaders are sent with every answer. The CSP allows the page's
// own stylesheet and nothing else: no script at all, no framing.
var securityHeaders = map[string]string{
	"Content-Security-Policy":      "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
	"X-Content-Type-Options":       "nosniff",
	"X-Frame-Options":              "DENY",
	"Referrer-Policy":              "no-referrer",
	"Cross-Origin-Opener-Policy":   "same-origin",
	"Cross-Origin-Resource-Policy": "same-origin",
	"Permissions-Policy":           "camera=(), microphone=(), geolocation=()",
}

// Handler returns the HTTP handler of the page (Run serves it; tests and
// a host process may mount it themselves).
func (a *Adapter) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /static/style.css", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
		w.Header().Set("Cache-Control", "public, max-age=3600")
		w.Write(styleCSS)
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("ok\n")) })
	mux.HandleFunc("GET /{ws}/calls/{event}", a.callPage)
	mux.HandleFunc("POST /{ws}/calls/{event}", a.post(a.callStart))
	mux.HandleFunc("GET /{ws}/calls/{event}/sent", a.callSent)
	mux.HandleFunc("GET /{ws}/calls/{event}/apply", a.applyPage)
	mux.HandleFunc("GET /l/{token}", a.linkPage)
	mux.HandleFunc("POST /l/{token}", a.post(a.linkUse))
	mux.HandleFunc("POST /d/{token}", a.post(a.linkData))
	mux.HandleFunc("POST /forms", a.post(a.formSubmit))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		a.message(w, r, http.StatusNotFound, a.lang(r, ""), a.cat.T(a.lang(r, ""), "web.not_found"), "", nil)
	})
	return a.secure(mux)
}

// secure sets the security headers, limits bodies, and handles the
// language switch (?lang=xx sets the cookie and redirects to the same page
// without the query).
func (a *Adapter) secure(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		for k, v := range securityHeaders {
			h.Set(k, v)
		}
		if a.base.Scheme == "https" {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		if !strings.HasPrefix(r.URL.Path, "/static/") {
			h.Set("Cache-Control", "no-store")
		}
		r.Body = http.MaxBytesReader(w, r.Body, MaxBody)
		r = r.WithContext(reqid.With(r.Context(), reqid.New())) // the core's request line and the page's errors share it
		if l := r.URL.Query().Get("lang"); l != "" && r.Method == http.MethodGet {
			if l = locale.Normalize(l); l != "" {
				http.SetCookie(w, a.cookie(cookieLang, l, 365*24*3600))
			}
			http.Redirect(w, r, r.URL.Path, http.StatusSeeOther)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// post guards a POST handler: the per-client rate limit, the body limit
// (413), the CSRF token (403) and the honeypot (a filled one gets a
// neutral page and nothing is done).
func (a *Adapter) post(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		lang := a.lang(r, r.PathValue("ws"))
		if !a.ipLimit.allow(a.clientIP(r)) {
			a.message(w, r, http.StatusTooManyRequests, lang, a.cat.T(lang, "web.too_many"), "", nil)
			return
		}
		if err := r.ParseForm(); err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				a.message(w, r, http.StatusRequestEntityTooLarge, lang, a.cat.T(lang, "web.too_large"), "", nil)
				return
			}
			a.message(w, r, http.StatusBadRequest, lang, a.cat.T(lang, "web.session.expired"), "", nil)
			return
		}
		c, err := r.Cookie(cookieCSRF)
		if err != nil || c.Value == "" || r.PostForm.Get("csrf") != a.sign.csrf(c.Value) {
			a.log.Info("refused: CSRF token missing or wrong", "path", r.URL.Path)
			a.message(w, r, http.StatusForbidden, lang, a.cat.T(lang, "web.session.expired"), "", nil)
			return
		}
		if r.PostForm.Get("homepage") != "" {
			a.log.Info("refused: honeypot filled", "path", r.URL.Path)
			a.message(w, r, http.StatusOK, lang, a.cat.T(lang, "web.done.heading"), "", nil)
			return
		}
		next(w, r)
	}
}

// cookie makes a cookie the page sets: HttpOnly, SameSite=Lax, Secure
// behind https.
func (a *Adapter) cookie(name, value string, maxAge int) *http.Cookie {
	return &http.Cookie{Name: name, Value: value, Path: "/", MaxAge: maxAge, HttpOnly: true,
		Secure: a.base.Scheme == "https", SameSite: http.SameSiteLaxMode}
}

// csrfCookie returns the browser's CSRF cookie value, setting a new one
// when it has none.
func (a *Adapter) csrfCookie(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(cookieCSRF); err == nil && len(c.Value) >= 16 {
		return c.Value
	}
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported systems
	}
	v := base64.RawURLEncoding.EncodeToString(b)
	http.SetCookie(w, a.cookie(cookieCSRF, v, 0))
	// Later reads in this request see it too.
	r.AddCookie(&http.Cookie{Name: cookieCSRF, Value: v})
	return v
}

var matcher = language.NewMatcher([]language.Tag{language.Finnish, language.English, language.Swedish})

// lang picks the page's language: the cookie set by the switch, else the
// browser's Accept-Language, else the workspace's language, else Finnish.
func (a *Adapter) lang(r *http.Request, ws string) string {
	if c, err := r.Cookie(cookieLang); err == nil {
		if l := locale.Normalize(c.Value); l != "" {
			return l
		}
	}
	if al := r.Header.Get("Accept-Language"); al != "" {
		tags, _, err := language.ParseAcceptLanguage(al)
		if err == nil && len(tags) > 0 {
			_, i, conf := matcher.Match(tags...)
			if conf != language.No {
				return []string{"fi", "en", "sv"}[i]
			}
		}
	}
	if info, ok := a.ws[ws]; ok && info.lang != "" {
		return info.lang
	}
	return "fi"
}

// session is the signed cookie naming a verified address.
type session struct {
	W string `json:"w"`
	A string `json:"a"`
}

func (a *Adapter) session(r *http.Request, ws string) (string, bool) {
	c, err := r.Cookie(cookieSession)
	if err != nil {
		return "", false
	}
	var s session
	if err := a.sign.open("session", c.Value, &s); err != nil || s.W != ws {
		return "", false
	}
	return s.A, true
}

func (a *Adapter) setSession(w http.ResponseWriter, ws, address string) error {
	tok, err := a.sign.seal("session", session{W: ws, A: address}, SessionTTL)
	if err != nil {
		return err
	}
	http.SetCookie(w, a.cookie(cookieSession, tok, int(SessionTTL.Seconds())))
	return nil
}

var idPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// target reads and checks the workspace and event of a call URL.
func (a *Adapter) target(r *http.Request) (ws, event string, ok bool) {
	ws, event = r.PathValue("ws"), r.PathValue("event")
	_, on := a.ws[ws]
	return ws, event, on && idPattern.MatchString(event)
}

func callPath(ws, event string) string {
	return "/" + url.PathEscape(ws) + "/calls/" + url.PathEscape(event)
}
