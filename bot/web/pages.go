package web

import (
	"bytes"
	"embed"
	"html/template"
	"net/http"
	"strings"

	"github.com/kipina/kipina/bot/locale"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static/style.css
var styleCSS []byte

// pages are the parsed templates, one per page, each with the layout.
type pages struct {
	t map[string]*template.Template
}

func loadPages(_ *locale.Catalog) (*pages, error) {
	base, err := template.ParseFS(templateFS, "templates/layout.html")
	if err != nil {
		return nil, err
	}
	p := &pages{t: map[string]*template.Template{}}
	for _, name := range []string{"call", "message", "landing", "form"} {
		c, err := base.Clone()
		if err != nil {
			return nil, err
		}
		if p.t[name], err = c.ParseFS(templateFS, "templates/"+name+".html"); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// view is what every page template reads.
type view struct {
	Lang   string
	Title  string
	Text   []string // paragraphs
	CSRF   string
	Langs  []langLink
	Errors []summaryItem
	Back   *linkView
	Links  []linkView // the answer's buttons, as links
	// Data, when set, is where the page's "Send me my data" form posts
	// (the page a link opens).
	Data string

	Call    *callView
	Form    *formView
	Landing *landingView

	cat *locale.Catalog
}

// T returns message id in the page's language.
func (v *view) T(id string, kv ...any) string { return v.cat.T(v.Lang, id, kv...) }

type langLink struct {
	Code, Name string
	Current    bool
}

type linkView struct{ Href, Label string }

// summaryItem is one line of the error summary: it links to the field.
type summaryItem struct {
	Href, Label, Message string
}

var langNames = []langLink{{Code: "fi", Name: "suomi"}, {Code: "en", Name: "English"}, {Code: "sv", Name: "svenska"}}

// newView starts a page in lang with a CSRF token for its forms.
func (a *Adapter) newView(w http.ResponseWriter, r *http.Request, lang, title string) *view {
	v := &view{Lang: lang, Title: title, CSRF: a.sign.csrf(a.csrfCookie(w, r)), cat: a.cat}
	for _, l := range langNames {
		l.Current = l.Code == lang
		v.Langs = append(v.Langs, l)
	}
	return v
}

// render writes page name with status.
func (a *Adapter) render(w http.ResponseWriter, status int, name string, v *view) {
	var buf bytes.Buffer
	if err := a.pages.t[name].ExecuteTemplate(&buf, "layout", v); err != nil {
		a.log.Error("render", "page", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if _, err := w.Write(buf.Bytes()); err != nil {
		a.log.Debug("write page", "err", err)
	}
}

// message renders a page of text.
func (a *Adapter) message(w http.ResponseWriter, r *http.Request, status int, lang, title, text string, back *linkView) {
	v := a.newView(w, r, lang, title)
	v.Text, v.Back = paragraphs(text), back
	a.render(w, status, "message", v)
}

// paragraphs splits chat text into paragraphs, dropping the *bold*
// markers of chat formatting.
func paragraphs(text string) []string {
	var out []string
	for _, p := range strings.Split(plain(text), "\n\n") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
